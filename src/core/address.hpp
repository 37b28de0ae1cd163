// IP addresses and CIDR prefixes, the one parser every module shares: scan targets and
// --exclude, import's --netblocks (through scan), the gateway's --allow ...@CIDR. Pure text
// and arithmetic; no DNS, no sockets. Errors name the part that is wrong ("octet '300' is
// out of range 0-255"); callers add the token and their own context.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace dicomsec {

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

// Strict address text: "10.0.0.1", "::1", "::ffff:10.0.0.1", "64:ff9b::192.0.2.1". No
// brackets, prefixes, zone IDs, or octal/short IPv4 forms ("010.1", "10.1").
Result<Address> parse_address(std::string_view text);

// "[::1]" -> "::1": the brackets of an address written URL-style (RFC 3986 3.2.2), where a
// listener, a config or a vendor export may add them; anything else is returned unchanged.
// Lenient on purpose (what is inside is parse_address's to judge).
inline std::string_view strip_ip_brackets(std::string_view s) {
  if (s.size() > 2 && s.front() == '[' && s.back() == ']') return s.substr(1, s.size() - 2);
  return s;
}

// ADDRESS/PREFIX given as its two halves (brackets already removed from the address):
// ("10.0.0.7", "24") is 10.0.0.0-10.0.0.255 (host bits are ignored, as nmap does); the
// prefix is 0-32 after IPv4 syntax, 0-128 after IPv6 syntax. A prefix that reaches across
// the IPv4-mapped block (::/80) yields a range with an IPv4-mapped end: callers that need a
// single-family range check it.
Result<AddressRange> parse_cidr(std::string_view address, std::string_view prefix);

// Up to 3 decimal digits (octets, prefix lengths, "10.0.0.1-50"): nullopt for anything else.
std::optional<unsigned> parse_small_decimal(std::string_view s);

// 128-bit arithmetic on addresses as two big-endian halves.
struct U128 {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
};
U128 to_u128(const Address& a);
Address from_u128(U128 v);
U128 u128_sub(U128 a, U128 b);  // a - b, a >= b

}  // namespace dicomsec
