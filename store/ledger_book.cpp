#include "store/ledger_book.h"

#include <array>

namespace smsgw::store {

namespace {

constexpr std::string_view kAccountColumns =
    "SELECT id, kind, handle, msisdn, name, balance, overdraft_limit, status, pin_salt, "
    "pin_hash, pin_failures, number_hash, number_sealed FROM accounts WHERE ";

AccountRow ReadAccount(const Stmt& st) {
  AccountRow a;
  a.id = st.Int(0);
  a.kind = KindFromName(st.Text(1));
  a.handle = st.Text(2);
  a.msisdn = st.Text(3);
  a.name = st.Text(4);
  a.balance = st.Int(5);
  if (!st.IsNull(6)) a.overdraft_limit = st.Int(6);
  a.locked = st.Text(7) == "locked";
  a.pin_salt = st.Blob(8);
  a.pin_hash = st.Blob(9);
  a.pin_failures = static_cast<int>(st.Int(10));
  a.number_hash = st.Blob(11);
  a.number_sealed = st.Blob(12);
  return a;
}

}  // namespace

AccountKind KindFromName(std::string_view name) {
  if (name == "agent") return AccountKind::kAgent;
  if (name == "biller") return AccountKind::kBiller;
  if (name == "system") return AccountKind::kSystem;
  return AccountKind::kSubscriber;
}

Verdict Verdict::Refuse(std::string_view reason, std::string_view detail) {
  return {Status::OK(), std::string(reason), std::string(detail)};
}

Result<LedgerReceipt> Verdict::Receipt() const {
  if (!status.ok()) return status;
  LedgerReceipt r;
  r.reason = reason;
  r.detail = detail;
  return r;
}

std::string AccountNumberAad(std::string_view number_hash) {
  return "ledger account number " +
         ToHex({reinterpret_cast<const uint8_t*>(number_hash.data()), number_hash.size()});
}

std::string AccountLabel(const AccountRow& account) {
  switch (account.kind) {
    case AccountKind::kSubscriber:
      return account.msisdn.empty() ? account.name : account.name + " " + account.msisdn;
    case AccountKind::kAgent:
      return "Agent " + account.handle + " " + account.name;
    case AccountKind::kBiller:
    case AccountKind::kSystem:
      return account.handle;
  }
  return account.name;
}

Result<std::optional<AccountRow>> LedgerBook::FindOne(std::string_view where, std::string_view a,
                                                      std::string_view b) {
  Result<Stmt> st = db_.Prepare(std::string(kAccountColumns) + std::string(where));
  if (!st.ok()) return st.status();
  st->Bind(1, a);
  if (!b.empty()) st->Bind(2, b);
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<AccountRow>();
  return std::optional<AccountRow>(ReadAccount(*st));
}

Result<std::optional<AccountRow>> LedgerBook::Find(const AccountRef& ref) {
  switch (ref.by) {
    case AccountRef::By::kMsisdn:
      return FindOne("kind = 'subscriber' AND msisdn = ?1", ref.value, "");
    case AccountRef::By::kAgentNumber:
      return FindOne("kind = 'agent' AND handle = ?1", ref.value, "");
    case AccountRef::By::kBiller:
      return FindOne("kind = 'biller' AND handle = ?1", ref.value, "");
    case AccountRef::By::kSystem:
      return FindOne("kind = 'system' AND handle = ?1", ref.value, "");
    case AccountRef::By::kId:
      return FindOne("id = CAST(?1 AS INTEGER)", ref.value, "");
    case AccountRef::By::kAccountNumber:
      return FindByNumberHash(keys_.AccountNumberHash(ref.value));
  }
  return Status::Internal("unknown account reference");
}

Result<std::optional<AccountRow>> LedgerBook::FindByNumberHash(const Digest& hash) {
  Result<Stmt> st = db_.Prepare(std::string(kAccountColumns) + "number_hash = ?1");
  if (!st.ok()) return st.status();
  st->BindBlob(1, DigestBytes(hash));
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<AccountRow>();
  return std::optional<AccountRow>(ReadAccount(*st));
}

Result<std::optional<AccountRow>> LedgerBook::FindAgentByMsisdn(std::string_view msisdn) {
  return FindOne("kind = 'agent' AND msisdn = ?1", msisdn, "");
}

Result<AccountRow> LedgerBook::System(std::string_view name) {
  Result<std::optional<AccountRow>> a = Find({AccountRef::By::kSystem, std::string(name)});
  if (!a.ok()) return a.status();
  if (!a->has_value()) return Status::Internal("system account " + std::string(name) + " missing");
  return std::move(**a);
}

bool LedgerBook::PinMatches(const AccountRow& account, std::string_view pin) const {
  Digest d = keys_.PinHash(account.pin_salt, pin);
  return IsPinForm(pin) && ConstantTimeEqual(DigestBytes(d), account.pin_hash);
}

Verdict LedgerBook::CheckPin(AccountRow& account, std::string_view pin) {
  if (account.locked) return Verdict::Refuse(ledger_reason::kAccountLocked);
  if (account.pin_hash.empty()) return Verdict::Refuse(ledger_reason::kPinNotSet);
  if (PinMatches(account, pin)) {
    if (account.pin_failures == 0) return Verdict::Go();
    Result<Stmt> st = db_.Prepare("UPDATE accounts SET pin_failures = 0 WHERE id = ?1");
    if (!st.ok()) return Verdict::Fail(st.status());
    Status s = st->Bind(1, account.id).Run();
    if (!s.ok()) return Verdict::Fail(std::move(s));
    account.pin_failures = 0;
    return Verdict::Go();
  }
  account.pin_failures += 1;
  const bool lock = account.pin_failures >= options_.limits.max_pin_failures;
  Result<Stmt> st = db_.Prepare(
      "UPDATE accounts SET pin_failures = ?2, "
      "status = CASE WHEN ?3 THEN 'locked' ELSE status END, "
      "lock_reason = CASE WHEN ?3 THEN 'pin_failures' ELSE lock_reason END WHERE id = ?1");
  if (!st.ok()) return Verdict::Fail(st.status());
  Status s = st->Bind(1, account.id)
                 .Bind(2, int64_t{account.pin_failures})
                 .Bind(3, static_cast<int64_t>(lock))
                 .Run();
  if (!s.ok()) return Verdict::Fail(std::move(s));
  if (!lock) return Verdict::Refuse(ledger_reason::kWrongPin);
  account.locked = true;
  return Verdict::Refuse(ledger_reason::kAccountLocked, "pin_failures");
}

Verdict LedgerBook::Authenticate(std::string_view msisdn, std::string_view pin, AccountRow* payer) {
  Result<std::optional<AccountRow>> found = Find({AccountRef::By::kMsisdn, std::string(msisdn)});
  if (!found.ok()) return Verdict::Fail(found.status());
  if (!found->has_value()) return Verdict::Refuse(ledger_reason::kNotRegistered);
  *payer = std::move(**found);
  return CheckPin(*payer, pin);
}

Verdict LedgerBook::CheckDebit(const AccountRow& payer, int64_t amount, int64_t fee) {
  const LedgerLimits& limits = options_.limits;
  if (amount < limits.min_amount) {
    return Verdict::Refuse(ledger_reason::kInvalidAmount, "below_minimum");
  }
  if (amount > limits.max_amount) {
    return Verdict::Refuse(ledger_reason::kLimitExceeded, "per_instruction");
  }
  const int64_t total = amount + fee;  // both bounded by max_amount and the fee schedule
  Result<Stmt> st = db_.Prepare(
      "SELECT COALESCE(-SUM(amount), 0) FROM postings "
      "WHERE account_id = ?1 AND amount < 0 AND created_at > ?2");
  if (!st.ok()) return Verdict::Fail(st.status());
  st->Bind(1, payer.id).Bind(2, now_ - 86400);
  Result<bool> row = st->Step();
  if (!row.ok()) return Verdict::Fail(row.status());
  if (st->Int(0) + total > limits.daily_debit_limit) {
    return Verdict::Refuse(ledger_reason::kLimitExceeded, "daily");
  }
  if (payer.overdraft_limit && payer.balance - total < -*payer.overdraft_limit) {
    return Verdict::Refuse(ledger_reason::kInsufficientFunds);
  }
  return Verdict::Go();
}

Result<int64_t> LedgerBook::Apply(int64_t transfer_id, int64_t account_id, int64_t amount) {
  Result<Stmt> up =
      db_.Prepare("UPDATE accounts SET balance = balance + ?2 WHERE id = ?1 RETURNING balance");
  if (!up.ok()) return up.status();
  up->Bind(1, account_id).Bind(2, amount);
  Result<bool> row = up->Step();
  if (!row.ok()) {
    if (row.status().IsAlreadyExists()) {
      return Status::Internal("a posting would take an account below its overdraft limit");
    }
    return row.status();
  }
  if (!*row) return Status::Internal("posting to a missing account");
  const int64_t balance = up->Int(0);
  Status s = up->Run();  // finish the statement so the update is complete
  if (!s.ok()) return s;
  Result<Stmt> ins = db_.Prepare(
      "INSERT INTO postings (transfer_id, account_id, amount, balance_after, created_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!ins.ok()) return ins.status();
  s = ins->Bind(1, transfer_id)
          .Bind(2, account_id)
          .Bind(3, amount)
          .Bind(4, balance)
          .Bind(5, now_)
          .Run();
  if (!s.ok()) return s;
  return balance;
}

Result<Posted> LedgerBook::Post(const TransferSpec& spec) {
  if (spec.amount <= 0 || spec.fee < 0 || spec.payer->id == spec.payee->id) {
    return Status::Internal("an unbalanced or empty transfer was about to be posted");
  }
  Posted posted;
  // A code collision (1 in 2^50 per pair) only costs another draw.
  for (int attempt = 0;; ++attempt) {
    Result<std::string> code = NewTransactionCode();
    if (!code.ok()) return code.status();
    Result<Stmt> st = db_.Prepare(
        "INSERT INTO transfers (code, instruction_id, kind, amount, fee, payer_id, payee_id, "
        "payer_label, payee_label, reference, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    if (!st.ok()) return st.status();
    st->Bind(1, *code).Bind(3, spec.kind).Bind(4, spec.amount).Bind(5, spec.fee);
    if (instruction_id_.empty()) {
      st->BindNull(2);
    } else {
      st->Bind(2, instruction_id_);
    }
    st->Bind(6, spec.payer->id).Bind(7, spec.payee->id);
    st->Bind(8, spec.payer_label.empty() ? AccountLabel(*spec.payer) : spec.payer_label);
    st->Bind(9, spec.payee_label.empty() ? AccountLabel(*spec.payee) : spec.payee_label);
    if (spec.reference.empty()) {
      st->BindNull(10);
    } else {
      st->Bind(10, spec.reference);
    }
    st->Bind(11, now_);
    Status s = st->Run();
    if (s.IsAlreadyExists() && attempt < 3) continue;
    if (!s.ok()) return s;
    posted.code = std::move(*code);
    posted.transfer_id = db_.LastInsertRowid();
    break;
  }
  Result<int64_t> payer = Apply(posted.transfer_id, spec.payer->id, -spec.amount);
  if (!payer.ok()) return payer.status();
  Result<int64_t> payee = Apply(posted.transfer_id, spec.payee->id, spec.amount);
  if (!payee.ok()) return payee.status();
  posted.payer_balance = *payer;
  posted.payee_balance = *payee;
  if (spec.fee > 0) {
    Result<AccountRow> fees = System(system_account::kFees);
    if (!fees.ok()) return fees.status();
    payer = Apply(posted.transfer_id, spec.payer->id, -spec.fee);
    if (!payer.ok()) return payer.status();
    Result<int64_t> f = Apply(posted.transfer_id, fees->id, spec.fee);
    if (!f.ok()) return f.status();
    posted.payer_balance = *payer;
  }
  return posted;
}

Result<std::vector<StatementEntry>> LedgerBook::Statement(int64_t account_id, int count) {
  Result<Stmt> st = db_.Prepare(
      "SELECT t.code, t.created_at, t.kind, SUM(p.amount), "
      "  (SELECT q.balance_after FROM postings q WHERE q.transfer_id = t.id "
      "   AND q.account_id = ?1 ORDER BY q.id DESC LIMIT 1), "
      "  CASE WHEN t.payer_id = ?1 THEN t.payee_label ELSE t.payer_label END, "
      "  COALESCE(t.reference, '') "
      "FROM postings p JOIN transfers t ON t.id = p.transfer_id "
      "WHERE p.account_id = ?1 GROUP BY t.id ORDER BY t.id DESC LIMIT ?2");
  if (!st.ok()) return st.status();
  st->Bind(1, account_id).Bind(2, int64_t{count});
  std::vector<StatementEntry> lines;
  for (;;) {
    Result<bool> row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    lines.push_back(
        {st->Text(0), st->Int(1), st->Text(2), st->Int(3), st->Int(4), st->Text(5), st->Text(6)});
  }
  return lines;
}

Status LedgerBook::StorePin(int64_t account_id, std::string_view pin) {
  std::array<uint8_t, kPinSaltSize> salt{};
  Status s = RandomBytes(salt);
  if (!s.ok()) return s;
  std::string salt_bytes(reinterpret_cast<const char*>(salt.data()), salt.size());
  Digest hash = keys_.PinHash(salt_bytes, pin);
  Result<Stmt> st = db_.Prepare(
      "UPDATE accounts SET pin_salt = ?2, pin_hash = ?3, pin_failures = 0 WHERE id = ?1");
  if (!st.ok()) return st.status();
  return st->Bind(1, account_id).BindBlob(2, salt_bytes).BindBlob(3, DigestBytes(hash)).Run();
}

Result<std::string> NewTransactionCode() {
  static constexpr std::string_view kAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  static_assert(kAlphabet.size() == 32);
  std::array<uint8_t, 10> random{};
  Status s = RandomBytes(random);
  if (!s.ok()) return s;
  std::string code;
  for (uint8_t b : random) code.push_back(kAlphabet[b & 31]);
  return code;
}

std::string MaskAccountNumber(std::string_view number) {
  if (number.size() <= 4) return std::string(number.size(), '*');
  return std::string(number.size() - 4, '*') + std::string(number.substr(number.size() - 4));
}

bool IsPinForm(std::string_view pin) {
  if (pin.size() < 4 || pin.size() > 6) return false;
  for (char c : pin) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool IsWeakPin(std::string_view pin) {
  bool same = true, up = true, down = true;
  for (std::size_t i = 1; i < pin.size(); ++i) {
    same = same && pin[i] == pin[i - 1];
    up = up && pin[i] == pin[i - 1] + 1;
    down = down && pin[i] == pin[i - 1] - 1;
  }
  return same || up || down;
}

}  // namespace smsgw::store
