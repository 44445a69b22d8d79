// The instructions about the account itself: binding to a phone, PINs, balance, mini
// statement, lock.
#include "store/ledger.h"
#include "store/ledger_book.h"
#include "store/ledger_db.h"

namespace smsgw::store {

namespace {

using By = AccountRef::By;

constexpr int kStatementLines = 5;

LedgerReceipt Accepted() {
  LedgerReceipt r;
  r.accepted = true;
  return r;
}

// Binds `account` to `msisdn` unless the phone already holds another account.
Result<LedgerReceipt> Rebind(LedgerBook& book, const AccountRow& account, std::string_view msisdn,
                             std::string_view account_number) {
  LedgerReceipt r = Accepted();
  r.account_masked = MaskAccountNumber(account_number);
  if (account.msisdn == msisdn) return r;
  Result<std::optional<AccountRow>> holder = book.Find({By::kMsisdn, std::string(msisdn)});
  if (!holder.ok()) return holder.status();
  if (holder->has_value()) return Verdict::Refuse(ledger_reason::kAlreadyRegistered).Receipt();
  Result<Stmt> st = book.db().Prepare("UPDATE accounts SET msisdn = ?2 WHERE id = ?1");
  if (!st.ok()) return st.status();
  Status s = st->Bind(1, account.id).Bind(2, msisdn).Run();
  if (!s.ok()) return s;
  r.counterparty_msisdn = account.msisdn;  // the old phone, to be told; empty on first binding
  return r;
}

}  // namespace

Result<LedgerReceipt> Ledger::Bind(const InstructionRef& ref, std::string_view msisdn,
                                   std::string_view account_number, std::string_view pin) {
  return Execute(ref, "account.bind", [&](LedgerBook& book) -> Result<LedgerReceipt> {
    Result<std::optional<AccountRow>> found =
        book.FindByNumberHash(keys_->AccountNumberHash(account_number));
    if (!found.ok()) return found.status();
    if (!found->has_value() || (*found)->kind != AccountKind::kSubscriber) {
      return Verdict::Refuse(ledger_reason::kUnknownAccount).Receipt();
    }
    AccountRow& account = **found;
    // From its own phone the owner answers for the account's PIN count; from any other, the
    // count is that phone's (LedgerBook::CheckBindPin).
    Verdict v = account.msisdn == msisdn ? book.CheckPin(account, pin)
                                         : book.CheckBindPin(account, msisdn, pin);
    if (!v.ok()) {
      Result<LedgerReceipt> refused = v.Receipt();
      // A locked account's own phone, so the gateway can tell its owner that a bind was
      // refused (the phone that tried is answered as for a wrong PIN).
      if (refused.ok() && v.reason == ledger_reason::kAccountLocked && account.msisdn != msisdn) {
        refused->counterparty_msisdn = account.msisdn;
        refused->account_masked = MaskAccountNumber(account_number);
      }
      return refused;
    }
    return Rebind(book, account, msisdn, account_number);
  });
}

Result<LedgerReceipt> Ledger::VerifyPin(const InstructionRef& ref, std::string_view msisdn,
                                        std::string_view pin) {
  return Execute(ref, "pin.verify", [&](LedgerBook& book) -> Result<LedgerReceipt> {
    AccountRow account;
    if (Verdict v = book.Authenticate(msisdn, pin, &account); !v.ok()) return v.Receipt();
    return Accepted();
  });
}

Result<LedgerReceipt> Ledger::ChangePin(const InstructionRef& ref, std::string_view msisdn,
                                        std::string_view old_pin, std::string_view new_pin) {
  return Execute(ref, "pin.change", [&](LedgerBook& book) -> Result<LedgerReceipt> {
    AccountRow account;
    if (Verdict v = book.Authenticate(msisdn, old_pin, &account); !v.ok()) return v.Receipt();
    if (!IsPinForm(new_pin)) return Verdict::Refuse(ledger_reason::kInvalidPin).Receipt();
    if (IsWeakPin(new_pin)) return Verdict::Refuse(ledger_reason::kWeakPin).Receipt();
    if (new_pin == old_pin) return Verdict::Refuse(ledger_reason::kWeakPin, "unchanged").Receipt();
    Status s = book.StorePin(account.id, new_pin);
    if (!s.ok()) return s;
    return Accepted();
  });
}

Result<LedgerReceipt> Ledger::Balance(const InstructionRef& ref, std::string_view msisdn,
                                      std::string_view pin) {
  return Execute(ref, "balance", [&](LedgerBook& book) -> Result<LedgerReceipt> {
    AccountRow account;
    if (Verdict v = book.Authenticate(msisdn, pin, &account); !v.ok()) return v.Receipt();
    LedgerReceipt r = Accepted();
    r.balance = account.balance;
    return r;
  });
}

Result<LedgerReceipt> Ledger::Statement(const InstructionRef& ref, std::string_view msisdn,
                                        std::string_view pin) {
  return Execute(ref, "statement", [&](LedgerBook& book) -> Result<LedgerReceipt> {
    AccountRow account;
    if (Verdict v = book.Authenticate(msisdn, pin, &account); !v.ok()) return v.Receipt();
    Result<std::vector<StatementEntry>> lines = book.Statement(account.id, kStatementLines);
    if (!lines.ok()) return lines.status();
    LedgerReceipt r = Accepted();
    r.balance = account.balance;
    r.statement = std::move(*lines);
    return r;
  });
}

Result<LedgerReceipt> Ledger::Lock(const InstructionRef& ref, std::string_view msisdn) {
  return Execute(ref, "account.lock", [&](LedgerBook& book) -> Result<LedgerReceipt> {
    Result<std::optional<AccountRow>> found = book.Find({By::kMsisdn, std::string(msisdn)});
    if (!found.ok()) return found.status();
    if (!found->has_value()) return Verdict::Refuse(ledger_reason::kNotRegistered).Receipt();
    if (!(*found)->locked) {
      Result<Stmt> st = book.db().Prepare(
          "UPDATE accounts SET status = 'locked', lock_reason = 'subscriber' WHERE id = ?1");
      if (!st.ok()) return st.status();
      Status s = st->Bind(1, (*found)->id).Run();
      if (!s.ok()) return s;
    }
    return Accepted();
  });
}

}  // namespace smsgw::store
