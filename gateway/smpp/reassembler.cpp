#include "gateway/smpp/reassembler.h"

#include <utility>

namespace smsgw::smpp {

Result<std::string> JoinedText(const AssembledMessage& message, const TextOptions& options) {
  if (message.parts.empty()) return std::string();
  bool same_coding = true;
  for (const UserData& p : message.parts) {
    same_coding = same_coding && p.data_coding == message.parts[0].data_coding;
  }
  if (same_coding) {
    std::vector<uint8_t> all;
    for (const UserData& p : message.parts)
      all.insert(all.end(), p.payload.begin(), p.payload.end());
    return DecodeText(message.parts[0].data_coding, all, options);
  }
  std::string text;
  for (const UserData& p : message.parts) {
    Result<std::string> piece = DecodeText(p.data_coding, p.payload, options);
    if (!piece.ok()) return piece.status();
    text += *piece;
  }
  return text;
}

Reassembler::Reassembler(ReassemblyOptions options) : options_(options) {}

Reassembler::AddResult Reassembler::Add(std::string_view connection, std::string_view source,
                                        std::string_view destination, UserData part,
                                        Clock::time_point now) {
  AddResult result;
  if (!part.concat || part.concat->total <= 1) {
    AssembledMessage single;
    single.connection = connection;
    single.source = source;
    single.destination = destination;
    single.concat = part.concat;
    single.parts.push_back(std::move(part));
    result.outcome = Outcome::kComplete;
    result.message = std::move(single);
    return result;
  }
  const ConcatInfo c = *part.concat;
  Key key{std::string(connection),
          std::string(source),
          std::string(destination),
          c.scheme,
          c.reference,
          c.total};
  auto [it, inserted] = groups_.try_emplace(key);
  Group& g = it->second;
  if (inserted) {
    g.parts.resize(c.total);
    g.age = by_age_.insert(by_age_.end(), key);
  }
  std::optional<UserData>& slot = g.parts[c.seqnum - 1];
  if (slot) {
    result.outcome = Outcome::kDuplicate;
    return result;
  }
  g.bytes += part.payload.size();
  bytes_ += part.payload.size();
  slot = std::move(part);
  ++g.received;
  g.last_part = now;
  by_age_.splice(by_age_.end(), by_age_, g.age);

  if (g.received == c.total) {
    result.outcome = Outcome::kComplete;
    result.message = Take(it);
    return result;
  }
  result.outcome = Outcome::kPending;
  EnforceCaps(key, &result.evicted);
  return result;
}

std::vector<AssembledMessage> Reassembler::Expire(Clock::time_point now) {
  std::vector<AssembledMessage> expired;
  while (!by_age_.empty()) {
    auto it = groups_.find(by_age_.front());
    if (now - it->second.last_part < options_.timeout) break;
    expired.push_back(Take(it));
  }
  return expired;
}

AssembledMessage Reassembler::Take(Groups::iterator it) {
  const Key& k = it->first;
  Group& g = it->second;
  AssembledMessage m;
  m.connection = k.connection;
  m.source = k.source;
  m.destination = k.destination;
  m.total = k.total;
  for (std::optional<UserData>& p : g.parts) {
    if (!p) continue;
    if (!m.concat) m.concat = p->concat;
    m.parts.push_back(std::move(*p));
  }
  bytes_ -= g.bytes;
  by_age_.erase(g.age);
  groups_.erase(it);
  return m;
}

void Reassembler::EnforceCaps(const Key& keep, std::vector<AssembledMessage>* evicted) {
  while ((groups_.size() > options_.max_groups || bytes_ > options_.max_bytes) &&
         by_age_.front() != keep) {
    evicted->push_back(Take(groups_.find(by_age_.front())));
  }
}

}  // namespace smsgw::smpp
