// Typed PDU -> bytes. The same split as decode.h: own code for the traffic path (submit_sm,
// deliver_sm, their responses, header-only PDUs), libsmpp34 (libsmpp34_bridge.h) for the
// mandatory fields of binds, bind responses, data_sm and data_sm_resp; TLVs always by tlv.h,
// in the order OptionalParams documents.
//
// Nothing is truncated: a value wider than its spec width, a short_message over 254 octets,
// or user data the decoder would refuse (decode.h) is an InvalidArgument and nothing is
// appended. So every PDU the gateway sends passes its own validator.
#pragma once

#include <cstdint>
#include <vector>

#include "conf/status.h"
#include "gateway/smpp/pdu.h"

namespace smsgw::smpp {

// Appends the wire form of `pdu` to *out.
Status Encode(const Pdu& pdu, std::vector<uint8_t>* out);

// Appends the response to a request with this command_id and sequence number, with `status`
// and no data: deliver_sm_resp, enquire_link_resp, unbind_resp, generic_nack (for a command
// without a modelled response), or a refusing submit_sm_resp/data_sm_resp/bind_resp. The
// same bytes as Encode(MakeResponse(...)), without building a Pdu: the per-MO hot path.
void AppendResponse(uint32_t request_command_id, uint32_t sequence_number, uint32_t status,
                    std::vector<uint8_t>* out);

}  // namespace smsgw::smpp
