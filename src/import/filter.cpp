#include "import/filter.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>

namespace dicomsec::import {

namespace {

std::string normal_name(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (out.starts_with("*.")) out.erase(0, 2);
  while (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

bool covers(const std::string& owned, const std::string& name) {
  return name == owned || (name.size() > owned.size() && name.ends_with(owned) &&
                           name[name.size() - owned.size() - 1] == '.');
}

}  // namespace

Result<std::vector<std::string>> parse_owned_names(std::istream& in, std::string_view source) {
  std::vector<std::string> out;
  std::string line;
  std::uint64_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::string_view rest = line;
    while (!rest.empty()) {
      const auto start = rest.find_first_not_of(" \t\r,");
      if (start == std::string_view::npos) break;
      rest.remove_prefix(start);
      const auto end = rest.find_first_of(" \t\r,");
      const auto token = normal_name(rest.substr(0, end));
      rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
      const bool ok =
          !token.empty() && token.size() <= 253 &&
          std::all_of(token.begin(), token.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
          });
      if (!ok)
        return make_error(
            fmt::format("{}:{}: '{}' is not a host or domain name", source, n, token));
      out.push_back(token);
    }
  }
  return out;
}

Prefilter Filter::prefilter() const {
  if (!o_.owned.empty()) return nullptr;
  return [this](const scan::Address& a) { return o_.blocks.contains(a); };
}

std::optional<std::string> Filter::owned_name(const record::LeadRecord& l) const {
  for (const auto* list : {&l.hostnames, &l.domains})
    for (const auto& raw : *list) {
      const auto name = normal_name(raw);
      for (const auto& owned : o_.owned)
        if (covers(owned, name)) return name;
    }
  return std::nullopt;
}

const std::vector<scan::Address>& Filter::resolve(const std::string& name) {
  if (const auto it = cache_.find(name); it != cache_.end()) return it->second;
  std::vector<scan::Address> found;
  if (cache_.size() < kMaxResolvedNames) {
    ++lookups_;
    found = o_.resolver->forward(name);
  }
  return cache_.emplace(name, std::move(found)).first->second;
}

Filter::Verdict Filter::decide(Entry& e) {
  auto& l = e.lead;
  if (o_.since) {
    if (!l.observed_at) return Verdict::Undated;
    if (*l.observed_at < *o_.since) return Verdict::TooOld;
  }
  if (o_.blocks.contains(e.address)) {
    l.matched_by = "netblock";
    return Verdict::Keep;
  }
  const auto name = owned_name(l);
  if (!name) return Verdict::Outside;
  l.matched_by = "hostname";
  record::LeadMove move;
  move.name = *name;
  const bool is_host = std::find_if(l.hostnames.begin(), l.hostnames.end(), [&](const auto& h) {
                         return normal_name(h) == *name;
                       }) != l.hostnames.end();
  if (!o_.resolver) {
    move.note = fmt::format(
        "{} is outside your netblocks but {} is yours; not resolved (add --resolve to find "
        "where it lives now)",
        e.ip, *name);
  } else if (!is_host) {
    move.note = fmt::format(
        "{} is outside your netblocks but the domain {} is yours; no host name to resolve", e.ip,
        *name);
  } else if (cache_.size() >= kMaxResolvedNames && !cache_.contains(*name)) {
    move.note = fmt::format(
        "{} is outside your netblocks but {} is yours; not resolved (over "
        "{} names resolved in this run)",
        e.ip, *name, kMaxResolvedNames);
  } else {
    std::vector<std::string> inside, outside;
    for (const auto& a : resolve(*name))
      (o_.blocks.contains(a) ? inside : outside).push_back(a.to_string());
    move.now = inside;
    if (!inside.empty()) {
      if (o_.resolver->reverse)
        if (const auto a = scan::Address::parse(inside.front()))
          move.reverse = o_.resolver->reverse(*a);
      move.note = fmt::format("address moved: {} is outside your netblocks; {} now resolves to {}",
                              e.ip, *name, fmt::join(inside, ", "));
    } else if (!outside.empty()) {
      move.note = fmt::format(
          "{} is outside your netblocks; {} is yours but resolves to {}, also outside them: not "
          "scanned",
          e.ip, *name, fmt::join(outside, ", "));
    } else {
      move.note = fmt::format("{} is outside your netblocks; {} is yours but does not resolve now",
                              e.ip, *name);
    }
  }
  l.moved = std::move(move);
  return Verdict::Keep;
}

}  // namespace dicomsec::import
