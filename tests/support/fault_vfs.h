// An SQLite VFS for tests that forwards to the default VFS and fails writes or syncs on
// demand, as a full disk or a failing device would. Open a store through it with
// Options::vfs = FaultVfs::kName.
#pragma once

#include <atomic>
#include <mutex>

namespace smsgw::store::testing {

class FaultVfs {
 public:
  static constexpr const char* kName = "smsgw-fault";

  // Registers the VFS with SQLite on first use (not as the default).
  static FaultVfs& Get();

  static constexpr int kUntilCleared = -1;

  // After `after` more successful calls, xWrite / xSync of every file opened through the VFS
  // (the store's connection and its checkpointer's alike) fail with `sqlite_code` (e.g.
  // SQLITE_FULL, SQLITE_IOERR_WRITE, SQLITE_IOERR_FSYNC): `count` calls, then calls pass
  // through again, as when a cleanup frees the disk or a device recovers between two commits;
  // kUntilCleared keeps failing until Clear(), as a disk that stays full. A bounded fault lets
  // a test fail one transaction and watch what the code does next with a working disk.
  void FailWrites(int sqlite_code, int after = 0, int count = kUntilCleared);
  void FailSyncs(int sqlite_code, int after = 0, int count = kUntilCleared);
  void Clear();

  int failures() const { return failures_; }
  // xSync calls passed on to the real file (with synchronous=FULL in WAL mode: one per
  // committed write transaction, plus checkpoints), counted from the start.
  int syncs() const { return syncs_; }
  // Of those, the syncs of main database files (the rest are WALs' and journals').
  int database_syncs() const { return database_syncs_; }
  void CountSync(bool database) {
    ++syncs_;
    if (database) ++database_syncs_;
  }
  // xWrite calls passed on to the real file, of every file opened through the VFS, counted
  // from the start.
  int writes() const { return writes_; }
  void CountWrite() { ++writes_; }

  // Used by the VFS's methods: the code to fail this call with, or 0.
  int NextWriteFault() { return Next(write_fault_); }
  int NextSyncFault() { return Next(sync_fault_); }

 private:
  // One kind of call's fault. Under a mutex, as the checkpointer's thread calls in too: a
  // bounded fault fails exactly `count` calls, whichever thread makes them.
  struct Fault {
    int code = 0;  // 0: calls pass through
    int after = 0;
    int count = kUntilCleared;
  };

  FaultVfs() = default;
  void Set(Fault& fault, int sqlite_code, int after, int count);
  int Next(Fault& fault);

  std::mutex mu_;
  Fault write_fault_;
  Fault sync_fault_;
  std::atomic<int> failures_{0};
  std::atomic<int> syncs_{0};
  std::atomic<int> database_syncs_{0};
  std::atomic<int> writes_{0};
};

}  // namespace smsgw::store::testing
