// EsmeSession under ESME_RTHROTTLED from the SMSC simulator: a share of throttles is resent
// without pausing the bind; an SMSC that throttles everything gets a paused bind, and delivery
// resumes when it stops. Loops wait for a condition, bounded in time and count.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <set>
#include <string>

#include "tests/smpp_session/session_fixture.h"

namespace smsgw::smpp {
namespace {

// At most this many submit_sm go out between two pauses against an SMSC that throttles
// everything: a full window, then one per counted response until half of the 20 counted
// ones (the 10th) pauses the bind.
constexpr size_t kSubmitsPerPauseAtMost(size_t window) {
  return window + 9;
}

class SessionThrottleTest : public SessionFixture {
 protected:
  void SetUp() override {
    sim_.config().on_submit_answered = [this](const SubmitSm& sm, uint32_t status) {
      std::string text(sm.short_message.begin(), sm.short_message.end());
      if (status == 0) {
        ++accepted_[text];
      } else {
        ++throttled_[text];
      }
    };
  }

  // Binds with `window`, whole-bind pauses from `pause` up to `max_pause`, and a 1 ms first
  // resend delay for a throttled submit, resent at most `max_resends` times.
  void StartBound(size_t window, Millis pause, Millis max_pause,
                  uint32_t max_resends = SessionConfig{}.max_throttled_resends,
                  Millis max_wait = SessionConfig{}.max_throttled_wait) {
    SessionConfig c = Config();
    c.window = window;
    c.throttle_pause = pause;
    c.max_throttle_pause = max_pause;
    c.throttled_resend_delay = Millis(1);
    c.max_throttled_resends = max_resends;
    c.max_throttled_wait = max_wait;
    StartSession(c);
    ASSERT_TRUE(RunUntil([&] { return Bound(); }));
  }

  // Queues `n` submits "mt <i>"; each callback records its status into results_.
  void SubmitMany(int n) {
    for (int i = 0; i < n; ++i) {
      const std::string text = "mt " + std::to_string(i);
      ASSERT_TRUE(
          session_
              ->Submit(Mt(text),
                       [this, text](const SubmitResult& r) { results_.emplace(text, r.status); })
              .ok());
    }
  }

  std::map<std::string, int> accepted_;   // by the SMSC, per text
  std::map<std::string, int> throttled_;  // by the SMSC, per text
  std::multimap<std::string, uint32_t> results_;
};

TEST_F(SessionThrottleTest, OneInTenThrottledIsResentWithoutPausingTheBind) {
  sim_.config().throttle_every = 10;
  StartBound(10, Millis(60000), Millis(60000));  // a pause would outlast the test's wait
  constexpr int kMts = 300;
  SubmitMany(kMts);
  ASSERT_TRUE(RunUntil([&] { return results_.size() == kMts; })) << LogText();
  Settle();
  EXPECT_EQ(session_->stats().throttle_pauses, 0u) << LogText();
  EXPECT_FALSE(Logged("bind paused"));
  // Every message: one final callback, with ESME_ROK, and taken by the SMSC exactly once.
  ASSERT_EQ(results_.size(), size_t{kMts});
  for (int i = 0; i < kMts; ++i) {
    const std::string text = "mt " + std::to_string(i);
    ASSERT_EQ(results_.count(text), 1u) << text;
    EXPECT_EQ(results_.find(text)->second, 0u) << text;
    EXPECT_EQ(accepted_[text], 1) << text;
  }
  // The SMSC throttled every 10th submit_sm it saw; each was resent and none counted as final.
  size_t throttles = 0;
  for (const auto& [text, n] : throttled_) throttles += n;
  EXPECT_EQ(sim_.submits().size(), kMts + throttles);
  EXPECT_EQ(throttles, sim_.submits().size() / 10);
  EXPECT_GE(throttles, size_t{kMts / 10});
  EXPECT_EQ(session_->stats().throttled, throttles);
  EXPECT_EQ(session_->stats().submits_done, size_t{kMts});
  EXPECT_EQ(session_->stats().submits_sent, sim_.submits().size());
  EXPECT_EQ(session_->queued_submits(), 0u);
}

TEST_F(SessionThrottleTest, ThrottlingEverythingPausesTheBindUntilItStops) {
  sim_.config().throttle_every = 1;  // every submit_sm throttled
  constexpr size_t kWindow = 10;
  StartBound(kWindow, Millis(2000), Millis(2000));
  constexpr int kMts = 40;
  SubmitMany(kMts);
  ASSERT_TRUE(RunUntil([&] { return session_->stats().throttle_pauses == 1; })) << LogText();
  // The submits already on their way are answered (throttled too).
  ASSERT_TRUE(RunUntil([&] { return session_->outstanding() == 0; }));
  EXPECT_TRUE(Logged("bind paused for 2000 ms")) << LogText();
  const size_t before_pause = sim_.submits().size();
  EXPECT_LE(before_pause, kSubmitsPerPauseAtMost(kWindow));
  // Paused: nothing goes out, although the resend delay of every throttled submit has passed.
  io_.run_for(Millis(200));
  EXPECT_EQ(sim_.submits().size(), before_pause);
  EXPECT_EQ(session_->stats().throttle_pauses, 1u);
  EXPECT_TRUE(results_.empty());  // throttles are not final

  sim_.config().throttle_every = 0;
  ASSERT_TRUE(RunUntil([&] { return results_.size() == kMts; })) << LogText();
  for (int i = 0; i < kMts; ++i) {
    const std::string text = "mt " + std::to_string(i);
    ASSERT_EQ(results_.count(text), 1u) << text;
    EXPECT_EQ(results_.find(text)->second, 0u) << text;
    EXPECT_EQ(accepted_[text], 1) << text;
  }
  EXPECT_EQ(sim_.submits().size(), kMts + before_pause);
}

TEST_F(SessionThrottleTest, RepeatedPausesBoundWhatTheSmscReceives) {
  sim_.config().throttle_every = 1;
  constexpr size_t kWindow = 5;
  // The same few submits are throttled again and again here: no resend limit.
  StartBound(kWindow, Millis(10), Millis(40), 1'000'000);
  SubmitMany(30);
  ASSERT_TRUE(RunUntil([&] { return session_->stats().throttle_pauses >= 6; })) << LogText();
  Settle();
  const uint64_t pauses = session_->stats().throttle_pauses;
  // Each submit goes out between two pauses (or before the first, or after the last).
  EXPECT_LE(sim_.submits().size(), (pauses + 1) * kSubmitsPerPauseAtMost(kWindow));
  EXPECT_TRUE(Logged("bind paused for 40 ms")) << LogText();  // the pause doubled to its cap
  EXPECT_TRUE(results_.empty());
  EXPECT_EQ(session_->stats().throttled, sim_.submits().size() - session_->outstanding());

  sim_.config().throttle_every = 0;
  ASSERT_TRUE(RunUntil([&] { return results_.size() == 30; })) << LogText();
  for (const auto& [text, status] : results_) EXPECT_EQ(status, 0u) << text;
  std::set<std::string> once;
  for (const auto& [text, n] : accepted_) {
    EXPECT_EQ(n, 1) << text;
    once.insert(text);
  }
  EXPECT_EQ(once.size(), 30u);
}

TEST_F(SessionThrottleTest, ThrottledTooOftenFinishesWithTheThrottleStatus) {
  sim_.config().throttle_every = 1;
  StartBound(10, Millis(60000), Millis(60000), 3);
  std::optional<SubmitResult> result;
  ASSERT_TRUE(session_->Submit(Mt("mt"), [&](const SubmitResult& r) { result = r; }).ok());
  ASSERT_TRUE(RunUntil([&] { return result.has_value(); })) << LogText();
  EXPECT_EQ(result->status, ToWire(CommandStatus::kRThrottled));
  EXPECT_EQ(result->consequence.status_class, StatusClass::kTemporary);
  EXPECT_TRUE(result->consequence.throttled);
  EXPECT_FALSE(result->outcome_unknown);
  EXPECT_EQ(sim_.submits().size(), 4u);  // the first sending and three resends
  EXPECT_EQ(session_->stats().throttled_finished, 1u);
  EXPECT_EQ(session_->queued_submits(), 0u);
  EXPECT_EQ(session_->outstanding(), 0u);
  // The bind goes on: the next submit is taken once the SMSC takes submits again.
  sim_.config().throttle_every = 0;
  SubmitMany(1);
  ASSERT_TRUE(RunUntil([&] { return results_.size() == 1; }));
  EXPECT_EQ(results_.begin()->second, 0u);
}

TEST_F(SessionThrottleTest, ThrottledForTooLongFinishesWithTheThrottleStatus) {
  sim_.config().throttle_every = 1;
  StartBound(10, Millis(5), Millis(10), 1'000'000, Millis(30));
  std::optional<SubmitResult> result;
  ASSERT_TRUE(session_->Submit(Mt("mt"), [&](const SubmitResult& r) { result = r; }).ok());
  ASSERT_TRUE(RunUntil([&] { return result.has_value(); })) << LogText();
  EXPECT_EQ(result->status, ToWire(CommandStatus::kRThrottled));
  EXPECT_FALSE(result->outcome_unknown);
  EXPECT_GE(sim_.submits().size(), 2u);
  EXPECT_EQ(session_->stats().throttled_finished, 1u);
  EXPECT_EQ(session_->queued_submits(), 0u);
}

}  // namespace
}  // namespace smsgw::smpp
