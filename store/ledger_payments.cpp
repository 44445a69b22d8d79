// The instructions that move money: bill pay, transfer (with withdrawal codes for unregistered
// recipients), withdrawal at an agent, cash-out of a code, airtime, admin credit, and the
// reversal of expired codes.
#include <cstdio>

#include "store/ledger.h"
#include "store/ledger_book.h"
#include "store/ledger_db.h"

namespace smsgw::store {

namespace {

using By = AccountRef::By;

// Checks the debit and posts it: the receipt of a payment by spec.payer.
Result<LedgerReceipt> Pay(LedgerBook& book, const TransferSpec& spec, Posted* posted) {
  if (Verdict v = book.CheckDebit(*spec.payer, spec.amount, spec.fee); !v.ok()) {
    return v.Receipt();
  }
  Result<Posted> p = book.Post(spec);
  if (!p.ok()) return p.status();
  LedgerReceipt r;
  r.accepted = true;
  r.transaction_code = p->code;
  r.amount = spec.amount;
  r.fee = spec.fee;
  r.balance = p->payer_balance;
  *posted = std::move(*p);
  return r;
}

// A payee found by handle that can take money: unknown_reason when missing,
// payee_unavailable when locked.
Verdict FindPayee(LedgerBook& book, const AccountRef& ref, std::string_view unknown_reason,
                  AccountRow* payee) {
  Result<std::optional<AccountRow>> found = book.Find(ref);
  if (!found.ok()) return Verdict::Fail(found.status());
  if (!found->has_value()) return Verdict::Refuse(unknown_reason);
  if ((*found)->locked) return Verdict::Refuse(ledger_reason::kPayeeUnavailable);
  *payee = std::move(**found);
  return Verdict::Go();
}

constexpr int kWithdrawalCodeDigits = 8;

// Issues a one-time code for `recipient` over the money just posted to the holding account.
Result<std::string> IssueWithdrawalCode(LedgerBook& book, std::string_view recipient,
                                        int64_t amount, int64_t sender_id, int64_t transfer_id,
                                        int64_t expires_at) {
  for (int attempt = 0;; ++attempt) {
    Result<uint32_t> n = RandomBelow(100'000'000);
    if (!n.ok()) return n.status();
    char code[kWithdrawalCodeDigits + 1];
    std::snprintf(code, sizeof code, "%08u", *n);
    Result<Stmt> st = book.db().Prepare(
        "INSERT INTO withdrawal_codes (code_hash, recipient, amount, sender_id, "
        "issue_transfer_id, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!st.ok()) return st.status();
    Status s = st->BindBlob(1, DigestBytes(book.keys().WithdrawalCodeHash(recipient, code)))
                   .Bind(2, recipient)
                   .Bind(3, amount)
                   .Bind(4, sender_id)
                   .Bind(5, transfer_id)
                   .Bind(6, expires_at)
                   .Run();
    if (s.IsAlreadyExists() && attempt < 3) continue;  // same code already open for them
    if (!s.ok()) return s;
    return std::string(code);
  }
}

bool IsCodeForm(std::string_view code) {
  if (code.size() != kWithdrawalCodeDigits) return false;
  for (char c : code) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

struct OpenCode {
  int64_t id = 0;
  int64_t amount = 0;
  std::string status;
  int64_t failures = 0;
  int64_t expires_at = 0;
};

// Finds the code for `recipient`; counts a miss against all their open codes.
Verdict FindCode(LedgerBook& book, std::string_view recipient, std::string_view code,
                 OpenCode* out) {
  if (!IsCodeForm(code)) return Verdict::Refuse(ledger_reason::kInvalidCode, "form");
  Result<Stmt> st = book.db().Prepare(
      "SELECT id, amount, status, failures, expires_at FROM withdrawal_codes "
      "WHERE code_hash = ?1");
  if (!st.ok()) return Verdict::Fail(st.status());
  st->BindBlob(1, DigestBytes(book.keys().WithdrawalCodeHash(recipient, code)));
  Result<bool> row = st->Step();
  if (!row.ok()) return Verdict::Fail(row.status());
  if (!*row) {
    Result<Stmt> miss = book.db().Prepare(
        "UPDATE withdrawal_codes SET failures = failures + 1 "
        "WHERE recipient = ?1 AND status = 'open'");
    if (!miss.ok()) return Verdict::Fail(miss.status());
    Status s = miss->Bind(1, recipient).Run();
    if (!s.ok()) return Verdict::Fail(std::move(s));
    return Verdict::Refuse(ledger_reason::kInvalidCode);
  }
  *out = {st->Int(0), st->Int(1), st->Text(2), st->Int(3), st->Int(4)};
  if (out->status == "paid") return Verdict::Refuse(ledger_reason::kCodeUsed);
  if (out->status == "reversed") return Verdict::Refuse(ledger_reason::kCodeExpired, "reversed");
  if (out->failures >= book.options().limits.max_code_failures) {
    return Verdict::Refuse(ledger_reason::kCodeBlocked);
  }
  if (out->expires_at <= book.now()) return Verdict::Refuse(ledger_reason::kCodeExpired);
  return Verdict::Go();
}

Status SettleCode(LedgerBook& book, int64_t code_id, std::string_view status, int64_t transfer_id) {
  Result<Stmt> st = book.db().Prepare(
      "UPDATE withdrawal_codes SET status = ?2, settle_transfer_id = ?3 WHERE id = ?1");
  if (!st.ok()) return st.status();
  return st->Bind(1, code_id).Bind(2, status).Bind(3, transfer_id).Run();
}

}  // namespace

Result<LedgerReceipt> Ledger::PayBill(const InstructionRef& ref, std::string_view msisdn,
                                      std::string_view pin, std::string_view biller,
                                      std::string_view bill_ref, int64_t amount) {
  return Execute(ref, "bill.pay", [&](LedgerBook& book) -> Result<LedgerReceipt> {
    AccountRow payer, payee;
    Verdict v = book.Authenticate(msisdn, pin, &payer);
    if (v.ok()) {
      v = FindPayee(book, {By::kBiller, std::string(biller)}, ledger_reason::kUnknownBiller,
                    &payee);
    }
    if (!v.ok()) return v.Receipt();
    Posted posted;
    Result<LedgerReceipt> r = Pay(book,
                                  {.kind = "bill.pay",
                                   .payer = &payer,
                                   .payee = &payee,
                                   .amount = amount,
                                   .fee = options_.fees.bill_pay,
                                   .reference = bill_ref},
                                  &posted);
    if (r.ok() && r->accepted) r->payee_name = payee.name;
    return r;
  });
}

Result<LedgerReceipt> Ledger::Transfer(const InstructionRef& ref, std::string_view msisdn,
                                       std::string_view pin, std::string_view recipient,
                                       int64_t amount) {
  return Execute(ref, "transfer", [&](LedgerBook& book) -> Result<LedgerReceipt> {
    AccountRow payer;
    if (Verdict v = book.Authenticate(msisdn, pin, &payer); !v.ok()) return v.Receipt();
    if (recipient == msisdn) return Verdict::Refuse(ledger_reason::kSameAccount).Receipt();
    Result<std::optional<AccountRow>> found = book.Find({By::kMsisdn, std::string(recipient)});
    if (!found.ok()) return found.status();
    Posted posted;
    const int64_t fee = options_.fees.transfer;
    if (found->has_value()) {
      const AccountRow& payee = **found;
      Result<LedgerReceipt> r =
          Pay(book,
              {.kind = "transfer", .payer = &payer, .payee = &payee, .amount = amount, .fee = fee},
              &posted);
      if (!r.ok() || !r->accepted) return r;
      r->payee_name = payee.name;
      r->counterparty_msisdn = std::string(recipient);
      r->counterparty_balance = posted.payee_balance;
      r->recipient_registered = true;
      return r;
    }
    Result<AccountRow> holding = book.System(system_account::kHolding);
    if (!holding.ok()) return holding.status();
    TransferSpec spec{.kind = "transfer",
                      .payer = &payer,
                      .payee = &*holding,
                      .amount = amount,
                      .fee = fee,
                      .payee_label = std::string(recipient)};
    Result<LedgerReceipt> r = Pay(book, spec, &posted);
    if (!r.ok() || !r->accepted) return r;
    const int64_t expires_at = book.now() + options_.limits.withdrawal_code_ttl;
    Result<std::string> code =
        IssueWithdrawalCode(book, recipient, amount, payer.id, posted.transfer_id, expires_at);
    if (!code.ok()) return code.status();
    r->counterparty_msisdn = std::string(recipient);
    r->recipient_registered = false;
    r->withdrawal_code = std::move(*code);
    r->withdrawal_expires_at = expires_at;
    return r;
  });
}

Result<LedgerReceipt> Ledger::Withdraw(const InstructionRef& ref, std::string_view msisdn,
                                       std::string_view pin, std::string_view agent_number,
                                       int64_t amount) {
  return Execute(ref, "withdraw", [&](LedgerBook& book) -> Result<LedgerReceipt> {
    AccountRow payer, agent;
    Verdict v = book.Authenticate(msisdn, pin, &payer);
    if (v.ok()) {
      v = FindPayee(book, {By::kAgentNumber, std::string(agent_number)},
                    ledger_reason::kUnknownAgent, &agent);
    }
    if (!v.ok()) return v.Receipt();
    Posted posted;
    Result<LedgerReceipt> r = Pay(book,
                                  {.kind = "withdraw",
                                   .payer = &payer,
                                   .payee = &agent,
                                   .amount = amount,
                                   .fee = options_.fees.withdraw},
                                  &posted);
    if (!r.ok() || !r->accepted) return r;
    r->payee_name = agent.name;
    r->counterparty_msisdn = agent.msisdn;
    r->counterparty_balance = posted.payee_balance;
    return r;
  });
}

Result<LedgerReceipt> Ledger::CashOut(const InstructionRef& ref, std::string_view agent_msisdn,
                                      std::string_view pin, std::string_view recipient,
                                      std::string_view code) {
  return Execute(ref, "cashout", [&](LedgerBook& book) -> Result<LedgerReceipt> {
    Result<std::optional<AccountRow>> found = book.FindAgentByMsisdn(agent_msisdn);
    if (!found.ok()) return found.status();
    if (!found->has_value()) return Verdict::Refuse(ledger_reason::kUnknownAgent).Receipt();
    AccountRow& agent = **found;
    OpenCode open;
    Verdict v = book.CheckPin(agent, pin);
    if (v.ok()) v = FindCode(book, recipient, code, &open);
    if (!v.ok()) return v.Receipt();
    Result<AccountRow> holding = book.System(system_account::kHolding);
    if (!holding.ok()) return holding.status();
    Result<Posted> posted = book.Post({.kind = "cashout",
                                       .payer = &*holding,
                                       .payee = &agent,
                                       .amount = open.amount,
                                       .payer_label = std::string(recipient)});
    if (!posted.ok()) return posted.status();
    Status s = SettleCode(book, open.id, "paid", posted->transfer_id);
    if (!s.ok()) return s;
    LedgerReceipt r;
    r.accepted = true;
    r.transaction_code = posted->code;
    r.amount = open.amount;
    r.balance = posted->payee_balance;
    r.payee_name = agent.name;
    r.counterparty_msisdn = std::string(recipient);
    return r;
  });
}

Result<LedgerReceipt> Ledger::TopUpAirtime(const InstructionRef& ref, std::string_view msisdn,
                                           std::string_view pin, std::string_view recipient,
                                           int64_t amount) {
  return Execute(ref, "airtime.topup", [&](LedgerBook& book) -> Result<LedgerReceipt> {
    AccountRow payer;
    if (Verdict v = book.Authenticate(msisdn, pin, &payer); !v.ok()) return v.Receipt();
    Result<AccountRow> airtime = book.System(system_account::kAirtime);
    if (!airtime.ok()) return airtime.status();
    const std::string target(recipient.empty() ? msisdn : recipient);
    Posted posted;
    TransferSpec spec{.kind = "airtime.topup",
                      .payer = &payer,
                      .payee = &*airtime,
                      .amount = amount,
                      .fee = options_.fees.airtime,
                      .reference = target,
                      .payee_label = "Airtime " + target};
    Result<LedgerReceipt> r = Pay(book, spec, &posted);
    if (r.ok() && r->accepted) r->counterparty_msisdn = target;
    return r;
  });
}

Result<LedgerReceipt> Ledger::Credit(std::string_view id, const AccountRef& to, int64_t amount,
                                     std::string_view reference) {
  std::string payload = "credit\n" + std::to_string(static_cast<int>(to.by)) + "\n" + to.value +
                        "\n" + std::to_string(amount) + "\n" + std::string(reference);
  InstructionRef ref{std::string(id), keys_->PayloadHash(payload)};
  return Execute(ref, "credit", [&](LedgerBook& book) -> Result<LedgerReceipt> {
    Result<std::optional<AccountRow>> payee = book.Find(to);
    if (!payee.ok()) return payee.status();
    if (!payee->has_value()) return Verdict::Refuse(ledger_reason::kUnknownAccount).Receipt();
    if (amount <= 0) return Verdict::Refuse(ledger_reason::kInvalidAmount).Receipt();
    Result<AccountRow> source = book.System(system_account::kFloat);
    if (!source.ok()) return source.status();
    if ((*payee)->id == source->id) return Verdict::Refuse(ledger_reason::kSameAccount).Receipt();
    Result<Posted> posted = book.Post({.kind = "credit",
                                       .payer = &*source,
                                       .payee = &**payee,
                                       .amount = amount,
                                       .reference = reference});
    if (!posted.ok()) return posted.status();
    LedgerReceipt r;
    r.accepted = true;
    r.transaction_code = posted->code;
    r.amount = amount;
    r.balance = posted->payee_balance;
    r.payee_name = (*payee)->name;
    return r;
  });
}

Result<int> Ledger::ReverseExpiredWithdrawals() {
  auto txn = LedgerTxn::Begin(*db_);
  if (!txn.ok()) return txn.status();
  LedgerBook book(*db_, *keys_, options_, Now(), {});
  Result<AccountRow> holding = book.System(system_account::kHolding);
  if (!holding.ok()) return holding.status();
  struct Expired {
    int64_t id, amount, sender_id;
    std::string recipient;
  };
  std::vector<Expired> expired;
  {
    Result<Stmt> st = db_->Prepare(
        "SELECT id, amount, sender_id, recipient FROM withdrawal_codes "
        "WHERE status = 'open' AND expires_at <= ?1 ORDER BY id");
    if (!st.ok()) return st.status();
    st->Bind(1, book.now());
    for (;;) {
      Result<bool> row = st->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      expired.push_back({st->Int(0), st->Int(1), st->Int(2), st->Text(3)});
    }
  }
  for (const Expired& e : expired) {
    Result<std::optional<AccountRow>> sender = book.Find({By::kId, std::to_string(e.sender_id)});
    if (!sender.ok()) return sender.status();
    if (!sender->has_value()) return Status::Internal("a withdrawal code's sender is missing");
    Result<Posted> posted = book.Post({.kind = "withdrawal.reversal",
                                       .payer = &*holding,
                                       .payee = &**sender,
                                       .amount = e.amount,
                                       .payer_label = e.recipient});
    if (!posted.ok()) return posted.status();
    Status s = SettleCode(book, e.id, "reversed", posted->transfer_id);
    if (!s.ok()) return s;
  }
  Status s = (*txn)->Commit();
  if (!s.ok()) return s;
  return static_cast<int>(expired.size());
}

}  // namespace smsgw::store
