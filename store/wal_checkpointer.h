// Checkpoints of the store's WAL on a thread of its own, through a connection of its own.
//
// Why: SQLite runs a checkpoint inside the commit that takes the WAL past
// wal_autocheckpoint pages, on the committing thread; the daemon's core thread is the one
// that commits, and a checkpoint there (copying the WAL's pages into the database file and
// syncing both) stalls every MO behind it. Here the store's connection only reports the
// WAL's size after each commit (Notify, from SQLite's WAL hook) and this thread does the
// copying and syncing meanwhile, on the other core.
//
// Safety: the connection here runs with synchronous=FULL, so a checkpoint syncs the WAL
// before it copies pages out of it (frames of lazy, unsynced commits included) and syncs the
// database file before the WAL may be reused. Checkpoints are PASSIVE: they never wait for or
// block the store's writer or a reader (smsgw ctl); what they could not copy yet is copied
// by the next one.
//
// Restarting the WAL: SQLite writes from the WAL's beginning again only at a write transaction
// that begins with the WAL wholly copied, which a checkpoint running beside a writer that
// commits back to back rarely leaves. So the writer finishes the job: once this thread has
// copied all but a little of the WAL and is idle, Notify says so, and the writer runs a
// PASSIVE checkpoint of its own right after that commit. It copies only the frames committed
// since (at most kWriterShareFrames, against the threshold's worth SQLite would copy there),
// and its next transaction restarts the WAL.
//
// What the writer waits for there is mostly the database file's sync, and SQLite syncs that
// file only in a checkpoint that copies the whole WAL: the thread's checkpoints, which a
// commit overtakes, leave their pages unsynced, and the writer's sync flushed all of them
// (6-9 ms at full load, against 0.1-1 ms for a commit's). So this thread syncs the database
// file after each checkpoint that copied new frames, and the writer's sync flushes only its
// own share.
//
// Bounds: should the thread fall behind anyway (a slow disk, a starved CPU), Notify asks the
// writer to checkpoint itself once the WAL holds four times the threshold while the thread
// is idle, so the WAL stays bounded whatever the thread manages. Under sustained full load
// this is also how the WAL usually starts over: a commit seldom finds the thread idle with
// no more than the writer's share left, since commits keep coming while it copies.
//
// Errors stay here: a failed checkpoint (disk full, I/O error), here or in a commit, is
// counted, its message kept for stats(), and nothing is tried again for a second, neither
// here nor in commits (a failing disk is not hammered at the commit rate); the WAL meanwhile
// grows, which costs disk space but loses nothing.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "conf/status.h"
#include "store/checkpoint_stats.h"

struct sqlite3;

namespace smsgw::store {

class WalCheckpointer {
 public:
  // Opens a second connection to the database at `path` (through the SQLite VFS `vfs`, empty
  // for the default), which must already be in WAL mode, and starts the thread, named
  // `thread_name` (at most 15 characters). Checkpoints start once Notify reports at least
  // `threshold_pages` pages in the WAL.
  static Result<std::unique_ptr<WalCheckpointer>> Start(const std::string& path,
                                                        const std::string& vfs, int threshold_pages,
                                                        const char* thread_name = "smsgw-wal");

  // Stops the thread (a checkpoint under way finishes first) and closes the connection.
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // The most frames Notify leaves the writer to copy (and sync) in a finishing checkpoint:
  // half the threshold, or this many if fewer.
  static constexpr int kWriterShareFrames = 512;

  // Thread-safe and cheap: the WAL holds `pages` frames after a commit. Wakes the thread when
  // they reach the threshold. Returns true when the caller should checkpoint now, on its own
  // connection right after that commit (above): the thread is idle and either left at most
  // the writer's share (above) uncopied or the WAL has reached four times the threshold.
  bool Notify(int pages);

  // The caller's checkpoint after Notify said true: a PASSIVE checkpoint of `schema` on the
  // writer's connection `db` (from its WAL hook). Its outcome goes into stats(); a failure
  // holds further checkpoints back for a second, as the thread's do.
  void CheckpointInCommit(sqlite3* db, const char* schema);

  // Makes this the WAL hook of the writer's connection `db` (replacing SQLite's own
  // checkpoints): after each commit, Notify, and CheckpointInCommit when it says so. Only for
  // a writer whose commits are all durable; one that commits lazily at times (the store) runs
  // its own hook and skips the checkpoint then. Detach (sqlite3_wal_hook(db, nullptr,
  // nullptr)) before this goes.
  void AttachTo(sqlite3* db);

  // Thread-safe.
  CheckpointStats stats() const;

  // Thread-safe. Blocks until no checkpoint is running or wanted (tests and shutdown).
  void WaitIdle();

 private:
  WalCheckpointer(sqlite3* db, int threshold_pages, const char* thread_name);
  void Run();
  void CheckpointOnce();
  int SyncDatabaseFile();  // an SQLite result code
  // Thread-safe. A checkpoint in a commit: OK, or the SQLite error.
  void CheckpointedInCommit(bool ok, const std::string& error);

  sqlite3* db_;  // used only on thread_ (and by the destructor after joining it)
  const int threshold_pages_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool wanted_ = false;
  bool running_ = false;
  bool stop_ = false;
  // The WAL's generation: a Notify with fewer frames than the one before means SQLite
  // restarted it, and what was copied of the previous one says nothing of this one.
  uint64_t generation_ = 0;
  int last_pages_ = 0;
  int copied_ = 0;  // frames copied by the last checkpoint here, in generation_
  std::chrono::steady_clock::time_point retry_at_{};  // after a failure, nothing before
  CheckpointStats stats_;

  std::thread thread_;
};

}  // namespace smsgw::store
