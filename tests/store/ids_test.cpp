#include "store/ids.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace smsgw::store {
namespace {

constexpr int64_t kNow = 1'795'000'000'123;  // 2026-11-18, unix ms
constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

bool IsCrockford(const std::string& s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return kCrockford.find(c) != std::string_view::npos; });
}

TEST(InstructionKeysTest, IdsAndReferencesAreCrockfordOfTheirLengths) {
  auto keys = MintInstructionKeys(kNow);
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_EQ(keys->id.size(), 26u);
  EXPECT_EQ(keys->reference.size(), 10u);
  EXPECT_TRUE(IsCrockford(keys->id)) << keys->id;
  EXPECT_TRUE(IsCrockford(keys->reference)) << keys->reference;
}

// The unique index on references takes a commit's new keys side by side only if references
// minted together share their leading characters.
TEST(InstructionKeysTest, ReferencesOfOneTickShareTheirTimeAndDifferInTheRest) {
  std::set<std::string> prefixes;
  std::set<std::string> references;
  for (int i = 0; i < 200; ++i) {
    auto keys = MintInstructionKeys(kNow);
    ASSERT_TRUE(keys.ok());
    prefixes.insert(keys->reference.substr(0, 4));
    references.insert(keys->reference);
  }
  EXPECT_EQ(prefixes.size(), 1u);
  EXPECT_EQ(references.size(), 200u);  // 30 random bits: a repeat in 200 is about 2e-5
}

TEST(InstructionKeysTest, ReferencesSortByTimeWithinAWrap) {
  std::vector<std::string> in_order;
  for (int64_t ms = 0; ms < 10 * 60'000; ms += 7'919) {  // ten minutes, uneven steps
    auto keys = MintInstructionKeys(kNow + ms);
    ASSERT_TRUE(keys.ok());
    in_order.push_back(keys->reference);
  }
  // The clock may sit just before a wrap (every 2^20 ticks of 8 ms); at most one break.
  int breaks = 0;
  for (size_t i = 1; i < in_order.size(); ++i) {
    if (in_order[i] <= in_order[i - 1]) ++breaks;
  }
  EXPECT_LE(breaks, 1);
  EXPECT_GT(in_order.size(), 70u);
}

TEST(InstructionKeysTest, ReferencesEightMillisecondsApartDifferInTheirTime) {
  auto a = MintInstructionKeys(kNow);
  auto b = MintInstructionKeys(kNow + 8);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->reference.substr(0, 4), b->reference.substr(0, 4));
}

TEST(InstructionKeysTest, IdsSortByCreation) {
  auto a = MintInstructionKeys(kNow);
  auto b = MintInstructionKeys(kNow + 1);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_LT(a->id, b->id);
}

// The engine reads an instruction's age from its id (a prompt answer's audit trail).
TEST(InstructionKeysTest, AnIdGivesBackTheTimeItWasMintedAt) {
  for (int64_t t : {int64_t{0}, kNow, (int64_t{1} << 48) - 1}) {
    auto keys = MintInstructionKeys(t);
    ASSERT_TRUE(keys.ok()) << keys.status().ToString();
    EXPECT_EQ(InstructionIdTime(keys->id), std::optional<int64_t>(t)) << keys->id;
  }
  EXPECT_EQ(InstructionIdTime("01M8MAXXB"), std::nullopt);           // too short
  EXPECT_EQ(InstructionIdTime("01M8MAXXBI00000000"), std::nullopt);  // I is not a digit
  EXPECT_EQ(InstructionIdTime("81M8MAXXBK00000000"), std::nullopt);  // past 48 bits
  EXPECT_EQ(InstructionIdTime("ID000000000000000000000001"), std::nullopt);
}

}  // namespace
}  // namespace smsgw::store
