// A circuit breaker for the account backend: stops sending to a backend that keeps failing,
// then lets a single probe through after a pause and closes again when it succeeds.
//
//   closed ──(N temporary failures in a row, or a failure share over the window)──▶ open
//   open ──(open_for elapsed; the next Allow() is the probe)──▶ half-open
//   half-open ──success──▶ closed      half-open ──failure──▶ open (for open_for again)
//
// Only temporary failures (timeouts, connection errors, 5xx) count against the backend. A
// definitive answer, even a refusal, shows the backend is working and counts as a success.
//
// Pure and single-threaded: the caller passes the time and owns the synchronisation (the
// backend client uses it from its io thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>
#include <vector>

namespace smsgw::gateway {

enum class BreakerState { kClosed = 0, kOpen = 1, kHalfOpen = 2 };

// "closed", "open", "half_open".
std::string_view BreakerStateName(BreakerState state);

struct CircuitBreakerOptions {
  // Opens after this many temporary failures in a row. 0 disables the rule.
  int consecutive_failures = 5;
  // Also opens when, over the last `window` outcomes (once that many have been seen), at least
  // `failure_percent` % were failures: a backend failing every other call never produces a
  // long run but is still sick. failure_percent 0 disables the rule.
  int window = 20;
  int failure_percent = 50;
  // How long it stays open before letting a probe through.
  std::chrono::milliseconds open_for{10000};
  // The longest a failure's own hold (a backend's Retry-After) may keep it open: a proxy's
  // "Retry-After: 86400" must not stop the gateway for a day.
  std::chrono::milliseconds max_hold{300000};
};

// What Allow() would answer at a given time, without taking the probe: lets a caller hold its
// work back instead of failing call after call against an open breaker.
struct BreakerPermit {
  enum class Kind {
    kAny,    // closed: send at will
    kProbe,  // one call may go, and it will be the probe
    kNone,   // open, or the probe is out: ask again after `wait`
  };
  Kind kind = Kind::kAny;
  std::chrono::steady_clock::duration wait{0};  // kNone: until the next probe may go
};

class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;

  explicit CircuitBreaker(CircuitBreakerOptions options = {});

  // Whether a call may be sent now. Closed: always. Open: no, until open_for has elapsed; then
  // the breaker turns half-open and this call is the probe. Half-open: no while the probe is
  // out. A probe whose outcome is never recorded is replaced by a new one after open_for, so a
  // lost outcome cannot keep the breaker half-open forever.
  bool Allow(Clock::time_point now);

  // Outcomes of calls that Allow() let through. In half-open, the first outcome decides.
  // `hold`: how long the backend asked the caller to wait (Retry-After). When this failure
  // opens the breaker, it stays open for the longer of open_for and `hold`, at most max_hold.
  void RecordSuccess(Clock::time_point now);
  void RecordFailure(Clock::time_point now, Clock::duration hold = Clock::duration::zero());

  // How long the current opening lasts (open_for unless a hold lengthened it).
  Clock::duration open_period() const { return open_period_; }

  // What Allow() would answer at `now`, without changing anything.
  BreakerPermit PermitAt(Clock::time_point now) const;

  // The state as Allow() would see it at `now` (open turns half-open once open_for elapsed).
  BreakerState StateAt(Clock::time_point now) const;
  BreakerState state() const { return state_; }

  // For metrics: how often it opened, and how many calls Allow() refused.
  uint64_t times_opened() const { return times_opened_; }
  uint64_t calls_refused() const { return calls_refused_; }

 private:
  void Open(Clock::time_point now, Clock::duration hold);
  void Close();
  void PushOutcome(bool failure);

  CircuitBreakerOptions options_;
  BreakerState state_ = BreakerState::kClosed;
  Clock::time_point opened_at_{};
  Clock::duration open_period_{};  // of the current opening
  Clock::time_point probe_sent_at_{};
  bool probe_out_ = false;
  int consecutive_ = 0;
  std::vector<bool> ring_;  // last `window` outcomes, true = failure
  std::size_t ring_next_ = 0;
  std::size_t ring_seen_ = 0;
  int ring_failures_ = 0;
  uint64_t times_opened_ = 0;
  uint64_t calls_refused_ = 0;
};

}  // namespace smsgw::gateway
