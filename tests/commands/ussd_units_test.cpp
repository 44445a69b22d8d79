// The network's unit numbers of a USSD dialogue: how a resent answer is told from a new one,
// and that the numbers outlive the store (UssdState::Encode / Decode).
#include <gtest/gtest.h>

#include "commands/ussd.h"

namespace smsgw::commands {
namespace {

UssdState Taken(std::initializer_list<int> units) {
  UssdState s;
  for (int u : units) TakeUnit(s, u);
  return s;
}

TEST(UssdUnitsTest, AnAnswerNumberedAsOneTakenIsACopy) {
  const UssdState s = Taken({0, 1});
  EXPECT_TRUE(IsResentAnswer(s, 1));
  EXPECT_TRUE(IsResentAnswer(s, 0)) << "a late copy of an earlier unit too";
  EXPECT_FALSE(IsResentAnswer(s, 2));
}

TEST(UssdUnitsTest, WithoutNumbersNothingIsACopy) {
  EXPECT_FALSE(IsResentAnswer(Taken({0, 1}), std::nullopt)) << "an answer with no number";
  EXPECT_FALSE(IsResentAnswer(UssdState(), 0)) << "a dialogue that has none";
  EXPECT_FALSE(IsResentAnswer(Taken({0}), 0)) << "the dial's number alone tells nothing yet";
  EXPECT_FALSE(IsResentAnswer(Taken({0, 0, 0}), 0)) << "a network that numbers every unit 0";
  UssdState s;
  TakeUnit(s, std::nullopt);
  EXPECT_TRUE(s.units.empty());
}

TEST(UssdUnitsTest, OnlyTheLatestAreKeptSoTheSevenBitNumberMayComeRound) {
  UssdState s;
  for (int u = 0; u < 128; ++u) TakeUnit(s, u);
  ASSERT_EQ(s.units.size(), kUssdUnitsKept);
  EXPECT_EQ(s.units.back(), 127);
  EXPECT_FALSE(IsResentAnswer(s, 0)) << "the count came round: a new unit";
  EXPECT_TRUE(IsResentAnswer(s, 127));
}

TEST(UssdUnitsTest, TheNumbersAreKeptWithTheState) {
  UssdState s = Taken({4, 5, 6});
  s.msisdn = "254700000001";
  auto back = UssdState::Decode(s.Encode());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->units, (std::vector<int>{4, 5, 6}));
}

TEST(UssdUnitsTest, AStateWrittenBeforeNumbersWereKeptStillReads) {
  std::string encoded = UssdState().Encode();
  const std::string field = ",\"units\":[]";
  const auto at = encoded.find(field);
  ASSERT_NE(at, std::string::npos) << encoded;
  encoded.erase(at, field.size());
  auto back = UssdState::Decode(encoded);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(back->units.empty());
}

}  // namespace
}  // namespace smsgw::commands
