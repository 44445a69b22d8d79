#include "gateway/smpp/throttled_resend.h"

#include <gtest/gtest.h>

namespace smsgw::smpp {
namespace {

using std::chrono::milliseconds;

TEST(ThrottledResendTest, TheFirstThreeResendsWaitTheBaseDelay) {
  for (uint32_t throttles = 1; throttles <= kFlatThrottledResends; ++throttles) {
    EXPECT_EQ(ThrottledResendDelay(milliseconds(100), milliseconds(30'000), throttles),
              milliseconds(100))
        << throttles;
  }
}

TEST(ThrottledResendTest, ASubmitKeptThrottledBacksOffDoublingUpToTheCap) {
  const milliseconds base(100), cap(30'000);
  EXPECT_EQ(ThrottledResendDelay(base, cap, 4), milliseconds(200));
  EXPECT_EQ(ThrottledResendDelay(base, cap, 5), milliseconds(400));
  EXPECT_EQ(ThrottledResendDelay(base, cap, 6), milliseconds(800));
  EXPECT_EQ(ThrottledResendDelay(base, cap, 11), milliseconds(25'600));
  EXPECT_EQ(ThrottledResendDelay(base, cap, 12), cap);
  EXPECT_EQ(ThrottledResendDelay(base, cap, 1'000'000), cap);
}

TEST(ThrottledResendTest, NeverAboveTheCapNorBelowZero) {
  EXPECT_EQ(ThrottledResendDelay(milliseconds(500), milliseconds(200), 1), milliseconds(200));
  EXPECT_EQ(ThrottledResendDelay(milliseconds(-5), milliseconds(200), 9), milliseconds(0));
  const milliseconds never = milliseconds::max();
  EXPECT_EQ(ThrottledResendDelay(milliseconds(100), never, 200).count() > 0, true)
      << "no overflow with a cap meaning never";
}

TEST(ThrottledResendTest, ResentUpToTheCountThenFinished) {
  const milliseconds wait(120'000);
  for (uint32_t throttles = 1; throttles <= 10; ++throttles) {
    EXPECT_FALSE(ThrottledSubmitExhausted(throttles, milliseconds(0), 10, wait)) << throttles;
  }
  EXPECT_TRUE(ThrottledSubmitExhausted(11, milliseconds(0), 10, wait));
  EXPECT_TRUE(ThrottledSubmitExhausted(1, milliseconds(0), 0, wait));  // never resent
}

TEST(ThrottledResendTest, FinishedOnceThrottledForTheLongestWait) {
  const milliseconds wait(120'000);
  EXPECT_FALSE(ThrottledSubmitExhausted(2, milliseconds(119'999), 10, wait));
  EXPECT_TRUE(ThrottledSubmitExhausted(2, milliseconds(120'000), 10, wait));
  EXPECT_FALSE(ThrottledSubmitExhausted(2, milliseconds(1'000'000), 10, milliseconds::max()));
}

}  // namespace
}  // namespace smsgw::smpp
