// An in-memory index of recent inbound dedup keys (keyed hashes) to the rows that carry them,
// so Accept never touches a random-keyed B-tree.
//
// Internal to store/. Holds 40 bits of each 32-byte key: a hit is only a candidate that the
// caller confirms against the full key stored in the row, and against the row's receive time.
//
// Entries go into generations, each covering a quarter of the window, and a generation is
// forgotten whole once its newest entry is older than the window; so an entry is kept for
// between one and one and a quarter windows. There is no per-entry queue and no per-entry
// deletion: a generation is an open-addressing table at most half full, of 8-byte slots
// (16 to 32 bytes per entry), and holds at most 2^24 - 1 ids, past which a new one starts. Memory
// is proportional to the traffic of one window, and once a window has passed at a steady rate it
// stays where it is: a new generation grows to the size the one it replaces had.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string_view>
#include <vector>

namespace smsgw::store {

class RecentKeys {
 public:
  explicit RecentKeys(int64_t window_ms);

  // Row ids whose key may equal `key` (32 bytes), newest first.
  std::vector<int64_t> Candidates(std::string_view key) const;

  // Records that row `id` (> 0), written at `at_ms`, carries `key`. Calls should come in time
  // order and in id order; one that does not still goes in, perhaps into a generation of its
  // own.
  void Add(std::string_view key, int64_t id, int64_t at_ms);

  // Forgets the generations whose newest entry is older than now_ms - window. Returns how many
  // entries went with them.
  std::size_t Prune(int64_t now_ms);

  std::size_t size() const { return size_; }
  int64_t window_ms() const { return window_ms_; }
  // Bytes held by the generations' tables.
  std::size_t bytes() const;

  static constexpr int kGenerationsPerWindow = 4;

 private:
  // The high 40 bits of the key's first 8 bytes (the tag, whose low bits are also the home
  // place), over 24 bits of id - first_id + 1. 0: empty.
  using Slot = uint64_t;
  static constexpr int kOffsetBits = 24;
  static constexpr uint64_t kOffsetMask = (uint64_t{1} << kOffsetBits) - 1;
  struct Generation {
    int64_t started_at = 0;  // at_ms of its first entry
    int64_t newest_at = 0;
    int64_t first_id = 0;
    std::size_t used = 0;
    std::vector<Slot> slots;
  };
  static uint64_t Prefix(std::string_view key);
  bool Fits(const Generation& g, int64_t id, int64_t at_ms) const;
  static void Insert(Generation& g, Slot slot);
  static void Grow(Generation& g);

  int64_t window_ms_;
  int64_t span_ms_;
  std::size_t size_ = 0;
  std::deque<Generation> generations_;  // oldest first
};

}  // namespace smsgw::store
