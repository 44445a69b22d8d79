#include "parser/edit_distance.h"

#include <gtest/gtest.h>

namespace smsgw::parser {
namespace {

struct Case {
  const char* a;
  const char* b;
  std::size_t want;
};

TEST(EditDistance, Table) {
  const Case cases[] = {
      {"", "", 0},          {"pay", "PAY", 0},  {"pay", "pya", 1},        {"send", "snd", 1},
      {"send", "sendd", 1}, {"bal", "ball", 1}, {"kitten", "sitting", 3}, {"lipa", "pay", 3},
  };
  for (const auto& c : cases) EXPECT_EQ(EditDistance(c.a, c.b, 5), c.want) << c.a << "/" << c.b;
}

TEST(EditDistance, StopsPastTheLimit) {
  EXPECT_EQ(EditDistance("withdraw", "x", 2), 3u);
  EXPECT_EQ(EditDistance("abcdef", "uvwxyz", 2), 3u);
}

TEST(ClosestMatch, PicksNearestWithinLimit) {
  std::vector<std::string_view> words = {"PAY", "SEND", "BAL", "WITHDRAW"};
  EXPECT_EQ(ClosestMatch("sned", words), "SEND");
  EXPECT_EQ(ClosestMatch("withdrw", words), "WITHDRAW");
  EXPECT_EQ(ClosestMatch("hello", words), "");
}

}  // namespace
}  // namespace smsgw::parser
