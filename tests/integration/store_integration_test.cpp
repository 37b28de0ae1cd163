// End-to-end tests of the scan history (issue 7) against the real lab: `scan --db` then
// `report` gives back the live JSONL; `diff` of two stored scans sees a DCMTK storescp that
// was stopped between them and a finding that went away; a scan killed with SIGKILL keeps
// every committed record and `--resume` completes it without repeating a pair; Ctrl-C marks
// the scan interrupted. Every connection goes to 127.0.0.0/8 on ports chosen at run time.
//
// Needs the lab fixture (DICOMSEC_LAB_DIR, see CMakeLists.txt); run alone it fails (it skips
// only with DICOMSEC_ALLOW_SKIP=1, tests/support/skip.hpp).
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/process.hpp"
#include "support/ready.hpp"
#include "support/skip.hpp"

namespace {

namespace fs = std::filesystem;
namespace test_support = dicomsec::test_support;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using test_support::free_port;
using test_support::slurp;
using test_support::wait_for;

constexpr const char* kDicomsec = DICOMSEC_BIN;
constexpr int kSanitizerExit = 99;

std::vector<json> jsonl(const std::string& path) {
  std::vector<json> out;
  std::istringstream in(slurp(path));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(json::parse(line));
  return out;
}

using Key = std::pair<std::string, int>;
std::set<Key> keys(const std::vector<json>& records) {
  std::set<Key> out;
  for (const auto& r : records) out.emplace(r.at("ip").get<std::string>(), r.at("port").get<int>());
  return out;
}

// dicomsec and peers in their own process group (tests/support/process.hpp), with the
// sanitizers told to fail with kSanitizerExit.
pid_t spawn(const std::vector<std::string>& args, const std::string& out, const std::string& err) {
  return test_support::spawn(
      args, out, err,
      {"ASAN_OPTIONS=exitcode=99", "UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=99"});
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* lab = std::getenv("DICOMSEC_LAB_DIR");
    if (lab == nullptr || !fs::exists(std::string(lab) + "/lab.env"))
      DICOMSEC_SKIP_OR_FAIL(
          "needs the lab fixture: DICOMSEC_LAB_DIR has no lab.env (run through "
          "ctest)");
    env_ = test_support::read_env(std::string(lab) + "/lab.env");
    for (const char* k : {"STORESCP_PORT", "CLOSED_PORT", "CANARY"})
      ASSERT_FALSE(env_[k].empty()) << k;
    std::string tmpl = (fs::temp_directory_path() / "dicomsec-store-it-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    db_ = dir_ + "/scans.db";
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  // dicomsec ARGS with stdout to dir/NAME.out; returns the exit code.
  int run(const std::string& name, std::vector<std::string> args,
          std::chrono::milliseconds limit = 30s) {
    args.insert(args.begin(), kDicomsec);
    const auto c = spawn(args, path(name + ".out"), path(name + ".err"));
    EXPECT_GT(c, 0);
    const int rc = wait_for(c, limit);
    check_stderr(name);
    return rc;
  }
  void check_stderr(const std::string& name) {
    const auto err = slurp(path(name + ".err"));
    for (const char* marker : {"AddressSanitizer", "LeakSanitizer", "runtime error:"})
      EXPECT_EQ(err.find(marker), std::string::npos) << name << ":\n" << err;
  }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  std::string port(const char* key) { return env_[key]; }

  std::map<std::string, std::string> env_;
  std::string dir_, db_;
  const std::vector<std::string> fast_{"--timeout", "1500",          "--connect-timeout",
                                       "1000",      "--no-progress", "-q"};
};

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST_F(StoreTest, ReportOfAStoredScanEqualsTheLiveJsonl) {
  std::string ports = port("STORESCP_PORT") + "," + port("CLOSED_PORT");
  for (const char* k : {"QRSCP_PORT", "ORTHANC_CHECKED_PORT", "ORTHANC_OPEN_PORT"}) {
    ASSERT_FALSE(env_[k].empty()) << k << " missing from lab.env: the lab always has it";
    ports += "," + env_[k];
  }
  ASSERT_EQ(run("scan", std::vector<std::string>{"scan", "127.0.0.1", "-p", ports, "--all", "--db",
                                                 db_, "-o", path("live.jsonl")} +
                            fast_),
            0)
      << slurp(path("scan.err"));
  ASSERT_EQ(run("report", {"report", "--db", db_, "--scan", "latest", "--format", "jsonl", "-o",
                           path("report.jsonl")}),
            0)
      << slurp(path("report.err"));
  const auto live = slurp(path("live.jsonl"));
  EXPECT_GE(jsonl(path("live.jsonl")).size(), 2U);
  EXPECT_EQ(slurp(path("report.jsonl")), live) << "stored and re-rendered records differ";

  ASSERT_EQ(run("scans", {"scans", "--db", db_}), 0);
  EXPECT_NE(slurp(path("scans.out")).find("finished"), std::string::npos)
      << slurp(path("scans.out"));

  // No patient data in the database (level safe counts nothing; the guard is for later).
  for (const auto& f : fs::directory_iterator(dir_)) {
    if (f.path().string().starts_with(db_)) {
      EXPECT_EQ(slurp(f.path().string()).find(env_["CANARY"]), std::string::npos) << f.path();
    }
  }
}

TEST_F(StoreTest, DiffSeesAStoppedServiceAndAFixedFinding) {
  const int extra = free_port();
  ASSERT_GT(extra, 0);
  fs::create_directories(path("scp"));
  const auto scp = spawn({"/usr/bin/storescp", "-od", path("scp"), std::to_string(extra)},
                         path("scp.out"), path("scp.err"));
  ASSERT_GT(scp, 0);
  if (!test_support::wait_until([&] { return test_support::tcp_port_listening(extra); }, 15s)) {
    kill(scp, SIGTERM);
    wait_for(scp, 5s);
    FAIL() << "storescp did not listen on " << extra << ": " << slurp(path("scp.err"));
  }
  const std::string ports = port("STORESCP_PORT") + "," + std::to_string(extra);
  const int a =
      run("a", std::vector<std::string>{"scan", "127.0.0.1", "-p", ports, "--db", db_} + fast_);
  kill(scp, SIGTERM);
  wait_for(scp, 5s);
  EXPECT_EQ(a, 0) << slurp(path("a.err"));
  EXPECT_EQ(jsonl(path("a.out")).size(), 2U) << slurp(path("a.out"));
  // Scan B as a known peer: DICOM-ANY-CALLING-AE is not reported any more on the lab storescp.
  ASSERT_EQ(run("b", std::vector<std::string>{"scan", "127.0.0.1", "-p", ports, "--db", db_,
                                              "--calling-ae", "DICOMSEC"} +
                         fast_),
            0)
      << slurp(path("b.err"));
  ASSERT_EQ(run("diff", {"diff", "--db", db_, "1", "2", "--format", "jsonl"}), 0)
      << slurp(path("diff.err"));
  std::map<std::string, std::string> seen;  // "kind port id" -> change
  for (const auto& j : jsonl(path("diff.out")))
    seen[j["kind"].get<std::string>() + " " + std::to_string(j["port"].get<int>()) + " " +
         j.value("id", "")] =
        j["change"].get<std::string>() + (j.value("service_gone", false) ? " gone" : "");
  const auto lab = port("STORESCP_PORT");
  const auto ex = std::to_string(extra);
  EXPECT_EQ(seen["service " + ex + " "], "gone") << slurp(path("diff.out"));
  EXPECT_EQ(seen["finding " + ex + " DICOM-NO-TLS"], "fixed gone");
  EXPECT_EQ(seen["finding " + lab + " DICOM-ANY-CALLING-AE"], "fixed");
  EXPECT_EQ(seen["finding " + lab + " DICOM-NO-TLS"], "open");
  EXPECT_FALSE(seen.contains("service " + lab + " ")) << "the lab storescp did not change";

  ASSERT_EQ(run("text", {"diff", "--db", db_, "1", "2"}), 0);
  EXPECT_NE(slurp(path("text.out")).find("1 gone"), std::string::npos) << slurp(path("text.out"));
  // Reversed, the stopped service is new with new high findings: --fail-on high exits 1.
  EXPECT_EQ(run("rev", {"diff", "--db", db_, "2", "1", "--fail-on", "high"}), 1)
      << slurp(path("rev.out"));
  EXPECT_EQ(run("rev2", {"diff", "--db", db_, "2", "1", "--fail-on", "critical"}), 0);
}

// 40 addresses x (storescp, closed port) = 80 pairs at 15 new pairs/s: about 5 s in all.
TEST_F(StoreTest, KillNineKeepsCommittedRecordsAndResumeCompletesWithoutRepeats) {
  const std::vector<std::string> scan{"scan",  "127.0.0.1-127.0.0.40",
                                      "-p",    port("STORESCP_PORT") + "," + port("CLOSED_PORT"),
                                      "--all", "--rate",
                                      "15",    "--concurrency",
                                      "4",     "--db",
                                      db_};
  const auto c = spawn(std::vector<std::string>{kDicomsec} + scan + fast_, path("killed.out"),
                       path("killed.err"));
  ASSERT_GT(c, 0);
  // Half-way, judged by progress not by time: a quarter of the records are out (the rate
  // leaves about 4 s for the rest), then SIGKILL.
  const bool under_way = test_support::wait_until(
      [&] { return test_support::complete_lines(path("killed.out")) >= 20; }, 60s);
  kill(-c, SIGKILL);
  EXPECT_EQ(wait_for(c, 5s), 128 + SIGKILL);
  ASSERT_TRUE(under_way) << "no 20 records within 60 s\n" << slurp(path("killed.err"));
  const auto written = jsonl(path("killed.out"));  // what the killed run printed

  ASSERT_EQ(run("before", {"report", "--db", db_, "-o", path("before.jsonl")}), 0)
      << slurp(path("before.err"));
  const auto committed = jsonl(path("before.jsonl"));
  EXPECT_GT(committed.size(), 0U);
  EXPECT_LT(committed.size(), 80U) << "the scan was meant to be killed half-way";
  const auto committed_keys = keys(committed);
  EXPECT_EQ(committed_keys.size(), committed.size()) << "no pair twice";
  // Every committed record is one the killed run had finished, and it is stored intact.
  std::map<Key, json> printed;
  for (const auto& r : written) printed[{r["ip"], r["port"].get<int>()}] = r;
  for (const auto& r : committed) {
    const Key k{r["ip"], r["port"].get<int>()};
    ASSERT_TRUE(printed.contains(k)) << r.dump();
    EXPECT_EQ(printed[k], r);
  }
  // The killed run printed at most a few records it had not committed yet (<= 200 ms).
  EXPECT_LE(written.size(), committed.size() + 8);

  ASSERT_EQ(run("resume", std::vector<std::string>{"scan", "--db", db_, "--resume"} + fast_, 60s),
            0)
      << slurp(path("resume.err"));
  const auto resumed = keys(jsonl(path("resume.out")));
  for (const auto& k : resumed)
    EXPECT_FALSE(committed_keys.contains(k)) << k.first << ":" << k.second << " probed twice";

  ASSERT_EQ(run("after", {"report", "--db", db_, "-o", path("after.jsonl")}), 0);
  const auto all = jsonl(path("after.jsonl"));
  std::set<Key> expected;
  for (int i = 1; i <= 40; ++i)
    for (const char* p : {"STORESCP_PORT", "CLOSED_PORT"})
      expected.emplace("127.0.0." + std::to_string(i), std::stoi(port(p)));
  EXPECT_EQ(all.size(), expected.size()) << "no duplicates";
  EXPECT_EQ(keys(all), expected) << "the union is the full scan's pair set";
  ASSERT_EQ(run("list", {"scans", "--db", db_}), 0);
  EXPECT_NE(slurp(path("list.out")).find("80/80"), std::string::npos) << slurp(path("list.out"));
}

TEST_F(StoreTest, CtrlCMarksTheScanInterruptedAndResumeByIdFinishesIt) {
  const std::vector<std::string> scan{"scan",  "127.0.0.1-127.0.0.30",
                                      "-p",    port("CLOSED_PORT"),
                                      "--all", "--rate",
                                      "10",    "--concurrency",
                                      "2",     "--db",
                                      db_};
  const auto c =
      spawn(std::vector<std::string>{kDicomsec} + scan + fast_, path("int.out"), path("int.err"));
  ASSERT_GT(c, 0);
  // Ctrl-C once the scan is under way: a first record is out and the SIGINT handler is
  // installed (else SIGINT would just kill it and nothing would be marked interrupted).
  const bool under_way = test_support::wait_until(
      [&] {
        return test_support::complete_lines(path("int.out")) >= 1 &&
               test_support::process_catches(c, SIGINT);
      },
      60s);
  if (!under_way) {
    kill(-c, SIGKILL);
    wait_for(c, 5s);
    FAIL() << "no record or no SIGINT handler within 60 s\n" << slurp(path("int.err"));
  }
  kill(c, SIGINT);
  EXPECT_EQ(wait_for(c, 10s), 3) << slurp(path("int.err"));
  check_stderr("int");
  EXPECT_NE(slurp(path("int.err")).find("--resume 1"), std::string::npos) << slurp(path("int.err"));
  ASSERT_EQ(run("list", {"scans", "--db", db_}), 0);
  EXPECT_NE(slurp(path("list.out")).find("interrupted"), std::string::npos)
      << slurp(path("list.out"));
  // Every record the interrupted run printed is committed.
  ASSERT_EQ(run("rep", {"report", "--db", db_, "-o", path("rep.jsonl")}), 0);
  EXPECT_EQ(slurp(path("rep.jsonl")), slurp(path("int.out")));

  ASSERT_EQ(
      run("resume", std::vector<std::string>{"scan", "--db", db_, "--resume", "1"} + fast_, 30s), 0)
      << slurp(path("resume.err"));
  ASSERT_EQ(run("list2", {"scans", "--db", db_}), 0);
  EXPECT_NE(slurp(path("list2.out")).find("30/30"), std::string::npos) << slurp(path("list2.out"));
  EXPECT_EQ(run("again", std::vector<std::string>{"scan", "--db", db_, "--resume"} + fast_), 2)
      << "nothing left to resume is a usage error";
}

TEST_F(StoreTest, BadDatabasesAndArgumentsGiveClearExitCodes) {
  { std::ofstream(path("junk.db")) << std::string(4096, 'x'); }
  EXPECT_EQ(run("junk", {"report", "--db", path("junk.db")}), 3);
  EXPECT_NE(slurp(path("junk.err")).find("not a database or corrupt"), std::string::npos);
  // Without libpqxx in the build: a usage error; with it (issue 17): no server listens on
  // the port given, a runtime error that says so.
  const int pg = run("pg", {"scan", "127.0.0.1", "-p", port("CLOSED_PORT"), "--db",
                            "postgresql://127.0.0.1:" + port("CLOSED_PORT") + "/x"});
  if (pg == 2) {
    EXPECT_NE(slurp(path("pg.err")).find("not built"), std::string::npos);
  } else {
    EXPECT_EQ(pg, 3);
    EXPECT_NE(slurp(path("pg.err")).find("cannot connect"), std::string::npos)
        << slurp(path("pg.err"));
  }
  EXPECT_EQ(run("nodb", {"scan", "--resume"}), 2);
  EXPECT_EQ(run("missing", {"report", "--db", db_}), 3);
  EXPECT_NE(slurp(path("missing.err")).find("no such file"), std::string::npos);
  EXPECT_EQ(run("create", {"scan", "127.0.0.1", "-p", port("CLOSED_PORT"), "--db", db_, "-q"}), 0);
  EXPECT_EQ(run("nothing", {"report", "--db", db_, "--scan", "latest"}),
            0);  // a scan without records
  EXPECT_EQ(slurp(path("nothing.out")), "");
  EXPECT_EQ(run("noscan", {"report", "--db", db_, "--scan", "7"}), 3);
}

}  // namespace
