#include "store/recent_keys.h"

#include <algorithm>
#include <cstring>

namespace smsgw::store {

RecentKeys::RecentKeys(int64_t window_ms)
    : window_ms_(window_ms), span_ms_(std::max<int64_t>(1, window_ms / kGenerationsPerWindow)) {}

uint64_t RecentKeys::Prefix(std::string_view key) {
  uint64_t p = 0;
  std::memcpy(&p, key.data(), std::min(key.size(), sizeof p));
  return p;
}

std::vector<int64_t> RecentKeys::Candidates(std::string_view key) const {
  std::vector<int64_t> out;
  const uint64_t tag = Prefix(key) >> kOffsetBits;
  for (const Generation& g : generations_) {
    const std::size_t mask = g.slots.size() - 1;
    for (std::size_t i = tag & mask; g.slots[i] != 0; i = (i + 1) & mask) {
      if ((g.slots[i] >> kOffsetBits) == tag) {
        out.push_back(g.first_id + static_cast<int64_t>(g.slots[i] & kOffsetMask) - 1);
      }
    }
  }
  std::sort(out.rbegin(), out.rend());
  return out;
}

// Whether row `id`, written at `at_ms`, belongs in generation `g`: inside its quarter of the
// window, and at an offset from its first id that a slot can hold.
bool RecentKeys::Fits(const Generation& g, int64_t id, int64_t at_ms) const {
  return at_ms < g.started_at + span_ms_ && id >= g.first_id &&
         static_cast<uint64_t>(id - g.first_id) < kOffsetMask;
}

void RecentKeys::Add(std::string_view key, int64_t id, int64_t at_ms) {
  if (generations_.empty() || !Fits(generations_.back(), id, at_ms)) {
    Generation g;
    g.started_at = at_ms;
    g.newest_at = at_ms;
    g.first_id = id;
    g.slots.assign(64, Slot{});
    generations_.push_back(std::move(g));
  }
  Generation& g = generations_.back();
  // A clock stepped back leaves the entry in the current generation, kept as long as it is.
  g.newest_at = std::max(g.newest_at, at_ms);
  if (2 * (g.used + 1) > g.slots.size()) Grow(g);
  const uint64_t offset = static_cast<uint64_t>(id - g.first_id) + 1;
  Insert(g, (Prefix(key) >> kOffsetBits) << kOffsetBits | offset);
  ++size_;
}

void RecentKeys::Insert(Generation& g, Slot slot) {
  const std::size_t mask = g.slots.size() - 1;
  std::size_t i = (slot >> kOffsetBits) & mask;
  while (g.slots[i] != 0) i = (i + 1) & mask;
  g.slots[i] = slot;
  ++g.used;
}

void RecentKeys::Grow(Generation& g) {
  std::vector<Slot> old = std::move(g.slots);
  g.slots.assign(old.size() * 2, Slot{});
  g.used = 0;
  for (Slot s : old) {
    if (s != 0) Insert(g, s);
  }
}

std::size_t RecentKeys::Prune(int64_t now_ms) {
  std::size_t dropped = 0;
  const int64_t cutoff = now_ms - window_ms_;
  while (!generations_.empty() && generations_.front().newest_at < cutoff) {
    dropped += generations_.front().used;
    generations_.pop_front();
  }
  size_ -= dropped;
  return dropped;
}

std::size_t RecentKeys::bytes() const {
  std::size_t n = 0;
  for (const Generation& g : generations_) n += g.slots.capacity() * sizeof(Slot);
  return n;
}

}  // namespace smsgw::store
