#include "core/address.hpp"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstring>

#include "core/bytes.hpp"

namespace dicomsec {
namespace {

// memcpy + byte swap instead of byte loops: Address::plus is on PairIterator's hot path.
std::uint64_t load_be64(const std::uint8_t* p) {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
  return v;
}

void store_be64(std::uint64_t v, std::uint8_t* p) {
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
  std::memcpy(p, &v, sizeof v);
}

// Bounds of the IPv4-mapped block ::ffff:0:0/96.
constexpr Address kMappedFirst = Address::from_v4(0);
constexpr Address kMappedLast = Address::from_v4(0xffffffffU);

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string quoted(std::string_view s) { return "'" + printable(s) + "'"; }

Result<std::uint32_t> parse_v4(std::string_view s) {
  const Error shape{"an IPv4 address is 4 dot-separated octets"};
  std::uint32_t value = 0;
  int parts = 0;
  for (std::size_t pos = 0;;) {
    const std::size_t dot = s.find('.', pos);
    const std::string_view part = s.substr(pos, dot == std::string_view::npos ? dot : dot - pos);
    if (++parts > 4) return shape;
    if (part.empty()) return Error{"empty octet; " + shape.message};
    if (!all_digits(part)) return Error{"octet " + quoted(part) + " is not a decimal number"};
    // inet_aton reads "010" as octal 8; refusing is clearer than guessing.
    if (part.size() > 1 && part[0] == '0')
      return Error{"octet " + quoted(part) + " has a leading zero (octal or decimal?)"};
    const auto n = parse_small_decimal(part);
    if (!n || *n > 255) return Error{"octet " + quoted(part) + " is out of range 0-255"};
    value = (value << 8) | *n;
    if (dot == std::string_view::npos) break;
    pos = dot + 1;
  }
  if (parts != 4) return shape;
  return value;
}

struct Groups {
  std::array<std::uint16_t, 8> g{};
  std::size_t n = 0;
  bool push(std::uint16_t v) {
    if (n == g.size()) return false;
    g[n++] = v;
    return true;
  }
};

// One side of "::": colon-separated groups of 1-4 hex digits, optionally ending in a
// dotted IPv4 address that fills two groups (RFC 4291 2.2 form 3).
Result<Groups> parse_groups(std::string_view part, bool v4_tail_allowed) {
  Groups out;
  const Error too_many{"too many groups (an IPv6 address has 8)"};
  if (part.empty()) return out;
  for (std::size_t pos = 0;;) {
    const std::size_t colon = part.find(':', pos);
    const bool last = colon == std::string_view::npos;
    const std::string_view group = part.substr(pos, last ? colon : colon - pos);
    if (group.empty()) return Error{"empty group (a single ':' where '::' was meant?)"};
    if (group.find('.') != std::string_view::npos) {
      if (!last || !v4_tail_allowed)
        return Error{"an embedded IPv4 address may only end an IPv6 address"};
      auto v4 = parse_v4(group);
      if (!v4) return v4.error();
      if (!out.push(static_cast<std::uint16_t>(*v4 >> 16)) ||
          !out.push(static_cast<std::uint16_t>(*v4)))
        return too_many;
      return out;
    }
    unsigned value = 0;
    for (char c : group) {
      const int digit = hex_digit(c);
      if (digit < 0 || group.size() > 4)
        return Error{"group " + quoted(group) + " is not 1-4 hex digits"};
      value = value * 16 + static_cast<unsigned>(digit);
    }
    if (!out.push(static_cast<std::uint16_t>(value))) return too_many;
    if (last) return out;
    pos = colon + 1;
  }
}

Result<Address> parse_v6(std::string_view s) {
  if (s.find('%') != std::string_view::npos)
    return Error{"IPv6 zone IDs ('%eth0') are not supported; use a global address"};
  const std::size_t gap = s.find("::");
  if (gap != std::string_view::npos && s.find("::", gap + 1) != std::string_view::npos)
    return Error{"'::' may appear only once in an IPv6 address"};
  const bool has_gap = gap != std::string_view::npos;
  auto head = parse_groups(has_gap ? s.substr(0, gap) : s, !has_gap);
  if (!head) return head.error();
  auto tail = parse_groups(has_gap ? s.substr(gap + 2) : std::string_view{}, true);
  if (!tail) return tail.error();
  // "::" stands for at least one zero group (RFC 4291 2.2 form 2).
  if (has_gap ? head->n + tail->n > 7 : head->n != 8)
    return Error{has_gap ? "too many groups around '::'" : "an IPv6 address has 8 groups"};
  std::array<std::uint16_t, 8> g{};
  std::copy_n(head->g.begin(), head->n, g.begin());
  std::copy_n(tail->g.begin(), tail->n, g.end() - static_cast<std::ptrdiff_t>(tail->n));
  Address a;
  for (std::size_t i = 0; i < 8; ++i) {
    a.bytes[2 * i] = static_cast<std::uint8_t>(g[i] >> 8);
    a.bytes[2 * i + 1] = static_cast<std::uint8_t>(g[i]);
  }
  return a;
}

}  // namespace

// Small decimal (at most 3 digits, so no overflow); nullopt when not digits.
std::optional<unsigned> parse_small_decimal(std::string_view s) {
  if (!all_digits(s) || s.size() > 3) return std::nullopt;
  unsigned v = 0;
  for (char c : s) v = v * 10 + static_cast<unsigned>(c - '0');
  return v;
}

U128 to_u128(const Address& a) {
  return {load_be64(a.bytes.data()), load_be64(a.bytes.data() + 8)};
}

Address from_u128(U128 v) {
  Address a;
  store_be64(v.hi, a.bytes.data());
  store_be64(v.lo, a.bytes.data() + 8);
  return a;
}

U128 u128_sub(U128 a, U128 b) { return {a.hi - b.hi - (a.lo < b.lo ? 1 : 0), a.lo - b.lo}; }

Result<Address> parse_address(std::string_view s) {
  if (s.empty()) return Error{"empty address"};
  if (s.find(':') != std::string_view::npos) return parse_v6(s);
  auto v4 = parse_v4(s);
  if (!v4) return v4.error();
  return Address::from_v4(*v4);
}

Result<AddressRange> parse_cidr(std::string_view address, std::string_view prefix) {
  auto base = parse_address(address);
  if (!base) return base.error();
  const bool v6_syntax = address.find(':') != std::string_view::npos;
  const unsigned max = v6_syntax ? 128 : 32;
  const auto bits = parse_small_decimal(prefix);
  if (!bits || *bits > max)
    return Error{"prefix " + quoted(prefix) + " is not a number 0-" + std::to_string(max)};
  AddressRange r{*base, *base};
  for (unsigned i = v6_syntax ? *bits : 96 + *bits; i < 128; ++i) {  // clear / set host bits
    const auto mask = static_cast<std::uint8_t>(0x80U >> (i % 8));
    r.first.bytes[i / 8] &= static_cast<std::uint8_t>(~mask);
    r.last.bytes[i / 8] |= mask;
  }
  return r;
}

std::optional<Address> Address::parse(std::string_view text) {
  auto a = parse_address(text);
  if (!a) return std::nullopt;
  return *a;
}

bool Address::is_v4() const {
  return std::all_of(bytes.begin(), bytes.begin() + 10, [](std::uint8_t b) { return b == 0; }) &&
         bytes[10] == 0xff && bytes[11] == 0xff;
}

std::uint32_t Address::v4() const {
  return (std::uint32_t{bytes[12]} << 24) | (std::uint32_t{bytes[13]} << 16) |
         (std::uint32_t{bytes[14]} << 8) | bytes[15];
}

std::string Address::to_string() const {
  char buf[48];
  if (is_v4()) {
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", unsigned{bytes[12]}, unsigned{bytes[13]},
                  unsigned{bytes[14]}, unsigned{bytes[15]});
    return buf;
  }
  std::array<unsigned, 8> g{};
  for (std::size_t i = 0; i < 8; ++i) g[i] = (unsigned{bytes[2 * i]} << 8) | bytes[2 * i + 1];
  // RFC 5952 4.2: "::" replaces the longest run (>= 2) of zero groups, the first on a tie.
  std::size_t best = 8, best_len = 1;
  for (std::size_t i = 0; i < 8;) {
    std::size_t j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j == i ? i + 1 : j;
  }
  std::string out;
  for (std::size_t i = 0; i < 8; ++i) {
    if (i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(buf, sizeof buf, "%x", g[i]);  // RFC 5952 4.3: lowercase, no leading 0s
    out += buf;
  }
  return out;
}

std::optional<Address> Address::next() const {
  const U128 v = to_u128(*this);
  if (v.hi == ~std::uint64_t{0} && v.lo == ~std::uint64_t{0}) return std::nullopt;
  return from_u128({v.hi + (v.lo == ~std::uint64_t{0} ? 1 : 0), v.lo + 1});
}

std::optional<Address> Address::prev() const {
  const U128 v = to_u128(*this);
  if (v.hi == 0 && v.lo == 0) return std::nullopt;
  return from_u128(u128_sub(v, {0, 1}));
}

Address Address::plus(std::uint64_t n) const {
  const U128 v = to_u128(*this);
  const std::uint64_t lo = v.lo + n;
  return from_u128({v.hi + (lo < v.lo ? 1 : 0), lo});
}

std::uint64_t AddressRange::size() const {
  if (last < first) return 0;
  const U128 span = u128_sub(to_u128(last), to_u128(first));
  if (span.hi != 0 || span.lo == ~std::uint64_t{0}) return ~std::uint64_t{0};
  return span.lo + 1;
}

bool AddressRange::single_family() const {
  if (first.is_v4() != last.is_v4()) return false;
  return first.is_v4() || !(first < kMappedFirst && kMappedLast < last);
}

std::string AddressRange::to_string() const {
  return first == last ? first.to_string() : first.to_string() + "-" + last.to_string();
}

}  // namespace dicomsec
