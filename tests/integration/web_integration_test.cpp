// End-to-end tests of the DICOMweb/REST probe (`dicomsec scan --level auth`) against three
// real Orthancs with the DICOMweb plugin (scripts/web_lab.sh: no authentication, the default
// orthanc:orthanc account, a strong random password) and fault_server, each holding the
// canary study. Every record is validated against the schema, and the canary (patient name,
// patient ID, study UID, the random token) must appear in no stdout, stderr or -o file.
//
// Under ctest the fixture integration.weblab.start starts the lab and passes its directory in
// DICOMSEC_WEB_LAB_DIR; run directly, the binary starts and stops a lab of its own.
// Network rule: only 127.0.0.1, only ports from the lab or fault_server; every child runs
// under coreutils `timeout`.

#include <gtest/gtest.h>
#include <signal.h>
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

#include "support/ready.hpp"

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kDicomsec = DICOMSEC_BIN;
constexpr const char* kFaultServer = FAULT_SERVER_BIN;
constexpr const char* kSourceDir = DICOMSEC_SOURCE_DIR;
constexpr const char* kPython = DICOMSEC_PYTHON;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::map<std::string, std::string> read_env(const fs::path& file) {
  std::map<std::string, std::string> env;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    if (auto eq = line.find('='); eq != std::string::npos)
      env[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return env;
}

// The lab: from the fixture, or one of our own.
class WebLab : public ::testing::Environment {
 public:
  void SetUp() override {
    if (const char* d = std::getenv("DICOMSEC_WEB_LAB_DIR"); d && *d) {
      dir_ = d;
    } else {
      dir_ = fs::temp_directory_path() / ("dicomsec-weblab-" + std::to_string(getpid()));
      own_ = true;
      const auto cmd = "timeout 60 bash " + quote(std::string(kSourceDir) + "/scripts/web_lab.sh") +
                       " start " + quote(dir_.string()) + " >/dev/null";
      ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    }
    env_ = read_env(dir_ / "lab.env");
    ASSERT_FALSE(env_.empty()) << "no lab.env in " << dir_;
  }
  void TearDown() override {
    if (!own_) return;
    const auto cmd = "timeout 60 bash " + quote(std::string(kSourceDir) + "/scripts/web_lab.sh") +
                     " stop " + quote(dir_.string()) + " >/dev/null 2>&1";
    (void)std::system(cmd.c_str());
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  static const std::string& get(const std::string& key) {
    static const std::string none;
    auto it = instance->env_.find(key);
    return it == instance->env_.end() ? none : it->second;
  }
  static fs::path dir() { return instance->dir_; }
  static inline WebLab* instance = nullptr;

 private:
  fs::path dir_;
  bool own_ = false;
  std::map<std::string, std::string> env_;
};

struct Run {
  int exit_code = -1;
  std::string out, err, file;  // stdout, stderr, the -o file
  std::vector<json> records;
  std::string command;
  [[nodiscard]] std::string describe() const {
    return "command: " + command + "\nexit " + std::to_string(exit_code) + "\n--- stdout ---\n" +
           out.substr(0, 8000) + "\n--- stderr ---\n" + err.substr(0, 8000);
  }
};

// Everything that could identify the canary patient or study.
std::vector<std::string> canary_needles() {
  std::vector<std::string> v;
  // A key missing from lab.env would make the canary check check nothing: that fails.
  for (const char* k : {"CANARY", "CANARY_PATIENT_NAME", "CANARY_PATIENT_ID", "CANARY_STUDY_UID"}) {
    if (WebLab::get(k).empty()) {
      ADD_FAILURE() << k << " is missing from the web lab's lab.env";
    } else {
      v.push_back(WebLab::get(k));
    }
  }
  return v;
}

void expect_no_canary(const Run& r) {
  for (const auto& n : canary_needles())
    for (const auto* s : {&r.out, &r.err, &r.file})
      EXPECT_EQ(s->find(n), std::string::npos) << n << "\n" << r.describe();
}

// Runs dicomsec scan 127.0.0.1 ARGS twice over: once to stdout, once with -o FILE; both
// outputs, stderr and the file are kept for the canary check. Records come from stdout.
Run scan(const std::vector<std::string>& args, int timeout_s = 60) {
  static int n = 0;
  const auto base = WebLab::dir() / ("run-" + std::to_string(getpid()) + "-" + std::to_string(++n));
  std::string cmd =
      "timeout -s KILL " + std::to_string(timeout_s) + " " + quote(kDicomsec) + " scan 127.0.0.1";
  for (const auto& a : args) cmd += " " + quote(a);
  cmd += " --no-progress --timeout 1500 --connect-timeout 1000";
  Run r;
  r.command = cmd;
  const auto full =
      cmd + " >" + quote(base.string() + ".out") + " 2>" + quote(base.string() + ".err");
  const int rc = std::system(full.c_str());
  r.exit_code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = slurp(base.string() + ".out");
  r.err = slurp(base.string() + ".err");
  const auto with_file = cmd + " -q -o " + quote(base.string() + ".jsonl") + " >/dev/null 2>>" +
                         quote(base.string() + ".err2");
  (void)std::system(with_file.c_str());
  r.file = slurp(base.string() + ".jsonl") + slurp(base.string() + ".err2");
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    auto j = json::parse(line, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << line;
    if (!j.is_discarded()) r.records.push_back(j);
  }
  // Schema check of what went to stdout.
  const auto v = std::string(kPython) + " " +
                 quote(std::string(kSourceDir) + "/tests/integration/validate_records.py") + " " +
                 quote(std::string(kSourceDir) + "/schemas/scan-record.schema.json") + " " +
                 quote(base.string() + ".out") + " >" + quote(base.string() + ".schema") + " 2>&1";
  EXPECT_EQ(std::system(v.c_str()), 0) << slurp(base.string() + ".schema") << r.describe();
  expect_no_canary(r);
  return r;
}

const json* record_for(const Run& r, const std::string& port) {
  for (const auto& j : r.records)
    if (std::to_string(j.value("port", 0)) == port) return &j;
  return nullptr;
}

// The record's "web" part; absent (not null) when the web probe did not answer.
bool has_web(const json& rec) { return rec.contains("web") && rec["web"].is_object(); }
std::string detail(const json& rec) { return rec.value("detail", std::string()); }

bool has_finding(const json& rec, const std::string& id) {
  for (const auto& f : rec["findings"])
    if (f["id"] == id) return true;
  return false;
}

std::optional<std::uint64_t> count_at(const json& web, const std::string& path,
                                      const std::string& auth) {
  for (const auto& e : web["endpoints"])
    if (e["path"] == path && e["auth"] == auth && e["count"].is_number())
      return e["count"].get<std::uint64_t>();
  return std::nullopt;
}

// A fault_server in the background (its own --lifetime bounds it); killed by pid.
struct Fault {
  std::string port;
  pid_t pid = -1;
  explicit Fault(const std::string& mode) {
    static int n = 0;
    const auto base =
        WebLab::dir() / ("fault-" + std::to_string(getpid()) + "-" + std::to_string(++n));
    const auto cmd = quote(kFaultServer) + " --mode " + mode + " --lifetime 60 >" +
                     quote(base.string() + ".port") + " 2>/dev/null & echo $! >" +
                     quote(base.string() + ".pid");
    if (std::system(cmd.c_str()) != 0) return;
    for (int i = 0; i < 100 && port.empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      std::istringstream in(slurp(base.string() + ".port"));
      std::getline(in, port);
    }
    pid = static_cast<pid_t>(std::atoi(slurp(base.string() + ".pid").c_str()));
  }
  ~Fault() {
    if (pid > 0) kill(pid, SIGTERM);
  }
};

TEST(WebScan, OpenOrthancGivesNoAuthWithCounts) {
  const auto& port = WebLab::get("WEB_OPEN_HTTP");
  auto r = scan({"-p", port, "--level", "auth", "--web-ports", port});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const auto* rec = record_for(r, port);
  ASSERT_TRUE(rec) << r.describe();
  EXPECT_EQ((*rec)["status"], "success");
  EXPECT_EQ((*rec)["dicom"], false);
  ASSERT_TRUE(has_web(*rec)) << r.describe();
  const auto& web = (*rec)["web"];
  EXPECT_EQ(web["open"], true);
  EXPECT_EQ(web["requires_auth"], false);
  EXPECT_EQ(web["product"], "Orthanc 1.10.1");
  EXPECT_EQ(count_at(web, "/patients", "none"), 1U);
  EXPECT_EQ(count_at(web, "/dicom-web/studies?limit=1", "none"), 1U);
  EXPECT_TRUE(has_finding(*rec, "DICOMWEB-NO-AUTH")) << r.describe();
  EXPECT_FALSE(has_finding(*rec, "DICOMWEB-DEFAULT-CREDS"));
  EXPECT_NE(r.err.find("web: open without credentials"), std::string::npos) << r.describe();
  // GET /system named Orthanc 1.10.1, older than the 1.12.0 fix of CVE-2023-33466.
  ASSERT_TRUE(has_finding(*rec, "DICOM-OUTDATED")) << r.describe();
  for (const auto& f : (*rec)["findings"])
    if (f["id"] == "DICOM-OUTDATED") {
      const auto e = f.value("evidence", std::string());
      EXPECT_NE(e.find("Orthanc 1.10.1 (from GET /system)"), std::string::npos) << e;
      EXPECT_NE(e.find("CVE-2023-33466"), std::string::npos) << e;
      EXPECT_NE(e.find("confirm the patch level"), std::string::npos) << e;
    }
}

TEST(WebScan, DefaultCredentialsAreFoundAndNeverPrinted) {
  const auto& port = WebLab::get("WEB_DEFAULT_HTTP");
  auto r = scan({"-p", port, "--level", "auth", "--web-ports", port, "--fail-on", "critical"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();  // a critical finding
  const auto* rec = record_for(r, port);
  ASSERT_TRUE(rec) << r.describe();
  ASSERT_TRUE(has_web(*rec)) << r.describe();
  const auto& web = (*rec)["web"];
  EXPECT_EQ(web["requires_auth"], true);
  EXPECT_EQ(web["open"], false);
  EXPECT_EQ(web["default_credentials_user"], "orthanc");
  EXPECT_EQ(count_at(web, "/patients", "default:orthanc"), 1U);
  EXPECT_EQ(count_at(web, "/patients", "none"), std::nullopt);
  EXPECT_TRUE(has_finding(*rec, "DICOMWEB-DEFAULT-CREDS")) << r.describe();
  EXPECT_FALSE(has_finding(*rec, "DICOMWEB-NO-AUTH"));
  for (const auto* s : {&r.out, &r.err, &r.file}) {
    EXPECT_EQ(s->find("orthanc:orthanc"), std::string::npos);
    EXPECT_EQ(s->find("b3J0aGFuYzpvcnRoYW5j"), std::string::npos);  // base64 of the pair
  }
}

TEST(WebScan, StrongPasswordMeansRequiresAuthAndNoFinding) {
  const auto& port = WebLab::get("WEB_STRONG_HTTP");
  auto r = scan({"-p", port, "--level", "auth", "--web-ports", port});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const auto* rec = record_for(r, port);
  ASSERT_TRUE(rec) << r.describe();
  ASSERT_TRUE(has_web(*rec)) << r.describe();
  const auto& web = (*rec)["web"];
  EXPECT_EQ(web["requires_auth"], true);
  EXPECT_EQ(web["open"], false);
  EXPECT_TRUE(web["default_credentials_user"].is_null());
  EXPECT_TRUE((*rec)["findings"].empty()) << r.describe();
  for (const auto& e : web["endpoints"]) EXPECT_EQ(e["http_status"], 401) << e.dump();
  const auto pass = slurp(WebLab::dir() / "web-strong" / "pass");
  ASSERT_GE(pass.size(), 32U);
  for (const auto* s : {&r.out, &r.err, &r.file})
    EXPECT_EQ(s->find(pass.substr(0, 32)), std::string::npos);
}

TEST(WebScan, EveryLevelKeepsTheCanaryOut) {
  const std::string ports = WebLab::get("WEB_OPEN_HTTP") + "," + WebLab::get("WEB_DEFAULT_HTTP") +
                            "," + WebLab::get("WEB_STRONG_HTTP") + "," +
                            WebLab::get("WEB_OPEN_DICOM");
  const std::string web_ports = WebLab::get("WEB_OPEN_HTTP") + "," +
                                WebLab::get("WEB_DEFAULT_HTTP") + "," +
                                WebLab::get("WEB_STRONG_HTTP");
  for (const char* level : {"safe", "auth", "intrusive"}) {
    // Intrusive would store a test object into the open Orthanc and change the counts the
    // other tests assert, so it runs on the web ports only (access_integration_test covers
    // the intrusive C-STORE and its canary check).
    const bool intrusive = std::string(level) == "intrusive";
    auto r = intrusive ? scan({"-p", web_ports, "--level", level, "--confirm-intrusive",
                               "--web-ports", web_ports})
                       : scan({"-p", ports, "--level", level, "--web-ports", web_ports});
    EXPECT_EQ(r.exit_code, 0) << level << "\n" << r.describe();
    EXPECT_EQ(r.records.size(), intrusive ? 3U : 4U) << r.describe();
    for (const auto& rec : r.records) {
      if (std::string(level) == "safe") {
        EXPECT_FALSE(has_web(rec)) << rec.dump();
      }
    }
  }
}

TEST(WebScan, DicomPortGivenAsWebPortFallsBackToDicom) {
  const auto& port = WebLab::get("WEB_OPEN_DICOM");
  auto r = scan({"-p", port, "--level", "auth", "--web-ports", port});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const auto* rec = record_for(r, port);
  ASSERT_TRUE(rec) << r.describe();
  EXPECT_EQ((*rec)["status"], "success");
  EXPECT_EQ((*rec)["dicom"], true);
  EXPECT_FALSE(has_web(*rec));
}

TEST(WebScan, HttpAnswerOnADicomPortGetsTheWebProbe) {
  Fault f("http");
  ASSERT_FALSE(f.port.empty());
  auto r = scan({"-p", f.port, "--level", "auth", "--web-ports", "1"});
  const auto* rec = record_for(r, f.port);
  ASSERT_TRUE(rec) << r.describe();
  EXPECT_EQ((*rec)["dicom"], false);
  EXPECT_EQ((*rec)["status"], "success") << rec->dump();
  ASSERT_TRUE(has_web(*rec)) << rec->dump();
  EXPECT_EQ((*rec)["web"]["open"], false);
  for (const auto& e : (*rec)["web"]["endpoints"]) EXPECT_EQ(e["http_status"], 400);
  EXPECT_TRUE((*rec)["findings"].empty());
  // At level safe the same port only gets the DICOM probe: a protocol error.
  auto s = scan({"-p", f.port, "--level", "safe"});
  const auto* srec = record_for(s, f.port);
  ASSERT_TRUE(srec) << s.describe();
  EXPECT_EQ((*srec)["status"], "protocol-error");
  EXPECT_FALSE(has_web(*srec));
}

TEST(WebScan, GarbageOnAWebPortIsAClearError) {
  Fault f("garbage");
  ASSERT_FALSE(f.port.empty());
  auto r = scan({"-p", f.port, "--level", "auth", "--web-ports", f.port});
  const auto* rec = record_for(r, f.port);
  ASSERT_TRUE(rec) << r.describe();
  EXPECT_NE((*rec)["status"], "success") << rec->dump();
  EXPECT_FALSE(has_web(*rec));
  EXPECT_NE(detail(*rec).find("web probe: no HTTP answer"), std::string::npos) << rec->dump();
}

TEST(WebScan, TarpitOnAWebPortEndsInTime) {
  Fault f("silent");
  ASSERT_FALSE(f.port.empty());
  // The io-timeout status is the proof that the deadlines ended it; how fast is bench/'s
  // business. A hang is caught by scan()'s 90 s SIGKILL guard (no record, exit -1).
  auto r = scan({"-p", f.port, "--level", "auth", "--web-ports", f.port}, 90);
  EXPECT_GE(r.exit_code, 0) << "killed by the hang guard\n" << r.describe();
  const auto* rec = record_for(r, f.port);
  ASSERT_TRUE(rec) << r.describe();
  EXPECT_EQ((*rec)["status"], "io-timeout") << rec->dump();
}

TEST(WebScan, ClosedWebPortCostsOnlyTheConnect) {
  Fault f("silent");  // find a port, then close it: kill the server
  ASSERT_FALSE(f.port.empty());
  kill(f.pid, SIGTERM);
  ASSERT_TRUE(dicomsec::test_support::wait_until(
      [&] { return !dicomsec::test_support::tcp_port_listening(std::stoi(f.port)); },
      std::chrono::seconds(10)))
      << "fault_server still listens on " << f.port;
  auto r = scan({"-p", f.port, "--level", "auth", "--web-ports", f.port, "--all"});
  const auto* rec = record_for(r, f.port);
  ASSERT_TRUE(rec) << r.describe();
  EXPECT_EQ((*rec)["status"], "connection-refused");
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  auto* lab = new WebLab;
  WebLab::instance = lab;
  ::testing::AddGlobalTestEnvironment(lab);
  return RUN_ALL_TESTS();
}
