// The type of number (TON) and numbering plan (NPI) of an SMPP address, kept for a subscriber
// address the store holds as the SMSC wrote it rather than as E.164 digits (an alphanumeric
// sender, a national form the grammar's number plan cannot read): an MT back to it must carry
// them, not the connection's TON/NPI for E.164 numbers.
#pragma once

#include <cstdint>

namespace smsgw::store {

struct AddressType {
  uint8_t ton = 0;
  uint8_t npi = 0;
  friend bool operator==(const AddressType&, const AddressType&) = default;
};

}  // namespace smsgw::store
