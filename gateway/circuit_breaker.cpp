#include "gateway/circuit_breaker.h"

#include <algorithm>

namespace smsgw::gateway {

std::string_view BreakerStateName(BreakerState state) {
  switch (state) {
    case BreakerState::kClosed:
      return "closed";
    case BreakerState::kOpen:
      return "open";
    case BreakerState::kHalfOpen:
      return "half_open";
  }
  return "closed";
}

CircuitBreaker::CircuitBreaker(CircuitBreakerOptions options)
    : options_(options),
      open_period_(options.open_for),
      ring_(static_cast<std::size_t>(std::max(options.window, 1)), false) {}

BreakerState CircuitBreaker::StateAt(Clock::time_point now) const {
  if (state_ == BreakerState::kOpen && now - opened_at_ >= open_period_) {
    return BreakerState::kHalfOpen;
  }
  return state_;
}

BreakerPermit CircuitBreaker::PermitAt(Clock::time_point now) const {
  switch (StateAt(now)) {
    case BreakerState::kClosed:
      return {};
    case BreakerState::kOpen:
      return {BreakerPermit::Kind::kNone, opened_at_ + open_period_ - now};
    case BreakerState::kHalfOpen:
      if (state_ == BreakerState::kOpen || !probe_out_ ||
          now - probe_sent_at_ >= options_.open_for) {
        return {BreakerPermit::Kind::kProbe, {}};
      }
      return {BreakerPermit::Kind::kNone, probe_sent_at_ + options_.open_for - now};
  }
  return {};
}

bool CircuitBreaker::Allow(Clock::time_point now) {
  switch (PermitAt(now).kind) {
    case BreakerPermit::Kind::kAny:
      return true;
    case BreakerPermit::Kind::kProbe:
      state_ = BreakerState::kHalfOpen;
      probe_out_ = true;
      probe_sent_at_ = now;
      return true;
    case BreakerPermit::Kind::kNone:
      break;
  }
  ++calls_refused_;
  return false;
}

void CircuitBreaker::RecordSuccess(Clock::time_point) {
  if (state_ == BreakerState::kHalfOpen) return Close();
  if (state_ == BreakerState::kOpen) return;  // a late answer to a call sent before opening
  consecutive_ = 0;
  PushOutcome(false);
}

void CircuitBreaker::RecordFailure(Clock::time_point now, Clock::duration hold) {
  if (state_ == BreakerState::kHalfOpen) return Open(now, hold);
  if (state_ == BreakerState::kOpen) return;
  ++consecutive_;
  PushOutcome(true);
  bool run = options_.consecutive_failures > 0 && consecutive_ >= options_.consecutive_failures;
  bool share = options_.failure_percent > 0 && ring_seen_ >= ring_.size() &&
               ring_failures_ * 100 >= options_.failure_percent * static_cast<int>(ring_.size());
  if (run || share) Open(now, hold);
}

void CircuitBreaker::Open(Clock::time_point now, Clock::duration hold) {
  state_ = BreakerState::kOpen;
  opened_at_ = now;
  const Clock::duration ceiling = std::max<Clock::duration>(options_.max_hold, options_.open_for);
  open_period_ = std::clamp<Clock::duration>(hold, options_.open_for, ceiling);
  probe_out_ = false;
  ++times_opened_;
}

void CircuitBreaker::Close() {
  state_ = BreakerState::kClosed;
  probe_out_ = false;
  consecutive_ = 0;
  std::fill(ring_.begin(), ring_.end(), false);
  ring_next_ = ring_seen_ = 0;
  ring_failures_ = 0;
}

void CircuitBreaker::PushOutcome(bool failure) {
  if (ring_seen_ >= ring_.size() && ring_[ring_next_]) --ring_failures_;
  ring_[ring_next_] = failure;
  if (failure) ++ring_failures_;
  ring_next_ = (ring_next_ + 1) % ring_.size();
  ring_seen_ = std::min(ring_seen_ + 1, ring_.size());
}

}  // namespace smsgw::gateway
