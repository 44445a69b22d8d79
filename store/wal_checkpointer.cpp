#include "store/wal_checkpointer.h"

#include <pthread.h>
#include <sqlite3.h>

#include <algorithm>
#include <system_error>

#include "store/sql.h"

namespace smsgw::store {

namespace {
constexpr std::chrono::seconds kRetryAfterFailure{1};
}  // namespace

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::Start(const std::string& path,
                                                                const std::string& vfs,
                                                                int threshold_pages,
                                                                const char* thread_name) {
  if (threshold_pages < 1) return Status::InvalidArgument("checkpoint threshold below one page");
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                           vfs.empty() ? nullptr : vfs.c_str());
  if (rc != SQLITE_OK) {
    Status s = sql::ToStatus(rc, db, "opening " + path + " for checkpoints");
    sqlite3_close_v2(db);
    return s;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, 5'000);
  // No checkpoint of its own at commit (it never writes) nor at close (the store's connection,
  // closed last, does the final one).
  Status s = sql::Exec(db,
                       "PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = 0; "
                       "PRAGMA cache_size = -2000;");
  if (!s.ok()) {
    sqlite3_close_v2(db);
    return s.WithContext("configuring the checkpoint connection");
  }
  try {
    return std::unique_ptr<WalCheckpointer>(new WalCheckpointer(db, threshold_pages, thread_name));
  } catch (const std::system_error& e) {  // no thread to be had
    sqlite3_close_v2(db);
    return Status::Unavailable(std::string("starting the checkpoint thread: ") + e.what());
  }
}

WalCheckpointer::WalCheckpointer(sqlite3* db, int threshold_pages, const char* thread_name)
    : db_(db),
      threshold_pages_(threshold_pages),
      thread_([this, name = std::string(thread_name)] {  // a copy: the thread reads it later
        pthread_setname_np(pthread_self(), name.c_str());
        Run();
      }) {}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  sqlite3_close_v2(db_);
}

bool WalCheckpointer::Notify(int pages) {
  {
    std::lock_guard lock(mu_);
    if (pages < last_pages_) {
      ++generation_;
      copied_ = 0;
    }
    last_pages_ = pages;
    if (pages < threshold_pages_ || wanted_ || running_) return false;
    if (std::chrono::steady_clock::now() < retry_at_) return false;
    const bool nearly_all = copied_ > 0 && copied_ <= pages &&
                            pages - copied_ <= std::min(threshold_pages_ / 2, kWriterShareFrames);
    if (nearly_all || pages >= 4 * threshold_pages_) return true;
    wanted_ = true;
  }
  cv_.notify_all();
  return false;
}

void WalCheckpointer::CheckpointedInCommit(bool ok, const std::string& error) {
  std::lock_guard lock(mu_);
  ++stats_.in_commit;
  if (ok) return;
  ++stats_.failures;
  stats_.last_error = error;
  retry_at_ = std::chrono::steady_clock::now() + kRetryAfterFailure;
}

void WalCheckpointer::CheckpointInCommit(sqlite3* db, const char* schema) {
  int rc = sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  if (rc == SQLITE_BUSY) return;  // the thread is at it
  CheckpointedInCommit(
      rc == SQLITE_OK,
      rc == SQLITE_OK ? "" : sql::ToStatus(rc, db, "checkpoint in a commit").message());
}

void WalCheckpointer::AttachTo(sqlite3* db) {
  sqlite3_wal_hook(
      db,
      [](void* arg, sqlite3* writer, const char* schema, int pages) {
        auto* checkpointer = static_cast<WalCheckpointer*>(arg);
        if (checkpointer->Notify(pages)) checkpointer->CheckpointInCommit(writer, schema);
        return SQLITE_OK;  // a failed checkpoint does not fail the commit that is already done
      },
      this);
}

CheckpointStats WalCheckpointer::stats() const {
  std::lock_guard lock(mu_);
  CheckpointStats stats = stats_;
  stats.wal_frames = last_pages_;
  return stats;
}

void WalCheckpointer::WaitIdle() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return (!wanted_ && !running_) || stop_; });
}

void WalCheckpointer::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return wanted_ || stop_; });
    if (stop_) return;
    wanted_ = false;
    running_ = true;
    lock.unlock();
    CheckpointOnce();
    lock.lock();
    running_ = false;
    cv_.notify_all();
  }
}

void WalCheckpointer::CheckpointOnce() {
  uint64_t generation = 0;
  int synced_frames = 0;
  {
    std::lock_guard lock(mu_);
    generation = generation_;
    synced_frames = copied_;
  }
  int log_frames = 0, copied_frames = 0;
  int rc = sqlite3_wal_checkpoint_v2(db_, "main", SQLITE_CHECKPOINT_PASSIVE, &log_frames,
                                     &copied_frames);
  const char* what = "checkpoint";
  // copied_frames counts every frame of this WAL copied so far, not what this call copied: a
  // count unchanged since the last sync here copied nothing (a reader's snapshot holds the
  // rest back), and a sync for it would be one more per commit for as long as the reader lasts.
  if (rc == SQLITE_OK && copied_frames > 0 && copied_frames != synced_frames) {
    rc = SyncDatabaseFile();
    what = "syncing the database file after a checkpoint";
  }
  std::lock_guard lock(mu_);
  if (rc == SQLITE_BUSY) return;  // another checkpoint holds the lock: it does the work
  ++stats_.checkpoints;
  if (rc != SQLITE_OK) {
    ++stats_.failures;
    stats_.last_error = sql::ToStatus(rc, db_, what).message();
    retry_at_ = std::chrono::steady_clock::now() + kRetryAfterFailure;
    return;
  }
  // A restart noticed meanwhile makes the count describe a WAL that is gone.
  if (generation == generation_) copied_ = copied_frames;
}

// Through the VFS's own file object: SQLite has no call that syncs a database file outside
// a transaction or a checkpoint.
int WalCheckpointer::SyncDatabaseFile() {
  sqlite3_file* file = nullptr;
  int rc = sqlite3_file_control(db_, "main", SQLITE_FCNTL_FILE_POINTER, &file);
  if (rc != SQLITE_OK) return rc;
  if (file == nullptr || file->pMethods == nullptr) return SQLITE_MISUSE;
  return file->pMethods->xSync(file, SQLITE_SYNC_NORMAL);
}

}  // namespace smsgw::store
