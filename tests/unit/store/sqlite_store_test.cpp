// The SQLite store against real files in a temporary directory.
#include "store/sqlite_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace dicomsec::store {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "dicomsec-store-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/scans.db";
  }
  void TearDown() override { fs::remove_all(dir_); }

  static report::ScanMeta meta() {
    report::ScanMeta m;
    m.command = "scan";
    m.arguments = "dicomsec scan 127.0.0.1 -p 2000-2001";
    m.started = "2026-11-25T21:00:00Z";
    m.version = "0.1.0";
    m.pairs_total = 2;
    return m;
  }

  static json record(std::uint16_t port, std::vector<std::string> findings = {"DICOM-NO-TLS"}) {
    json f = json::array();
    for (const auto& id : findings)
      f.push_back({{"id", id}, {"severity", "high"}, {"evidence", "e"}});
    return {{"ip", "127.0.0.1"},
            {"port", port},
            {"status", "success"},
            {"dicom", true},
            {"tls", false},
            {"association", {{"result", "accepted"}, {"calling_ae", "DICOMSEC"}}},
            {"product", {{"name", "DCMTK"}, {"version", "3.6.7"}}},
            {"findings", f},
            {"duration_ms", 3}};
  }

  // Runs constant SQL on the file with a second, raw connection.
  std::int64_t query_int(const char* sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    std::int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
      v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
  }

  std::string dir_, path_;
};

TEST_F(SqliteStoreTest, RoundTrip) {
  json options = {{"targets", {"127.0.0.1"}}, {"seed", 18446744073709551557ULL}};
  ScanId id = 0;
  {
    auto s = open_sqlite(path_);
    id = s->begin_scan(meta(), options);
    PositionSet done;
    done.insert({0, 1});
    s->append(id, {record(2001), record(2000, {})}, done);
    auto m = meta();
    m.finished = "2026-11-25T21:00:05Z";
    m.pairs_done = 2;
    s->finish(id, m);
  }
  auto s = open_sqlite(path_);
  const auto info = s->scan(id);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->state, ScanState::Finished);
  EXPECT_EQ(info->meta.scan_id, std::to_string(id));
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
  EXPECT_THROW(resolve_scan(*s, "x1"), StoreError);
}

TEST_F(SqliteStoreTest, ReplacedRecordKeepsOneRowAndItsNewFindings) {
  auto s = open_sqlite(path_);
  const auto id = s->begin_scan(meta(), json::object());
  s->append(id, {record(2000)}, {});
  s->append(id, {record(2000, {"DICOM-EXPOSED"})}, {});
  EXPECT_EQ(s->records(id).size(), 1U);
  EXPECT_EQ(query_int("SELECT count(*) FROM findings"), 1);
}

TEST_F(SqliteStoreTest, EachBatchIsVisibleToOtherReadersOnceAppended) {
  auto s = open_sqlite(path_);
  const auto id = s->begin_scan(meta(), json::object());
  EXPECT_EQ(query_int("SELECT count(*) FROM records"), 0);
  PositionSet done;
  done.insert(3);
  s->append(id, {record(2000)}, done);
  EXPECT_EQ(query_int("SELECT count(*) FROM records"), 1);
  EXPECT_EQ(query_int("SELECT count(*) FROM done_ranges"), 1);
  done.clear();
  done.insert(4);
  s->append(id, {record(2001)}, done);
  EXPECT_EQ(query_int("SELECT count(*) FROM records"), 2);
  EXPECT_EQ(query_int("SELECT count(*) FROM done_ranges"), 1) << "3 and 4 merge into one row";
  EXPECT_EQ(s->done_positions(id).intervals(), (std::vector<PositionSet::Interval>{{3, 4}}));
  // An unfinished (killed) scan reports its done count from the intervals.
  EXPECT_EQ(s->latest_unfinished(), id);
  EXPECT_EQ(s->scan(id)->meta.pairs_done, 2U);
  EXPECT_EQ(query_int("PRAGMA user_version"), kSqliteSchemaVersion);
  EXPECT_TRUE(fs::exists(path_ + "-wal")) << "journal_mode is WAL";
}

TEST_F(SqliteStoreTest, InterruptedThenReopened) {
  auto s = open_sqlite(path_);
  const auto id = s->begin_scan(meta(), json::object());
  auto m = meta();
  m.interrupted = true;
  s->finish(id, m);
  EXPECT_EQ(s->scan(id)->state, ScanState::Interrupted);
  EXPECT_TRUE(s->scan(id)->meta.interrupted);
  EXPECT_EQ(s->latest_unfinished(), id);
  s->reopen(id);
  EXPECT_EQ(s->scan(id)->state, ScanState::Running);
}

TEST_F(SqliteStoreTest, MigratesAnOlderFile) {
  ScanId id = 0;
  {
    auto old = open_sqlite(path_, 1);
    id = old->begin_scan(meta(), json::object());
    old->append(id, {record(2000)}, {});
  }
  EXPECT_EQ(query_int("PRAGMA user_version"), 1);
  EXPECT_EQ(query_int("SELECT count(*) FROM sqlite_master WHERE name = 'done_ranges'"), 0);
  auto s = open_sqlite(path_);
  EXPECT_EQ(query_int("PRAGMA user_version"), kSqliteSchemaVersion);
  EXPECT_EQ(s->records(id).size(), 1U);
  PositionSet done;
  done.insert(0);
  s->append(id, {}, done);
  EXPECT_EQ(s->done_positions(id).count(), 1U);
}

TEST_F(SqliteStoreTest, NewerSchemaIsRefused) {
  open_sqlite(path_);
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  try {
    open_sqlite(path_);
    FAIL() << "opened a schema-99 file";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("newer dicomsec"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("99"), std::string::npos) << e.what();
  }
}

TEST_F(SqliteStoreTest, CorruptFileIsRefused) {
  {
    std::ofstream f(path_, std::ios::binary);
    for (int i = 0; i < 512; ++i) f << "this is not a database ";
  }
  try {
    open_sqlite(path_);
    FAIL() << "opened garbage";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("not a database or corrupt"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find(path_), std::string::npos) << e.what();
  }
}

TEST_F(SqliteStoreTest, OtherProgramsDatabaseIsRefused) {
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t (x)", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  EXPECT_THROW(open_sqlite(path_), StoreError);
}

TEST_F(SqliteStoreTest, UnreadablePathIsRefused) {
  EXPECT_THROW(open_sqlite(dir_ + "/no/such/dir/scans.db"), StoreError);
  EXPECT_THROW(open_store("postgresql://localhost/dicomsec"), StoreError);
  EXPECT_THROW(open_store(dir_ + "/missing.db", /*create=*/false), StoreError);
  EXPECT_FALSE(fs::exists(dir_ + "/missing.db")) << "report/diff never create a database";
}

TEST_F(SqliteStoreTest, LockedDatabaseIsAClearErrorAfterTheBusyTimeout) {
  auto s = open_sqlite(path_);
  const auto id = s->begin_scan(meta(), json::object());
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  try {
    s->append(id, {record(2000)}, {});
    FAIL() << "wrote through another writer's lock";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("locked"), std::string::npos) << e.what();
  }
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  s->append(id, {record(2000)}, {});  // the failed batch left nothing half-done
  EXPECT_EQ(s->records(id).size(), 1U);
}

}  // namespace
}  // namespace dicomsec::store
