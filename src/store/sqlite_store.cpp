// SQLite implementation of the scan store.
//
// Every statement is prepared with placeholders; values are only ever bound, never
// formatted into SQL. The schema is versioned with PRAGMA user_version and migrated step by
// step in one transaction per step; PRAGMA application_id marks the file as ours so that
// `--db` pointed at some other program's database is refused instead of written into.
#include "store/sqlite_store.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <array>
#include <cctype>
#include <filesystem>
#include <map>
#include <string_view>
#include <utility>

#include "report/json_parts.hpp"

namespace dicomsec::store {

namespace {

using nlohmann::json;

constexpr int kApplicationId = 0x44534543;  // "DSEC"
constexpr int kBusyTimeoutMs = 5000;

// Migration N takes a database from user_version N-1 to N. Append, never edit: files in
// the field were made by the earlier steps.
constexpr std::array<std::string_view, kSqliteSchemaVersion> kMigrations{
    // 1: scans, one row per host:port record (JSON text plus the columns queries need), and
    // the findings of each record as rows.
    R"sql(
CREATE TABLE scans (
  id          INTEGER PRIMARY KEY,
  command     TEXT NOT NULL,
  arguments   TEXT NOT NULL,
  started     TEXT NOT NULL,
  finished    TEXT,
  version     TEXT NOT NULL,
  state       TEXT NOT NULL CHECK (state IN ('running', 'interrupted', 'finished')),
  pairs_total INTEGER NOT NULL DEFAULT 0,
  pairs_done  INTEGER NOT NULL DEFAULT 0,
  options     TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE records (
  id          INTEGER PRIMARY KEY,
  scan_id     INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  ip          TEXT NOT NULL,
  port        INTEGER NOT NULL,
  status      TEXT NOT NULL,
  dicom       INTEGER NOT NULL,
  tls         INTEGER NOT NULL,
  association TEXT,
  product     TEXT,
  json        TEXT NOT NULL,
  UNIQUE (scan_id, ip, port)
);
CREATE TABLE findings (
  record_id   INTEGER NOT NULL REFERENCES records (id) ON DELETE CASCADE,
  finding_id  TEXT NOT NULL,
  severity    TEXT NOT NULL,
  PRIMARY KEY (record_id, finding_id)
) WITHOUT ROWID;
PRAGMA application_id = 1146307907;
PRAGMA user_version = 1;
)sql",
    // 2: resumable scans (the permutation positions done, as intervals) and an index for
    // "which services have finding X" queries.
    R"sql(
CREATE TABLE done_ranges (
  scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  first   INTEGER NOT NULL,
  last    INTEGER NOT NULL,
  CHECK (first <= last)
);
CREATE INDEX done_ranges_by_scan ON done_ranges (scan_id, first);
CREATE INDEX findings_by_id ON findings (finding_id, severity);
PRAGMA user_version = 2;
)sql",
    // 3: one logical scan from many shard processes (issue 17): a scan may be named
    // (--scan-id), each shard has a row with its heartbeat, and done positions are kept per
    // shard in shard-local coordinates (shard 0: global positions, as before).
    R"sql(
ALTER TABLE scans ADD COLUMN name TEXT;
ALTER TABLE scans ADD COLUMN shard_n INTEGER NOT NULL DEFAULT 1;
CREATE UNIQUE INDEX scans_by_name ON scans (name);
ALTER TABLE done_ranges ADD COLUMN shard INTEGER NOT NULL DEFAULT 0;
DROP INDEX done_ranges_by_scan;
CREATE INDEX done_ranges_by_scan ON done_ranges (scan_id, shard, first);
CREATE TABLE shards (
  scan_id     INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  k           INTEGER NOT NULL,
  n           INTEGER NOT NULL,
  state       TEXT NOT NULL CHECK (state IN ('running', 'interrupted', 'finished')),
  heartbeat   INTEGER NOT NULL,
  finished    TEXT,
  pairs_total INTEGER NOT NULL DEFAULT 0,
  host        TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (scan_id, k)
) WITHOUT ROWID;
PRAGMA user_version = 3;
)sql",
    // 4: the flow records of `dicomsec pcap --db` (issue 14 §9), one row per association seen
    // on the wire, keyed by (scan, conn) so a flow written again replaces its row. The
    // per-server rows `diff` compares stay in records.
    R"sql(
CREATE TABLE flows (
  id          INTEGER PRIMARY KEY,
  scan_id     INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
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
PRAGMA user_version = 4;
)sql",
};
static_assert(kApplicationId == 1146307907, "the literal in migration 1 must match");

std::string explain(int code, const char* message) {
  switch (code & 0xff) {
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return fmt::format("not a database or corrupt ({})", message);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return fmt::format("locked by another process; waited {} s ({})", kBusyTimeoutMs / 1000,
                         message);
    case SQLITE_CANTOPEN:
      return fmt::format("cannot open ({})", message);
    case SQLITE_READONLY:
      return fmt::format("not writable ({})", message);
    case SQLITE_FULL:
      return fmt::format("disk full ({})", message);
    default:
      return message;
  }
}

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql, const std::string& path) : db_(db), path_(&path) {
    const int rc =
        sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
    if (rc != SQLITE_OK) fail(rc);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, std::int64_t v) {
    check(sqlite3_bind_int64(stmt_, i, v));
    return *this;
  }
  Statement& bind(int i, std::string_view v) {
    check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    return *this;
  }
  Statement& bind_null(int i) {
    check(sqlite3_bind_null(stmt_, i));
    return *this;
  }
  Statement& bind_opt(int i, const std::string& v) { return v.empty() ? bind_null(i) : bind(i, v); }

  // True while there is a row.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(rc);
  }
  void run() {
    while (step()) {
    }
    reset();
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  std::int64_t integer(int col) { return sqlite3_column_int64(stmt_, col); }
  std::string text(int col) {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) fail(rc);
  }
  [[noreturn]] void fail(int rc) {
    throw StoreError(fmt::format("{}: {}", *path_, explain(rc, sqlite3_errmsg(db_))));
  }

  sqlite3* db_;
  const std::string* path_;
  sqlite3_stmt* stmt_ = nullptr;
};

json parse_options(const std::string& text) {
  auto j = json::parse(text, nullptr, false);
  return j.is_discarded() ? json::object() : j;
}

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

class SqliteStore final : public Store {
 public:
  SqliteStore(std::string path, int schema_version, bool create, bool read_only)
      : path_(std::move(path)), schema_version_(schema_version) {
    if (read_only) {
      open_read_only(schema_version);
      return;
    }
    const int rc = sqlite3_open_v2(
        path_.c_str(), &db_,
        SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_FULLMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      const std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      sqlite3_close(db_);
      db_ = nullptr;
      throw StoreError(fmt::format("{}: {}", path_, explain(rc, msg.c_str())));
    }
    try {
      sqlite3_busy_timeout(db_, kBusyTimeoutMs);
      check_identity(schema_version);
      // WAL: readers (report, diff) never block the scan writing, and a killed writer
      // leaves every committed transaction readable. NORMAL is durable against a killed
      // process; only a power cut may lose the last commits (never the file).
      exec("PRAGMA journal_mode = WAL");
      exec("PRAGMA synchronous = NORMAL");
      exec("PRAGMA foreign_keys = ON");
      migrate(schema_version);
    } catch (...) {
      sqlite3_close(db_);
      db_ = nullptr;
      throw;
    }
  }
  ~SqliteStore() override {
    if (db_) sqlite3_close(db_);  // statements are finalised: they never outlive a call
  }
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  ScanId begin_scan(const report::ScanMeta& m, const json& options) override {
    Statement s(db_,
                "INSERT INTO scans (command, arguments, started, finished, version, state, "
                "pairs_total, pairs_done, options) VALUES (?, ?, ?, NULL, ?, 'running', ?, 0, ?)",
                path_);
    s.bind(1, m.command).bind(2, m.arguments).bind(3, m.started).bind(4, m.version);
    s.bind(5, static_cast<std::int64_t>(m.pairs_total)).bind(6, options.dump());
    s.run();
    return sqlite3_last_insert_rowid(db_);
  }

  void append(ScanId scan, const std::vector<json>& records, const PositionSet& done) override {
    append_shard(scan, 0, records, done);
  }

  void append_shard(ScanId scan, unsigned k, const std::vector<json>& records,
                    const PositionSet& done) override {
    if (records.empty() && done.empty()) return;
    Transaction tx(*this);
    write_records(scan, records);
    if (!done.empty()) {
      // Rewrite the shard's intervals merged: the set stays a handful of rows.
      PositionSet merged = load_done(scan, k);
      for (const auto& i : done.intervals()) merged.insert(i);
      Statement clear(db_, "DELETE FROM done_ranges WHERE scan_id = ? AND shard = ?", path_);
      clear.bind(1, scan).bind(2, std::int64_t{k}).run();
      Statement add(
          db_, "INSERT INTO done_ranges (scan_id, shard, first, last) VALUES (?, ?, ?, ?)", path_);
      for (const auto& i : merged.intervals())
        add.bind(1, scan)
            .bind(2, std::int64_t{k})
            .bind(3, static_cast<std::int64_t>(i.first))
            .bind(4, static_cast<std::int64_t>(i.last))
            .run();
    }
    if (k > 0) touch(scan, k);
    tx.commit();
  }

  void append_flows(ScanId scan, const std::vector<json>& flows,
                    const std::vector<json>& services) override {
    if (flows.empty() && services.empty()) return;
    if (schema_version_ < 4)
      throw StoreError(
          fmt::format("{}: schema version {} has no flows table", path_, schema_version_));
    Transaction tx(*this);
    // ON CONFLICT ... DO UPDATE keeps the row's id: a replaced flow keeps its place.
    Statement ins(db_,
                  "INSERT INTO flows (scan_id, conn, client_ip, client_port, server_ip, "
                  "server_port, json) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (scan_id, conn) "
                  "DO UPDATE SET client_ip = excluded.client_ip, client_port = "
                  "excluded.client_port, server_ip = excluded.server_ip, server_port = "
                  "excluded.server_port, json = excluded.json",
                  path_);
    for (const auto& f : flows) {
      const auto endpoint = [&](const char* key) {
        const auto it = f.find(key);
        return it != f.end() && it->is_object()
                   ? std::pair{text_or_empty(*it, "ip"), std::int64_t{it->value("port", 0)}}
                   : std::pair{std::string(), std::int64_t{0}};
      };
      const auto [cip, cport] = endpoint("client");
      const auto [sip, sport] = endpoint("server");
      ins.bind(1, scan).bind(2, text_or_empty(f, "conn")).bind(3, cip).bind(4, cport);
      ins.bind(5, sip).bind(6, sport).bind(7, f.dump()).run();
    }
    write_records(scan, services);
    tx.commit();
  }

  std::vector<json> flows(ScanId scan) override {
    if (schema_version_ < 4) return {};
    Statement s(db_, "SELECT json FROM flows WHERE scan_id = ? ORDER BY id", path_);
    s.bind(1, scan);
    std::vector<json> out;
    while (s.step()) {
      auto j = json::parse(s.text(0), nullptr, false);
      if (j.is_discarded() || !j.is_object())
        throw StoreError(
            fmt::format("{}: scan {} has a flow that is not JSON (corrupt file?)", path_, scan));
      out.push_back(std::move(j));
    }
    return out;
  }

  ScanId join_named_scan(const std::string& name, unsigned shard_n, const report::ScanMeta& m,
                         const json& options) override {
    Transaction tx(*this);  // BEGIN IMMEDIATE: the check and the insert are one step
    if (auto id = find_named(name)) return *id;
    Statement s(db_,
                "INSERT INTO scans (command, arguments, started, finished, version, state, "
                "pairs_total, pairs_done, options, name, shard_n) "
                "VALUES (?, ?, ?, NULL, ?, 'running', ?, 0, ?, ?, ?)",
                path_);
    s.bind(1, m.command).bind(2, m.arguments).bind(3, m.started).bind(4, m.version);
    s.bind(5, static_cast<std::int64_t>(m.pairs_total)).bind(6, options.dump());
    s.bind(7, name).bind(8, std::int64_t{shard_n});
    s.run();
    const auto id = sqlite3_last_insert_rowid(db_);
    tx.commit();
    return id;
  }

  std::optional<ScanId> find_named(const std::string& name) override {
    Statement s(db_, "SELECT id FROM scans WHERE name = ?", path_);
    s.bind(1, name);
    if (s.step()) return s.integer(0);
    return std::nullopt;
  }

  void shard_begin(ScanId scan, unsigned k, unsigned n, std::uint64_t pairs_total,
                   const std::string& host) override {
    Transaction tx(*this);
    Statement s(db_,
                "INSERT INTO shards (scan_id, k, n, state, heartbeat, pairs_total, host) "
                "VALUES (?, ?, ?, 'running', CAST(strftime('%s', 'now') AS INTEGER), ?, ?) "
                "ON CONFLICT (scan_id, k) DO UPDATE SET state = 'running', finished = NULL, "
                "heartbeat = excluded.heartbeat, host = excluded.host",
                path_);
    s.bind(1, scan).bind(2, std::int64_t{k}).bind(3, std::int64_t{n});
    s.bind(4, static_cast<std::int64_t>(pairs_total)).bind(5, host).run();
    Statement r(db_, "UPDATE scans SET state = 'running', finished = NULL WHERE id = ?", path_);
    r.bind(1, scan).run();
    tx.commit();
  }

  void shard_heartbeat(ScanId scan, unsigned k) override { touch(scan, k); }

  void shard_finish(ScanId scan, unsigned k, bool interrupted,
                    const std::string& finished) override {
    Transaction tx(*this);  // the "all shards ended?" check sees every other shard's end
    Statement s(db_,
                "UPDATE shards SET state = ?, finished = ?, "
                "heartbeat = CAST(strftime('%s', 'now') AS INTEGER) WHERE scan_id = ? AND k = ?",
                path_);
    s.bind(1, interrupted ? "interrupted" : "finished").bind_opt(2, finished);
    s.bind(3, scan).bind(4, std::int64_t{k}).run();
    Statement c(db_,
                "SELECT (SELECT shard_n FROM scans WHERE id = ?1), "
                "count(*) FILTER (WHERE state = 'finished'), "
                "count(*) FILTER (WHERE state = 'interrupted') FROM shards WHERE scan_id = ?1",
                path_);
    c.bind(1, scan);
    c.step();
    const auto n = c.integer(0), fin = c.integer(1), intr = c.integer(2);
    c.reset();
    if (fin + intr >= n) {
      std::uint64_t done = 0;
      for (std::int64_t i = 0; i <= n; ++i)
        done += load_done(scan, static_cast<unsigned>(i)).count();
      Statement u(db_, "UPDATE scans SET state = ?, finished = ?, pairs_done = ? WHERE id = ?",
                  path_);
      u.bind(1, intr > 0 ? "interrupted" : "finished").bind_opt(2, finished);
      u.bind(3, static_cast<std::int64_t>(done)).bind(4, scan).run();
    }
    tx.commit();
  }

  std::vector<ShardInfo> shards(ScanId scan) override {
    Statement s(db_,
                "SELECT k, n, state, CAST(strftime('%s', 'now') AS INTEGER) - heartbeat, "
                "pairs_total, host FROM shards WHERE scan_id = ? ORDER BY k",
                path_);
    s.bind(1, scan);
    std::vector<ShardInfo> out;
    while (s.step()) {
      ShardInfo i;
      i.k = static_cast<unsigned>(s.integer(0));
      i.n = static_cast<unsigned>(s.integer(1));
      i.state = parse_state(s.text(2)).value_or(ScanState::Running);
      i.silent_s = s.integer(3);
      i.pairs_total = static_cast<std::uint64_t>(s.integer(4));
      i.host = s.text(5);
      out.push_back(std::move(i));
    }
    for (auto& i : out) i.pairs_done = load_done(scan, i.k).count();
    return out;
  }

  PositionSet done_positions(ScanId scan, unsigned k) override { return load_done(scan, k); }

  void finish(ScanId scan, const report::ScanMeta& m) override {
    Statement s(db_,
                "UPDATE scans SET state = ?, finished = ?, pairs_total = ?, pairs_done = ? "
                "WHERE id = ?",
                path_);
    s.bind(1, m.interrupted ? "interrupted" : "finished").bind_opt(2, m.finished);
    s.bind(3, static_cast<std::int64_t>(m.pairs_total))
        .bind(4, static_cast<std::int64_t>(m.pairs_done));
    s.bind(5, scan).run();
  }

  void reopen(ScanId scan) override {
    Statement s(db_, "UPDATE scans SET state = 'running', finished = NULL WHERE id = ?", path_);
    s.bind(1, scan).run();
  }

  std::vector<ScanInfo> list() override { return select_scans(std::nullopt); }

  std::optional<ScanInfo> scan(ScanId id) override {
    auto v = select_scans(id);
    if (v.empty()) return std::nullopt;
    return std::move(v.front());
  }

  std::optional<ScanId> latest() override {
    Statement s(db_, "SELECT max(id) FROM scans", path_);
    if (s.step() && s.integer(0) > 0) return s.integer(0);
    return std::nullopt;
  }

  std::optional<ScanId> latest_unfinished() override {
    Statement s(db_, "SELECT max(id) FROM scans WHERE state IN ('running', 'interrupted')", path_);
    if (s.step() && s.integer(0) > 0) return s.integer(0);
    return std::nullopt;
  }

  std::vector<json> records(ScanId scan) override {
    Statement s(db_, "SELECT json FROM records WHERE scan_id = ? ORDER BY id", path_);
    s.bind(1, scan);
    std::vector<json> out;
    while (s.step()) {
      auto j = json::parse(s.text(0), nullptr, false);
      if (j.is_discarded() || !j.is_object())
        throw StoreError(
            fmt::format("{}: scan {} has a record that is not JSON (corrupt file?)", path_, scan));
      out.push_back(std::move(j));
    }
    return out;
  }

  std::vector<ServiceRow> services(ScanId scan) override {
    Statement s(
        db_,
        "SELECT r.id, r.ip, r.port, r.status, r.dicom, r.tls, r.association, r.product, "
        "f.finding_id, f.severity FROM records r LEFT JOIN findings f ON f.record_id = r.id "
        "WHERE r.scan_id = ? ORDER BY r.ip, r.port, f.finding_id",
        path_);
    s.bind(1, scan);
    std::vector<ServiceRow> out;
    std::int64_t current = -1;
    while (s.step()) {
      if (s.integer(0) != current) {
        current = s.integer(0);
        ServiceRow row;
        row.ip = s.text(1);
        row.port = static_cast<std::uint16_t>(s.integer(2));
        row.status = s.text(3);
        row.dicom = s.integer(4) != 0;
        row.tls = s.integer(5) != 0;
        row.association = s.text(6);
        row.product = s.text(7);
        out.push_back(std::move(row));
      }
      if (auto id = s.text(8); !id.empty())
        out.back().findings.push_back({std::move(id), s.text(9)});
    }
    return out;
  }

  PositionSet done_positions(ScanId scan) override { return load_done(scan, 0); }

 private:
  // BEGIN IMMEDIATE takes the write lock up front, so a busy database fails (after the
  // busy timeout) here rather than half-way through the batch.
  class Transaction {
   public:
    explicit Transaction(SqliteStore& s) : s_(s) { s_.exec("BEGIN IMMEDIATE"); }
    ~Transaction() {
      if (!done_) sqlite3_exec(s_.db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit() {
      s_.exec("COMMIT");
      done_ = true;
    }

   private:
    SqliteStore& s_;
    bool done_ = false;
  };

  // Constant SQL only (pragmas and migration scripts: no values).
  void exec(const char* sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      const std::string msg = err ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      throw StoreError(fmt::format("{}: {}", path_, explain(rc, msg.c_str())));
    }
  }

  // report, scans, diff: never write, so that an auditor who may only read the file (and
  // not its directory) can report. A WAL database needs its -shm index: SQLite reads
  // through an existing one, or creates it beside the file. When neither is possible (the
  // directory is not writable and the writer closed cleanly, removing -wal and -shm), the
  // file alone is the whole database, and it is opened as immutable.
  void open_read_only(int schema_version) {
    open_with(path_, SQLITE_OPEN_READONLY);
    if (const int rc =
            sqlite3_exec(db_, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
        rc != SQLITE_OK) {
      const int primary = rc & 0xff;
      std::error_code ec;
      const auto wal_size = std::filesystem::file_size(path_ + "-wal", ec);
      const bool wal_has_data = !ec && wal_size > 0;
      if ((primary != SQLITE_CANTOPEN && primary != SQLITE_READONLY) || wal_has_data) {
        const std::string msg = sqlite3_errmsg(db_);
        close_db();
        throw StoreError(fmt::format(
            "{}: {}{}", path_, explain(rc, msg.c_str()),
            wal_has_data ? "; its -wal file holds recent writes and the directory is not "
                           "writable: ask for write access to the directory, or copy the file "
                           "with its -wal and -shm files"
                         : ""));
      }
      close_db();
      open_with(immutable_uri(path_), SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
    }
    try {
      sqlite3_busy_timeout(db_, kBusyTimeoutMs);
      check_identity(schema_version);
      if (const auto v = pragma("PRAGMA user_version"); v < schema_version)
        throw StoreError(fmt::format(
            "{}: written by an older dicomsec (schema version {}); it is upgraded on the "
            "next 'dicomsec scan --db' with write access, and cannot be read before that",
            path_, v));
    } catch (...) {
      close_db();
      throw;
    }
  }

  void open_with(const std::string& name, int flags) {
    const int rc = sqlite3_open_v2(name.c_str(), &db_, flags | SQLITE_OPEN_FULLMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      const std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      close_db();
      throw StoreError(fmt::format("{}: {}", path_, explain(rc, msg.c_str())));
    }
  }

  void close_db() {
    sqlite3_close(db_);
    db_ = nullptr;
  }

  // file:PATH?immutable=1, the path percent-encoded where a URI needs it.
  static std::string immutable_uri(const std::string& path) {
    std::string out = "file:";
    for (const unsigned char c : path) {
      if (std::isalnum(c) != 0 || c == '/' || c == '.' || c == '-' || c == '_' || c == '~')
        out += static_cast<char>(c);
      else
        out += fmt::format("%{:02X}", c);
    }
    return out + "?immutable=1";
  }

  std::int64_t pragma(const char* sql) {
    Statement s(db_, sql, path_);
    return s.step() ? s.integer(0) : 0;
  }

  void check_identity(int target_version) {
    // One read transaction: the id, version and table count from one snapshot. Read one by
    // one, a process creating the file at the same time could commit its first migration in
    // between (id 0 read before, tables counted after: "holds other tables").
    exec("BEGIN");
    std::int64_t app = 0, version = 0, tables = 0;
    try {
      app = pragma("PRAGMA application_id");  // garbage files fail here: NOTADB
      version = pragma("PRAGMA user_version");
      tables = pragma("SELECT count(*) FROM sqlite_master");
      exec("COMMIT");
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
    if (app != 0 && app != kApplicationId)
      throw StoreError(
          fmt::format("{}: not a dicomsec database (application_id {:#x})", path_, app));
    if (app == 0 && tables != 0)
      throw StoreError(fmt::format("{}: not a dicomsec database (it holds other tables)", path_));
    if (version > target_version)
      throw StoreError(fmt::format(
          "{}: written by a newer dicomsec (schema version {}; this build knows up to {}); "
          "use a newer dicomsec or another --db file",
          path_, version, target_version));
  }

  void migrate(int target_version) {
    for (int v = static_cast<int>(pragma("PRAGMA user_version")); v < target_version; ++v) {
      Transaction tx(*this);
      // Another process may have migrated while we waited for the lock.
      if (pragma("PRAGMA user_version") != v) continue;
      exec(std::string(kMigrations.at(static_cast<std::size_t>(v))).c_str());
      tx.commit();
    }
  }

  // Inside the caller's transaction: each record replaces the scan's row for its ip:port.
  void write_records(ScanId scan, const std::vector<json>& records) {
    if (records.empty()) return;
    Statement del(db_, "DELETE FROM records WHERE scan_id = ? AND ip = ? AND port = ?", path_);
    Statement ins(db_,
                  "INSERT INTO records (scan_id, ip, port, status, dicom, tls, association, "
                  "product, json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  path_);
    Statement fin(
        db_, "INSERT OR IGNORE INTO findings (record_id, finding_id, severity) VALUES (?, ?, ?)",
        path_);
    for (const auto& r : records) {
      const std::string ip = text_or_empty(r, "ip");
      const auto port = r.value("port", 0);
      del.bind(1, scan).bind(2, ip).bind(3, std::int64_t{port}).run();
      std::string association, product;
      if (const auto a = r.find("association"); a != r.end() && a->is_object())
        association = text_or_empty(*a, "result");
      product = report::product_label(r);  // as every summary shows it (issue 12 §2)
      ins.bind(1, scan).bind(2, ip).bind(3, std::int64_t{port}).bind(4, text_or_empty(r, "status"));
      ins.bind(5, std::int64_t{r.value("dicom", false)})
          .bind(6, std::int64_t{r.value("tls", false)});
      ins.bind_opt(7, association).bind_opt(8, product).bind(9, r.dump());
      ins.run();
      const auto record_id = sqlite3_last_insert_rowid(db_);
      if (const auto f = r.find("findings"); f != r.end() && f->is_array())
        for (const auto& finding : *f)
          fin.bind(1, record_id)
              .bind(2, text_or_empty(finding, "id"))
              .bind(3, text_or_empty(finding, "severity"))
              .run();
    }
  }

  void touch(ScanId scan, unsigned k) {
    Statement s(db_,
                "UPDATE shards SET heartbeat = CAST(strftime('%s', 'now') AS INTEGER) "
                "WHERE scan_id = ? AND k = ?",
                path_);
    s.bind(1, scan).bind(2, std::int64_t{k}).run();
  }

  PositionSet load_done(ScanId scan, unsigned k) {
    Statement s(
        db_, "SELECT first, last FROM done_ranges WHERE scan_id = ? AND shard = ? ORDER BY first",
        path_);
    s.bind(1, scan).bind(2, std::int64_t{k});
    PositionSet out;
    while (s.step())
      out.insert(
          {static_cast<std::uint64_t>(s.integer(0)), static_cast<std::uint64_t>(s.integer(1))});
    return out;
  }

  // Every shard's done positions (a named scan's shards, and shard 0 of an unnamed one).
  std::uint64_t done_count(ScanId scan) {
    std::vector<std::int64_t> ks;
    {
      Statement s(db_, "SELECT DISTINCT shard FROM done_ranges WHERE scan_id = ?", path_);
      s.bind(1, scan);
      while (s.step()) ks.push_back(s.integer(0));
    }
    std::uint64_t n = 0;
    for (const auto k : ks) n += load_done(scan, static_cast<unsigned>(k)).count();
    return n;
  }

  std::vector<ScanInfo> select_scans(std::optional<ScanId> only) {
    // A file opened read-only at schema 3 has no flows table: its flow count is 0.
    static constexpr const char* kWithFlows =
        "SELECT id, command, arguments, started, finished, version, state, pairs_total, "
        "pairs_done, options, (SELECT count(*) FROM records WHERE scan_id = scans.id), "
        "coalesce(name, ''), (SELECT count(*) FROM flows WHERE scan_id = scans.id) "
        "FROM scans WHERE ?1 IS NULL OR id = ?1 ORDER BY id";
    static constexpr const char* kWithoutFlows =
        "SELECT id, command, arguments, started, finished, version, state, pairs_total, "
        "pairs_done, options, (SELECT count(*) FROM records WHERE scan_id = scans.id), "
        "coalesce(name, ''), 0 FROM scans WHERE ?1 IS NULL OR id = ?1 ORDER BY id";
    Statement s(db_, schema_version_ >= 4 ? kWithFlows : kWithoutFlows, path_);
    if (only)
      s.bind(1, *only);
    else
      s.bind_null(1);
    std::vector<ScanInfo> out;
    while (s.step()) {
      ScanInfo i;
      i.id = s.integer(0);
      i.meta.scan_id = std::to_string(i.id);
      i.meta.command = s.text(1);
      i.meta.arguments = s.text(2);
      i.meta.started = s.text(3);
      i.meta.finished = s.text(4);
      i.meta.version = s.text(5);
      const auto state = parse_state(s.text(6));
      if (!state) throw StoreError(fmt::format("{}: scan {} has an unknown state", path_, i.id));
      i.state = *state;
      i.meta.interrupted = i.state == ScanState::Interrupted;
      i.meta.pairs_total = static_cast<std::uint64_t>(s.integer(7));
      i.meta.pairs_done = static_cast<std::uint64_t>(s.integer(8));
      i.options = parse_options(s.text(9));
      i.records = static_cast<std::uint64_t>(s.integer(10));
      i.name = s.text(11);
      i.flows = static_cast<std::uint64_t>(s.integer(12));
      out.push_back(std::move(i));
    }
    // A scan that was killed never wrote pairs_done; its intervals know.
    for (auto& i : out)
      if (i.state != ScanState::Finished) i.meta.pairs_done = done_count(i.id);
    return out;
  }

  std::string path_;
  int schema_version_;
  sqlite3* db_ = nullptr;
};

}  // namespace

std::unique_ptr<Store> open_sqlite(const std::string& path, int schema_version, bool create,
                                   bool read_only) {
  if (schema_version < 1 || schema_version > kSqliteSchemaVersion)
    throw StoreError(
        fmt::format("schema version {} is not one this build can write", schema_version));
  if (!create && !std::filesystem::exists(path))
    throw StoreError(
        fmt::format("{}: no such file (scans are stored with 'dicomsec scan --db')", path));
  return std::make_unique<SqliteStore>(path, schema_version, create && !read_only, read_only);
}

}  // namespace dicomsec::store
