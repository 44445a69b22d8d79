// An SQLite VFS over another one that passes the writes SQLite makes to a WAL file down as one
// write per commit instead of two per page.
//
// SQLite writes each WAL frame with two pwrite calls, its 24-byte header and then its page, so
// a commit of n pages costs 2n system calls; on a virtual machine each is dear, and at low
// rates a commit carries a few MOs and a dozen pages (docs/benchmarks.md). Through this VFS,
// writes to a WAL file that continue one another are held in memory and passed down as one:
//  - once the frame that commits a transaction is complete, so every frame is in the file
//    before SQLite publishes it in the wal-index, whatever `synchronous` says;
//  - before a sync, read, size query, truncation, file control, lock change or close of the
//    file, so nothing below ever sees the file without what SQLite wrote to it;
//  - when a write does not continue the held ones, and when they reach kMaxHeldBytes.
// What reaches the disk and when it is made durable (the sync) are unchanged: only the number
// of system calls is. The database file and every other file pass straight through. An error
// of a held write comes back from the call that passed it down (the next write, or the sync of
// the commit), and SQLite fails that transaction as it would have failed it at the first.
#pragma once

#include <cstddef>
#include <string>

#include "conf/status.h"

namespace smsgw::store {

// Writes held for one WAL file at most; a larger transaction goes down in pieces. Below 128
// KiB: SQLite's unix VFS takes at most 128 KiB - 1 bytes per write (it masks the length to 17
// bits), and reports anything longer as a full disk.
inline constexpr std::size_t kMaxHeldBytes = 96 * 1024;

// Registers (once, thread-safe; not as the default VFS) the gathering VFS over `base` (the
// name of a registered VFS; empty: SQLite's default) and returns its name, to open
// connections with. NotFound when `base` is not registered.
Result<std::string> GatheringVfs(const std::string& base);

}  // namespace smsgw::store
