// When to try a backend call again after a temporary failure: exponential backoff with full
// jitter (each delay uniform between a floor and an exponentially growing cap), so that many
// instructions failing together do not come back together. Bounded in delay and in attempts;
// after the last attempt the caller gives up (the outbox dead-letters the instruction).
//
// Pure: the caller supplies the random bits, so tests get exact delays.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace smsgw::gateway {

struct RetryPolicyOptions {
  std::chrono::milliseconds min_delay{100};    // floor of every delay
  std::chrono::milliseconds base_delay{500};   // cap of the first delay; doubles per attempt
  std::chrono::milliseconds max_delay{60000};  // cap of every delay
  int max_attempts = 10;                       // attempts in all, the first one included
};

class RetryPolicy {
 public:
  explicit RetryPolicy(RetryPolicyOptions options = {});

  // The delay before the next attempt once `attempts_made` attempts (>= 1) have failed, or
  // nullopt when attempts_made has reached max_attempts. The delay is uniform in
  //   [min_delay, clamp(base_delay * 2^(attempts_made - 1), min_delay, max_delay)]
  // drawn from `random` (any 64 random bits). A server's Retry-After is honoured as a lower
  // bound, itself capped at max_delay so a hostile value cannot park the instruction.
  std::optional<std::chrono::milliseconds> NextDelay(
      int attempts_made, uint64_t random,
      std::optional<std::chrono::milliseconds> retry_after = std::nullopt) const;

  // The upper bound of the jitter range after `attempts_made` failures (for docs and tests).
  std::chrono::milliseconds CapAfter(int attempts_made) const;

  const RetryPolicyOptions& options() const { return options_; }

 private:
  RetryPolicyOptions options_;
};

}  // namespace smsgw::gateway
