// Several threads, each with its own connection, spend from one account at the same time:
// the account is never overdrawn, and exactly as many instructions succeed as the money allows.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/ledger/ledger_fixture.h"

namespace smsgw::store {
namespace {

using By = AccountRef::By;

constexpr char kPayer[] = "254700000001";

TEST_F(LedgerTest, ConcurrentSpendingNeverOverdraws) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 30;
  constexpr int64_t kAmount = 1'000;
  constexpr int64_t kOpening = 100 * kAmount;  // room for 100 of the 120 attempts
  AddSubscriber(kPayer, kOpening);
  AddSubscriber("254700000002", 0);
  AddAgent("123456", "254700000100", 0);
  AddBiller("KPLC");

  std::atomic<int> accepted{0}, refused{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::unique_ptr<Ledger> own = OpenLedger();  // one connection per thread
      if (!own) {
        failed += kPerThread;
        return;
      }
      for (int i = 0; i < kPerThread; ++i) {
        const std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        const InstructionRef ref = Ref(id, id);
        Result<LedgerReceipt> r = Status::Unavailable("not run");
        // A busy database is temporary: retry the same id a bounded number of times.
        for (int attempt = 0; attempt < 20 && r.status().IsUnavailable(); ++attempt) {
          switch ((t + i) % 3) {
            case 0:
              r = own->Transfer(ref, kPayer, "1234", "254700000002", kAmount);
              break;
            case 1:
              r = own->Withdraw(ref, kPayer, "1234", "123456", kAmount);
              break;
            default:
              r = own->PayBill(ref, kPayer, "1234", "KPLC", id, kAmount);
              break;
          }
        }
        if (!r.ok()) {
          ++failed;
        } else if (r->accepted) {
          ++accepted;
          if (*r->balance < 0) ++failed;
        } else if (r->reason == ledger_reason::kInsufficientFunds) {
          ++refused;
        } else {
          ++failed;
        }
      }
    });
  }
  for (auto& th : threads) th.join();

  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(accepted.load(), kOpening / kAmount);
  EXPECT_EQ(refused.load(), kThreads * kPerThread - kOpening / kAmount);
  EXPECT_EQ(BalanceOf(kPayer), 0);
  AccountRef payer{By::kMsisdn, kPayer};
  auto lines = ledger_->Postings(&payer, 1'000);
  ASSERT_TRUE(lines.ok());
  for (const PostingLine& l : *lines) EXPECT_GE(l.balance_after, 0) << l.transaction_code;
  EXPECT_EQ(BalanceOf("254700000002") + BalanceOf({By::kAgentNumber, "123456"}) +
                BalanceOf({By::kBiller, "KPLC"}),
            kOpening);
  Status check = ledger_->CheckInvariants();
  EXPECT_TRUE(check.ok()) << check.ToString();
}

}  // namespace
}  // namespace smsgw::store
