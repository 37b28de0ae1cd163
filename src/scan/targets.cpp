#include "scan/targets.hpp"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstring>
#include <istream>

#include "core/bytes.hpp"

namespace dicomsec::scan {
namespace {

// Longer tokens are refused before parsing so error messages (which quote the token) and
// work per token stay bounded on hostile -iL files. 253 (max DNS name) + slack.
constexpr std::size_t kMaxTokenLength = 300;

// 128-bit arithmetic on addresses as two big-endian halves.
struct U128 {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
};

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

U128 to_u128(const Address& a) {
  return {load_be64(a.bytes.data()), load_be64(a.bytes.data() + 8)};
}

Address from_u128(U128 v) {
  Address a;
  store_be64(v.hi, a.bytes.data());
  store_be64(v.lo, a.bytes.data() + 8);
  return a;
}

U128 sub(U128 a, U128 b) {  // a - b, a >= b
  return {a.hi - b.hi - (a.lo < b.lo ? 1 : 0), a.lo - b.lo};
}

// Bounds of the IPv4-mapped block ::ffff:0:0/96.
constexpr Address kMappedFirst = Address::from_v4(0);
constexpr Address kMappedLast = Address::from_v4(0xffffffffU);

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Small decimal (at most 3 digits, so no overflow); nullopt when not digits.
std::optional<unsigned> small_decimal(std::string_view s) {
  if (!all_digits(s) || s.size() > 3) return std::nullopt;
  unsigned v = 0;
  for (char c : s) v = v * 10 + static_cast<unsigned>(c - '0');
  return v;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// ASCII only: hostnames are LDH (RFC 1123) and the C locale must not matter.
bool is_alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
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
    const auto n = small_decimal(part);
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

Result<Address> parse_address(std::string_view s) {
  if (s.empty()) return Error{"empty address"};
  if (s.find(':') != std::string_view::npos) return parse_v6(s);
  auto v4 = parse_v4(s);
  if (!v4) return v4.error();
  return Address::from_v4(*v4);
}

// "[::1]" -> "::1". Brackets are the URL form of an IPv6 literal (RFC 3986 3.2.2).
Result<std::string_view> strip_brackets(std::string_view s) {
  if (s.empty() || s.front() != '[') {
    if (s.find_first_of("[]") != std::string_view::npos) return Error{"unbalanced '[' or ']'"};
    return s;
  }
  const std::size_t close = s.find(']');
  if (close == std::string_view::npos) return Error{"'[' without a closing ']'"};
  if (close != s.size() - 1)
    return Error{"unexpected text after ']' (ports are given with -p, not HOST:PORT)"};
  const std::string_view inner = s.substr(1, close - 1);
  if (inner.find(':') == std::string_view::npos)
    return Error{"brackets are only for IPv6 addresses"};
  return inner;
}

Result<Address> parse_bracketed(std::string_view s) {
  auto inner = strip_brackets(s);
  if (!inner) return inner.error();
  return parse_address(*inner);
}

// Address, CIDR or range, before the include/exclude policy checks.
Result<AddressRange> parse_address_form(std::string_view token) {
  if (const std::size_t slash = token.find('/'); slash != std::string_view::npos) {
    auto text = strip_brackets(token.substr(0, slash));
    if (!text) return text.error();
    auto base = parse_address(*text);
    if (!base) return base.error();
    const bool v6_syntax = text->find(':') != std::string_view::npos;
    const unsigned max = v6_syntax ? 128 : 32;
    const auto prefix = small_decimal(token.substr(slash + 1));
    if (!prefix || *prefix > max)
      return Error{"prefix " + quoted(token.substr(slash + 1)) + " is not a number 0-" +
                   std::to_string(max)};
    const unsigned bits = v6_syntax ? *prefix : 96 + *prefix;
    AddressRange r{*base, *base};
    for (unsigned i = bits; i < 128; ++i) {  // clear / set the host bits
      const auto mask = static_cast<std::uint8_t>(0x80U >> (i % 8));
      r.first.bytes[i / 8] &= static_cast<std::uint8_t>(~mask);
      r.last.bytes[i / 8] |= mask;
    }
    if (r.first.is_v4() != r.last.is_v4()) return Error{"range mixes IPv4 and IPv6"};
    return r;
  }
  if (const std::size_t dash = token.find('-'); dash != std::string_view::npos) {
    const std::string_view left = token.substr(0, dash);
    const std::string_view right = token.substr(dash + 1);
    auto first = parse_bracketed(left);
    if (!first) return Error{"range start: " + first.error().message};
    Address last = *first;
    // "10.0.0.1-50": a bare number replaces the last octet (nmap's short form).
    if (const auto octet = small_decimal(right);
        octet && first->is_v4() && left.find(':') == std::string_view::npos) {
      if (*octet > 255) return Error{"range end octet " + quoted(right) + " is out of range 0-255"};
      last.bytes[15] = static_cast<std::uint8_t>(*octet);
    } else {
      auto end = parse_bracketed(right);
      if (!end) return Error{"range end: " + end.error().message};
      last = *end;
    }
    if (first->is_v4() != last.is_v4()) return Error{"range mixes IPv4 and IPv6"};
    if (last < *first) return Error{"range start is after its end"};
    return AddressRange{*first, last};
  }
  auto a = parse_bracketed(token);
  if (!a) return a.error();
  return AddressRange::single(*a);
}

// Why `name` is not a usable DNS name (RFC 1123 2.1), or nullopt when it is. Underscores are
// tolerated: internal zones use them and the resolver, not we, has the last word.
std::optional<std::string> hostname_problem(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);  // fully qualified
  if (name.empty()) return "empty hostname";
  if (name.size() > 253) return "hostname longer than 253 characters";
  for (std::size_t pos = 0; pos <= name.size();) {
    std::size_t dot = name.find('.', pos);
    if (dot == std::string_view::npos) dot = name.size();
    const std::string_view label = name.substr(pos, dot - pos);
    if (label.empty()) return "empty label ('..') in hostname";
    if (label.size() > 63) return "hostname label longer than 63 characters";
    for (char c : label) {
      if (!is_alnum(c) && c != '-' && c != '_') {
        char buf[48];
        std::snprintf(buf, sizeof buf, "character 0x%02x is not allowed in a hostname",
                      static_cast<unsigned>(static_cast<unsigned char>(c)));
        return std::string(buf);
      }
    }
    if (label.front() == '-' || label.back() == '-')
      return "hostname label starts or ends with '-'";
    pos = dot + 1;
  }
  return std::nullopt;
}

// Number of bits needed for `v` (its base-2 magnitude), for "2^N addresses" messages.
unsigned bit_width(U128 v) {
  return v.hi != 0 ? 64 + static_cast<unsigned>(std::bit_width(v.hi))
                   : static_cast<unsigned>(std::bit_width(v.lo));
}

enum class Use { Scan, Exclude };

Result<Target> parse_token(std::string_view token, Use use) {
  const std::string shown =
      token.size() > 64 ? printable(token.substr(0, 61)) + "..." : printable(token);
  auto bad = [&](const std::string& why) { return Error{"bad target '" + shown + "': " + why}; };
  if (token.empty()) return bad("empty target");
  if (token.size() > kMaxTokenLength) return bad("longer than 300 characters");

  // Dispatch on shape. Real hostnames have a letter outside [0-9.-] (a top-level domain is
  // never all-numeric, RFC 3696 2), so "10.0.0.300" is a bad address, not a name to resolve.
  const bool v6ish = token.find_first_of(":[") != std::string_view::npos;
  const bool v4ish = token.find_first_not_of("0123456789.-/") == std::string_view::npos;
  if (!v6ish && !v4ish) {
    if (token.find('/') != std::string_view::npos)
      return bad("a /prefix needs an IP address, not a hostname");
    if (auto why = hostname_problem(token))
      return bad("not an IP address, range, CIDR or hostname (" + *why + ")");
    if (use == Use::Exclude)
      return bad("exclusions must be addresses, ranges or CIDRs, not hostnames");
    return Target{Unresolved{std::string(token)}};
  }

  auto range = parse_address_form(token);
  if (!range) return bad(range.error().message);
  if (use == Use::Scan && !range->is_v4()) {
    const U128 span = sub(to_u128(range->last), to_u128(range->first));
    if (span.hi != 0 || span.lo >= kMaxIpv6RangeSize) {
      const unsigned bits = bit_width(span);
      // span + 1 is a power of two exactly when span is all ones below its top bit.
      const bool exact = span.hi == 0
                             ? (span.lo & (span.lo + 1)) == 0
                             : span.lo == ~std::uint64_t{0} && (span.hi & (span.hi + 1)) == 0;
      return bad("IPv6 range of " + std::string(exact ? "" : "~") + "2^" + std::to_string(bits) +
                 " addresses is too large to scan (max /88)");
    }
    if (!range->single_family())
      return bad(
          "IPv6 range overlaps the IPv4-mapped block ::ffff:0:0/96; give IPv4 "
          "targets in IPv4 form");
  }
  return Target{*range};
}

template <class T, class ParseOne>
Result<std::vector<T>> parse_lines(std::istream& in, std::string_view source, ParseOne one) {
  std::vector<T> out;
  std::string line;
  for (std::size_t line_no = 1; std::getline(in, line); ++line_no) {
    std::string_view rest(line);
    rest = rest.substr(0, rest.find('#'));
    constexpr std::string_view kSeparators = " \t\r\n\v\f,";
    while (true) {
      const std::size_t start = rest.find_first_not_of(kSeparators);
      if (start == std::string_view::npos) break;
      rest.remove_prefix(start);
      const std::size_t end = std::min(rest.find_first_of(kSeparators), rest.size());
      auto parsed = one(rest.substr(0, end));
      if (!parsed)
        return Error{std::string(source) + ":" + std::to_string(line_no) + ": " +
                     parsed.error().message};
      out.push_back(std::move(parsed).value());
      rest.remove_prefix(end);
    }
  }
  if (in.bad()) return Error{std::string(source) + ": read error"};
  return out;
}

}  // namespace

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
  return from_u128(sub(v, {0, 1}));
}

Address Address::plus(std::uint64_t n) const {
  const U128 v = to_u128(*this);
  const std::uint64_t lo = v.lo + n;
  return from_u128({v.hi + (lo < v.lo ? 1 : 0), lo});
}

std::uint64_t AddressRange::size() const {
  if (last < first) return 0;
  const U128 span = sub(to_u128(last), to_u128(first));
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

Result<Target> parse_target(std::string_view token) { return parse_token(token, Use::Scan); }

Result<std::vector<Target>> parse_target_list(std::istream& in, std::string_view source_name) {
  return parse_lines<Target>(in, source_name, parse_target);
}

Result<AddressRange> parse_exclude(std::string_view token) {
  auto t = parse_token(token, Use::Exclude);
  if (!t) return t.error();
  return std::get<AddressRange>(*t);  // Use::Exclude never yields Unresolved
}

Result<std::vector<AddressRange>> parse_exclude_list(std::istream& in,
                                                     std::string_view source_name) {
  return parse_lines<AddressRange>(in, source_name, parse_exclude);
}

}  // namespace dicomsec::scan
