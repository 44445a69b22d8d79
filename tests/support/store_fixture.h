// Shared helpers for the store's tests: a temporary directory, test keys, a manual clock and a
// fixture that opens and reopens a store. Header-only: tests/support/*.cpp are linked into the
// tools and benchmarks too, which do not link GoogleTest.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "store/store.h"

namespace smsgw::store::testing {

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("smsgw-store-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::shared_ptr<const KeyRing> TestKeys(char fill = 'k') {
  return std::make_shared<const KeyRing>(
      std::move(Key::FromBytes(std::string(kKeySize, fill)).value()));
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline InboundMessage Mo(std::string source, std::string text, std::string connection = "smsc1",
                         std::optional<std::string> smsc_id = std::nullopt) {
  InboundMessage m;
  m.connection = std::move(connection);
  m.source = std::move(source);
  m.destination = "4040";
  m.text = std::move(text);
  m.smsc_message_id = std::move(smsc_id);
  return m;
}

// Runs one statement on a separate raw connection and returns the first column of the first
// row as text ("" when none).
inline std::string RawQuery(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  sqlite3_stmt* st = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != nullptr) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

// Takes off a current store what schema version 12 added (the TON/NPI columns of inbound and
// reply), so that a test can make an older store out of it.
inline void DropSchemaVersion12(const std::string& path) {
  for (const char* column :
       {"inbound DROP COLUMN source_ton", "inbound DROP COLUMN source_npi",
        "reply DROP COLUMN destination_ton", "reply DROP COLUMN destination_npi"}) {
    RawQuery(path, std::string("ALTER TABLE ") + column);
  }
}

// Takes away the audit parents' columns and index version 14 added, for the same reason.
inline void DropSchemaVersion14(const std::string& path) {
  RawQuery(path, "DROP INDEX audit_parent");
  RawQuery(path, "ALTER TABLE audit DROP COLUMN parent_entity");
  RawQuery(path, "ALTER TABLE audit DROP COLUMN parent_id");
}

inline NewReply ReplyTo(std::string destination, std::string text) {
  NewReply r;
  r.destination = std::move(destination);
  r.source = "4040";
  r.text = std::move(text);
  return r;
}

// 2023-11-14T22:13:20Z: an arbitrary, fixed start for the manual clock.
inline constexpr int64_t kStartMs = 1'700'000'000'000;
inline constexpr int64_t kMinute = 60'000;
inline constexpr int64_t kHour = 60 * kMinute;

class StoreTest : public ::testing::Test {
 protected:
  StoreTest() : clock_(std::make_shared<ManualClock>(kStartMs)), keys_(TestKeys()) {
    path_ = dir_.File("store.db");
  }

  Options MakeOptions() const {
    Options o;
    o.path = path_;
    o.keys = keys_;
    o.clock = clock_;
    return o;
  }

  void Open() { Open(MakeOptions()); }
  void Open(Options o) {
    store_.reset();
    auto s = Store::Open(std::move(o));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  void Close() { store_.reset(); }

  Store& store() { return *store_; }

  // Accepts one message and returns its result.
  AcceptResult AcceptOne(const InboundMessage& m) {
    auto r = store_->Accept(std::span(&m, 1));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->at(0) : AcceptResult{};
  }

  TempDir dir_;
  std::shared_ptr<ManualClock> clock_;
  std::shared_ptr<const KeyRing> keys_;
  std::string path_;
  std::unique_ptr<Store> store_;
};

}  // namespace smsgw::store::testing
