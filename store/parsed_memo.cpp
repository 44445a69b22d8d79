#include "store/parsed_memo.h"

namespace smsgw::store {

void ParsedMemo::Put(int64_t id, std::string_view payload, std::shared_ptr<const void> parsed) {
  if (capacity_ == 0) return;
  if (parsed == nullptr) {  // a row made without one: nothing kept for an earlier row may stay
    entries_.erase(id);
    return;
  }
  entries_[id] = Entry{std::string(payload), std::move(parsed), ++puts_};
  order_.push_back({id, puts_});
  // The newest place is never dropped here: while there are more entries than the capacity
  // (at least one), an older place is live; and twice the capacity leaves it in.
  while (entries_.size() > capacity_ || order_.size() > 2 * capacity_) {
    const Placed oldest = order_.front();
    order_.pop_front();
    auto it = entries_.find(oldest.id);
    if (it != entries_.end() && it->second.put == oldest.put) entries_.erase(it);
  }
}

std::shared_ptr<const void> ParsedMemo::Find(int64_t id, std::string_view payload) const {
  auto it = entries_.find(id);
  if (it == entries_.end() || it->second.payload != payload) return nullptr;
  return it->second.parsed;
}

}  // namespace smsgw::store
