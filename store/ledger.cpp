#include "store/ledger.h"

#include <chrono>

#include "store/ledger_book.h"
#include "store/ledger_db.h"
#include "store/ledger_receipt_codec.h"
#include "store/ledger_schema.h"

namespace smsgw::store {

std::string_view KindName(AccountKind kind) {
  switch (kind) {
    case AccountKind::kSubscriber:
      return "subscriber";
    case AccountKind::kAgent:
      return "agent";
    case AccountKind::kBiller:
      return "biller";
    case AccountKind::kSystem:
      return "system";
  }
  return "?";
}

namespace {

int64_t SystemClock() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool IsInstructionId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

std::string ReceiptAad(std::string_view instruction_id) {
  return "ledger receipt " + std::string(instruction_id);
}

// Records the pepper's id on first use; refuses a database created with another pepper,
// which would otherwise fail every PIN and lock every account.
Status CheckPepper(LedgerDb& db, const LedgerKeys& keys) {
  auto txn = LedgerTxn::Begin(db);
  if (!txn.ok()) return txn.status();
  Result<Stmt> st = db.Prepare("SELECT value FROM meta WHERE name = 'pepper_id'");
  if (!st.ok()) return st.status();
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (*row) {
    std::string stored = st->Text(0);
    if (stored != keys.pepper_id()) {
      return Status::FailedPrecondition("the ledger was created with pepper key " + stored +
                                        ", not with " + keys.pepper_id());
    }
    return (*txn)->Commit();
  }
  Result<Stmt> ins = db.Prepare("INSERT INTO meta (name, value) VALUES ('pepper_id', ?1)");
  if (!ins.ok()) return ins.status();
  Status s = ins->Bind(1, keys.pepper_id()).Run();
  if (!s.ok()) return s;
  return (*txn)->Commit();
}

}  // namespace

Ledger::Ledger(LedgerOptions options, std::shared_ptr<const LedgerKeys> keys,
               std::unique_ptr<LedgerDb> db)
    : options_(std::move(options)), keys_(std::move(keys)), db_(std::move(db)) {}

Ledger::~Ledger() = default;

Result<std::unique_ptr<Ledger>> Ledger::Open(LedgerOptions options,
                                             std::shared_ptr<const LedgerKeys> keys) {
  if (!keys) return Status::InvalidArgument("the ledger needs its keys");
  if (!options.clock) options.clock = SystemClock;
  Result<std::unique_ptr<LedgerDb>> db = LedgerDb::Open(
      options.path, options.busy_timeout_ms, options.vfs, options.background_checkpoint_pages);
  if (!db.ok()) return db.status();
  Status s = MigrateLedger(**db, options.clock());
  if (s.ok()) s = CheckPepper(**db, *keys);
  if (!s.ok()) return s.WithContext("opening ledger " + options.path);
  return std::unique_ptr<Ledger>(
      new Ledger(std::move(options), std::move(keys), std::move(db).value()));
}

Ledger::Batch::Batch(std::unique_ptr<LedgerTxn> txn) : txn_(std::move(txn)) {}
Ledger::Batch::Batch(Batch&&) noexcept = default;
Ledger::Batch::~Batch() = default;

Status Ledger::Batch::Commit() {
  if (!txn_) return Status::FailedPrecondition("the ledger batch was moved away");
  return txn_->Commit();
}

Result<Ledger::Batch> Ledger::BeginBatch() {
  auto txn = LedgerTxn::BeginBatch(*db_);
  if (!txn.ok()) return txn.status();
  return Batch(std::move(txn).value());
}

CheckpointStats Ledger::checkpoint_stats() const {
  return db_->checkpoint_stats();
}

int64_t Ledger::Now() const {
  return options_.clock();
}

Result<LedgerReceipt> Ledger::Execute(
    const InstructionRef& ref, std::string_view operation,
    const std::function<Result<LedgerReceipt>(LedgerBook&)>& body) {
  if (!IsInstructionId(ref.id)) {
    return Status::InvalidArgument("an instruction id is 1 to 128 printable ASCII characters");
  }
  auto txn = LedgerTxn::Begin(*db_);
  if (!txn.ok()) return txn.status();

  Result<Stmt> seen =
      db_->Prepare("SELECT payload_hash, receipt_sealed FROM instructions WHERE id = ?1");
  if (!seen.ok()) return seen.status();
  seen->Bind(1, ref.id);
  Result<bool> row = seen->Step();
  if (!row.ok()) return row.status();
  if (*row) {
    if (!ConstantTimeEqual(seen->Blob(0), DigestBytes(ref.payload_hash))) {
      return Verdict::Refuse(ledger_reason::kIdempotencyConflict).Receipt();
    }
    Result<SecretBytes> plain = keys_->OpenBlob(seen->Blob(1), ReceiptAad(ref.id));
    if (!plain.ok()) return plain.status();
    Result<LedgerReceipt> stored = DecodeReceipt(plain->view());
    if (stored.ok()) stored->replayed = true;
    return stored;
  }

  const int64_t now = Now();
  LedgerBook book(*db_, *keys_, options_, now, ref.id);
  Result<LedgerReceipt> receipt = body(book);
  if (!receipt.ok()) return receipt.status();

  SecretBytes plain(EncodeReceipt(*receipt));
  Result<std::string> sealed = keys_->SealBlob(plain.view(), ReceiptAad(ref.id));
  if (!sealed.ok()) return sealed.status();
  Result<Stmt> ins = db_->Prepare(
      "INSERT INTO instructions (id, payload_hash, operation, accepted, receipt_sealed, "
      "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!ins.ok()) return ins.status();
  Status s = ins->Bind(1, ref.id)
                 .BindBlob(2, DigestBytes(ref.payload_hash))
                 .Bind(3, operation)
                 .Bind(4, static_cast<int64_t>(receipt->accepted))
                 .BindBlob(5, *sealed)
                 .Bind(6, now)
                 .Run();
  if (s.ok()) s = (*txn)->Commit();
  if (!s.ok()) return s;
  return receipt;
}

}  // namespace smsgw::store
