#include "scan/ports.hpp"

#include <bitset>
#include <charconv>
#include <string>

#include "core/bytes.hpp"

namespace dicomsec::scan {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Result<std::uint16_t> parse_port(std::string_view text) {
  text = trim(text);
  const std::string shown = "'" + printable(text.substr(0, 32)) + "'";
  if (text.empty()) return Error{"empty port (stray ',' or '-'?)"};
  unsigned long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (end != text.data() + text.size()) return Error{"port " + shown + " is not a number"};
  if (ec == std::errc::result_out_of_range || value < 1 || value > 65535)
    return Error{"port " + shown + " is out of range 1-65535"};
  return static_cast<std::uint16_t>(value);
}

}  // namespace

Result<std::vector<std::uint16_t>> parse_ports(std::string_view spec) {
  const std::string shown =
      spec.size() > 64 ? printable(spec.substr(0, 61)) + "..." : printable(spec);
  auto bad = [&](const std::string& why) { return Error{"bad port list '" + shown + "': " + why}; };
  std::vector<std::uint16_t> out;
  std::bitset<65536> seen;  // 8 KiB, keeps dedup O(1) per port even for "1-65535"
  for (std::size_t pos = 0; pos <= spec.size();) {
    std::size_t comma = spec.find(',', pos);
    if (comma == std::string_view::npos) comma = spec.size();
    const std::string_view item = spec.substr(pos, comma - pos);
    pos = comma + 1;

    const std::size_t dash = item.find('-');
    auto lo = parse_port(item.substr(0, dash));
    if (!lo) return bad(lo.error().message);
    auto hi = dash == std::string_view::npos ? lo : parse_port(item.substr(dash + 1));
    if (!hi) return bad(hi.error().message);
    if (*hi < *lo) return bad("range " + printable(trim(item)) + " has its start after its end");
    for (unsigned p = *lo; p <= *hi; ++p) {
      if (!seen.test(p)) {
        seen.set(p);
        out.push_back(static_cast<std::uint16_t>(p));
      }
    }
  }
  return out;
}

}  // namespace dicomsec::scan
