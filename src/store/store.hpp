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
  std::string name;  // --scan-id NAME of a scan that shard processes join; "" otherwise
  ScanState state = ScanState::Running;
  report::ScanMeta meta;   // meta.scan_id is the id as text
  nlohmann::json options;  // what the command needs to resume (scan: targets, ports, seed...)
  std::uint64_t records = 0;
  std::uint64_t flows = 0;  // flow records of a `pcap --db` run (records are its servers)
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

// One process of a scan that --shard K/N processes join under one --scan-id (issue 17). Its
// done positions are shard-local: position p of the permutation is local index p / N of
// shard p % N + 1, so a shard's progress stays a handful of intervals.
struct ShardInfo {
  unsigned k = 1, n = 1;
  ScanState state = ScanState::Running;
  std::int64_t silent_s = 0;  // seconds since its last heartbeat, by the store's clock
  std::uint64_t pairs_total = 0, pairs_done = 0;
  std::string host;
};
// What `scans`, `report` and `diff` say about a shard: done, interrupted, running, or dead
// (running but silent for longer than `dead_after_s`).
std::string_view shard_word(const ShardInfo& s, std::int64_t dead_after_s);
inline constexpr std::int64_t kDefaultDeadAfterS = 60;
// "8 shards: 6 done (1,2,3,4,5,6); 1 running (7); 1 dead (8)" ("" for an unnamed scan).
std::string shard_summary(const std::vector<ShardInfo>& shards, std::int64_t dead_after_s);

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

  // --- one logical scan from many processes (--scan-id NAME, issue 17) ---
  // The scan named `name`, created (running, with meta and options) unless it exists. Safe
  // against N processes racing to create it: exactly one row results.
  virtual ScanId join_named_scan(const std::string& name, unsigned shard_n,
                                 const report::ScanMeta& meta, const nlohmann::json& options) = 0;
  virtual std::optional<ScanId> find_named(const std::string& name) = 0;
  // Registers shard k (running, heartbeat now), or marks a returning one running again.
  virtual void shard_begin(ScanId scan, unsigned k, unsigned n, std::uint64_t pairs_total,
                           const std::string& host) = 0;
  virtual void shard_heartbeat(ScanId scan, unsigned k) = 0;
  // Ends shard k; when every shard of the scan has ended the scan row ends too (finished,
  // or interrupted if any shard was), atomically against the other shards ending.
  virtual void shard_finish(ScanId scan, unsigned k, bool interrupted,
                            const std::string& finished) = 0;
  virtual std::vector<ShardInfo> shards(ScanId scan) = 0;  // by k
  // One transaction, as append(); `done` holds shard-local positions of shard k (k = 0:
  // global positions, as append() writes them). Records are idempotent per (scan, ip, port),
  // which is the pair at one permutation position: a retried batch replaces, never doubles.
  virtual void append_shard(ScanId scan, unsigned k, const std::vector<nlohmann::json>& records,
                            const PositionSet& done) = 0;
  virtual PositionSet done_positions(ScanId scan, unsigned k) = 0;

  // --- flow records (`dicomsec pcap --db`, issue 14 §9; docs/design.md "pcap: flows in the
  // store") ---
  // One transaction: the flow records (report::to_json of a record::FlowRecord, "kind":
  // "flow"), idempotent per (scan, conn): a flow written again replaces its row and keeps its
  // place; and service rows exactly as append() writes them (one per server ip:port, what
  // `diff` compares), so a batch's flows and the services they update commit together.
  virtual void append_flows(ScanId scan, const std::vector<nlohmann::json>& flows,
                            const std::vector<nlohmann::json>& services) = 0;
  // The scan's flow records in the order first appended (empty for a scan, or a file made
  // before flows were stored). `report` renders these rather than records() when present.
  virtual std::vector<nlohmann::json> flows(ScanId scan) = 0;
};

// "postgresql://..." or "postgres://...": the PostgreSQL store (pg_store.hpp; libpq reads
// PG* environment variables for whatever the URL leaves out), or StoreError "not built"
// when this build has no libpqxx. Anything else is a SQLite file path, created if missing
// when `create` (scan), an error otherwise (report, diff).
bool is_postgres_url(const std::string& location);
bool postgres_built();
// The location as it may be shown, logged or stored: a URL's password (user:PASSWORD@ and
// password=... parameters) replaced by "***". Paths come back unchanged.
std::string redact_location(const std::string& location);
std::unique_ptr<Store> open_store(const std::string& location, bool create = true);
// An existing file, opened read-only (report, scans, diff): works for a user who may read
// the file but not write it or its directory. Writing through it fails with StoreError.
std::unique_ptr<Store> open_store_read_only(const std::string& location);

// "12", "latest" (newest scan), or a --scan-id NAME (names are looked up first, so a
// Slurm job id used as a name finds its scan). Throws StoreError when there is no such scan.
ScanId resolve_scan(Store& store, const std::string& spec);

}  // namespace dicomsec::store
