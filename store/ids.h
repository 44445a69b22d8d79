// Identifiers minted by the store's users before they write: an instruction's id (the
// backend's Idempotency-Key) and its reference (what the subscriber sees and quotes).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "conf/status.h"

namespace smsgw::store {

struct InstructionKeys {
  // 26 characters of Crockford base32: 48 bits of creation time (ms) then 80 random bits, so
  // ids sort by creation and never repeat across databases (a restored or rebuilt store cannot
  // hand the backend an old Idempotency-Key for a new instruction).
  std::string id;
  // 10 characters of Crockford base32 (no I, L, O, U), easy to read out: 4 characters of
  // time (8 ms ticks, wrapping every 2 h 20 min) then 6 of random (30 bits). The time comes
  // first so that the unique index on references receives each commit's new keys side by
  // side: with 50 random bits every instruction dirtied a page of its own in that index, a
  // growing share of each commit's writes as the store grows. Two references of one tick
  // still differ in 30 random bits; over the store's lifetime the ticks fill evenly, so a
  // new reference meets a stored one about as rarely as with 50 random bits. When it does
  // the step is refused whole and taken again with fresh keys; an instruction that would
  // take its challenge's reference checks it first (ReferenceTaken).
  std::string reference;
};

// Unavailable if the random generator fails.
Result<InstructionKeys> MintInstructionKeys(int64_t now_ms);

// When an instruction id was minted (unix ms), read from its first 10 characters; nullopt for
// an id that does not begin with that many Crockford base32 digits of a 48-bit time.
std::optional<int64_t> InstructionIdTime(std::string_view id);

}  // namespace smsgw::store
