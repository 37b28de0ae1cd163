// Token-bucket limiter for --rate: at most `burst` probes at once, `rate` per second on
// average. Sans-IO (STYLE.md): the caller passes the current time, so tests need no clock
// and the engine decides how to wait (a timer for wait_time()).
#pragma once

#include <chrono>
#include <optional>

namespace dicomsec::scan {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  using time_point = Clock::time_point;

  // rate_per_s <= 0 (or NaN) means unlimited. burst is clamped to >= 1 so a token can
  // always accumulate. The bucket starts full: the first `burst` acquires succeed at once.
  RateLimiter(double rate_per_s, double burst);

  // Takes one token if available at `now`. Times earlier than the last one seen are
  // treated as equal to it (never refunds or double-counts).
  bool try_acquire(time_point now);
  // How long from `now` until try_acquire can succeed; zero if it would succeed now.
  [[nodiscard]] std::chrono::nanoseconds wait_time(time_point now) const;

  [[nodiscard]] bool unlimited() const { return rate_ <= 0; }
  [[nodiscard]] double rate() const { return rate_; }
  [[nodiscard]] double burst() const { return burst_; }

 private:
  [[nodiscard]] double tokens_at(time_point now) const;

  double rate_;
  double burst_;
  double tokens_;
  std::optional<time_point> last_;  // time tokens_ was computed for; unset until first use
};

}  // namespace dicomsec::scan
