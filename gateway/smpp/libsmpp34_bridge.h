// The only door to libsmpp34 (Debian libsmpp34-dev): packs and unpacks the mandatory fields of
// PDU bodies that this module has already validated.
//
// libsmpp34 keeps its error state in globals (smpp34_errno, smpp34_strerror[2048]), so every
// call here holds one process-wide mutex. Its structs are zeroed before each call and any TLV
// list it builds is freed by a guard on every path. It never sees TLVs: the caller cuts them
// off before unpacking and appends them itself after packing (tlv.h), which keeps its
// diagnostic string far below 2048 bytes and its heap use at zero.
//
// libsmpp34 also refuses some values the spec allows; the bridge hides that:
//   - a header with command_status outside its list or sequence_number 0: the copy handed to
//     it carries status 0 and sequence 1; the real header is the caller's.
//   - bind interface_version other than 0x34 (3.3 ESMEs send 0x33): handed over as 0x34 and
//     restored.
// And it refuses TON/NPI values outside the spec's lists; decode.cpp checks those first so the
// refusal carries the right status.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "gateway/smpp/pdu.h"
#include "gateway/smpp/wire.h"

namespace smsgw::smpp::libsmpp34 {

// Fills the mandatory fields of `body` (whose alternative must match the command) from
// `prefix`: the header and the mandatory fields of a validated PDU, without TLVs. Supported:
// BindRequest, BindResponse, DataSm, DataSmResp, SubmitSm, DeliverSm. A refusal by libsmpp34
// (which validation should have made impossible) is ESME_RSYSERR.
std::optional<wire::FieldError> UnpackMandatory(std::span<const uint8_t> prefix, PduBody* body);

// Appends the header and mandatory fields of `pdu` (same alternatives, field widths already
// checked by the caller). command_length in the appended header covers only those bytes.
// False when libsmpp34 refuses (e.g. a short_message of 254 octets).
bool PackMandatory(const Pdu& pdu, std::vector<uint8_t>* out);

}  // namespace smsgw::smpp::libsmpp34
