#include <gtest/gtest.h>
#include <sqlite3.h>

#include "tests/ledger/ledger_fixture.h"

namespace smsgw::store {
namespace {

constexpr char kAlice[] = "254700000001";
constexpr char kBob[] = "254700000002";

size_t PostingCount(Ledger& ledger) {
  auto all = ledger.Postings(nullptr, 1'000'000);
  EXPECT_TRUE(all.ok());
  return all.ok() ? all->size() : 0;
}

TEST_F(LedgerTest, SameIdSamePayloadReplaysTheStoredAnswer) {
  AddSubscriber(kAlice, 10'000);
  AddSubscriber(kBob, 0);
  const InstructionRef ref = Ref("tx-1", "transfer 1000 to bob");
  auto first = ledger_->Transfer(ref, kAlice, "1234", kBob, 1'000);
  ASSERT_TRUE(first.ok() && first->accepted);
  EXPECT_FALSE(first->replayed);
  const size_t postings = PostingCount(*ledger_);

  for (int i = 0; i < 3; ++i) {
    auto again = ledger_->Transfer(ref, kAlice, "1234", kBob, 1'000);
    ASSERT_TRUE(again.ok() && again->accepted);
    EXPECT_TRUE(again->replayed);
    EXPECT_EQ(again->transaction_code, first->transaction_code);
    EXPECT_EQ(again->balance, first->balance);
    EXPECT_EQ(again->counterparty_balance, first->counterparty_balance);
  }
  // From another connection too, as after a restart.
  auto other = OpenLedger();
  auto replay = other->Transfer(ref, kAlice, "1234", kBob, 1'000);
  ASSERT_TRUE(replay.ok() && replay->replayed);
  EXPECT_EQ(replay->transaction_code, first->transaction_code);

  EXPECT_EQ(BalanceOf(kAlice), 9'000);
  EXPECT_EQ(BalanceOf(kBob), 1'000);
  EXPECT_EQ(PostingCount(*ledger_), postings);
}

// Everything the answer carries comes back: the withdrawal code (so a resent SMS quotes the
// same code) and the statement lines as they were.
TEST_F(LedgerTest, ReplayKeepsEveryResultField) {
  AddSubscriber(kAlice, 10'000);
  const InstructionRef send = Ref("tx-code");
  auto first = ledger_->Transfer(send, kAlice, "1234", "254799999999", 2'000);
  ASSERT_TRUE(first.ok() && first->accepted);
  now_ += 3'600;
  auto again = ledger_->Transfer(send, kAlice, "1234", "254799999999", 2'000);
  ASSERT_TRUE(again.ok() && again->replayed);
  EXPECT_EQ(again->withdrawal_code, first->withdrawal_code);
  EXPECT_EQ(again->withdrawal_expires_at, first->withdrawal_expires_at);
  EXPECT_EQ(again->recipient_registered, false);
  EXPECT_EQ(again->counterparty_msisdn, "254799999999");
  EXPECT_EQ(again->fee, first->fee);
  EXPECT_EQ(again->amount, 2'000);

  const InstructionRef stmt = Ref("stmt");
  auto lines = ledger_->Statement(stmt, kAlice, "1234");
  ASSERT_TRUE(lines.ok() && lines->accepted);
  ASSERT_TRUE(ledger_->TopUpAirtime(Next(), kAlice, "1234", "", 500)->accepted);
  auto replay = ledger_->Statement(stmt, kAlice, "1234");
  ASSERT_TRUE(replay.ok() && replay->replayed);
  ASSERT_EQ(replay->statement.size(), lines->statement.size());
  for (size_t i = 0; i < lines->statement.size(); ++i) {
    const StatementEntry& a = lines->statement[i];
    const StatementEntry& b = replay->statement[i];
    EXPECT_EQ(a.transaction_code, b.transaction_code);
    EXPECT_EQ(a.time, b.time);
    EXPECT_EQ(a.kind, b.kind);
    EXPECT_EQ(a.amount, b.amount);
    EXPECT_EQ(a.balance_after, b.balance_after);
    EXPECT_EQ(a.counterparty, b.counterparty);
    EXPECT_EQ(a.reference, b.reference);
  }
  EXPECT_EQ(replay->balance, 8'000);  // the answer then, not the balance now
}

TEST_F(LedgerTest, SameIdDifferentPayloadIsAnErrorNotARetry) {
  AddSubscriber(kAlice, 10'000);
  AddSubscriber(kBob, 0);
  auto first = ledger_->Transfer(Ref("tx-1", "1000"), kAlice, "1234", kBob, 1'000);
  ASSERT_TRUE(first.ok() && first->accepted);
  auto changed = ledger_->Transfer(Ref("tx-1", "2000"), kAlice, "1234", kBob, 2'000);
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(changed->accepted);
  EXPECT_EQ(changed->reason, ledger_reason::kIdempotencyConflict);
  EXPECT_EQ(BalanceOf(kAlice), 9'000);
  // The conflict was not stored: the original still replays.
  auto original = ledger_->Transfer(Ref("tx-1", "1000"), kAlice, "1234", kBob, 1'000);
  ASSERT_TRUE(original.ok() && original->replayed && original->accepted);
  // Another operation under the same id is a conflict too.
  auto other_op = ledger_->Balance(Ref("tx-1", "balance"), kAlice, "1234");
  EXPECT_EQ(other_op->reason, ledger_reason::kIdempotencyConflict);
}

TEST_F(LedgerTest, ARejectionIsTheStoredAnswerToo) {
  AddSubscriber(kAlice, 500);
  AddSubscriber(kBob, 0);
  const InstructionRef ref = Ref("tx-poor");
  auto first = ledger_->Transfer(ref, kAlice, "1234", kBob, 1'000);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->reason, ledger_reason::kInsufficientFunds);
  ASSERT_TRUE(ledger_->Credit("topup", {AccountRef::By::kMsisdn, kAlice}, 10'000, "").ok());
  auto again = ledger_->Transfer(ref, kAlice, "1234", kBob, 1'000);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->reason, ledger_reason::kInsufficientFunds);
  EXPECT_EQ(BalanceOf(kBob), 0);
}

TEST_F(LedgerTest, ReplayedWrongPinIsNotCountedAgain) {
  AddSubscriber(kAlice, 0);
  const InstructionRef wrong = Ref("wrong-pin");
  for (int i = 0; i < 3 * limits_.max_pin_failures; ++i) {
    EXPECT_EQ(ledger_->VerifyPin(wrong, kAlice, "0000")->reason, ledger_reason::kWrongPin);
  }
  EXPECT_TRUE(ledger_->VerifyPin(Next(), kAlice, "1234")->accepted);
}

TEST_F(LedgerTest, CreditIsIdempotentById) {
  AddSubscriber(kAlice, 0);
  AccountRef alice{AccountRef::By::kMsisdn, kAlice};
  ASSERT_TRUE(ledger_->Credit("dep-1", alice, 5'000, "cash")->accepted);
  EXPECT_TRUE(ledger_->Credit("dep-1", alice, 5'000, "cash")->replayed);
  EXPECT_EQ(ledger_->Credit("dep-1", alice, 6'000, "cash")->reason,
            ledger_reason::kIdempotencyConflict);
  EXPECT_EQ(BalanceOf(kAlice), 5'000);
}

TEST_F(LedgerTest, BadInstructionIdIsInvalid) {
  AddSubscriber(kAlice, 0);
  for (const std::string& id : {std::string(), std::string(129, 'a'), std::string("a b")}) {
    auto r = ledger_->Balance(Ref(id), kAlice, "1234");
    EXPECT_TRUE(r.status().IsInvalidArgument()) << id;
  }
}

// Another process holds the write lock for longer than the busy timeout.
TEST_F(LedgerTest, LockedDatabaseIsUnavailableAndDecidesNothing) {
  AddSubscriber(kAlice, 10'000);
  AddSubscriber(kBob, 0);
  LedgerOptions quick = Options();
  quick.busy_timeout_ms = 20;
  auto ledger = Ledger::Open(quick, keys_);
  ASSERT_TRUE(ledger.ok());

  sqlite3* blocker = nullptr;
  ASSERT_EQ(sqlite3_open(Path("ledger.db").c_str(), &blocker), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(blocker, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  const InstructionRef ref = Ref("tx-busy");
  auto busy = (*ledger)->Transfer(ref, kAlice, "1234", kBob, 1'000);
  EXPECT_TRUE(busy.status().IsUnavailable()) << busy.status().ToString();
  ASSERT_EQ(sqlite3_exec(blocker, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(blocker);

  auto retry = (*ledger)->Transfer(ref, kAlice, "1234", kBob, 1'000);
  ASSERT_TRUE(retry.ok() && retry->accepted);
  EXPECT_FALSE(retry->replayed);  // the first attempt left nothing behind
  EXPECT_EQ(BalanceOf(kBob), 1'000);
}

}  // namespace
}  // namespace smsgw::store
