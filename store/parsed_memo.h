// The makers' parsed forms of the challenges this store wrote lately (NewChallenge::parsed),
// so that the answer to a challenge finds its request as the engine made it, without reading
// the stored payload back (about 4 % of the core thread's work per payment).
//
// An entry is handed back only for a row whose payload is byte for byte the one it was made
// with: a challenge id can be given again after a rolled-back transaction, and a row can be
// changed behind the daemon's back (`smsgw ctl`), and either way the payload decides, not the
// id. Bounded: the oldest entries are forgotten first; a forgotten one costs only the read.
// In memory only, so a restart forgets them all. One thread at a time, as the store.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace smsgw::store {

class ParsedMemo {
 public:
  explicit ParsedMemo(size_t capacity) : capacity_(capacity) {}

  // Remembers `parsed` as the form of `payload` for row `id`, replacing what was kept for it
  // (a null `parsed` forgets it).
  void Put(int64_t id, std::string_view payload, std::shared_ptr<const void> parsed);

  // What Put kept for `id` if its payload was `payload`; null otherwise.
  std::shared_ptr<const void> Find(int64_t id, std::string_view payload) const;

  // Forgets what was kept for `id` (a challenge no longer pending leads to no instruction;
  // an answer to it only reads its language from the payload).
  void Forget(int64_t id) { entries_.erase(id); }

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string payload;
    std::shared_ptr<const void> parsed;
    uint64_t put = 0;  // which Put made it
  };
  struct Placed {
    int64_t id;
    uint64_t put;
  };
  size_t capacity_;
  uint64_t puts_ = 0;
  std::unordered_map<int64_t, Entry> entries_;
  // Every Put in order, oldest first. A place whose entry was replaced or forgotten since is
  // stale and erases nothing when it is dropped.
  std::deque<Placed> order_;
};

}  // namespace smsgw::store
