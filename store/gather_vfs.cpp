#include "store/gather_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <vector>

namespace smsgw::store {
namespace {

// The WAL format (sqlite.org/fileformat2.html#walformat): each frame is a 24-byte header and
// a page; bytes 4-7 of a header hold, big-endian, the database size after a commit for the
// frame that commits a transaction, and zero for every other frame.
constexpr int kFrameHeaderBytes = 24;

bool CommitsATransaction(const void* header) {
  const auto* b = static_cast<const unsigned char*>(header);
  return (b[4] | b[5] | b[6] | b[7]) != 0;
}

// One open file. SQLite allocates szOsFile bytes for it and hands the memory back at close,
// so the object is built in place in Open and destroyed by hand in Close; the base VFS's own
// file object follows it in the same allocation.
struct GatherFile {
  sqlite3_file base;  // first: SQLite sees a GatherFile as a sqlite3_file
  sqlite3_file* real;
  bool wal;
  // Contiguous writes not yet passed down: `held` starts at offset `held_at`.
  std::vector<char> held;
  sqlite3_int64 held_at;
  // The last write was the header of the frame that commits: its page completes the commit.
  bool commit_header_seen;
};

GatherFile* Of(sqlite3_file* f) {
  return reinterpret_cast<GatherFile*>(f);
}

int PassDown(GatherFile* f) {
  if (f->held.empty()) return SQLITE_OK;
  const int rc = f->real->pMethods->xWrite(f->real, f->held.data(),
                                           static_cast<int>(f->held.size()), f->held_at);
  f->held.clear();
  return rc;
}

int Close(sqlite3_file* file) {
  GatherFile* f = Of(file);
  const int held_rc = PassDown(f);
  int rc = SQLITE_OK;
  if (f->real->pMethods != nullptr) rc = f->real->pMethods->xClose(f->real);
  f->~GatherFile();
  return held_rc != SQLITE_OK ? held_rc : rc;
}

int Read(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset) {
  GatherFile* f = Of(file);
  if (int rc = PassDown(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xRead(f->real, out, amount, offset);
}

int Write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  GatherFile* f = Of(file);
  if (!f->wal) return f->real->pMethods->xWrite(f->real, data, amount, offset);
  const auto held_end = f->held_at + static_cast<sqlite3_int64>(f->held.size());
  if (!f->held.empty() && (offset != held_end || f->held.size() + amount > kMaxHeldBytes)) {
    if (int rc = PassDown(f); rc != SQLITE_OK) return rc;
  }
  if (f->held.empty()) f->held_at = offset;
  const auto* bytes = static_cast<const char*>(data);
  f->held.insert(f->held.end(), bytes, bytes + amount);
  const bool completes_commit = f->commit_header_seen;
  f->commit_header_seen = amount == kFrameHeaderBytes && CommitsATransaction(data);
  return completes_commit ? PassDown(f) : SQLITE_OK;
}

int Truncate(sqlite3_file* file, sqlite3_int64 size) {
  GatherFile* f = Of(file);
  if (int rc = PassDown(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xTruncate(f->real, size);
}

int Sync(sqlite3_file* file, int flags) {
  GatherFile* f = Of(file);
  if (int rc = PassDown(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xSync(f->real, flags);
}

int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  GatherFile* f = Of(file);
  if (int rc = PassDown(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFileSize(f->real, size);
}

int Lock(sqlite3_file* file, int level) {
  return Of(file)->real->pMethods->xLock(Of(file)->real, level);
}

int Unlock(sqlite3_file* file, int level) {
  return Of(file)->real->pMethods->xUnlock(Of(file)->real, level);
}

int CheckReservedLock(sqlite3_file* file, int* out) {
  return Of(file)->real->pMethods->xCheckReservedLock(Of(file)->real, out);
}

int FileControl(sqlite3_file* file, int op, void* arg) {
  GatherFile* f = Of(file);
  if (int rc = PassDown(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFileControl(f->real, op, arg);
}

int SectorSize(sqlite3_file* file) {
  return Of(file)->real->pMethods->xSectorSize(Of(file)->real);
}

int DeviceCharacteristics(sqlite3_file* file) {
  return Of(file)->real->pMethods->xDeviceCharacteristics(Of(file)->real);
}

// Shared memory and memory mapping belong to the database file, which is never held: they
// pass through, when the base provides them.
int ShmMap(sqlite3_file* file, int region, int size, int extend, void volatile** out) {
  sqlite3_file* real = Of(file)->real;
  return real->pMethods->xShmMap(real, region, size, extend, out);
}

int ShmLock(sqlite3_file* file, int offset, int n, int flags) {
  sqlite3_file* real = Of(file)->real;
  return real->pMethods->xShmLock(real, offset, n, flags);
}

void ShmBarrier(sqlite3_file* file) {
  sqlite3_file* real = Of(file)->real;
  real->pMethods->xShmBarrier(real);
}

int ShmUnmap(sqlite3_file* file, int delete_flag) {
  sqlite3_file* real = Of(file)->real;
  return real->pMethods->xShmUnmap(real, delete_flag);
}

int Fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  GatherFile* f = Of(file);
  if (int rc = PassDown(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFetch(f->real, offset, amount, out);
}

int Unfetch(sqlite3_file* file, sqlite3_int64 offset, void* p) {
  sqlite3_file* real = Of(file)->real;
  return real->pMethods->xUnfetch(real, offset, p);
}

sqlite3_io_methods MethodsOfVersion(int version) {
  sqlite3_io_methods m{};
  m.iVersion = version;
  m.xClose = Close;
  m.xRead = Read;
  m.xWrite = Write;
  m.xTruncate = Truncate;
  m.xSync = Sync;
  m.xFileSize = FileSize;
  m.xLock = Lock;
  m.xUnlock = Unlock;
  m.xCheckReservedLock = CheckReservedLock;
  m.xFileControl = FileControl;
  m.xSectorSize = SectorSize;
  m.xDeviceCharacteristics = DeviceCharacteristics;
  m.xShmMap = ShmMap;
  m.xShmLock = ShmLock;
  m.xShmBarrier = ShmBarrier;
  m.xShmUnmap = ShmUnmap;
  m.xFetch = Fetch;
  m.xUnfetch = Unfetch;
  return m;
}

// The version the base's file reports, so SQLite calls no method the base lacks (it checks
// iVersion before the shared-memory and memory-mapping ones).
const sqlite3_io_methods* MethodsFor(int version) {
  static const sqlite3_io_methods kMethods[] = {MethodsOfVersion(1), MethodsOfVersion(2),
                                                MethodsOfVersion(3)};
  return &kMethods[std::clamp(version, 1, 3) - 1];
}

int Open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  auto* base = static_cast<sqlite3_vfs*>(vfs->pAppData);
  auto* f = new (file) GatherFile{};
  f->base.pMethods = nullptr;  // until the base has opened: SQLite then calls no method
  f->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + sizeof(GatherFile));
  std::memset(f->real, 0, static_cast<size_t>(base->szOsFile));
  f->wal = (flags & SQLITE_OPEN_WAL) != 0;
  const int rc = base->xOpen(base, name, f->real, flags, out_flags);
  if (f->real->pMethods == nullptr) {
    f->~GatherFile();
    return rc;
  }
  // A failed open that left methods is closed by SQLite through them, as with any VFS.
  f->base.pMethods = MethodsFor(f->real->pMethods->iVersion);
  return rc;
}

// The rest of the VFS is the base's.
int Delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  auto* base = static_cast<sqlite3_vfs*>(vfs->pAppData);
  return base->xDelete(base, name, sync_dir);
}

int Access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  auto* base = static_cast<sqlite3_vfs*>(vfs->pAppData);
  return base->xAccess(base, name, flags, out);
}

int FullPathname(sqlite3_vfs* vfs, const char* name, int n, char* out) {
  auto* base = static_cast<sqlite3_vfs*>(vfs->pAppData);
  return base->xFullPathname(base, name, n, out);
}

void* DlOpen(sqlite3_vfs* vfs, const char* name) {
  auto* base = static_cast<sqlite3_vfs*>(vfs->pAppData);
  return base->xDlOpen(base, name);
}

void DlError(sqlite3_vfs* vfs, int n, char* out) {
  auto* base = static_cast<sqlite3_vfs*>(vfs->pAppData);
  base->xDlError(base, n, out);
}

void (*DlSym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
  auto* base = static_cast<sqlite3_vfs*>(vfs->pAppData);
  return base->xDlSym(base, handle, symbol);
}

void DlClose(sqlite3_vfs* vfs, void* handle) {
  auto* base = static_cast<sqlite3_vfs*>(vfs->pAppData);
  base->xDlClose(base, handle);
}

int Randomness(sqlite3_vfs* vfs, int n, char* out) {
  auto* base = static_cast<sqlite3_vfs*>(vfs->pAppData);
  return base->xRandomness(base, n, out);
}

int Sleep(sqlite3_vfs* vfs, int microseconds) {
  auto* base = static_cast<sqlite3_vfs*>(vfs->pAppData);
  return base->xSleep(base, microseconds);
}

int CurrentTime(sqlite3_vfs* vfs, double* out) {
  auto* base = static_cast<sqlite3_vfs*>(vfs->pAppData);
  return base->xCurrentTime(base, out);
}

int GetLastError(sqlite3_vfs* vfs, int n, char* out) {
  auto* base = static_cast<sqlite3_vfs*>(vfs->pAppData);
  return base->xGetLastError ? base->xGetLastError(base, n, out) : 0;
}

int CurrentTimeInt64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  auto* base = static_cast<sqlite3_vfs*>(vfs->pAppData);
  if (base->iVersion >= 2 && base->xCurrentTimeInt64 != nullptr) {
    return base->xCurrentTimeInt64(base, out);
  }
  double days = 0;
  const int rc = base->xCurrentTime(base, &days);
  *out = static_cast<sqlite3_int64>(days * 86'400'000.0);
  return rc;
}

// A registered VFS must outlive every connection opened through it: these are never freed.
struct Registered {
  sqlite3_vfs vfs;
  std::string name;
};

}  // namespace

Result<std::string> GatheringVfs(const std::string& base_name) {
  static std::mutex mu;
  static std::map<std::string, Registered*> registered;
  std::lock_guard lock(mu);
  auto it = registered.find(base_name);
  if (it != registered.end()) return it->second->name;
  sqlite3_vfs* base = sqlite3_vfs_find(base_name.empty() ? nullptr : base_name.c_str());
  if (base == nullptr) return Status::NotFound("no SQLite VFS named " + base_name);
  auto* r = new Registered{};
  r->name = base_name.empty() ? "smsgw-gather" : "smsgw-gather-" + base_name;
  sqlite3_vfs& v = r->vfs;
  v.iVersion = 2;
  v.szOsFile = static_cast<int>(sizeof(GatherFile)) + base->szOsFile;
  v.mxPathname = base->mxPathname;
  v.zName = r->name.c_str();
  v.pAppData = base;
  v.xOpen = Open;
  v.xDelete = Delete;
  v.xAccess = Access;
  v.xFullPathname = FullPathname;
  v.xDlOpen = DlOpen;
  v.xDlError = DlError;
  v.xDlSym = DlSym;
  v.xDlClose = DlClose;
  v.xRandomness = Randomness;
  v.xSleep = Sleep;
  v.xCurrentTime = CurrentTime;
  v.xGetLastError = GetLastError;
  v.xCurrentTimeInt64 = CurrentTimeInt64;
  if (int rc = sqlite3_vfs_register(&v, 0); rc != SQLITE_OK) {
    Status failed =
        Status::Internal("registering the SQLite VFS " + r->name + ": " + sqlite3_errstr(rc));
    delete r;
    return failed;
  }
  registered.emplace(base_name, r);
  return r->name;
}

}  // namespace smsgw::store
