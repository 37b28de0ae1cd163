// `dicomsec tls` on the scan engine (issue 11 §4, scan::Pipeline): --rate and --per-host pace
// the targets, --db stores the audit so that `report` and `scans` work on it, and Ctrl-C
// during an audit of a tarpit stops with exit 3 keeping every finished record (in the output
// and in the store). Peers: the TLS lab (openssl s_server, a closed port) and fault_server's
// silent tarpit, all on 127.0.0.1 at ports chosen at run time.
//
// Readiness: fault_server's port is read from its stdout; SIGINT is sent once the first record
// is in the output file (dicomsec's handler is installed before any probe starts).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/process.hpp"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using Args = std::vector<std::string>;
using dicomsec::test_support::slurp;
using dicomsec::test_support::spawn;
using dicomsec::test_support::wait_for;

std::vector<json> jsonl(const fs::path& path) {
  std::vector<json> out;
  std::istringstream in(slurp(path));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(json::parse(line));
  return out;
}

class TlsPipeline : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* lab = std::getenv("DICOMSEC_TLS_LAB_DIR");
    ASSERT_NE(lab, nullptr) << "needs the TLS lab fixture: run through ctest";
    ASSERT_TRUE(fs::exists(fs::path(lab) / "tls.env")) << "no tls.env in " << lab;
    env_ = dicomsec::test_support::read_env(fs::path(lab) / "tls.env");
    for (const char* k : {"OSSL_SELF_PORT", "OSSL_CA_PORT", "CLOSED_PORT"})
      ASSERT_FALSE(env_[k].empty()) << k;
    std::string tmpl = (fs::temp_directory_path() / "dicomsec-tls-pipeline-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    db_ = (dir_ / "scans.db").string();
  }
  void TearDown() override {
    for (auto pid : faults_) {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  std::string target(const char* key) { return "127.0.0.1:" + env_[key]; }

  // dicomsec ARGS, stdout and stderr to dir/NAME.out/.err; the exit code.
  int run(const std::string& name, Args args, std::chrono::milliseconds limit = 60s) {
    args.insert(args.begin(), DICOMSEC_BIN);
    const pid_t pid = spawn(args, dir_ / (name + ".out"), dir_ / (name + ".err"));
    EXPECT_GT(pid, 0);
    return wait_for(pid, limit);
  }
  std::string err(const std::string& name) { return slurp(dir_ / (name + ".err")); }

  // fault_server --mode MODE; its port, once it printed it (it listens by then).
  int start_fault(const std::string& mode) {
    const auto out = dir_ / ("fault_" + mode + std::to_string(faults_.size()) + ".port");
    const pid_t pid =
        spawn({FAULT_SERVER_BIN, "--mode", mode, "--lifetime", "100"}, out, dir_ / "fault.err");
    EXPECT_GT(pid, 0);
    faults_.push_back(pid);
    for (int i = 0; i < 500; ++i) {
      std::ifstream in(out);
      int p = 0;
      if (in >> p && p > 0) return p;
      std::this_thread::sleep_for(10ms);
    }
    ADD_FAILURE() << "fault_server --mode " << mode << " printed no port";
    return 0;
  }

  std::map<std::string, std::string> env_;
  fs::path dir_;
  std::string db_;
  std::vector<pid_t> faults_;
};

TEST_F(TlsPipeline, DbStoresTheAuditAndReportAndScansReadIt) {
  const Args targets{target("OSSL_SELF_PORT"), target("OSSL_CA_PORT"), target("CLOSED_PORT")};
  Args args{"tls",        "--no-dicom", "--plaintext-ports",
            "none",       "--rate",     "20",
            "--per-host", "1",          "--db",
            db_,          "-o",         (dir_ / "live.jsonl").string()};
  args.insert(args.end(), targets.begin(), targets.end());
  ASSERT_EQ(run("tls", args), 0) << err("tls");
  EXPECT_NE(err("tls").find("stored as scan 1 in"), std::string::npos) << err("tls");
  const auto live = jsonl(dir_ / "live.jsonl");
  ASSERT_EQ(live.size(), 3U) << "one record per HOST:PORT, the closed one included";
  std::map<int, json> by_port;
  for (const auto& r : live) by_port[r["port"].get<int>()] = r;
  EXPECT_EQ(by_port[std::stoi(env_["OSSL_SELF_PORT"])]["status"], "success");
  EXPECT_TRUE(by_port[std::stoi(env_["OSSL_SELF_PORT"])]["tls"].get<bool>());
  EXPECT_EQ(by_port[std::stoi(env_["CLOSED_PORT"])]["status"], "connection-refused");

  ASSERT_EQ(run("report", {"report", "--db", db_, "--scan", "latest", "-o",
                           (dir_ / "report.jsonl").string()}),
            0)
      << err("report");
  EXPECT_EQ(slurp(dir_ / "report.jsonl"), slurp(dir_ / "live.jsonl"))
      << "the stored audit renders as the live one";
  ASSERT_EQ(
      run("sarif", {"report", "--db", db_, "--format", "sarif", "-o", (dir_ / "r.sarif").string()}),
      0)
      << err("sarif");
  EXPECT_TRUE(json::accept(slurp(dir_ / "r.sarif"))) << "SARIF is JSON";

  ASSERT_EQ(run("scans", {"scans", "--db", db_}), 0) << err("scans");
  const auto listing = slurp(dir_ / "scans.out");
  EXPECT_NE(listing.find("finished"), std::string::npos) << listing;
  EXPECT_NE(listing.find("3/3"), std::string::npos) << listing;
  EXPECT_NE(listing.find("tls"), std::string::npos) << listing;

  EXPECT_EQ(run("resume", {"scan", "--db", db_, "--resume", "1"}), 2)
      << "a tls run is not resumable";
  EXPECT_NE(err("resume").find("only 'scan' runs"), std::string::npos) << err("resume");

  // A second audit of the same services: diff of two tls runs sees nothing new or gone.
  ASSERT_EQ(run("tls2", args), 0) << err("tls2");
  ASSERT_EQ(run("diff", {"diff", "--db", db_, "1", "2", "--format", "jsonl"}), 0) << err("diff");
  for (const auto& j : jsonl(dir_ / "diff.out")) {
    EXPECT_EQ(j["kind"], "finding") << j.dump();
    EXPECT_EQ(j["change"], "open") << j.dump();
  }
}

// Lower bounds only: a token bucket and a per-host slot can make a run slower, never faster.
TEST_F(TlsPipeline, RateAndPerHostPaceTheTargets) {
  // --rate 5: a burst of 5 (min of rate and concurrency), then one every 200 ms.
  Args args{"tls",    "-q", "--no-dicom", "--plaintext-ports",           "none",
            "--rate", "5",  "-o",         (dir_ / "rate.jsonl").string()};
  for (int i = 0; i < 10; ++i) args.push_back(target("CLOSED_PORT"));
  auto started = Clock::now();
  ASSERT_EQ(run("rate", args), 0) << err("rate");
  EXPECT_GE(Clock::now() - started, 900ms) << "10 targets at 5/s";
  EXPECT_EQ(jsonl(dir_ / "rate.jsonl").size(), 10U);

  // --per-host 1: three audits of a tarpit on one address (each waits --timeout 600 ms for a
  // ServerHello) run one after the other although --concurrency allows all three at once.
  const auto silent = "127.0.0.1:" + std::to_string(start_fault("silent"));
  ASSERT_NE(silent, "127.0.0.1:0");
  args = {"tls",
          "-q",
          "--no-dicom",
          "--plaintext-ports",
          "none",
          "--timeout",
          "600",
          "--rate",
          "0",
          "--concurrency",
          "8",
          "--per-host",
          "1",
          "-o",
          (dir_ / "host.jsonl").string(),
          silent,
          silent,
          silent};
  started = Clock::now();
  ASSERT_EQ(run("host", args), 0) << err("host");
  EXPECT_GE(Clock::now() - started, 1700ms) << "3 x 600 ms one at a time";
  const auto recs = jsonl(dir_ / "host.jsonl");
  ASSERT_EQ(recs.size(), 3U);
  for (const auto& r : recs) EXPECT_EQ(r["status"], "io-timeout") << r.dump();
}

TEST_F(TlsPipeline, CtrlCDuringATarpitAuditExits3AndKeepsFinishedRecords) {
  const auto silent = "127.0.0.1:" + std::to_string(start_fault("silent"));
  ASSERT_NE(silent, "127.0.0.1:0");
  // One target at a time: the closed port first (done at once), then tarpits that each hold
  // the run for --timeout.
  Args args{DICOMSEC_BIN,
            "tls",
            "--no-dicom",
            "--plaintext-ports",
            "none",
            "--timeout",
            "1500",
            "--concurrency",
            "1",
            "--rate",
            "0",
            "--db",
            db_,
            "-o",
            (dir_ / "int.jsonl").string(),
            target("CLOSED_PORT")};
  constexpr int kTarpits = 8;
  for (int i = 0; i < kTarpits; ++i) args.push_back(silent);
  const pid_t pid = spawn(args, dir_ / "int.out", dir_ / "int.err");
  ASSERT_GT(pid, 0);
  // Readiness: the first record is written, so the engine (and its SIGINT handler) runs.
  bool ready = false;
  for (int i = 0; i < 1000 && !ready; ++i) {
    ready = !jsonl(dir_ / "int.jsonl").empty();
    if (!ready) std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(ready) << "no first record within 10 s: " << err("int");
  kill(pid, SIGINT);
  EXPECT_EQ(wait_for(pid, 30s), 3) << err("int");
  EXPECT_NE(err("int").find("interrupted"), std::string::npos) << err("int");

  const auto written = jsonl(dir_ / "int.jsonl");
  ASSERT_GE(written.size(), 1U);
  EXPECT_LT(written.size(), 1U + kTarpits) << "Ctrl-C stopped handing out targets";
  EXPECT_EQ(written.front()["status"], "connection-refused");
  for (std::size_t i = 1; i < written.size(); ++i)
    EXPECT_EQ(written[i]["status"], "io-timeout")
        << "an audit in flight finishes: " << written[i].dump();

  ASSERT_EQ(run("rep", {"report", "--db", db_, "-o", (dir_ / "rep.jsonl").string()}), 0)
      << err("rep");
  // The store keys records by ip:port, so the tarpit's repeats are one stored record.
  const auto stored = jsonl(dir_ / "rep.jsonl");
  EXPECT_EQ(stored.size(), written.size() > 1 ? 2U : 1U) << slurp(dir_ / "rep.jsonl");
  EXPECT_EQ(stored.front(), written.front());
  ASSERT_EQ(run("list", {"scans", "--db", db_}), 0);
  EXPECT_NE(slurp(dir_ / "list.out").find("interrupted"), std::string::npos)
      << slurp(dir_ / "list.out");
}

}  // namespace
