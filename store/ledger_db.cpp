#include "store/ledger_db.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "store/wal_write_batching.h"

namespace smsgw::store {

Stmt::~Stmt() {
  if (s_) sqlite3_reset(s_);
}

Stmt& Stmt::Bind(int index, int64_t value) {
  sqlite3_bind_int64(s_, index, value);
  return *this;
}

Stmt& Stmt::Bind(int index, std::string_view text) {
  sqlite3_bind_text(s_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Stmt& Stmt::BindBlob(int index, std::string_view bytes) {
  sqlite3_bind_blob(s_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  return *this;
}

Stmt& Stmt::BindNull(int index) {
  sqlite3_bind_null(s_, index);
  return *this;
}

namespace {

Status MapError(sqlite3* db, int rc, std::string_view what) {
  std::string msg = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Unavailable(std::move(msg));
    case SQLITE_CONSTRAINT:
      return Status::AlreadyExists(std::move(msg));
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      return Status::IOError(std::move(msg));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::Corruption(std::move(msg));
    default:
      return Status::Internal(std::move(msg));
  }
}

}  // namespace

Result<bool> Stmt::Step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return MapError(sqlite3_db_handle(s_), rc, "ledger statement");
}

Status Stmt::Run() {
  for (;;) {
    Result<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::OK();
  }
}

bool Stmt::IsNull(int column) const {
  return sqlite3_column_type(s_, column) == SQLITE_NULL;
}

int64_t Stmt::Int(int column) const {
  return sqlite3_column_int64(s_, column);
}

std::string Stmt::Text(int column) const {
  const unsigned char* p = sqlite3_column_text(s_, column);
  return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(s_, column))
           : std::string();
}

std::string Stmt::Blob(int column) const {
  const void* p = sqlite3_column_blob(s_, column);
  return p ? std::string(static_cast<const char*>(p), sqlite3_column_bytes(s_, column))
           : std::string();
}

Result<std::unique_ptr<LedgerDb>> LedgerDb::Open(const std::string& path, int busy_timeout_ms,
                                                 const std::string& vfs,
                                                 int background_checkpoint_pages) {
  // Create the file ourselves so it is 0600 from the first byte; SQLite gives the -wal and
  // -shm files the same mode as the database file.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError("ledger database " + path + ": " + std::strerror(errno));
  ::close(fd);

  Result<std::string> batching = WalWriteBatchingVfs(vfs);
  if (!batching.ok()) return batching.status();
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                           batching->c_str());
  std::unique_ptr<LedgerDb> db(new LedgerDb(raw));
  if (rc != SQLITE_OK) return MapError(raw, rc, "opening ledger database " + path);
  sqlite3_busy_timeout(raw, busy_timeout_ms);
  sqlite3_extended_result_codes(raw, 1);
  // temp_store=MEMORY keeps the savepoints' statement journal (a batch writes one page image
  // per page an instruction touches) in memory rather than in a temporary file.
  Status s = db->Exec(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
      "PRAGMA secure_delete=ON; PRAGMA temp_store=MEMORY;");
  if (!s.ok()) return s.WithContext("configuring ledger database " + path);
  if (background_checkpoint_pages > 0) {
    Result<std::unique_ptr<WalCheckpointer>> c =
        WalCheckpointer::Start(path, vfs, background_checkpoint_pages, "smsgw-ledgerwal");
    if (!c.ok()) return c.status().WithContext("ledger " + path);
    db->checkpointer_ = std::move(*c);
    db->checkpointer_->AttachTo(raw);
  }
  return db;
}

LedgerDb::~LedgerDb() {
  if (checkpointer_) sqlite3_wal_hook(db_, nullptr, nullptr);
  checkpointer_.reset();  // before the close, whose checkpoint is the last
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

CheckpointStats LedgerDb::checkpoint_stats() const {
  return checkpointer_ ? checkpointer_->stats() : CheckpointStats{};
}

Status LedgerDb::Exec(std::string_view sql) {
  std::string text(sql);
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? Status::OK() : Error(rc, "ledger");
}

Result<Stmt> LedgerDb::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &s, nullptr);
    if (rc != SQLITE_OK) return Error(rc, "preparing ledger statement");
    it = cache_.emplace(std::string(sql), s).first;
  }
  sqlite3_reset(it->second);
  sqlite3_clear_bindings(it->second);
  return Stmt(it->second);
}

Result<int64_t> LedgerDb::QueryInt(std::string_view sql, int64_t if_none) {
  Result<Stmt> st = Prepare(sql);
  if (!st.ok()) return st.status();
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  return *row && !st->IsNull(0) ? st->Int(0) : if_none;
}

int64_t LedgerDb::LastInsertRowid() const {
  return sqlite3_last_insert_rowid(db_);
}

int LedgerDb::Changes() const {
  return sqlite3_changes(db_);
}

bool LedgerDb::InTransaction() const {
  return sqlite3_get_autocommit(db_) == 0;
}

Status LedgerDb::Error(int rc, std::string_view what) const {
  return MapError(db_, rc, what);
}

namespace {
// One name for every instruction's savepoint: they never overlap, and ROLLBACK TO / RELEASE
// act on the innermost savepoint of that name.
constexpr std::string_view kSavepoint = "SAVEPOINT instruction";
constexpr std::string_view kRollbackToSavepoint = "ROLLBACK TO instruction; RELEASE instruction";
constexpr std::string_view kReleaseSavepoint = "RELEASE instruction";
}  // namespace

Result<std::unique_ptr<LedgerTxn>> LedgerTxn::Begin(LedgerDb& db) {
  if (db.batch_ == LedgerDb::Batch::kNone) {
    Status s = db.Exec("BEGIN IMMEDIATE");
    if (!s.ok()) return s;
    return std::unique_ptr<LedgerTxn>(new LedgerTxn(db, Kind::kTransaction));
  }
  // Outside a transaction, SAVEPOINT would start one of its own and RELEASE would commit it
  // alone: a lost batch transaction must not turn into per-instruction commits.
  if (db.batch_ == LedgerDb::Batch::kOpen && !db.InTransaction()) {
    db.batch_ = LedgerDb::Batch::kBroken;
  }
  if (db.batch_ == LedgerDb::Batch::kBroken) {
    return Status::Unavailable("the ledger batch's transaction was rolled back");
  }
  Status s = db.Exec(kSavepoint);
  if (!s.ok()) return s;
  return std::unique_ptr<LedgerTxn>(new LedgerTxn(db, Kind::kSavepoint));
}

Result<std::unique_ptr<LedgerTxn>> LedgerTxn::BeginBatch(LedgerDb& db) {
  if (db.batch_ != LedgerDb::Batch::kNone) {
    return Status::FailedPrecondition("a ledger batch is already open on this connection");
  }
  Status s = db.Exec("BEGIN IMMEDIATE");
  if (!s.ok()) return s;
  db.batch_ = LedgerDb::Batch::kOpen;
  return std::unique_ptr<LedgerTxn>(new LedgerTxn(db, Kind::kBatch));
}

LedgerTxn::~LedgerTxn() {
  if (kind_ == Kind::kSavepoint) {
    if (done_) return;
    // Failing to undo one instruction leaves its half-made changes in the batch: the whole
    // batch must go.
    if (!db_.InTransaction() || !db_.Exec(kRollbackToSavepoint).ok()) {
      db_.batch_ = LedgerDb::Batch::kBroken;
    }
    return;
  }
  if (kind_ == Kind::kBatch) db_.batch_ = LedgerDb::Batch::kNone;
  if (!done_ && db_.InTransaction()) (void)db_.Exec("ROLLBACK");
}

Status LedgerTxn::Commit() {
  Status s;
  switch (kind_) {
    case Kind::kSavepoint:
      s = db_.Exec(kReleaseSavepoint);
      break;
    case Kind::kBatch:
      if (db_.batch_ == LedgerDb::Batch::kBroken || !db_.InTransaction()) {
        return Status::Unavailable("the ledger batch's transaction was rolled back");
      }
      s = db_.Exec("COMMIT");
      break;
    case Kind::kTransaction:
      s = db_.Exec("COMMIT");
      break;
  }
  if (s.ok()) done_ = true;
  return s;
}

}  // namespace smsgw::store
