#include "store/sql.h"

#include <sqlite3.h>

namespace smsgw::store::sql {

Status ToStatus(int rc, sqlite3* db, std::string_view what) {
  std::string msg(what);
  msg += ": ";
  msg += db != nullptr && sqlite3_errcode(db) == rc ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
      return Status::OK();
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_NOMEM:
      return Status::Unavailable(msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::Corruption(msg);
    case SQLITE_CONSTRAINT:
      return Status::AlreadyExists(msg);
    case SQLITE_CANTOPEN:
      return Status::IOError(msg);
    default:
      return Status::Internal(msg);
  }
}

Status Exec(sqlite3* db, std::string_view sql) {
  std::string text(sql);
  int rc = sqlite3_exec(db, text.c_str(), nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? Status::OK() : ToStatus(rc, db, "executing SQL");
}

Statement::Statement(Statement&& other) noexcept : stmt_(other.stmt_) {
  other.stmt_ = nullptr;
}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = other.stmt_;
    other.stmt_ = nullptr;
  }
  return *this;
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

Status Statement::Prepare(sqlite3* db, std::string_view sql) {
  sqlite3_finalize(stmt_);
  stmt_ = nullptr;
  int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) return ToStatus(rc, db, "preparing \"" + std::string(sql) + "\"");
  return Status::OK();
}

Query::Query(Statement& statement) : stmt_(statement.handle()) {}

Query::Query(Status error) : error_(std::move(error)) {}

Query::~Query() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Query& Query::Int(int64_t value) {
  if (stmt_ == nullptr) return *this;
  int rc = sqlite3_bind_int64(stmt_, next_index_++, value);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Query& Query::Text(std::string_view value) {
  if (stmt_ == nullptr) return *this;
  int rc = sqlite3_bind_text64(stmt_, next_index_++, value.data(), value.size(), SQLITE_TRANSIENT,
                               SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Query& Query::OptText(const std::optional<std::string>& value) {
  return value ? Text(*value) : Null();
}

Query& Query::Blob(std::string_view bytes) {
  if (stmt_ == nullptr) return *this;
  int rc = sqlite3_bind_blob64(stmt_, next_index_++, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Query& Query::TextRef(std::string_view value) {
  if (stmt_ == nullptr) return *this;
  int rc = sqlite3_bind_text64(stmt_, next_index_++, value.data(), value.size(), SQLITE_STATIC,
                               SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Query& Query::BlobRef(std::string_view bytes) {
  if (stmt_ == nullptr) return *this;
  int rc = sqlite3_bind_blob64(stmt_, next_index_++, bytes.data(), bytes.size(), SQLITE_STATIC);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Query& Query::Null() {
  if (stmt_ == nullptr) return *this;
  int rc = sqlite3_bind_null(stmt_, next_index_++);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Result<bool> Query::Step() {
  if (stmt_ == nullptr) return error_;
  sqlite3* db = sqlite3_db_handle(stmt_);
  if (bind_rc_ != SQLITE_OK) return ToStatus(bind_rc_, db, "binding a parameter");
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return ToStatus(rc, db, "running \"" + std::string(sqlite3_sql(stmt_)) + "\"");
}

Status Query::Run() {
  for (;;) {
    Result<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::OK();
  }
}

int Query::Changes() const {
  return stmt_ == nullptr ? 0 : sqlite3_changes(sqlite3_db_handle(stmt_));
}

bool Query::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

int64_t Query::ColumnInt(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

std::string Query::ColumnText(int column) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  return p == nullptr ? std::string() : std::string(p, sqlite3_column_bytes(stmt_, column));
}

std::optional<std::string> Query::ColumnOptText(int column) const {
  if (IsNull(column)) return std::nullopt;
  return ColumnText(column);
}

std::string Query::ColumnBlob(int column) const {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
  return p == nullptr ? std::string() : std::string(p, sqlite3_column_bytes(stmt_, column));
}

}  // namespace smsgw::store::sql
