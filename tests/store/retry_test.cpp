#include "store/retry.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace smsgw::store {
namespace {

TEST(RetrySchedule, CeilingDoublesUpToTheCap) {
  RetryPolicy p{1'000, 60'000, 12};
  const int64_t expected[] = {1'000, 2'000, 4'000, 8'000, 16'000, 32'000, 60'000, 60'000};
  for (int n = 1; n <= 8; ++n) EXPECT_EQ(RetryCeilingMs(p, n), expected[n - 1]) << n;
  EXPECT_EQ(RetryCeilingMs(p, 1000), 60'000);  // no overflow for large counts
}

TEST(RetrySchedule, DelayIsUniformBetweenBaseAndCeiling) {
  RetryPolicy p{1'000, 60'000, 12};
  EXPECT_EQ(RetryDelayMs(p, 1, 0), 1'000);
  EXPECT_EQ(RetryDelayMs(p, 1, UINT32_MAX), 1'000);
  EXPECT_EQ(RetryDelayMs(p, 4, 0), 1'000);
  EXPECT_EQ(RetryDelayMs(p, 4, UINT32_MAX), 7'999);  // just below the ceiling of 8 s
  EXPECT_EQ(RetryDelayMs(p, 4, 1u << 31), 4'500);    // the middle
  EXPECT_EQ(RetryDelayMs(p, 30, UINT32_MAX), 59'999);
}

TEST(RetrySchedule, DeadAfterMaxAttempts) {
  RetryPolicy p{1'000, 60'000, 3};
  EXPECT_FALSE(RetriesExhausted(p, 1));
  EXPECT_FALSE(RetriesExhausted(p, 2));
  EXPECT_TRUE(RetriesExhausted(p, 3));
}

}  // namespace
}  // namespace smsgw::store
