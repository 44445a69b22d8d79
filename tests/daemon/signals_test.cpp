// The daemon under signals: SIGHUP with a broken grammar keeps the running one, SIGHUP with a
// new command makes it work without a restart or a rebind, SIGTERM drains and unbinds, a
// second SIGTERM cuts the drain short.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/daemon/daemon_fixture.h"

namespace smsgw::daemon_test {
namespace {

class SignalsTest : public DaemonTest {
 protected:
  // Waits (bounded) for `event` to appear in the log `count` times.
  bool WaitForLog(const std::string& event, size_t count = 1) {
    return test::WaitFor(
        [&] {
          const std::string log = Log();
          size_t n = 0;
          for (size_t at = log.find(event); at != std::string::npos; at = log.find(event, at + 1)) {
            ++n;
          }
          return n >= count;
        },
        20s);
  }
};

TEST_F(SignalsTest, ABrokenGrammarOnSighupKeepsTheOldOneServing) {
  StartDaemon();
  const std::string good = test::ReadFileText(grammar_);
  std::ofstream(grammar_) << good << "\n  - name: broken\n    operation: [not, a, name\n";
  daemon_->Signal(SIGHUP);
  ASSERT_TRUE(WaitForLog("event=reload.rejected"));
  EXPECT_TRUE(Has(Log(), "event=reload.error")) << "each error is logged";
  const std::string reply = Say(kAmina, "PAY KPLC 123456 1500");
  EXPECT_TRUE(Has(reply, "Pay KES 1,500.00 to KPLC")) << reply;
  EXPECT_EQ(sim_->binds(), 1);
  EXPECT_EQ(StopDaemon(), 0);
}

TEST_F(SignalsTest, ANewCommandOnSighupWorksWithoutARestartOrARebind) {
  StartDaemon();
  const std::string before = Say(kAmina, "SALDO");
  EXPECT_TRUE(CodeIn(before).empty()) << "not a command yet: " << before;
  std::string grammar = test::ReadFileText(grammar_);
  const std::string anchor = "  - name: mini\n";
  const size_t at = grammar.find(anchor);
  ASSERT_NE(at, std::string::npos);
  grammar.insert(at,
                 "  - name: saldo\n"
                 "    operation: account.balance\n"
                 "    keywords: {en: [SALDO], sw: [BAKI]}\n"
                 "    challenge:\n"
                 "      - {collect: pin, prompt: balance.challenge}\n"
                 "    reply: balance.done\n"
                 "    help:\n"
                 "      en: \"Balance, the short way.\"\n"
                 "      sw: \"Salio, kwa ufupi.\"\n\n");
  std::ofstream(grammar_) << grammar;
  daemon_->Signal(SIGHUP);
  ASSERT_TRUE(WaitForLog("event=reload.done"));
  // Not "SALDO" again: the same text within minutes is taken for the SMSC redelivering it.
  const std::string reply = WithPin(kAmina, "Saldo");
  EXPECT_TRUE(Has(reply, "10,000.00")) << reply;
  EXPECT_EQ(sim_->binds(), 1) << "a reload does not drop the bind";
  EXPECT_EQ(StopDaemon(), 0);
}

TEST_F(SignalsTest, SigtermDrainsUnbindsAndExitsCleanly) {
  StartDaemon();
  EXPECT_FALSE(Has(Say(kAmina, "HELP"), "<no"));
  EXPECT_EQ(StopDaemon(), 0);
  EXPECT_EQ(sim_->unbinds_received(), 1u);
  EXPECT_TRUE(Has(Log(), "event=stop.done"));
}

// A second SIGTERM while the drain waits for a reply the SMSC never answers: the process exits
// at once, with a status of its own (1 is an invalid configuration, which systemd and operators
// read as such), and says so in the log.
TEST_F(SignalsTest, ASecondSigtermCutsTheDrainShortWithItsOwnStatus) {
  sim_->Run([](smpp::testing::SmscSimulator& s) { s.config().answer_submits = false; });
  StartDaemon();
  sim_->SendText(kAmina, kShortCode, "HELP");
  ASSERT_TRUE(test::WaitFor(
      [&] {
        size_t held = 0;
        sim_->Run([&](smpp::testing::SmscSimulator& s) { held = s.submits().size(); });
        return held > 0;
      },
      20s))
      << "the reply was never submitted";
  daemon_->Signal(SIGTERM);
  ASSERT_TRUE(WaitForLog("event=stop.draining"));
  ASSERT_TRUE(daemon_->running()) << "the drain should wait for the unanswered reply";
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(StopDaemon(), 5);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s) << "not at once";
  EXPECT_TRUE(Has(Log(), "event=stop.forced"));
  EXPECT_FALSE(Has(Log(), "event=stop.done"));
}

}  // namespace
}  // namespace smsgw::daemon_test
