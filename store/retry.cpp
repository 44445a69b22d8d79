#include "store/retry.h"

#include <algorithm>

namespace smsgw::store {

int64_t RetryCapMs(const RetryPolicy& policy) {
  return std::max({policy.max_delay_ms, policy.base_delay_ms, int64_t{0}});
}

int64_t RetryCeilingMs(const RetryPolicy& policy, int failed_attempts) {
  const int64_t base = std::max<int64_t>(policy.base_delay_ms, 0);
  const int64_t cap = RetryCapMs(policy);
  int64_t ceiling = base;
  for (int i = 1; i < failed_attempts && ceiling < cap; ++i) ceiling *= 2;
  return std::min(ceiling, cap);
}

int64_t RetryDelayMs(const RetryPolicy& policy, int failed_attempts, uint32_t random) {
  const int64_t base = std::max<int64_t>(policy.base_delay_ms, 0);
  const int64_t span = RetryCeilingMs(policy, failed_attempts) - base;
  // 128-bit product: span * 2^32 overflows 64 bits for spans above ~24 days.
  return base + static_cast<int64_t>((static_cast<unsigned __int128>(span) * random) >> 32);
}

}  // namespace smsgw::store
