// The daemon's ledger checkpoints its WAL on a thread of its own (LedgerOptions::
// background_checkpoint_pages); admin commands keep SQLite's checkpoints in the commit.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "tests/ledger/ledger_fixture.h"

namespace smsgw::store {
namespace {

class LedgerCheckpointTest : public LedgerTest {
 protected:
  void OpenWithBackgroundCheckpoints(int pages) {
    ledger_.reset();
    LedgerOptions o = Options();
    o.background_checkpoint_pages = pages;
    auto l = Ledger::Open(o, keys_);
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    ledger_ = std::move(l).value();
  }

  int64_t WalBytes() {
    std::error_code ec;
    const auto size = std::filesystem::file_size(Path("ledger.db-wal"), ec);
    return ec ? 0 : static_cast<int64_t>(size);
  }

  // `n` transfers from Alice to Bob, a commit each.
  void Transfers(int n) {
    for (int i = 0; i < n; ++i) {
      auto r = ledger_->Transfer(Next(), kAlice, "1234", kBob, 100);
      ASSERT_TRUE(r.ok() && r->accepted) << (r.ok() ? r->reason : r.status().ToString());
    }
  }

  // The checkpointer runs on its own thread: waits (bounded) until it has run.
  CheckpointStats WaitForCheckpoints() {
    for (int i = 0; i < 500 && ledger_->checkpoint_stats().checkpoints == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return ledger_->checkpoint_stats();
  }

  static constexpr const char* kAlice = "254700000001";
  static constexpr const char* kBob = "254700000002";
};

TEST_F(LedgerCheckpointTest, TheDaemonsLedgerCheckpointsOnAThreadAndKeepsItsWalSmall) {
  AddSubscriber(kAlice, 1'000'000);
  AddSubscriber(kBob, 0);
  OpenWithBackgroundCheckpoints(20);
  Transfers(300);
  CheckpointStats stats = WaitForCheckpoints();
  EXPECT_GE(stats.checkpoints, 1);
  EXPECT_GE(stats.in_commit, 1) << "the ledger's connection finishes each checkpoint";
  EXPECT_EQ(stats.failures, 0);
  // The WAL starts over near the threshold. Without the checkpointer, SQLite's own
  // checkpoints start only at 1,000 pages, which 300 transfers (a few pages each) pass.
  const int64_t frame = 4096 + 24;
  EXPECT_LT(WalBytes(), 250 * frame);

  Reopen();  // without the checkpointer, as admin commands open it
  EXPECT_EQ(BalanceOf(kAlice), 1'000'000 - 300 * 100);
  EXPECT_EQ(BalanceOf(kBob), 300 * 100);
  EXPECT_EQ(ledger_->checkpoint_stats().checkpoints, 0);
  EXPECT_TRUE(ledger_->CheckInvariants().ok());
}

}  // namespace
}  // namespace smsgw::store
