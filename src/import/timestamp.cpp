#include "import/timestamp.hpp"

#include <charconv>
#include <cstdint>

#include "core/time.hpp"

namespace dicomsec::import {

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool digits(std::string_view s, std::size_t at, std::size_t n, unsigned& out) {
  if (at + n > s.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + static_cast<unsigned>(s[i] - '0');
  }
  return true;
}

}  // namespace

std::optional<std::string> normalise_time(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '"')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '"' || s.back() == '\r')) s.remove_suffix(1);
  if (s.empty() || s.size() > 40) return std::nullopt;
  if (s.find('-') == std::string_view::npos) {  // Unix seconds, maybe with a fraction
    std::int64_t t = 0;
    const auto end = s.find('.');
    const auto whole = s.substr(0, end);
    const auto [p, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), t);
    if (ec != std::errc() || p != whole.data() + whole.size() || t < 0 || t > 253402300799)
      return std::nullopt;
    return iso8601_utc(t);
  }
  unsigned y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  if (!digits(s, 0, 4, y) || s[4] != '-' || !digits(s, 5, 2, mo) || s.size() < 10 || s[7] != '-' ||
      !digits(s, 8, 2, d))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
  std::size_t i = 10;
  std::int64_t offset = 0;
  if (i < s.size()) {
    if ((s[i] != 'T' && s[i] != ' ') || !digits(s, i + 1, 2, h) || s.size() < i + 6 ||
        s[i + 3] != ':' || !digits(s, i + 4, 2, mi))
      return std::nullopt;
    i += 6;
    if (i < s.size() && s[i] == ':') {
      if (!digits(s, i + 1, 2, se)) return std::nullopt;
      i += 3;
    }
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    }
    if (i < s.size()) {
      const auto zone = s.substr(i);
      unsigned oh = 0, om = 0;
      if (zone == "Z" || zone == "z" || zone == " UTC") {
      } else if ((zone[0] == '+' || zone[0] == '-') && zone.size() == 6 && zone[3] == ':' &&
                 digits(zone, 1, 2, oh) && digits(zone, 4, 2, om)) {
        offset = (zone[0] == '+' ? 1 : -1) * static_cast<std::int64_t>(oh * 3600 + om * 60);
      } else {
        return std::nullopt;
      }
    }
  }
  if (h > 23 || mi > 59 || se > 60) return std::nullopt;
  const std::int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset;
  if (t < 0) return std::nullopt;
  return iso8601_utc(t);
}

}  // namespace dicomsec::import
