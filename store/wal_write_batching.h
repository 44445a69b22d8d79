// A SQLite VFS that hands each transaction's WAL frames to the kernel in a few large writes
// instead of two per page.
//
// Why: SQLite writes a WAL frame as two pwrite calls, its 24-byte header and then its page,
// so a commit of a hundred MOs (some 300 dirty pages) is 600 system calls, each touching two
// page-cache folios in part. Profiled natively, those writes were a sixth of the core
// thread's CPU. This VFS gathers frames written back to back in memory and writes them out
// in pieces of up to 124 KiB, whole folios at a time.
//
// Durability and visibility are unchanged: the gathered frames reach the file before
// anything could depend on them being there.
// - A commit's last frame carries the database size in its header; once that frame's page
//   is gathered, everything is written out within that same write call, so an error (disk
//   full, I/O) fails the commit as it would have without this VFS, and the frames are in the
//   file before SQLite publishes them to other connections through the WAL index.
// - Every other call on the WAL file (read, sync, size, truncate, close, file control)
//   writes the gathered frames out first, so SQLite never reads back, syncs or measures a
//   file that lacks what it wrote.
// - A write that does not continue the gathered run (a page written again over its frame
//   after a spill, frames of a rolled-back transaction reused) writes the run out first and
//   starts a new one, so writes reach the file in the order SQLite made them.
// - A write into a commit already written goes straight to the file: after the commit frame
//   of a transaction that wrote pages again in place, SQLite rewrites the frames' checksums,
//   and nothing of a commit may wait here once it has returned.
// - A run goes out in pieces of at most 124 KiB: the unix VFS masks a write's length to 17
//   bits.
// - All of this rests on SQLite appending the WAL header at offset 0 and each frame as its
//   header and then its page (so since 3.7, and in 3.40). A WAL file that sees an append of
//   any other shape (a later SQLite writing frames whole, a WAL padded to sector boundaries)
//   writes out what it holds and passes every write straight through from then on.
// Frames gathered but not written out when the process dies belong to a transaction that
// never committed, exactly as if SQLite had not yet written them.
//
// Only the WAL goes through the gathering; the database file and everything else are the
// wrapped VFS's own file objects.
#pragma once

#include <cstdint>
#include <string>

#include "conf/status.h"

namespace smsgw::store {

// The name of a VFS that wraps the VFS named `base` (the default VFS when empty) with WAL
// write gathering, registering it on first use (never as the default). Thread-safe.
// NotFound when `base` names no registered VFS.
Result<std::string> WalWriteBatchingVfs(const std::string& base);

// WAL files of this process (the store's, the ledger's) that have turned gathering off on an
// append of a shape it does not know, since the process started. Zero with the SQLite this
// was written for; anything else means writes cost again what they did without this VFS.
int64_t WalFilesWritingStraight();

}  // namespace smsgw::store
