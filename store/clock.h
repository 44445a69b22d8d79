// Wall-clock time for the store, injected so tests control windows, expiry and retry times.
// All store times are unix milliseconds (int64).
#pragma once

#include <cstdint>

namespace smsgw::store {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMs() const = 0;
};

// CLOCK_REALTIME. Windows and expiry compare wall-clock times, so a clock stepped backwards
// makes them last longer, never shorter.
class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override;
};

// A clock that only moves when told to. For tests and benchmarks.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t now_ms) : now_ms_(now_ms) {}
  int64_t NowMs() const override { return now_ms_; }
  void Set(int64_t now_ms) { now_ms_ = now_ms; }
  void Advance(int64_t delta_ms) { now_ms_ += delta_ms; }

 private:
  int64_t now_ms_;
};

}  // namespace smsgw::store
