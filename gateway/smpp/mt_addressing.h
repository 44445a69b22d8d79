// How one connection addresses the two ends of an MT (SMPP 3.4 5.2.5-6): the source is the
// service's short code, the destination the subscriber. SMSCs differ in what they accept, so
// each connection says (smpp.connections[].source_ton and the keys next to it); the defaults
// are what most take for a service number and a subscriber in E.164 digits.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "gateway/smpp/pdu.h"

namespace smsgw::smpp {

struct MtAddressing {
  uint8_t source_ton = 0;       // unknown: the short code as the network knows it
  uint8_t source_npi = 1;       // ISDN (E.164)
  uint8_t destination_ton = 1;  // international: subscribers are E.164 digits
  uint8_t destination_npi = 1;  // ISDN (E.164)

  Address Source(std::string short_code) const {
    return {source_ton, source_npi, std::move(short_code)};
  }
  Address Destination(std::string msisdn) const {
    return {destination_ton, destination_npi, std::move(msisdn)};
  }
};

}  // namespace smsgw::smpp
