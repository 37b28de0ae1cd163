// The audit trail reaches a real syslog collector (issue 15 §3): rsyslog started by the test
// on loopback with imudp, imtcp and imtcp over the gtls driver (RFC 5426, RFC 6587 octet
// counting, RFC 5425), writing what it receives to a file with omfile. Every DICOM audit
// message arrives over each transport, a collector whose certificate does not verify gets
// nothing, a collector that starts late still gets the messages (reconnect with back-off),
// and the patient canary never reaches the collector with --audit-phi none.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <fstream>
#include <sstream>

#include "audit/audit.hpp"
#include "pki.hpp"
#include "support/skip.hpp"

namespace dicomsec::audit {
namespace {

using namespace test_support;
using namespace std::chrono_literals;

constexpr const char* kCanaryPatient = "CANARY-PATIENT-RSYSLOG-8K2";
constexpr const char* kCanaryStudy = "1.2.826.0.1.3680043.2.1143.8.20001";

std::vector<Event> all_events() {
  std::vector<Event> out;
  for (EventType t : {EventType::ApplicationStart, EventType::BeginTransferring,
                      EventType::InstancesTransferred, EventType::Query, EventType::SecurityAlert,
                      EventType::AssociationEnd, EventType::ApplicationStop}) {
    Event e;
    e.type = t;
    e.conn = "c1";
    e.source = {"MODALITY1", "127.0.0.1", 40001, "", true};
    e.destination = {"PACS", "127.0.0.1", 40002, "", false};
    e.patient_ids = {kCanaryPatient};
    e.study_uids = {kCanaryStudy};
    if (t == EventType::InstancesTransferred) e.sop_classes = {{"1.2.840.10008.5.1.4.1.1.2", 7}};
    if (t == EventType::Query) e.query_sop_class = "1.2.840.10008.5.1.4.1.2.2.1";
    if (t == EventType::SecurityAlert) {
      e.outcome = MinorFailure;
      e.outcome_text = "calling AE title not allowed";
      e.alert = AlertKind::UseOfRestrictedFunction;
    }
    out.push_back(e);
  }
  return out;
}
constexpr int kXmlEvents = 6;  // all_events() less AssociationEnd, which is JSONL only

// rsyslogd -n with a generated configuration; the three inputs on run-time ports.
class Rsyslog {
 public:
  explicit Rsyslog(const TempDir& dir) : dir_(dir) {
    udp = free_port();
    tcp = free_port();
    tls = free_port();
    mtls = free_port();
  }
  ~Rsyslog() { stop(); }

  bool start() {
    std::ofstream(dir_ / "rsyslog.conf") << fmt::format(
        R"(global(workDirectory="{0}" maxMessageSize="64k"
  defaultNetstreamDriverCAFile="{0}/ca.pem" defaultNetstreamDriverCertFile="{0}/collector.pem"
  defaultNetstreamDriverKeyFile="{0}/collector.key")
module(load="imudp")
module(load="imtcp" maxSessions="50")
input(type="imudp" address="127.0.0.1" port="{1}")
input(type="imtcp" address="127.0.0.1" port="{2}")
input(type="imtcp" address="127.0.0.1" port="{3}" streamDriver.name="gtls" streamDriver.mode="1"
      streamDriver.authMode="anon")
input(type="imtcp" address="127.0.0.1" port="{4}" streamDriver.name="gtls" streamDriver.mode="1"
      streamDriver.authMode="x509/certvalid")
template(name="line" type="string" string="%app-name% %syslogfacility-text% %msgid% %msg%\n")
action(type="omfile" file="{0}/received.log" template="line")
)",
        dir_.path().string(), udp, tcp, tls, mtls);
    pid_ = spawn({"rsyslogd", "-n", "-f", dir_ / "rsyslog.conf", "-i", dir_ / "rsyslog.pid"},
                 dir_ / "rsyslog.out", dir_ / "rsyslog.err");
    if (pid_ <= 0) return false;
    // Ready when both TCP inputs accept.
    return eventually([&] { return listening(tcp) && listening(tls) && listening(mtls); }, 10s);
  }
  void stop() {
    stop_group(pid_);
    pid_ = -1;
  }
  [[nodiscard]] std::string received() const { return slurp(dir_ / "received.log"); }
  [[nodiscard]] int count(const std::string& app) const {
    std::istringstream in(received());
    int n = 0;
    for (std::string line; std::getline(in, line);)
      if (line.starts_with(app + " ")) ++n;
    return n;
  }
  [[nodiscard]] std::string log() const {
    return slurp(dir_ / "rsyslog.err") + slurp(dir_ / "rsyslog.out");
  }

  int udp = -1, tcp = -1, tls = -1, mtls = -1;  // mtls: senders need a certificate

 private:
  static bool listening(int port) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(fd);
    return ok;
  }
  const TempDir& dir_;
  pid_t pid_ = -1;
};

bool have_tools() {
  return access("/usr/sbin/rsyslogd", X_OK) == 0 &&
         std::filesystem::exists("/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so");
}

class AuditSyslog : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_tools())
      DICOMSEC_SKIP_OR_FAIL("rsyslog and rsyslog-gnutls are not installed (scripts/deps.sh)");
    ASSERT_EQ(make_ca(dir), 0) << shell_error(dir);
    ASSERT_EQ(make_server_cert(dir, "collector", "51"), 0) << shell_error(dir);
  }
  std::unique_ptr<Logger> open(const std::string& app, const std::string& url,
                               const std::string& ca = "", const std::string& cert = "",
                               const std::string& key = "") {
    Options o;
    o.app_name = app;
    o.syslog_url = url;
    o.tls_ca = ca;
    o.tls_cert = cert;
    o.tls_key = key;
    auto r = Logger::open(o, io);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(r.value()) : nullptr;
  }
  TempDir dir;
  asio::io_context io;
};

TEST_F(AuditSyslog, EveryMessageArrivesOverUdpTcpAndTls) {
  Rsyslog rs(dir);
  ASSERT_TRUE(rs.start()) << rs.log();
  const std::vector<std::pair<std::string, std::string>> senders = {
      {"gw-udp", fmt::format("udp://127.0.0.1:{}", rs.udp)},
      {"gw-tcp", fmt::format("tcp://127.0.0.1:{}", rs.tcp)},
      {"gw-tls", fmt::format("tls://127.0.0.1:{}", rs.tls)},
  };
  for (const auto& [app, url] : senders) {
    auto logger = open(app, url, dir / "ca.pem");
    ASSERT_TRUE(logger);
    for (const auto& e : all_events()) logger->emit(e);
    logger->flush();
    EXPECT_EQ(logger->sent(), static_cast<std::uint64_t>(kXmlEvents)) << app;
    EXPECT_EQ(logger->dropped(), 0U) << app;
  }
  for (const auto& [app, url] : senders) {
    EXPECT_TRUE(eventually([&] { return rs.count(app) == kXmlEvents; }, 10s))
        << app << " got " << rs.count(app) << "\n"
        << rs.received() << rs.log();
  }
  const std::string got = rs.received();
  // Facility authpriv, MSGID of IHE's syslog profile, one whole audit message per line
  // (octet counting kept the multi-hundred-byte messages intact over TCP and TLS).
  std::istringstream in(got);
  for (std::string line; std::getline(in, line);) {
    EXPECT_NE(line.find(" authpriv IHE+RFC-3881 "), std::string::npos) << line;
    EXPECT_NE(line.find("<AuditMessage><EventIdentification"), std::string::npos) << line;
    EXPECT_TRUE(line.ends_with("</AuditMessage>")) << line;
  }
  EXPECT_NE(got.find(R"(csd-code="110104")"), std::string::npos);
  EXPECT_EQ(got.find(kCanaryPatient), std::string::npos) << "PHI reached the collector";
  EXPECT_EQ(got.find(kCanaryStudy), std::string::npos) << "PHI reached the collector";
}

TEST_F(AuditSyslog, ACollectorWhoseCertificateDoesNotVerifyGetsNothing) {
  ASSERT_EQ(make_ca(dir, "otherca"), 0) << shell_error(dir);
  Rsyslog rs(dir);
  ASSERT_TRUE(rs.start()) << rs.log();
  auto logger = open("gw-badca", fmt::format("tls://127.0.0.1:{}", rs.tls), dir / "otherca.pem");
  ASSERT_TRUE(logger);
  for (const auto& e : all_events()) logger->emit(e);
  logger->flush();
  EXPECT_EQ(logger->sent(), 0U);
  // And the same collector under a name its certificate does not carry is refused too.
  auto misnamed = open("gw-badname", fmt::format("tls://127.0.0.2:{}", rs.tls), dir / "ca.pem");
  ASSERT_TRUE(misnamed);
  misnamed->emit(all_events().front());
  misnamed->flush();
  EXPECT_EQ(misnamed->sent(), 0U);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(rs.count("gw-badca"), 0) << rs.received();
  EXPECT_EQ(rs.count("gw-badname"), 0) << rs.received();
}

TEST_F(AuditSyslog, ACollectorThatAuthenticatesSendersTakesOnlyOneWithACertificate) {
  // IHE ATNA authenticates both ends of the syslog TLS connection: the gateway presents its
  // node certificate, and a sender without one is refused by the collector.
  ASSERT_EQ(make_server_cert(dir, "gateway", "52"), 0) << shell_error(dir);
  Rsyslog rs(dir);
  ASSERT_TRUE(rs.start()) << rs.log();
  const std::string url = fmt::format("tls://127.0.0.1:{}", rs.mtls);
  auto anonymous = open("gw-nocert", url, dir / "ca.pem");
  ASSERT_TRUE(anonymous);
  anonymous->emit(all_events().front());
  anonymous->flush();
  auto node = open("gw-node", url, dir / "ca.pem", dir / "gateway.pem", dir / "gateway.key");
  ASSERT_TRUE(node);
  for (const auto& e : all_events()) node->emit(e);
  node->flush();
  EXPECT_EQ(node->sent(), static_cast<std::uint64_t>(kXmlEvents));
  EXPECT_TRUE(eventually([&] { return rs.count("gw-node") == kXmlEvents; }, 10s))
      << rs.received() << rs.log();
  EXPECT_EQ(rs.count("gw-nocert"), 0) << rs.received();

  // Half a client identity is a configuration error, said at open.
  Options half;
  half.syslog_url = url;
  half.tls_cert = dir / "gateway.pem";
  auto r = Logger::open(half, io);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("both the certificate and the key"), std::string::npos);
}

TEST_F(AuditSyslog, ACollectorThatStartsLateStillGetsTheMessages) {
  Rsyslog rs(dir);
  auto logger = open("gw-late", fmt::format("tcp://127.0.0.1:{}", rs.tcp));
  ASSERT_TRUE(logger);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) logger->emit(all_events()[4]);
  // emit() does not wait for the missing collector.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 100ms);
  std::this_thread::sleep_for(600ms);
  EXPECT_EQ(logger->sent(), 0U);
  ASSERT_TRUE(rs.start()) << rs.log();
  // The back-off (250 ms doubling) brings the sender back within a few seconds.
  EXPECT_TRUE(eventually([&] { return rs.count("gw-late") == 3; }, 15s))
      << rs.received() << rs.log();
  EXPECT_EQ(logger->sent(), 3U);
  EXPECT_EQ(logger->dropped(), 0U);
}

}  // namespace
}  // namespace dicomsec::audit
