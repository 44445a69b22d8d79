// An SQLite VFS for tests that forwards to the default VFS and fails writes or syncs on
// demand, as a full disk or a failing device would. Open a store through it with
// Options::vfs = FaultVfs::kName.
#pragma once

#include <atomic>

namespace smsgw::store::testing {

class FaultVfs {
 public:
  static constexpr const char* kName = "smsgw-fault";

  // Registers the VFS with SQLite on first use (not as the default).
  static FaultVfs& Get();

  // After `after` more successful calls, every xWrite / xSync of every file opened through the
  // VFS fails with `sqlite_code` (e.g. SQLITE_FULL, SQLITE_IOERR_WRITE, SQLITE_IOERR_FSYNC)
  // until Clear().
  void FailWrites(int sqlite_code, int after = 0);
  void FailSyncs(int sqlite_code, int after = 0);
  void Clear();

  int failures() const { return failures_; }
  // xSync calls passed on to the real file (with synchronous=FULL in WAL mode: one per
  // committed write transaction, plus checkpoints), counted from the start.
  int syncs() const { return syncs_; }
  void CountSync() { ++syncs_; }

  // Used by the VFS's methods: the code to fail this call with, or 0.
  int NextWriteFault() { return Next(write_code_, write_after_); }
  int NextSyncFault() { return Next(sync_code_, sync_after_); }

 private:
  FaultVfs() = default;
  int Next(std::atomic<int>& code, std::atomic<int>& after);

  std::atomic<int> write_code_{0}, write_after_{0};
  std::atomic<int> sync_code_{0}, sync_after_{0};
  std::atomic<int> failures_{0};
  std::atomic<int> syncs_{0};
};

}  // namespace smsgw::store::testing
