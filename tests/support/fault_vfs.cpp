#include "tests/support/fault_vfs.h"

#include <sqlite3.h>

#include <cstring>

namespace smsgw::store::testing {
namespace {

// The wrapper file: our header, then the default VFS's file object.
struct FaultFile {
  sqlite3_file base;
  sqlite3_file* real;
  bool database;  // a main database file (not a WAL, journal or temporary file)
};

sqlite3_vfs* g_default = nullptr;
sqlite3_vfs g_vfs;

sqlite3_file* Real(sqlite3_file* f) {
  return reinterpret_cast<FaultFile*>(f)->real;
}

int Close(sqlite3_file* f) {
  return Real(f)->pMethods->xClose(Real(f));
}
int Read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
  return Real(f)->pMethods->xRead(Real(f), buf, n, off);
}
int Write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  if (int code = FaultVfs::Get().NextWriteFault(); code != 0) return code;
  FaultVfs::Get().CountWrite();
  return Real(f)->pMethods->xWrite(Real(f), buf, n, off);
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  return Real(f)->pMethods->xTruncate(Real(f), size);
}
int Sync(sqlite3_file* f, int flags) {
  if (int code = FaultVfs::Get().NextSyncFault(); code != 0) return code;
  FaultVfs::Get().CountSync(reinterpret_cast<FaultFile*>(f)->database);
  return Real(f)->pMethods->xSync(Real(f), flags);
}
int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  return Real(f)->pMethods->xFileSize(Real(f), size);
}
int Lock(sqlite3_file* f, int level) {
  return Real(f)->pMethods->xLock(Real(f), level);
}
int Unlock(sqlite3_file* f, int level) {
  return Real(f)->pMethods->xUnlock(Real(f), level);
}
int CheckReservedLock(sqlite3_file* f, int* out) {
  return Real(f)->pMethods->xCheckReservedLock(Real(f), out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  return Real(f)->pMethods->xFileControl(Real(f), op, arg);
}
int SectorSize(sqlite3_file* f) {
  return Real(f)->pMethods->xSectorSize(Real(f));
}
int DeviceCharacteristics(sqlite3_file* f) {
  return Real(f)->pMethods->xDeviceCharacteristics(Real(f));
}
int ShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return Real(f)->pMethods->xShmMap(Real(f), region, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Real(f)->pMethods->xShmLock(Real(f), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) {
  Real(f)->pMethods->xShmBarrier(Real(f));
}
int ShmUnmap(sqlite3_file* f, int del) {
  return Real(f)->pMethods->xShmUnmap(Real(f), del);
}
int Fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
  return Real(f)->pMethods->xFetch(Real(f), off, n, out);
}
int Unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  return Real(f)->pMethods->xUnfetch(Real(f), off, p);
}

const sqlite3_io_methods kMethods = {
    3,
    Close,
    Read,
    Write,
    Truncate,
    Sync,
    FileSize,
    Lock,
    Unlock,
    CheckReservedLock,
    FileControl,
    SectorSize,
    DeviceCharacteristics,
    ShmMap,
    ShmLock,
    ShmBarrier,
    ShmUnmap,
    Fetch,
    Unfetch,
};

int Open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  auto* file = reinterpret_cast<FaultFile*>(f);
  file->real = reinterpret_cast<sqlite3_file*>(file + 1);
  file->database = (flags & SQLITE_OPEN_MAIN_DB) != 0;
  int rc = g_default->xOpen(g_default, name, file->real, flags, out_flags);
  file->base.pMethods = file->real->pMethods != nullptr ? &kMethods : nullptr;
  return rc;
}

}  // namespace

FaultVfs& FaultVfs::Get() {
  static FaultVfs* instance = [] {
    g_default = sqlite3_vfs_find(nullptr);
    std::memcpy(&g_vfs, g_default, sizeof g_vfs);
    g_vfs.zName = kName;
    g_vfs.szOsFile = static_cast<int>(sizeof(FaultFile)) + g_default->szOsFile;
    g_vfs.xOpen = Open;
    g_vfs.pNext = nullptr;
    sqlite3_vfs_register(&g_vfs, 0);
    return new FaultVfs();
  }();
  return *instance;
}

void FaultVfs::FailWrites(int sqlite_code, int after, int count) {
  Set(write_fault_, sqlite_code, after, count);
}

void FaultVfs::FailSyncs(int sqlite_code, int after, int count) {
  Set(sync_fault_, sqlite_code, after, count);
}

void FaultVfs::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  write_fault_ = {};
  sync_fault_ = {};
}

void FaultVfs::Set(Fault& fault, int sqlite_code, int after, int count) {
  std::lock_guard<std::mutex> lock(mu_);
  fault = {sqlite_code, after, count};
}

int FaultVfs::Next(Fault& fault) {
  std::lock_guard<std::mutex> lock(mu_);
  if (fault.code == 0) return 0;
  if (fault.after > 0) {
    --fault.after;
    return 0;
  }
  if (fault.count == 0) return 0;
  if (fault.count > 0) --fault.count;
  ++failures_;
  return fault.code;
}

}  // namespace smsgw::store::testing
