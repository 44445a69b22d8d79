// What the session still takes from a submit_sm_resp (or generic_nack) that Decode refused.
//
// A response's command_status is the SMSC's verdict on our request, and it sits in the header,
// which the framer has already checked. Treating a response with a bad body as no answer at
// all (outcome unknown) resends a submit the SMSC accepted, and the subscriber gets the same
// SMS on every retry. So for a response the header is trusted and only what can be read of
// the body is kept: message_id up to its NUL, or up to the end of the body when the NUL is
// missing, cut at 64 characters (its spec width without the NUL); no TLV (the session uses
// none from a submit_sm_resp, and an unreadable one is the usual fault: a known tag with an
// odd length).
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "gateway/smpp/pdu.h"

namespace smsgw::smpp {

// `frame` is one whole PDU as Framer returns it. A SubmitSmResp (message_id as above) or a
// GenericNack body with the header's command_status and sequence_number; nullopt for any
// other command_id or a frame shorter than a header. Never reads outside `frame`.
std::optional<Pdu> SalvageSubmitResponse(std::span<const uint8_t> frame);

}  // namespace smsgw::smpp
