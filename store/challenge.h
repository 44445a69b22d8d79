// Pending confirmations: a one-time code sent to a subscriber, and the instruction that
// goes ahead when they answer it (typically with their PIN) before it expires.
//
// pending ──Consume──▶ consumed        (the answer was accepted)
//    │ ├──WrongAttempt──▶ pending, attempts_left - 1, or exhausted when none are left
//    │ ├──Cancel──▶ cancelled
//    │ └──(expires_at passes; ExpireChallenges)──▶ expired
// Leaving pending wipes the sealed part. The code itself is stored only as a keyed hash.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "store/crypto.h"

namespace smsgw::store {

enum class ChallengeState { kPending, kConsumed, kExpired, kExhausted, kCancelled };

std::string_view StateName(ChallengeState state);
std::optional<ChallengeState> ParseChallengeState(std::string_view name);

struct Challenge {
  int64_t id = 0;
  std::string msisdn;
  std::optional<int64_t> inbound_id;  // the MO that asked for it
  std::string operation;              // of the pending instruction
  std::string payload;                // its clear part
  SecretBytes secret;                 // its sealed part, opened (empty once not pending)
  std::optional<std::string> reference;
  // kPending is reported only while now < expires_at: a pending row past its expiry reads
  // as kExpired even before ExpireChallenges has run.
  ChallengeState state = ChallengeState::kPending;
  int attempts_left = 0;
  int64_t created_at = 0;
  int64_t expires_at = 0;
  // NewChallenge::parsed as the row was written, while the store still keeps it and the row's
  // payload is the one it was made from; null otherwise (read the payload).
  std::shared_ptr<const void> parsed;
};

}  // namespace smsgw::store
