#include "store/wal_write_batching.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "tests/support/fault_vfs.h"
#include "tests/support/store_fixture.h"

namespace smsgw::store::testing {
namespace {

// The writes that reached the files under the batching VFS, when FaultVfs is that VFS. These
// tests set no fault, and write only WAL files while they count (no checkpoint runs then).
int Writes() {
  return FaultVfs::Get().writes();
}
constexpr const char* kCounting = FaultVfs::kName;

class WalWriteBatchingTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (sqlite3* db : {writer_, reader_}) sqlite3_close(db);
    FaultVfs::Get().Clear();
  }

  // The writer: through the batching VFS over `base`, WAL mode, no automatic checkpoints
  // (so the WAL file sees every commit's frames and nothing else writes).
  void OpenWriter(const std::string& base, const std::string& synchronous = "FULL") {
    Result<std::string> vfs = WalWriteBatchingVfs(base);
    ASSERT_TRUE(vfs.ok()) << vfs.status().ToString();
    ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &writer_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                              vfs->c_str()),
              SQLITE_OK);
    Exec(writer_,
         "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; "
         "PRAGMA synchronous = " +
             synchronous + "; CREATE TABLE IF NOT EXISTS t(k INTEGER PRIMARY KEY, v BLOB)");
  }
  // Another connection through the plain default VFS, as the checkpointer or `smsgw ctl`.
  void OpenReader() {
    ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &reader_, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  }

  static int Exec(sqlite3* db, const std::string& sql) {
    char* error = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    EXPECT_TRUE(rc == SQLITE_OK || error != nullptr);
    sqlite3_free(error);
    return rc;
  }
  static int64_t Int(sqlite3* db, const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql;
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return v;
  }
  static std::string Text(sqlite3* db, const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql;
    std::string v;
    if (sqlite3_step(st) == SQLITE_ROW) {
      v = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return v;
  }
  // Inserts `rows` rows of `bytes` random bytes each, keys from `first`, in one transaction.
  static int Insert(sqlite3* db, int first, int rows, int bytes) {
    return Exec(db, "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < " +
                        std::to_string(rows - 1) + ") INSERT INTO t(k, v) SELECT " +
                        std::to_string(first) + " + i, randomblob(" + std::to_string(bytes) +
                        ") FROM n");
  }

  TempDir dir_;
  std::string path_ = dir_.File("t.db");
  sqlite3* writer_ = nullptr;
  sqlite3* reader_ = nullptr;
};

TEST_F(WalWriteBatchingTest, ACommitReachesTheWalInAFewWritesInsteadOfTwoPerPage) {
  // 300 rows of 1,000 bytes: about 80 pages, so 160 writes when SQLite's own go through.
  ASSERT_NO_FATAL_FAILURE(OpenWriter(kCounting));
  int start = Writes();
  ASSERT_EQ(Insert(writer_, 0, 300, 1000), SQLITE_OK);
  const int batched = Writes() - start;
  EXPECT_GE(batched, 1);
  // 300 KB in pieces of at most 124 KiB.
  EXPECT_LE(batched, 4);

  sqlite3* plain = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &plain, SQLITE_OPEN_READWRITE, kCounting), SQLITE_OK);
  start = Writes();
  ASSERT_EQ(Insert(plain, 1000, 300, 1000), SQLITE_OK);
  const int unbatched = Writes() - start;
  sqlite3_close(plain);
  EXPECT_GE(unbatched, 150) << "the comparison is meaningless if SQLite writes frames whole";
}

TEST_F(WalWriteBatchingTest, EachCommitIsInTheFileWhenItReturnsEvenWithoutASync) {
  ASSERT_NO_FATAL_FAILURE(OpenWriter("", "OFF"));
  ASSERT_NO_FATAL_FAILURE(OpenReader());
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(Insert(writer_, i * 100, 100, 500), SQLITE_OK);
    // The reader finds the commit through the WAL index and reads its frames from the file.
    EXPECT_EQ(Int(reader_, "SELECT count(*) FROM t"), (i + 1) * 100);
    EXPECT_EQ(Int(reader_, "SELECT sum(length(v)) FROM t"), (i + 1) * 100 * 500);
  }
  EXPECT_EQ(Text(reader_, "PRAGMA integrity_check"), "ok");
}

TEST_F(WalWriteBatchingTest, ATransactionThatSpillsReadsBackWhatItWroteAndCanRollBack) {
  ASSERT_NO_FATAL_FAILURE(OpenWriter(kCounting));
  ASSERT_NO_FATAL_FAILURE(OpenReader());
  ASSERT_EQ(Insert(writer_, 0, 2000, 200), SQLITE_OK);
  // A cache of 10 pages: the updates below spill frames to the WAL before the commit, and
  // the sum reads them back.
  ASSERT_EQ(Exec(writer_, "PRAGMA cache_size = 10; BEGIN; UPDATE t SET v = zeroblob(300)"),
            SQLITE_OK);
  EXPECT_EQ(Int(writer_, "SELECT sum(length(v)) FROM t"), 2000 * 300);
  ASSERT_EQ(Exec(writer_, "ROLLBACK"), SQLITE_OK);
  EXPECT_EQ(Int(writer_, "SELECT sum(length(v)) FROM t"), 2000 * 200);
  // The next transaction writes over the rolled-back frames, out of the order of a run.
  // It spills too, and its second pass writes pages again over their spilled frames, in
  // place.
  ASSERT_EQ(Exec(writer_,
                 "BEGIN; UPDATE t SET v = zeroblob(250); "
                 "UPDATE t SET v = zeroblob(240); COMMIT"),
            SQLITE_OK);
  EXPECT_EQ(Int(reader_, "SELECT sum(length(v)) FROM t"), 2000 * 240);
  EXPECT_EQ(Text(reader_, "PRAGMA integrity_check"), "ok");
  // Those are SQLite's own shapes of write: the commits after them are still gathered.
  ASSERT_EQ(Exec(writer_, "PRAGMA cache_size = -16000"), SQLITE_OK);
  const int start = Writes();
  ASSERT_EQ(Insert(writer_, 10000, 300, 1000), SQLITE_OK);
  EXPECT_LE(Writes() - start, 4);
}

// SQLite writes a spilled transaction's pages again in place and then, after its commit
// frame, the frames' checksums again. None of that may wait in the VFS after the commit
// returns: a lazy commit (no sync) must survive the process dying right after it.
TEST_F(WalWriteBatchingTest, ALazyCommitThatRewroteItsFramesIsWholeInTheFileWhenItReturns) {
  ASSERT_NO_FATAL_FAILURE(OpenWriter("", "OFF"));
  ASSERT_EQ(Insert(writer_, 0, 2000, 200), SQLITE_OK);
  ASSERT_EQ(Exec(writer_,
                 "PRAGMA cache_size = 10; BEGIN; UPDATE t SET v = zeroblob(250); "
                 "UPDATE t SET v = zeroblob(240); COMMIT"),
            SQLITE_OK);
  // The process dies here: the files as they are, opened afresh (SQLite recovers the WAL).
  const std::string copy = dir_.File("copy.db");
  std::filesystem::copy_file(path_, copy);
  std::filesystem::copy_file(path_ + "-wal", copy + "-wal");
  sqlite3* recovered = nullptr;
  ASSERT_EQ(sqlite3_open_v2(copy.c_str(), &recovered, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  EXPECT_EQ(Int(recovered, "SELECT sum(length(v)) FROM t"), 2000 * 240);
  EXPECT_EQ(Text(recovered, "PRAGMA integrity_check"), "ok");
  sqlite3_close(recovered);
}

TEST_F(WalWriteBatchingTest, ATransactionLargerThanOneRunIsWritten) {
  ASSERT_NO_FATAL_FAILURE(OpenWriter(""));
  ASSERT_NO_FATAL_FAILURE(OpenReader());
  ASSERT_EQ(Insert(writer_, 0, 5000, 4000), SQLITE_OK);  // about 20 MB of frames
  EXPECT_EQ(Int(reader_, "SELECT count(*) FROM t"), 5000);
  EXPECT_EQ(Text(reader_, "PRAGMA integrity_check"), "ok");
}

TEST_F(WalWriteBatchingTest, AFailedWriteFailsItsCommitAndTheNextCommitsAreWhole) {
  FaultVfs& fault = FaultVfs::Get();
  ASSERT_NO_FATAL_FAILURE(OpenWriter(FaultVfs::kName));
  ASSERT_NO_FATAL_FAILURE(OpenReader());
  ASSERT_EQ(Insert(writer_, 0, 100, 500), SQLITE_OK);
  // The commit's run is one write: it fails, and so does the commit.
  fault.FailWrites(SQLITE_IOERR_WRITE, /*after=*/0, /*count=*/1);
  EXPECT_NE(Insert(writer_, 100, 100, 500), SQLITE_OK);
  EXPECT_GT(fault.failures(), 0);
  fault.Clear();
  EXPECT_EQ(Int(reader_, "SELECT count(*) FROM t"), 100);
  ASSERT_EQ(Insert(writer_, 200, 100, 500), SQLITE_OK);
  EXPECT_EQ(Int(reader_, "SELECT count(*) FROM t"), 200);
  EXPECT_EQ(Int(reader_, "SELECT count(*) FROM t WHERE k BETWEEN 100 AND 199"), 0);
  EXPECT_EQ(Text(reader_, "PRAGMA integrity_check"), "ok");
  sqlite3_close(writer_);
  writer_ = nullptr;
  sqlite3_close(reader_);
  reader_ = nullptr;
  ASSERT_NO_FATAL_FAILURE(OpenReader());
  EXPECT_EQ(Int(reader_, "SELECT count(*) FROM t"), 200);
}

// A crash right after a failed commit: what recovery finds in the WAL file is what SQLite
// reported as committed, not the failed transaction, even once something made the WAL file
// write out what it had gathered.
TEST_F(WalWriteBatchingTest, AFailedCommitIsNotFoundByARecoveryAfterACrash) {
  FaultVfs& fault = FaultVfs::Get();
  ASSERT_NO_FATAL_FAILURE(OpenWriter(FaultVfs::kName));
  ASSERT_EQ(Insert(writer_, 0, 100, 500), SQLITE_OK);
  fault.FailWrites(SQLITE_IOERR_WRITE, /*after=*/0, /*count=*/1);
  ASSERT_NE(Insert(writer_, 100, 100, 500), SQLITE_OK);
  fault.Clear();
  // Any call on the WAL file writes out a run still gathered.
  sqlite3_file* wal = nullptr;
  ASSERT_EQ(sqlite3_file_control(writer_, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal), SQLITE_OK);
  ASSERT_NE(wal, nullptr);
  sqlite3_int64 size = 0;
  ASSERT_EQ(wal->pMethods->xFileSize(wal, &size), SQLITE_OK);
  // The crash: the files as they are now, opened afresh (no WAL index: SQLite recovers).
  const std::string copy = dir_.File("copy.db");
  std::filesystem::copy_file(path_, copy);
  std::filesystem::copy_file(path_ + "-wal", copy + "-wal");
  sqlite3* recovered = nullptr;
  ASSERT_EQ(sqlite3_open_v2(copy.c_str(), &recovered, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  EXPECT_EQ(Int(recovered, "SELECT count(*) FROM t"), 100);
  EXPECT_EQ(Text(recovered, "PRAGMA integrity_check"), "ok");
  sqlite3_close(recovered);
}

TEST_F(WalWriteBatchingTest, OnlyTheWalGoesThroughTheGathering) {
  ASSERT_NO_FATAL_FAILURE(OpenWriter(""));
  sqlite3_file* main_file = nullptr;
  sqlite3_file* wal_file = nullptr;
  ASSERT_EQ(sqlite3_file_control(writer_, "main", SQLITE_FCNTL_FILE_POINTER, &main_file),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_file_control(writer_, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal_file),
            SQLITE_OK);
  ASSERT_NE(main_file, nullptr);
  ASSERT_NE(wal_file, nullptr);
  sqlite3* plain = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &plain, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  sqlite3_file* plain_main = nullptr;
  ASSERT_EQ(sqlite3_file_control(plain, "main", SQLITE_FCNTL_FILE_POINTER, &plain_main), SQLITE_OK);
  EXPECT_EQ(main_file->pMethods, plain_main->pMethods);
  EXPECT_NE(wal_file->pMethods, plain_main->pMethods);
  sqlite3_close(plain);
}

// The VFS's file object for the WAL, driven directly: the shapes of write it gathers and
// those it lets through at once.
TEST_F(WalWriteBatchingTest, AWriteOfAnotherShapeTurnsGatheringOff) {
  // The unix VFS gives a WAL the mode of its database file, so that file must exist.
  const std::string db = dir_.File("direct.db");
  std::ofstream(db).close();
  Result<std::string> name = WalWriteBatchingVfs(kCounting);
  ASSERT_TRUE(name.ok());
  sqlite3_vfs* vfs = sqlite3_vfs_find(name->c_str());
  ASSERT_NE(vfs, nullptr);
  sqlite3_filename files = sqlite3_create_filename(db.c_str(), (db + "-journal").c_str(),
                                                   (db + "-wal").c_str(), 0, nullptr);
  ASSERT_NE(files, nullptr);
  auto memory = std::make_unique<std::max_align_t[]>(
      static_cast<size_t>(vfs->szOsFile) / sizeof(std::max_align_t) + 1);
  auto* file = reinterpret_cast<sqlite3_file*>(memory.get());
  int out_flags = 0;
  ASSERT_EQ(vfs->xOpen(vfs, sqlite3_filename_wal(files), file,
                       SQLITE_OPEN_WAL | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &out_flags),
            SQLITE_OK);
  const sqlite3_io_methods* io = file->pMethods;
  std::string header(24, '\0'), page(4096, 'p'), commit_header(24, '\0');
  commit_header[7] = 1;  // the database size in pages: the commit's last frame
  const int start = Writes();
  ASSERT_EQ(io->xWrite(file, header.data(), 24, 32), SQLITE_OK);
  ASSERT_EQ(io->xWrite(file, page.data(), 4096, 56), SQLITE_OK);
  EXPECT_EQ(Writes() - start, 0) << "a frame that ends no commit is gathered";
  ASSERT_EQ(io->xWrite(file, commit_header.data(), 24, 4152), SQLITE_OK);
  ASSERT_EQ(io->xWrite(file, page.data(), 4096, 4176), SQLITE_OK);
  EXPECT_EQ(Writes() - start, 1) << "a commit's last page sends the run out in one write";
  ASSERT_EQ(io->xWrite(file, header.data(), 24, 8272), SQLITE_OK);
  ASSERT_EQ(io->xWrite(file, page.data(), 4096, 8296), SQLITE_OK);
  EXPECT_EQ(Writes() - start, 1);
  // A whole frame in one write is not a shape this VFS can read commits in.
  const int64_t straight_before = WalFilesWritingStraight();
  const std::string frame = header + page;
  ASSERT_EQ(io->xWrite(file, frame.data(), 4120, 12392), SQLITE_OK);
  EXPECT_EQ(Writes() - start, 3) << "the gathered frame, then the odd write itself";
  EXPECT_EQ(WalFilesWritingStraight(), straight_before + 1) << "counted, for the daemon's metric";
  ASSERT_EQ(io->xWrite(file, header.data(), 24, 16512), SQLITE_OK);
  EXPECT_EQ(Writes() - start, 4) << "nothing is gathered any more";
  EXPECT_EQ(WalFilesWritingStraight(), straight_before + 1) << "a file is counted once";
  sqlite3_int64 size = 0;
  ASSERT_EQ(io->xFileSize(file, &size), SQLITE_OK);
  EXPECT_EQ(size, 16536);
  EXPECT_EQ(io->xClose(file), SQLITE_OK);
  sqlite3_free_filename(files);
}

TEST_F(WalWriteBatchingTest, AnUnknownBaseIsNotFound) {
  Result<std::string> vfs = WalWriteBatchingVfs("no-such-vfs");
  ASSERT_FALSE(vfs.ok());
  EXPECT_TRUE(vfs.status().IsNotFound()) << vfs.status().ToString();
}

TEST_F(WalWriteBatchingTest, EachBaseIsRegisteredOnce) {
  Result<std::string> a = WalWriteBatchingVfs(""), b = WalWriteBatchingVfs("");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_NE(sqlite3_vfs_find(a->c_str()), nullptr);
  EXPECT_NE(sqlite3_vfs_find(nullptr), sqlite3_vfs_find(a->c_str())) << "never the default";
}

}  // namespace
}  // namespace smsgw::store::testing
