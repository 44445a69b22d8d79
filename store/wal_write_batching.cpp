#include "store/wal_write_batching.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>

namespace smsgw::store {
namespace {

// A run of gathered frames is written out before it would pass this size. It goes out in
// pieces of kMaxWrite anyway, so a longer run would save no system call; this bounds the
// memory a connection holds for it, allocated once.
constexpr int64_t kMaxRun = 1 << 20;
// The unix VFS writes at most 128 KiB - 1 bytes per call (it masks the length), so a run
// goes out in pieces of at most this size, each ending on a page-cache folio boundary.
constexpr int64_t kMaxWrite = 124 << 10;
constexpr int64_t kFolio = 4096;
// A WAL frame's header; bytes 4-7 hold the database size in pages on a commit's last frame
// and zero on every other frame (SQLite's file format, "WAL File Format").
constexpr int kFrameHeader = 24;
// The WAL file's own header, at offset 0.
constexpr int kWalHeader = 32;

std::atomic<int64_t> g_files_writing_straight{0};

// The WAL's file object: this header, then the wrapped VFS's own file object. SQLite
// allocates it (szOsFile bytes) and never runs constructors, so it is plain data.
struct WalFile {
  sqlite3_file base;
  sqlite3_file* real;
  char* run;           // kMaxRun bytes, malloc'd on first use
  int64_t run_offset;  // file offset of run[0]
  int64_t run_size;
  bool commit_header_seen;   // the last write was a commit frame's header: its page is next
  int64_t page_expected_at;  // right after the last frame header; -1 after anything else
  int64_t committed_end;     // end of the last commit written here, in this WAL generation
  int64_t end;               // end of all written here since the generation began
  bool straight_through;     // an append of another shape was seen: nothing is gathered
};

WalFile* Wal(sqlite3_file* f) {
  return reinterpret_cast<WalFile*>(f);
}
sqlite3_file* Real(sqlite3_file* f) {
  return Wal(f)->real;
}

// Writes the gathered run to the file. On failure the run is kept, so it is tried again by
// the next call that needs it: dropping frames of a transaction still open could let its
// commit frame reach the file later without the frames before it. (Write drops a run whose
// commit failed; see there.)
int WriteOut(WalFile* w) {
  int64_t done = 0;
  while (done < w->run_size) {
    const int64_t at = w->run_offset + done;
    const int64_t n = std::min(w->run_size - done, kMaxWrite - at % kFolio);
    int rc = w->real->pMethods->xWrite(w->real, w->run + done, static_cast<int>(n), at);
    if (rc != SQLITE_OK) {
      // Keep what is left, written parts included: the next attempt starts over.
      return rc;
    }
    done += n;
  }
  w->run_size = 0;
  return SQLITE_OK;
}

bool Gather(WalFile* w, const void* data, int n, sqlite3_int64 offset) {
  if (w->run_size > 0 && offset != w->run_offset + w->run_size) return false;
  if (w->run_size + n > kMaxRun) return false;
  if (w->run == nullptr) {
    w->run = static_cast<char*>(std::malloc(static_cast<size_t>(kMaxRun)));
    if (w->run == nullptr) return false;
  }
  if (w->run_size == 0) w->run_offset = offset;
  std::memcpy(w->run + w->run_size, data, static_cast<size_t>(n));
  w->run_size += n;
  return true;
}

// Whether an append has the shape the commit detection rests on: SQLite's WAL writer puts
// out the WAL header at offset 0, then each frame as its 24-byte header and its page right
// after; a commit's last frame is always appended so.
bool KnownShape(const WalFile* w, int n, int64_t offset) {
  if (n == kWalHeader && offset == 0) return true;
  if (n == kFrameHeader) return true;
  return offset == w->page_expected_at;
}

int WriteThrough(WalFile* w, const void* data, int n, sqlite3_int64 offset) {
  if (int rc = WriteOut(w); rc != SQLITE_OK) return rc;
  w->commit_header_seen = false;
  w->page_expected_at = -1;
  int rc = w->real->pMethods->xWrite(w->real, data, n, offset);
  if (rc == SQLITE_OK) w->end = std::max<int64_t>(w->end, offset + n);
  return rc;
}

int Write(sqlite3_file* f, const void* data, int n, sqlite3_int64 offset) {
  WalFile* w = Wal(f);
  // The WAL header at offset 0 starts a generation: everything after it is written anew.
  if (n == kWalHeader && offset == 0) w->committed_end = w->end = 0;
  if (offset < w->committed_end) {
    // Into a commit already written: SQLite rewrites the frames' checksums after a commit
    // frame when the transaction wrote pages again in place. That is part of the commit, so
    // it goes straight to the file (after anything gathered), never waiting after it returns.
    return WriteThrough(w, data, n, offset);
  }
  // Appends have a shape to check; writes back inside the open transaction's frames (a page
  // written again in place after a spill, frames of a rolled-back transaction reused) are
  // gathered as they come, a run ending wherever the next write does not follow on.
  if (!w->straight_through && offset >= w->end && !KnownShape(w, n, offset)) {
    // Another writer than the one this VFS knows (a later SQLite appending frames whole, a WAL
    // padded to sector boundaries): a commit could not be told, so from here on every write
    // goes straight to the file, as without this VFS.
    w->straight_through = true;
    g_files_writing_straight.fetch_add(1, std::memory_order_relaxed);
  }
  if (w->straight_through) return WriteThrough(w, data, n, offset);
  const bool completes_commit = w->commit_header_seen;
  const auto* bytes = static_cast<const unsigned char*>(data);
  const bool commit_header = n == kFrameHeader && (bytes[4] | bytes[5] | bytes[6] | bytes[7]) != 0;
  w->commit_header_seen = false;
  w->page_expected_at = -1;
  if (!Gather(w, data, n, offset)) {
    if (int rc = WriteOut(w); rc != SQLITE_OK) return rc;
    if (!Gather(w, data, n, offset)) {
      if (int rc = w->real->pMethods->xWrite(w->real, data, n, offset); rc != SQLITE_OK) {
        return rc;
      }
    }
  }
  w->end = std::max<int64_t>(w->end, offset + n);
  w->commit_header_seen = commit_header;
  if (n == kFrameHeader) w->page_expected_at = offset + n;
  if (!completes_commit) return SQLITE_OK;
  int rc = WriteOut(w);
  if (rc == SQLITE_OK) {
    w->committed_end = offset + n;
    return SQLITE_OK;
  }
  // SQLite rolls a failed commit back; its frames must never reach the file afterwards (a
  // later read would write a kept run out), where recovery after a crash would find them
  // whole, commit frame included, and replay a transaction reported as failed. The run
  // holds this transaction's frames only: every earlier commit wrote its own out.
  w->run_size = 0;
  return rc;
}

int Close(sqlite3_file* f) {
  WalFile* w = Wal(f);
  // What is still gathered belongs to no commit (a commit writes its frames out before it
  // returns) and SQLite rolls it back on close: it is dropped.
  std::free(w->run);
  w->run = nullptr;
  w->run_size = 0;
  return w->real->pMethods->xClose(w->real);
}
int Read(sqlite3_file* f, void* buf, int n, sqlite3_int64 offset) {
  if (int rc = WriteOut(Wal(f)); rc != SQLITE_OK) return rc;
  return Real(f)->pMethods->xRead(Real(f), buf, n, offset);
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  if (int rc = WriteOut(Wal(f)); rc != SQLITE_OK) return rc;
  return Real(f)->pMethods->xTruncate(Real(f), size);
}
int Sync(sqlite3_file* f, int flags) {
  if (int rc = WriteOut(Wal(f)); rc != SQLITE_OK) return rc;
  return Real(f)->pMethods->xSync(Real(f), flags);
}
int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  if (int rc = WriteOut(Wal(f)); rc != SQLITE_OK) return rc;
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
  if (int rc = WriteOut(Wal(f)); rc != SQLITE_OK) return rc;
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
int Fetch(sqlite3_file* f, sqlite3_int64 offset, int n, void** out) {
  if (int rc = WriteOut(Wal(f)); rc != SQLITE_OK) return rc;
  return Real(f)->pMethods->xFetch(Real(f), offset, n, out);
}
int Unfetch(sqlite3_file* f, sqlite3_int64 offset, void* p) {
  return Real(f)->pMethods->xUnfetch(Real(f), offset, p);
}

const sqlite3_io_methods kWalMethods = {
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

sqlite3_vfs* Base(sqlite3_vfs* vfs) {
  return static_cast<sqlite3_vfs*>(vfs->pAppData);
}

int Open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  sqlite3_vfs* base = Base(vfs);
  // Anything but a WAL is the wrapped VFS's file object itself, in the same memory.
  if ((flags & SQLITE_OPEN_WAL) == 0) return base->xOpen(base, name, f, flags, out_flags);
  WalFile* w = Wal(f);
  std::memset(w, 0, sizeof *w);
  w->page_expected_at = -1;
  w->real = reinterpret_cast<sqlite3_file*>(w + 1);
  int rc = base->xOpen(base, name, w->real, flags, out_flags);
  w->base.pMethods = w->real->pMethods != nullptr ? &kWalMethods : nullptr;
  return rc;
}
int Delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  return Base(vfs)->xDelete(Base(vfs), name, sync_dir);
}
int Access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return Base(vfs)->xAccess(Base(vfs), name, flags, out);
}
int FullPathname(sqlite3_vfs* vfs, const char* name, int n, char* out) {
  return Base(vfs)->xFullPathname(Base(vfs), name, n, out);
}
void* DlOpen(sqlite3_vfs* vfs, const char* name) {
  return Base(vfs)->xDlOpen(Base(vfs), name);
}
void DlError(sqlite3_vfs* vfs, int n, char* out) {
  Base(vfs)->xDlError(Base(vfs), n, out);
}
void (*DlSym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
  return Base(vfs)->xDlSym(Base(vfs), handle, symbol);
}
void DlClose(sqlite3_vfs* vfs, void* handle) {
  Base(vfs)->xDlClose(Base(vfs), handle);
}
int Randomness(sqlite3_vfs* vfs, int n, char* out) {
  return Base(vfs)->xRandomness(Base(vfs), n, out);
}
int Sleep(sqlite3_vfs* vfs, int micros) {
  return Base(vfs)->xSleep(Base(vfs), micros);
}
int CurrentTime(sqlite3_vfs* vfs, double* out) {
  return Base(vfs)->xCurrentTime(Base(vfs), out);
}
int GetLastError(sqlite3_vfs* vfs, int n, char* out) {
  return Base(vfs)->xGetLastError(Base(vfs), n, out);
}
int CurrentTimeInt64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  sqlite3_vfs* base = Base(vfs);
  if (base->iVersion >= 2 && base->xCurrentTimeInt64 != nullptr) {
    return base->xCurrentTimeInt64(base, out);
  }
  double days = 0;
  int rc = base->xCurrentTime(base, &days);
  *out = static_cast<sqlite3_int64>(days * 86'400'000.0);
  return rc;
}

struct Registered {
  std::string name;
  sqlite3_vfs vfs{};
};

}  // namespace

Result<std::string> WalWriteBatchingVfs(const std::string& base_name) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<Registered>>* registered =
      new std::map<std::string, std::unique_ptr<Registered>>();
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = registered->find(base_name); it != registered->end()) return it->second->name;
  sqlite3_vfs* base = sqlite3_vfs_find(base_name.empty() ? nullptr : base_name.c_str());
  if (base == nullptr) return Status::NotFound("no SQLite VFS named " + base_name);
  auto r = std::make_unique<Registered>();
  r->name = "smsgw-wal-batching" + (base_name.empty() ? std::string() : ":" + base_name);
  sqlite3_vfs& v = r->vfs;
  v.iVersion = 2;
  v.szOsFile = static_cast<int>(sizeof(WalFile)) + base->szOsFile;
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
    return Status::Internal("registering SQLite VFS " + r->name + ": " + sqlite3_errstr(rc));
  }
  std::string name = r->name;
  registered->emplace(base_name, std::move(r));
  return name;
}

int64_t WalFilesWritingStraight() {
  return g_files_writing_straight.load(std::memory_order_relaxed);
}

}  // namespace smsgw::store
