// Where the engine gets "now" from. Inject a ManualClock for tests and replay.
#pragma once

#include <atomic>

#include "fengqiao/time.hpp"

namespace fengqiao {

// Thread rules: now() may be called from any thread at any time.
class Clock {
 public:
  virtual ~Clock() = default;
  // The current instant, in whole seconds.
  virtual Instant now() const = 0;
};

// The system's wall clock, truncated to whole seconds.
class SystemClock final : public Clock {
 public:
  // The system clock's reading, truncated to the second.
  Instant now() const override;
};

// A clock that moves only when told to. set() and advance() are safe to call from any
// thread; moving it backwards is allowed (the engine never fires anything twice).
class ManualClock final : public Clock {
 public:
  // Starts at `start` (default 1970-01-01T00:00:00Z); now() reads it, set() moves it to
  // `t`, advance() by `d` (negative moves it back).
  explicit ManualClock(Instant start = Instant{}) : now_(start.time_since_epoch().count()) {}
  Instant now() const override { return Instant(Seconds(now_.load(std::memory_order_acquire))); }
  void set(Instant t) { now_.store(t.time_since_epoch().count(), std::memory_order_release); }
  void advance(Seconds d) { now_.fetch_add(d.count(), std::memory_order_acq_rel); }

 private:
  std::atomic<long long> now_;
};

}  // namespace fengqiao
