// Access checks (`dicomsec scan --level auth|intrusive`) of TLS services run inside TLS
// (issue 11 §3): before, the access probe sent a cleartext A-ASSOCIATE-RQ to every service,
// so DICOM-FIND/MOVE/GET-OPEN could never be reported for a TLS one.
//
// Peers: the DICOM lab's open Orthanc and dcmqrscp, each behind a stunnel4 this test starts
// (TLS terminated in front of the DICOM port; the dcmqrscp one requires a client
// certificate from the TLS lab's CA), and the TLS lab's DCMTK storescp +tls (-ic, and -rc
// with the CA: mutual TLS). Certificates come from the TLS lab. The lab's canary patient
// must never appear in any output.
//
// Needs both ctest fixtures (DICOMSEC_LAB_DIR, DICOMSEC_TLS_LAB_DIR). Without them the tests
// fail, unless DICOMSEC_ALLOW_SKIP=1 says a skip is fine. Loopback only; ports at run time.
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

#include "support/skip.hpp"

extern char** environ;

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kDicomsec = DICOMSEC_BIN;
constexpr const char* kSourceDir = DICOMSEC_SOURCE_DIR;
constexpr const char* kPython = DICOMSEC_PYTHON;
const std::set<long> kForbiddenPorts{104, 4242, 8042, 11112};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

fs::path fresh_dir(const std::string& tag) {
  static int n = 0;
  auto d = fs::temp_directory_path() /
           ("dicomsec-tlsaccess-" + std::to_string(getpid()) + "-" + tag + std::to_string(++n));
  fs::create_directories(d);
  return d;
}

// Spawns argv in its own process group, stdout/stderr to files in `dir`.
pid_t spawn(std::vector<std::string> argv, const fs::path& dir) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, (dir / "stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&fa, 2, (dir / "stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawnattr_t at;
  posix_spawnattr_init(&at);
  posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&at, 0);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, argv[0].c_str(), &fa, &at, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);
  return rc == 0 ? pid : -1;
}

// Stops a process group we spawned: TERM, bounded wait, KILL.
void stop_group(pid_t pid) {
  if (pid <= 0) return;
  kill(-pid, SIGTERM);
  int status = 0;
  for (int i = 0; i < 100; ++i) {
    if (waitpid(pid, &status, WNOHANG) == pid) return;
    std::this_thread::sleep_for(20ms);
  }
  kill(-pid, SIGKILL);
  waitpid(pid, &status, 0);
}

struct RunResult {
  int exit_code = -1;
  bool timed_out = false;
  std::string out, err, file_text;
  std::vector<json> records;
  std::string cmdline;
  [[nodiscard]] std::string describe() const {
    return "command: " + cmdline + "\nexit " + std::to_string(exit_code) +
           (timed_out ? " (timed out)" : "") + "\n--- stdout ---\n" + out.substr(0, 20000) +
           "\n--- stderr ---\n" + err.substr(0, 20000);
  }
};

RunResult run(std::vector<std::string> argv, std::chrono::milliseconds limit = 90s) {
  RunResult r;
  const auto dir = fresh_dir("run");
  for (const auto& a : argv) r.cmdline += a + " ";
  const pid_t pid = spawn(argv, dir);
  if (pid <= 0) return r;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      r.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  r.out = slurp(dir / "stdout");
  r.err = slurp(dir / "stderr");
  std::error_code ec;
  fs::remove_all(dir, ec);
  return r;
}

std::map<std::string, std::string> read_env(const fs::path& file) {
  std::map<std::string, std::string> env;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    const auto eq = line.find('=');
    if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
    env[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return env;
}

// A port free on 127.0.0.1 right now (bound to 0, then released), never a forbidden one.
int free_port() {
  for (int attempt = 0; attempt < 10; ++attempt) {
    const int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = 0;
    if (bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0)
      port = ntohs(a.sin_port);
    close(s);
    if (port > 0 && kForbiddenPorts.count(port) == 0) return port;
  }
  return 0;
}

bool accepts(int port) {
  const int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(s);
  return ok;
}

// One stunnel4 with a service per entry: TLS on a fresh loopback port in front of a
// cleartext DICOM port.
struct Stunnel {
  struct Service {
    std::string name;
    std::string backend_port;
    bool require_client_cert = false;
    int port = 0;  // filled by start()
  };
  std::vector<Service> services;
  pid_t pid = -1;
  fs::path dir;

  // Starts it and waits (bounded) until every service accepts; retries with other ports
  // when one was taken meanwhile.
  bool start(const std::map<std::string, std::string>& tls) {
    for (int attempt = 0; attempt < 3; ++attempt) {
      dir = fresh_dir("stunnel");
      std::ofstream conf(dir / "stunnel.conf");
      conf << "; generated by tls_access_test\nforeground = yes\npid =\ndebug = 5\n";
      for (auto& s : services) {
        s.port = free_port();
        conf << "[" << s.name << "]\naccept = 127.0.0.1:" << s.port
             << "\nconnect = 127.0.0.1:" << s.backend_port << "\ncert = " << tls.at("SERVER_CERT")
             << "\nkey = " << tls.at("SERVER_KEY") << "\n";
        if (s.require_client_cert)
          conf << "CAfile = " << tls.at("CA_CERT") << "\nverifyChain = yes\nrequireCert = yes\n";
      }
      conf.close();
      pid = spawn({"stunnel4", (dir / "stunnel.conf").string()}, dir);
      if (pid <= 0) return false;
      bool ready = false;
      for (int i = 0; i < 200 && !ready; ++i) {  // 10 s
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == pid) {
          pid = -1;
          break;  // exited: a port was taken, or a bad configuration
        }
        ready = true;
        for (const auto& s : services) ready = ready && accepts(s.port);
        if (!ready) std::this_thread::sleep_for(50ms);
      }
      if (ready) return true;
      stop();
    }
    return false;
  }
  [[nodiscard]] std::string log() const { return slurp(dir / "stderr") + slurp(dir / "stdout"); }
  void stop() {
    stop_group(pid);
    pid = -1;
  }
};

std::map<std::string, std::string> g_lab, g_tls;
Stunnel g_stunnel;
std::string g_orthanc_tls, g_qrscp_mtls;  // stunnel's ports

class TlsAccess : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const char* lab_dir = std::getenv("DICOMSEC_LAB_DIR");
    const char* tls_dir = std::getenv("DICOMSEC_TLS_LAB_DIR");
    if (!lab_dir || !tls_dir || !fs::exists(fs::path(lab_dir) / "lab.env") ||
        !fs::exists(fs::path(tls_dir) / "tls.env"))
      return;
    g_lab = read_env(fs::path(lab_dir) / "lab.env");
    g_tls = read_env(fs::path(tls_dir) / "tls.env");
    g_stunnel.services = {{"orthanc", g_lab["ORTHANC_OPEN_PORT"], false, 0},
                          {"qrscp-mtls", g_lab["QRSCP_PORT"], true, 0}};
    if (g_stunnel.start(g_tls)) {
      g_orthanc_tls = std::to_string(g_stunnel.services[0].port);
      g_qrscp_mtls = std::to_string(g_stunnel.services[1].port);
    }
  }
  static void TearDownTestSuite() { g_stunnel.stop(); }

  void SetUp() override {
    if (g_lab.empty() || g_tls.empty()) {
      DICOMSEC_SKIP_OR_FAIL("needs the DICOM and TLS lab fixtures: run through ctest "
                            "(integration.lab.start, integration.tls_lab.start)");
    }
    ASSERT_FALSE(g_orthanc_tls.empty()) << "stunnel4 did not start:\n" << g_stunnel.log();
    for (const auto* env : {&g_lab, &g_tls})
      for (const auto& [k, v] : *env)
        if (k.ends_with("_PORT")) {
          const long p = std::strtol(v.c_str(), nullptr, 10);
          ASSERT_TRUE(p > 0 && p < 65536 && kForbiddenPorts.count(p) == 0) << k << "=" << v;
        }
    ASSERT_FALSE(g_lab["CANARY"].empty());
  }

  // dicomsec scan 127.0.0.1 -p PORT ARGS... -o FILE; the file's records are validated
  // against the schema, and stdout, stderr and the file are checked for the canary.
  static RunResult scan(const std::string& port, std::vector<std::string> extra) {
    const auto dir = fresh_dir("out");
    const auto file = dir / "records.jsonl";
    std::vector<std::string> argv{kDicomsec, "scan",          "127.0.0.1", "-p",
                                  port,      "--timeout",     "3000",      "--connect-timeout",
                                  "1000",    "--no-progress", "-o",        file.string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto r = run(argv);
    r.file_text = slurp(file);
    std::istringstream lines(r.file_text);
    for (std::string line; std::getline(lines, line);)
      if (!line.empty()) r.records.push_back(json::parse(line, nullptr, false));
    auto v = run({kPython, std::string(kSourceDir) + "/tests/integration/validate_records.py",
                  std::string(kSourceDir) + "/schemas/scan-record.schema.json", file.string()});
    EXPECT_EQ(v.exit_code, 0) << v.describe();
    for (const char* key : {"CANARY", "CANARY_PATIENT_NAME", "CANARY_PATIENT_ID",
                            "CANARY_STUDY_UID", "CANARY_SERIES_UID", "CANARY_SOP_UID"}) {
      const auto& value = g_lab[key];
      EXPECT_FALSE(value.empty()) << key;
      for (const std::string* text : {&r.out, &r.err, &r.file_text})
        EXPECT_EQ(text->find(value), std::string::npos) << "PHI canary " << key << "\n"
                                                        << r.describe();
    }
    std::error_code ec;
    fs::remove_all(dir, ec);
    return r;
  }

  static const json* only_record(const RunResult& r) {
    return r.records.size() == 1 && r.records[0].is_object() ? &r.records[0] : nullptr;
  }

  static std::set<std::string> finding_ids(const json& rec) {
    std::set<std::string> ids;
    for (const auto& f : rec["findings"]) ids.insert(f.value("id", ""));
    return ids;
  }

  static std::vector<std::string> client_cert() {
    return {"--ca", g_tls["CA_CERT"], "--cert", g_tls["CLIENT_CERT"], "--key", g_tls["CLIENT_KEY"]};
  }
};

TEST_F(TlsAccess, OrthancBehindStunnelIsFindOpenInsideTls) {
  auto r = scan(g_orthanc_tls, {"--level", "auth", "--ca", g_tls["CA_CERT"]});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const json* rec = only_record(r);
  ASSERT_TRUE(rec) << r.describe();
  EXPECT_EQ((*rec)["status"], "success") << rec->dump();
  EXPECT_TRUE((*rec)["tls"].get<bool>()) << rec->dump();
  EXPECT_TRUE((*rec)["dicom"].get<bool>()) << rec->dump();
  const auto& a = (*rec)["access"];
  ASSERT_TRUE(a.is_object()) << rec->dump();
  EXPECT_EQ(a["association"], "accepted") << rec->dump();
  EXPECT_TRUE(a["error"].is_null()) << rec->dump();
  EXPECT_EQ(a["find"]["state"], "allowed") << rec->dump();
  EXPECT_GE(a["find"]["patient"].get<int>(), 1) << rec->dump();
  EXPECT_GE(a["find"]["study"].get<int>(), 1) << rec->dump();
  EXPECT_EQ(a["get"]["state"], "allowed") << rec->dump();
  const auto ids = finding_ids(*rec);
  for (const char* id :
       {"DICOM-FIND-OPEN", "DICOM-GET-OPEN", "DICOM-MOVE-OPEN", "DICOM-ANY-CALLING-AE"})
    EXPECT_TRUE(ids.count(id)) << id << ": " << rec->dump();
  EXPECT_FALSE(ids.count("DICOM-NO-TLS")) << rec->dump();
}

TEST_F(TlsAccess, DcmqrscpBehindMutualTlsIsFindOpenWithOurCertificate) {
  auto r = scan(g_qrscp_mtls, [] {
    auto args = client_cert();
    args.insert(args.end(), {"--level", "auth", "--called-ae", "COMMON"});
    return args;
  }());
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const json* rec = only_record(r);
  ASSERT_TRUE(rec) << r.describe();
  EXPECT_TRUE((*rec)["tls"].get<bool>()) << rec->dump();
  EXPECT_TRUE((*rec)["dicom"].get<bool>()) << rec->dump();
  EXPECT_TRUE((*rec)["tls_audit"]["client_cert_required"].get<bool>()) << rec->dump();
  const auto& a = (*rec)["access"];
  ASSERT_TRUE(a.is_object()) << rec->dump();
  EXPECT_EQ(a["called_ae"], "COMMON") << rec->dump();
  EXPECT_EQ(a["find"]["state"], "allowed") << rec->dump();
  EXPECT_GE(a["find"]["patient"].get<int>(), 1) << rec->dump();
  EXPECT_TRUE(finding_ids(*rec).count("DICOM-FIND-OPEN")) << rec->dump();
}

TEST_F(TlsAccess, MutualTlsWithoutOurCertificateGetsNoAccessChecks) {
  auto r =
      scan(g_qrscp_mtls, {"--level", "auth", "--called-ae", "COMMON", "--ca", g_tls["CA_CERT"]});
  const json* rec = only_record(r);
  ASSERT_TRUE(rec) << r.describe();
  EXPECT_TRUE((*rec)["tls"].get<bool>()) << rec->dump();
  EXPECT_FALSE((*rec)["dicom"].get<bool>()) << rec->dump();
  EXPECT_TRUE((*rec)["tls_audit"]["client_cert_required"].get<bool>()) << rec->dump();
  EXPECT_TRUE((*rec)["access"].is_null()) << rec->dump();
  EXPECT_FALSE(finding_ids(*rec).count("DICOM-FIND-OPEN")) << rec->dump();
}

TEST_F(TlsAccess, StorescpTlsAccessAssociationIsAcceptedInsideTls) {
  // storescp +tls -ic offers no query/retrieve: the access association is accepted (inside
  // TLS; in cleartext there would be no association at all) and refuses each request.
  auto r = scan(g_tls["STORESCP_TLS_IC_PORT"], {"--level", "auth", "--ca", g_tls["CA_CERT"]});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const json* rec = only_record(r);
  ASSERT_TRUE(rec) << r.describe();
  EXPECT_TRUE((*rec)["tls"].get<bool>()) << rec->dump();
  const auto& a = (*rec)["access"];
  ASSERT_TRUE(a.is_object()) << rec->dump();
  EXPECT_EQ(a["association"], "accepted") << rec->dump();
  EXPECT_TRUE(a["error"].is_null()) << rec->dump();
  for (const char* op : {"find", "move", "get"}) EXPECT_EQ(a[op]["state"], "denied") << rec->dump();
}

TEST_F(TlsAccess, StorescpMutualTlsIntrusiveStoreIsReported) {
  auto args = client_cert();
  args.insert(args.end(), {"--level", "intrusive", "--confirm-intrusive"});
  auto r = scan(g_tls["STORESCP_TLS_RC_PORT"], args);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const json* rec = only_record(r);
  ASSERT_TRUE(rec) << r.describe();
  EXPECT_TRUE((*rec)["tls"].get<bool>()) << rec->dump();
  const auto& a = (*rec)["access"];
  ASSERT_TRUE(a.is_object()) << rec->dump();
  EXPECT_EQ(a["store"]["state"], "allowed") << rec->dump();
  EXPECT_TRUE(finding_ids(*rec).count("DICOM-STORE-OPEN")) << rec->dump();
  EXPECT_FALSE(finding_ids(*rec).count("DICOM-NO-TLS")) << rec->dump();
  // Delete the test object where the cleanup says storescp put it.
  ASSERT_FALSE(a["store_cleanup"].empty()) << rec->dump();
  const auto first = a["store_cleanup"][0].get<std::string>();
  const auto at = first.find("SOP Instance UID ");
  ASSERT_NE(at, std::string::npos) << first;
  const fs::path file =
      fs::path(g_tls["TLS_LAB_DIR"]) / "storescp-rc" / ("SC." + first.substr(at + 17));
  EXPECT_TRUE(fs::exists(file)) << file;
  fs::remove(file);
}

}  // namespace
