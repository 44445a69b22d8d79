// Inbound (mobile-originated) messages as the store takes and gives them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "conf/status.h"
#include "store/address_type.h"
#include "store/crypto.h"
#include "store/options.h"

namespace smsgw::store {

// The group a part of a concatenated MO belongs to, as the reassembler keys it
// (gateway/smpp/reassembler.h): a subscriber's parts with one reference and total.
struct PartGroup {
  std::string connection;
  std::string source;
  std::string destination;
  int scheme = 0;  // smpp::ConcatScheme
  int reference = 0;
  int total = 0;
  friend bool operator==(const PartGroup&, const PartGroup&) = default;
};

// A part of a concatenated MO whose message is not whole yet, held in the store so it can be
// acknowledged on its own (Store::StoreParts).
struct InboundPart {
  PartGroup group;
  int seq = 0;  // 1..group.total
  int data_coding = 0;
  std::optional<int> message_reference;  // the handset's TP-MR, when the SMSC passed it
  std::string payload;                   // the part's octets, UDH removed; stored only sealed
  int64_t received_at = 0;               // unix ms; set by the store
};

// An MO as the SMPP layer hands it over, before anything is known about its content.
struct InboundMessage {
  std::string connection;   // name of the SMPP connection it arrived on
  std::string source;       // MSISDN of the subscriber
  std::string destination;  // the short code it was sent to
  std::string text;         // decoded text (UTF-8); stored only sealed
  // Set only when `source` is kept as the SMSC wrote it, not read into E.164 digits (an
  // alphanumeric sender, a number the grammar's plan cannot read): its TON and NPI, which a
  // reply to it must carry. Not part of the dedup key.
  std::optional<AddressType> source_type;
  // Whatever identifies this MO on the network, when the SMSC provides something: the SMSC's
  // message id TLV, or kHandsetReferencePrefix + <user_message_reference>. It is part of the
  // dedup key and chooses the redelivery window the message is compared over (Options); leave
  // it empty rather than invent one (a value that differs between an original and its
  // redelivery would defeat the dedup).
  std::optional<std::string> smsc_message_id;
  int data_coding = 0;  // SMPP data_coding, kept for the record
  // Joined from parts of this group, some of which the store holds: the transaction that
  // accepts the message (as new or as a redelivery) deletes them.
  std::optional<PartGroup> joined_from;
};

// The prefix of an smsc_message_id that is the handset's message reference (TP-MR) rather
// than an id the SMSC gave: "mr:" followed by the reference in decimal.
inline constexpr std::string_view kHandsetReferencePrefix = "mr:";

// What an MO's smsc_message_id is, which decides its redelivery window (Options).
enum class NetworkIdKind {
  kNone,              // no id: identical text is all there is to compare
  kHandsetReference,  // the handset's TP-MR: 8 bits, some handsets and SMSCs keep it constant
  kSmscId,            // an id the SMSC gave the message
};
NetworkIdKind KindOfNetworkId(const std::optional<std::string>& smsc_message_id);

// InvalidArgument naming the field when a message exceeds `limits` or has an empty
// connection, source or destination. Accept refuses a batch holding such a message.
Status ValidateInbound(const InboundMessage& message, const Limits& limits);

// What Accept made of one message of a batch.
struct AcceptResult {
  // False: stored now with a new id. True: a network redelivery of the message stored as
  // `id` (inside the redelivery window that applies to it, see Options); nothing was written
  // for it.
  bool duplicate = false;
  int64_t id = 0;
};

// An inbound message waiting for the commands engine (state "new"), its text opened.
struct PendingMessage {
  int64_t id = 0;
  int64_t received_at = 0;  // unix ms
  std::string connection;
  std::string source;
  std::string destination;
  std::optional<std::string> smsc_message_id;
  int data_coding = 0;
  std::optional<AddressType> source_type;  // as InboundMessage::source_type
  SecretBytes text;  // may hold a PIN: never log it, let it go out of scope soon
};

// An earlier message from the same subscriber that carried the same normalised command.
struct ResendMatch {
  int64_t inbound_id = 0;
  int64_t received_at = 0;
  std::string reference;  // what that message's processing recorded as its reference
};

}  // namespace smsgw::store
