// The user data of a short message PDU: where the text is (short_message or message_payload),
// its UDH, and its concatenation data (UDH 8/16-bit reference IE or sar_* TLVs).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "conf/status.h"
#include "gateway/smpp/pdu.h"
#include "gateway/smpp/udh.h"
#include "gateway/smpp/wire.h"

namespace smsgw::smpp {

// The rules decode and encode share: not short_message and message_payload together; sar_*
// all three or none, 1 <= seqnum <= total; with UDHI, a well-formed UDH at the start of the
// user data.
std::optional<wire::FieldError> CheckUserDataRules(uint8_t esm_class,
                                                   std::span<const uint8_t> short_message,
                                                   const OptionalParams& tlvs);

struct UserData {
  uint8_t data_coding = 0;
  std::vector<uint8_t> payload;  // the text's bytes, UDH removed
  // Concatenation data: from the UDH when there is one with a concatenation IE, else from the
  // sar_* TLVs; nullopt for a message complete in itself.
  std::optional<ConcatInfo> concat;
  // The handset's message reference (TP-MR) when the SMSC passed it (user_message_reference).
  // Each part of a concatenated message has its own.
  std::optional<uint16_t> message_reference;
};

// From a decoded (so already validated) PDU. InvalidArgument if the rules above do not hold.
Result<UserData> ExtractUserData(const ShortMessagePdu& pdu);
Result<UserData> ExtractUserData(const DataSm& pdu);

}  // namespace smsgw::smpp
