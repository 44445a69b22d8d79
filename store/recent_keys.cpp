#include "store/recent_keys.h"

#include <algorithm>
#include <cstring>

namespace smsgw::store {

uint64_t RecentKeys::Prefix(std::string_view key) {
  uint64_t p = 0;
  std::memcpy(&p, key.data(), std::min(key.size(), sizeof p));
  return p;
}

std::vector<int64_t> RecentKeys::Candidates(std::string_view key) const {
  std::vector<int64_t> out;
  if (slots_.empty()) return out;
  const uint64_t prefix = Prefix(key);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = prefix & mask; slots_[i].id != 0; i = (i + 1) & mask) {
    if (slots_[i].prefix == prefix) out.push_back(slots_[i].id);
  }
  std::sort(out.rbegin(), out.rend());
  return out;
}

void RecentKeys::Add(std::string_view key, int64_t id, int64_t at_ms) {
  const uint64_t prefix = Prefix(key);
  Insert({prefix, id});
  order_.push_back({at_ms, id, prefix});
}

void RecentKeys::Insert(Slot slot) {
  if (2 * (used_ + 1) > slots_.size()) Grow();
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = slot.prefix & mask;
  while (slots_[i].id != 0) i = (i + 1) & mask;
  slots_[i] = slot;
  ++used_;
}

void RecentKeys::Grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(std::max<std::size_t>(64, old.size() * 2), Slot{});
  used_ = 0;
  for (const Slot& s : old) {
    if (s.id != 0) Insert(s);
  }
}

void RecentKeys::Erase(uint64_t prefix, int64_t id) {
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = prefix & mask;
  while (slots_[i].id != 0 && !(slots_[i].prefix == prefix && slots_[i].id == id)) {
    i = (i + 1) & mask;
  }
  if (slots_[i].id == 0) return;
  // Backward shift: move later members of the probe run into the hole when their home slot
  // does not lie cyclically in (hole, j].
  for (std::size_t j = (i + 1) & mask; slots_[j].id != 0; j = (j + 1) & mask) {
    const std::size_t home = slots_[j].prefix & mask;
    const bool between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
    if (!between) {
      slots_[i] = slots_[j];
      i = j;
    }
  }
  slots_[i] = Slot{};
  --used_;
}

std::size_t RecentKeys::Prune(int64_t now_ms, std::size_t max_entries) {
  std::size_t dropped = 0;
  const int64_t cutoff = now_ms - window_ms_;
  while (dropped < max_entries && !order_.empty() && order_.front().at_ms < cutoff) {
    Erase(order_.front().prefix, order_.front().id);
    order_.pop_front();
    ++dropped;
  }
  return dropped;
}

}  // namespace smsgw::store
