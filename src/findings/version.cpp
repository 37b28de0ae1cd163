#include "findings/version.hpp"

#include <algorithm>
#include <array>

namespace dicomsec::findings {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\0'))
    s.remove_suffix(1);
  return s;
}

// Reads up to 9 digits at the front of s; nullopt when none or too many.
std::optional<std::uint32_t> number(std::string_view& s) {
  std::size_t n = 0;
  std::uint32_t value = 0;
  while (n < s.size() && is_digit(s[n])) {
    if (n == 9) return std::nullopt;
    value = value * 10 + static_cast<std::uint32_t>(s[n] - '0');
    ++n;
  }
  if (n == 0) return std::nullopt;
  s.remove_prefix(n);
  return value;
}

// Pre-release stage words, in release order. Single letters are the Python/PEP 440 short
// forms ("2.0.0a1", "2.0.0b2"); a single letter without a number is a Conquest-style patch
// letter instead (see parse_suffix).
struct Stage {
  std::string_view word;
  int rank;
};
constexpr std::array kStages{Stage{"dev", 0},     Stage{"alpha", 1}, Stage{"a", 1},
                             Stage{"beta", 2},    Stage{"b", 2},     Stage{"pre", 3},
                             Stage{"preview", 3}, Stage{"rc", 4}};

bool parse_suffix(std::string_view s, bool separated, Version& v) {
  if (s.empty()) return !separated;  // "3.6.7-" is not a version
  std::string word;
  std::size_t i = 0;
  while (i < s.size() && is_alpha(s[i])) word.push_back(lower(s[i++]));
  std::string_view rest = s.substr(i);
  if (word.empty()) return false;
  // "1.5.0c": one letter glued to the last number, nothing after it.
  if (!separated && word.size() == 1 && rest.empty()) {
    v.kind = Version::Kind::PostLetter;
    v.letter = word[0];
    return true;
  }
  const auto* stage = std::find_if(kStages.begin(), kStages.end(),
                                   [&](const Stage& st) { return st.word == word; });
  if (stage == kStages.end()) return false;
  v.kind = Version::Kind::PreRelease;
  v.stage = stage->rank;
  if (!rest.empty() && (rest.front() == '.' || rest.front() == '-')) rest.remove_prefix(1);
  if (rest.empty()) return true;
  auto n = number(rest);
  if (!n || !rest.empty()) return false;
  v.stage_number = *n;
  return true;
}

}  // namespace

std::optional<Version> parse_version(std::string_view text) {
  auto s = trim(text);
  if (s.empty() || s.size() > kMaxVersionText) return std::nullopt;
  if (s.front() == 'v' || s.front() == 'V') s.remove_prefix(1);
  // Build metadata ("+DEV", "+git20240101") says nothing about the release order.
  if (auto plus = s.find('+'); plus != std::string_view::npos) {
    if (plus + 1 == s.size()) return std::nullopt;
    for (char c : s.substr(plus + 1))
      if (!is_alpha(c) && !is_digit(c) && c != '.' && c != '-') return std::nullopt;
    s = s.substr(0, plus);
  }
  Version v;
  while (true) {
    auto n = number(s);
    if (!n) return std::nullopt;
    if (v.parts.size() == kMaxVersionParts) return std::nullopt;
    v.parts.push_back(*n);
    if (s.size() >= 2 && s.front() == '.' && is_digit(s[1])) {
      s.remove_prefix(1);
      continue;
    }
    break;
  }
  bool separated = false;
  if (!s.empty() &&
      (s.front() == '-' || s.front() == '~' || s.front() == '_' || s.front() == '.')) {
    separated = true;
    s.remove_prefix(1);
  }
  if (!parse_suffix(s, separated, v)) return std::nullopt;
  return v;
}

int compare(const Version& a, const Version& b) {
  const auto n = std::max(a.parts.size(), b.parts.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = i < a.parts.size() ? a.parts[i] : 0U;
    const auto y = i < b.parts.size() ? b.parts[i] : 0U;
    if (x != y) return x < y ? -1 : 1;
  }
  const auto order = [](Version::Kind k) {
    switch (k) {
      case Version::Kind::PreRelease:
        return 0;
      case Version::Kind::Release:
        return 1;
      case Version::Kind::PostLetter:
        return 2;
    }
    return 1;
  };
  if (a.kind != b.kind) return order(a.kind) < order(b.kind) ? -1 : 1;
  if (a.kind == Version::Kind::PreRelease) {
    if (a.stage != b.stage) return a.stage < b.stage ? -1 : 1;
    if (a.stage_number != b.stage_number) return a.stage_number < b.stage_number ? -1 : 1;
  }
  if (a.kind == Version::Kind::PostLetter && a.letter != b.letter)
    return a.letter < b.letter ? -1 : 1;
  return 0;
}

std::string Version::str() const {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out.push_back('.');
    out += std::to_string(parts[i]);
  }
  if (kind == Kind::PostLetter) out.push_back(letter);
  if (kind == Kind::PreRelease) {
    static constexpr std::array<std::string_view, 5> kNames{"dev", "alpha", "beta", "pre", "rc"};
    out.push_back('-');
    out += kNames[static_cast<std::size_t>(stage)];
    if (stage_number) out += std::to_string(stage_number);
  }
  return out;
}

}  // namespace dicomsec::findings
