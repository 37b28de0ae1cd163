#include "core/time.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <ctime>

namespace dicomsec {
namespace {

TEST(Iso8601, Seconds) {
  EXPECT_EQ(iso8601_utc(std::int64_t{0}), "1970-01-01T00:00:00Z");
  EXPECT_EQ(iso8601_utc(std::int64_t{1700000000}), "2023-11-14T22:13:20Z");
  EXPECT_EQ(iso8601_utc(std::int64_t{253402300799}), "9999-12-31T23:59:59Z");
  EXPECT_EQ(iso8601_utc(std::int64_t{951782400}), "2000-02-29T00:00:00Z");  // leap day
  EXPECT_EQ(iso8601_utc(std::int64_t{-1}), "1969-12-31T23:59:59Z");
}

TEST(Iso8601, BrokenDown) {
  std::tm tm{};
  tm.tm_year = 2049 - 1900;
  tm.tm_mon = 11;
  tm.tm_mday = 31;
  tm.tm_hour = 23;
  tm.tm_min = 59;
  tm.tm_sec = 59;
  EXPECT_EQ(iso8601_utc(tm), "2049-12-31T23:59:59Z");
}

TEST(Iso8601, Milliseconds) {
  EXPECT_EQ(iso8601_utc_ms(std::int64_t{0}), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso8601_utc_ms(std::int64_t{1700000000042}), "2023-11-14T22:13:20.042Z");
  EXPECT_EQ(iso8601_utc_ms(std::int64_t{1700000000999}), "2023-11-14T22:13:20.999Z");
  // Before 1970 the fraction still counts forwards within its second.
  EXPECT_EQ(iso8601_utc_ms(std::int64_t{-1}), "1969-12-31T23:59:59.999Z");
  // A system_clock time is truncated to the millisecond, never rounded up.
  const std::chrono::system_clock::time_point t{
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::microseconds{1700000000042999})};
  EXPECT_EQ(iso8601_utc_ms(t), "2023-11-14T22:13:20.042Z");
}

TEST(Iso8601, Microseconds) {
  EXPECT_EQ(iso8601_utc_us(std::int64_t{0}), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(iso8601_utc_us(std::int64_t{1700000000000042}), "2023-11-14T22:13:20.000042Z");
  EXPECT_EQ(iso8601_utc_us(std::int64_t{1700000000123456}), "2023-11-14T22:13:20.123456Z");
  EXPECT_EQ(iso8601_utc_us(std::int64_t{-1}), "1969-12-31T23:59:59.999999Z");
}

TEST(Iso8601, SameTextAtEveryPrecision) {
  // The three forms agree on the seconds, so sorting and prefix comparisons mix them safely.
  const std::int64_t s = 1764400000;
  const auto base = iso8601_utc(s);
  ASSERT_EQ(base.size(), 20U);
  EXPECT_EQ(iso8601_utc_ms(s * 1000 + 5).substr(0, 19), base.substr(0, 19));
  EXPECT_EQ(iso8601_utc_us(s * 1000000 + 5).substr(0, 19), base.substr(0, 19));
}

}  // namespace
}  // namespace dicomsec
