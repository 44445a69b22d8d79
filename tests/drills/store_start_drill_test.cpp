// The store at start: locked by another process, corrupted, from a newer smsgw, or its
// directory missing. Each is a clear error and exit status 4 (the store cannot be opened),
// the file left as it was, never a new empty database in its place.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>

#include "tests/drills/drill_fixture.h"

namespace smsgw::drills {
namespace {

constexpr int kExitStore = 4;

class StoreStartDrill : public DrillTest {
 protected:
  // `smsgw run` until it exits by itself (bounded); its exit status, -1 if it kept running.
  int RunUntilExit() {
    daemon_ = std::make_unique<test::ChildProcess>(
        daemon_test::SmsgwBin(), std::vector<std::string>{"run", "--config", config_}, log_);
    auto status = daemon_->Wait(30s);
    if (!status) return -1;
    return WIFEXITED(*status) ? WEXITSTATUS(*status) : 128 + WTERMSIG(*status);
  }

  // A store with one MO in it, made by a first run that stopped cleanly.
  void MakeStore() {
    StartDaemon();
    EXPECT_FALSE(Has(Say(Phone(0), "HELP"), "<no"));
    ASSERT_EQ(StopDaemon(), 0);
    ASSERT_TRUE(std::filesystem::exists(StorePath()));
  }

  static std::string Bytes(const std::string& path) { return test::ReadFileText(path); }

  static void Sql(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
};

TEST_F(StoreStartDrill, LockedByAnotherProcessIsAClearErrorAndExitStatus4) {
  MakeStore();
  // Another process (this one) holds the database's exclusive lock until it closes it.
  sqlite3* holder = nullptr;
  ASSERT_EQ(sqlite3_open(StorePath().c_str(), &holder), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(holder,
                         "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; "
                         "UPDATE meta SET name = name WHERE 0; COMMIT;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(holder);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(RunUntilExit(), kExitStore);
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  sqlite3_close(holder);
  EXPECT_TRUE(Has(Log(), "locked")) << "the error names the lock";
  std::cout << "[drill] gave up on the locked store after " << waited << " s\n";
  // The same store opens once the lock is gone: nothing was lost or replaced.
  StartDaemon();
  EXPECT_EQ(StopDaemon(), 0);
  EXPECT_EQ(Total(StoreStats().inbound), 1);
}

TEST_F(StoreStartDrill, CorruptedFileIsRefusedAndLeftAsItIs) {
  MakeStore();
  {
    std::fstream f(StorePath(), std::ios::in | std::ios::out | std::ios::binary);
    const std::string junk(100, 'X');  // the 100-byte SQLite header
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  const std::string before = Bytes(StorePath());
  EXPECT_EQ(RunUntilExit(), kExitStore);
  EXPECT_TRUE(Has(Log(), "not a database")) << "the error says what is wrong";
  EXPECT_EQ(Bytes(StorePath()), before) << "the corrupted file was left untouched";
}

TEST_F(StoreStartDrill, NewerSchemaIsRefusedAndLeftAsItIs) {
  MakeStore();
  Sql(StorePath(), "PRAGMA user_version = 99");
  EXPECT_EQ(RunUntilExit(), kExitStore);
  EXPECT_TRUE(Has(Log(), "newer than this smsgw supports"));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(StorePath().c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 99) << "not migrated, not replaced";
  sqlite3_finalize(st);
  sqlite3_close(db);
}

// A data directory that is not there (a volume not mounted, a wrong path) is refused rather
// than filled with a new empty store, which would forget every MO, challenge and instruction.
class MissingStoreDirDrill : public StoreStartDrill {
 protected:
  std::string ConfigText() override {
    return Replaced(StoreStartDrill::ConfigText(), "path: var/smsgw.db", "path: data/smsgw.db");
  }
  std::string StorePath() override { return dir_.File("data/smsgw.db"); }
};

TEST_F(MissingStoreDirDrill, MissingDirectoryIsRefusedWithoutCreatingAStore) {
  EXPECT_EQ(RunUntilExit(), kExitStore);
  EXPECT_TRUE(Has(Log(), "does not exist")) << "the error names the missing directory";
  EXPECT_FALSE(std::filesystem::exists(dir_.File("data"))) << "no directory made";
  // Once the directory exists, the first start creates the store, and says so.
  std::filesystem::create_directories(dir_.File("data"));
  StartDaemon();
  EXPECT_EQ(StopDaemon(), 0);
  EXPECT_TRUE(Has(Log(), "event=store.created"));
}

}  // namespace
}  // namespace smsgw::drills
