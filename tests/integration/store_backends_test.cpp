// One store test suite, two backends (issue 17): every test here runs against a SQLite file
// and against a real PostgreSQL 15 server that the ctest fixture started on loopback
// (tests/integration/pg_fixture.sh: DICOMSEC_PG_DIR/url). A PostgreSQL test works in a
// schema of its own (search_path in the URL), so the tests share the server, not data.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <pqxx/pqxx>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/pg_store.hpp"
#include "store/sqlite_store.hpp"
#include "store/store.hpp"
#include "support/process.hpp"
#include "support/skip.hpp"

namespace dicomsec::store {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

class StoreBackends : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "dicomsec-backends-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    if (GetParam() == "sqlite") {
      location_ = dir_ + "/scans.db";
      return;
    }
    const char* pg = std::getenv("DICOMSEC_PG_DIR");
    if (pg == nullptr || !fs::exists(std::string(pg) + "/url"))
      DICOMSEC_SKIP_OR_FAIL(
          "needs the PostgreSQL fixture: DICOMSEC_PG_DIR has no url (run "
          "through ctest)");
    base_url_ = trim(test_support::slurp(std::string(pg) + "/url"));
    canary_ = trim(test_support::slurp(std::string(pg) + "/canary"));
    schema_ = "t" + std::to_string(getpid()) + "_" + std::to_string(std::random_device{}());
    pqxx::connection c(base_url_);
    pqxx::work w(c);
    w.exec("CREATE SCHEMA " + w.quote_name(schema_));
    w.commit();
    location_ = base_url_ + "?options=-c%20search_path%3D" + schema_;
  }
  void TearDown() override {
    if (!schema_.empty()) {
      pqxx::connection c(base_url_);
      pqxx::work w(c);
      w.exec("DROP SCHEMA " + w.quote_name(schema_) + " CASCADE");
      w.commit();
    }
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  std::unique_ptr<Store> open() { return open_store(location_); }

  static report::ScanMeta meta(std::uint64_t pairs = 2) {
    report::ScanMeta m;
    m.command = "scan";
    m.arguments = "dicomsec scan 127.0.0.1 -p 2000-2001";
    m.started = "2026-11-25T21:00:00Z";
    m.version = "0.1.0";
    m.pairs_total = pairs;
    return m;
  }

  static json record(std::uint16_t port, std::vector<std::string> findings = {"DICOM-NO-TLS"},
                     const std::string& ip = "127.0.0.1") {
    json f = json::array();
    for (const auto& id : findings)
      f.push_back({{"id", id}, {"severity", "high"}, {"evidence", "e"}});
    return {{"ip", ip},
            {"port", port},
            {"status", "success"},
            {"dicom", true},
            {"tls", false},
            {"association", {{"result", "accepted"}, {"calling_ae", "DICOMSEC"}}},
            {"product", {{"name", "DCMTK"}, {"version", "3.6.7"}}},
            {"findings", f},
            {"duration_ms", 3}};
  }

  std::string dir_, location_, base_url_, canary_, schema_;
};

TEST_P(StoreBackends, RoundTrip) {
  json options = {{"targets", {"127.0.0.1"}}, {"seed", 18446744073709551557ULL}};
  ScanId id = 0;
  {
    auto s = open();
    id = s->begin_scan(meta(), options);
    PositionSet done;
    done.insert({0, 1});
    s->append(id, {record(2001), record(2000, {})}, done);
    auto m = meta();
    m.finished = "2026-11-25T21:00:05Z";
    m.pairs_done = 2;
    s->finish(id, m);
  }
  auto s = open();
  const auto info = s->scan(id);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->state, ScanState::Finished);
  EXPECT_EQ(info->meta.arguments, meta().arguments);
  EXPECT_EQ(info->meta.finished, "2026-11-25T21:00:05Z");
  EXPECT_EQ(info->meta.pairs_done, 2U);
  EXPECT_EQ(info->records, 2U);
  EXPECT_EQ(info->options, options);  // the uint64 seed survives
  const auto recs = s->records(id);
  ASSERT_EQ(recs.size(), 2U);
  EXPECT_EQ(recs[0], record(2001));  // in the order appended
  EXPECT_EQ(recs[1], record(2000, {}));
  const auto services = s->services(id);
  ASSERT_EQ(services.size(), 2U);
  EXPECT_EQ(services[0].port, 2000);
  EXPECT_EQ(services[1].product, "DCMTK 3.6.7");
  EXPECT_EQ(services[1].association, "accepted");
  ASSERT_EQ(services[1].findings.size(), 1U);
  EXPECT_EQ(services[1].findings[0].id, "DICOM-NO-TLS");
  EXPECT_EQ(s->latest(), id);
  EXPECT_EQ(s->latest_unfinished(), std::nullopt);
  EXPECT_EQ(resolve_scan(*s, "latest"), id);
  EXPECT_THROW(resolve_scan(*s, "99"), StoreError);
  // Read-only opening (report, scans, diff) sees the same.
  auto ro = open_store_read_only(location_);
  EXPECT_EQ(ro->records(id), recs);
}

TEST_P(StoreBackends, ReplacedOrRetriedRecordKeepsOneRowAndItsNewFindings) {
  auto s = open();
  const auto id = s->begin_scan(meta(), json::object());
  s->append(id, {record(2000)}, {});
  s->append(id, {record(2000)}, {});  // a retried batch
  s->append(id, {record(2000, {"DICOM-EXPOSED"})}, {});
  EXPECT_EQ(s->records(id).size(), 1U);
  const auto services = s->services(id);
  ASSERT_EQ(services.size(), 1U);
  ASSERT_EQ(services[0].findings.size(), 1U);
  EXPECT_EQ(services[0].findings[0].id, "DICOM-EXPOSED");
  // The same ip:port twice in one batch: the last one wins, once.
  s->append(id, {record(2001, {"A"}), record(2001, {"B"})}, {});
  EXPECT_EQ(s->records(id).size(), 2U);
  EXPECT_EQ(s->services(id)[1].findings.at(0).id, "B");
}

// `pcap --db` (issue 14 §9): every flow record, idempotent per (scan, conn), in the order
// first written, beside the per-server rows that diff compares.
TEST_P(StoreBackends, FlowsAreKeptOnePerConnBesideTheServiceRows) {
  const auto flow = [](const std::string& conn, std::uint16_t client_port, std::uint16_t port,
                       const std::string& close) {
    return json{{"kind", "flow"},
                {"conn", conn},
                {"ip", "192.0.2.7"},
                {"port", port},
                {"client", {{"ip", "198.51.100.9"}, {"port", client_port}}},
                {"server", {{"ip", "192.0.2.7"}, {"port", port}}},
                {"close", close},
                {"findings", json::array()}};
  };
  auto s = open();
  const auto id = s->begin_scan(meta(), json::object());
  const auto other = s->begin_scan(meta(), json::object());
  EXPECT_TRUE(s->flows(id).empty());
  s->append_flows(id, {flow("F2", 40001, 104, "fin"), flow("F1", 40000, 104, "fin")},
                  {record(104, {}, "192.0.2.7")});
  // A retried batch, and F3 twice in one batch: the last one wins, once; F2 keeps its place.
  s->append_flows(id,
                  {flow("F2", 40001, 104, "rst"), flow("F3", 40002, 11112, "fin"),
                   flow("F3", 40002, 11112, "idle")},
                  {record(11112, {"DICOM-NO-TLS"}, "192.0.2.7")});
  s->append_flows(other, {flow("F1", 1, 104, "fin")}, {});
  s->append_flows(id, {}, {});  // nothing to write: no transaction, no error
  const std::vector<json> want = {flow("F2", 40001, 104, "rst"), flow("F1", 40000, 104, "fin"),
                                  flow("F3", 40002, 11112, "idle")};
  EXPECT_EQ(s->flows(id), want);
  EXPECT_EQ(s->flows(other).size(), 1U);
  const auto services = s->services(id);
  ASSERT_EQ(services.size(), 2U);
  EXPECT_EQ(services[0].port, 104);
  EXPECT_EQ(services[1].port, 11112);
  ASSERT_EQ(services[1].findings.size(), 1U);
  EXPECT_EQ(open_store_read_only(location_)->flows(id), want);
  // `scans` tells a pcap run's flows from its server rows.
  for (const auto& info : s->list()) {
    if (info.id == id) {
      EXPECT_EQ(info.flows, 3U);
      EXPECT_EQ(info.records, 2U);
    }
    if (info.id == other) {
      EXPECT_EQ(info.flows, 1U);
    }
  }
}

// A store made before flows were kept (SQLite version 3, PostgreSQL version 1) is migrated on
// the next writable open, keeping its scans, and then stores flows.
TEST_P(StoreBackends, OlderSchemaMigratesToTheFlowsTable) {
  ScanId id = 0;
  {
    auto old = GetParam() == "sqlite" ? open_sqlite(location_, 3) : open_postgres(location_, 1);
    id = old->begin_scan(meta(), json::object());
    old->append(id, {record(2000)}, {});
    EXPECT_TRUE(old->flows(id).empty());
    EXPECT_THROW(old->append_flows(id, {json{{"conn", "F1"}}}, {}), StoreError);
  }
  EXPECT_THROW(open_store_read_only(location_), StoreError);  // "upgraded on the next --db"
  auto s = open();
  EXPECT_EQ(s->records(id), std::vector<json>{record(2000)});
  s->append_flows(id, {json{{"kind", "flow"}, {"conn", "F1"}}}, {});
  EXPECT_EQ(s->flows(id).size(), 1U);
}

TEST_P(StoreBackends, DonePositionsMergeIntoIntervalsPerShard) {
  auto s = open();
  const auto id = s->begin_scan(meta(), json::object());
  PositionSet done;
  done.insert(3);
  s->append(id, {record(2000)}, done);
  done.clear();
  done.insert(4);
  s->append(id, {}, done);
  EXPECT_EQ(s->done_positions(id).intervals(), (std::vector<PositionSet::Interval>{{3, 4}}));
  EXPECT_EQ(s->scan(id)->meta.pairs_done, 2U) << "an unfinished scan counts its intervals";
  s->append_shard(id, 2, {}, done);
  EXPECT_EQ(s->done_positions(id, 2).intervals(), (std::vector<PositionSet::Interval>{{4, 4}}));
  EXPECT_EQ(s->done_positions(id).count(), 2U) << "shard 2's positions are its own";
}

TEST_P(StoreBackends, InterruptedThenReopened) {
  auto s = open();
  const auto id = s->begin_scan(meta(), json::object());
  auto m = meta();
  m.interrupted = true;
  s->finish(id, m);
  EXPECT_EQ(s->scan(id)->state, ScanState::Interrupted);
  EXPECT_EQ(s->latest_unfinished(), id);
  s->reopen(id);
  EXPECT_EQ(s->scan(id)->state, ScanState::Running);
}

// Eight shard processes' stores writing one named scan at once: one scan row, every record
// once, each shard's done positions complete, the scan finished when the last shard ends.
TEST_P(StoreBackends, EightConcurrentShardWriters) {
  constexpr unsigned kShards = 8;
  constexpr std::uint64_t kPairs = 8 * 300;
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  std::vector<ScanId> ids(kShards);
  for (unsigned k = 1; k <= kShards; ++k)
    writers.emplace_back([&, k] {
      try {
        auto s = open();
        const auto id = s->join_named_scan("nightly-7", kShards, meta(kPairs),
                                           json{{"seed", 5}, {"shard", "1/8"}});
        ids[k - 1] = id;
        s->shard_begin(id, k, kShards, kPairs / kShards, "host");
        // Positions p with p % 8 == k - 1; local index p / 8. Batches of 50; every batch
        // written twice (as a shard retried after a lost connection would).
        for (std::uint64_t local = 0; local < kPairs / kShards; local += 50) {
          std::vector<json> batch;
          PositionSet done;
          for (std::uint64_t i = local; i < local + 50; ++i) {
            const std::uint64_t p = i * kShards + (k - 1);
            batch.push_back(record(static_cast<std::uint16_t>(1000 + p % 1000), {"X"},
                                   "127.0." + std::to_string(p / 1000) + ".1"));
            done.insert(i);
          }
          s->append_shard(id, k, batch, done);
          if (local % 100 == 0) s->append_shard(id, k, batch, done);
        }
        s->shard_finish(id, k, false, "2026-11-25T22:00:00Z");
      } catch (const std::exception& e) {
        ++failures;
        ADD_FAILURE() << "shard " << k << ": " << e.what();
      }
    });
  for (auto& t : writers) t.join();
  ASSERT_EQ(failures, 0);
  for (const auto id : ids) EXPECT_EQ(id, ids[0]) << "every shard joined the same scan";
  auto s = open();
  EXPECT_EQ(s->list().size(), 1U);
  const auto recs = s->records(ids[0]);
  EXPECT_EQ(recs.size(), kPairs);
  std::set<std::pair<std::string, int>> keys;
  for (const auto& r : recs) keys.emplace(r["ip"].get<std::string>(), r["port"].get<int>());
  EXPECT_EQ(keys.size(), kPairs) << "no duplicates";
  const auto info = s->scan(ids[0]);
  EXPECT_EQ(info->state, ScanState::Finished);
  EXPECT_EQ(info->name, "nightly-7");
  EXPECT_EQ(info->meta.pairs_done, kPairs);
  EXPECT_EQ(resolve_scan(*s, "nightly-7"), ids[0]);
  const auto shards = s->shards(ids[0]);
  ASSERT_EQ(shards.size(), kShards);
  for (const auto& sh : shards) {
    EXPECT_EQ(sh.state, ScanState::Finished);
    EXPECT_EQ(sh.pairs_done, kPairs / kShards);
    EXPECT_EQ(s->done_positions(ids[0], sh.k).intervals().size(), 1U)
        << "shard-local: one interval";
  }
  EXPECT_EQ(shard_summary(shards, 60), "8 shards: 8 done (1,2,3,4,5,6,7,8)");
}

TEST_P(StoreBackends, SilentShardIsDeadAndTheScanEndsOnlyWithItsLastShard) {
  auto s = open();
  const auto id = s->join_named_scan("n", 2, meta(4), json::object());
  s->shard_begin(id, 1, 2, 2, "a");
  s->shard_begin(id, 2, 2, 2, "b");
  s->shard_finish(id, 1, false, "2026-11-25T22:00:00Z");
  EXPECT_EQ(s->scan(id)->state, ScanState::Running) << "shard 2 has not ended";
  std::this_thread::sleep_for(2100ms);
  auto shards = s->shards(id);
  ASSERT_EQ(shards.size(), 2U);
  EXPECT_GE(shards[1].silent_s, 1);
  EXPECT_EQ(shard_word(shards[1], 1), "dead");
  EXPECT_EQ(shard_word(shards[1], 60), "running");
  EXPECT_EQ(shard_summary(shards, 1), "2 shards: 1 done (1); 1 dead (2)");
  s->shard_begin(id, 2, 2, 2, "c");  // the dead shard re-run (--resume)
  EXPECT_EQ(shard_word(s->shards(id)[1], 1), "running");
  s->shard_finish(id, 2, false, "2026-11-25T22:01:00Z");
  EXPECT_EQ(s->scan(id)->state, ScanState::Finished);
}

TEST_P(StoreBackends, RacingJoinsMakeOneScan) {
  std::vector<std::thread> t;
  std::vector<ScanId> ids(8);
  for (int i = 0; i < 8; ++i)
    t.emplace_back([&, i] { ids[i] = open()->join_named_scan("race", 8, meta(), json::object()); });
  for (auto& th : t) th.join();
  for (const auto id : ids) EXPECT_EQ(id, ids[0]);
  EXPECT_EQ(open()->list().size(), 1U);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreBackends, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

// PostgreSQL only: the password in the URL appears in no error message and no stored row.
class PostgresOnly : public StoreBackends {};
TEST_P(PostgresOnly, CanaryPasswordAppearsInNoMessageOrRow) {
  ASSERT_FALSE(canary_.empty());
  const std::string wrong = base_url_.substr(0, base_url_.find(canary_)) + canary_ + "x" +
                            base_url_.substr(base_url_.find(canary_) + canary_.size());
  try {
    open_store(wrong);
    ADD_FAILURE() << "a wrong password was accepted";
  } catch (const StoreError& e) {
    EXPECT_EQ(std::string(e.what()).find(canary_), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("***"), std::string::npos) << e.what();
  }
  EXPECT_EQ(redact_location("--db=" + base_url_).find(canary_), std::string::npos);
  EXPECT_EQ(redact_location("postgresql://u@h/db?password=" + canary_ + "&sslmode=disable"),
            "postgresql://u@h/db?password=***&sslmode=disable");
  auto s = open();
  auto m = meta();
  m.arguments = "dicomsec scan --db " + redact_location(location_);
  const auto id = s->begin_scan(m, json::object());
  s->append_flows(id, {json{{"kind", "flow"}, {"conn", "F1"}}}, {});
  pqxx::connection c(location_);
  pqxx::work w(c);
  for (const char* table : {"scans", "records", "findings", "shards", "done_ranges", "flows"}) {
    const auto r = w.exec("SELECT count(*) FROM " + w.quote_name(table) + " t WHERE t::text LIKE " +
                          w.quote("%" + canary_ + "%"));
    EXPECT_EQ(r[0][0].as<int>(), 0) << table;
  }
}
INSTANTIATE_TEST_SUITE_P(Backends, PostgresOnly, ::testing::Values("postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace dicomsec::store
