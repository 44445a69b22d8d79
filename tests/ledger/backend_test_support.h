// Shared by the embedded backend's tests: a fixture with two subscribers and a biller, an
// instruction maker, and a second connection that holds the ledger's write lock.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <string>
#include <string_view>

#include "commands/embedded_backend.h"
#include "tests/ledger/ledger_fixture.h"

namespace smsgw::commands {

inline constexpr char kAlice[] = "254700000001";
inline constexpr char kBob[] = "254700000002";

inline Instruction Make(std::string id, std::string_view operation, Fields fields,
                        std::string pin = "1234", std::string msisdn = kAlice) {
  Instruction in;
  in.id = std::move(id);
  in.operation = operation;
  in.msisdn = std::move(msisdn);
  in.fields = std::move(fields);
  in.pin = store::SecretBytes(std::move(pin));
  return in;
}

// A ledger with Alice (KES 1,000.00), Bob (nothing) and the biller KPLC, and an
// EmbeddedBackend on a connection of its own.
class EmbeddedBackendFixture : public store::LedgerTest {
 protected:
  void SetUp() override {
    store::LedgerTest::SetUp();
    AddSubscriber(kAlice, 100'000);
    AddSubscriber(kBob, 0);
    AddBiller("KPLC");
    OpenBackend();
  }
  void TearDown() override {
    backend_.reset();
    store::LedgerTest::TearDown();
  }

  // Replaces the backend with one whose connection goes through the SQLite VFS `vfs`.
  void OpenBackend(const std::string& vfs = {}) {
    store::LedgerOptions o = Options();
    o.vfs = vfs;
    auto ledger = store::Ledger::Open(o, keys_);
    ASSERT_TRUE(ledger.ok()) << ledger.status().ToString();
    backend_ = std::make_unique<EmbeddedBackend>(std::move(ledger).value());
  }

  std::unique_ptr<EmbeddedBackend> backend_;
};

// Another connection in BEGIN IMMEDIATE on the database at `path` until destroyed, as another
// writer would be.
class WriteLockHolder {
 public:
  explicit WriteLockHolder(const std::string& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  }
  ~WriteLockHolder() {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(db_);
  }
  WriteLockHolder(const WriteLockHolder&) = delete;
  WriteLockHolder& operator=(const WriteLockHolder&) = delete;

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace smsgw::commands
