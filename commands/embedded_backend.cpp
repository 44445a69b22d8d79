#include "commands/embedded_backend.h"

namespace smsgw::commands {

namespace {

using store::InstructionRef;
using store::Ledger;
using store::LedgerReceipt;

std::string_view Text(const Instruction& in, std::string_view name) {
  const std::string* text = FindText(in.fields, name);
  return text ? std::string_view(*text) : std::string_view();
}

int64_t Amount(const Instruction& in) {
  return FindInt(in.fields, field::kAmount).value_or(0);
}

using Handler = Result<LedgerReceipt> (*)(Ledger&, const InstructionRef&, const Instruction&);

struct Route {
  std::string_view operation;
  Handler handler;
};

// Validated instructions only: every required field is present with its type.
constexpr Route kRoutes[] = {
    {op::kBind,
     [](Ledger& l, const InstructionRef& r, const Instruction& in) {
       return l.Bind(r, in.msisdn, in.account.view(), in.pin.view());
     }},
    {op::kBillPay,
     [](Ledger& l, const InstructionRef& r, const Instruction& in) {
       return l.PayBill(r, in.msisdn, in.pin.view(), Text(in, field::kBiller),
                        Text(in, field::kBillRef), Amount(in));
     }},
    {op::kTransfer,
     [](Ledger& l, const InstructionRef& r, const Instruction& in) {
       return l.Transfer(r, in.msisdn, in.pin.view(), Text(in, field::kRecipient), Amount(in));
     }},
    {op::kWithdraw,
     [](Ledger& l, const InstructionRef& r, const Instruction& in) {
       return l.Withdraw(r, in.msisdn, in.pin.view(), Text(in, field::kAgent), Amount(in));
     }},
    {op::kCashOut,
     [](Ledger& l, const InstructionRef& r, const Instruction& in) {
       return l.CashOut(r, in.msisdn, in.pin.view(), Text(in, field::kRecipient),
                        Text(in, field::kCode));
     }},
    {op::kAirtimeTopUp,
     [](Ledger& l, const InstructionRef& r, const Instruction& in) {
       return l.TopUpAirtime(r, in.msisdn, in.pin.view(), Text(in, field::kRecipient), Amount(in));
     }},
    {op::kBalance, [](Ledger& l, const InstructionRef& r,
                      const Instruction& in) { return l.Balance(r, in.msisdn, in.pin.view()); }},
    {op::kStatement,
     [](Ledger& l, const InstructionRef& r, const Instruction& in) {
       return l.Statement(r, in.msisdn, in.pin.view());
     }},
    {op::kPinVerify,
     [](Ledger& l, const InstructionRef& r, const Instruction& in) {
       return l.VerifyPin(r, in.msisdn, in.pin.view());
     }},
    {op::kPinChange,
     [](Ledger& l, const InstructionRef& r, const Instruction& in) {
       return l.ChangePin(r, in.msisdn, in.pin.view(), in.new_pin.view());
     }},
    {op::kLock, [](Ledger& l, const InstructionRef& r,
                   const Instruction& in) { return l.Lock(r, in.msisdn); }},
};

BackendResult FromReceipt(const LedgerReceipt& r) {
  BackendResult out =
      r.accepted ? BackendResult::Accepted() : BackendResult::Rejected(r.reason, r.detail);
  Fields& f = out.fields;
  auto text = [&f](std::string_view name, const std::string& v) {
    if (!v.empty()) f.emplace(name, v);
  };
  if (!r.accepted) {
    // Set on a refused bind of a locked account: its own phone, to be told.
    text(result::kCounterpartyMsisdn, r.counterparty_msisdn);
    text(result::kAccountMasked, r.account_masked);
  } else {
    text(result::kTransactionCode, r.transaction_code);
    text(result::kPayeeName, r.payee_name);
    text(result::kCounterpartyMsisdn, r.counterparty_msisdn);
    text(result::kWithdrawalCode, r.withdrawal_code);
    text(result::kAccountMasked, r.account_masked);
    if (!r.transaction_code.empty()) {
      f.emplace(result::kAmount, r.amount);
      f.emplace(result::kFee, r.fee);
    }
    if (r.balance) f.emplace(result::kBalance, *r.balance);
    if (r.counterparty_balance) f.emplace(result::kCounterpartyBalance, *r.counterparty_balance);
    if (r.recipient_registered) {
      f.emplace(result::kRecipientRegistered, int64_t{*r.recipient_registered ? 1 : 0});
    }
    if (!r.withdrawal_code.empty()) {
      f.emplace(result::kWithdrawalExpiresAt, r.withdrawal_expires_at);
    }
    for (const store::StatementEntry& e : r.statement) {
      out.statement.push_back({e.transaction_code, e.time, e.kind, e.amount, e.balance_after,
                               e.counterparty, e.reference});
    }
  }
  out.replayed = r.replayed;
  return out;
}

// Nothing was decided: the caller retries with the same id.
BackendResult FromStatus(const Status& s) {
  std::string_view detail = s.IsUnavailable()  ? "busy"
                            : s.IsIOError()    ? "io_error"
                            : s.IsCorruption() ? "corruption"
                                               : "internal";
  return BackendResult::Unavailable(detail, "embedded ledger: " + s.ToString());
}

}  // namespace

EmbeddedBackend::EmbeddedBackend(std::unique_ptr<store::Ledger> ledger)
    : ledger_(std::move(ledger)) {}

void EmbeddedBackend::Submit(Instruction instruction, Completion done) {
  BackendResult result = Execute(instruction);
  instruction = Instruction();  // wipe the secrets before handing control back
  done(std::move(result));
}

void EmbeddedBackend::SubmitBatch(std::vector<Instruction> instructions, BatchCompletion done) {
  const size_t n = instructions.size();
  if (n == 0) return;
  std::vector<BackendResult> results;
  results.reserve(n);
  Status committed;
  {
    Result<Ledger::Batch> batch = ledger_->BeginBatch();
    committed = batch.status();
    if (batch.ok()) {
      for (const Instruction& instruction : instructions) results.push_back(Execute(instruction));
      committed = batch->Commit();
    }
  }  // a batch that did not commit is rolled back here, before anyone hears of it
  instructions.clear();  // wipe the secrets before handing control back
  if (!committed.ok()) {
    // Nothing of the batch was applied, whatever its instructions' answers said.
    results.assign(n, FromStatus(committed));
  }
  for (size_t i = 0; i < n; ++i) done(i, std::move(results[i]));
}

BackendResult EmbeddedBackend::Execute(const Instruction& instruction) {
  Status valid = ValidateInstruction(instruction);
  if (!valid.ok()) return BackendResult::Rejected(reason::kInvalidRequest, valid.message());
  InstructionRef ref{instruction.id,
                     ledger_->keys().PayloadHash(CanonicalPayload(instruction).view())};
  for (const Route& route : kRoutes) {
    if (route.operation != instruction.operation) continue;
    Result<LedgerReceipt> receipt = route.handler(*ledger_, ref, instruction);
    return receipt.ok() ? FromReceipt(*receipt) : FromStatus(receipt.status());
  }
  return BackendResult::Rejected(reason::kUnsupportedOperation);
}

}  // namespace smsgw::commands
