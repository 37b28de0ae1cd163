#include "scan/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace dicomsec::scan {
namespace {

using namespace std::chrono_literals;
const RateLimiter::time_point t0{};

TEST(RateLimiter, StartsFullThenRefillsAtRate) {
  RateLimiter lim(10, 3);  // 10/s, burst 3
  EXPECT_TRUE(lim.try_acquire(t0));
  EXPECT_TRUE(lim.try_acquire(t0));
  EXPECT_TRUE(lim.try_acquire(t0));
  EXPECT_FALSE(lim.try_acquire(t0));
  EXPECT_EQ(lim.wait_time(t0), 100ms);
  EXPECT_EQ(lim.wait_time(t0 + 40ms), 60ms);
  EXPECT_FALSE(lim.try_acquire(t0 + 99ms));
  EXPECT_TRUE(lim.try_acquire(t0 + 100ms));
  EXPECT_FALSE(lim.try_acquire(t0 + 100ms));
}

TEST(RateLimiter, AcquiringAfterWaitTimeAlwaysSucceeds) {
  RateLimiter lim(7.3, 1);  // a rate whose period is not a whole number of ns
  auto now = t0;
  ASSERT_TRUE(lim.try_acquire(now));
  for (int i = 0; i < 1000; ++i) {
    const auto wait = lim.wait_time(now);
    ASSERT_GT(wait, 0ns);
    now += wait;
    ASSERT_TRUE(lim.try_acquire(now)) << "iteration " << i;
  }
  // 1000 tokens at 7.3/s take ~137 s; rounding up must not drift by more than a tick each.
  EXPECT_NEAR(std::chrono::duration<double>(now - t0).count(), 1000 / 7.3, 1e-3);
}

TEST(RateLimiter, BurstCapsSavedTokens) {
  RateLimiter lim(100, 5);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(lim.try_acquire(t0));
  int granted = 0;
  while (lim.try_acquire(t0 + 1h)) ++granted;  // an hour idle still saves only `burst`
  EXPECT_EQ(granted, 5);
}

TEST(RateLimiter, LongRunAverageMatchesRate) {
  RateLimiter lim(1000, 1);
  int granted = 0;
  for (auto now = t0; now < t0 + 10s; now += 100us) granted += lim.try_acquire(now) ? 1 : 0;
  EXPECT_NEAR(granted, 10000, 2);
}

TEST(RateLimiter, ZeroMeansUnlimited) {
  RateLimiter lim(0, 1);
  EXPECT_TRUE(lim.unlimited());
  for (int i = 0; i < 100000; ++i) ASSERT_TRUE(lim.try_acquire(t0));
  EXPECT_EQ(lim.wait_time(t0), 0ns);
  EXPECT_TRUE(RateLimiter(-5, 1).unlimited());
  EXPECT_TRUE(RateLimiter(std::numeric_limits<double>::quiet_NaN(), 1).unlimited());
}

TEST(RateLimiter, ClampsOddParameters) {
  RateLimiter tiny_burst(10, 0);
  EXPECT_EQ(tiny_burst.burst(), 1.0);
  EXPECT_TRUE(tiny_burst.try_acquire(t0));
  RateLimiter slow(1e-15, 1);
  ASSERT_TRUE(slow.try_acquire(t0));
  EXPECT_GT(slow.wait_time(t0), 24h * 365 * 10) << "no overflow for absurd rates";
}

TEST(RateLimiter, TimeGoingBackwardsIsHarmless) {
  RateLimiter lim(1, 1);
  ASSERT_TRUE(lim.try_acquire(t0 + 10s));
  EXPECT_FALSE(lim.try_acquire(t0 + 5s));
  EXPECT_FALSE(lim.try_acquire(t0 + 10s + 999ms));
  EXPECT_TRUE(lim.try_acquire(t0 + 11s));
}

}  // namespace
}  // namespace dicomsec::scan
