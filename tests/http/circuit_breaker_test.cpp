#include "gateway/circuit_breaker.h"

#include <gtest/gtest.h>

namespace smsgw::gateway {
namespace {

using std::chrono::milliseconds;
using TimePoint = CircuitBreaker::Clock::time_point;

const TimePoint kT0 = TimePoint() + std::chrono::hours(1);

CircuitBreakerOptions RunOnly(int n) {
  CircuitBreakerOptions o;
  o.consecutive_failures = n;
  o.failure_percent = 0;
  o.open_for = milliseconds(1000);
  return o;
}

TEST(CircuitBreaker, OpensAfterConsecutiveFailures) {
  CircuitBreaker b(RunOnly(3));
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(b.Allow(kT0));
    b.RecordFailure(kT0);
    EXPECT_EQ(b.state(), BreakerState::kClosed);
  }
  ASSERT_TRUE(b.Allow(kT0));
  b.RecordFailure(kT0);
  EXPECT_EQ(b.state(), BreakerState::kOpen);
  EXPECT_EQ(b.times_opened(), 1u);
  EXPECT_FALSE(b.Allow(kT0 + milliseconds(999)));
  EXPECT_EQ(b.calls_refused(), 1u);
}

TEST(CircuitBreaker, ASuccessResetsTheRun) {
  CircuitBreaker b(RunOnly(3));
  b.RecordFailure(kT0);
  b.RecordFailure(kT0);
  b.RecordSuccess(kT0);
  b.RecordFailure(kT0);
  b.RecordFailure(kT0);
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  b.RecordFailure(kT0);
  EXPECT_EQ(b.state(), BreakerState::kOpen);
}

TEST(CircuitBreaker, HalfOpenLetsOneProbeAndClosesOnSuccess) {
  CircuitBreaker b(RunOnly(1));
  b.RecordFailure(kT0);
  ASSERT_EQ(b.state(), BreakerState::kOpen);
  TimePoint later = kT0 + milliseconds(1000);
  EXPECT_EQ(b.StateAt(later), BreakerState::kHalfOpen);
  EXPECT_TRUE(b.Allow(later));   // the probe
  EXPECT_FALSE(b.Allow(later));  // nobody else while it is out
  EXPECT_FALSE(b.Allow(later + milliseconds(10)));
  b.RecordSuccess(later + milliseconds(20));
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  EXPECT_TRUE(b.Allow(later + milliseconds(21)));
  EXPECT_TRUE(b.Allow(later + milliseconds(21)));
}

TEST(CircuitBreaker, FailedProbeReopensForAnotherPeriod) {
  CircuitBreaker b(RunOnly(1));
  b.RecordFailure(kT0);
  TimePoint probe = kT0 + milliseconds(1500);
  ASSERT_TRUE(b.Allow(probe));
  b.RecordFailure(probe);
  EXPECT_EQ(b.state(), BreakerState::kOpen);
  EXPECT_EQ(b.times_opened(), 2u);
  EXPECT_FALSE(b.Allow(probe + milliseconds(999)));
  EXPECT_TRUE(b.Allow(probe + milliseconds(1000)));
}

TEST(CircuitBreaker, AHoldLengthensTheOpeningItCausesUpToMaxHold) {
  CircuitBreakerOptions o = RunOnly(1);
  o.max_hold = milliseconds(5000);
  CircuitBreaker b(o);
  b.RecordFailure(kT0, milliseconds(3000));  // a Retry-After of 3 s on the failure that opens
  EXPECT_EQ(b.open_period(), milliseconds(3000));
  EXPECT_FALSE(b.Allow(kT0 + milliseconds(2999)));
  TimePoint probe = kT0 + milliseconds(3000);
  ASSERT_TRUE(b.Allow(probe));
  b.RecordFailure(probe, milliseconds(60000));  // capped
  EXPECT_EQ(b.open_period(), milliseconds(5000));
  EXPECT_FALSE(b.Allow(probe + milliseconds(4999)));
  TimePoint next = probe + milliseconds(5000);
  ASSERT_TRUE(b.Allow(next));
  b.RecordFailure(next, milliseconds(10));  // shorter than open_for: open_for
  EXPECT_EQ(b.open_period(), milliseconds(1000));
  EXPECT_TRUE(b.Allow(next + milliseconds(1000)));
}

TEST(CircuitBreaker, AHoldOnAFailureThatDoesNotOpenChangesNothing) {
  CircuitBreaker b(RunOnly(2));
  b.RecordFailure(kT0, milliseconds(60000));
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  b.RecordFailure(kT0);
  EXPECT_EQ(b.state(), BreakerState::kOpen);
  EXPECT_EQ(b.open_period(), milliseconds(1000));
}

TEST(CircuitBreaker, LostProbeIsReplacedAfterOpenFor) {
  CircuitBreaker b(RunOnly(1));
  b.RecordFailure(kT0);
  TimePoint probe = kT0 + milliseconds(1000);
  ASSERT_TRUE(b.Allow(probe));
  EXPECT_FALSE(b.Allow(probe + milliseconds(999)));
  EXPECT_TRUE(b.Allow(probe + milliseconds(1000)));
  EXPECT_EQ(b.state(), BreakerState::kHalfOpen);
}

TEST(CircuitBreaker, LateOutcomesWhileOpenChangeNothing) {
  CircuitBreaker b(RunOnly(1));
  b.RecordFailure(kT0);
  b.RecordSuccess(kT0 + milliseconds(1));
  b.RecordFailure(kT0 + milliseconds(2));
  EXPECT_EQ(b.state(), BreakerState::kOpen);
  EXPECT_EQ(b.times_opened(), 1u);
  EXPECT_FALSE(b.Allow(kT0 + milliseconds(999)));
  EXPECT_TRUE(b.Allow(kT0 + milliseconds(1000)));  // the period counts from the first opening
}

TEST(CircuitBreaker, FailureShareOverTheWindowOpens) {
  CircuitBreakerOptions o;
  o.consecutive_failures = 0;
  o.window = 10;
  o.failure_percent = 50;
  CircuitBreaker b(o);
  // Alternating: never two failures in a row, but half of them fail.
  for (int i = 0; i < 9; ++i) {
    (i % 2 == 0) ? b.RecordFailure(kT0) : b.RecordSuccess(kT0);
    EXPECT_EQ(b.state(), BreakerState::kClosed) << i;  // the window is not full yet
  }
  b.RecordSuccess(kT0);  // 10 outcomes, 5 failures: 50 %, but a success does not open
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  b.RecordFailure(kT0);  // window: 5 failures of 10 still (the oldest, a failure, left)
  EXPECT_EQ(b.state(), BreakerState::kOpen);
}

TEST(CircuitBreaker, FailureShareBelowThresholdStaysClosed) {
  CircuitBreakerOptions o;
  o.consecutive_failures = 0;
  o.window = 10;
  o.failure_percent = 50;
  CircuitBreaker b(o);
  for (int i = 0; i < 100; ++i) {
    (i % 3 == 0) ? b.RecordFailure(kT0) : b.RecordSuccess(kT0);  // a third fail
  }
  EXPECT_EQ(b.state(), BreakerState::kClosed);
}

TEST(CircuitBreaker, StateNames) {
  EXPECT_EQ(BreakerStateName(BreakerState::kClosed), "closed");
  EXPECT_EQ(BreakerStateName(BreakerState::kOpen), "open");
  EXPECT_EQ(BreakerStateName(BreakerState::kHalfOpen), "half_open");
}

// PermitAt tells a caller whether to send at all, and how long to hold back, without taking
// the probe: it agrees with what Allow() then does.
TEST(CircuitBreaker, PermitSaysWhenTheNextCallMayGo) {
  CircuitBreaker b(RunOnly(1));
  EXPECT_EQ(b.PermitAt(kT0).kind, BreakerPermit::Kind::kAny);
  b.RecordFailure(kT0);
  BreakerPermit open = b.PermitAt(kT0 + milliseconds(400));
  EXPECT_EQ(open.kind, BreakerPermit::Kind::kNone);
  EXPECT_EQ(open.wait, milliseconds(600));
  EXPECT_EQ(b.calls_refused(), 0u) << "asking is not a refused call";

  const TimePoint later = kT0 + milliseconds(1000);
  EXPECT_EQ(b.PermitAt(later).kind, BreakerPermit::Kind::kProbe);
  EXPECT_EQ(b.PermitAt(later).kind, BreakerPermit::Kind::kProbe) << "asking takes no probe";
  ASSERT_TRUE(b.Allow(later));
  BreakerPermit out = b.PermitAt(later + milliseconds(250));
  EXPECT_EQ(out.kind, BreakerPermit::Kind::kNone) << "the probe is out";
  EXPECT_EQ(out.wait, milliseconds(750)) << "until a lost probe would be replaced";
  EXPECT_FALSE(b.Allow(later + milliseconds(250)));

  b.RecordFailure(later + milliseconds(300));  // the probe failed: open again
  EXPECT_EQ(b.PermitAt(later + milliseconds(300)).wait, milliseconds(1000));
  ASSERT_TRUE(b.Allow(later + milliseconds(1300)));
  b.RecordSuccess(later + milliseconds(1300));
  EXPECT_EQ(b.PermitAt(later + milliseconds(1300)).kind, BreakerPermit::Kind::kAny);
}

}  // namespace
}  // namespace smsgw::gateway
