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

// ASCII only: hostnames are LDH (RFC 1123) and the C locale must not matter.
bool is_alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

std::string quoted(std::string_view s) { return "'" + printable(s) + "'"; }

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
    auto r = parse_cidr(*text, token.substr(slash + 1));
    if (!r) return r.error();
    if (r->first.is_v4() != r->last.is_v4()) return Error{"range mixes IPv4 and IPv6"};
    return *r;
  }
  if (const std::size_t dash = token.find('-'); dash != std::string_view::npos) {
    const std::string_view left = token.substr(0, dash);
    const std::string_view right = token.substr(dash + 1);
    auto first = parse_bracketed(left);
    if (!first) return Error{"range start: " + first.error().message};
    Address last = *first;
    // "10.0.0.1-50": a bare number replaces the last octet (nmap's short form).
    if (const auto octet = parse_small_decimal(right);
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
    const U128 span = u128_sub(to_u128(range->last), to_u128(range->first));
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
