#include "gateway/retry_policy.h"

#include <algorithm>

namespace smsgw::gateway {

using std::chrono::milliseconds;

RetryPolicy::RetryPolicy(RetryPolicyOptions options) : options_(options) {
  options_.min_delay = std::max(options_.min_delay, milliseconds(0));
  options_.max_delay = std::max(options_.max_delay, options_.min_delay);
  options_.base_delay = std::max(options_.base_delay, milliseconds(0));
}

milliseconds RetryPolicy::CapAfter(int attempts_made) const {
  // Doubling saturates at max_delay long before 64-bit overflow.
  int64_t cap = options_.base_delay.count();
  for (int i = 1; i < attempts_made && cap < options_.max_delay.count(); ++i) cap *= 2;
  return std::clamp(milliseconds(cap), options_.min_delay, options_.max_delay);
}

std::optional<milliseconds> RetryPolicy::NextDelay(int attempts_made, uint64_t random,
                                                   std::optional<milliseconds> retry_after) const {
  if (attempts_made < 1 || attempts_made >= options_.max_attempts) return std::nullopt;
  auto lo = static_cast<uint64_t>(options_.min_delay.count());
  auto hi = static_cast<uint64_t>(CapAfter(attempts_made).count());
  // The modulo bias over a 64-bit draw is below 2^-40 for any realistic range.
  milliseconds delay(static_cast<int64_t>(lo + random % (hi - lo + 1)));
  if (retry_after) delay = std::max(delay, std::min(*retry_after, options_.max_delay));
  return delay;
}

}  // namespace smsgw::gateway
