#include "store/recent_keys.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <random>
#include <set>

namespace smsgw::store {
namespace {

// A 32-byte key whose first 8 bytes are `prefix` (what the index keeps 40 bits of) and whose
// tail makes it unique.
std::string Key(uint64_t prefix, int64_t tail) {
  std::string k(32, '\0');
  std::memcpy(k.data(), &prefix, 8);
  std::memcpy(k.data() + 8, &tail, 8);
  return k;
}

// Small numbers spread over all 64 bits, as an HMAC's output is.
uint64_t Spread(uint64_t n) {
  return n * 0x9E3779B97F4A7C15ULL;
}

TEST(RecentKeys, FindsWhatWasAddedNewestFirst) {
  RecentKeys keys(1000);
  EXPECT_TRUE(keys.Candidates(Key(Spread(1), 0)).empty());
  keys.Add(Key(Spread(1), 1), 10, 0);
  keys.Add(Key(Spread(2), 2), 11, 1);
  keys.Add(Key(Spread(1), 3), 12, 2);  // same prefix as id 10
  EXPECT_EQ(keys.Candidates(Key(Spread(1), 9)), (std::vector<int64_t>{12, 10}));
  EXPECT_EQ(keys.Candidates(Key(Spread(2), 9)), (std::vector<int64_t>{11}));
  EXPECT_TRUE(keys.Candidates(Key(Spread(3), 9)).empty());
  EXPECT_EQ(keys.size(), 3u);
}

TEST(RecentKeys, ForgetsAQuarterOfTheWindowAtATimeOnceItsNewestIsOld) {
  RecentKeys keys(100);  // generations of 25 ms
  for (int i = 1; i <= 10; ++i) keys.Add(Key(Spread(i), i), i, i * 10);
  // Generations: ids 1-3 (10..30), 4-6 (40..60), 7-9 (70..90), 10 (100).
  EXPECT_EQ(keys.Prune(130), 0u);  // cutoff 30: the newest of 1-3 is not older
  EXPECT_EQ(keys.Prune(150), 3u);  // cutoff 50
  EXPECT_EQ(keys.size(), 7u);
  EXPECT_TRUE(keys.Candidates(Key(Spread(3), 0)).empty());
  // Id 4 (at 40) is older than the window but shares a generation with id 6 (at 60).
  EXPECT_EQ(keys.Candidates(Key(Spread(4), 0)), (std::vector<int64_t>{4}));
  EXPECT_EQ(keys.Prune(161), 3u);
  EXPECT_TRUE(keys.Candidates(Key(Spread(4), 0)).empty());
  EXPECT_EQ(keys.Candidates(Key(Spread(7), 0)), (std::vector<int64_t>{7}));
}

TEST(RecentKeys, IdsTooFarApartForOneGenerationGoIntoTwo) {
  RecentKeys keys(1000);
  const int64_t far = int64_t{1} << 30;
  keys.Add(Key(Spread(1), 1), 5, 0);
  keys.Add(Key(Spread(1), 2), 5 + far, 0);
  keys.Add(Key(Spread(1), 3), 3, 0);  // out of order: a generation of its own
  EXPECT_EQ(keys.Candidates(Key(Spread(1), 0)), (std::vector<int64_t>{5 + far, 5, 3}));
}

TEST(RecentKeys, AClockSteppedBackKeepsItsEntriesUntilTheirGenerationGoes) {
  RecentKeys keys(100);
  keys.Add(Key(Spread(1), 1), 1, 1000);
  keys.Add(Key(Spread(2), 2), 2, 500);  // the clock went back
  EXPECT_EQ(keys.Candidates(Key(Spread(2), 0)), (std::vector<int64_t>{2}));
  EXPECT_EQ(keys.Prune(1050), 0u);
  EXPECT_EQ(keys.Prune(1101), 2u);
}

// Random adds over a small prefix space (long probe runs, many tables grown), checked against
// a plain model after every step: everything inside the window is found, nothing older than
// a window and a generation is, and nothing that was not added.
TEST(RecentKeys, MatchesAModelUnderHeavyCollisions) {
  std::mt19937_64 rng(42);
  constexpr int64_t kWindow = 200;
  constexpr int64_t kSpan = kWindow / RecentKeys::kGenerationsPerWindow;
  for (uint64_t prefixes : {3u, 40u, 1000u}) {
    RecentKeys keys(kWindow);
    std::deque<std::pair<int64_t, std::pair<uint64_t, int64_t>>> model;  // at, (prefix, id)
    int64_t now = 0;
    for (int64_t id = 1; id <= 5000; ++id) {
      now += static_cast<int64_t>(rng() % 3);
      const uint64_t prefix = Spread(rng() % prefixes);
      keys.Add(Key(prefix, id), id, now);
      model.push_back({now, {prefix, id}});
      keys.Prune(now);
      while (!model.empty() && model.front().first < now - kWindow - kSpan) model.pop_front();
      std::size_t in_window = 0;
      for (const auto& [at, entry] : model) in_window += at >= now - kWindow;
      ASSERT_GE(keys.size(), in_window);
      ASSERT_LE(keys.size(), model.size());
      if (id % 7 != 0) continue;
      const uint64_t probe = Spread(rng() % prefixes);
      const std::vector<int64_t> got = keys.Candidates(Key(probe, 0));
      ASSERT_TRUE(std::is_sorted(got.rbegin(), got.rend()));
      const std::set<int64_t> found(got.begin(), got.end());
      std::set<int64_t> allowed;
      for (const auto& [at, entry] : model) {
        if (entry.first != probe) continue;
        allowed.insert(entry.second);
        if (at >= now - kWindow) {
          ASSERT_TRUE(found.count(entry.second)) << "prefixes " << prefixes << " id " << id;
        }
      }
      for (int64_t f : found) ASSERT_TRUE(allowed.count(f)) << "prefixes " << prefixes;
    }
  }
}

// At a steady rate the index stops growing once a window has passed, and holds each entry in
// at most 32 bytes: the point of generations over a per-entry queue.
TEST(RecentKeys, MemoryIsFlatAndSmallAtASteadyRate) {
  constexpr int64_t kWindow = 10'000;
  RecentKeys keys(kWindow);
  std::mt19937_64 rng(7);
  std::size_t peak[4] = {};
  int64_t id = 0;
  for (int64_t now = 0; now < 4 * kWindow; ++now) {
    for (int i = 0; i < 70; ++i) {
      ++id;
      keys.Add(Key(rng(), id), id, now);
    }
    keys.Prune(now);
    const auto w = static_cast<std::size_t>(now / kWindow);
    peak[w] = std::max(peak[w], keys.bytes());
    if (now >= kWindow) {
      ASSERT_LE(keys.bytes(), 32 * keys.size()) << "at " << now;
    }
  }
  EXPECT_EQ(peak[2], peak[1]);
  EXPECT_EQ(peak[3], peak[1]);
}

}  // namespace
}  // namespace smsgw::store
