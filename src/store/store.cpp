#include "store/store.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <map>

#include "store/sqlite_store.hpp"
#ifdef DICOMSEC_WITH_POSTGRES
#include "store/pg_store.hpp"
#endif

namespace dicomsec::store {

std::string_view state_name(ScanState s) {
  switch (s) {
    case ScanState::Running:
      return "running";
    case ScanState::Interrupted:
      return "interrupted";
    case ScanState::Finished:
      return "finished";
  }
  return "running";
}

void PositionSet::insert(Interval in) {
  // Positions are < 2^62 (Permutation::kMaxSize): the +1s cannot overflow.
  // The first interval that overlaps or touches `in` (touching ones merge).
  auto it =
      std::lower_bound(intervals_.begin(), intervals_.end(), in,
                       [](const Interval& a, const Interval& b) { return a.last + 1 < b.first; });
  auto end = it;
  while (end != intervals_.end() && end->first <= in.last + 1) {
    in.first = std::min(in.first, end->first);
    in.last = std::max(in.last, end->last);
    ++end;
  }
  it = intervals_.erase(it, end);
  intervals_.insert(it, in);
}

bool PositionSet::contains(std::uint64_t p) const {
  auto it = std::upper_bound(intervals_.begin(), intervals_.end(), p,
                             [](std::uint64_t v, const Interval& i) { return v < i.first; });
  return it != intervals_.begin() && std::prev(it)->last >= p;
}

std::uint64_t PositionSet::count() const {
  std::uint64_t n = 0;
  for (const auto& i : intervals_) n += i.last - i.first + 1;
  return n;
}

bool is_postgres_url(const std::string& location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

bool postgres_built() {
#ifdef DICOMSEC_WITH_POSTGRES
  return true;
#else
  return false;
#endif
}

std::string redact_location(const std::string& location) {
  // Also inside an argument such as --db=postgresql://...
  auto at_url = location.find("postgresql://");
  if (at_url == std::string::npos) at_url = location.find("postgres://");
  if (at_url == std::string::npos) return location;
  if (at_url > 0) return location.substr(0, at_url) + redact_location(location.substr(at_url));
  std::string out = location;
  // scheme://user:password@host...: the userinfo ends at the last '@' before the path.
  const auto scheme_end = out.find("://") + 3;
  const auto path_start = out.find_first_of("/?", scheme_end);
  const auto at = out.rfind('@', path_start == std::string::npos ? out.size() : path_start);
  if (at != std::string::npos && at >= scheme_end) {
    const auto colon = out.find(':', scheme_end);
    if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
  }
  // ?password=...&... (libpq accepts connection parameters in the query string).
  for (std::size_t pos = out.find('?'); pos != std::string::npos; pos = out.find('&', pos + 1)) {
    constexpr std::string_view key = "password=";
    if (out.compare(pos + 1, key.size(), key) != 0) continue;
    const auto value = pos + 1 + key.size();
    const auto end = out.find('&', value);
    out.replace(value, (end == std::string::npos ? out.size() : end) - value, "***");
  }
  return out;
}

std::string_view shard_word(const ShardInfo& s, std::int64_t dead_after_s) {
  switch (s.state) {
    case ScanState::Finished:
      return "done";
    case ScanState::Interrupted:
      return "interrupted";
    case ScanState::Running:
      return s.silent_s > dead_after_s ? "dead" : "running";
  }
  return "running";
}

std::string shard_summary(const std::vector<ShardInfo>& shards, std::int64_t dead_after_s) {
  if (shards.empty()) return {};
  const unsigned n = shards.front().n;
  std::map<std::string_view, std::vector<unsigned>> by_word;
  for (const auto& s : shards) by_word[shard_word(s, dead_after_s)].push_back(s.k);
  std::string out = fmt::format("{} shard{}:", n, n == 1 ? "" : "s");
  for (const auto word : {"done", "running", "dead", "interrupted"})
    if (const auto it = by_word.find(word); it != by_word.end())
      out += fmt::format(" {} {} ({});", it->second.size(), word, fmt::join(it->second, ","));
  const auto started = shards.size();
  if (started < n) out += fmt::format(" {} not started;", n - started);
  out.pop_back();
  return out;
}

namespace {
std::unique_ptr<Store> open_any(const std::string& location, bool create, bool read_only) {
  if (is_postgres_url(location)) {
#ifdef DICOMSEC_WITH_POSTGRES
    return open_postgres(location, kPostgresSchemaVersion, read_only);
#else
    (void)create;
    throw StoreError("PostgreSQL store: not built in this version (use a SQLite file path)");
#endif
  }
  if (location.empty()) throw StoreError("--db: empty path");
  return open_sqlite(location, kSqliteSchemaVersion, create && !read_only, read_only);
}
}  // namespace

std::unique_ptr<Store> open_store_read_only(const std::string& location) {
  return open_any(location, false, true);
}

std::unique_ptr<Store> open_store(const std::string& location, bool create) {
  return open_any(location, create, false);
}

ScanId resolve_scan(Store& store, const std::string& spec) {
  if (spec.empty() || spec == "latest") {
    if (auto id = store.latest()) return *id;
    throw StoreError("the database holds no scans yet");
  }
  if (auto named = store.find_named(spec)) return *named;
  ScanId id = 0;
  const auto* end = spec.data() + spec.size();
  const auto [p, ec] = std::from_chars(spec.data(), end, id);
  if (ec != std::errc() || p != end || id <= 0)
    throw StoreError(fmt::format(
        "'{}' is not a scan id (a number, a --scan-id name or 'latest'; see 'dicomsec scans')",
        spec));
  if (!store.scan(id))
    throw StoreError(fmt::format("no scan {} in the database (see 'dicomsec scans')", id));
  return id;
}

}  // namespace dicomsec::store
