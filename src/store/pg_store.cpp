// PostgreSQL implementation of the scan store (libpqxx).
//
// Same contract as sqlite_store.cpp, built for many writers: N shard processes of one
// --scan-id append to the same scan at once. Values are only ever bound ($1...) or streamed
// with COPY, never formatted into SQL. Batches go through COPY into session-local staging
// tables and from there into the real ones with INSERT ... ON CONFLICT, so a batch is
// idempotent per (scan, ip, port) — the pair at one permutation position — and a retried
// shard replaces what it wrote before rather than doubling it. The schema is versioned in
// dicomsec_schema and migrated step by step under an advisory lock, so shards starting
// together migrate once.
#include "store/pg_store.hpp"

#include <fmt/format.h>

#include <array>
#include <pqxx/pqxx>
#include <string_view>
#include <tuple>
#include <utility>

#include "report/json_parts.hpp"

namespace dicomsec::store {

namespace {

using nlohmann::json;

constexpr long kMigrationLock = 1146307907;  // "DSEC", as the SQLite application_id

// Migration N takes a database from version N-1 to N. Append, never edit.
constexpr std::array<std::string_view, kPostgresSchemaVersion> kMigrations{
    // 1: the SQLite schema at version 3 (scans with names and shard counts, records with
    // their structured columns, findings, per-shard done intervals, shard heartbeats).
    // Findings are keyed by (scan, ip, port) rather than a record id, so a batch can be
    // written set-wise from the staging tables.
    R"sql(
CREATE TABLE scans (
  id          BIGSERIAL PRIMARY KEY,
  name        TEXT UNIQUE,
  command     TEXT NOT NULL,
  arguments   TEXT NOT NULL,
  started     TEXT NOT NULL,
  finished    TEXT,
  version     TEXT NOT NULL,
  state       TEXT NOT NULL CHECK (state IN ('running', 'interrupted', 'finished')),
  pairs_total BIGINT NOT NULL DEFAULT 0,
  pairs_done  BIGINT NOT NULL DEFAULT 0,
  options     TEXT NOT NULL DEFAULT '{}',
  shard_n     INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE records (
  id          BIGSERIAL PRIMARY KEY,
  scan_id     BIGINT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  ip          TEXT NOT NULL,
  port        INTEGER NOT NULL,
  shard       INTEGER NOT NULL DEFAULT 0,
  status      TEXT NOT NULL,
  dicom       BOOLEAN NOT NULL,
  tls         BOOLEAN NOT NULL,
  association TEXT,
  product     TEXT,
  json        TEXT NOT NULL,
  UNIQUE (scan_id, ip, port)
);
CREATE TABLE findings (
  scan_id     BIGINT NOT NULL,
  ip          TEXT NOT NULL,
  port        INTEGER NOT NULL,
  finding_id  TEXT NOT NULL,
  severity    TEXT NOT NULL,
  PRIMARY KEY (scan_id, ip, port, finding_id),
  FOREIGN KEY (scan_id, ip, port) REFERENCES records (scan_id, ip, port) ON DELETE CASCADE
);
CREATE INDEX findings_by_id ON findings (finding_id, severity);
CREATE TABLE done_ranges (
  scan_id BIGINT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  shard   INTEGER NOT NULL,
  first   BIGINT NOT NULL,
  last    BIGINT NOT NULL,
  CHECK (first <= last)
);
CREATE INDEX done_ranges_by_scan ON done_ranges (scan_id, shard, first);
CREATE TABLE shards (
  scan_id     BIGINT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  k           INTEGER NOT NULL,
  n           INTEGER NOT NULL,
  state       TEXT NOT NULL CHECK (state IN ('running', 'interrupted', 'finished')),
  heartbeat   TIMESTAMPTZ NOT NULL DEFAULT now(),
  finished    TEXT,
  pairs_total BIGINT NOT NULL DEFAULT 0,
  host        TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (scan_id, k)
);
)sql",
    // 2: the SQLite schema's version 4: the flow records of `dicomsec pcap --db` (issue 14
    // §9), one row per association seen on the wire, keyed by (scan, conn).
    R"sql(
CREATE TABLE flows (
  id          BIGSERIAL PRIMARY KEY,
  scan_id     BIGINT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  conn        TEXT NOT NULL,
  client_ip   TEXT NOT NULL,
  client_port INTEGER NOT NULL,
  server_ip   TEXT NOT NULL,
  server_port INTEGER NOT NULL,
  json        TEXT NOT NULL,
  UNIQUE (scan_id, conn)
);
CREATE INDEX flows_by_server ON flows (scan_id, server_ip, server_port);
CREATE INDEX flows_by_client ON flows (scan_id, client_ip, client_port);
)sql",
};

std::optional<ScanState> parse_state(std::string_view s) {
  if (s == "running") return ScanState::Running;
  if (s == "interrupted") return ScanState::Interrupted;
  if (s == "finished") return ScanState::Finished;
  return std::nullopt;
}

std::string text_or_empty(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string field_text(const pqxx::field& f) { return f.is_null() ? std::string() : f.c_str(); }

class PgStore final : public Store {
 public:
  PgStore(const std::string& url, int schema_version, bool read_only)
      : where_(redact_location(url)), schema_version_(schema_version) {
    guard([&] {
      conn_ = std::make_unique<pqxx::connection>(url);
      if (read_only)
        check_read_only(schema_version);
      else
        migrate(schema_version);
    });
  }

  ScanId begin_scan(const report::ScanMeta& m, const json& options) override {
    return guard([&] {
      pqxx::work w(*conn_);
      const auto r = w.exec_params1(
          "INSERT INTO scans (command, arguments, started, version, state, pairs_total, options) "
          "VALUES ($1, $2, $3, $4, 'running', $5, $6) RETURNING id",
          m.command, m.arguments, m.started, m.version, static_cast<long long>(m.pairs_total),
          options.dump());
      w.commit();
      return r[0].as<ScanId>();
    });
  }

  void append(ScanId scan, const std::vector<json>& records, const PositionSet& done) override {
    append_shard(scan, 0, records, done);
  }

  void append_shard(ScanId scan, unsigned k, const std::vector<json>& records,
                    const PositionSet& done) override {
    if (records.empty() && done.empty()) return;
    guard([&] {
      ensure_staging();
      pqxx::work w(*conn_);
      if (!records.empty()) write_records(w, scan, k, records);
      if (!done.empty()) {
        // One writer per (scan, shard) at a time, even if a shard thought dead is still alive.
        w.exec_params("SELECT pg_advisory_xact_lock($1::int, $2::int)",
                      static_cast<int>(scan & 0x7fffffff), static_cast<int>(k));
        PositionSet merged = load_done(w, scan, k);
        for (const auto& i : done.intervals()) merged.insert(i);
        w.exec_params("DELETE FROM done_ranges WHERE scan_id = $1 AND shard = $2", scan,
                      static_cast<int>(k));
        pqxx::stream_to out(w, "done_ranges",
                            std::vector<std::string>{"scan_id", "shard", "first", "last"});
        for (const auto& i : merged.intervals())
          out << std::make_tuple(scan, static_cast<int>(k), static_cast<long long>(i.first),
                                 static_cast<long long>(i.last));
        out.complete();
      }
      if (k > 0)
        w.exec_params("UPDATE shards SET heartbeat = now() WHERE scan_id = $1 AND k = $2", scan,
                      static_cast<int>(k));
      w.commit();
    });
  }

  void append_flows(ScanId scan, const std::vector<json>& flows,
                    const std::vector<json>& services) override {
    if (flows.empty() && services.empty()) return;
    if (schema_version_ < 2)
      throw StoreError(
          fmt::format("{}: schema version {} has no flows table", where_, schema_version_));
    guard([&] {
      ensure_staging();
      pqxx::work w(*conn_);
      if (!flows.empty()) {
        {
          pqxx::stream_to out(w, "staging_flows",
                              std::vector<std::string>{"seq", "conn", "client_ip", "client_port",
                                                       "server_ip", "server_port", "json"});
          int seq = 0;
          for (const auto& f : flows) {
            const auto endpoint = [&](const char* key) {
              const auto it = f.find(key);
              return it != f.end() && it->is_object()
                         ? std::pair{text_or_empty(*it, "ip"), it->value("port", 0)}
                         : std::pair{std::string(), 0};
            };
            const auto [cip, cport] = endpoint("client");
            const auto [sip, sport] = endpoint("server");
            out << std::make_tuple(seq++, text_or_empty(f, "conn"), cip, cport, sip, sport,
                                   f.dump());
          }
          out.complete();
        }
        // The last flow of a batch for a conn wins; a replaced flow keeps its id (its place).
        w.exec_params(
            "INSERT INTO flows (scan_id, conn, client_ip, client_port, server_ip, server_port, "
            "json) SELECT $1, conn, client_ip, client_port, server_ip, server_port, json FROM "
            "(SELECT DISTINCT ON (conn) * FROM staging_flows ORDER BY conn, seq DESC) last "
            "ORDER BY seq ON CONFLICT (scan_id, conn) DO UPDATE SET client_ip = "
            "excluded.client_ip, client_port = excluded.client_port, server_ip = "
            "excluded.server_ip, server_port = excluded.server_port, json = excluded.json",
            scan);
      }
      if (!services.empty()) write_records(w, scan, 0, services);
      w.commit();
    });
  }

  std::vector<json> flows(ScanId scan) override {
    if (schema_version_ < 2) return {};
    return guard([&] {
      pqxx::read_transaction w(*conn_);
      std::vector<json> out;
      const auto r = w.exec_params("SELECT json FROM flows WHERE scan_id = $1 ORDER BY id", scan);
      out.reserve(r.size());
      for (const auto& row : r) {
        auto j = json::parse(row[0].c_str(), nullptr, false);
        if (j.is_discarded() || !j.is_object())
          throw StoreError(fmt::format("{}: scan {} has a flow that is not JSON", where_, scan));
        out.push_back(std::move(j));
      }
      return out;
    });
  }

  void finish(ScanId scan, const report::ScanMeta& m) override {
    guard([&] {
      pqxx::work w(*conn_);
      w.exec_params(
          "UPDATE scans SET state = $1, finished = NULLIF($2, ''), pairs_total = $3, "
          "pairs_done = $4 WHERE id = $5",
          std::string(m.interrupted ? "interrupted" : "finished"), m.finished,
          static_cast<long long>(m.pairs_total), static_cast<long long>(m.pairs_done), scan);
      w.commit();
    });
  }

  void reopen(ScanId scan) override {
    guard([&] {
      pqxx::work w(*conn_);
      w.exec_params("UPDATE scans SET state = 'running', finished = NULL WHERE id = $1", scan);
      w.commit();
    });
  }

  std::vector<ScanInfo> list() override { return select_scans(std::nullopt); }

  std::optional<ScanInfo> scan(ScanId id) override {
    auto v = select_scans(id);
    if (v.empty()) return std::nullopt;
    return std::move(v.front());
  }

  std::optional<ScanId> latest() override { return one_id("SELECT max(id) FROM scans"); }

  std::optional<ScanId> latest_unfinished() override {
    return one_id("SELECT max(id) FROM scans WHERE state IN ('running', 'interrupted')");
  }

  std::vector<json> records(ScanId scan) override {
    return guard([&] {
      pqxx::read_transaction w(*conn_);
      std::vector<json> out;
      const auto r = w.exec_params("SELECT json FROM records WHERE scan_id = $1 ORDER BY id", scan);
      out.reserve(r.size());
      for (const auto& row : r) {
        auto j = json::parse(row[0].c_str(), nullptr, false);
        if (j.is_discarded() || !j.is_object())
          throw StoreError(fmt::format("{}: scan {} has a record that is not JSON", where_, scan));
        out.push_back(std::move(j));
      }
      return out;
    });
  }

  std::vector<ServiceRow> services(ScanId scan) override {
    return guard([&] {
      pqxx::read_transaction w(*conn_);
      // ORDER BY ... COLLATE "C": byte order, as SQLite sorts text, so diff output does not
      // depend on the server's locale.
      const auto r = w.exec_params(
          "SELECT r.id, r.ip, r.port, r.status, r.dicom, r.tls, r.association, r.product, "
          "f.finding_id, f.severity FROM records r LEFT JOIN findings f "
          "ON f.scan_id = r.scan_id AND f.ip = r.ip AND f.port = r.port "
          "WHERE r.scan_id = $1 ORDER BY r.ip COLLATE \"C\", r.port, f.finding_id COLLATE \"C\"",
          scan);
      std::vector<ServiceRow> out;
      long long current = -1;
      for (const auto& row : r) {
        if (row[0].as<long long>() != current) {
          current = row[0].as<long long>();
          ServiceRow s;
          s.ip = row[1].c_str();
          s.port = static_cast<std::uint16_t>(row[2].as<int>());
          s.status = row[3].c_str();
          s.dicom = row[4].as<bool>();
          s.tls = row[5].as<bool>();
          s.association = field_text(row[6]);
          s.product = field_text(row[7]);
          out.push_back(std::move(s));
        }
        if (!row[8].is_null()) out.back().findings.push_back({row[8].c_str(), field_text(row[9])});
      }
      return out;
    });
  }

  PositionSet done_positions(ScanId scan) override { return done_positions(scan, 0); }

  PositionSet done_positions(ScanId scan, unsigned k) override {
    return guard([&] {
      pqxx::read_transaction w(*conn_);
      return load_done(w, scan, k);
    });
  }

  ScanId join_named_scan(const std::string& name, unsigned shard_n, const report::ScanMeta& m,
                         const json& options) override {
    return guard([&] {
      pqxx::work w(*conn_);
      // N shards may race here: the unique name lets exactly one insert win.
      const auto r = w.exec_params(
          "INSERT INTO scans (name, shard_n, command, arguments, started, version, state, "
          "pairs_total, options) VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, $8) "
          "ON CONFLICT (name) DO NOTHING RETURNING id",
          name, static_cast<int>(shard_n), m.command, m.arguments, m.started, m.version,
          static_cast<long long>(m.pairs_total), options.dump());
      ScanId id = 0;
      if (!r.empty())
        id = r[0][0].as<ScanId>();
      else
        id = w.exec_params1("SELECT id FROM scans WHERE name = $1", name)[0].as<ScanId>();
      w.commit();
      return id;
    });
  }

  std::optional<ScanId> find_named(const std::string& name) override {
    return guard([&]() -> std::optional<ScanId> {
      pqxx::read_transaction w(*conn_);
      const auto r = w.exec_params("SELECT id FROM scans WHERE name = $1", name);
      if (r.empty()) return std::nullopt;
      return r[0][0].as<ScanId>();
    });
  }

  void shard_begin(ScanId scan, unsigned k, unsigned n, std::uint64_t pairs_total,
                   const std::string& host) override {
    guard([&] {
      pqxx::work w(*conn_);
      w.exec_params(
          "INSERT INTO shards (scan_id, k, n, state, heartbeat, pairs_total, host) "
          "VALUES ($1, $2, $3, 'running', now(), $4, $5) ON CONFLICT (scan_id, k) DO UPDATE "
          "SET state = 'running', finished = NULL, heartbeat = now(), host = excluded.host",
          scan, static_cast<int>(k), static_cast<int>(n), static_cast<long long>(pairs_total),
          host);
      w.exec_params("UPDATE scans SET state = 'running', finished = NULL WHERE id = $1", scan);
      w.commit();
    });
  }

  void shard_heartbeat(ScanId scan, unsigned k) override {
    guard([&] {
      pqxx::work w(*conn_);
      w.exec_params("UPDATE shards SET heartbeat = now() WHERE scan_id = $1 AND k = $2", scan,
                    static_cast<int>(k));
      w.commit();
    });
  }

  void shard_finish(ScanId scan, unsigned k, bool interrupted,
                    const std::string& finished) override {
    guard([&] {
      pqxx::work w(*conn_);
      // The scan row's lock orders the shards ending: the last one sees all the others.
      const auto n =
          w.exec_params1("SELECT shard_n FROM scans WHERE id = $1 FOR UPDATE", scan)[0].as<int>();
      w.exec_params(
          "UPDATE shards SET state = $1, finished = NULLIF($2, ''), heartbeat = now() "
          "WHERE scan_id = $3 AND k = $4",
          std::string(interrupted ? "interrupted" : "finished"), finished, scan,
          static_cast<int>(k));
      const auto c = w.exec_params1(
          "SELECT count(*) FILTER (WHERE state = 'finished'), "
          "count(*) FILTER (WHERE state = 'interrupted') FROM shards WHERE scan_id = $1",
          scan);
      const auto fin = c[0].as<long long>(), intr = c[1].as<long long>();
      if (fin + intr >= n) {
        const auto done =
            w.exec_params1(
                 "SELECT coalesce(sum(last - first + 1), 0) FROM done_ranges WHERE scan_id = $1",
                 scan)[0]
                .as<long long>();
        w.exec_params(
            "UPDATE scans SET state = $1, finished = NULLIF($2, ''), pairs_done = $3 "
            "WHERE id = $4",
            std::string(intr > 0 ? "interrupted" : "finished"), finished, done, scan);
      }
      w.commit();
    });
  }

  std::vector<ShardInfo> shards(ScanId scan) override {
    return guard([&] {
      pqxx::read_transaction w(*conn_);
      const auto r = w.exec_params(
          "SELECT s.k, s.n, s.state, extract(epoch FROM now() - s.heartbeat)::bigint, "
          "s.pairs_total, s.host, (SELECT coalesce(sum(d.last - d.first + 1), 0) FROM "
          "done_ranges d WHERE d.scan_id = s.scan_id AND d.shard = s.k) "
          "FROM shards s WHERE s.scan_id = $1 ORDER BY s.k",
          scan);
      std::vector<ShardInfo> out;
      for (const auto& row : r) {
        ShardInfo i;
        i.k = row[0].as<unsigned>();
        i.n = row[1].as<unsigned>();
        i.state = parse_state(row[2].c_str()).value_or(ScanState::Running);
        i.silent_s = row[3].as<long long>();
        i.pairs_total = row[4].as<unsigned long long>();
        i.host = row[5].c_str();
        i.pairs_done = row[6].as<unsigned long long>();
        out.push_back(std::move(i));
      }
      return out;
    });
  }

 private:
  // Every libpqxx/libpq failure becomes a StoreError naming the redacted location.
  template <typename F>
  auto guard(F&& f) -> decltype(f()) {
    try {
      return f();
    } catch (const StoreError&) {
      throw;
    } catch (const pqxx::broken_connection& e) {
      throw StoreError(
          fmt::format("{}: cannot connect or connection lost ({})", where_, trim(e.what())));
    } catch (const std::exception& e) {
      throw StoreError(fmt::format("{}: {}", where_, trim(e.what())));
    }
  }

  static std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }

  std::optional<ScanId> one_id(const char* sql) {
    return guard([&]() -> std::optional<ScanId> {
      pqxx::read_transaction w(*conn_);
      const auto r = w.exec(sql);
      if (r.empty() || r[0][0].is_null()) return std::nullopt;
      return r[0][0].as<ScanId>();
    });
  }

  // Session-local staging tables for COPY: emptied at every commit.
  void ensure_staging() {
    if (staging_ready_) return;
    pqxx::work w(*conn_);
    w.exec(
        "CREATE TEMP TABLE IF NOT EXISTS staging_records (seq INTEGER, ip TEXT, port INTEGER, "
        "status TEXT, dicom BOOLEAN, tls BOOLEAN, association TEXT, product TEXT, json TEXT) "
        "ON COMMIT DELETE ROWS");
    w.exec(
        "CREATE TEMP TABLE IF NOT EXISTS staging_findings (seq INTEGER, finding_id TEXT, "
        "severity TEXT) ON COMMIT DELETE ROWS");
    w.exec(
        "CREATE TEMP TABLE IF NOT EXISTS staging_flows (seq INTEGER, conn TEXT, client_ip TEXT, "
        "client_port INTEGER, server_ip TEXT, server_port INTEGER, json TEXT) "
        "ON COMMIT DELETE ROWS");
    w.commit();
    staging_ready_ = true;
  }

  void write_records(pqxx::work& w, ScanId scan, unsigned k, const std::vector<json>& records) {
    {
      pqxx::stream_to out(w, "staging_records",
                          std::vector<std::string>{"seq", "ip", "port", "status", "dicom", "tls",
                                                   "association", "product", "json"});
      int seq = 0;
      for (const auto& r : records) {
        std::string association;
        if (const auto a = r.find("association"); a != r.end() && a->is_object())
          association = text_or_empty(*a, "result");
        out << std::make_tuple(seq++, text_or_empty(r, "ip"), r.value("port", 0),
                               text_or_empty(r, "status"), r.value("dicom", false),
                               r.value("tls", false), association, report::product_label(r),
                               r.dump());
      }
      out.complete();
    }
    {
      pqxx::stream_to out(w, "staging_findings",
                          std::vector<std::string>{"seq", "finding_id", "severity"});
      int seq = 0;
      for (const auto& r : records) {
        if (const auto f = r.find("findings"); f != r.end() && f->is_array())
          for (const auto& finding : *f)
            out << std::make_tuple(seq, text_or_empty(finding, "id"),
                                   text_or_empty(finding, "severity"));
        ++seq;
      }
      out.complete();
    }
    // The last record of a batch for an ip:port wins (as in SQLite); ids follow the batch's
    // order, so records() returns them as they were appended.
    w.exec_params(
        "INSERT INTO records (scan_id, ip, port, shard, status, dicom, tls, association, "
        "product, json) SELECT $1, ip, port, $2, status, dicom, tls, NULLIF(association, ''), "
        "NULLIF(product, ''), json FROM (SELECT DISTINCT ON (ip, port) * FROM staging_records "
        "ORDER BY ip, port, seq DESC) last ORDER BY seq "
        "ON CONFLICT (scan_id, ip, port) DO UPDATE SET shard = excluded.shard, "
        "status = excluded.status, dicom = excluded.dicom, tls = excluded.tls, "
        "association = excluded.association, product = excluded.product, json = excluded.json",
        scan, static_cast<int>(k));
    w.exec_params(
        "DELETE FROM findings f USING staging_records s "
        "WHERE f.scan_id = $1 AND f.ip = s.ip AND f.port = s.port",
        scan);
    w.exec_params(
        "INSERT INTO findings (scan_id, ip, port, finding_id, severity) "
        "SELECT $1, s.ip, s.port, f.finding_id, f.severity FROM staging_findings f "
        "JOIN staging_records s ON s.seq = f.seq "
        "WHERE s.seq = (SELECT max(seq) FROM staging_records l WHERE l.ip = s.ip AND "
        "l.port = s.port) ON CONFLICT DO NOTHING",
        scan);
  }

  PositionSet load_done(pqxx::transaction_base& w, ScanId scan, unsigned k) {
    const auto r = w.exec_params(
        "SELECT first, last FROM done_ranges WHERE scan_id = $1 AND shard = $2 ORDER BY first",
        scan, static_cast<int>(k));
    PositionSet out;
    for (const auto& row : r)
      out.insert({row[0].as<unsigned long long>(), row[1].as<unsigned long long>()});
    return out;
  }

  int schema_version(pqxx::transaction_base& w) {
    const auto ours = w.exec(
        "SELECT to_regclass('dicomsec_schema') IS NOT NULL, "
        "to_regclass('scans') IS NOT NULL");
    const bool have_version = ours[0][0].as<bool>();
    if (!have_version && ours[0][1].as<bool>())
      throw StoreError(fmt::format(
          "{}: not a dicomsec database (it holds a 'scans' table of another program)", where_));
    if (!have_version) return 0;
    return w.exec("SELECT version FROM dicomsec_schema")[0][0].as<int>();
  }

  void refuse_newer(int version, int target) {
    if (version > target)
      throw StoreError(fmt::format(
          "{}: written by a newer dicomsec (schema version {}; this build knows up to {}); "
          "use a newer dicomsec or another database",
          where_, version, target));
  }

  void migrate(int target) {
    pqxx::work w(*conn_);
    w.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLock);
    const int version = schema_version(w);
    refuse_newer(version, target);
    if (version == 0) {
      w.exec("CREATE TABLE dicomsec_schema (version INTEGER NOT NULL)");
      w.exec("INSERT INTO dicomsec_schema (version) VALUES (0)");
    }
    // All steps in the one transaction that holds the lock: all or nothing.
    for (int v = version; v < target; ++v) {
      w.exec(std::string(kMigrations.at(static_cast<std::size_t>(v))));
      w.exec_params("UPDATE dicomsec_schema SET version = $1", v + 1);
    }
    w.commit();
  }

  void check_read_only(int target) {
    pqxx::read_transaction w(*conn_);
    const int version = schema_version(w);
    refuse_newer(version, target);
    if (version == 0)
      throw StoreError(fmt::format(
          "{}: holds no dicomsec scans yet (scans are stored with 'dicomsec scan --db')", where_));
    if (version < target)
      throw StoreError(fmt::format(
          "{}: written by an older dicomsec (schema version {}); it is upgraded on the next "
          "'dicomsec scan --db'",
          where_, version));
  }

  std::vector<ScanInfo> select_scans(std::optional<ScanId> only) {
    return guard([&] {
      pqxx::read_transaction w(*conn_);
      // A database read at schema 1 has no flows table: its flow count is 0.
      static constexpr const char* kWithFlows =
          "SELECT id, command, arguments, started, coalesce(finished, ''), version, state, "
          "pairs_total, pairs_done, options, (SELECT count(*) FROM records WHERE scan_id = s.id), "
          "coalesce(name, ''), (SELECT coalesce(sum(last - first + 1), 0) FROM done_ranges d "
          "WHERE d.scan_id = s.id), (SELECT count(*) FROM flows f WHERE f.scan_id = s.id) "
          "FROM scans s WHERE $1::bigint IS NULL OR id = $1 ORDER BY id";
      static constexpr const char* kWithoutFlows =
          "SELECT id, command, arguments, started, coalesce(finished, ''), version, state, "
          "pairs_total, pairs_done, options, (SELECT count(*) FROM records WHERE scan_id = s.id), "
          "coalesce(name, ''), (SELECT coalesce(sum(last - first + 1), 0) FROM done_ranges d "
          "WHERE d.scan_id = s.id), 0 FROM scans s WHERE $1::bigint IS NULL OR id = $1 ORDER BY id";
      const auto r = w.exec_params(schema_version_ >= 2 ? kWithFlows : kWithoutFlows,
                                   only ? std::optional<long long>(*only) : std::nullopt);
      std::vector<ScanInfo> out;
      for (const auto& row : r) {
        ScanInfo i;
        i.id = row[0].as<ScanId>();
        i.meta.scan_id = std::to_string(i.id);
        i.meta.command = row[1].c_str();
        i.meta.arguments = row[2].c_str();
        i.meta.started = row[3].c_str();
        i.meta.finished = row[4].c_str();
        i.meta.version = row[5].c_str();
        const auto state = parse_state(row[6].c_str());
        if (!state) throw StoreError(fmt::format("{}: scan {} has an unknown state", where_, i.id));
        i.state = *state;
        i.meta.interrupted = i.state == ScanState::Interrupted;
        i.meta.pairs_total = row[7].as<unsigned long long>();
        i.meta.pairs_done = row[8].as<unsigned long long>();
        auto options = json::parse(row[9].c_str(), nullptr, false);
        i.options = options.is_discarded() ? json::object() : std::move(options);
        i.records = row[10].as<unsigned long long>();
        i.name = row[11].c_str();
        // A scan that was killed never wrote pairs_done; its intervals know.
        if (i.state != ScanState::Finished) i.meta.pairs_done = row[12].as<unsigned long long>();
        i.flows = row[13].as<unsigned long long>();
        out.push_back(std::move(i));
      }
      return out;
    });
  }

  std::string where_;  // the URL without its password: for messages
  int schema_version_;
  std::unique_ptr<pqxx::connection> conn_;
  bool staging_ready_ = false;
};

}  // namespace

std::unique_ptr<Store> open_postgres(const std::string& url, int schema_version, bool read_only) {
  if (schema_version < 1 || schema_version > kPostgresSchemaVersion)
    throw StoreError(
        fmt::format("schema version {} is not one this build can write", schema_version));
  return std::make_unique<PgStore>(url, schema_version, read_only);
}

}  // namespace dicomsec::store
