// Scan targets: addresses, address ranges and the TARGET syntax of `dicomsec scan`
// (DESIGN.md §2). Pure parsing, no DNS and no sockets: a hostname comes back as
// Unresolved for the caller to resolve.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/address.hpp"
#include "core/result.hpp"

namespace dicomsec::scan {

// The address types and parser are core's (core/address.hpp), shared with the gateway.
using dicomsec::Address;
using dicomsec::AddressRange;

// IPv6 ranges above this many addresses are refused: 2^40 is a /88, already ~35 years at
// 1000 probes/s. Anything wider is a typo or needs a hit list, not a sweep.
inline constexpr std::uint64_t kMaxIpv6RangeSize = std::uint64_t{1} << 40;

struct Unresolved {
  std::string hostname;
  bool operator==(const Unresolved&) const = default;
};

using Target = std::variant<AddressRange, Unresolved>;

// One TARGET token: "10.0.0.1", "::1", "[::1]", "10.0.0.0/16", "fe80::/120",
// "10.0.0.1-10.0.0.50", "10.0.0.1-50", "[fe80::1]-[fe80::ff]" or a hostname.
// CIDR host bits are ignored ("10.0.0.7/24" is 10.0.0.0-10.0.0.255), as nmap does.
// Errors name the token: "bad target '10.0.0.300': octet '300' is out of range 0-255".
Result<Target> parse_target(std::string_view token);

// Targets from a stream (-iL FILE, or "-" for stdin): tokens separated by whitespace or
// commas, '#' starts a comment, blank lines are fine. Errors read "SOURCE:LINE: bad ...".
Result<std::vector<Target>> parse_target_list(std::istream& in, std::string_view source_name);

// An --exclude token: like parse_target, but hostnames are refused (excluding by name would
// need DNS and could silently miss addresses) and IPv6 ranges have no size cap.
Result<AddressRange> parse_exclude(std::string_view token);
Result<std::vector<AddressRange>> parse_exclude_list(std::istream& in,
                                                     std::string_view source_name);

}  // namespace dicomsec::scan
