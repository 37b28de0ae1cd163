// Which entries are ours: inside the netblocks, or (with --hostnames) carrying a name the
// user owns although the address left the netblocks; --since drops older sightings. Name
// resolution is a callback (the command supplies getaddrinfo/getnameinfo with deadlines),
// so this file opens no socket and tests can resolve without DNS.
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "import/netblocks.hpp"
#include "import/parse.hpp"

namespace dicomsec::import {

struct Resolver {
  // Addresses `name` resolves to now (empty: none, or the lookup failed or timed out).
  std::function<std::vector<scan::Address>(const std::string& name)> forward;
  // The PTR name of an address, if any.
  std::function<std::optional<std::string>(const scan::Address&)> reverse;
};

// At most this many distinct names are resolved per run; later ones are kept unresolved.
inline constexpr std::size_t kMaxResolvedNames = 4096;

struct FilterOptions {
  Netblocks blocks;                  // finished
  std::vector<std::string> owned;    // lower-case names; "example.org" covers its subdomains
  std::optional<std::string> since;  // normalised ISO 8601 UTC
  std::optional<Resolver> resolver;  // --resolve
};

// Owned names from a file: one per line, '#' comments, "*.example.org" = "example.org".
Result<std::vector<std::string>> parse_owned_names(std::istream& in, std::string_view source);

class Filter {
 public:
  explicit Filter(FilterOptions options) : o_(std::move(options)) {}

  enum class Verdict { Keep, Outside, TooOld, Undated };
  // Keep: `e.lead.matched_by` (and `moved`) say why.
  Verdict decide(Entry& e);
  // What the parser may drop on the address alone; nullptr when names can keep an entry.
  [[nodiscard]] Prefilter prefilter() const;
  [[nodiscard]] std::uint64_t lookups() const { return lookups_; }

 private:
  [[nodiscard]] std::optional<std::string> owned_name(const record::LeadRecord& l) const;
  const std::vector<scan::Address>& resolve(const std::string& name);

  FilterOptions o_;
  std::map<std::string, std::vector<scan::Address>> cache_;
  std::uint64_t lookups_ = 0;
};

}  // namespace dicomsec::import
