#include <gtest/gtest.h>

#include "tests/ledger/ledger_fixture.h"

namespace smsgw::store {
namespace {

using By = AccountRef::By;

constexpr char kAlice[] = "254700000001";
constexpr char kBob[] = "254700000002";
constexpr char kStranger[] = "254799999999";
constexpr char kAgentPhone[] = "254700000100";

TEST_F(LedgerTest, SystemAccountsExistAndBooksStartBalanced) {
  for (auto name : {system_account::kFloat, system_account::kSuspense, system_account::kAirtime,
                    system_account::kFees, system_account::kHolding}) {
    EXPECT_EQ(SystemBalance(name), 0) << name;
  }
  EXPECT_TRUE(ledger_->CheckInvariants().ok());
}

TEST_F(LedgerTest, CreditIssuesFromFloat) {
  AddSubscriber(kAlice, 1'000'000);
  EXPECT_EQ(BalanceOf(kAlice), 1'000'000);
  EXPECT_EQ(SystemBalance(system_account::kFloat), -1'000'000);
  EXPECT_EQ(SumOfBalances(), 0);
}

TEST_F(LedgerTest, PayBillMovesMoneyToTheBiller) {
  AddSubscriber(kAlice, 1'000'000);
  AddBiller("KPLC");
  auto r = ledger_->PayBill(Next(), kAlice, "1234", "KPLC", "123456", 150'000);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->accepted) << r->reason;
  EXPECT_EQ(r->transaction_code.size(), 10u);
  EXPECT_EQ(r->balance, 850'000);
  EXPECT_EQ(r->amount, 150'000);
  EXPECT_EQ(r->payee_name, "KPLC LTD");
  EXPECT_EQ(BalanceOf({By::kBiller, "KPLC"}), 150'000);
  EXPECT_TRUE(ledger_->CheckInvariants().ok());
}

TEST_F(LedgerTest, PayBillRefusals) {
  AddSubscriber(kAlice, 10'000);
  AddBiller("KPLC");
  auto unknown = ledger_->PayBill(Next(), kAlice, "1234", "NOPE", "1", 1'000);
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->reason, ledger_reason::kUnknownBiller);
  auto poor = ledger_->PayBill(Next(), kAlice, "1234", "KPLC", "1", 10'001);
  ASSERT_TRUE(poor.ok());
  EXPECT_EQ(poor->reason, ledger_reason::kInsufficientFunds);
  auto nobody = ledger_->PayBill(Next(), kStranger, "1234", "KPLC", "1", 1'000);
  ASSERT_TRUE(nobody.ok());
  EXPECT_EQ(nobody->reason, ledger_reason::kNotRegistered);
  EXPECT_EQ(BalanceOf(kAlice), 10'000);
}

TEST_F(LedgerTest, TransferToRegisteredSubscriber) {
  AddSubscriber(kAlice, 1'000'000);
  AddSubscriber(kBob, 0);
  auto r = ledger_->Transfer(Next(), kAlice, "1234", kBob, 250'000);
  ASSERT_TRUE(r.ok() && r->accepted);
  EXPECT_EQ(r->balance, 750'000);
  EXPECT_EQ(r->counterparty_msisdn, kBob);
  EXPECT_EQ(r->counterparty_balance, 250'000);
  EXPECT_EQ(r->recipient_registered, true);
  EXPECT_TRUE(r->withdrawal_code.empty());
  EXPECT_EQ(BalanceOf(kBob), 250'000);
}

TEST_F(LedgerTest, TransferToSelfIsRefused) {
  AddSubscriber(kAlice, 1'000);
  auto r = ledger_->Transfer(Next(), kAlice, "1234", kAlice, 100);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->reason, ledger_reason::kSameAccount);
}

TEST_F(LedgerTest, TransferToLockedRecipientStillCredits) {
  AddSubscriber(kAlice, 10'000);
  AddSubscriber(kBob, 0);
  ASSERT_TRUE(ledger_->Lock(Next(), kBob).ok());
  auto r = ledger_->Transfer(Next(), kAlice, "1234", kBob, 1'000);
  ASSERT_TRUE(r.ok() && r->accepted);
  EXPECT_EQ(BalanceOf(kBob), 1'000);
}

TEST_F(LedgerTest, WithdrawalCodeIsIssuedAndCashedOutOnce) {
  AddSubscriber(kAlice, 1'000'000);
  AddAgent("123456", kAgentPhone, 0);
  auto sent = ledger_->Transfer(Next(), kAlice, "1234", kStranger, 300'000);
  ASSERT_TRUE(sent.ok() && sent->accepted);
  EXPECT_EQ(sent->recipient_registered, false);
  ASSERT_EQ(sent->withdrawal_code.size(), 8u);
  EXPECT_EQ(sent->withdrawal_expires_at, now_ + limits_.withdrawal_code_ttl);
  EXPECT_EQ(SystemBalance(system_account::kHolding), 300'000);
  EXPECT_TRUE(ledger_->CheckInvariants().ok());

  auto paid = ledger_->CashOut(Next(), kAgentPhone, "1234", kStranger, sent->withdrawal_code);
  ASSERT_TRUE(paid.ok() && paid->accepted) << paid->reason;
  EXPECT_EQ(paid->amount, 300'000);
  EXPECT_EQ(paid->balance, 300'000);  // the agent's float
  EXPECT_EQ(paid->counterparty_msisdn, kStranger);
  EXPECT_EQ(SystemBalance(system_account::kHolding), 0);

  auto again = ledger_->CashOut(Next(), kAgentPhone, "1234", kStranger, sent->withdrawal_code);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->accepted);
  EXPECT_EQ(again->reason, ledger_reason::kCodeUsed);
  EXPECT_EQ(BalanceOf({By::kAgentNumber, "123456"}), 300'000);
  EXPECT_TRUE(ledger_->CheckInvariants().ok());
}

TEST_F(LedgerTest, WithdrawalCodeIsBoundToItsRecipient) {
  AddSubscriber(kAlice, 10'000);
  AddAgent("123456", kAgentPhone, 0);
  auto sent = ledger_->Transfer(Next(), kAlice, "1234", kStranger, 1'000);
  ASSERT_TRUE(sent.ok() && sent->accepted);
  auto other = ledger_->CashOut(Next(), kAgentPhone, "1234", "254711111111", sent->withdrawal_code);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->reason, ledger_reason::kInvalidCode);
}

TEST_F(LedgerTest, WrongCodesBlockTheRecipientsCodes) {
  AddSubscriber(kAlice, 10'000);
  AddAgent("123456", kAgentPhone, 0);
  auto sent = ledger_->Transfer(Next(), kAlice, "1234", kStranger, 1'000);
  ASSERT_TRUE(sent.ok() && sent->accepted);
  std::string wrong = sent->withdrawal_code == "00000000" ? "00000001" : "00000000";
  for (int i = 0; i < limits_.max_code_failures; ++i) {
    auto r = ledger_->CashOut(Next(), kAgentPhone, "1234", kStranger, wrong);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->reason, ledger_reason::kInvalidCode);
  }
  auto r = ledger_->CashOut(Next(), kAgentPhone, "1234", kStranger, sent->withdrawal_code);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->reason, ledger_reason::kCodeBlocked);
  EXPECT_EQ(SystemBalance(system_account::kHolding), 1'000);
}

TEST_F(LedgerTest, CashOutNeedsTheAgentsPin) {
  AddSubscriber(kAlice, 10'000);
  AddAgent("123456", kAgentPhone, 0, "8642");
  auto sent = ledger_->Transfer(Next(), kAlice, "1234", kStranger, 1'000);
  ASSERT_TRUE(sent.ok() && sent->accepted);
  auto r = ledger_->CashOut(Next(), kAgentPhone, "1234", kStranger, sent->withdrawal_code);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->reason, ledger_reason::kWrongPin);
  auto notagent = ledger_->CashOut(Next(), kAlice, "1234", kStranger, sent->withdrawal_code);
  ASSERT_TRUE(notagent.ok());
  EXPECT_EQ(notagent->reason, ledger_reason::kUnknownAgent);
}

TEST_F(LedgerTest, ExpiredCodesAreRefusedThenReversedToTheSender) {
  AddSubscriber(kAlice, 10'000);
  AddAgent("123456", kAgentPhone, 0);
  auto sent = ledger_->Transfer(Next(), kAlice, "1234", kStranger, 4'000);
  ASSERT_TRUE(sent.ok() && sent->accepted);
  EXPECT_EQ(BalanceOf(kAlice), 6'000);
  now_ += limits_.withdrawal_code_ttl - 1;
  auto reversed_early = ledger_->ReverseExpiredWithdrawals();
  ASSERT_TRUE(reversed_early.ok());
  EXPECT_EQ(*reversed_early, 0);
  now_ += 1;
  auto late = ledger_->CashOut(Next(), kAgentPhone, "1234", kStranger, sent->withdrawal_code);
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(late->reason, ledger_reason::kCodeExpired);
  auto reversed = ledger_->ReverseExpiredWithdrawals();
  ASSERT_TRUE(reversed.ok());
  EXPECT_EQ(*reversed, 1);
  EXPECT_EQ(BalanceOf(kAlice), 10'000);
  EXPECT_EQ(SystemBalance(system_account::kHolding), 0);
  EXPECT_TRUE(ledger_->CheckInvariants().ok());
  auto after = ledger_->CashOut(Next(), kAgentPhone, "1234", kStranger, sent->withdrawal_code);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->reason, ledger_reason::kCodeExpired);
}

TEST_F(LedgerTest, WithdrawAtAgent) {
  AddSubscriber(kAlice, 100'000);
  AddAgent("123456", kAgentPhone, 500'000);
  auto r = ledger_->Withdraw(Next(), kAlice, "1234", "123456", 40'000);
  ASSERT_TRUE(r.ok() && r->accepted);
  EXPECT_EQ(r->balance, 60'000);
  EXPECT_EQ(r->counterparty_msisdn, kAgentPhone);
  EXPECT_EQ(r->counterparty_balance, 540'000);
  EXPECT_EQ(r->payee_name, "AGENT SHOP");
  auto unknown = ledger_->Withdraw(Next(), kAlice, "1234", "999999", 1'000);
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->reason, ledger_reason::kUnknownAgent);
}

TEST_F(LedgerTest, LockedAgentCannotTakeWithdrawals) {
  AddSubscriber(kAlice, 100'000);
  AddAgent("123456", kAgentPhone, 0);
  // Ten wrong PINs lock the agent's account.
  for (int i = 0; i < limits_.max_pin_failures; ++i) {
    ASSERT_TRUE(ledger_->CashOut(Next(), kAgentPhone, "0000", kStranger, "12345678").ok());
  }
  auto r = ledger_->Withdraw(Next(), kAlice, "1234", "123456", 1'000);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->reason, ledger_reason::kPayeeUnavailable);
}

TEST_F(LedgerTest, AirtimeTopUpForSelfAndOthers) {
  AddSubscriber(kAlice, 10'000);
  auto self = ledger_->TopUpAirtime(Next(), kAlice, "1234", "", 500);
  ASSERT_TRUE(self.ok() && self->accepted);
  EXPECT_EQ(self->counterparty_msisdn, kAlice);
  auto other = ledger_->TopUpAirtime(Next(), kAlice, "1234", kStranger, 700);
  ASSERT_TRUE(other.ok() && other->accepted);
  EXPECT_EQ(other->counterparty_msisdn, kStranger);
  EXPECT_EQ(other->balance, 8'800);
  EXPECT_EQ(SystemBalance(system_account::kAirtime), 1'200);
}

TEST_F(LedgerTest, FeesArePostedToTheFeesAccount) {
  fees_.transfer = 50;
  fees_.withdraw = 120;
  Reopen();
  AddSubscriber(kAlice, 10'000);
  AddSubscriber(kBob, 0);
  AddAgent("123456", kAgentPhone, 0);
  auto r = ledger_->Transfer(Next(), kAlice, "1234", kBob, 1'000);
  ASSERT_TRUE(r.ok() && r->accepted);
  EXPECT_EQ(r->fee, 50);
  EXPECT_EQ(r->balance, 8'950);
  EXPECT_EQ(BalanceOf(kBob), 1'000);
  // The fee counts against the funds: 8,950 - 8,830 - 120 = 0 is allowed, one more is not.
  auto too_much = ledger_->Withdraw(Next(), kAlice, "1234", "123456", 8'831);
  ASSERT_TRUE(too_much.ok());
  EXPECT_EQ(too_much->reason, ledger_reason::kInsufficientFunds);
  auto exact = ledger_->Withdraw(Next(), kAlice, "1234", "123456", 8'830);
  ASSERT_TRUE(exact.ok() && exact->accepted);
  EXPECT_EQ(exact->balance, 0);
  EXPECT_EQ(SystemBalance(system_account::kFees), 170);
  EXPECT_TRUE(ledger_->CheckInvariants().ok());
}

TEST_F(LedgerTest, OverdraftLimitIsTheFloor) {
  NewAccount a;
  a.msisdn = kAlice;
  a.name = "OVERDRAWN";
  a.overdraft_limit = 5'000;
  ASSERT_TRUE(ledger_->CreateAccount(a).ok());
  ASSERT_TRUE(ledger_->SetPin({By::kMsisdn, kAlice}, "1234").ok());
  AddSubscriber(kBob, 0);
  auto ok = ledger_->Transfer(Next(), kAlice, "1234", kBob, 5'000);
  ASSERT_TRUE(ok.ok() && ok->accepted);
  EXPECT_EQ(ok->balance, -5'000);
  auto over = ledger_->Transfer(Next(), kAlice, "1234", kBob, 100);
  ASSERT_TRUE(over.ok());
  EXPECT_EQ(over->reason, ledger_reason::kInsufficientFunds);
  EXPECT_TRUE(ledger_->CheckInvariants().ok());
}

TEST_F(LedgerTest, AmountLimits) {
  limits_.max_amount = 10'000;
  limits_.daily_debit_limit = 15'000;
  Reopen();
  AddSubscriber(kAlice, 100'000);
  AddSubscriber(kBob, 0);
  auto tiny = ledger_->Transfer(Next(), kAlice, "1234", kBob, limits_.min_amount - 1);
  ASSERT_TRUE(tiny.ok());
  EXPECT_EQ(tiny->reason, ledger_reason::kInvalidAmount);
  auto big = ledger_->Transfer(Next(), kAlice, "1234", kBob, 10'001);
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->reason, ledger_reason::kLimitExceeded);
  EXPECT_EQ(big->detail, "per_instruction");
  ASSERT_TRUE(ledger_->Transfer(Next(), kAlice, "1234", kBob, 10'000)->accepted);
  auto daily = ledger_->Transfer(Next(), kAlice, "1234", kBob, 5'001);
  ASSERT_TRUE(daily.ok());
  EXPECT_EQ(daily->reason, ledger_reason::kLimitExceeded);
  EXPECT_EQ(daily->detail, "daily");
  EXPECT_TRUE(ledger_->Transfer(Next(), kAlice, "1234", kBob, 5'000)->accepted);
  now_ += 86'400;  // the window rolls
  EXPECT_TRUE(ledger_->Transfer(Next(), kAlice, "1234", kBob, 10'000)->accepted);
}

TEST_F(LedgerTest, StatementShowsTheLastFiveNewestFirst) {
  AddSubscriber(kAlice, 100'000);
  AddSubscriber(kBob, 0);
  AddBiller("KPLC");
  for (int i = 1; i <= 6; ++i) {
    now_ += 60;
    ASSERT_TRUE(ledger_->Transfer(Next(), kAlice, "1234", kBob, 100 * i)->accepted);
  }
  ASSERT_TRUE(ledger_->PayBill(Next(), kAlice, "1234", "KPLC", "REF9", 1'000)->accepted);
  auto r = ledger_->Statement(Next(), kAlice, "1234");
  ASSERT_TRUE(r.ok() && r->accepted);
  ASSERT_EQ(r->statement.size(), 5u);
  EXPECT_EQ(r->statement[0].kind, "bill.pay");
  EXPECT_EQ(r->statement[0].amount, -1'000);
  EXPECT_EQ(r->statement[0].counterparty, "KPLC");
  EXPECT_EQ(r->statement[0].reference, "REF9");
  EXPECT_EQ(r->statement[0].balance_after, *r->balance);
  EXPECT_EQ(r->statement[1].amount, -600);
  EXPECT_EQ(r->statement[1].counterparty, "SUB 254700000002 254700000002");
  EXPECT_EQ(r->statement[4].amount, -300);
  EXPECT_EQ(r->statement[1].balance_after, r->statement[2].balance_after - 600);

  auto bob = ledger_->Statement(Next(), kBob, "1234");
  ASSERT_TRUE(bob.ok() && bob->accepted);
  EXPECT_EQ(bob->statement[0].amount, 600);
  EXPECT_EQ(bob->statement[0].counterparty, "SUB 254700000001 254700000001");
}

TEST_F(LedgerTest, BalanceNeedsThePin) {
  AddSubscriber(kAlice, 12'345);
  auto r = ledger_->Balance(Next(), kAlice, "1234");
  ASSERT_TRUE(r.ok() && r->accepted);
  EXPECT_EQ(r->balance, 12'345);
  auto wrong = ledger_->Balance(Next(), kAlice, "4321");
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->reason, ledger_reason::kWrongPin);
  EXPECT_FALSE(wrong->balance.has_value());
}

TEST_F(LedgerTest, PostingsListing) {
  AddSubscriber(kAlice, 10'000);
  AddSubscriber(kBob, 0);
  ASSERT_TRUE(ledger_->Transfer(Next(), kAlice, "1234", kBob, 2'500)->accepted);
  AccountRef bob{By::kMsisdn, kBob};
  auto lines = ledger_->Postings(&bob, 10);
  ASSERT_TRUE(lines.ok());
  ASSERT_EQ(lines->size(), 1u);
  EXPECT_EQ((*lines)[0].amount, 2'500);
  EXPECT_EQ((*lines)[0].kind, "transfer");
  auto all = ledger_->Postings(nullptr, 100);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 4u);  // opening credit (2) + transfer (2)
  int64_t sum = 0;
  for (const auto& l : *all) sum += l.amount;
  EXPECT_EQ(sum, 0);
}

}  // namespace
}  // namespace smsgw::store
