// Turns one framed PDU into a typed Pdu, or into a PduError that says how to answer it.
//
// Every PDU is validated by this module's code before any field is used, whichever code then
// extracts the fields:
//   own code   deliver_sm, submit_sm, their responses, enquire_link(_resp), unbind(_resp),
//              generic_nack: the traffic path. libsmpp34 would spend ~90 % of its time
//              formatting a diagnostic string with snprintf, cannot hold sm_length 254 when
//              packing, and mishandles TLVs (see tlv.h).
//   libsmpp34  the mandatory fields of bind_transmitter/receiver/transceiver, their _resp,
//              data_sm and data_sm_resp (see libsmpp34_bridge.h), after validation, with the
//              TLVs cut off: TLVs are always parsed by tlv.h.
// What is checked: command_length equals the frame; C-octet strings NUL-terminated within
// their spec widths; sm_length <= 254 and within the body; nothing after the last field or TLV;
// TLVs as in tlv.h; sar_* TLVs all three or none, with 1 <= seqnum <= total; a UDH that fits
// the user data when esm_class has UDHI; no short_message together with message_payload;
// header-only PDUs have no body.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "gateway/smpp/pdu.h"
#include "gateway/smpp/pdu_error.h"

namespace smsgw::smpp {

inline constexpr size_t kDefaultMaxTlvs = 32;

struct DecodeOptions {
  size_t max_tlvs = kDefaultMaxTlvs;  // more TLVs than this in one PDU: refused
};

struct DecodeResult {
  std::optional<Pdu> pdu;  // set on success
  PduError error;          // meaningful when !pdu

  bool ok() const { return pdu.has_value(); }
};

// `frame` is one whole PDU (as Framer returns it). Never throws, never reads outside `frame`.
// Errors: command_length != frame size (generic_nack ESME_RINVCMDLEN, fatal); unknown
// command_id of a request (generic_nack ESME_RINVCMDID); unknown command_id with the response
// bit set (status ESME_RINVCMDID, ErrorReply::kNone: a response is never answered, the caller
// drops it); a bad body (the _resp with the status named in the header comment, or no reply
// for a response). The session lives on after any non-fatal error.
DecodeResult Decode(std::span<const uint8_t> frame, const DecodeOptions& options = {});

}  // namespace smsgw::smpp
