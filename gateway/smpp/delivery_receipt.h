// Delivery receipts (deliver_sm with esm_class message type 0x04), in the de facto text format
// of SMPP 3.4 appendix B
//   id:IIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD err:E
//   text:...
// and the receipted_message_id / message_state / network_error_code TLVs, which win over the
// text when both are present.
//
// Message ids: SMSCs are free to return the id in submit_sm_resp in one base and report it in
// the receipt in another (hex in one, decimal in the other is common). NormalizeMessageId
// brings both to one form, given the base the connection's configuration declares for each.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "conf/status.h"
#include "gateway/smpp/pdu.h"

namespace smsgw::smpp {

// message_state values (spec 5.3.2.35); the receipt text's stat words map onto them.
enum class MessageState : uint8_t {
  kEnroute = 1,
  kDelivered = 2,
  kExpired = 3,
  kDeleted = 4,
  kUndeliverable = 5,
  kAccepted = 6,
  kUnknown = 7,
  kRejected = 8,
};

// Whether the message has reached an end state (no further receipt will follow).
bool IsFinal(MessageState state);

struct DeliveryReceipt {
  std::string message_id;  // as reported (TLV first, else the text's id:)
  std::optional<MessageState> state;
  std::string stat;                       // the text's stat: word, upper case ("DELIVRD"), if any
  std::string error;                      // the text's err: value ("000"), if any
  std::optional<uint32_t> network_error;  // network_error_code TLV: type << 16 | code
  std::string submit_date;                // YYMMDDhhmm as given
  std::string done_date;
};

// True when esm_class marks an SMSC delivery receipt or an intermediate delivery notification
// (SMPP 3.4 §5.2.12: both report on a message we sent, in deliver_sm or data_sm).
constexpr bool IsDeliveryReceipt(uint8_t esm_class) {
  const uint8_t type = esm_class & kEsmMessageTypeMask;
  return type == kEsmDeliveryReceipt || type == kEsmIntermediateNotification;
}

// True when esm_class marks something other than a subscriber's message or a receipt: an SME
// delivery or user acknowledgement, a conversation abort. Nothing in it is for the engine.
constexpr bool IsOtherMessageType(uint8_t esm_class) {
  return (esm_class & kEsmMessageTypeMask) != 0 && !IsDeliveryReceipt(esm_class);
}

// Parses the receipt text alone. Keys are matched case-insensitively at word starts; unknown
// words are skipped. InvalidArgument when it has no id.
Result<DeliveryReceipt> ParseReceiptText(std::string_view text);

// From a deliver_sm: its TLVs, and its short_message (or message_payload) as receipt text.
// From a data_sm: its TLVs, and its message_payload as receipt text. InvalidArgument when
// neither gives an id.
Result<DeliveryReceipt> ParseDeliveryReceipt(const DeliverSm& pdu);
Result<DeliveryReceipt> ParseDeliveryReceipt(const DataSm& pdu);

enum class MessageIdBase {
  kAsIs,     // compare the strings (after trimming spaces)
  kDecimal,  // the id is a decimal number
  kHex,      // the id is a hexadecimal number
};

// The id's number as lower-case hex without leading zeros ("0" for zero), of any length; the
// trimmed id unchanged for kAsIs or when it is not a number in `base`. An id reported in
// decimal ("1715004") and its submit_sm_resp form in hex ("1A2B3C") normalise alike.
std::string NormalizeMessageId(std::string_view id, MessageIdBase base);

}  // namespace smsgw::smpp
