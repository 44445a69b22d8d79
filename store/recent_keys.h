// An in-memory index of recent inbound dedup keys (keyed hashes) to the rows that carry them,
// so Accept never touches a random-keyed B-tree.
//
// Internal to store/. Holds the first 8 bytes of each 32-byte key: a hit is only a candidate
// that the caller confirms against the full key stored in the row. Entries are kept in
// insertion order and dropped a few at a time once older than the window, so memory stays
// proportional to the traffic of one window (about 60 bytes per entry: an open-addressing
// table at most half full, and the insertion-order queue).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string_view>
#include <vector>

namespace smsgw::store {

class RecentKeys {
 public:
  explicit RecentKeys(int64_t window_ms) : window_ms_(window_ms) {}

  // Row ids whose key may equal `key` (32 bytes), newest first.
  std::vector<int64_t> Candidates(std::string_view key) const;

  // Records that row `id` (> 0), written at `at_ms`, carries `key`. Calls should come in time
  // order.
  void Add(std::string_view key, int64_t id, int64_t at_ms);

  // Forgets up to `max_entries` entries older than now_ms - window. Returns how many.
  std::size_t Prune(int64_t now_ms, std::size_t max_entries);

  std::size_t size() const { return order_.size(); }
  int64_t window_ms() const { return window_ms_; }

 private:
  struct Slot {
    uint64_t prefix = 0;
    int64_t id = 0;  // 0: empty
  };
  struct Entry {
    int64_t at_ms;
    int64_t id;
    uint64_t prefix;
  };
  static uint64_t Prefix(std::string_view key);
  void Insert(Slot slot);
  void Erase(uint64_t prefix, int64_t id);
  void Grow();

  int64_t window_ms_;
  // Linear probing, indexed by the prefix itself (HMAC output is uniform), deletion by
  // backward shift so lookups never wade through tombstones.
  std::vector<Slot> slots_;
  std::size_t used_ = 0;
  std::deque<Entry> order_;
};

}  // namespace smsgw::store
