#include "store/recent_keys.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <map>
#include <random>

namespace smsgw::store {
namespace {

// A 32-byte key whose 8-byte prefix is `prefix` (what the index hashes on) and whose tail
// makes it unique.
std::string Key(uint64_t prefix, int64_t tail) {
  std::string k(32, '\0');
  std::memcpy(k.data(), &prefix, 8);
  std::memcpy(k.data() + 8, &tail, 8);
  return k;
}

TEST(RecentKeys, FindsWhatWasAddedNewestFirst) {
  RecentKeys keys(1000);
  EXPECT_TRUE(keys.Candidates(Key(1, 0)).empty());
  keys.Add(Key(1, 1), 10, 0);
  keys.Add(Key(2, 2), 11, 1);
  keys.Add(Key(1, 3), 12, 2);  // same prefix as id 10
  EXPECT_EQ(keys.Candidates(Key(1, 9)), (std::vector<int64_t>{12, 10}));
  EXPECT_EQ(keys.Candidates(Key(2, 9)), (std::vector<int64_t>{11}));
  EXPECT_TRUE(keys.Candidates(Key(3, 9)).empty());
}

TEST(RecentKeys, PrunesOnlyWhatLeftTheWindowAndOnlyAFewAtATime) {
  RecentKeys keys(100);
  for (int i = 1; i <= 10; ++i) keys.Add(Key(i, i), i, i * 10);
  EXPECT_EQ(keys.Prune(150, 3), 3u);  // cutoff 50: ids 1..4 are old, only 3 go
  EXPECT_EQ(keys.size(), 7u);
  EXPECT_EQ(keys.Prune(150, 100), 1u);
  EXPECT_TRUE(keys.Candidates(Key(4, 0)).empty());
  EXPECT_EQ(keys.Candidates(Key(5, 0)), (std::vector<int64_t>{5}));
}

// Random adds and prunes over a tiny prefix space (long probe runs, many deletions by backward
// shift), checked against a plain model after every step.
TEST(RecentKeys, MatchesAModelUnderHeavyCollisions) {
  std::mt19937_64 rng(42);
  for (uint64_t prefixes : {3u, 40u, 1000u}) {
    RecentKeys keys(50);
    std::deque<std::pair<int64_t, std::pair<uint64_t, int64_t>>> model;  // at, (prefix, id)
    int64_t now = 0;
    for (int64_t id = 1; id <= 3000; ++id) {
      now += static_cast<int64_t>(rng() % 3);
      // Spread prefixes over the whole table: multiply by an odd constant.
      const uint64_t prefix = (rng() % prefixes) * 0x9E3779B97F4A7C15ULL;
      keys.Add(Key(prefix, id), id, now);
      model.push_back({now, {prefix, id}});
      const std::size_t budget = rng() % 4;
      std::size_t dropped = 0;
      while (dropped < budget && !model.empty() && model.front().first < now - 50) {
        model.pop_front();
        ++dropped;
      }
      ASSERT_EQ(keys.Prune(now, budget), dropped);
      ASSERT_EQ(keys.size(), model.size());
      if (id % 7 == 0) {
        const uint64_t probe = (rng() % prefixes) * 0x9E3779B97F4A7C15ULL;
        std::vector<int64_t> want;
        for (const auto& [at, entry] : model) {
          if (entry.first == probe) want.push_back(entry.second);
        }
        std::sort(want.rbegin(), want.rend());
        ASSERT_EQ(keys.Candidates(Key(probe, 0)), want) << "prefixes " << prefixes << " id " << id;
      }
    }
  }
}

}  // namespace
}  // namespace smsgw::store
