// `dicomsec tls` end to end against real TLS peers (scripts/tls_lab.sh: DCMTK storescp with
// each PS3.15 profile flag, -ic and -rc; openssl s_server variants; stunnel4 in front of a
// plain storescp) and fault_server's broken TLS peers. Versions, suites, preference,
// certificate facts, client-certificate policy, profile verdicts and findings are asserted
// exactly. Each binary run audits many targets at once (concurrency across targets).
//
// The lab: under ctest the fixture integration.tls_lab.start passes DICOMSEC_TLS_LAB_DIR;
// run directly, the test starts (and stops) its own through lab_fixture.sh.
// Network rule: 127.0.0.1 only, ports chosen at run time by the lab and fault_server.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Strings = std::vector<std::string>;

std::map<std::string, std::string> g_env;
std::map<int, json> g_records;  // port -> record
std::vector<json> g_scan;       // records of the `dicomsec scan` run
std::string g_own_lab;
std::vector<pid_t> g_faults;
std::map<std::string, int> g_fault_ports;

std::string env(const std::string& k) {
  auto it = g_env.find(k);
  return it == g_env.end() ? "" : it->second;
}
int port(const std::string& name) { return std::atoi(env(name + "_PORT").c_str()); }
std::string target(int p) { return "127.0.0.1:" + std::to_string(p); }

int run(const std::string& cmd) {
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

void read_records(const std::string& file) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    auto j = json::parse(line);
    g_records[j["port"].get<int>()] = j;
  }
}

// Starts fault_server --mode MODE; returns its port (first line of its stdout).
int start_fault(const std::string& mode, const fs::path& dir) {
  const auto out = dir / ("fault_" + mode + ".port");
  const pid_t pid = fork();
  if (pid == 0) {
    std::freopen(out.c_str(), "w", stdout);
    execl(FAULT_SERVER_BIN, FAULT_SERVER_BIN, "--mode", mode.c_str(), "--lifetime", "60", nullptr);
    _exit(127);
  }
  g_faults.push_back(pid);
  for (int i = 0; i < 100; ++i) {
    std::ifstream in(out);
    int p = 0;
    if (in >> p && p > 0) return p;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return 0;
}

class TlsAudit : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string dir =
        std::getenv("DICOMSEC_TLS_LAB_DIR") ? std::getenv("DICOMSEC_TLS_LAB_DIR") : "";
    const fs::path tmp =
        fs::temp_directory_path() / ("dicomsec_tls_audit_" + std::to_string(getpid()));
    fs::create_directories(tmp);
    if (dir.empty() || !fs::exists(fs::path(dir) / "tls.env")) {
      g_own_lab = (tmp / "lab").string();
      dir = g_own_lab;
      run("timeout 120 bash '" + std::string(DICOMSEC_SOURCE_DIR) +
          "/tests/integration/lab_fixture.sh' start '" + dir + "' tls_lab.sh");
    }
    std::ifstream in(fs::path(dir) / "tls.env");
    std::string line;
    while (std::getline(in, line)) {
      const auto eq = line.find('=');
      if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
      g_env[line.substr(0, eq)] = line.substr(eq + 1);
    }
    ASSERT_GT(port("STORESCP_TLS_IC"), 0) << "no TLS lab in " << dir;
    for (const char* m : {"silent", "http", "reset", "tls-truncated", "tls-alert"})
      g_fault_ports[m] = start_fault(m, tmp);

    const std::string bin = DICOMSEC_BIN;
    const auto plain = std::to_string(port("PLAIN_STORESCP"));
    // DICOM services: with the association inside TLS and the cleartext look-out.
    std::string cmd =
        bin + " tls -q --plaintext-ports " + plain + " -o " + (tmp / "dicom.jsonl").string();
    for (auto n : {"STORESCP_TLS_IC", "STORESCP_TLS_RC", "STORESCP_TLS_PX", "STORESCP_TLS_PZ",
                   "STORESCP_TLS_PA", "STORESCP_TLS_PN", "STUNNEL"})
      cmd += " " + target(port(n));
    ASSERT_EQ(run(cmd), 0) << cmd;
    // openssl s_server: no DICOM behind it.
    cmd = bin + " tls -q --no-dicom --plaintext-ports none -o " + (tmp / "ossl.jsonl").string();
    for (auto n : {"OSSL_CA", "OSSL_SELF", "OSSL_EXPIRED", "OSSL_WEAK", "OSSL_TLS10", "OSSL_TLS13",
                   "OSSL_TLS13_REQUIRE", "OSSL_TLS12_REQUEST", "OSSL_B13", "OSSL_B13_NO_CCM8",
                   "OSSL_TLS12_ONLY", "OSSL_DHE2048", "OSSL_DHE1024", "OSSL_CBC", "OSSL_P224"})
      cmd += " " + target(port(n));
    ASSERT_EQ(run(cmd), 0) << cmd;
    // Broken peers and a closed port; short timeouts keep the silent one quick.
    cmd = bin + " tls -q --no-dicom --plaintext-ports none --timeout 700 -o " +
          (tmp / "faults.jsonl").string();
    for (const auto& [m, p] : g_fault_ports) cmd += " " + target(p);
    cmd += " " + target(port("CLOSED"));
    ASSERT_EQ(run(cmd), 0) << cmd;
    for (auto f : {"dicom.jsonl", "ossl.jsonl", "faults.jsonl"}) read_records((tmp / f).string());
    // `dicomsec scan` audits a port that answers TLS (not 2762 here: ports are chosen at run
    // time) and finds the cleartext storescp beside it.
    cmd = bin + " scan 127.0.0.1 -q --no-progress -p " + std::to_string(port("STORESCP_TLS_IC")) +
          "," + plain + " -o " + (tmp / "scan.jsonl").string();
    ASSERT_EQ(run(cmd), 0) << cmd;
    {
      std::ifstream scan_in(tmp / "scan.jsonl");
      std::string line;
      while (std::getline(scan_in, line)) g_scan.push_back(json::parse(line));
    }
    // Every record against the schema.
    for (auto f : {"dicom.jsonl", "ossl.jsonl", "faults.jsonl", "scan.jsonl"})
      EXPECT_EQ(run(std::string(DICOMSEC_PYTHON) + " '" + DICOMSEC_SOURCE_DIR +
                    "/tests/integration/validate_records.py' '" + DICOMSEC_SOURCE_DIR +
                    "/schemas/scan-record.schema.json' '" + (tmp / f).string() + "' >/dev/null"),
                0)
          << f;
  }

  static void TearDownTestSuite() {
    for (auto pid : g_faults) {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
    if (!g_own_lab.empty())
      run("timeout 120 bash '" + std::string(DICOMSEC_SOURCE_DIR) +
          "/tests/integration/lab_fixture.sh' stop '" + g_own_lab + "' tls_lab.sh");
  }

  static const json& rec(const std::string& name) { return g_records[port(name)]; }
  static const json& audit(const std::string& name) { return rec(name)["tls_audit"]; }
  static Strings suites(const std::string& name, const std::string& version) {
    const auto& c = audit(name)["ciphers"];
    return c.contains(version) ? c[version].get<Strings>() : Strings{};
  }
  // profile id -> "pass" | "fail" | "not-determinable"
  static std::map<std::string, std::string> verdicts(const std::string& name) {
    std::map<std::string, std::string> out;
    for (const auto& [id, v] : audit(name)["profiles"].items())
      out[id] = v["status"].get<std::string>();
    return out;
  }
  static Strings reasons(const std::string& name, const std::string& profile) {
    return audit(name)["profiles"][profile]["reasons"].get<Strings>();
  }
  static std::set<std::string> finding_ids(const std::string& name) {
    std::set<std::string> out;
    for (const auto& f : rec(name)["findings"]) out.insert(f["id"].get<std::string>());
    return out;
  }
};

const Strings kGcm4 = {
    "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"};
const Strings kTls13ServerOrder = {"TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
                                   "TLS_AES_128_GCM_SHA256"};
using Verdicts = std::map<std::string, std::string>;
// DCMTK 3.6.7 storescp +py / +pz: BCP 195 met; B.13 not (its TLS 1.3 list lacks the CCM
// suites, +pz has no TLS 1.3 at all).
const Verdicts kStorescpVerdicts = {{"bcp195", "pass"},
                                    {"bcp195-nd", "pass"},
                                    {"bcp195-ext", "pass"},
                                    {"bcp195-rfc8996", "pass"},
                                    {"bcp195-rfc8996-mod", "fail"},
                                    {"basic", "fail"},
                                    {"aes", "fail"},
                                    {"null", "fail"}};

}  // namespace

TEST_F(TlsAudit, StorescpNonDowngradingNoClientCert) {
  const auto& r = rec("STORESCP_TLS_IC");
  EXPECT_EQ(r["status"], "success");
  EXPECT_TRUE(r["tls"].get<bool>());
  EXPECT_TRUE(r["dicom"].get<bool>());  // association inside TLS
  const auto& a = audit("STORESCP_TLS_IC");
  EXPECT_EQ(a["versions"].get<Strings>(), (Strings{"TLSv1.2", "TLSv1.3"}));
  EXPECT_EQ(suites("STORESCP_TLS_IC", "TLSv1.2"), kGcm4);
  EXPECT_EQ(suites("STORESCP_TLS_IC", "TLSv1.3"), kTls13ServerOrder);
  EXPECT_EQ(a["server_preference"], true);
  EXPECT_EQ(a["dh_bits"], 2048);
  EXPECT_TRUE(a["complete"].get<bool>());
  EXPECT_FALSE(a["client_cert_requested"].get<bool>());
  EXPECT_EQ(a["plaintext_port"], port("PLAIN_STORESCP"));
  EXPECT_EQ(verdicts("STORESCP_TLS_IC"), kStorescpVerdicts);
  EXPECT_EQ(reasons("STORESCP_TLS_IC", "bcp195-rfc8996-mod"),
            (Strings{"B.13: TLSv1.3 without TLS_AES_128_CCM_SHA256, TLS_AES_128_CCM_8_SHA256",
                     "not determinable: B.13: DHE suites accepted "
                     "(TLS_DHE_RSA_WITH_AES_256_GCM_SHA384, TLS_DHE_RSA_WITH_AES_128_GCM_SHA256); "
                     "whether the DHE key length can be set is not visible on the wire"}));
  EXPECT_EQ(finding_ids("STORESCP_TLS_IC"),
            (std::set<std::string>{"TLS-NO-CLIENT-AUTH", "TLS-PLAINTEXT-ALSO", "DICOM-EXPOSED",
                                   "DICOM-ANY-CALLING-AE", "DICOM-ANY-CALLED-AE",
                                   "DICOM-OUTDATED"}));  // DCMTK 3.6.7 inside TLS
}

// sslscan lists no TLS 1.2 suite here (its handshakes fail for want of a client
// certificate); the raw ServerHello shows the four the server accepts.
TEST_F(TlsAudit, StorescpRequiresClientCertYetSuitesAreListed) {
  const auto& a = audit("STORESCP_TLS_RC");
  EXPECT_EQ(a["versions"].get<Strings>(), (Strings{"TLSv1.2", "TLSv1.3"}));
  EXPECT_EQ(suites("STORESCP_TLS_RC", "TLSv1.2"), kGcm4);
  EXPECT_EQ(suites("STORESCP_TLS_RC", "TLSv1.3"), kTls13ServerOrder);
  EXPECT_TRUE(a["client_cert_requested"].get<bool>());
  EXPECT_TRUE(a["client_cert_required"].get<bool>());
  EXPECT_EQ(a["chain"].size(), 2U);  // leaf + CA, seen although the handshake was refused
  EXPECT_FALSE(rec("STORESCP_TLS_RC")["dicom"].get<bool>());
  EXPECT_EQ(verdicts("STORESCP_TLS_RC"), kStorescpVerdicts);
  EXPECT_EQ(finding_ids("STORESCP_TLS_RC").count("TLS-NO-CLIENT-AUTH"), 0U);
}

TEST_F(TlsAudit, StorescpBcp195Downgrading) {
  const auto& a = audit("STORESCP_TLS_PX");
  EXPECT_EQ(a["versions"].get<Strings>(), (Strings{"TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"}));
  EXPECT_EQ(suites("STORESCP_TLS_PX", "TLSv1.0"), Strings{"TLS_RSA_WITH_AES_128_CBC_SHA"});
  EXPECT_EQ(suites("STORESCP_TLS_PX", "TLSv1.1"), Strings{"TLS_RSA_WITH_AES_128_CBC_SHA"});
  auto tls12 = kGcm4;
  tls12.push_back("TLS_RSA_WITH_AES_128_CBC_SHA");
  EXPECT_EQ(suites("STORESCP_TLS_PX", "TLSv1.2"), tls12);
  EXPECT_EQ(verdicts("STORESCP_TLS_PX"), (Verdicts{{"bcp195", "pass"},
                                                   {"bcp195-nd", "fail"},
                                                   {"bcp195-ext", "fail"},
                                                   {"bcp195-rfc8996", "fail"},
                                                   {"bcp195-rfc8996-mod", "fail"},
                                                   {"basic", "fail"},
                                                   {"aes", "fail"},
                                                   {"null", "fail"}}));
  EXPECT_EQ(reasons("STORESCP_TLS_PX", "bcp195-nd"), Strings{"B.10: TLSv1.0, TLSv1.1 accepted"});
  EXPECT_EQ(reasons("STORESCP_TLS_PX", "bcp195-rfc8996"),
            Strings{"B.12: TLSv1.0, TLSv1.1 accepted"});
  auto f = finding_ids("STORESCP_TLS_PX");
  EXPECT_EQ(f.count("TLS-WEAK-PROTOCOL"), 1U);
  EXPECT_EQ(f.count("TLS-WEAK-CIPHER"), 1U);  // static RSA key exchange
}

TEST_F(TlsAudit, StorescpExtended) {
  EXPECT_EQ(audit("STORESCP_TLS_PZ")["versions"].get<Strings>(), Strings{"TLSv1.2"});
  EXPECT_EQ(suites("STORESCP_TLS_PZ", "TLSv1.2"), kGcm4);
  EXPECT_EQ(verdicts("STORESCP_TLS_PZ"), kStorescpVerdicts);
  EXPECT_EQ(reasons("STORESCP_TLS_PZ", "bcp195-rfc8996-mod").front(),
            "B.13: TLSv1.3 not accepted, so none of TLS_AES_128_GCM_SHA256, "
            "TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, TLS_AES_128_CCM_SHA256, "
            "TLS_AES_128_CCM_8_SHA256 is offered");
}

TEST_F(TlsAudit, StorescpRetiredAesAndNull) {
  for (auto n : {"STORESCP_TLS_PA", "STORESCP_TLS_PN"}) {
    EXPECT_EQ(audit(n)["versions"].get<Strings>(), (Strings{"TLSv1.0", "TLSv1.1", "TLSv1.2"})) << n;
    const std::string suite = std::string(n) == "STORESCP_TLS_PA" ? "TLS_RSA_WITH_AES_128_CBC_SHA"
                                                                  : "TLS_RSA_WITH_NULL_SHA";
    for (auto v : {"TLSv1.0", "TLSv1.1", "TLSv1.2"})
      EXPECT_EQ(suites(n, v), Strings{suite}) << n << v;
    auto verdict = verdicts(n);
    // B.3 also wants the Basic profile's 3DES suite, which Debian's OpenSSL 3 no longer has.
    EXPECT_EQ(verdict["aes"], "fail");
    EXPECT_EQ(verdict["null"], std::string(n) == "STORESCP_TLS_PN" ? "pass" : "fail");
    EXPECT_EQ(verdict["bcp195"], "fail");
    EXPECT_EQ(finding_ids(n).count("TLS-WEAK-CIPHER"), 1U);
  }
}

TEST_F(TlsAudit, StunnelInFrontOfPlainStorescp) {
  const auto& r = rec("STUNNEL");
  EXPECT_TRUE(r["dicom"].get<bool>());
  EXPECT_EQ(audit("STUNNEL")["versions"].get<Strings>(), (Strings{"TLSv1.2", "TLSv1.3"}));
  EXPECT_EQ(audit("STUNNEL")["plaintext_port"], port("PLAIN_STORESCP"));
  EXPECT_EQ(finding_ids("STUNNEL").count("TLS-PLAINTEXT-ALSO"), 1U);
}

TEST_F(TlsAudit, OpensslTls10Only) {
  const auto& a = audit("OSSL_TLS10");
  EXPECT_EQ(a["versions"].get<Strings>(), Strings{"TLSv1.0"});
  auto s = suites("OSSL_TLS10", "TLSv1.0");
  EXPECT_EQ(std::set<std::string>(s.begin(), s.end()),
            (std::set<std::string>{
                "TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
                "TLS_RSA_WITH_AES_256_CBC_SHA", "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
                "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"}));
  EXPECT_EQ(a["server_preference"], false);
  EXPECT_EQ(finding_ids("OSSL_TLS10").count("TLS-WEAK-PROTOCOL"), 1U);
  for (const auto& [id, status] : verdicts("OSSL_TLS10")) EXPECT_EQ(status, "fail") << id;
}

TEST_F(TlsAudit, OpensslTls13Only) {
  const auto& a = audit("OSSL_TLS13");
  EXPECT_EQ(a["versions"].get<Strings>(), Strings{"TLSv1.3"});
  EXPECT_EQ(suites("OSSL_TLS13", "TLSv1.3"),
            (Strings{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                     "TLS_CHACHA20_POLY1305_SHA256"}));
  EXPECT_EQ(a["server_preference"], false);
  EXPECT_EQ(a["groups"].get<Strings>(),
            (Strings{"x25519", "secp256r1", "x448", "secp521r1", "secp384r1", "ffdhe2048",
                     "ffdhe3072", "ffdhe4096", "ffdhe6144", "ffdhe8192"}));
  // TLS 1.2 is required by every current profile.
  for (const auto& [id, status] : verdicts("OSSL_TLS13")) EXPECT_EQ(status, "fail") << id;
}

TEST_F(TlsAudit, CertificateFindings) {
  EXPECT_TRUE(audit("OSSL_EXPIRED")["cert"]["expired"].get<bool>());
  EXPECT_EQ(finding_ids("OSSL_EXPIRED").count("TLS-CERT-EXPIRED"), 1U);
  EXPECT_TRUE(audit("OSSL_SELF")["cert"]["self_signed"].get<bool>());
  EXPECT_EQ(audit("OSSL_SELF")["cert"]["key_type"], "EC");
  EXPECT_EQ(finding_ids("OSSL_SELF").count("TLS-CERT-SELF-SIGNED"), 1U);
  EXPECT_EQ(audit("OSSL_WEAK")["cert"]["key_bits"], 1024);
  EXPECT_EQ(audit("OSSL_WEAK")["dh_bits"], 1024);
  EXPECT_EQ(finding_ids("OSSL_WEAK").count("TLS-CERT-WEAK-KEY"), 1U);
  EXPECT_EQ(finding_ids("OSSL_CA").count("TLS-CERT-SELF-SIGNED"), 0U);
  EXPECT_EQ(finding_ids("OSSL_CA").count("TLS-CERT-EXPIRED"), 0U);
  EXPECT_EQ(audit("OSSL_CA")["chain"].size(), 2U);
}

TEST_F(TlsAudit, ClientCertificatePolicy) {
  EXPECT_TRUE(audit("OSSL_TLS13_REQUIRE")["client_cert_required"].get<bool>());
  EXPECT_TRUE(audit("OSSL_TLS12_REQUEST")["client_cert_requested"].get<bool>());
  EXPECT_FALSE(audit("OSSL_TLS12_REQUEST")["client_cert_required"].get<bool>());
  EXPECT_EQ(finding_ids("OSSL_TLS12_REQUEST").count("TLS-NO-CLIENT-AUTH"), 0U);
  EXPECT_EQ(finding_ids("OSSL_CA").count("TLS-NO-CLIENT-AUTH"), 1U);
}

TEST_F(TlsAudit, BrokenPeersGetClearStatuses) {
  auto status = [](int p) { return g_records[p]["status"].get<std::string>(); };
  auto detail = [](int p) { return g_records[p]["detail"].get<std::string>(); };
  EXPECT_EQ(status(g_fault_ports["silent"]), "io-timeout");
  EXPECT_EQ(detail(g_fault_ports["silent"]), "no answer to ClientHello");
  EXPECT_EQ(status(g_fault_ports["http"]), "protocol-error");
  EXPECT_EQ(status(g_fault_ports["reset"]), "tls-error");
  EXPECT_EQ(detail(g_fault_ports["reset"]), "connection reset in answer to ClientHello");
  EXPECT_EQ(status(g_fault_ports["tls-truncated"]), "tls-error");
  EXPECT_NE(detail(g_fault_ports["tls-truncated"]).find("closed inside a record"),
            std::string::npos);
  EXPECT_EQ(status(g_fault_ports["tls-alert"]), "tls-error");
  EXPECT_EQ(detail(g_fault_ports["tls-alert"]),
            "no protocol version accepted (alert handshake_failure)");
  EXPECT_EQ(status(port("CLOSED")), "connection-refused");
  for (const auto& [m, p] : g_fault_ports)
    EXPECT_FALSE(g_records[p]["tls"].get<bool>() && m != "tls-alert") << m;
}

TEST_F(TlsAudit, ScanAuditsATlsPortAndSeesTheCleartextOne) {
  ASSERT_EQ(g_scan.size(), 2U);
  for (const auto& r : g_scan) {
    if (r["port"] == port("STORESCP_TLS_IC")) {
      EXPECT_TRUE(r["tls"].get<bool>());
      EXPECT_TRUE(r["dicom"].get<bool>());
      EXPECT_EQ(r["tls_audit"]["versions"].get<Strings>(), (Strings{"TLSv1.2", "TLSv1.3"}));
      EXPECT_EQ(r["tls_audit"]["ciphers"]["TLSv1.2"].get<Strings>(), kGcm4);
      EXPECT_EQ(r["tls_audit"]["plaintext_port"], port("PLAIN_STORESCP"));
      std::set<std::string> ids;
      for (const auto& f : r["findings"]) ids.insert(f["id"].get<std::string>());
      EXPECT_EQ(ids.count("TLS-PLAINTEXT-ALSO"), 1U);
      EXPECT_EQ(ids.count("DICOM-NO-TLS"), 0U);
    } else {
      EXPECT_EQ(r["port"], port("PLAIN_STORESCP"));
      EXPECT_FALSE(r["tls"].get<bool>());
      EXPECT_TRUE(r["tls_audit"].is_null());
    }
  }
}

// ---- PS3.15 profile requirements, each met by one lab server and broken by another ------
// (docs/design.md "PS3.15 profile requirements"; the rows no lab server can show, such as a
// server that picks TLS 1.2 over an offered TLS 1.3, are in tests/unit/tlsinspect.)

// Built to meet B.13: every requirement row of B.13 passes.
TEST_F(TlsAudit, ProfileB13MetByAServerBuiltForIt) {
  EXPECT_EQ(suites("OSSL_B13", "TLSv1.3").size(), 5U);
  EXPECT_EQ(verdicts("OSSL_B13")["bcp195-rfc8996-mod"], "pass");
  EXPECT_TRUE(reasons("OSSL_B13", "bcp195-rfc8996-mod").empty());
  EXPECT_EQ(verdicts("OSSL_B13")["bcp195-rfc8996"], "pass");  // TLS 1.3 chosen when offered
}

// The bug of issue 12: a TLS-1.2-only server passed B.13.
TEST_F(TlsAudit, ProfileB13FailsATls12OnlyServer) {
  EXPECT_EQ(audit("OSSL_TLS12_ONLY")["versions"].get<Strings>(), Strings{"TLSv1.2"});
  EXPECT_EQ(verdicts("OSSL_TLS12_ONLY")["bcp195-rfc8996-mod"], "fail");
  EXPECT_EQ(reasons("OSSL_TLS12_ONLY", "bcp195-rfc8996-mod"),
            Strings{"B.13: TLSv1.3 not accepted, so none of TLS_AES_128_GCM_SHA256, "
                    "TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, "
                    "TLS_AES_128_CCM_SHA256, TLS_AES_128_CCM_8_SHA256 is offered"});
  EXPECT_EQ(verdicts("OSSL_TLS12_ONLY")["bcp195-rfc8996"], "pass");  // B.12 allows TLS 1.2 only
}

TEST_F(TlsAudit, ProfileB13NeedsEveryListedTls13Suite) {
  EXPECT_EQ(reasons("OSSL_B13_NO_CCM8", "bcp195-rfc8996-mod"),
            Strings{"B.13: TLSv1.3 without TLS_AES_128_CCM_8_SHA256"});
}

// DHE with a 2048-bit group meets the size rule, but whether its length can be set is a
// configuration fact: not-determinable, never pass.
TEST_F(TlsAudit, ProfileB13DheKeyLengthIsNotDeterminable) {
  EXPECT_EQ(audit("OSSL_DHE2048")["dh_bits"], 2048);
  EXPECT_EQ(verdicts("OSSL_DHE2048")["bcp195-rfc8996-mod"], "not-determinable");
  EXPECT_EQ(reasons("OSSL_DHE2048", "bcp195-rfc8996-mod"),
            Strings{"not determinable: B.13: DHE suites accepted "
                    "(TLS_DHE_RSA_WITH_AES_128_GCM_SHA256); whether the DHE key length can be "
                    "set is not visible on the wire"});
  EXPECT_EQ(verdicts("OSSL_DHE2048")["bcp195-ext"], "pass");  // 2048 bits meets B.11
}

TEST_F(TlsAudit, ProfileDheGroupBelow2048Fails) {
  EXPECT_EQ(audit("OSSL_DHE1024")["dh_bits"], 1024);
  EXPECT_EQ(reasons("OSSL_DHE1024", "bcp195-ext"),
            Strings{"B.11: DHE group of 1024 bits (< 2048)"});
  EXPECT_EQ(verdicts("OSSL_DHE1024")["bcp195-rfc8996-mod"], "fail");
}

TEST_F(TlsAudit, ProfileCbcSuiteBreaksExtendedAndModified) {
  EXPECT_EQ(reasons("OSSL_CBC", "bcp195-ext"),
            Strings{"B.11: accepted: TLSv1.2 TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256 (not AEAD)"});
  EXPECT_EQ(verdicts("OSSL_CBC")["bcp195"], "pass");  // BCP 195 itself allows CBC
  EXPECT_EQ(verdicts("OSSL_B13")["bcp195-ext"], "pass");
}

TEST_F(TlsAudit, ProfileCurveBelow256BitsFails) {
  EXPECT_EQ(audit("OSSL_P224")["groups"].get<Strings>(), Strings{"secp224r1"});
  EXPECT_EQ(reasons("OSSL_P224", "bcp195-ext"),
            Strings{"B.11: curves below 256 bits accepted: secp224r1"});
}

// stunnel4's OpenSSL defaults: TLS 1.2 and 1.3, static-RSA CBC suites among them.
TEST_F(TlsAudit, ProfileStunnelDefaults) {
  EXPECT_EQ(verdicts("STUNNEL"), (Verdicts{{"bcp195", "pass"},
                                           {"bcp195-nd", "fail"},
                                           {"bcp195-ext", "fail"},
                                           {"bcp195-rfc8996", "pass"},
                                           {"bcp195-rfc8996-mod", "fail"},
                                           {"basic", "fail"},
                                           {"aes", "fail"},
                                           {"null", "fail"}}));
}
