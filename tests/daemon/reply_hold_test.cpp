// Replies held while no bind is up (core.h, Core::ReplyClaimLimit) go out as soon as a bind
// comes back: the session's bind wakes the core, rather than the hold running out. The hold is
// set far longer than the test waits, so only that wake-up can send the reply in time; nothing
// asserts on durations.
#include <gtest/gtest.h>

#include "tests/daemon/daemon_fixture.h"

namespace smsgw::daemon_test {
namespace {

using smpp::testing::SmscSimulator;

class ReplyHoldTest : public DaemonTest {
 protected:
  std::string ConfigText() override {
    std::string text = DaemonTest::ConfigText();
    text.replace(text.find("smpp:\n"), 6, "smpp:\n  reply_hold: 10m\n");
    return text;
  }

  size_t Submits() {
    size_t n = 0;
    sim_->Run([&](SmscSimulator& sim) { n = sim.submits().size(); });
    return n;
  }
};

TEST_F(ReplyHoldTest, HeldRepliesGoAsSoonAsABindIsBack) {
  StartDaemon();
  sim_->Run([](SmscSimulator& sim) { sim.config().answer_submits = false; });
  sim_->SendText(kAmina, kShortCode, "HELP");
  ASSERT_TRUE(test::WaitFor([&] { return Submits() >= 1; }, 20s)) << "no reply was sent";
  // The SMSC goes with the reply unanswered and refuses every bind: the reply's retry finds no
  // bind up, and the core holds replies for reply_hold.
  sim_->Run([](SmscSimulator& sim) {
    sim.config().password = "changed";
    sim.DropConnection();
  });
  ASSERT_TRUE(test::WaitFor([&] { return Has(Log(), "replies.held"); }, 20s))
      << "replies were not held";
  ASSERT_FALSE(sim_->bound());
  const size_t before = Submits();
  sim_->Run([](SmscSimulator& sim) {
    sim.config().password = "secret";
    sim.config().answer_submits = true;
  });
  // The bind comes back within the reconnect backoff (at most 1.5 s here); the hold would end
  // only after 10 minutes.
  ASSERT_TRUE(test::WaitFor([&] { return Submits() > before; }, 30s))
      << "the held reply did not go when the bind came back";
  EXPECT_TRUE(test::WaitFor([&] { return Has(Log(), "replies.resumed"); }, 20s));
  EXPECT_EQ(StopDaemon(), 0);
}

}  // namespace
}  // namespace smsgw::daemon_test
