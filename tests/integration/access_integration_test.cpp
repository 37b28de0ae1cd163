// End-to-end tests of the access checks (`dicomsec scan --level auth|intrusive`, issue 6)
// against the lab's real peers: Orthanc with query/retrieve open and with it refused,
// dcmqrscp with a calling-AE-restricted AE title (QRSCP) and an open one (COMMON), storescp.
// The lab's canary study (patient name and ID hold a unique string) is on every server that
// answers queries; every output of every run (stdout, stderr, the -o file) is checked to
// hold no trace of it.
//
// The lab comes from the ctest fixture (DICOMSEC_LAB_DIR, see CMakeLists.txt); run alone
// without it, the tests fail (they skip only with DICOMSEC_ALLOW_SKIP=1, tests/support/skip.hpp).
// Network rule: loopback only, ports from lab.env.
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
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/process.hpp"
#include "support/skip.hpp"

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
namespace test_support = dicomsec::test_support;
using test_support::slurp;

constexpr const char* kDicomsec = DICOMSEC_BIN;
constexpr const char* kSourceDir = DICOMSEC_SOURCE_DIR;
constexpr const char* kPython = DICOMSEC_PYTHON;
const std::set<long> kForbiddenPorts{104, 4242, 8042, 11112};

struct RunResult {
  int exit_code = -1;
  bool timed_out = false;
  std::string out, err;
  std::vector<json> records;
  std::vector<fs::path> files;  // every file the run wrote
  std::string cmdline;
  [[nodiscard]] std::string describe() const {
    return "command: " + cmdline + "\nexit " + std::to_string(exit_code) +
           (timed_out ? " (timed out)" : "") + "\n--- stdout ---\n" + out.substr(0, 20000) +
           "\n--- stderr ---\n" + err.substr(0, 20000);
  }
};

// Everything a test wrote under the temporary directory; removed after each test.
std::vector<fs::path> g_cleanup;

// Runs argv with stdout/stderr in files of a fresh directory, killed after `limit`.
RunResult run(std::vector<std::string> argv, std::chrono::milliseconds limit = 60s) {
  RunResult r;
  static int n = 0;
  const fs::path dir = fs::temp_directory_path() /
                       ("dicomsec-access-" + std::to_string(getpid()) + "-" + std::to_string(++n));
  fs::create_directories(dir);
  g_cleanup.push_back(dir);
  const auto out = dir / "stdout", err = dir / "stderr";
  for (const auto& a : argv) r.cmdline += a + " ";
  const pid_t pid =
      test_support::spawn(argv, out, err, {"UBSAN_OPTIONS=halt_on_error=1:exitcode=99"});
  if (pid <= 0) return r;
  r.exit_code = test_support::wait_for(pid, limit);  // killed at the limit: -1
  r.timed_out = r.exit_code == -1;
  r.out = slurp(out);
  r.err = slurp(err);
  r.files = {out, err};
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) r.records.push_back(json::parse(line, nullptr, false));
  return r;
}

std::map<std::string, std::string> g_lab;

std::string lab(const std::string& key) {
  auto it = g_lab.find(key);
  return it == g_lab.end() ? std::string() : it->second;
}

class AccessTest : public ::testing::Test {
 protected:
  void TearDown() override {
    std::error_code ec;
    for (const auto& p : g_cleanup) fs::remove_all(p, ec);
    g_cleanup.clear();
  }

  void SetUp() override {
    if (!g_lab.empty()) return;
    const char* dir = std::getenv("DICOMSEC_LAB_DIR");
    if (dir == nullptr || !fs::exists(fs::path(dir) / "lab.env"))
      DICOMSEC_SKIP_OR_FAIL(
          "no lab: DICOMSEC_LAB_DIR has no lab.env; run under ctest (fixture "
          "integration.lab.start)");
    g_lab = test_support::read_env(fs::path(dir) / "lab.env");
    for (const auto& [k, v] : g_lab)
      if (k.ends_with("_PORT")) {
        const long p = std::strtol(v.c_str(), nullptr, 10);
        ASSERT_TRUE(p > 0 && p < 65536 && kForbiddenPorts.count(p) == 0) << k << "=" << v;
      }
    ASSERT_FALSE(lab("CANARY").empty());
  }

  // dicomsec scan 127.0.0.1 -p PORTS ARGS...; every output file checked for the canary,
  // every record against the schema.
  RunResult scan(const std::string& ports, std::vector<std::string> extra,
                 bool with_output_file = true) {
    std::vector<std::string> argv{kDicomsec, "scan",         "127.0.0.1", "-p",
                                  ports,     "--timeout",    "3000",      "--connect-timeout",
                                  "1000",    "--no-progress"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    fs::path file;
    if (with_output_file) {
      file = fs::temp_directory_path() / ("dicomsec-access-o-" + std::to_string(getpid()) + "-" +
                                          std::to_string(++files_) + ".jsonl");
      argv.insert(argv.end(), {"-o", file.string()});
      g_cleanup.push_back(file);
    }
    auto r = run(argv);
    if (with_output_file) {
      r.files.push_back(file);
      const auto text = slurp(file);
      std::istringstream lines(text);
      for (std::string line; std::getline(lines, line);)
        if (!line.empty()) r.records.push_back(json::parse(line, nullptr, false));
      auto v = run({kPython, std::string(kSourceDir) + "/tests/integration/validate_records.py",
                    std::string(kSourceDir) + "/schemas/scan-record.schema.json", file.string()});
      EXPECT_EQ(v.exit_code, 0) << v.describe();
    }
    expect_no_canary(r);
    return r;
  }

  static void expect_no_canary(const RunResult& r) {
    for (const auto& f : r.files) {
      const auto text = slurp(f);
      for (const char* key : {"CANARY", "CANARY_PATIENT_NAME", "CANARY_PATIENT_ID",
                              "CANARY_STUDY_UID", "CANARY_SERIES_UID", "CANARY_SOP_UID"}) {
        const auto value = lab(key);
        ASSERT_FALSE(value.empty()) << key;
        EXPECT_EQ(text.find(value), std::string::npos)
            << "PHI canary " << key << " found in " << f << "\n"
            << r.describe();
      }
    }
  }

  static const json* record_for(const RunResult& r, const std::string& port) {
    for (const auto& rec : r.records)
      if (rec.is_object() && std::to_string(rec.value("port", 0)) == port) return &rec;
    return nullptr;
  }

  static std::set<std::string> finding_ids(const json& rec) {
    std::set<std::string> ids;
    for (const auto& f : rec["findings"]) ids.insert(f.value("id", ""));
    return ids;
  }

  static std::string finding_evidence(const json& rec, const std::string& id) {
    for (const auto& f : rec["findings"])
      if (f.value("id", "") == id) return f.value("evidence", "");
    return {};
  }

  int files_ = 0;
};

TEST_F(AccessTest, OrthancFindOpenVersusRefused) {
  const auto open = lab("ORTHANC_OPEN_PORT"), checked = lab("ORTHANC_CHECKED_PORT");
  auto r = scan(open + "," + checked, {"--level", "auth"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const json* o = record_for(r, open);
  const json* c = record_for(r, checked);
  ASSERT_TRUE(o && c) << r.describe();

  const auto& oa = (*o)["access"];
  EXPECT_EQ(oa["find"]["state"], "allowed") << o->dump();
  EXPECT_GE(oa["find"]["patient"].get<int>(), 1) << o->dump();
  EXPECT_GE(oa["find"]["study"].get<int>(), 1) << o->dump();
  EXPECT_EQ(oa["find"]["capped"], false);
  EXPECT_EQ(oa["get"]["state"], "allowed") << o->dump();  // DicomAlwaysAllowGet: processed
  EXPECT_EQ(oa["store"]["state"], "untested");
  const auto ids = finding_ids(*o);
  for (const char* id :
       {"DICOM-FIND-OPEN", "DICOM-GET-OPEN", "DICOM-MOVE-OPEN", "DICOM-ANY-CALLING-AE"})
    EXPECT_TRUE(ids.count(id)) << id << ": " << o->dump();
  EXPECT_NE(finding_evidence(*o, "DICOM-ANY-CALLING-AE").find("confirmed: C-FIND"),
            std::string::npos);

  // The checked Orthanc rejects called AE ANY-SCP: discovery finds ORTHANC; then each query
  // or retrieve from the unknown calling AE is answered with A-ABORT.
  const auto& ca = (*c)["access"];
  EXPECT_EQ((*c)["association"]["result"], "rejected");
  EXPECT_EQ(ca["discovered_called_ae"], "ORTHANC") << c->dump();
  EXPECT_EQ(ca["called_ae_tried"], json::array({"ORTHANC"}));
  for (const char* op : {"find", "move", "get"}) {
    EXPECT_EQ(ca[op]["state"], "denied") << op << ": " << c->dump();
    EXPECT_NE(ca[op]["evidence"].get<std::string>().find("A-ABORT"), std::string::npos);
  }
  EXPECT_TRUE(ca["find"]["patient"].is_null());
  const auto cids = finding_ids(*c);
  EXPECT_FALSE(cids.count("DICOM-FIND-OPEN")) << c->dump();
  EXPECT_TRUE(cids.count("DICOM-ANY-CALLING-AE")) << c->dump();
}

TEST_F(AccessTest, DcmqrscpCallingAeRestrictionAndOpenAeFoundByDiscovery) {
  const auto port = lab("QRSCP_PORT");
  // Unknown calling AE to the restricted title: rejected (dcmqrscp says reason 7), so the
  // discovery runs and finds the open AE title COMMON of the same server.
  auto r = scan(port, {"--level", "auth", "--called-ae", "QRSCP"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const json* rec = record_for(r, port);
  ASSERT_TRUE(rec) << r.describe();
  const auto& a = (*rec)["access"];
  EXPECT_EQ(a["discovered_called_ae"], "COMMON") << rec->dump();
  EXPECT_EQ(a["find"]["state"], "allowed");
  EXPECT_EQ(a["find"]["patient"], 1);
  EXPECT_EQ(a["find"]["study"], 1);
  EXPECT_EQ(a["move"]["state"], "allowed");
  EXPECT_EQ(a["move"]["status"], 0);
  EXPECT_EQ(a["get"]["state"], "allowed");
  const auto ids = finding_ids(*rec);
  for (const char* id :
       {"DICOM-FIND-OPEN", "DICOM-MOVE-OPEN", "DICOM-GET-OPEN", "DICOM-ANY-CALLING-AE"})
    EXPECT_TRUE(ids.count(id)) << id << ": " << rec->dump();

  // The configured peer TRUSTED1 may query QRSCP: counts, but no unknown-AE findings.
  auto t = scan(port, {"--level", "auth", "--called-ae", "QRSCP", "--calling-ae", "TRUSTED1"});
  const json* tr = record_for(t, port);
  ASSERT_TRUE(tr) << t.describe();
  EXPECT_EQ((*tr)["association"]["result"], "accepted");
  EXPECT_EQ((*tr)["access"]["find"]["patient"], 1) << tr->dump();
  EXPECT_TRUE((*tr)["access"]["called_ae_tried"].empty());
  EXPECT_FALSE(finding_ids(*tr).count("DICOM-ANY-CALLING-AE")) << tr->dump();
  EXPECT_FALSE(finding_ids(*tr).count("DICOM-FIND-OPEN"))
      << "TRUSTED1 is a known peer: " << tr->dump();
  // The C-MOVE destination is never the given calling AE (a configured peer here).
  EXPECT_EQ((*tr)["access"]["move"]["evidence"].get<std::string>().find("TRUSTED1"),
            std::string::npos);
}

TEST_F(AccessTest, FindCapSendsCancelToARealPeer) {
  const auto port = lab("QRSCP_PORT");
  auto r = scan(port, {"--level", "auth", "--called-ae", "COMMON", "--find-cap", "1"});
  const json* rec = record_for(r, port);
  ASSERT_TRUE(rec) << r.describe();
  const auto& f = (*rec)["access"]["find"];
  EXPECT_EQ(f["capped"], true) << rec->dump();
  EXPECT_EQ(f["patient"], 1);
  EXPECT_EQ(f["state"], "allowed");
  EXPECT_TRUE((*rec)["access"]["error"].is_null()) << rec->dump();
  EXPECT_TRUE((*rec)["association"]["released"] == true) << rec->dump();
}

TEST_F(AccessTest, StorescpOffersNoQueryRetrieve) {
  const auto port = lab("STORESCP_PORT");
  auto r = scan(port, {"--level", "auth"});
  const json* rec = record_for(r, port);
  ASSERT_TRUE(rec) << r.describe();
  for (const char* op : {"find", "move", "get"})
    EXPECT_EQ((*rec)["access"][op]["state"], "denied") << rec->dump();
  EXPECT_FALSE(finding_ids(*rec).count("DICOM-FIND-OPEN"));
}

TEST_F(AccessTest, IntrusiveNeedsConfirmation) {
  auto r =
      run({kDicomsec, "scan", "127.0.0.1", "-p", lab("STORESCP_PORT"), "--level", "intrusive"});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_NE(r.err.find("--confirm-intrusive"), std::string::npos) << r.describe();
  EXPECT_TRUE(r.out.empty());
}

TEST_F(AccessTest, IntrusiveStoreIsReportedWithCleanupAndCanBeDeleted) {
  const auto store = lab("STORESCP_PORT"), checked = lab("ORTHANC_CHECKED_PORT");
  auto r = scan(store + "," + checked, {"--level", "intrusive", "--confirm-intrusive"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  for (const auto& port : {store, checked}) {
    const json* rec = record_for(r, port);
    ASSERT_TRUE(rec) << r.describe();
    const auto& a = (*rec)["access"];
    EXPECT_EQ(a["store"]["state"], "allowed") << rec->dump();
    EXPECT_TRUE(finding_ids(*rec).count("DICOM-STORE-OPEN"));
    ASSERT_FALSE(a["store_cleanup"].empty());
    const auto first = a["store_cleanup"][0].get<std::string>();
    const auto at = first.find("SOP Instance UID ");
    ASSERT_NE(at, std::string::npos) << first;
    const auto uid = first.substr(at + 17);
    EXPECT_TRUE(uid.starts_with("2.25.275842309182703915723006547421839915563.3.")) << uid;
    if (port == store) {
      // storescp wrote it where the cleanup line says; delete it as told.
      const fs::path file = fs::path(lab("LAB_DIR")) / "storescp" / "in" / ("SC." + uid);
      EXPECT_TRUE(fs::exists(file)) << file;
      bool mentioned = false;
      for (const auto& line : a["store_cleanup"])
        mentioned = mentioned || line.get<std::string>().find("SC." + uid) != std::string::npos;
      EXPECT_TRUE(mentioned) << rec->dump();
      fs::remove(file);
    } else {
      // Orthanc: the REST lookup the cleanup names finds it; delete it.
      const auto base = "http://127.0.0.1:" + lab("ORTHANC_CHECKED_HTTP");
      auto look = run({"/usr/bin/curl", "-sS", "-f", "--max-time", "10", "-X", "POST",
                       base + "/tools/lookup", "-d", uid});
      ASSERT_EQ(look.exit_code, 0) << look.describe();
      const auto found = json::parse(look.out, nullptr, false);
      ASSERT_TRUE(found.is_array() && found.size() == 1) << look.out;
      EXPECT_EQ(found[0]["Type"], "Instance");
      auto del = run({"/usr/bin/curl", "-sS", "-f", "--max-time", "10", "-X", "DELETE",
                      base + "/instances/" + found[0]["ID"].get<std::string>()});
      EXPECT_EQ(del.exit_code, 0) << del.describe();
    }
  }
}

TEST_F(AccessTest, NoCanaryInAnyOutputAtAnyLevel) {
  const std::string all = lab("STORESCP_PORT") + "," + lab("QRSCP_PORT") + "," +
                          lab("ORTHANC_CHECKED_PORT") + "," + lab("ORTHANC_OPEN_PORT");
  for (const std::vector<std::string>& level : {std::vector<std::string>{"--level", "safe"},
                                                {"--level", "auth"},
                                                {"--level", "auth", "--called-ae", "QRSCP"}}) {
    auto r = scan(all, level);  // checks stdout, stderr and the -o file
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(r.records.size(), 4U) << r.describe();
    auto s = scan(all, level, false);  // and records on stdout
    EXPECT_EQ(s.records.size(), 4U) << s.describe();
  }
  // The scan history database and every report format rendered from it.
  const fs::path db =
      fs::temp_directory_path() / ("dicomsec-access-" + std::to_string(getpid()) + ".db");
  fs::remove(db);
  g_cleanup.push_back(db);
  auto d = scan(all, {"--level", "auth", "--called-ae", "QRSCP", "--db", db.string()}, false);
  EXPECT_EQ(d.exit_code, 0) << d.describe();
  RunResult files;
  files.files.push_back(db);
  for (const char* format : {"jsonl", "csv", "sarif", "html"}) {
    const fs::path out = db.string() + "." + format;
    g_cleanup.push_back(out);
    auto r =
        run({kDicomsec, "report", "--db", db.string(), "--format", format, "-o", out.string()});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_GT(fs::file_size(out), 100U) << format;
    files.files.push_back(out);
    files.files.insert(files.files.end(), r.files.begin(), r.files.end());
  }
  expect_no_canary(files);
}

}  // namespace
