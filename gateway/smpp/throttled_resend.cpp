#include "gateway/smpp/throttled_resend.h"

#include <algorithm>

namespace smsgw::smpp {

std::chrono::milliseconds ThrottledResendDelay(std::chrono::milliseconds base,
                                               std::chrono::milliseconds cap, uint32_t throttles) {
  using Millis = std::chrono::milliseconds;
  Millis delay = std::clamp(base, Millis(0), std::max(cap, Millis(0)));
  for (uint32_t i = kFlatThrottledResends; i < throttles && delay > Millis(0) && delay < cap; ++i) {
    delay = DoubledUpTo(delay, cap);
  }
  return delay;
}

bool ThrottledSubmitExhausted(uint32_t throttles, std::chrono::milliseconds throttled_for,
                              uint32_t max_resends, std::chrono::milliseconds max_wait) {
  return throttles > max_resends || throttled_for >= max_wait;
}

}  // namespace smsgw::smpp
