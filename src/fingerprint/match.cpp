// Matching primitives: UID roots at component boundaries, version-name patterns, and the
// version normalisation they share. All work on bytes; nothing here assumes ASCII input.
#include <cstddef>

#include "fingerprint/rules.hpp"

namespace dicomsec::fingerprint::detail {
namespace {

// Versions we report are short and made of safe characters only, whatever the peer sent.
constexpr std::size_t kMaxVersionLength = 32;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with(std::string_view s, std::string_view prefix, bool ignore_case) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    const char a = ignore_case ? lower(s[i]) : s[i];
    const char b = ignore_case ? lower(prefix[i]) : prefix[i];
    if (a != b) return false;
  }
  return true;
}

// "5.31.2" from "5.31.2-SNAPSHOT"; "1.4.17d" keeps a letter suffix that ends the token.
std::optional<std::string> normalise_dotted(std::string_view token) {
  std::size_t n = 0;
  while (n < token.size() && (is_digit(token[n]) || token[n] == '.')) ++n;
  std::string_view numeric = token.substr(0, n);
  while (!numeric.empty() && numeric.back() == '.') numeric.remove_suffix(1);
  if (numeric.empty() || !is_digit(numeric.front())) return std::nullopt;
  std::string out(numeric);
  if (n == numeric.size()) {  // no trailing dot was dropped: a letter suffix may follow
    std::size_t m = n;
    while (m < token.size() && is_alpha(token[m])) ++m;
    if (m == token.size() && m > n) out.append(token.substr(n));
  }
  if (out.size() > kMaxVersionLength) return std::nullopt;
  return out;
}

bool is_version_char(char c) {
  return is_digit(c) || is_alpha(c) || c == '.' || c == '-' || c == '_';
}

}  // namespace

std::string_view trim_padding(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\0')) s.remove_prefix(1);
  return s;
}

bool uid_has_root(std::string_view uid, std::string_view root) {
  if (root.empty() || uid.size() < root.size()) return false;
  if (uid.substr(0, root.size()) != root) return false;
  return uid.size() == root.size() || uid[root.size()] == '.';
}

std::optional<std::string> unpack_digits(std::string_view digits) {
  if (digits.empty() || digits.size() > 8) return std::nullopt;
  for (char c : digits)
    if (!is_digit(c)) return std::nullopt;
  std::string out(1, digits[0]);
  if (digits.size() >= 2) {
    out += '.';
    out += digits[1];
  }
  if (digits.size() >= 3) {
    out += '.';
    // Drop leading zeros of the patch part ("3.6.07" is not a version anyone writes).
    std::string_view rest = digits.substr(2);
    while (rest.size() > 1 && rest.front() == '0') rest.remove_prefix(1);
    out.append(rest);
  }
  return out;
}

std::optional<std::string> uid_version_after(std::string_view uid, std::string_view root,
                                             std::string_view infix) {
  if (!uid_has_root(uid, root) || uid.size() == root.size()) return std::nullopt;
  std::string_view rest = uid.substr(root.size() + 1);
  if (!infix.empty()) {
    if (!uid_has_root(rest, infix) || rest.size() == infix.size()) return std::nullopt;
    rest = rest.substr(infix.size() + 1);
  }
  // Components must be non-empty runs of digits.
  if (rest.empty() || rest.size() > kMaxVersionLength) return std::nullopt;
  bool last_was_dot = true;
  for (char c : rest) {
    if (c == '.') {
      if (last_was_dot) return std::nullopt;
      last_was_dot = true;
    } else if (is_digit(c)) {
      last_was_dot = false;
    } else {
      return std::nullopt;
    }
  }
  if (last_was_dot) return std::nullopt;
  return std::string(rest);
}

std::optional<NameMatch> match_version_name(std::string_view name, std::string_view pattern,
                                            bool ignore_case) {
  if (pattern.empty()) return std::nullopt;
  bool any_tail = false;
  if (pattern.back() == '*') {
    any_tail = true;
    pattern.remove_suffix(1);
  }
  enum class Slot { None, Digits, Ver };
  Slot slot = Slot::None;
  std::string_view before = pattern;
  std::string_view after;
  if (auto p = pattern.find("{digits}"); p != std::string_view::npos) {
    slot = Slot::Digits;
    before = pattern.substr(0, p);
    after = pattern.substr(p + 8);
  } else if (auto q = pattern.find("{ver}"); q != std::string_view::npos) {
    slot = Slot::Ver;
    before = pattern.substr(0, q);
    after = pattern.substr(q + 5);
  }

  if (!starts_with(name, before, ignore_case)) return std::nullopt;
  std::string_view rest = name.substr(before.size());
  NameMatch m;
  m.literal_length = before.size() + after.size();

  if (slot != Slot::None) {
    std::size_t n = 0;
    if (slot == Slot::Digits) {
      while (n < rest.size() && is_digit(rest[n])) ++n;
    } else if (!rest.empty() && is_digit(rest[0])) {
      while (n < rest.size() && is_version_char(rest[n])) ++n;
    }
    if (n == 0) return std::nullopt;
    const std::string_view token = rest.substr(0, n);
    m.version = slot == Slot::Digits ? unpack_digits(token) : normalise_dotted(token);
    if (!m.version) return std::nullopt;
    rest.remove_prefix(n);
  }

  if (!starts_with(rest, after, ignore_case)) return std::nullopt;
  rest.remove_prefix(after.size());
  if (!rest.empty() && !any_tail) return std::nullopt;
  return m;
}

}  // namespace dicomsec::fingerprint::detail
