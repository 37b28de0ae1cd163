#include "store/store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "store/sqlite_store.hpp"

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

std::unique_ptr<Store> open_store_read_only(const std::string& location) {
  if (is_postgres_url(location))
    throw StoreError("PostgreSQL store: not built in this version (use a SQLite file path)");
  if (location.empty()) throw StoreError("--db: empty path");
  return open_sqlite(location, kSqliteSchemaVersion, /*create=*/false, /*read_only=*/true);
}

std::unique_ptr<Store> open_store(const std::string& location, bool create) {
  if (is_postgres_url(location))
    throw StoreError("PostgreSQL store: not built in this version (use a SQLite file path)");
  if (location.empty()) throw StoreError("--db: empty path");
  return open_sqlite(location, kSqliteSchemaVersion, create);
}

ScanId resolve_scan(Store& store, const std::string& spec) {
  if (spec.empty() || spec == "latest") {
    if (auto id = store.latest()) return *id;
    throw StoreError("the database holds no scans yet");
  }
  ScanId id = 0;
  const auto* end = spec.data() + spec.size();
  const auto [p, ec] = std::from_chars(spec.data(), end, id);
  if (ec != std::errc() || p != end || id <= 0)
    throw StoreError(
        fmt::format("'{}' is not a scan id (a number, or 'latest'; see 'dicomsec scans')", spec));
  if (!store.scan(id))
    throw StoreError(fmt::format("no scan {} in the database (see 'dicomsec scans')", id));
  return id;
}

}  // namespace dicomsec::store
