// Identifiers minted by the store's users before they write: an instruction's id (the
// backend's Idempotency-Key) and its reference (what the subscriber sees and quotes).
#pragma once

#include <cstdint>
#include <string>

#include "conf/status.h"

namespace smsgw::store {

struct InstructionKeys {
  // 26 characters of Crockford base32: 48 bits of creation time (ms) then 80 random bits, so
  // ids sort by creation and never repeat across databases (a restored or rebuilt store cannot
  // hand the backend an old Idempotency-Key for a new instruction).
  std::string id;
  // 10 characters of Crockford base32 (no I, L, O, U): 50 random bits, easy to read out.
  std::string reference;
};

// Unavailable if the random generator fails.
Result<InstructionKeys> MintInstructionKeys(int64_t now_ms);

}  // namespace smsgw::store
