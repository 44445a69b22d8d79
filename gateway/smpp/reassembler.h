// Reassembly of concatenated MOs. Pure: no I/O, no clock of its own (the caller passes `now`).
//
// A part belongs to the group keyed by connection + source + destination + concatenation
// scheme + reference + total. The source is always in the key: two subscribers who both pick
// reference 42 send two messages. Parts may arrive in any order; a part whose seqnum the group
// already holds is a duplicate (an SMSC redelivery) and is dropped. A group idle for longer
// than the timeout is handed back by Expire; the number of open groups and the octets they
// hold are capped, the least recently active group going first.
//
// Durability: the session acknowledges a part only once the store has it, and the store keeps
// parts of open groups, so a restart rebuilds the groups by Add-ing the stored parts again
// (Add is idempotent per part). This class holds only what is already durable.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conf/status.h"
#include "gateway/smpp/text_codec.h"
#include "gateway/smpp/user_data.h"

namespace smsgw::smpp {

struct ReassemblyOptions {
  std::chrono::steady_clock::duration timeout = std::chrono::minutes(5);
  size_t max_groups = 10000;
  size_t max_bytes = 16 * 1024 * 1024;
};

struct AssembledMessage {
  std::string connection;
  std::string source;
  std::string destination;
  std::optional<ConcatInfo> concat;  // of the group; nullopt for a single message
  uint8_t total = 1;
  // The parts received, in seqnum order. complete() when all `total` are here; an expired or
  // evicted group has fewer.
  std::vector<UserData> parts;

  bool complete() const { return parts.size() == total; }
};

// The message text. Parts sharing one data_coding are decoded as one stream (an escape or a
// surrogate pair split across parts by the sender still decodes); otherwise part by part.
Result<std::string> JoinedText(const AssembledMessage& message, const TextOptions& options = {});

class Reassembler {
 public:
  using Clock = std::chrono::steady_clock;

  enum class Outcome {
    kComplete,   // `message` holds the whole message
    kPending,    // stored; waiting for other parts
    kDuplicate,  // this seqnum was already there; dropped
  };
  struct AddResult {
    Outcome outcome = Outcome::kPending;
    std::optional<AssembledMessage> message;
    std::vector<AssembledMessage> evicted;  // incomplete groups dropped to respect the caps
  };

  explicit Reassembler(ReassemblyOptions options = {});

  AddResult Add(std::string_view connection, std::string_view source, std::string_view destination,
                UserData part, Clock::time_point now);

  // Removes and returns the incomplete groups that have had no part for `timeout`.
  std::vector<AssembledMessage> Expire(Clock::time_point now);

  size_t open_groups() const { return groups_.size(); }
  size_t buffered_bytes() const { return bytes_; }

 private:
  struct Key {
    std::string connection;
    std::string source;
    std::string destination;
    ConcatScheme scheme;
    uint16_t reference;
    uint8_t total;
    auto operator<=>(const Key&) const = default;
  };
  struct Group {
    std::vector<std::optional<UserData>> parts;  // index seqnum - 1
    size_t received = 0;
    size_t bytes = 0;
    Clock::time_point last_part;
    std::list<Key>::iterator age;  // position in by_age_
  };
  using Groups = std::map<Key, Group>;

  AssembledMessage Take(Groups::iterator it);
  void EnforceCaps(const Key& keep, std::vector<AssembledMessage>* evicted);

  ReassemblyOptions options_;
  Groups groups_;
  std::list<Key> by_age_;  // least recently active first
  size_t bytes_ = 0;
};

}  // namespace smsgw::smpp
