#include "gateway/retry_policy.h"

#include <gtest/gtest.h>

#include <random>

namespace smsgw::gateway {
namespace {

using std::chrono::milliseconds;

RetryPolicyOptions Options() {
  RetryPolicyOptions o;
  o.min_delay = milliseconds(100);
  o.base_delay = milliseconds(500);
  o.max_delay = milliseconds(10000);
  o.max_attempts = 6;
  return o;
}

TEST(RetryPolicy, CapDoublesFromBaseUpToMax) {
  RetryPolicy p(Options());
  EXPECT_EQ(p.CapAfter(1), milliseconds(500));
  EXPECT_EQ(p.CapAfter(2), milliseconds(1000));
  EXPECT_EQ(p.CapAfter(3), milliseconds(2000));
  EXPECT_EQ(p.CapAfter(5), milliseconds(8000));
  EXPECT_EQ(p.CapAfter(6), milliseconds(10000));
  EXPECT_EQ(p.CapAfter(1000), milliseconds(10000));  // no overflow
}

TEST(RetryPolicy, ExtremesOfTheRandomDrawHitTheBounds) {
  RetryPolicy p(Options());
  // random % (hi - lo + 1): 0 gives the floor, hi - lo gives the cap.
  EXPECT_EQ(p.NextDelay(1, 0), milliseconds(100));
  EXPECT_EQ(p.NextDelay(1, 400), milliseconds(500));
  EXPECT_EQ(p.NextDelay(1, 401), milliseconds(100));
  EXPECT_EQ(p.NextDelay(3, 1900), milliseconds(2000));
  EXPECT_EQ(p.NextDelay(3, 7), milliseconds(107));
}

TEST(RetryPolicy, StopsAtMaxAttempts) {
  RetryPolicy p(Options());
  EXPECT_TRUE(p.NextDelay(5, 1).has_value());
  EXPECT_FALSE(p.NextDelay(6, 1).has_value());
  EXPECT_FALSE(p.NextDelay(7, 1).has_value());
  EXPECT_FALSE(p.NextDelay(0, 1).has_value());
}

TEST(RetryPolicy, EveryDelayIsWithinBoundsForManyDraws) {
  RetryPolicy p(Options());
  std::mt19937_64 rng(7);
  for (int attempt = 1; attempt < 6; ++attempt) {
    milliseconds lo = milliseconds::max(), hi = milliseconds::min();
    for (int i = 0; i < 2000; ++i) {
      auto d = p.NextDelay(attempt, rng());
      ASSERT_TRUE(d.has_value());
      ASSERT_GE(*d, milliseconds(100));
      ASSERT_LE(*d, p.CapAfter(attempt));
      lo = std::min(lo, *d);
      hi = std::max(hi, *d);
    }
    // Full jitter: the draws spread over the whole range, not around one value.
    EXPECT_LT(lo, milliseconds(100) + (p.CapAfter(attempt) - milliseconds(100)) / 10);
    EXPECT_GT(hi, p.CapAfter(attempt) - (p.CapAfter(attempt) - milliseconds(100)) / 10);
  }
}

TEST(RetryPolicy, SameRandomSameDelay) {
  RetryPolicy p(Options());
  EXPECT_EQ(p.NextDelay(4, 123456789), p.NextDelay(4, 123456789));
}

TEST(RetryPolicy, RetryAfterIsALowerBoundCappedAtMax) {
  RetryPolicy p(Options());
  EXPECT_EQ(p.NextDelay(1, 0, milliseconds(3000)), milliseconds(3000));
  EXPECT_EQ(p.NextDelay(1, 400, milliseconds(200)), milliseconds(500));  // jitter was larger
  EXPECT_EQ(p.NextDelay(1, 0, milliseconds(86400000)), milliseconds(10000));
}

TEST(RetryPolicy, DegenerateOptionsStaySane) {
  RetryPolicyOptions o;
  o.min_delay = milliseconds(5000);
  o.base_delay = milliseconds(10);
  o.max_delay = milliseconds(1000);  // below min: raised to min
  o.max_attempts = 3;
  RetryPolicy p(o);
  EXPECT_EQ(p.NextDelay(1, 999), milliseconds(5000));
  EXPECT_EQ(p.NextDelay(2, 0), milliseconds(5000));
}

}  // namespace
}  // namespace smsgw::gateway
