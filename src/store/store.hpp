// Scan history (issue 7): every scan run with --db is kept, record by record, so that
// `dicomsec report` can render it again, `dicomsec diff` can compare two of them and an
// interrupted scan can be resumed. The interface is what the commands see; SQLite is the
// embedded implementation (sqlite_store.cpp) and a PostgreSQL one can follow behind it.
//
// Durability contract: append() is one transaction. Whatever append() returned for is on
// disk (WAL, synchronous=NORMAL: survives a killed process; a power cut may lose the last
// transactions but never corrupts the file), and a record and the mark that its pair is done
// are committed together, so a resumed scan neither loses nor repeats a record.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "report/sink.hpp"

namespace dicomsec::store {

// Unreadable, corrupt, locked or too-new databases, and SQL failures. Commands let it reach
// main, which prints it and exits 3 (runtime error).
struct StoreError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using ScanId = std::int64_t;

enum class ScanState { Running, Interrupted, Finished };
std::string_view state_name(ScanState);

struct ScanInfo {
  ScanId id = 0;
  ScanState state = ScanState::Running;
  report::ScanMeta meta;   // meta.scan_id is the id as text
  nlohmann::json options;  // what the command needs to resume (scan: targets, ports, seed...)
  std::uint64_t records = 0;
};

// Positions in a scan's permutation (scan/permutation.hpp) that are done, kept as sorted,
// disjoint, non-adjacent closed intervals: a scan's done pairs are a prefix plus the few in
// flight around it, so this stays a handful of intervals however large the scan.
class PositionSet {
 public:
  struct Interval {
    std::uint64_t first = 0, last = 0;  // inclusive
    bool operator==(const Interval&) const = default;
  };
  void insert(std::uint64_t position) { insert({position, position}); }
  void insert(Interval interval);
  [[nodiscard]] bool contains(std::uint64_t position) const;
  [[nodiscard]] std::uint64_t count() const;
  [[nodiscard]] const std::vector<Interval>& intervals() const { return intervals_; }
  [[nodiscard]] bool empty() const { return intervals_.empty(); }
  void clear() { intervals_.clear(); }

 private:
  std::vector<Interval> intervals_;
};

// One stored service as the structured columns hold it (what diff compares).
struct ServiceRow {
  std::string ip;
  std::uint16_t port = 0;
  std::string status;
  bool dicom = false;
  bool tls = false;
  std::string association;  // accepted|rejected|aborted|none, "" when no association
  std::string product;      // "NAME VERSION", "" when unknown
  struct Finding {
    std::string id, severity;
  };
  std::vector<Finding> findings;  // sorted by id
};

class Store {
 public:
  virtual ~Store() = default;

  // A new scan in state running; returns its id.
  virtual ScanId begin_scan(const report::ScanMeta& meta, const nlohmann::json& options) = 0;
  // One transaction: the records (report::to_json objects; a record for an ip:port the scan
  // already has replaces it) and the permutation positions now done.
  virtual void append(ScanId scan, const std::vector<nlohmann::json>& records,
                      const PositionSet& done) = 0;
  // Sets state, finished time and pair counts from meta (interrupted -> Interrupted).
  virtual void finish(ScanId scan, const report::ScanMeta& meta) = 0;
  // Marks an interrupted scan running again (resume).
  virtual void reopen(ScanId scan) = 0;

  virtual std::vector<ScanInfo> list() = 0;  // oldest first
  virtual std::optional<ScanInfo> scan(ScanId id) = 0;
  virtual std::optional<ScanId> latest() = 0;                    // newest scan
  virtual std::optional<ScanId> latest_unfinished() = 0;         // newest running/interrupted
  virtual std::vector<nlohmann::json> records(ScanId scan) = 0;  // in the order appended
  virtual std::vector<ServiceRow> services(ScanId scan) = 0;     // sorted by ip, port
  virtual PositionSet done_positions(ScanId scan) = 0;
};

// "postgresql://..." or "postgres://...": refused (not built in this version, StoreError
// with that message; the scan command maps it to a usage error). Anything else is a SQLite
// file path, created if missing when `create` (scan), an error otherwise (report, diff).
bool is_postgres_url(const std::string& location);
std::unique_ptr<Store> open_store(const std::string& location, bool create = true);
// An existing file, opened read-only (report, scans, diff): works for a user who may read
// the file but not write it or its directory. Writing through it fails with StoreError.
std::unique_ptr<Store> open_store_read_only(const std::string& location);

// "12", or "latest" (newest scan). Throws StoreError when there is no such scan.
ScanId resolve_scan(Store& store, const std::string& spec);

}  // namespace dicomsec::store
