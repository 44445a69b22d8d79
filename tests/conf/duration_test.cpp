#include "conf/duration.h"

#include <gtest/gtest.h>

namespace smsgw::conf {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(Duration, ParsesUnitsAndCombinations) {
  EXPECT_EQ(ParseDuration("250ms"), milliseconds(250));
  EXPECT_EQ(ParseDuration("10s"), seconds(10));
  EXPECT_EQ(ParseDuration("5m"), minutes(5));
  EXPECT_EQ(ParseDuration("24h"), hours(24));
  EXPECT_EQ(ParseDuration("7d"), hours(168));
  EXPECT_EQ(ParseDuration("1h30m"), minutes(90));
  EXPECT_EQ(ParseDuration("1m500ms"), milliseconds(60500));
  EXPECT_EQ(ParseDuration("0s"), milliseconds(0));
}

TEST(Duration, RefusesWhatIsAmbiguousOrMalformed) {
  for (const char* bad : {"", "10", "s", "-5s", "5 s", "5S", "1.5s", "5sec", "m5", "10s ",
                          "99999999999999999999h", "5m5"}) {
    EXPECT_FALSE(ParseDuration(bad).has_value()) << bad;
  }
}

TEST(Duration, FormatsExactlyInHoursAndBelow) {
  EXPECT_EQ(FormatDuration(milliseconds(0)), "0s");
  EXPECT_EQ(FormatDuration(milliseconds(250)), "250ms");
  EXPECT_EQ(FormatDuration(seconds(90)), "1m30s");
  EXPECT_EQ(FormatDuration(hours(24)), "24h");
  EXPECT_EQ(FormatDuration(milliseconds(3'723'004)), "1h2m3s4ms");
  for (const char* text : {"250ms", "1h30m", "720h", "10s"}) {
    EXPECT_EQ(FormatDuration(*ParseDuration(text)), text);
  }
}

}  // namespace
}  // namespace smsgw::conf
