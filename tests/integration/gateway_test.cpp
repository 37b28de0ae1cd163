// `dicomsec gateway` end to end with real peers on loopback (issue 15 "Tests"): DCMTK
// storescu/echoscu/findscu/movescu as clients, storescp (plain and +tls -rc) and Orthanc
// as upstreams, `dicomsec tls` as the auditor. Every port is chosen at run time; every
// process is bounded in time and stopped by its process group.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "dul/pdu.hpp"
#include "support/process.hpp"
#include "support/skip.hpp"

namespace fs = std::filesystem;
using namespace dicomsec::test_support;
using namespace std::chrono_literals;

namespace {

const std::string kBin = DICOMSEC_BIN;
const std::string kSource = DICOMSEC_SOURCE_DIR;
const std::string kCanary = "GWCANARY-7Q4Z";

int connect_to(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

bool wait_port(int port, std::chrono::milliseconds limit = 10s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    const int fd = connect_to(port);
    if (fd >= 0) {
      close(fd);
      return true;
    }
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

// The data set of a Part 10 file: what follows the meta group (explicit VR LE, group length
// first: PS3.10 7.1).
std::string data_set(const fs::path& p) {
  const std::string b = slurp(p);
  if (b.size() < 144 || b.compare(128, 4, "DICM") != 0) return {};
  const auto* u = reinterpret_cast<const unsigned char*>(b.data()) + 140;
  const std::size_t glen =
      u[0] | (u[1] << 8) | (u[2] << 16) | (static_cast<std::size_t>(u[3]) << 24);
  return b.substr(144 + glen);
}

struct Proc {
  pid_t pid = -1;
  int port = 0;
  fs::path err;
  ~Proc() { stop_group(pid); }
};

class GatewayTest : public ::testing::Test {
 protected:
  static inline fs::path dir_;
  static inline fs::path certs_;
  static inline fs::path src_;

  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("dicomsec-gateway-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    certs_ = dir_ / "certs";
    src_ = dir_ / "src";
    ASSERT_EQ(run({"bash", kSource + "/tests/integration/gateway_certs.sh", certs_.string()}), 0);
    // Four 3 MB objects and one of 12 MB (hundreds of P-DATA PDUs each way).
    ASSERT_EQ(run({"/usr/bin/python3", kSource + "/scripts/make_dicom.py", "--out", src_.string(),
                   "--count", "4", "--size", "3000000", "--patient-id", kCanary}),
              0);
    ASSERT_EQ(run({"/usr/bin/python3", kSource + "/scripts/make_dicom.py", "--out",
                   (src_ / "big").string(), "--count", "1", "--size", "12000000", "--seed", "2",
                   "--patient-id", kCanary}),
              0);
    fs::rename(src_ / "big" / "img00000.dcm", src_ / "big.dcm");
    fs::remove_all(src_ / "big");
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  static int run(const std::vector<std::string>& argv, std::chrono::milliseconds limit = 60s,
                 std::string* output = nullptr) {
    static int n = 0;
    const auto out = dir_ / ("run" + std::to_string(++n) + ".out");
    const pid_t pid = spawn(argv, out, out);
    const int rc = wait_for(pid, limit);
    if (output != nullptr) *output = slurp(out);
    return rc;
  }

  std::vector<std::string> sources() const {
    std::vector<std::string> v;
    for (const auto& e : fs::directory_iterator(src_))
      if (e.path().extension() == ".dcm") v.push_back(e.path().string());
    std::sort(v.begin(), v.end());
    return v;
  }

  // storescp --fork +B (bit-preserving) into `out`, with extra arguments (TLS).
  std::unique_ptr<Proc> storescp(const fs::path& out, std::vector<std::string> extra = {}) {
    fs::create_directories(out);
    auto p = std::make_unique<Proc>();
    p->port = free_port();
    std::vector<std::string> argv = {"storescp", "--fork", "+B", "-od", out.string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(std::to_string(p->port));
    p->err = out.string() + ".log";
    p->pid = spawn(argv, p->err, p->err);
    EXPECT_TRUE(wait_port(p->port)) << slurp(p->err);
    return p;
  }

  std::unique_ptr<Proc> gateway(int upstream_port, std::vector<std::string> extra) {
    auto p = std::make_unique<Proc>();
    p->port = free_port();
    static int n = 0;
    p->err = dir_ / ("gateway" + std::to_string(++n) + ".log");
    std::vector<std::string> argv = {kBin,         "gateway",
                                     "--listen",   "127.0.0.1:" + std::to_string(p->port),
                                     "--upstream", "127.0.0.1:" + std::to_string(upstream_port)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    p->pid = spawn(argv, p->err, p->err);
    EXPECT_TRUE(wait_port(p->port)) << slurp(p->err);
    return p;
  }

  std::vector<std::string> tls_client(const std::string& who = "client") const {
    return {"+tls", (certs_ / (who + ".key")).string(), (certs_ / (who + ".pem")).string(), "+cf",
            (certs_ / "ca.pem").string()};
  }
  std::vector<std::string> tls_in() const {
    return {"--tls-in",
            "--cert",
            (certs_ / "server.pem").string(),
            "--key",
            (certs_ / "server.key").string(),
            "--client-ca",
            (certs_ / "ca.pem").string(),
            "--require-client-cert"};
  }

  int echo(int port, const std::string& calling, const std::string& called,
           std::vector<std::string> extra = {}, std::string* out = nullptr) {
    std::vector<std::string> argv = {"echoscu", "-to",   "10",   "-ta", "10",
                                     "-aet",    calling, "-aec", called};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back("127.0.0.1");
    argv.push_back(std::to_string(port));
    return run(argv, 30s, out);
  }

  // Every source object arrived once, its data set byte for byte.
  void expect_identical(const fs::path& received) {
    std::multiset<std::string> want, got;
    for (const auto& s : sources()) want.insert(data_set(s));
    for (const auto& e : fs::directory_iterator(received))
      if (e.is_regular_file()) got.insert(data_set(e.path()));
    EXPECT_EQ(got.size(), want.size());
    EXPECT_TRUE(got == want) << "a received data set differs from every source";
  }

  void expect_no_canary(const Proc& gw) {
    EXPECT_EQ(slurp(gw.err).find(kCanary), std::string::npos) << "patient ID in the gateway log";
  }
};

TEST_F(GatewayTest, TlsInRelaysEveryObjectByteIdentical) {
  const auto in = dir_ / "tls-in";
  auto scp = storescp(in);
  auto gw = gateway(scp->port, tls_in());
  std::vector<std::string> argv = {"storescu", "-to",      "20",   "-ta",    "20",
                                   "-aet",     "STORESCU", "-aec", "ANY-SCP"};
  for (const auto& a : tls_client()) argv.push_back(a);
  argv.push_back("127.0.0.1");
  argv.push_back(std::to_string(gw->port));
  for (const auto& s : sources()) argv.push_back(s);
  std::string out;
  ASSERT_EQ(run(argv, 120s, &out), 0) << out << slurp(gw->err);
  expect_identical(in);
  const auto log = slurp(gw->err);
  EXPECT_NE(log.find("STORESCU->ANY-SCP accepted, released"), std::string::npos) << log;
  EXPECT_NE(log.find(" 5 stored"), std::string::npos) << log;
  expect_no_canary(*gw);
}

TEST_F(GatewayTest, TlsOutToStorescpRequiringClientCertificate) {
  const auto in = dir_ / "tls-out";
  // storescp +tls with its default -rc: a client certificate signed by the CA is required.
  auto scp = storescp(in, {"+tls", (certs_ / "server.key").string(),
                           (certs_ / "server.pem").string(), "+cf", (certs_ / "ca.pem").string()});
  auto gw =
      gateway(scp->port, {"--tls-out", "--upstream-ca", (certs_ / "ca.pem").string(),
                          "--upstream-cert", (certs_ / "client.pem").string(), "--upstream-key",
                          (certs_ / "client.key").string(), "--upstream-name", "localhost"});
  std::vector<std::string> argv = {"storescu",
                                   "-to",
                                   "20",
                                   "-ta",
                                   "20",
                                   "-aet",
                                   "MODALITY",
                                   "-aec",
                                   "ANY-SCP",
                                   "127.0.0.1",
                                   std::to_string(gw->port)};
  for (const auto& s : sources()) argv.push_back(s);
  std::string out;
  ASSERT_EQ(run(argv, 120s, &out), 0) << out << slurp(gw->err) << slurp(scp->err);
  expect_identical(in);
  // Without our client certificate the same storescp refuses the gateway: 2/2/1 to the
  // modality, counted as an upstream TLS failure.
  auto bare = gateway(scp->port, {"--tls-out", "--upstream-ca", (certs_ / "ca.pem").string(),
                                  "--upstream-name", "localhost"});
  EXPECT_NE(echo(bare->port, "MODALITY", "ANY-SCP"), 0);
  EXPECT_NE(slurp(bare->err).find("refused upstream-unavailable 2/2/1"), std::string::npos)
      << slurp(bare->err);
}

// A raw client: sends an A-ASSOCIATE-RQ and returns the 10-byte A-ASSOCIATE-RJ (or the AC's
// first bytes); keeps the socket in *fd when asked.
std::string raw_associate(int port, const std::string& calling, const std::string& called,
                          int* keep = nullptr) {
  dicomsec::dul::AssociateRq rq;
  rq.calling_ae = calling;
  rq.called_ae = called;
  dicomsec::dul::PresentationContextRq pc;
  pc.id = 1;
  pc.abstract_syntax = "1.2.840.10008.1.1";
  pc.transfer_syntaxes = {"1.2.840.10008.1.2"};
  rq.contexts.push_back(pc);
  rq.user_info.max_length = 16384;
  rq.user_info.implementation_class_uid = "1.2.3.4";
  const auto bytes = dicomsec::dul::encode(dicomsec::dul::Pdu{rq}).value();
  const int fd = connect_to(port);
  if (fd < 0) return "connect failed";
  if (send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(bytes.size())) {
    close(fd);
    return "write failed";
  }
  std::string got(10, '\0');
  std::size_t have = 0;
  while (have < got.size()) {
    const ssize_t n = read(fd, got.data() + have, got.size() - have);
    if (n <= 0) break;
    have += static_cast<std::size_t>(n);
  }
  got.resize(have);
  if (keep != nullptr)
    *keep = fd;
  else
    close(fd);
  return got;
}

std::string rj(int result, int source, int reason) {
  return std::string("\x03\x00\x00\x00\x00\x04\x00", 7) + static_cast<char>(result) +
         static_cast<char>(source) + static_cast<char>(reason);
}

TEST_F(GatewayTest, RefusalsCarryTheirExactCodes) {
  auto scp = storescp(dir_ / "refusals");
  const auto audit_file = dir_ / "refusals-audit.jsonl";
  auto gw = gateway(
      scp->port, {"--allow", "ECHOSCU:ANY-SCP@127.0.0.0/8", "--allow", "FARAWAY@::1/128",
                  "--max-associations", "1", "--artim", "5", "--audit-jsonl", audit_file.string()});
  std::string out;
  EXPECT_EQ(echo(gw->port, "ECHOSCU", "ANY-SCP"), 0) << slurp(gw->err);
  EXPECT_NE(echo(gw->port, "STRANGER", "ANY-SCP", {}, &out), 0);
  EXPECT_NE(out.find("Calling AE Title Not Recognized"), std::string::npos) << out;
  EXPECT_NE(echo(gw->port, "ECHOSCU", "ELSEWHERE", {}, &out), 0);
  EXPECT_NE(out.find("Called AE Title Not Recognized"), std::string::npos) << out;
  EXPECT_NE(echo(gw->port, "FARAWAY", "ANY-SCP", {}, &out), 0);
  EXPECT_NE(out.find("Rejected Permanent, Source: Service User"), std::string::npos) << out;
  EXPECT_NE(out.find("No Reason"), std::string::npos) << out;
  // The exact bytes (PS3.8 9.3.4): result, source, reason.
  EXPECT_EQ(raw_associate(gw->port, "STRANGER", "ANY-SCP"), rj(1, 1, 3));
  EXPECT_EQ(raw_associate(gw->port, "ECHOSCU", "ELSEWHERE"), rj(1, 1, 7));
  EXPECT_EQ(raw_associate(gw->port, "FARAWAY", "ANY-SCP"), rj(1, 1, 1));
  // One association held open: the next is refused 2/3/2 (transient, local limit).
  int held = -1;
  const auto first = raw_associate(gw->port, "ECHOSCU", "ANY-SCP", &held);
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(first[0], '\x02');  // A-ASSOCIATE-AC
  EXPECT_NE(echo(gw->port, "ECHOSCU", "ANY-SCP", {}, &out), 0);
  EXPECT_NE(out.find("Rejected Transient"), std::string::npos) << out;
  EXPECT_NE(out.find("Local Limit Exceeded"), std::string::npos) << out;
  EXPECT_EQ(raw_associate(gw->port, "ECHOSCU", "ANY-SCP"), rj(2, 3, 2));
  close(held);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(echo(gw->port, "ECHOSCU", "ANY-SCP"), 0) << slurp(gw->err);
  const auto log = slurp(gw->err);
  for (const char* line : {"refused calling-ae 1/1/3", "refused called-ae 1/1/7",
                           "refused source-address 1/1/1", "refused capacity 2/3/2"})
    EXPECT_NE(log.find(line), std::string::npos) << line << "\n" << log;
  const auto audit = slurp(audit_file);
  for (const char* what :
       {"calling-ae (1/1/3)", "called-ae (1/1/7)", "source-address (1/1/1)", "capacity (2/3/2)"})
    EXPECT_NE(audit.find(what), std::string::npos) << what << "\n" << audit.substr(0, 2000);
}

TEST_F(GatewayTest, HostileAeTitleGivesOneLogLineAndWellFormedAuditXml) {
  // A calling AE with a newline, ESC and 0xFF: refused, logged on exactly one line with no
  // control byte, and the Security Alert sent over syslog is XML that xmllint accepts.
  if (access("/usr/bin/xmllint", X_OK) != 0)
    DICOMSEC_SKIP_OR_FAIL("xmllint (libxml2-utils) is not installed");
  const int udp = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(udp, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(udp, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t alen = sizeof a;
  ASSERT_EQ(getsockname(udp, reinterpret_cast<sockaddr*>(&a), &alen), 0);
  timeval tv{1, 0};
  setsockopt(udp, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  auto gw = gateway(free_port(),  // refused before any upstream connection
                    {"--allow", "ECHOSCU", "--audit-syslog",
                     "udp://127.0.0.1:" + std::to_string(ntohs(a.sin_port))});
  const std::string hostile = "EV\nFORGED\x1b[1m\xFF";
  EXPECT_EQ(raw_associate(gw->port, hostile, "ANY-SCP"), rj(1, 1, 3));
  std::vector<std::string> alerts;
  for (int i = 0; i < 20 && alerts.empty(); ++i) {  // bounded: 20 x 1 s
    std::string buf(65536, '\0');
    const ssize_t n = recv(udp, buf.data(), buf.size(), 0);
    if (n <= 0) continue;
    buf.resize(static_cast<std::size_t>(n));
    if (buf.find("110113") != std::string::npos) alerts.push_back(buf);
  }
  close(udp);
  ASSERT_EQ(alerts.size(), 1U) << slurp(gw->err);
  const auto bom = alerts[0].find("\xEF\xBB\xBF");
  ASSERT_NE(bom, std::string::npos);
  const fs::path xml = dir_ / "hostile-alert.xml";
  std::ofstream(xml) << alerts[0].substr(bom + 3);
  EXPECT_EQ(run({"xmllint", "--noout", "--relaxng",
                 kSource + "/tests/data/audit/dicom-audit-message.rng", xml.string()},
                20s),
            0)
      << alerts[0];
  const auto log = slurp(gw->err);
  EXPECT_EQ(log.find('\x1b'), std::string::npos) << log;
  EXPECT_EQ(log.find('\xFF'), std::string::npos) << log;
  EXPECT_EQ(log.find("\nFORGED"), std::string::npos) << log;
  std::size_t lines = 0;
  for (std::size_t p = log.find("FORGED"); p != std::string::npos; p = log.find("FORGED", p + 1))
    ++lines;
  EXPECT_EQ(lines, 1U) << log;
  EXPECT_NE(log.find("EV?FORGED?[1m?->ANY-SCP refused calling-ae 1/1/3"), std::string::npos) << log;
}

TEST_F(GatewayTest, AddressOutsideEveryCidrIsClosedWithoutAnAnswer) {
  auto scp = storescp(dir_ / "cidr");
  auto gw = gateway(scp->port, {"--allow", "ECHOSCU@::1/128"});
  EXPECT_EQ(raw_associate(gw->port, "ECHOSCU", "ANY-SCP"), "");
  EXPECT_NE(slurp(gw->err).find("closed: address outside every --allow @CIDR"), std::string::npos);
}

TEST_F(GatewayTest, CertificateBindsTheCallingAe) {
  auto scp = storescp(dir_ / "binding");
  auto extra = tls_in();
  extra.push_back("--bind-cert-ae");
  auto gw = gateway(scp->port, extra);
  std::string out;
  EXPECT_EQ(echo(gw->port, "STORESCU", "ANY-SCP", tls_client()), 0) << slurp(gw->err);
  EXPECT_NE(echo(gw->port, "IMPOSTOR", "ANY-SCP", tls_client(), &out), 0);
  EXPECT_NE(out.find("Calling AE Title Not Recognized"), std::string::npos) << out;
  EXPECT_NE(echo(gw->port, "STORESCU", "ANY-SCP", tls_client("other"), &out), 0);
  EXPECT_NE(out.find("Calling AE Title Not Recognized"), std::string::npos) << out;
  EXPECT_NE(slurp(gw->err).find("refused cert-binding 1/1/3"), std::string::npos);
}

TEST_F(GatewayTest, EveryProfilePassesTheTlsAudit) {
  auto scp = storescp(dir_ / "profiles");
  for (const std::string profile :
       {"bcp195", "bcp195-nd", "bcp195-ext", "bcp195-rfc8996", "bcp195-rfc8996-mod"}) {
    auto extra = std::vector<std::string>{"--tls-in",
                                          "--cert",
                                          (certs_ / "server.pem").string(),
                                          "--key",
                                          (certs_ / "server.key").string(),
                                          "--profile",
                                          profile};
    auto gw = gateway(scp->port, extra);
    std::string out;
    ASSERT_EQ(run({kBin, "tls", "-q", "127.0.0.1:" + std::to_string(gw->port)}, 120s, &out), 0)
        << out;
    const auto line = out.substr(out.find('{'));
    const auto rec = nlohmann::json::parse(line.substr(0, line.find('\n')));
    EXPECT_EQ(rec["tls_audit"]["profiles"][profile]["status"], "pass")
        << profile << ": " << rec["tls_audit"]["profiles"][profile].dump();
  }
}

TEST_F(GatewayTest, OrthancBehindTheGatewayAnswersFindAndMove) {
  const auto d = dir_ / "orthanc";
  fs::create_directories(d / "storage");
  fs::create_directories(d / "index");
  const auto dest_dir = d / "moved";
  auto dest = storescp(dest_dir);
  const int dicom = free_port(), http = free_port();
  {
    std::ofstream cfg(d / "orthanc.json");
    cfg << "{\"Name\":\"gw-test\",\"StorageDirectory\":\"" << (d / "storage").string()
        << "\",\"IndexDirectory\":\"" << (d / "index").string()
        << "\",\"Plugins\":[],\"HttpServerEnabled\":true,\"HttpPort\":" << http
        << ",\"RemoteAccessAllowed\":false,\"DicomServerEnabled\":true,\"DicomAet\":\"ORTHANC\","
           "\"DicomPort\":"
        << dicom
        << ",\"DicomCheckCalledAet\":false,\"DicomAlwaysAllowFind\":true,"
           "\"DicomAlwaysAllowMove\":true,\"DicomModalities\":{\"dest\":[\"DEST\",\"127.0.0.1\","
        << dest->port << "]}}";
  }
  Proc orthanc;
  orthanc.err = d / "orthanc.log";
  orthanc.pid = spawn({"Orthanc", (d / "orthanc.json").string()}, orthanc.err, orthanc.err);
  if (!wait_port(dicom, 30s) || !wait_port(http, 30s)) {
    DICOMSEC_SKIP_OR_FAIL("Orthanc did not start: " << slurp(orthanc.err));
  }
  const auto file = sources().front();
  ASSERT_EQ(run({"curl", "-sf", "-X", "POST", "--data-binary", "@" + file,
                 "http://127.0.0.1:" + std::to_string(http) + "/instances"}),
            0);
  auto gw = gateway(dicom, {"--allow", "FINDSCU", "--allow", "MOVESCU"});
  fs::create_directories(d / "found");
  std::string out;
  const auto port = std::to_string(gw->port);
  ASSERT_EQ(run({"findscu", "-to", "10", "-S", "-aet", "FINDSCU", "-aec", "ORTHANC", "-k",
                 "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID", "-X", "--output-directory",
                 (d / "found").string(), "127.0.0.1", port},
                60s, &out),
            0)
      << out;
  std::size_t found = 0;
  for (const auto& e : fs::directory_iterator(d / "found")) found += e.is_regular_file() ? 1 : 0;
  EXPECT_EQ(found, 1U) << out;
  ASSERT_EQ(
      run({"movescu", "-to", "10", "-S", "-aet", "MOVESCU", "-aec", "ORTHANC", "-aem", "DEST", "-k",
           "QueryRetrieveLevel=PATIENT", "-k", "PatientID=" + kCanary, "127.0.0.1", port},
          60s, &out),
      0)
      << out;
  std::size_t moved = 0;
  for (const auto& e : fs::directory_iterator(dest_dir)) moved += e.is_regular_file() ? 1 : 0;
  EXPECT_EQ(moved, 1U) << out << slurp(gw->err);
  const auto log = slurp(gw->err);
  EXPECT_NE(log.find("FINDSCU->ORTHANC accepted, released"), std::string::npos) << log;
  EXPECT_NE(log.find("MOVESCU->ORTHANC accepted, released"), std::string::npos) << log;
  expect_no_canary(*gw);
}

// Sends bytes, then reads until the gateway closes (or 10 s): what came back.
std::string send_and_drain(int fd, const std::string& bytes) {
  if (!bytes.empty() && send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) < 0)
    return "write failed";
  std::string got;
  char buf[4096];
  for (int i = 0; i < 1000; ++i) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  return got;
}

TEST_F(GatewayTest, BadInputLeavesTheGatewayServing) {
  auto scp = storescp(dir_ / "bad");
  const auto audit_file = dir_ / "bad-audit.jsonl";
  auto gw = gateway(scp->port, {"--artim", "2", "--max-associations", "50", "--audit-jsonl",
                                audit_file.string()});
  const auto tls_port = free_port();
  Proc tls_gw;
  tls_gw.err = dir_ / "bad-tls.log";
  tls_gw.pid = spawn(
      {kBin, "gateway", "--listen", "127.0.0.1:" + std::to_string(tls_port), "--upstream",
       "127.0.0.1:" + std::to_string(scp->port), "--tls-in", "--cert",
       (certs_ / "server.pem").string(), "--key", (certs_ / "server.key").string(), "--artim", "2"},
      tls_gw.err, tls_gw.err);
  ASSERT_TRUE(wait_port(tls_port));

  // A PDU header claiming 4 GB: aborted after six bytes, nothing buffered or forwarded.
  int fd = connect_to(gw->port);
  const auto t0 = std::chrono::steady_clock::now();
  send_and_drain(fd, std::string("\x01\x00\xff\xff\xff\xff", 6));
  close(fd);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  // Garbage before the RQ: an HTTP request, then an unknown PDU type with a small length.
  fd = connect_to(gw->port);
  send_and_drain(fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  close(fd);
  fd = connect_to(gw->port);
  send_and_drain(fd, std::string("\x09\x00\x00\x00\x00\x04junk", 10));
  close(fd);
  // TLS garbage: a record header with nonsense after it.
  fd = connect_to(tls_port);
  send_and_drain(fd, std::string("\x16\x03\x01\x00\x05\xff\xff\xff\xff\xff", 10));
  close(fd);
  // Slow loris: one byte of a real RQ every 500 ms; ARTIM (2 s) closes it.
  fd = connect_to(gw->port);
  const auto slow0 = std::chrono::steady_clock::now();
  bool closed = false;
  const std::string rq_start("\x01\x00\x00\x00\x00\xcd\x00\x01", 8);
  for (char ch : rq_start) {
    if (send(fd, &ch, 1, MSG_NOSIGNAL) != 1) {
      closed = true;
      break;
    }
    std::this_thread::sleep_for(500ms);
  }
  if (!closed) closed = send_and_drain(fd, "").size() < 64;
  close(fd);
  EXPECT_TRUE(closed);
  EXPECT_LT(std::chrono::steady_clock::now() - slow0, 8s);
  // A client that opens 10,000 connections, none of them speaking: the gateway keeps at most
  // --max-connections (2 x 50 + 64 = 164 here) open, closes the rest at accept, reports the
  // flood once instead of 10,000 times, and keeps answering. This process holds as many of
  // the 10,000 open at once as its descriptor limit allows (all of them under a hard limit of
  // 20,000), closing its oldest first when it must.
  rlimit fds{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &fds), 0);
  constexpr std::size_t kFlood = 10'000;
  if (fds.rlim_cur < kFlood + 256) {
    fds.rlim_cur = std::min<rlim_t>(kFlood + 256, fds.rlim_max);
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &fds), 0);
  }
  const std::size_t hold = fds.rlim_cur > 512 ? fds.rlim_cur - 256 : 256;
  std::deque<int> many;
  std::size_t opened = 0, failed = 0, held_most = 0;
  const auto flood0 = std::chrono::steady_clock::now();
  while (opened + failed < kFlood && std::chrono::steady_clock::now() - flood0 < 90s) {
    if (many.size() >= hold) {
      close(many.front());
      many.pop_front();
    }
    const int c = connect_to(gw->port);
    if (c < 0) {
      ++failed;
      continue;
    }
    many.push_back(c);
    ++opened;
    held_most = std::max(held_most, many.size());
  }
  EXPECT_EQ(opened, kFlood) << failed << " connects failed";
  std::cerr << "flood: " << opened << " connections opened, " << held_most << " held at once, in "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - flood0).count()
            << " s\n";
  for (int c : many) close(c);
  many.clear();
  std::this_thread::sleep_for(500ms);

  std::string out;
  EXPECT_EQ(echo(gw->port, "ECHOSCU", "ANY-SCP", {}, &out), 0) << out << slurp(gw->err);
  EXPECT_EQ(echo(tls_port, "ECHOSCU", "ANY-SCP",
                 {"+tls", (certs_ / "client.key").string(), (certs_ / "client.pem").string(), "+cf",
                  (certs_ / "ca.pem").string()},
                 &out),
            0)
      << out << slurp(tls_gw.err);
  const auto log = slurp(gw->err);
  EXPECT_NE(log.find("pdu-too-large"), std::string::npos) << log;
  EXPECT_NE(log.find("client-protocol-error"), std::string::npos) << log;
  EXPECT_NE(log.find("artim-expired"), std::string::npos) << log;
  EXPECT_NE(slurp(tls_gw.err).find("TLS handshake failed"), std::string::npos);
  // The flood: reported at once, and in a handful of lines, not one per connection.
  std::size_t flood_lines = 0;
  for (std::size_t at = 0;
       (at = log.find("connection limit (164) reached", at)) != std::string::npos; ++at)
    ++flood_lines;
  EXPECT_GE(flood_lines, 1U) << log.substr(0, 4000);
  // One at once, then one per 10 s at most since the flood began (a slow sanitizer run takes
  // longer than the 1-2 s of a release build).
  const double flood_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - flood0).count();
  EXPECT_LE(flood_lines, 2U + static_cast<std::size_t>(flood_seconds / 10.0)) << flood_seconds;
  // Each is audited as a Security Alert (the JSONL trail of --audit-jsonl).
  std::this_thread::sleep_for(500ms);
  const auto audit = slurp(audit_file);
  for (const char* what :
       {"pdu-too-large", "client-protocol-error", "artim-expired", "connection limit (164)"})
    EXPECT_NE(audit.find(what), std::string::npos) << what << "\n" << audit.substr(0, 2000);
  EXPECT_NE(audit.find("security-alert"), std::string::npos);
  // Nothing malformed went upstream: the bad connections never reached storescp.
  EXPECT_EQ(log.find("0 bytes out, 0 stored\n") != std::string::npos, true);
}

TEST_F(GatewayTest, MetricsAndGracefulDrain) {
  auto scp = storescp(dir_ / "metrics");
  const int mport = free_port();
  auto gw =
      gateway(scp->port, {"--metrics", "127.0.0.1:" + std::to_string(mport), "--allow", "ECHOSCU"});
  ASSERT_TRUE(wait_port(mport));
  EXPECT_EQ(echo(gw->port, "ECHOSCU", "ANY-SCP"), 0);
  EXPECT_NE(echo(gw->port, "NOBODY", "ANY-SCP"), 0);
  std::string out;
  ASSERT_EQ(
      run({"curl", "-sf", "http://127.0.0.1:" + std::to_string(mport) + "/metrics"}, 10s, &out), 0);
  EXPECT_NE(out.find("dicomsec_gateway_associations_accepted_total 1"), std::string::npos) << out;
  EXPECT_NE(out.find("dicomsec_gateway_associations_rejected_total{reason=\"calling-ae\"} 1"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("dicomsec_gateway_active_associations 0"), std::string::npos) << out;
  kill(gw->pid, SIGTERM);
  EXPECT_EQ(wait_for(gw->pid, 10s), 0);
  gw->pid = -1;
  EXPECT_NE(slurp(gw->err).find("gateway: stopped"), std::string::npos);
}

TEST_F(GatewayTest, MetricsSurvivesRunningOutOfDescriptors) {
  // The gateway under a hard limit of 64 descriptors: idle connections use them up, a
  // scrape arrives meanwhile (its accept fails with EMFILE), and once the connections are
  // gone the metrics endpoint answers again instead of having stopped for good.
  auto scp = storescp(dir_ / "metrics-emfile");
  const int mport = free_port();
  const int port = free_port();
  const auto err = dir_ / "metrics-emfile.log";
  const pid_t pid = spawn(
      {"prlimit", "--nofile=64:64", kBin, "gateway", "--listen",
       "127.0.0.1:" + std::to_string(port), "--upstream", "127.0.0.1:" + std::to_string(scp->port),
       "--metrics", "127.0.0.1:" + std::to_string(mport), "--max-associations", "1000", "--allow",
       "ECHOSCU"},
      err, err);
  ASSERT_TRUE(wait_port(port) && wait_port(mport)) << slurp(err);
  std::vector<int> idle;
  for (int i = 0; i < 120; ++i) {
    const int c = connect_to(port);
    if (c < 0) break;
    idle.push_back(c);
  }
  std::this_thread::sleep_for(500ms);
  const int scrape = connect_to(mport);  // accepted by the kernel, EMFILE for the gateway
  std::this_thread::sleep_for(500ms);
  if (scrape >= 0) close(scrape);
  for (int c : idle) close(c);
  std::this_thread::sleep_for(1s);
  std::string out;
  EXPECT_EQ(run({"curl", "-sf", "--max-time", "5",
                 "http://127.0.0.1:" + std::to_string(mport) + "/metrics"},
                15s, &out),
            0)
      << out << slurp(err);
  EXPECT_NE(out.find("dicomsec_gateway_connections_total"), std::string::npos) << out;
  kill(pid, SIGTERM);
  EXPECT_EQ(wait_for(pid, 10s), 0) << slurp(err);
}

TEST_F(GatewayTest, WarnsWithoutAllowAndRejectsBadConfiguration) {
  auto scp = storescp(dir_ / "config");
  auto gw = gateway(scp->port, {});
  EXPECT_NE(slurp(gw->err).find("warning: no --allow"), std::string::npos);
  std::string out;
  EXPECT_EQ(run({kBin, "gateway", "--listen", "127.0.0.1:0", "--upstream", "127.0.0.1:1", "--allow",
                 "THIS-AE-TITLE-IS-TOO-LONG"},
                10s, &out),
            2)
      << out;
  // --config: two listeners from one YAML file, the same keys.
  const int p1 = free_port(), p2 = free_port();
  {
    std::ofstream y(dir_ / "gw.yaml");
    y << "allow: [ECHOSCU]\nlisteners:\n  - listen: 127.0.0.1:" << p1
      << "\n    upstream: 127.0.0.1:" << scp->port << "\n  - listen: 127.0.0.1:" << p2
      << "\n    upstream: 127.0.0.1:" << scp->port << "\n    rewrite-called: [FRONT:ANY-SCP]\n";
  }
  Proc multi;
  multi.err = dir_ / "multi.log";
  multi.pid =
      spawn({kBin, "gateway", "--config", (dir_ / "gw.yaml").string()}, multi.err, multi.err);
  ASSERT_TRUE(wait_port(p1) && wait_port(p2)) << slurp(multi.err);
  EXPECT_EQ(echo(p1, "ECHOSCU", "ANY-SCP"), 0);
  EXPECT_EQ(echo(p2, "ECHOSCU", "FRONT"), 0);
  EXPECT_NE(echo(p2, "OTHER", "FRONT"), 0);
  EXPECT_NE(slurp(multi.err).find("ECHOSCU->FRONT=>ANY-SCP accepted"), std::string::npos)
      << slurp(multi.err);
}

TEST_F(GatewayTest, AuditCarriesPatientIdsOnlyWithAuditPhiIds) {
  auto scp = storescp(dir_ / "phi");
  for (const std::string mode : {"none", "ids"}) {
    const auto audit_file = dir_ / ("phi-" + mode + ".jsonl");
    auto gw = gateway(scp->port, {"--audit-jsonl", audit_file.string(), "--audit-phi", mode});
    std::vector<std::string> argv = {"storescu",
                                     "-to",
                                     "20",
                                     "-ta",
                                     "20",
                                     "-aet",
                                     "STORESCU",
                                     "-aec",
                                     "ANY-SCP",
                                     "127.0.0.1",
                                     std::to_string(gw->port)};
    for (const auto& src : sources()) argv.push_back(src);
    std::string out;
    ASSERT_EQ(run(argv, 120s, &out), 0) << out;
    kill(gw->pid, SIGTERM);  // the drain flushes the trail
    EXPECT_EQ(wait_for(gw->pid, 10s), 0);
    gw->pid = -1;
    const auto audit = slurp(audit_file);
    EXPECT_NE(audit.find("instances-transferred"), std::string::npos) << audit;
    if (mode == "none")
      EXPECT_EQ(audit.find(kCanary), std::string::npos) << "patient ID with --audit-phi none";
    else
      EXPECT_NE(audit.find(kCanary), std::string::npos) << "no patient ID with --audit-phi ids";
    expect_no_canary(*gw);
  }
}

}  // namespace
