// The deliver_sm PDUs a handset's text becomes when the console plays the SMSC: GSM 7-bit
// (data_coding 0) when every character is in the GSM tables, otherwise UCS-2 (data_coding 8),
// and a text longer than one SMS as concatenated parts with an 8-bit reference UDH, the way
// phones send them. Pure; no I/O.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "conf/status.h"
#include "gateway/smpp/pdu.h"

namespace smsgw::console {

// From `msisdn` (TON international, NPI E.164) to `short_code` (TON/NPI unknown, as SMSCs
// deliver short codes). `reference` goes in every part's UDH; the caller cycles it per phone.
// InvalidArgument for invalid UTF-8 or a text needing more than 255 parts.
Result<std::vector<smpp::DeliverSm>> BuildMoParts(std::string_view msisdn,
                                                  std::string_view short_code,
                                                  std::string_view utf8, uint8_t reference);

}  // namespace smsgw::console
