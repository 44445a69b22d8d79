// Group commit: a batch of instructions through EmbeddedBackend::SubmitBatch (one ledger write
// transaction, a savepoint per instruction) answers each on its own, only after the commit, and
// answers all of them unavailable when the commit fails.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <optional>
#include <string>
#include <vector>

#include "commands/embedded_backend.h"
#include "tests/ledger/backend_test_support.h"
#include "tests/support/fault_vfs.h"

namespace smsgw::commands {
namespace {

using store::AccountRef;
using store::testing::FaultVfs;

Instruction Send(std::string id, int64_t amount, std::string pin = "1234") {
  return Make(std::move(id), op::kTransfer, {{"recipient", std::string(kBob)}, {"amount", amount}},
              std::move(pin));
}

Instruction PayKplc(std::string id, int64_t amount, std::string pin = "1234") {
  return Make(
      std::move(id), op::kBillPay,
      {{"biller", std::string("KPLC")}, {"bill_ref", std::string("778899")}, {"amount", amount}},
      std::move(pin));
}

// t2 is the one FailPostingOf(777, ...) makes fail.
std::vector<Instruction> ThreeWithA777Transfer() {
  std::vector<Instruction> batch;
  batch.push_back(Send("t1", 1'000));
  batch.push_back(Send("t2", 777));
  batch.push_back(PayKplc("b1", 500));
  return batch;
}

class LedgerBatchTest : public EmbeddedBackendFixture {
 protected:
  void SetUp() override {
    EmbeddedBackendFixture::SetUp();
    opening_alice_ = BalanceOf(kAlice);
  }
  void TearDown() override {
    FaultVfs::Get().Clear();
    EmbeddedBackendFixture::TearDown();
  }

  // Through SubmitBatch, checking that every index was answered exactly once before it
  // returned.
  std::vector<BackendResult> Batch(std::vector<Instruction> batch) {
    const size_t n = batch.size();
    std::vector<std::optional<BackendResult>> answers(n);
    int stray = 0;
    backend_->SubmitBatch(std::move(batch), [&](size_t i, BackendResult r) {
      if (i >= n || answers[i]) {
        ++stray;
        return;
      }
      answers[i] = std::move(r);
    });
    EXPECT_EQ(stray, 0);
    std::vector<BackendResult> out;
    for (auto& a : answers) {
      EXPECT_TRUE(a.has_value());
      out.push_back(a ? std::move(*a) : BackendResult::Unavailable("no answer"));
    }
    return out;
  }

  // A trigger that fails the posting of `amount` to a payee, after the transfer row and the
  // payer's posting are written: `action` is ABORT (that statement fails) or ROLLBACK (SQLite
  // rolls the whole transaction back).
  void FailPostingOf(int64_t amount, const std::string& action) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(Path("ledger.db").c_str(), &db), SQLITE_OK);
    const std::string sql =
        "CREATE TRIGGER fail_posting AFTER INSERT ON postings WHEN NEW.amount = " +
        std::to_string(amount) + " BEGIN SELECT RAISE(" + action + ", 'injected'); END";
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  void DropFailingTrigger() {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(Path("ledger.db").c_str(), &db), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db, "DROP TRIGGER fail_posting", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }

  void ExpectBooksBalance() {
    EXPECT_TRUE(ledger_->CheckInvariants().ok()) << ledger_->CheckInvariants().ToString();
    EXPECT_EQ(SumOfBalances(), 0);
  }

  std::string Code(const BackendResult& r) {
    const std::string* code = FindText(r.fields, result::kTransactionCode);
    return code ? *code : std::string();
  }

  int64_t opening_alice_ = 0;
};

TEST_F(LedgerBatchTest, MixedBatchAnswersEachOnItsOwn) {
  std::vector<Instruction> batch;
  batch.push_back(Send("t1", 2'500));             // accepted
  batch.push_back(Send("t2", 1'000'000));         // more than Alice holds
  batch.push_back(PayKplc("b1", 1'000, "9999"));  // wrong PIN
  batch.push_back(Send("t1", 2'500));             // the same id again: replayed
  batch.push_back(Send("t1", 2'600));             // the same id, another payload
  batch.push_back(Make("bad", op::kTransfer, {{"recipient", std::string(kBob)}}));  // no amount
  batch.push_back(PayKplc("b2", 1'000));                                            // accepted
  batch.push_back(Make("t3", op::kTransfer,
                       {{"recipient", std::string(kAlice)}, {"amount", int64_t{2'000}}}, "1234",
                       kBob));  // Bob spends what t1 gave him
  auto r = Batch(std::move(batch));
  ASSERT_EQ(r.size(), 8u);

  ASSERT_TRUE(r[0].accepted()) << r[0].reason << " " << r[0].detail << " " << r[0].diagnostic;
  EXPECT_FALSE(r[0].replayed);
  EXPECT_EQ(FindInt(r[0].fields, result::kBalance), opening_alice_ - 2'500);
  EXPECT_TRUE(r[1].rejected());
  EXPECT_EQ(r[1].reason, reason::kInsufficientFunds);
  EXPECT_TRUE(r[2].rejected());
  EXPECT_EQ(r[2].reason, reason::kWrongPin);
  ASSERT_TRUE(r[3].accepted());
  EXPECT_TRUE(r[3].replayed);
  EXPECT_EQ(Code(r[3]), Code(r[0]));
  EXPECT_TRUE(r[4].rejected());
  EXPECT_EQ(r[4].reason, reason::kIdempotencyConflict);
  EXPECT_TRUE(r[5].rejected());
  EXPECT_EQ(r[5].reason, reason::kInvalidRequest);
  EXPECT_EQ(r[5].detail, "amount");
  ASSERT_TRUE(r[6].accepted()) << r[6].reason << " " << r[6].diagnostic;
  EXPECT_EQ(FindInt(r[6].fields, result::kBalance), opening_alice_ - 3'500);
  ASSERT_TRUE(r[7].accepted()) << r[7].reason << " " << r[7].diagnostic;
  EXPECT_EQ(FindInt(r[7].fields, result::kBalance), 500);

  EXPECT_EQ(BalanceOf(kAlice), opening_alice_ - 3'500 + 2'000);
  EXPECT_EQ(BalanceOf(kBob), 500);
  EXPECT_EQ(BalanceOf({AccountRef::By::kBiller, "KPLC"}), 1'000);
  ExpectBooksBalance();

  // Committed: answered again from the stored receipts, outside any batch.
  auto again = backend_->Execute(Send("t1", 2'500));
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(Code(again), Code(r[0]));
  auto wrong = backend_->Execute(PayKplc("b1", 1'000, "9999"));
  EXPECT_TRUE(wrong.replayed);
  EXPECT_EQ(wrong.reason, reason::kWrongPin);
}

// An instruction that fails part-way (its payee's posting is refused after the transfer row
// and the payer's posting were written) is undone alone and answered unavailable; the rest of
// the batch commits, and the failed one applies once when retried.
TEST_F(LedgerBatchTest, AFailedInstructionIsUndoneAlone) {
  FailPostingOf(777, "ABORT");
  auto r = Batch(ThreeWithA777Transfer());
  ASSERT_EQ(r.size(), 3u);
  EXPECT_TRUE(r[0].accepted()) << r[0].diagnostic;
  EXPECT_TRUE(r[1].unavailable());
  EXPECT_TRUE(r[2].accepted()) << r[2].diagnostic;
  EXPECT_EQ(FindInt(r[2].fields, result::kBalance), opening_alice_ - 1'500);
  EXPECT_EQ(BalanceOf(kAlice), opening_alice_ - 1'500);
  EXPECT_EQ(BalanceOf(kBob), 1'000);
  ExpectBooksBalance();

  DropFailingTrigger();
  auto retry = Batch([] {
    std::vector<Instruction> b;
    b.push_back(Send("t2", 777));
    b.push_back(Send("t1", 1'000));
    return b;
  }());
  ASSERT_TRUE(retry[0].accepted()) << retry[0].diagnostic;
  EXPECT_FALSE(retry[0].replayed);
  EXPECT_TRUE(retry[1].replayed);
  EXPECT_EQ(BalanceOf(kBob), 1'777);
  ExpectBooksBalance();
}

// SQLite rolls the whole transaction back (here a trigger asks it to; some I/O errors do the
// same): the instructions before it are lost with it, so none may be answered as done, and
// the ones after it must not commit on their own.
TEST_F(LedgerBatchTest, ALostBatchTransactionAnswersEveryoneUnavailable) {
  FailPostingOf(777, "ROLLBACK");
  auto r = Batch(ThreeWithA777Transfer());
  ASSERT_EQ(r.size(), 3u);
  for (const BackendResult& one : r) EXPECT_TRUE(one.unavailable()) << one.reason;
  EXPECT_EQ(BalanceOf(kAlice), opening_alice_);
  EXPECT_EQ(BalanceOf(kBob), 0);
  EXPECT_EQ(BalanceOf({AccountRef::By::kBiller, "KPLC"}), 0);
  ExpectBooksBalance();

  DropFailingTrigger();
  std::vector<Instruction> again;
  again.push_back(Send("t1", 1'000));
  again.push_back(PayKplc("b1", 500));
  auto retry = Batch(std::move(again));
  for (const BackendResult& one : retry) {
    EXPECT_TRUE(one.accepted()) << one.reason << " " << one.diagnostic;
    EXPECT_FALSE(one.replayed);
  }
  EXPECT_EQ(BalanceOf(kAlice), opening_alice_ - 1'500);
}

// The disk fails while the batch commits: every instruction is answered unavailable, nothing
// was applied (not even after reopening the database), and a retry of the same ids applies
// each once.
TEST_F(LedgerBatchTest, FailedCommitAnswersEveryoneUnavailableAndAppliesNothing) {
  OpenBackend(FaultVfs::kName);
  FaultVfs& vfs = FaultVfs::Get();
  auto make = [] {
    std::vector<Instruction> b;
    b.push_back(Send("t1", 1'000));
    b.push_back(PayKplc("b1", 500));
    b.push_back(Send("t2", 1'000'000));  // a rejection is a write too (its stored receipt)
    b.push_back(Send("t1", 1'000));
    return b;
  };
  vfs.FailWrites(SQLITE_IOERR_WRITE);
  auto r = Batch(make());
  EXPECT_GT(vfs.failures(), 0);
  vfs.Clear();
  ASSERT_EQ(r.size(), 4u);
  for (const BackendResult& one : r) {
    EXPECT_TRUE(one.unavailable()) << one.reason;
    EXPECT_EQ(one.detail, "io_error");
  }
  EXPECT_EQ(BalanceOf(kAlice), opening_alice_);
  EXPECT_EQ(BalanceOf(kBob), 0);
  Reopen();
  EXPECT_EQ(BalanceOf(kAlice), opening_alice_);
  EXPECT_EQ(BalanceOf(kBob), 0);

  auto retry = Batch(make());
  ASSERT_EQ(retry.size(), 4u);
  ASSERT_TRUE(retry[0].accepted()) << retry[0].diagnostic;
  EXPECT_FALSE(retry[0].replayed);
  ASSERT_TRUE(retry[1].accepted()) << retry[1].diagnostic;
  EXPECT_EQ(retry[2].reason, reason::kInsufficientFunds);
  EXPECT_FALSE(retry[2].replayed);
  EXPECT_TRUE(retry[3].replayed);
  auto twice = Batch(make());
  for (const BackendResult& one : twice) EXPECT_TRUE(one.replayed);
  EXPECT_EQ(BalanceOf(kAlice), opening_alice_ - 1'500);
  EXPECT_EQ(BalanceOf(kBob), 1'000);
  ExpectBooksBalance();
}

// Another connection holds the write lock for longer than the busy timeout: the batch never
// starts and every instruction is answered unavailable (busy).
TEST_F(LedgerBatchTest, BusyLedgerAnswersEveryoneUnavailable) {
  store::LedgerOptions quick = Options();
  quick.busy_timeout_ms = 20;
  auto ledger = store::Ledger::Open(quick, keys_);
  ASSERT_TRUE(ledger.ok());
  backend_ = std::make_unique<EmbeddedBackend>(std::move(ledger).value());
  std::vector<BackendResult> r;
  {
    WriteLockHolder blocker(Path("ledger.db"));
    std::vector<Instruction> batch;
    batch.push_back(Send("t1", 1'000));
    batch.push_back(Send("t2", 1'000));
    r = Batch(std::move(batch));
  }
  for (const BackendResult& one : r) {
    EXPECT_TRUE(one.unavailable());
    EXPECT_EQ(one.detail, "busy");
  }
  EXPECT_EQ(BalanceOf(kBob), 0);
}

}  // namespace
}  // namespace smsgw::commands

namespace smsgw::store {
namespace {

// The Ledger's own batch scope: instructions made inside it are visible to each other at once
// and durable only with Commit; a batch dropped without Commit leaves nothing behind.
TEST_F(LedgerTest, BatchWithoutCommitLeavesNothing) {
  AddSubscriber("254700000001", 10'000);
  AddSubscriber("254700000002", 0);
  {
    auto batch = ledger_->BeginBatch();
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    auto r = ledger_->Transfer(Ref("t1"), "254700000001", "1234", "254700000002", 1'000);
    ASSERT_TRUE(r.ok() && r->accepted);
    EXPECT_EQ(BalanceOf("254700000002"), 1'000);  // seen inside the batch
    EXPECT_FALSE(ledger_->BeginBatch().ok());     // batches do not nest
  }
  EXPECT_EQ(BalanceOf("254700000002"), 0);
  auto r = ledger_->Transfer(Ref("t1"), "254700000001", "1234", "254700000002", 1'000);
  ASSERT_TRUE(r.ok() && r->accepted);
  EXPECT_FALSE(r->replayed);
  EXPECT_EQ(BalanceOf("254700000002"), 1'000);
}

}  // namespace
}  // namespace smsgw::store
