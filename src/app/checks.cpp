#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <string>
#include <system_error>

#include "app/commands.hpp"

namespace dicomsec::app {

namespace {

// The whole text must be the number: no sign games, no trailing unit.
template <class T>
bool parse_all(const std::string& text, T& value) {
  const char* first = text.data();
  const char* last = text.data() + text.size();
  if constexpr (std::is_unsigned_v<T>)
    if (first != last && *first == '-') return false;  // from_chars would reject it anyway
  const auto [end, ec] = std::from_chars(first, last, value);
  return ec == std::errc{} && end == last && first != last;
}

std::string with_note(const std::string& message, const std::string& note) {
  return note.empty() ? message : fmt::format("{} ({})", message, note);
}

}  // namespace

CLI::Validator whole_number(unsigned long long lo, unsigned long long hi, std::string note) {
  return CLI::Validator(
      [lo, hi, note](std::string& text) -> std::string {
        unsigned long long v = 0;
        if (!parse_all(text, v) || v < lo || v > hi)
          return with_note(
              fmt::format("'{}' is not allowed: give a whole number from {} to {}", text, lo, hi),
              note);
        return {};
      },
      fmt::format("{}..{}", lo, hi));
}

CLI::Validator decimal_number(double lo, double hi, std::string note) {
  return CLI::Validator(
      [lo, hi, note](std::string& text) -> std::string {
        double v = 0;
        if (!parse_all(text, v) || !std::isfinite(v) || v < lo || v > hi)
          return with_note(fmt::format("'{}' is not allowed: give a number from {} to {}", text,
                                       static_cast<long long>(lo), static_cast<long long>(hi)),
                           note);
        return {};
      },
      fmt::format("{}..{}", static_cast<long long>(lo), static_cast<long long>(hi)));
}

}  // namespace dicomsec::app
