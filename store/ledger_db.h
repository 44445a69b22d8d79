// The ledger's SQLite connection: one object owns one sqlite3 handle, prepares each statement
// once, and maps SQLite's result codes onto smsgw::Status by what the caller should do.
//
// Internal to store/ledger*.cpp. Not thread-safe: one owner per connection (the handle is
// opened with SQLITE_OPEN_NOMUTEX); other threads open their own connection to the same file.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "conf/status.h"
#include "store/checkpoint_stats.h"
#include "store/wal_checkpointer.h"

struct sqlite3;
struct sqlite3_stmt;

namespace smsgw::store {

// A prepared statement borrowed from the connection's cache. Unbound when handed out and reset
// when it goes away, so no half-read SELECT keeps a read snapshot open past its use (a stale
// snapshot would make the next BEGIN IMMEDIATE fail). Bind indexes start at 1, columns at 0.
// Only one Stmt per SQL text may be alive at a time.
class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* s) : s_(s) {}
  Stmt(Stmt&& other) noexcept : s_(other.s_) { other.s_ = nullptr; }
  Stmt& operator=(Stmt&&) = delete;
  Stmt(const Stmt&) = delete;
  ~Stmt();

  Stmt& Bind(int index, int64_t value);
  Stmt& Bind(int index, std::string_view text);
  Stmt& BindBlob(int index, std::string_view bytes);
  Stmt& BindNull(int index);

  // True when a row is ready, false when the statement is done.
  Result<bool> Step();
  // Steps to the end; for statements that return no rows.
  Status Run();

  bool IsNull(int column) const;
  int64_t Int(int column) const;
  std::string Text(int column) const;
  std::string Blob(int column) const;

 private:
  sqlite3_stmt* s_;
};

class LedgerDb {
 public:
  // Opens (creating it with mode 0600 when missing) the database file, then sets WAL,
  // synchronous=FULL, foreign keys and the busy timeout. Unavailable when the file is locked
  // for longer than busy_timeout_ms, IOError when it cannot be opened. `vfs` names the SQLite
  // VFS (the default when empty; tests inject faults through their own). With
  // `background_checkpoint_pages` above 0 the WAL is checkpointed on a thread and connection of
  // its own (the daemon's ledger: store/wal_checkpointer.h) once it holds that many pages,
  // instead of inside the commit that takes it past SQLite's 1,000, on the thread that answers
  // instructions.
  static Result<std::unique_ptr<LedgerDb>> Open(const std::string& path, int busy_timeout_ms,
                                                const std::string& vfs = {},
                                                int background_checkpoint_pages = 0);
  ~LedgerDb();
  LedgerDb(const LedgerDb&) = delete;
  LedgerDb& operator=(const LedgerDb&) = delete;

  // Runs SQL that returns no rows (several statements allowed).
  Status Exec(std::string_view sql);
  Result<Stmt> Prepare(std::string_view sql);
  // The first column of the first row of a query without parameters; `if_none` when there is
  // no row or the value is NULL.
  Result<int64_t> QueryInt(std::string_view sql, int64_t if_none);

  int64_t LastInsertRowid() const;
  int Changes() const;
  // False in autocommit mode: no transaction is open, e.g. after SQLite rolled one back on
  // its own (some I/O errors do that).
  bool InTransaction() const;

  // Maps an SQLite result code to a Status: BUSY/LOCKED are Unavailable (retry later),
  // CONSTRAINT is AlreadyExists, FULL/IOERR are IOError, CORRUPT/NOTADB are Corruption.
  Status Error(int rc, std::string_view what) const;

  // Zeroes without background checkpoints (Open). Thread-safe.
  CheckpointStats checkpoint_stats() const;

 private:
  friend class LedgerTxn;
  enum class Batch { kNone, kOpen, kBroken };

  explicit LedgerDb(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unique_ptr<WalCheckpointer> checkpointer_;
  Batch batch_ = Batch::kNone;
  std::map<std::string, sqlite3_stmt*, std::less<>> cache_;
};

// BEGIN IMMEDIATE on construction: the write lock is taken before anything is read, so two
// connections never decide on the same stale balance. Rolls back unless Commit() succeeded.
//
// Group commit: while a batch transaction (BeginBatch) is open on the connection, Begin makes
// a SAVEPOINT inside it instead. Its Commit releases the savepoint into the batch (durable only
// when the batch commits); without it, the destructor undoes only this savepoint's changes.
// If the batch's transaction is lost (SQLite rolled it back after an I/O error, or a savepoint
// could not be undone), the batch is broken: later Begins and the batch's Commit answer
// Unavailable, and everything in the batch is undone.
class LedgerTxn {
 public:
  static Result<std::unique_ptr<LedgerTxn>> Begin(LedgerDb& db);
  // BEGIN IMMEDIATE for a batch: one write transaction (one fsync at Commit) for every
  // LedgerTxn begun on `db` until this one commits or goes away. Batches do not nest.
  static Result<std::unique_ptr<LedgerTxn>> BeginBatch(LedgerDb& db);
  ~LedgerTxn();
  Status Commit();

 private:
  enum class Kind { kTransaction, kBatch, kSavepoint };
  LedgerTxn(LedgerDb& db, Kind kind) : db_(db), kind_(kind) {}
  LedgerDb& db_;
  Kind kind_;
  bool done_ = false;
};

}  // namespace smsgw::store
