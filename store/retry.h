// The retry schedule of outbox items (see RetryPolicy in store/options.h). Pure.
#pragma once

#include <cstdint>

#include "store/options.h"

namespace smsgw::store {

// The delay before the next attempt after `failed_attempts` (>= 1) failures, for a uniform
// random draw `random`: base_delay_ms + random * (ceiling - base_delay_ms) / 2^32, where
// ceiling = min(max_delay_ms, base_delay_ms * 2^(failed_attempts-1)). Full jitter spreads the
// retries of many items that failed together (a backend outage) instead of sending them back
// in one burst; the base keeps a floor between tries.
int64_t RetryDelayMs(const RetryPolicy& policy, int failed_attempts, uint32_t random);

// The highest delay RetryDelayMs can return after `failed_attempts` failures.
int64_t RetryCeilingMs(const RetryPolicy& policy, int failed_attempts);

// The highest delay the policy ever gives: max_delay_ms, or the base when that is larger.
int64_t RetryCapMs(const RetryPolicy& policy);

// Whether an item that has failed `failed_attempts` times is dead.
inline bool RetriesExhausted(const RetryPolicy& policy, int failed_attempts) {
  return failed_attempts >= policy.max_attempts;
}

}  // namespace smsgw::store
