// One logical scan from many shard processes (issue 17), end to end: `dicomsec scan
// --scan-id NAME --shard K/N` processes writing one PostgreSQL database that the ctest
// fixture started (pg_fixture.sh), against the lab's DCMTK storescp (which answers on all of
// 127.0.0.0/8) and closed ports. Every connection goes to 127.0.0.0/8.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/process.hpp"
#include "support/skip.hpp"

namespace {

namespace fs = std::filesystem;
namespace test_support = dicomsec::test_support;
using json = nlohmann::json;
using namespace std::chrono_literals;
using test_support::slurp;
using test_support::wait_for;

constexpr const char* kDicomsec = DICOMSEC_BIN;

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  std::sort(out.begin(), out.end());
  return out;
}

// A record without what differs between two probes of the same service: its timing and the
// random called AE title of the any-called-AE check (and the evidence naming it).
std::string normalised(const std::string& line) {
  auto j = json::parse(line);
  j.erase("duration_ms");
  if (j.contains("called_ae_check") && j["called_ae_check"].is_object())
    j["called_ae_check"].erase("called_ae");
  if (j.contains("findings") && j["findings"].is_array())
    for (auto& f : j["findings"])
      if (f.value("id", "") == "DICOM-ANY-CALLED-AE") f.erase("evidence");
  return j.dump();
}

class ScaleOut : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* lab = std::getenv("DICOMSEC_LAB_DIR");
    const char* pg = std::getenv("DICOMSEC_PG_DIR");
    if (lab == nullptr || !fs::exists(std::string(lab) + "/lab.env") || pg == nullptr ||
        !fs::exists(std::string(pg) + "/url"))
      DICOMSEC_SKIP_OR_FAIL("needs the lab and PostgreSQL fixtures (run through ctest)");
    env_ = test_support::read_env(std::string(lab) + "/lab.env");
    base_url_ = trim(slurp(std::string(pg) + "/url"));
    canary_ = trim(slurp(std::string(pg) + "/canary"));
    ASSERT_FALSE(canary_.empty());
    std::string tmpl = (fs::temp_directory_path() / "dicomsec-scaleout-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    // A database schema of this test's own, named in the URL.
    schema_ = "s" + std::to_string(getpid()) + "_" +
              std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 100000);
    pqxx::connection c(base_url_);
    pqxx::work w(c);
    w.exec("CREATE SCHEMA " + w.quote_name(schema_));
    w.commit();
    url_ = base_url_ + "?options=-c%20search_path%3D" + schema_;
  }
  void TearDown() override {
    for (const auto pid : running_) test_support::stop_group(pid);
    if (!dir_.empty()) {
      // The password and the lab's patient canary appear in no output or log.
      for (const auto& f : fs::directory_iterator(dir_)) {
        const auto text = slurp(f.path());
        EXPECT_EQ(text.find(canary_), std::string::npos) << f.path();
        if (!env_["CANARY"].empty()) {
          EXPECT_EQ(text.find(env_["CANARY"]), std::string::npos) << f.path();
        }
      }
      fs::remove_all(dir_);
    }
    if (!schema_.empty()) {
      pqxx::connection c(base_url_);
      pqxx::work w(c);
      for (const char* table : {"scans", "records", "findings", "shards"}) {
        const auto r =
            w.exec("SELECT count(*) FROM " + w.quote_name(schema_) + "." + w.quote_name(table) +
                   " t WHERE t::text LIKE " + w.quote("%" + canary_ + "%"));
        EXPECT_EQ(r[0][0].as<int>(), 0) << "password stored in " << table;
      }
      w.exec("DROP SCHEMA " + w.quote_name(schema_) + " CASCADE");
      w.commit();
    }
  }

  pid_t start(const std::string& name, std::vector<std::string> args) {
    args.insert(args.begin(), kDicomsec);
    const auto pid = test_support::spawn(args, path(name + ".out"), path(name + ".err"), {});
    EXPECT_GT(pid, 0);
    running_.push_back(pid);
    return pid;
  }
  int finish(pid_t pid, std::chrono::milliseconds limit = 120s) {
    const int rc = wait_for(pid, limit);
    running_.erase(std::remove(running_.begin(), running_.end(), pid), running_.end());
    return rc;
  }
  int run(const std::string& name, std::vector<std::string> args) {
    return finish(start(name, std::move(args)));
  }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

  std::map<std::string, std::string> env_;
  std::string base_url_, url_, canary_, schema_, dir_;
  std::vector<pid_t> running_;
  const std::vector<std::string> fast_{
      "--timeout", "3000", "--connect-timeout", "2000", "--no-progress", "-q", "--all"};
};

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// 8 shard processes at once give the single-process scan's records, each once; the report of
// the merged scan is byte-identical (sorted) to what the shards wrote live.
TEST_F(ScaleOut, EightShardsEqualOneProcess) {
  const std::string ports = env_["STORESCP_PORT"] + "," + env_["CLOSED_PORT"];
  const std::vector<std::string> targets{"127.0.0.1-127.0.0.12", "-p", ports};
  ASSERT_EQ(
      run("single", std::vector<std::string>{"scan"} + targets +
                        std::vector<std::string>{"--db", url_, "-o", path("single.jsonl")} + fast_),
      0)
      << slurp(path("single.err"));
  std::vector<pid_t> shards;
  for (int k = 1; k <= 8; ++k)
    shards.push_back(start(
        "shard" + std::to_string(k),
        std::vector<std::string>{"scan"} + targets +
            std::vector<std::string>{"--db", url_, "--scan-id", "merged", "--shard",
                                     std::to_string(k) + "/8", "--seed", "42", "--rate-total",
                                     "400", "-o", path("shard" + std::to_string(k) + ".jsonl")} +
            fast_));
  for (int k = 1; k <= 8; ++k)
    EXPECT_EQ(finish(shards[k - 1]), 0) << slurp(path("shard" + std::to_string(k) + ".err"));
  ASSERT_EQ(run("report", {"report", "--db", url_, "--scan", "merged", "-o", path("merged.jsonl")}),
            0)
      << slurp(path("report.err"));
  EXPECT_NE(slurp(path("report.err")).find("8 shards: 8 done"), std::string::npos)
      << slurp(path("report.err"));
  std::string live;
  for (int k = 1; k <= 8; ++k) live += slurp(path("shard" + std::to_string(k) + ".jsonl"));
  const auto merged = lines(slurp(path("merged.jsonl")));
  EXPECT_EQ(merged, lines(live)) << "the stored merged scan is what the shards wrote";
  const auto single = lines(slurp(path("single.jsonl")));
  ASSERT_EQ(single.size(), 24U);
  ASSERT_EQ(merged.size(), single.size());
  std::vector<std::string> a, b;
  for (const auto& l : merged) a.push_back(normalised(l));
  for (const auto& l : single) b.push_back(normalised(l));
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) {
      ADD_FAILURE() << "merged shards and one process differ:\n" << a[i] << "\n" << b[i];
      break;
    }

  ASSERT_EQ(run("scans", {"scans", "--db", url_}), 0);
  EXPECT_NE(slurp(path("scans.out")).find("name 'merged'; 8 shards: 8 done"), std::string::npos)
      << slurp(path("scans.out"));
  EXPECT_NE(slurp(path("scans.out")).find(":***@"), std::string::npos)
      << "the stored command line shows the URL without its password";
  ASSERT_EQ(run("diff", {"diff", "--db", url_, "1", "merged"}), 0) << slurp(path("diff.err"));
  EXPECT_NE(slurp(path("diff.out")).find("services: 0 new, 0 gone, 0 changed"), std::string::npos)
      << slurp(path("diff.out"));
  // A shard run again after its scan is done finds nothing to do and writes nothing twice.
  ASSERT_EQ(run("again", std::vector<std::string>{"scan"} + targets +
                             std::vector<std::string>{"--db", url_, "--scan-id", "merged",
                                                      "--shard", "3/8", "--seed", "42"} +
                             fast_),
            0)
      << slurp(path("again.err"));
  ASSERT_EQ(run("report2", {"report", "--db", url_, "--scan", "merged"}), 0);
  EXPECT_EQ(lines(slurp(path("report2.out"))).size(), 24U);
}

// kill -9 of a shard: `scans` shows it dead once it has been silent; --resume of that shard
// completes the scan with every pair once.
TEST_F(ScaleOut, KilledShardIsDeadThenResumedWithoutDuplicates) {
  const std::string closed = env_["CLOSED_PORT"];
  const std::vector<std::string> common{"scan",      "127.0.2.0/24",
                                        "-p",        closed + "," + env_["STORESCP_PORT"],
                                        "--db",      url_,
                                        "--scan-id", "killed",
                                        "--seed",    "7"};
  const auto one =
      start("one", common + std::vector<std::string>{"--shard", "1/2", "--rate", "0"} + fast_);
  // 256 pairs at 20/s: about 13 s; killed after its first committed batches.
  const auto two =
      start("two", common + std::vector<std::string>{"--shard", "2/2", "--rate", "20"} + fast_);
  // Killed once it has committed some records (bounded wait: 20 s).
  {
    pqxx::connection c(url_);
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    long long committed = 0;
    while (committed < 10 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(200ms);
      pqxx::read_transaction w(c);
      committed = w.exec("SELECT count(*) FROM records WHERE shard = 2")[0][0].as<long long>();
    }
    ASSERT_GE(committed, 10) << slurp(path("two.err"));
  }
  ASSERT_EQ(kill(two, SIGKILL), 0);
  finish(two, 10s);
  EXPECT_EQ(finish(one), 0) << slurp(path("one.err"));
  std::this_thread::sleep_for(2500ms);  // silent for longer than --dead-after 1
  ASSERT_EQ(run("scans", {"scans", "--db", url_, "--dead-after", "1"}), 0);
  EXPECT_NE(slurp(path("scans.out")).find("1 done (1); 1 dead (2)"), std::string::npos)
      << slurp(path("scans.out"));
  ASSERT_EQ(run("report1", {"report", "--db", url_, "--scan", "killed"}), 0);
  const auto partial = lines(slurp(path("report1.out"))).size();
  EXPECT_GT(partial, 256U) << "shard 2 committed some records before it was killed";
  EXPECT_LT(partial, 512U);

  ASSERT_EQ(run("resume", {"scan", "--db", url_, "--resume", "killed", "--shard", "2/2", "-q",
                           "--no-progress", "--rate-total", "0"}),
            0)
      << slurp(path("resume.err"));
  ASSERT_EQ(run("report2", {"report", "--db", url_, "--scan", "killed"}), 0);
  const auto all = lines(slurp(path("report2.out")));
  std::set<std::pair<std::string, int>> keys;
  for (const auto& l : all) {
    const auto j = json::parse(l);
    keys.emplace(j["ip"].get<std::string>(), j["port"].get<int>());
  }
  EXPECT_EQ(all.size(), 512U);
  EXPECT_EQ(keys.size(), 512U) << "no pair twice";
  ASSERT_EQ(run("scans2", {"scans", "--db", url_}), 0);
  EXPECT_NE(slurp(path("scans2.out")).find("2 shards: 2 done (1,2)"), std::string::npos)
      << slurp(path("scans2.out"));
  EXPECT_NE(slurp(path("scans2.out")).find("finished"), std::string::npos);
}

}  // namespace
