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
  auto [begin, end] = ids_.equal_range(Prefix(key));
  for (auto it = begin; it != end; ++it) out.push_back(it->second);
  std::sort(out.rbegin(), out.rend());
  return out;
}

void RecentKeys::Add(std::string_view key, int64_t id, int64_t at_ms) {
  uint64_t prefix = Prefix(key);
  ids_.emplace(prefix, id);
  order_.push_back({at_ms, id, prefix});
}

std::size_t RecentKeys::Prune(int64_t now_ms, std::size_t max_entries) {
  std::size_t dropped = 0;
  const int64_t cutoff = now_ms - window_ms_;
  while (dropped < max_entries && !order_.empty() && order_.front().at_ms < cutoff) {
    const Entry& e = order_.front();
    auto [begin, end] = ids_.equal_range(e.prefix);
    for (auto it = begin; it != end; ++it) {
      if (it->second == e.id) {
        ids_.erase(it);
        break;
      }
    }
    order_.pop_front();
    ++dropped;
  }
  return dropped;
}

}  // namespace smsgw::store
