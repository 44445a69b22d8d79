#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "store/wal_checkpointer.h"
#include "tests/support/fault_vfs.h"
#include "tests/support/store_fixture.h"

namespace smsgw::store::testing {
namespace {

int64_t FileSize(const std::string& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  return ec ? -1 : static_cast<int64_t>(size);
}

// A writer on a raw connection in WAL mode that never checkpoints itself, and reports the
// WAL's size after each commit to `sink` (as the store's WAL hook does).
class RawWriter {
 public:
  RawWriter(const std::string& path, const char* vfs = nullptr) {
    EXPECT_EQ(
        sqlite3_open_v2(path.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, vfs),
        SQLITE_OK);
    Exec(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = 0;"
        "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB);");
  }
  ~RawWriter() { sqlite3_close_v2(db_); }

  // As the ledger does: when the checkpointer says so, a checkpoint on this connection.
  void ReportTo(WalCheckpointer* sink) { sink->AttachTo(db_); }

  // `n` transactions, each a row of 3 KiB: about one page of WAL each.
  void Write(int n) {
    for (int i = 0; i < n; ++i) Exec("INSERT INTO t(v) VALUES (zeroblob(3072))");
  }

  void Exec(const char* sql) {
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db_, sql, nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
  }

 private:
  sqlite3* db_ = nullptr;
};

TEST(WalCheckpointerTest, CopiesTheWalIntoTheDatabaseFileOnceItReachesTheThreshold) {
  TempDir dir;
  const std::string path = dir.File("t.db");
  RawWriter writer(path);
  auto checkpointer = WalCheckpointer::Start(path, "", 100);
  ASSERT_TRUE(checkpointer.ok()) << checkpointer.status().ToString();
  writer.ReportTo(checkpointer->get());

  writer.Write(10);  // below the threshold (a frame or two each): the rows stay in the WAL
  (*checkpointer)->WaitIdle();
  EXPECT_EQ((*checkpointer)->stats().checkpoints, 0);
  const int64_t before = FileSize(path);
  EXPECT_LT(before, 10 * 3072);

  writer.Write(60);
  (*checkpointer)->WaitIdle();
  CheckpointStats stats = (*checkpointer)->stats();
  EXPECT_GE(stats.checkpoints, 1);
  EXPECT_EQ(stats.failures, 0);
  // The database file now holds rows that only the checkpointer copied: the threshold is
  // crossed at about the 33rd row (three frames per commit), and its first checkpoint copies
  // at least those, whatever came after.
  EXPECT_GT(FileSize(path), 30 * 3072);
}

TEST(WalCheckpointerTest, AFailedCheckpointIsCountedAndTheNextOneCopiesTheWal) {
  TempDir dir;
  const std::string path = dir.File("t.db");
  FaultVfs& vfs = FaultVfs::Get();
  RawWriter writer(path, FaultVfs::kName);
  writer.Write(30);
  const int64_t before = FileSize(path);

  auto checkpointer = WalCheckpointer::Start(path, FaultVfs::kName, 20);
  ASSERT_TRUE(checkpointer.ok()) << checkpointer.status().ToString();
  vfs.FailSyncs(SQLITE_IOERR_FSYNC);
  EXPECT_FALSE((*checkpointer)->Notify(30)) << "nothing copied yet: the thread does it";
  (*checkpointer)->WaitIdle();
  vfs.Clear();
  CheckpointStats stats = (*checkpointer)->stats();
  EXPECT_EQ(stats.failures, 1);
  EXPECT_NE(stats.last_error.find("checkpoint"), std::string::npos) << stats.last_error;
  EXPECT_EQ(FileSize(path), before);  // the WAL's sync failed before any page was copied

  // A failing disk is not tried again at once: neither here nor, through Notify's answer,
  // in the writer's commits.
  EXPECT_FALSE((*checkpointer)->Notify(200)) << "four times the threshold, but just failed";
  (*checkpointer)->WaitIdle();
  EXPECT_EQ((*checkpointer)->stats().checkpoints, stats.checkpoints);

  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_FALSE((*checkpointer)->Notify(30));
  (*checkpointer)->WaitIdle();
  EXPECT_EQ((*checkpointer)->stats().failures, 1);
  EXPECT_GT(FileSize(path), 30 * 3072);
}

// A connection that holds a read transaction open, and with it a snapshot of the WAL.
class SnapshotReader {
 public:
  explicit SnapshotReader(const std::string& path) {
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, FaultVfs::kName),
              SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db_, "BEGIN; SELECT count(*) FROM t;", nullptr, nullptr, nullptr),
              SQLITE_OK);
  }
  ~SnapshotReader() {
    sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_close_v2(db_);
  }

 private:
  sqlite3* db_ = nullptr;
};

// Frames in the WAL at `path` (4 KiB pages, SQLite's default).
int WalFrames(const std::string& path) {
  const int64_t size = FileSize(path + "-wal");
  return size < 32 ? 0 : static_cast<int>((size - 32) / (4096 + 24));
}

// A WAL that a checkpoint can copy only in part: a reader's open snapshot keeps it from the
// frames committed after it, as a commit made while the checkpoint runs does. SQLite syncs the
// database file only in a checkpoint that copies the whole WAL; the thread syncs it after any
// that copied new frames, so that the writer's finishing checkpoint does not wait for all of
// their pages to reach the disk.
class PartlyCopiedWalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    writer_ = std::make_unique<RawWriter>(path_, FaultVfs::kName);
    writer_->Write(10);
    reader_ = std::make_unique<SnapshotReader>(path_);  // of the first 10 rows
    writer_->Write(20);
    auto checkpointer = WalCheckpointer::Start(path_, FaultVfs::kName, 30);
    ASSERT_TRUE(checkpointer.ok()) << checkpointer.status().ToString();
    checkpointer_ = std::move(*checkpointer);
  }
  void TearDown() override { vfs_.Clear(); }

  // Reports the WAL's size as a commit would, and waits until the thread is done with it.
  void NotifyAndWait() {
    EXPECT_FALSE(checkpointer_->Notify(WalFrames(path_))) << "far from all of it copied";
    checkpointer_->WaitIdle();
  }

  TempDir dir_;
  const std::string path_ = dir_.File("t.db");
  FaultVfs& vfs_ = FaultVfs::Get();
  std::unique_ptr<RawWriter> writer_;
  std::unique_ptr<SnapshotReader> reader_;
  std::unique_ptr<WalCheckpointer> checkpointer_;
};

TEST_F(PartlyCopiedWalTest, ACheckpointThatCopiesPartOfTheWalSyncsTheDatabaseFile) {
  const int64_t before = FileSize(path_);
  const int database_syncs = vfs_.database_syncs();
  NotifyAndWait();
  EXPECT_GT(FileSize(path_), before) << "the first rows' pages were copied";
  EXPECT_EQ(vfs_.database_syncs(), database_syncs + 1);
  EXPECT_EQ(checkpointer_->stats().failures, 0);
}

// While a reader's snapshot holds the WAL back, every commit wakes the thread and each of its
// checkpoints copies nothing new: syncing the database file then would cost a sync per commit.
TEST_F(PartlyCopiedWalTest, ACheckpointThatCopiesNothingNewDoesNotSyncTheDatabaseFile) {
  const int database_syncs = vfs_.database_syncs();
  NotifyAndWait();
  ASSERT_EQ(vfs_.database_syncs(), database_syncs + 1);

  writer_->Write(5);  // the reader still holds the first rows' snapshot
  NotifyAndWait();
  CheckpointStats stats = checkpointer_->stats();
  EXPECT_EQ(stats.checkpoints, 2);
  EXPECT_EQ(stats.failures, 0);
  EXPECT_EQ(vfs_.database_syncs(), database_syncs + 1) << "the second one copied nothing";
}

TEST_F(PartlyCopiedWalTest, AFailedSyncOfTheDatabaseFileIsAFailedCheckpoint) {
  vfs_.FailSyncs(SQLITE_IOERR_FSYNC, /*after=*/1, /*count=*/1);  // the WAL's passes, not the file's
  NotifyAndWait();
  vfs_.Clear();
  CheckpointStats stats = checkpointer_->stats();
  EXPECT_EQ(stats.failures, 1);
  EXPECT_NE(stats.last_error.find("syncing the database file"), std::string::npos)
      << stats.last_error;
  // Not tried again at once, in commits either.
  EXPECT_FALSE(checkpointer_->Notify(4 * 30 + 1));
}

// With a large threshold, half of it is more than a commit should copy and sync on the
// store's thread: the thread is woken again until at most kWriterShareFrames are left.
TEST(WalCheckpointerTest, LeavesTheWriterAtMostItsShareOfALargeThreshold) {
  TempDir dir;
  const std::string path = dir.File("t.db");
  RawWriter writer(path);
  writer.Exec("BEGIN");
  writer.Write(4'100);  // a page each
  writer.Exec("COMMIT");
  const int frames = WalFrames(path);
  ASSERT_GE(frames, 4'000);

  auto checkpointer = WalCheckpointer::Start(path, "", 4'000);
  ASSERT_TRUE(checkpointer.ok()) << checkpointer.status().ToString();
  EXPECT_FALSE((*checkpointer)->Notify(frames)) << "nothing copied yet: the thread does it";
  (*checkpointer)->WaitIdle();
  ASSERT_EQ((*checkpointer)->stats().checkpoints, 1);

  // As if commits had added frames since.
  constexpr int kShare = WalCheckpointer::kWriterShareFrames;
  static_assert(kShare < 4'000 / 2);
  EXPECT_TRUE((*checkpointer)->Notify(frames + kShare));
  EXPECT_FALSE((*checkpointer)->Notify(frames + kShare + 1)) << "half the threshold is more";
  (*checkpointer)->WaitIdle();
  EXPECT_EQ((*checkpointer)->stats().checkpoints, 2) << "the thread was woken instead";
}

TEST(WalCheckpointerTest, ItsStatsCarryTheWalsSizeAsTheLastCommitReportedIt) {
  TempDir dir;
  const std::string path = dir.File("t.db");
  RawWriter writer(path);
  auto checkpointer = WalCheckpointer::Start(path, "", 100);
  ASSERT_TRUE(checkpointer.ok()) << checkpointer.status().ToString();
  EXPECT_EQ((*checkpointer)->stats().wal_frames, 0);
  EXPECT_FALSE((*checkpointer)->Notify(37));
  EXPECT_EQ((*checkpointer)->stats().wal_frames, 37);
  EXPECT_FALSE((*checkpointer)->Notify(5)) << "started over";
  EXPECT_EQ((*checkpointer)->stats().wal_frames, 5);
}

TEST(WalCheckpointerTest, RefusesAThresholdBelowOnePage) {
  TempDir dir;
  RawWriter writer(dir.File("t.db"));
  auto checkpointer = WalCheckpointer::Start(dir.File("t.db"), "", 0);
  EXPECT_TRUE(checkpointer.status().IsInvalidArgument()) << checkpointer.status().ToString();
}

class StoreCheckpointTest : public StoreTest {
 protected:
  // Accepts `n` MOs, one transaction each, as a daemon's intake does under light load.
  void AcceptEach(int n, int first = 0) {
    for (int i = first; i < first + n; ++i) {
      AcceptOne(Mo("2547" + std::to_string(10'000'000 + i), "PAY KPLC 12345 " + std::to_string(i)));
    }
  }

  // The checkpointer runs on its own thread: waits (bounded) until it has run.
  CheckpointStats WaitForCheckpoints() {
    for (int i = 0; i < 500 && store().checkpoint_stats().checkpoints == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return store().checkpoint_stats();
  }
};

TEST_F(StoreCheckpointTest, ADaemonStoreCheckpointsOnTheCheckpointersThreadAndKeepsTheWalSmall) {
  Options o = MakeOptions();
  o.checkpoint_pages = 20;
  Open(o);
  AcceptEach(400);
  CheckpointStats stats = WaitForCheckpoints();
  EXPECT_GE(stats.checkpoints, 1);
  EXPECT_EQ(stats.failures, 0);
  EXPECT_GE(stats.in_commit, 1) << "the store's connection finishes each checkpoint";
  // The WAL starts again from its beginning once wholly copied, so its file stays near the
  // threshold however many commits there were: about 40 frames seen here, against about
  // 870 when the store's connection does not finish the checkpoints (the WAL never restarts).
  const int64_t frame = 4096 + 24;
  EXPECT_LT(FileSize(path_ + "-wal"), 250 * frame)
      << stats.checkpoints << " in the background, " << stats.in_commit << " in commits";

  Close();  // the store's connection closes last and checkpoints what is left
  Open(o);
  EXPECT_TRUE(AcceptOne(Mo("254710000000", "PAY KPLC 12345 0")).duplicate);
  EXPECT_TRUE(AcceptOne(Mo("254710000399", "PAY KPLC 12345 399")).duplicate);
  EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM inbound"), "400");
  EXPECT_EQ(RawQuery(path_, "PRAGMA integrity_check"), "ok");
}

// Claims and send results are committed without a sync (TransactLazily): a checkpoint from
// such a commit could reuse the WAL before the pages it moved are on disk, so none runs there,
// even when the checkpointer asks for one on every commit (a threshold of one frame).
TEST_F(StoreCheckpointTest, LazyCommitsNeverCheckpointOnTheStoresConnection) {
  Options o = MakeOptions();
  o.checkpoint_pages = 1;
  Open(o);
  for (int i = 0; i < 60; ++i) {
    Effects fx;
    fx.replies.push_back(ReplyTo("2547100" + std::to_string(10'000 + i), "hello"));
    ASSERT_TRUE(store().Apply(fx).ok());
  }
  const int64_t before = store().checkpoint_stats().in_commit;
  EXPECT_GE(before, 1) << "durable commits finish checkpoints at this threshold";
  for (int i = 0; i < 60; ++i) {
    auto claimed = store().ClaimReplies(1);
    ASSERT_TRUE(claimed.ok()) << claimed.status().ToString();
    ASSERT_EQ(claimed->size(), 1u);
    ReplyResult r{claimed->front().id, ReplyResult::Kind::kSent, "m" + std::to_string(i), ""};
    ASSERT_TRUE(store().RecordReplyResults(std::span(&r, 1)).ok());
  }
  EXPECT_EQ(store().checkpoint_stats().in_commit, before);
  EXPECT_EQ(store().checkpoint_stats().failures, 0);
}

TEST_F(StoreCheckpointTest, WithoutBackgroundCheckpointsSqliteCheckpointsInTheCommit) {
  Options o = MakeOptions();
  o.background_checkpoints = false;
  o.checkpoint_pages = 20;
  Open(o);
  AcceptEach(400);
  CheckpointStats stats = store().checkpoint_stats();
  EXPECT_EQ(stats.checkpoints, 0);
  EXPECT_EQ(stats.in_commit, 0);
  EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM inbound"), "400");
}

TEST_F(StoreCheckpointTest, RefusesACheckpointThresholdBelowOnePage) {
  Options o = MakeOptions();
  o.checkpoint_pages = 0;
  auto s = Store::Open(std::move(o));
  EXPECT_TRUE(s.status().IsInvalidArgument()) << s.status().ToString();
}

}  // namespace
}  // namespace smsgw::store::testing
