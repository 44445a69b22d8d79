// MtSender over a real session and the SMSC simulator, in one process: a batch of replies is
// reported as its replies become final, so one the SMSC throttles (and the session resends
// later) does not hold the others in flight. Loops are bounded in time.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gateway/daemon/daemon_metrics.h"
#include "gateway/daemon/mo_intake.h"
#include "gateway/daemon/mt_sender.h"
#include "gateway/metrics.h"
#include "gateway/smpp/session.h"
#include "tests/support/smsc_simulator.h"

namespace smsgw::gateway {
namespace {

using namespace std::chrono_literals;

class MtSenderTest : public ::testing::Test {
 protected:
  MtSenderTest() : sim_(io_, SimConfig()), metrics_(registry_) {}

  static smpp::testing::SmscSimConfig SimConfig() {
    smpp::testing::SmscSimConfig c;
    c.throttle_every = 10;  // the 10th submit_sm of the batch is throttled once
    return c;
  }

  void SetUp() override {
    intake_ = std::make_unique<MoIntake>(
        io_, MoIntake::Options{}, [](IntakeBatch) {}, metrics_);
    smpp::SessionConfig c;
    c.name = "sim";
    c.port = sim_.port();
    c.system_id = "smsgw";
    c.password = "secret";
    c.window = 20;
    c.throttled_resend_delay = 2s;  // long enough to see the others reported before it
    c.reconnect_min = 10ms;
    c.reconnect_max = 50ms;
    session_ = smpp::EsmeSession::Create(io_, c, *intake_);
    sender_.AddSession("sim", session_, {});
    session_->Start();
    // The session, not only the simulator, must see the bind: the simulator counts it bound
    // when it sends bind_resp, before the session has read it, and a reply sent in between
    // finds no bind up.
    ASSERT_TRUE(RunUntil(
        [&] { return sim_.bound() && session_->state() == smpp::SessionState::kBound; }, 10s));
  }

  void TearDown() override {
    bool stopped = false;
    session_->Stop([&] { stopped = true; });
    RunUntil([&] { return stopped; }, 10s);
  }

  template <typename Pred>
  bool RunUntil(Pred pred, std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!pred() && std::chrono::steady_clock::now() < end) io_.run_for(2ms);
    return pred();
  }

  boost::asio::io_context io_;
  smpp::testing::SmscSimulator sim_;
  Registry registry_;
  DaemonMetrics metrics_;
  std::unique_ptr<MoIntake> intake_;
  MtSender sender_{io_};
  std::shared_ptr<smpp::EsmeSession> session_;
};

TEST_F(MtSenderTest, AThrottledReplyDoesNotHoldTheOthersOfItsBatch) {
  constexpr int kReplies = 10;
  std::vector<store::ClaimedReply> replies;
  for (int i = 1; i <= kReplies; ++i) {
    store::ClaimedReply r;
    r.id = i;
    r.source = "4040";
    r.destination = "2547001000" + std::to_string(10 + i);
    r.text = store::SecretBytes(std::string("reply ") + std::to_string(i));
    r.attempt = 1;
    replies.push_back(std::move(r));
  }
  std::vector<std::vector<store::ReplyResult>> calls;
  sender_.Send(std::move(replies),
               [&](std::vector<store::ReplyResult> results) { calls.push_back(results); });
  auto reported = [&] {
    size_t n = 0;
    for (const auto& c : calls) n += c.size();
    return n;
  };
  // No bound on how quickly the nine arrive (a loaded sanitizer build is slow); what must
  // hold is that they are not held back: they come in calls before the throttled one's, which
  // comes last and alone, after its resend.
  ASSERT_TRUE(RunUntil([&] { return reported() == kReplies; }, 20s)) << reported();
  ASSERT_GE(calls.size(), 2u);
  ASSERT_EQ(calls.back().size(), 1u);
  EXPECT_EQ(calls.back()[0].id, kReplies);  // the 10th submit_sm is the one throttled
  std::set<int64_t> ids;
  for (const auto& c : calls) {
    for (const store::ReplyResult& r : c) {
      EXPECT_EQ(r.kind, store::ReplyResult::Kind::kSent) << r.id;
      EXPECT_TRUE(ids.insert(r.id).second) << "reported twice: " << r.id;
    }
  }
  EXPECT_EQ(ids.size(), static_cast<size_t>(kReplies));
  EXPECT_EQ(sim_.submits().size(), static_cast<size_t>(kReplies + 1));  // one resend
}

// Nothing reached an SMSC: the reply is retried without spending an attempt, so an outage
// does not dead-letter it.
TEST(MtSenderWithoutABind, AReplyIsRetriedWithoutSpendingAnAttempt) {
  boost::asio::io_context io;
  MtSender sender(io);
  std::vector<store::ClaimedReply> replies(1);
  replies[0].id = 7;
  replies[0].source = "4040";
  replies[0].destination = "254700000001";
  replies[0].text = store::SecretBytes(std::string("Paid"));
  std::vector<store::ReplyResult> got;
  sender.Send(std::move(replies), [&](std::vector<store::ReplyResult> r) { got = std::move(r); });
  io.run_for(1s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].id, 7);
  EXPECT_EQ(got[0].kind, store::ReplyResult::Kind::kRetry);
  EXPECT_EQ(got[0].error, "no bind up");
  EXPECT_FALSE(got[0].attempt_spent);
}

// A link that drops with one reply written and another still queued behind the window: the
// written one may have reached the SMSC and spends its attempt; the queued one cannot have,
// and is retried without spending one.
TEST(MtSenderLinkDrop, AReplyStillQueuedWhenTheLinkDropsSpendsNoAttempt) {
  boost::asio::io_context io;
  smpp::testing::SmscSimConfig sim_config;
  sim_config.answer_submits = false;  // the first submit stays in flight
  smpp::testing::SmscSimulator sim(io, sim_config);
  Registry registry;
  DaemonMetrics metrics(registry);
  MoIntake intake(
      io, MoIntake::Options{}, [](IntakeBatch) {}, metrics);
  smpp::SessionConfig c;
  c.name = "sim";
  c.port = sim.port();
  c.system_id = "smsgw";
  c.password = "secret";
  c.window = 1;
  c.reconnect_min = 10s;  // no rebind within the test
  c.reconnect_max = 10s;
  auto session = smpp::EsmeSession::Create(io, c, intake);
  MtSender sender(io);
  sender.AddSession("sim", session, {});
  session->Start();
  auto run_until = [&](auto pred) {
    const auto end = std::chrono::steady_clock::now() + 10s;
    while (!pred() && std::chrono::steady_clock::now() < end) io.run_for(2ms);
    return pred();
  };
  ASSERT_TRUE(run_until([&] { return session->state() == smpp::SessionState::kBound; }));
  std::vector<store::ClaimedReply> replies(2);
  for (int i = 0; i < 2; ++i) {
    replies[i].id = i + 1;
    replies[i].source = "4040";
    replies[i].destination = "25470000000" + std::to_string(i + 1);
    replies[i].text = store::SecretBytes(std::string("Paid"));
  }
  std::vector<store::ReplyResult> got;
  sender.Send(std::move(replies), [&](std::vector<store::ReplyResult> r) {
    for (auto& x : r) got.push_back(std::move(x));
  });
  ASSERT_TRUE(run_until([&] { return sim.submits().size() == 1u; }));
  sim.DropConnection();
  ASSERT_TRUE(run_until([&] { return got.size() == 2u; }));
  std::sort(got.begin(), got.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  EXPECT_EQ(got[0].kind, store::ReplyResult::Kind::kRetry);
  EXPECT_TRUE(got[0].attempt_spent) << "written: the SMSC may have it";
  EXPECT_EQ(got[1].kind, store::ReplyResult::Kind::kRetry);
  EXPECT_FALSE(got[1].attempt_spent) << "never written";
  bool stopped = false;
  session->Stop([&] { stopped = true; });
  run_until([&] { return stopped; });
}

}  // namespace
}  // namespace smsgw::gateway
