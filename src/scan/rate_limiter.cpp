#include "scan/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace dicomsec::scan {
namespace {

// Caps a wait so tiny rates (1e-12/s) cannot overflow nanoseconds: ~31 years is "forever".
constexpr double kMaxWaitNs = 1e18;
// A burst beyond this is effectively unlimited anyway and would only lose precision.
constexpr double kMaxBurst = 1e12;
// Slack for floating-point error, so acquiring exactly wait_time() later always succeeds.
constexpr double kEpsilon = 1e-9;

}  // namespace

RateLimiter::RateLimiter(double rate_per_s, double burst)
    : rate_(std::isnan(rate_per_s) || rate_per_s <= 0 ? 0.0 : rate_per_s),
      burst_(std::isnan(burst) ? 1.0 : std::clamp(burst, 1.0, kMaxBurst)),
      tokens_(burst_) {}

double RateLimiter::tokens_at(time_point now) const {
  if (!last_ || now <= *last_) return tokens_;
  const double elapsed_s = std::chrono::duration<double>(now - *last_).count();
  return std::min(burst_, tokens_ + elapsed_s * rate_);
}

bool RateLimiter::try_acquire(time_point now) {
  if (unlimited()) return true;
  tokens_ = tokens_at(now);
  if (!last_ || now > *last_) last_ = now;
  if (tokens_ < 1.0 - kEpsilon) return false;
  tokens_ -= 1.0;
  return true;
}

std::chrono::nanoseconds RateLimiter::wait_time(time_point now) const {
  if (unlimited()) return std::chrono::nanoseconds{0};
  const double missing = 1.0 - tokens_at(now);
  if (missing <= kEpsilon) return std::chrono::nanoseconds{0};
  // Round up: waking a nanosecond early would find the bucket still short.
  const double ns = std::min(std::ceil(missing / rate_ * 1e9), kMaxWaitNs);
  return std::chrono::nanoseconds{static_cast<std::int64_t>(ns)};
}

}  // namespace dicomsec::scan
