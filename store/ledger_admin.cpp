// Administration of the ledger: accounts, PINs, locks, listings and the invariant check.
#include "store/ledger.h"
#include "store/ledger_book.h"
#include "store/ledger_db.h"

namespace smsgw::store {

namespace {

using By = AccountRef::By;

bool AllOf(std::string_view s, std::size_t min, std::size_t max, bool (*ok)(char)) {
  if (s.size() < min || s.size() > max) return false;
  for (char c : s) {
    if (!ok(c)) return false;
  }
  return true;
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsHandleChar(char c) {
  return IsDigit(c) || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsPrintable(char c) {
  return c >= ' ' && c <= '~';
}

Status ValidateNewAccount(const NewAccount& a) {
  if (!AllOf(a.name, 1, 40, IsPrintable)) {
    return Status::InvalidArgument("a name is 1 to 40 printable ASCII characters");
  }
  if (a.overdraft_limit < 0) return Status::InvalidArgument("an overdraft limit is not negative");
  if (!a.msisdn.empty() && !IsLedgerMsisdn(a.msisdn)) {
    return Status::InvalidArgument("an MSISDN is 8 to 15 digits, country code first");
  }
  if (!a.account_number.empty() &&
      (a.kind != AccountKind::kSubscriber || !AllOf(a.account_number, 6, 20, IsDigit))) {
    return Status::InvalidArgument("an account number is 6 to 20 digits, for subscribers only");
  }
  switch (a.kind) {
    case AccountKind::kSubscriber:
      if (!a.handle.empty()) return Status::InvalidArgument("subscribers have no handle");
      return Status::OK();
    case AccountKind::kAgent:
      if (!AllOf(a.handle, 4, 10, IsDigit)) {
        return Status::InvalidArgument("an agent number is 4 to 10 digits");
      }
      if (a.msisdn.empty()) return Status::InvalidArgument("an agent needs an MSISDN");
      return Status::OK();
    case AccountKind::kBiller:
      if (!AllOf(a.handle, 2, 20, IsHandleChar)) {
        return Status::InvalidArgument("a biller's short name is 2 to 20 of A-Z, 0-9 and _");
      }
      if (!a.msisdn.empty()) return Status::InvalidArgument("billers have no MSISDN");
      return Status::OK();
    case AccountKind::kSystem:
      return Status::InvalidArgument("system accounts come with the schema");
  }
  return Status::Internal("unknown account kind");
}

// A friendly AlreadyExists before the unique indexes would refuse the insert.
Status CheckUnused(LedgerBook& book, const NewAccount& a, const Digest& number_hash) {
  auto taken = [&](Result<std::optional<AccountRow>> r, const std::string& what) -> Status {
    if (!r.ok()) return r.status();
    return r->has_value() ? Status::AlreadyExists(what + " is already in use") : Status::OK();
  };
  Status s;
  if (a.kind == AccountKind::kAgent) {
    s = taken(book.Find({By::kAgentNumber, a.handle}), "agent number " + a.handle);
    if (s.ok()) s = taken(book.FindAgentByMsisdn(a.msisdn), "agent MSISDN " + a.msisdn);
  } else if (a.kind == AccountKind::kBiller) {
    s = taken(book.Find({By::kBiller, a.handle}), "biller " + a.handle);
  } else if (!a.msisdn.empty()) {
    s = taken(book.Find({By::kMsisdn, a.msisdn}), "subscriber MSISDN " + a.msisdn);
  }
  if (s.ok() && !a.account_number.empty()) {
    s = taken(book.FindByNumberHash(number_hash), "the account number");
  }
  return s;
}

void BindOrNull(Stmt& st, int index, std::string_view text) {
  if (text.empty()) {
    st.BindNull(index);
  } else {
    st.Bind(index, text);
  }
}

Result<AccountInfo> ToInfo(const LedgerKeys& keys, const AccountRow& a) {
  AccountInfo info{a.id,
                   a.kind,
                   a.handle,
                   a.msisdn,
                   a.name,
                   a.balance,
                   a.overdraft_limit,
                   a.locked,
                   !a.pin_hash.empty(),
                   {}};
  if (!a.number_sealed.empty()) {
    Result<SecretBytes> number = keys.OpenBlob(a.number_sealed, AccountNumberAad(a.number_hash));
    if (!number.ok()) return number.status();
    info.account_masked = MaskAccountNumber(number->view());
  }
  return info;
}

// Runs `fn` on a book inside one write transaction, committing when it succeeds.
template <typename T, typename Fn>
Result<T> InTransaction(LedgerDb& db, const LedgerKeys& keys, const LedgerOptions& options,
                        int64_t now, Fn fn) {
  auto txn = LedgerTxn::Begin(db);
  if (!txn.ok()) return txn.status();
  LedgerBook book(db, keys, options, now, {});
  Result<T> r = fn(book);
  if (!r.ok()) return r;
  Status s = (*txn)->Commit();
  if (!s.ok()) return s;
  return r;
}

Result<AccountRow> MustFind(LedgerBook& book, const AccountRef& ref) {
  Result<std::optional<AccountRow>> a = book.Find(ref);
  if (!a.ok()) return a.status();
  if (!a->has_value()) {
    if (ref.by == By::kAccountNumber) return Status::NotFound("no account has that number");
    return Status::NotFound("no such account: " + ref.value);
  }
  return std::move(**a);
}

}  // namespace

bool IsLedgerMsisdn(std::string_view msisdn) {
  return AllOf(msisdn, 8, 15, IsDigit);
}

Result<AccountInfo> Ledger::CreateAccount(const NewAccount& a) {
  Status valid = ValidateNewAccount(a);
  if (!valid.ok()) return valid;
  return InTransaction<AccountInfo>(
      *db_, *keys_, options_, Now(), [&](LedgerBook& book) -> Result<AccountInfo> {
        const Digest hash = keys_->AccountNumberHash(a.account_number);
        Status s = CheckUnused(book, a, hash);
        if (!s.ok()) return s;
        Result<Stmt> st = db_->Prepare(
            "INSERT INTO accounts (kind, handle, msisdn, name, number_hash, number_sealed, "
            "overdraft_limit, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
        if (!st.ok()) return st.status();
        st->Bind(1, KindName(a.kind)).Bind(4, a.name).Bind(7, a.overdraft_limit);
        st->Bind(8, book.now());
        BindOrNull(*st, 2, a.handle);
        BindOrNull(*st, 3, a.msisdn);
        if (a.account_number.empty()) {
          st->BindNull(5).BindNull(6);
        } else {
          Result<std::string> sealed =
              keys_->SealBlob(a.account_number, AccountNumberAad(DigestBytes(hash)));
          if (!sealed.ok()) return sealed.status();
          st->BindBlob(5, DigestBytes(hash)).BindBlob(6, *sealed);
        }
        s = st->Run();
        if (!s.ok()) return s;
        Result<AccountRow> row = MustFind(book, {By::kId, std::to_string(db_->LastInsertRowid())});
        if (!row.ok()) return row.status();
        return ToInfo(*keys_, *row);
      });
}

Status Ledger::SetPin(const AccountRef& account, std::string_view pin) {
  if (!IsPinForm(pin)) return Status::InvalidArgument("a PIN is 4 to 6 digits");
  return InTransaction<bool>(*db_, *keys_, options_, Now(),
                             [&](LedgerBook& book) -> Result<bool> {
                               Result<AccountRow> row = MustFind(book, account);
                               if (!row.ok()) return row.status();
                               Status s = book.StorePin(row->id, pin);
                               if (!s.ok()) return s;
                               return true;
                             })
      .status();
}

Status Ledger::Unlock(const AccountRef& account) {
  return InTransaction<bool>(
             *db_, *keys_, options_, Now(),
             [&](LedgerBook& book) -> Result<bool> {
               Result<AccountRow> row = MustFind(book, account);
               if (!row.ok()) return row.status();
               Result<Stmt> st = db_->Prepare(
                   "UPDATE accounts SET status = 'active', lock_reason = NULL, pin_failures = 0 "
                   "WHERE id = ?1");
               if (!st.ok()) return st.status();
               Status s = st->Bind(1, row->id).Run();
               if (!s.ok()) return s;
               // The bank has spoken with the owner: binds from other phones start afresh.
               Result<Stmt> binds = db_->Prepare("DELETE FROM bind_failures WHERE account_id = ?1");
               if (!binds.ok()) return binds.status();
               s = binds->Bind(1, row->id).Run();
               if (!s.ok()) return s;
               return true;
             })
      .status();
}

Result<AccountInfo> Ledger::GetAccount(const AccountRef& account) {
  LedgerBook book(*db_, *keys_, options_, Now(), {});
  Result<AccountRow> row = MustFind(book, account);
  if (!row.ok()) return row.status();
  return ToInfo(*keys_, *row);
}

Result<std::vector<AccountInfo>> Ledger::ListAccounts() {
  LedgerBook book(*db_, *keys_, options_, Now(), {});
  Result<Stmt> st = db_->Prepare("SELECT id FROM accounts ORDER BY id");
  if (!st.ok()) return st.status();
  std::vector<int64_t> ids;
  for (;;) {
    Result<bool> row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    ids.push_back(st->Int(0));
  }
  std::vector<AccountInfo> accounts;
  for (int64_t id : ids) {
    Result<AccountRow> row = MustFind(book, {By::kId, std::to_string(id)});
    if (!row.ok()) return row.status();
    Result<AccountInfo> info = ToInfo(*keys_, *row);
    if (!info.ok()) return info.status();
    accounts.push_back(std::move(*info));
  }
  return accounts;
}

Result<std::vector<PostingLine>> Ledger::Postings(const AccountRef* account, int limit) {
  int64_t account_id = -1;
  if (account) {
    LedgerBook book(*db_, *keys_, options_, Now(), {});
    Result<AccountRow> row = MustFind(book, *account);
    if (!row.ok()) return row.status();
    account_id = row->id;
  }
  // Two texts rather than "?1 < 0 OR ...", so one account's listing uses its index.
  std::string sql =
      "SELECT p.id, t.code, t.kind, p.created_at, p.account_id, a.kind, COALESCE(a.handle, ''), "
      "COALESCE(a.msisdn, ''), a.name, p.amount, p.balance_after, COALESCE(t.reference, '') "
      "FROM postings p JOIN transfers t ON t.id = p.transfer_id "
      "JOIN accounts a ON a.id = p.account_id ";
  sql += account ? "WHERE p.account_id = ?1 " : "WHERE ?1 < 0 ";
  sql += "ORDER BY p.id DESC LIMIT ?2";
  Result<Stmt> st = db_->Prepare(sql);
  if (!st.ok()) return st.status();
  st->Bind(1, account_id).Bind(2, int64_t{limit});
  std::vector<PostingLine> lines;
  for (;;) {
    Result<bool> row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    AccountRow who;
    who.kind = KindFromName(st->Text(5));
    who.handle = st->Text(6);
    who.msisdn = st->Text(7);
    who.name = st->Text(8);
    lines.push_back({st->Int(0), st->Text(1), st->Text(2), st->Int(3), st->Int(4),
                     AccountLabel(who), st->Int(9), st->Int(10), st->Text(11)});
  }
  return lines;
}

Status Ledger::CheckInvariants() {
  // One read transaction: every check sees the same snapshot.
  Status s = db_->Exec("BEGIN");
  if (!s.ok()) return s;
  struct Check {
    const char* sql;
    const char* violation;
  };
  static constexpr Check kChecks[] = {
      {"SELECT transfer_id FROM postings GROUP BY transfer_id HAVING SUM(amount) <> 0 LIMIT 1",
       "postings of transfer %ld do not sum to zero"},
      {"SELECT t.id FROM transfers t WHERE NOT EXISTS "
       "(SELECT 1 FROM postings p WHERE p.transfer_id = t.id) LIMIT 1",
       "transfer %ld has no postings"},
      {"SELECT a.id FROM accounts a WHERE a.balance <> "
       "(SELECT COALESCE(SUM(p.amount), 0) FROM postings p WHERE p.account_id = a.id) LIMIT 1",
       "the balance of account %ld is not the sum of its postings"},
      {"SELECT id FROM accounts WHERE overdraft_limit IS NOT NULL "
       "AND balance < -overdraft_limit LIMIT 1",
       "account %ld is below its overdraft limit"},
      {"SELECT SUM(balance) FROM accounts", "the balances sum to %ld, not zero"},
      {"SELECT a.balance - (SELECT COALESCE(SUM(amount), 0) FROM withdrawal_codes "
       "WHERE status = 'open') FROM accounts a WHERE a.kind = 'system' AND a.handle = 'holding'",
       "the holding account differs from the open withdrawal codes by %ld"},
  };
  for (const Check& c : kChecks) {
    Result<int64_t> bad = db_->QueryInt(c.sql, 0);
    if (!bad.ok() || *bad != 0) {
      (void)db_->Exec("ROLLBACK");
      if (!bad.ok()) return bad.status();
      char msg[160];
      std::snprintf(msg, sizeof msg, c.violation, static_cast<long>(*bad));
      return Status::Corruption(msg);
    }
  }
  return db_->Exec("COMMIT");
}

}  // namespace smsgw::store
