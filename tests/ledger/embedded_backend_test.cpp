#include "commands/embedded_backend.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "tests/ledger/backend_test_support.h"
#include "tests/ledger/ledger_fixture.h"

namespace smsgw::commands {
namespace {

using store::SecretBytes;

class EmbeddedBackendTest : public EmbeddedBackendFixture {
 protected:
  // Through Submit, checking that the completion ran exactly once before Submit returned.
  BackendResult Submit(Instruction in) {
    int calls = 0;
    BackendResult out;
    backend_->Submit(std::move(in), [&](BackendResult r) {
      ++calls;
      out = std::move(r);
    });
    EXPECT_EQ(calls, 1);
    return out;
  }
};

TEST_F(EmbeddedBackendTest, TransferResultFields) {
  auto r = Submit(
      Make("a1", op::kTransfer, {{"recipient", std::string(kBob)}, {"amount", int64_t{2'500}}}));
  ASSERT_TRUE(r.accepted()) << r.reason << " " << r.detail;
  EXPECT_FALSE(r.replayed);
  const std::string* code = FindText(r.fields, result::kTransactionCode);
  ASSERT_NE(code, nullptr);
  EXPECT_EQ(code->size(), 10u);
  EXPECT_EQ(FindInt(r.fields, result::kBalance), 97'500);
  EXPECT_EQ(FindInt(r.fields, result::kAmount), 2'500);
  EXPECT_EQ(FindInt(r.fields, result::kFee), 0);
  EXPECT_EQ(FindInt(r.fields, result::kCounterpartyBalance), 2'500);
  EXPECT_EQ(FindInt(r.fields, result::kRecipientRegistered), 1);
  ASSERT_NE(FindText(r.fields, result::kCounterpartyMsisdn), nullptr);
  EXPECT_EQ(*FindText(r.fields, result::kCounterpartyMsisdn), kBob);
  EXPECT_EQ(FindText(r.fields, result::kWithdrawalCode), nullptr);
}

TEST_F(EmbeddedBackendTest, UnregisteredRecipientGetsACode) {
  auto r = Submit(Make("a1", op::kTransfer,
                       {{"recipient", std::string("254711111111")}, {"amount", int64_t{500}}}));
  ASSERT_TRUE(r.accepted());
  EXPECT_EQ(FindInt(r.fields, result::kRecipientRegistered), 0);
  ASSERT_NE(FindText(r.fields, result::kWithdrawalCode), nullptr);
  EXPECT_EQ(FindText(r.fields, result::kWithdrawalCode)->size(), 8u);
  EXPECT_EQ(FindInt(r.fields, result::kWithdrawalExpiresAt), now_ + limits_.withdrawal_code_ttl);
}

TEST_F(EmbeddedBackendTest, ReplayAndModifiedRequest) {
  auto make = [](std::string pin, int64_t amount) {
    return Make(
        "bill-7", op::kBillPay,
        {{"biller", std::string("KPLC")}, {"bill_ref", std::string("123456")}, {"amount", amount}},
        std::move(pin));
  };
  auto first = Submit(make("1234", 1'500));
  ASSERT_TRUE(first.accepted());
  auto again = Submit(make("1234", 1'500));
  ASSERT_TRUE(again.accepted());
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(*FindText(again.fields, result::kTransactionCode),
            *FindText(first.fields, result::kTransactionCode));
  auto other_amount = Submit(make("1234", 1'600));
  EXPECT_TRUE(other_amount.rejected());
  EXPECT_EQ(other_amount.reason, reason::kIdempotencyConflict);
  auto other_pin = Submit(make("4321", 1'500));
  EXPECT_EQ(other_pin.reason, reason::kIdempotencyConflict);
  EXPECT_EQ(BalanceOf(kAlice), 100'000 - 1'500);
}

TEST_F(EmbeddedBackendTest, MalformedInstructionsAreRejectedNamingTheField) {
  struct Case {
    Instruction in;
    std::string field;
  };
  std::vector<Case> cases;
  cases.push_back({Make("m1", op::kTransfer, {{"recipient", std::string(kBob)}}), "amount"});
  cases.push_back(
      {Make("m2", op::kTransfer, {{"recipient", std::string(kBob)}, {"amount", std::string("12")}}),
       "amount"});
  cases.push_back(
      {Make("m3", op::kTransfer, {{"recipient", std::string(kBob)}, {"amount", int64_t{-5}}}),
       "amount"});
  cases.push_back(
      {Make("m4", op::kTransfer, {{"recipient", std::string("07x")}, {"amount", int64_t{5}}}),
       "recipient"});
  cases.push_back({Make("m5", op::kBalance, {{"note", std::string("x")}}), "note"});
  cases.push_back({Make("m6", op::kBalance, {}, ""), "pin"});
  cases.push_back({Make("m7", op::kBalance, {}, "12"), "pin"});
  cases.push_back({Make("m8", op::kLock, {}, "1234"), "pin"});
  cases.push_back({Make("m9", "account.close", {}), "operation"});
  cases.push_back({Make("m10", op::kBalance, {}, "1234", "2547"), "msisdn"});
  cases.push_back({Make("", op::kBalance, {}), "id"});
  cases.push_back({Make("m12", op::kPinChange, {}), "new_pin"});
  cases.push_back({Make("m13", op::kBind, {}), "account"});
  for (Case& c : cases) {
    auto r = Submit(std::move(c.in));
    EXPECT_TRUE(r.rejected()) << c.field;
    EXPECT_EQ(r.reason, reason::kInvalidRequest) << c.field;
    EXPECT_EQ(r.detail, c.field);
  }
  EXPECT_EQ(BalanceOf(kAlice), 100'000);
}

TEST_F(EmbeddedBackendTest, BindChangePinStatementLock) {
  store::NewAccount a;
  a.name = "NEW";
  a.account_number = "88001234";
  ASSERT_TRUE(ledger_->CreateAccount(a).ok());
  ASSERT_TRUE(ledger_->SetPin({store::AccountRef::By::kAccountNumber, "88001234"}, "2580").ok());
  Instruction bind = Make("b1", op::kBind, {}, "2580", "254700000005");
  bind.account = SecretBytes("88001234");
  auto bound = Submit(std::move(bind));
  ASSERT_TRUE(bound.accepted()) << bound.reason;
  EXPECT_EQ(*FindText(bound.fields, result::kAccountMasked), "****1234");

  Instruction change = Make("c1", op::kPinChange, {}, "2580", "254700000005");
  change.new_pin = SecretBytes("7391");
  EXPECT_TRUE(Submit(std::move(change)).accepted());
  EXPECT_TRUE(Submit(Make("v1", op::kPinVerify, {}, "7391", "254700000005")).accepted());

  ASSERT_TRUE(Submit(Make("t1", op::kTransfer,
                          {{"recipient", std::string(kBob)}, {"amount", int64_t{700}}}))
                  .accepted());
  auto st = Submit(Make("s1", op::kStatement, {}));
  ASSERT_TRUE(st.accepted());
  ASSERT_FALSE(st.statement.empty());
  EXPECT_EQ(st.statement[0].amount, -700);
  EXPECT_EQ(st.statement[0].kind, "transfer");
  EXPECT_EQ(FindInt(st.fields, result::kBalance), 99'300);

  EXPECT_TRUE(Submit(Make("l1", op::kLock, {}, "")).accepted());
  EXPECT_EQ(Submit(Make("bal", op::kBalance, {})).reason, reason::kAccountLocked);

  // A bind of a locked account from another phone names the account's own phone, for the
  // gateway to tell.
  ASSERT_TRUE(Submit(Make("l2", op::kLock, {}, "", "254700000005")).accepted());
  Instruction again = Make("b2", op::kBind, {}, "7391", "254700000006");
  again.account = SecretBytes("88001234");
  auto refused = Submit(std::move(again));
  ASSERT_TRUE(refused.rejected());
  EXPECT_EQ(refused.reason, reason::kAccountLocked);
  ASSERT_NE(FindText(refused.fields, result::kCounterpartyMsisdn), nullptr);
  EXPECT_EQ(*FindText(refused.fields, result::kCounterpartyMsisdn), "254700000005");
  EXPECT_EQ(*FindText(refused.fields, result::kAccountMasked), "****1234");
}

TEST_F(EmbeddedBackendTest, BusyLedgerIsUnavailable) {
  store::LedgerOptions quick = Options();
  quick.busy_timeout_ms = 20;
  auto ledger = store::Ledger::Open(quick, keys_);
  ASSERT_TRUE(ledger.ok());
  EmbeddedBackend backend(std::move(ledger).value());
  BackendResult r;
  {
    WriteLockHolder blocker(Path("ledger.db"));
    r = backend.Execute(Make("u1", op::kBalance, {}));
  }
  EXPECT_TRUE(r.unavailable());
  EXPECT_EQ(r.detail, "busy");
  EXPECT_FALSE(r.diagnostic.empty());
  EXPECT_TRUE(backend.Execute(Make("u1", op::kBalance, {})).accepted());
}

TEST(CanonicalPayload, FieldBoundariesAndSecretsMatter) {
  auto a =
      Make("x", op::kBillPay,
           {{"biller", std::string("AB")}, {"bill_ref", std::string("C")}, {"amount", int64_t{1}}});
  auto b =
      Make("x", op::kBillPay,
           {{"biller", std::string("A")}, {"bill_ref", std::string("BC")}, {"amount", int64_t{1}}});
  EXPECT_NE(CanonicalPayload(a).view(), CanonicalPayload(b).view());
  auto c =
      Make("y", op::kBillPay,
           {{"biller", std::string("AB")}, {"bill_ref", std::string("C")}, {"amount", int64_t{1}}});
  EXPECT_EQ(CanonicalPayload(a).view(), CanonicalPayload(c).view());  // the id is not payload
  auto d =
      Make("x", op::kBillPay,
           {{"biller", std::string("AB")}, {"bill_ref", std::string("C")}, {"amount", int64_t{1}}},
           "1235");
  EXPECT_NE(CanonicalPayload(a).view(), CanonicalPayload(d).view());
  auto e = Make("x", op::kBillPay,
                {{"biller", std::string("AB")},
                 {"bill_ref", std::string("C")},
                 {"amount", std::string("1")}});
  EXPECT_NE(CanonicalPayload(a).view(), CanonicalPayload(e).view());  // types are payload
}

// The ledger's refusals are the port's reason codes, string for string.
TEST(ReasonCodes, LedgerSpeaksThePortsCodes) {
  namespace lr = store::ledger_reason;
  EXPECT_EQ(lr::kInsufficientFunds, reason::kInsufficientFunds);
  EXPECT_EQ(lr::kWrongPin, reason::kWrongPin);
  EXPECT_EQ(lr::kPinNotSet, reason::kPinNotSet);
  EXPECT_EQ(lr::kInvalidPin, reason::kInvalidPin);
  EXPECT_EQ(lr::kWeakPin, reason::kWeakPin);
  EXPECT_EQ(lr::kAccountLocked, reason::kAccountLocked);
  EXPECT_EQ(lr::kNotRegistered, reason::kNotRegistered);
  EXPECT_EQ(lr::kUnknownAccount, reason::kUnknownAccount);
  EXPECT_EQ(lr::kAlreadyRegistered, reason::kAlreadyRegistered);
  EXPECT_EQ(lr::kUnknownBiller, reason::kUnknownBiller);
  EXPECT_EQ(lr::kUnknownAgent, reason::kUnknownAgent);
  EXPECT_EQ(lr::kPayeeUnavailable, reason::kPayeeUnavailable);
  EXPECT_EQ(lr::kInvalidAmount, reason::kInvalidAmount);
  EXPECT_EQ(lr::kLimitExceeded, reason::kLimitExceeded);
  EXPECT_EQ(lr::kSameAccount, reason::kSameAccount);
  EXPECT_EQ(lr::kInvalidCode, reason::kInvalidCode);
  EXPECT_EQ(lr::kCodeUsed, reason::kCodeUsed);
  EXPECT_EQ(lr::kCodeExpired, reason::kCodeExpired);
  EXPECT_EQ(lr::kCodeBlocked, reason::kCodeBlocked);
  EXPECT_EQ(lr::kIdempotencyConflict, reason::kIdempotencyConflict);
}

// Every operation the port declares reaches the ledger: a well-formed instruction for each
// comes back with the ledger's answer, never unsupported_operation or invalid_request.
TEST_F(EmbeddedBackendTest, EveryDeclaredOperationIsRouted) {
  EXPECT_EQ(Operations().size(), 11u);
  int n = 0;
  for (const OperationSpec& spec : Operations()) {
    Instruction in = Make("op-" + std::to_string(++n), spec.name, {}, spec.needs_pin ? "1234" : "");
    for (const FieldSpec& f : spec.fields) {
      if (f.type == FieldType::kAmount) {
        in.fields.emplace(f.name, int64_t{100});
      } else {
        in.fields.emplace(f.name, std::string(f.type == FieldType::kMsisdn ? kBob : "12345678"));
      }
    }
    if (spec.needs_new_pin) in.new_pin = SecretBytes("5827");
    if (spec.needs_account) in.account = SecretBytes("12345678");
    auto r = Submit(std::move(in));
    EXPECT_NE(r.reason, reason::kUnsupportedOperation) << spec.name;
    EXPECT_NE(r.reason, reason::kInvalidRequest) << spec.name << " " << r.detail;
    EXPECT_FALSE(r.unavailable()) << spec.name << " " << r.diagnostic;
  }
  EXPECT_EQ(FindOperation("nope"), nullptr);
}

}  // namespace
}  // namespace smsgw::commands
