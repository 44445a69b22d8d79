// A thin layer over the SQLite C API for the store: prepared statements owned by the
// connection's owner, one-shot executions that reset themselves, and the mapping of SQLite
// result codes onto smsgw::Status.
//
// Internal to store/. Not thread-safe: a connection and its statements belong to one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "conf/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace smsgw::store::sql {

// Maps an SQLite result code onto a Status, by what the caller should do:
//   BUSY, LOCKED, FULL, IOERR*, NOMEM  -> Unavailable (the same call may succeed later)
//   CORRUPT, NOTADB                    -> Corruption
//   CONSTRAINT                         -> AlreadyExists
//   CANTOPEN                           -> IOError
//   anything else                      -> Internal
// The message is "<what>: <sqlite's message>". Never contains bound values.
Status ToStatus(int rc, sqlite3* db, std::string_view what);

// Runs SQL that returns no rows (several statements allowed).
Status Exec(sqlite3* db, std::string_view sql);

// A statement prepared once (SQLITE_PREPARE_PERSISTENT) and reused through Query.
class Statement {
 public:
  Statement() = default;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  ~Statement();

  Status Prepare(sqlite3* db, std::string_view sql);
  sqlite3_stmt* handle() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// One execution of a prepared statement. Parameters are bound in order (?1, ?2, ...); columns
// are read by index from 0. The statement is reset and its bindings cleared when the Query goes
// away, so no half-read SELECT keeps a read snapshot open. Values are copied when bound.
class Query {
 public:
  explicit Query(Statement& statement);
  // A Query that only reports `error` (a statement that failed to prepare).
  explicit Query(Status error);
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  ~Query();

  Query& Int(int64_t value);
  Query& Text(std::string_view value);
  Query& OptText(const std::optional<std::string>& value);
  Query& Blob(std::string_view bytes);
  Query& Null();
  // Bound without a copy (SQLITE_STATIC): the bytes must stay alive and unchanged until the
  // Query is done. For hot paths only.
  Query& TextRef(std::string_view value);
  Query& BlobRef(std::string_view bytes);

  // True when a row is ready, false when the statement has finished.
  Result<bool> Step();
  // Steps to the end, for statements that return no rows (or whose rows are ignored).
  Status Run();
  // Rows changed by the last Run()/Step() of this connection.
  int Changes() const;

  bool IsNull(int column) const;
  int64_t ColumnInt(int column) const;
  std::string ColumnText(int column) const;
  std::optional<std::string> ColumnOptText(int column) const;
  std::string ColumnBlob(int column) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
  Status error_;
  int next_index_ = 1;
  int bind_rc_ = 0;
};

// Steps through every row of `q`, calling fn(q) for each; fn returns void or a Status (a
// non-OK Status stops the walk and is returned).
template <typename RowFn>
Status ForEachRow(Query& q, RowFn&& fn) {
  for (;;) {
    Result<bool> row = q.Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::OK();
    if constexpr (std::is_void_v<std::invoke_result_t<RowFn&, Query&>>) {
      fn(q);
    } else {
      Status s = fn(q);
      if (!s.ok()) return s;
    }
  }
}

}  // namespace smsgw::store::sql
