// The gathering VFS (store/gather_vfs.h) over the fault VFS, which counts the writes that
// reach the file system: plain SQLite connections, so what is checked is SQLite's own use of
// the files.
#include "store/gather_vfs.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/fault_vfs.h"

namespace smsgw::store {
namespace {

using testing::FaultVfs;

class GatherVfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FaultVfs::Get().Clear();
    dir_ = std::filesystem::temp_directory_path() /
           ("smsgw-gather-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "t.db").string();
  }
  void TearDown() override {
    for (sqlite3* db : open_) sqlite3_close(db);
    FaultVfs::Get().Clear();
    std::filesystem::remove_all(dir_);
  }

  // A connection in WAL mode, without automatic checkpoints: between two statements only
  // the WAL is written.
  sqlite3* Open(const std::string& vfs, const char* synchronous = "FULL") {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                              vfs.c_str()),
              SQLITE_OK);
    open_.push_back(db);
    Exec(db, "PRAGMA journal_mode = WAL");
    Exec(db, "PRAGMA wal_autocheckpoint = 0");
    Exec(db, std::string("PRAGMA synchronous = ") + synchronous);
    return db;
  }
  static int Exec(sqlite3* db, const std::string& sql) {
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    EXPECT_EQ(rc, SQLITE_OK) << sql << ": " << (error ? error : "");
    sqlite3_free(error);
    return rc;
  }
  static int64_t Count(sqlite3* db, const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sql;
    int64_t n = -1;
    if (sqlite3_step(s) == SQLITE_ROW) n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
  }
  static std::string Rows(int rows, int bytes) {
    return "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
           std::to_string(rows) + ") INSERT INTO t(v) SELECT randomblob(" + std::to_string(bytes) +
           ") FROM n";
  }
  // Writes `rows` rows of `bytes` random bytes each in one transaction; the writes it made.
  static int WritesOfOneTransaction(sqlite3* db, int rows, int bytes) {
    const int before = FaultVfs::Get().writes();
    Exec(db, Rows(rows, bytes));
    return FaultVfs::Get().writes() - before;
  }

  std::filesystem::path dir_;
  std::string path_;
  std::vector<sqlite3*> open_;
};

TEST_F(GatherVfsTest, ACommitGoesToTheWalInOneWrite) {
  Result<std::string> gathering = GatheringVfs(FaultVfs::kName);
  ASSERT_TRUE(gathering.ok()) << gathering.status().ToString();
  sqlite3* plain = Open(FaultVfs::kName);
  Exec(plain, "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)");
  // Ten rows of 1,000 bytes: three pages or so, each a header and a page.
  const int ungathered = WritesOfOneTransaction(plain, 10, 1000);
  EXPECT_GE(ungathered, 6);
  sqlite3_close(plain);
  open_.clear();

  sqlite3* db = Open(*gathering);
  // The first commit to a new WAL writes the WAL's header and syncs it before any frame.
  EXPECT_EQ(WritesOfOneTransaction(db, 10, 1000), 2);
  EXPECT_EQ(WritesOfOneTransaction(db, 10, 1000), 1);
  EXPECT_EQ(WritesOfOneTransaction(db, 1, 10), 1);
  EXPECT_EQ(Count(db, "SELECT count(*) FROM t"), 31);
}

TEST_F(GatherVfsTest, ATransactionLargerThanTheHoldGoesDownInPiecesAndReadsBack) {
  Result<std::string> gathering = GatheringVfs(FaultVfs::kName);
  ASSERT_TRUE(gathering.ok());
  sqlite3* db = Open(*gathering);
  Exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)");
  // About 1.2 MB: more than a write of the unix VFS may carry (128 KiB), so in pieces.
  const int writes = WritesOfOneTransaction(db, 300, 4000);
  EXPECT_GE(writes, static_cast<int>(1'200'000 / kMaxHeldBytes));
  EXPECT_LT(writes, 300);
  EXPECT_EQ(Count(db, "SELECT count(*) FROM t WHERE length(v) = 4000"), 300);
  EXPECT_EQ(Count(db, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"),
            1);
}

// With synchronous=NORMAL no sync follows a commit: the commit frame itself must send the held
// writes down, or another connection would be told of frames the file does not have yet.
TEST_F(GatherVfsTest, AnotherConnectionSeesEveryCommitWithoutASync) {
  Result<std::string> gathering = GatheringVfs("");
  ASSERT_TRUE(gathering.ok());
  EXPECT_EQ(*gathering, "smsgw-gather");
  sqlite3* writer = Open(*gathering, "NORMAL");
  Exec(writer, "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)");
  sqlite3* reader = Open("unix");
  for (int i = 1; i <= 50; ++i) {
    Exec(writer, "INSERT INTO t(v) VALUES (randomblob(" + std::to_string(100 * i) + "))");
    ASSERT_EQ(Count(reader, "SELECT count(*) FROM t"), i);
    ASSERT_EQ(Count(reader, "SELECT sum(length(v)) FROM t"), 100LL * i * (i + 1) / 2);
  }
  // And what a checkpoint copies from the WAL is what was written.
  Exec(reader, "PRAGMA wal_checkpoint(TRUNCATE)");
  EXPECT_EQ(
      Count(reader, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"), 1);
}

// A write that fails when the held writes go down fails the transaction, which leaves nothing;
// the next one, on a working disk, stores all of its rows.
TEST_F(GatherVfsTest, AFailedWriteFailsTheTransactionAndNothingOfItIsKept) {
  Result<std::string> gathering = GatheringVfs(FaultVfs::kName);
  ASSERT_TRUE(gathering.ok());
  sqlite3* db = Open(*gathering);
  Exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)");
  FaultVfs::Get().FailWrites(SQLITE_IOERR_WRITE, 0, 1);
  char* error = nullptr;
  const int failures = FaultVfs::Get().failures();
  EXPECT_NE(sqlite3_exec(db, Rows(20, 500).c_str(), nullptr, nullptr, &error), SQLITE_OK);
  sqlite3_free(error);
  EXPECT_EQ(FaultVfs::Get().failures(), failures + 1);
  EXPECT_EQ(Count(db, "SELECT count(*) FROM t"), 0);
  Exec(db, Rows(20, 500));
  EXPECT_EQ(Count(db, "SELECT count(*) FROM t"), 20);
  sqlite3* other = Open("unix");
  EXPECT_EQ(Count(other, "SELECT count(*) FROM t"), 20);
}

TEST_F(GatherVfsTest, AnUnknownBaseIsNotFound) {
  Result<std::string> gathering = GatheringVfs("no-such-vfs");
  ASSERT_FALSE(gathering.ok());
  EXPECT_TRUE(gathering.status().IsNotFound()) << gathering.status().ToString();
}

}  // namespace
}  // namespace smsgw::store
