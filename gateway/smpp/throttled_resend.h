// How long a throttled submit_sm waits before the session sends it again.
//
// A throttle of a minority of submits is the SMSC shaping a burst: by the time a short wait
// has passed, its window has moved and the resend is taken (nine times in ten when a tenth
// of submits are throttled). Doubling from the first throttle made a few unlucky submits wait
// 100 + 200 + 400 + 800 ms and trail every burst by well over a second, so the first
// kFlatThrottledResends resends wait the base delay; only a submit the SMSC keeps refusing
// (a per-destination limit, say) backs off from there, doubling up to the cap, so it never
// loops at the round-trip rate. Throttling that dominates is answered by pausing the whole
// bind (session.h), not here.
//
// Resending is bounded: a submit the SMSC refuses for long (its queue for that destination is
// full, a per-subscriber limit) must not hold its caller's slot for ever. After a number of
// resends, or once long enough has passed since its first throttle, it is finished with the
// throttle status (temporary) and its caller's own retry policy takes over.
#pragma once

#include <chrono>
#include <cstdint>

namespace smsgw::smpp {

inline constexpr uint32_t kFlatThrottledResends = 3;

// `d` doubled, at most `cap`, without overflow for the huge caps that mean "never". Also how
// the session doubles its whole-bind throttle pause.
inline std::chrono::milliseconds DoubledUpTo(std::chrono::milliseconds d,
                                             std::chrono::milliseconds cap) {
  return d > cap - d ? cap : d * 2;
}

// The wait before resending a submit the SMSC has throttled `throttles` times so far
// (1 for the first throttle): `base` for the first kFlatThrottledResends, then doubling each
// time, never more than `cap` (nor less than zero), without overflow for huge caps.
std::chrono::milliseconds ThrottledResendDelay(std::chrono::milliseconds base,
                                               std::chrono::milliseconds cap, uint32_t throttles);

// Whether a submit the SMSC has just throttled for the `throttles`-th time (1 for the first),
// first throttled `throttled_for` ago, is finished now instead of resent: it has been resent
// `max_resends` times already, or `throttled_for` has reached `max_wait`.
bool ThrottledSubmitExhausted(uint32_t throttles, std::chrono::milliseconds throttled_for,
                              uint32_t max_resends, std::chrono::milliseconds max_wait);

}  // namespace smsgw::smpp
