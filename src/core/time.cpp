#include "core/time.hpp"

#include <fmt/format.h>

#include <array>
#include <optional>

namespace dicomsec {

namespace {

// The date and time without zone or fraction: "2026-11-25T21:00:00".
std::string seconds_part(const std::tm& utc) {
  std::array<char, 64> buf{};
  const auto n = std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%S", &utc);
  return std::string(buf.data(), n);
}

std::optional<std::tm> broken_down(std::int64_t unix_seconds) {
  const auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (!gmtime_r(&t, &tm)) return std::nullopt;
  return tm;
}

// value / per, rounded towards minus infinity, and the non-negative rest: a time before
// 1970 keeps its fraction counting forwards within its second.
struct Split {
  std::int64_t whole;
  std::int64_t fraction;
};
Split split(std::int64_t value, std::int64_t per) {
  Split s{value / per, value % per};
  if (s.fraction < 0) {
    s.fraction += per;
    --s.whole;
  }
  return s;
}

std::string with_fraction(std::int64_t value, std::int64_t per, int digits) {
  const auto s = split(value, per);
  const auto tm = broken_down(s.whole);
  if (!tm) return {};
  return fmt::format("{}.{:0{}}Z", seconds_part(*tm), s.fraction, digits);
}

}  // namespace

std::string iso8601_utc(const std::tm& utc) { return seconds_part(utc) + "Z"; }

std::string iso8601_utc(std::int64_t unix_seconds) {
  const auto tm = broken_down(unix_seconds);
  return tm ? iso8601_utc(*tm) : std::string();
}

std::string iso8601_utc_ms(std::int64_t unix_ms) { return with_fraction(unix_ms, 1'000, 3); }

std::string iso8601_utc_ms(std::chrono::system_clock::time_point t) {
  return iso8601_utc_ms(
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
}

std::string iso8601_utc_us(std::int64_t unix_us) { return with_fraction(unix_us, 1'000'000, 6); }

}  // namespace dicomsec
