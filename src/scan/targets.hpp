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

#include "core/result.hpp"

namespace dicomsec::scan {

// An address as 128 bits. IPv4 is stored IPv4-mapped (::ffff:a.b.c.d, RFC 4291 2.5.5.2) so
// one type, one ordering and one arithmetic serve both families. Bytes are big-endian, so
// the defaulted lexicographic comparison is numeric order.
struct Address {
  std::array<std::uint8_t, 16> bytes{};

  static constexpr Address from_v4(std::uint32_t v4) {
    Address a;
    a.bytes[10] = a.bytes[11] = 0xff;
    for (int i = 15; i >= 12; --i, v4 >>= 8) a.bytes[i] = static_cast<std::uint8_t>(v4);
    return a;
  }
  // Strict: "10.0.0.1", "::1", "::ffff:10.0.0.1"; no brackets, prefixes or zone IDs.
  static std::optional<Address> parse(std::string_view text);

  [[nodiscard]] bool is_v4() const;
  [[nodiscard]] std::uint32_t v4() const;  // the low 32 bits; meaningful when is_v4()
  // "127.0.0.1" for IPv4(-mapped), RFC 5952 canonical text ("::1", "fe80::1") otherwise.
  [[nodiscard]] std::string to_string() const;

  // Neighbours in 128-bit order; nullopt past ffff:...:ffff or below ::.
  [[nodiscard]] std::optional<Address> next() const;
  [[nodiscard]] std::optional<Address> prev() const;
  // This address plus n (mod 2^128); callers keep the result inside a range.
  [[nodiscard]] Address plus(std::uint64_t n) const;

  auto operator<=>(const Address&) const = default;
};

// An inclusive range of addresses. A scannable range is single-family: both ends IPv4, or
// both ends IPv6 without straddling the IPv4-mapped block (see single_family()).
struct AddressRange {
  Address first;
  Address last;

  static AddressRange single(const Address& a) { return {a, a}; }

  // last - first + 1; 0 when first > last; saturates at UINT64_MAX (only reachable for
  // IPv6 ranges, which parse_target caps at 2^40 addresses).
  [[nodiscard]] std::uint64_t size() const;
  [[nodiscard]] Address at(std::uint64_t i) const { return first.plus(i); }  // i < size()
  [[nodiscard]] bool contains(const Address& a) const { return first <= a && a <= last; }
  [[nodiscard]] bool is_v4() const { return first.is_v4(); }
  [[nodiscard]] bool single_family() const;
  // "10.0.0.1" for one address, "10.0.0.0-10.0.0.255" otherwise.
  [[nodiscard]] std::string to_string() const;

  bool operator==(const AddressRange&) const = default;
};

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
