// The OpenSSL half of the TLS audit (issue 5) against real TLS peers: scripts/tls_lab.sh's
// storescp +tls (profiles, -ic / -rc +cf CA), openssl s_server variants (CA-signed,
// self-signed, expired, 1024-bit, TLS 1.0 only, TLS 1.3 only, client certificate required
// or requested) and stunnel4 in front of a plain storescp; and, for the failure statuses, a
// few misbehaving in-process peers (silence, close, reset, cleartext).
//
// Certificate facts are compared exactly with the lab's PEM files (read with
// certs_from_pem) and with what tls_lab.sh put into them.
//
// The lab: under ctest the fixture test integration.tls_lab.start has started one and passes
// its directory in DICOMSEC_TLS_LAB_DIR. Run directly, the binary starts its own (through
// lab_fixture.sh, whose watchdog stops it even if we die) and stops it at the end.
//
// Network rule: every connection goes to 127.0.0.1, to ports chosen at run time.

#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "probes/dicom_ul/dicom_probe.hpp"
#include "probes/tls/cert_info.hpp"
#include "probes/tls/handshake.hpp"

namespace {

using namespace dicomsec;
using probes::tls::HandshakeOptions;
using probes::tls::HandshakeResult;
using record::Status;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kSourceDir = DICOMSEC_SOURCE_DIR;
const std::set<long> kForbiddenPorts{104, 4242, 8042, 11112};

struct TlsLab {
  bool ok = false;
  bool owned = false;
  std::string dir, temp_dir, error;
  std::map<std::string, std::string> env;

  [[nodiscard]] std::string get(const std::string& key) const {
    auto it = env.find(key);
    return it == env.end() ? std::string() : it->second;
  }
  [[nodiscard]] asio::ip::tcp::endpoint endpoint(const std::string& name) const {
    const long p = std::strtol(get(name + "_PORT").c_str(), nullptr, 10);
    return {asio::ip::make_address_v4("127.0.0.1"), static_cast<unsigned short>(p)};
  }
};

TlsLab& lab() {
  static TlsLab instance;
  return instance;
}

std::string fixture_cmd(const std::string& verb, const std::string& dir) {
  return "timeout 120 bash '" + std::string(kSourceDir) + "/tests/integration/lab_fixture.sh' " +
         verb + " '" + dir + "' tls_lab.sh";
}

bool read_env(const std::string& path, TlsLab& l) {
  std::ifstream in(path);
  if (!in) {
    l.error = "cannot read " + path;
    return false;
  }
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto eq = line.find('=');
    if (eq != std::string::npos) l.env[line.substr(0, eq)] = line.substr(eq + 1);
  }
  for (const auto& [k, v] : l.env) {
    if (!k.ends_with("_PORT")) continue;
    const long p = std::strtol(v.c_str(), nullptr, 10);
    if (p < 1 || p > 65535 || kForbiddenPorts.count(p)) {
      l.error = path + ": refusing " + k + "=" + v;
      return false;
    }
  }
  if (l.get("OSSL_CA_PORT").empty() || l.get("CA_CERT").empty()) {
    l.error = path + " lacks OSSL_CA_PORT or CA_CERT";
    return false;
  }
  return true;
}

class TlsLabEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    TlsLab& l = lab();
    if (const char* shared = std::getenv("DICOMSEC_TLS_LAB_DIR"); shared && *shared) {
      l.dir = shared;
      l.ok = read_env(l.dir + "/tls.env", l);
      if (!l.ok) l.error += " (did the fixture test integration.tls_lab.start fail?)";
      return;
    }
    std::string tmpl = (fs::temp_directory_path() / "dicomsec-tlstest-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) {
      l.error = "mkdtemp failed";
      return;
    }
    l.temp_dir = tmpl;
    l.dir = tmpl + "/lab";
    l.owned = true;
    if (std::system(fixture_cmd("start", l.dir).c_str()) != 0) {
      l.error = "tls lab start failed";
      return;
    }
    l.ok = read_env(l.dir + "/tls.env", l);
  }
  void TearDown() override {
    TlsLab& l = lab();
    if (!l.owned) return;
    if (std::system(fixture_cmd("stop", l.dir).c_str()) == 0) {
      std::error_code ec;
      fs::remove_all(l.temp_dir, ec);
    }
  }
};

[[maybe_unused]] ::testing::Environment* const g_env =
    ::testing::AddGlobalTestEnvironment(new TlsLabEnvironment);

#define REQUIRE_LAB() \
  ASSERT_TRUE(lab().ok) << "TLS lab unavailable: " << lab().error

// Runs one coroutine to completion on a fresh io_context (with a generous wall-clock cap:
// the code under test has its own deadlines; this only keeps a bug from hanging ctest).
template <class T, class F>
T run(F make) {
  asio::io_context io;
  std::optional<T> out;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { out = co_await make(io.get_executor()); },
      asio::detached);
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!io.stopped() && std::chrono::steady_clock::now() < deadline) io.run_for(100ms);
  EXPECT_TRUE(out.has_value()) << "coroutine did not finish within 60 s";
  return out ? std::move(*out) : T{};
}

HandshakeOptions fast() {
  HandshakeOptions o;
  o.connect_timeout = 2000ms;
  o.io_timeout = 3000ms;
  return o;
}

HandshakeResult handshake(const asio::ip::tcp::endpoint& ep, const HandshakeOptions& o = fast()) {
  return run<HandshakeResult>([&](asio::any_io_executor ex) {
    return probes::tls::openssl_handshake(ex, ep, o);
  });
}

HandshakeResult handshake(const std::string& server, HandshakeOptions o = fast()) {
  return handshake(lab().endpoint(server), o);
}

std::vector<record::TlsCertRecord> pem(const std::string& key) {
  std::ifstream in(lab().get(key));
  std::stringstream ss;
  ss << in.rdbuf();
  return probes::tls::certs_from_pem(ss.str(), std::time(nullptr));
}

std::string describe(const HandshakeResult& r) {
  std::ostringstream s;
  s << "status=" << record::status_name(r.status) << " detail='" << r.detail
    << "' completed=" << r.completed << " version=" << r.version << " cipher=" << r.cipher
    << " chain=" << r.chain.size() << " trusted="
    << (r.trusted ? (*r.trusted ? "yes" : "no") : "unknown") << " verify_error='"
    << r.verify_error << "' requested=" << r.client_cert_requested
    << " required=" << r.client_cert_required << " alert='" << r.alert
    << "' handshakes=" << r.handshakes;
  return s.str();
}

void expect_same_cert(const record::TlsCertRecord& got, const record::TlsCertRecord& want) {
  EXPECT_EQ(got.subject, want.subject);
  EXPECT_EQ(got.issuer, want.issuer);
  EXPECT_EQ(got.sans, want.sans);
  EXPECT_EQ(got.not_before, want.not_before);
  EXPECT_EQ(got.not_after, want.not_after);
  EXPECT_EQ(got.key_type, want.key_type);
  EXPECT_EQ(got.key_bits, want.key_bits);
  EXPECT_EQ(got.sig_alg, want.sig_alg);
  EXPECT_EQ(got.sha256, want.sha256);
  EXPECT_EQ(got.self_signed, want.self_signed);
  EXPECT_EQ(got.expired, want.expired);
  EXPECT_EQ(got.not_yet_valid, want.not_yet_valid);
}

// The lab's CA-signed server certificate, as tls_lab.sh makes it.
void expect_lab_server_leaf(const record::TlsCertRecord& c) {
  EXPECT_EQ(c.subject, "CN=localhost,O=dicomsec lab");
  EXPECT_EQ(c.issuer, "CN=dicomsec lab CA,O=dicomsec lab");
  EXPECT_EQ(c.sans, (std::vector<std::string>{"DNS:localhost", "DNS:dicom.lab.invalid",
                                               "IP:127.0.0.1"}));
  EXPECT_EQ(c.key_type, "RSA");
  EXPECT_EQ(c.key_bits, 2048u);
  EXPECT_EQ(c.sig_alg, "sha256WithRSAEncryption");
  EXPECT_FALSE(c.self_signed);
  EXPECT_FALSE(c.expired);
  EXPECT_FALSE(c.not_yet_valid);
  EXPECT_EQ(c.sha256.size(), 64u);
  expect_same_cert(c, pem("SERVER_CERT").at(0));
}

// ---------------------------------------------------------------------------------------
// Certificates

TEST(TlsHandshake, CaSignedChainIsTrustedAgainstTheLabCa) {
  REQUIRE_LAB();
  auto o = fast();
  o.ca_file = lab().get("CA_CERT");
  const auto r = handshake("OSSL_CA", o);
  SCOPED_TRACE(describe(r));
  EXPECT_EQ(r.status, Status::Success);
  EXPECT_TRUE(r.completed);
  EXPECT_EQ(r.version, "TLSv1.3");
  EXPECT_EQ(r.cipher, "TLS_AES_256_GCM_SHA384");
  ASSERT_EQ(r.chain.size(), 2u);  // -cert_chain: leaf, then the CA
  expect_lab_server_leaf(r.chain[0]);
  expect_same_cert(r.chain[1], pem("CA_CERT").at(0));
  EXPECT_TRUE(r.chain[1].self_signed);
  EXPECT_EQ(r.chain[1].subject, "CN=dicomsec lab CA,O=dicomsec lab");
  EXPECT_EQ(r.trusted, std::optional<bool>(true));
  EXPECT_EQ(r.verify_error, "");
  EXPECT_FALSE(r.client_cert_requested);
  EXPECT_FALSE(r.client_cert_required);
  EXPECT_EQ(r.handshakes, 1u);
}

TEST(TlsHandshake, CaSignedChainIsNotTrustedByTheSystemStore) {
  REQUIRE_LAB();
  const auto r = handshake("OSSL_CA");  // no --ca: the system store
  SCOPED_TRACE(describe(r));
  EXPECT_EQ(r.status, Status::Success);
  EXPECT_TRUE(r.completed);  // recorded, not enforced
  ASSERT_EQ(r.chain.size(), 2u);
  EXPECT_EQ(r.trusted, std::optional<bool>(false));
  EXPECT_EQ(r.verify_error, "self-signed certificate in certificate chain");
}

TEST(TlsHandshake, SelfSignedEcCertificate) {
  REQUIRE_LAB();
  auto o = fast();
  o.ca_file = lab().get("CA_CERT");
  const auto r = handshake("OSSL_SELF", o);
  SCOPED_TRACE(describe(r));
  EXPECT_EQ(r.status, Status::Success);
  EXPECT_TRUE(r.completed);
  ASSERT_EQ(r.chain.size(), 1u);
  const auto& c = r.chain[0];
  EXPECT_EQ(c.subject, "CN=selfsigned.lab.invalid,O=dicomsec lab");
  EXPECT_EQ(c.issuer, c.subject);
  EXPECT_EQ(c.sans, std::vector<std::string>{"DNS:selfsigned.lab.invalid"});
  EXPECT_EQ(c.key_type, "EC");
  EXPECT_EQ(c.key_bits, 256u);
  EXPECT_EQ(c.sig_alg, "ecdsa-with-SHA256");
  EXPECT_TRUE(c.self_signed);
  EXPECT_FALSE(c.expired);
  expect_same_cert(c, pem("SELF_CERT").at(0));
  EXPECT_EQ(r.trusted, std::optional<bool>(false));
  EXPECT_EQ(r.verify_error, "self-signed certificate");
}

TEST(TlsHandshake, ExpiredCertificate) {
  REQUIRE_LAB();
  auto o = fast();
  o.ca_file = lab().get("CA_CERT");
  const auto r = handshake("OSSL_EXPIRED", o);
  SCOPED_TRACE(describe(r));
  EXPECT_EQ(r.status, Status::Success);
  EXPECT_TRUE(r.completed);
  ASSERT_EQ(r.chain.size(), 1u);
  const auto& c = r.chain[0];
  EXPECT_EQ(c.subject, "CN=expired.lab.invalid,O=dicomsec lab");
  EXPECT_EQ(c.not_before, "2020-01-01T00:00:00Z");
  EXPECT_EQ(c.not_after, "2021-01-01T00:00:00Z");
  EXPECT_TRUE(c.expired);
  EXPECT_FALSE(c.not_yet_valid);
  EXPECT_FALSE(c.self_signed);
  EXPECT_EQ(c.key_bits, 2048u);
  expect_same_cert(c, pem("EXPIRED_CERT").at(0));
  EXPECT_EQ(r.trusted, std::optional<bool>(false));
  EXPECT_EQ(r.verify_error, "certificate has expired");
}

TEST(TlsHandshake, WeakKeyStillYieldsItsCertificate) {
  REQUIRE_LAB();
  auto o = fast();
  o.ca_file = lab().get("CA_CERT");
  const auto r = handshake("OSSL_WEAK", o);
  SCOPED_TRACE(describe(r));
  EXPECT_EQ(r.status, Status::Success);
  EXPECT_TRUE(r.completed);  // we offer at security level 0
  ASSERT_EQ(r.chain.size(), 1u);
  EXPECT_EQ(r.chain[0].key_type, "RSA");
  EXPECT_EQ(r.chain[0].key_bits, 1024u);
  EXPECT_EQ(r.chain[0].subject, "CN=weak.lab.invalid,O=dicomsec lab");
  expect_same_cert(r.chain[0], pem("WEAK_CERT").at(0));
  EXPECT_EQ(r.trusted, std::optional<bool>(true));  // signed by the CA: the key size is a finding, not a verify error
}

TEST(TlsHandshake, Tls10OnlyServerYieldsItsCertificate) {
  REQUIRE_LAB();
  auto o = fast();
  o.ca_file = lab().get("CA_CERT");
  const auto r = handshake("OSSL_TLS10", o);
  SCOPED_TRACE(describe(r));
  EXPECT_EQ(r.status, Status::Success);
  EXPECT_TRUE(r.completed);
  EXPECT_EQ(r.version, "TLSv1.0");
  EXPECT_EQ(r.cipher, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA");
  ASSERT_EQ(r.chain.size(), 1u);
  expect_lab_server_leaf(r.chain[0]);
  EXPECT_EQ(r.trusted, std::optional<bool>(true));
}

TEST(TlsHandshake, SniIsCheckedAgainstTheCertificate) {
  REQUIRE_LAB();
  auto o = fast();
  o.ca_file = lab().get("CA_CERT");
  o.sni = "localhost";
  auto r = handshake("OSSL_CA", o);
  EXPECT_EQ(r.trusted, std::optional<bool>(true)) << describe(r);
  o.sni = "pacs.example.invalid";
  r = handshake("OSSL_CA", o);
  EXPECT_EQ(r.trusted, std::optional<bool>(false)) << describe(r);
  EXPECT_EQ(r.verify_error, "hostname mismatch");
  EXPECT_TRUE(r.completed);
}

// ---------------------------------------------------------------------------------------
// Client certificates

TEST(TlsHandshake, StorescpIgnoringPeerCertDoesNotAskForOne) {
  REQUIRE_LAB();
  const auto r = handshake("STORESCP_TLS_IC");
  SCOPED_TRACE(describe(r));
  EXPECT_EQ(r.status, Status::Success);
  EXPECT_TRUE(r.completed);
  EXPECT_EQ(r.version, "TLSv1.3");
  EXPECT_FALSE(r.client_cert_requested);
  EXPECT_FALSE(r.client_cert_required);
  ASSERT_EQ(r.chain.size(), 1u);
  expect_lab_server_leaf(r.chain[0]);
}

// storescp -rc +cf CA (and s_server -CAfile) send their certificate and the CA: OpenSSL
// completes a server's chain from the store it trusts for client certificates.
void expect_server_and_ca_chain(const std::vector<record::TlsCertRecord>& chain) {
  ASSERT_EQ(chain.size(), 2u);
  expect_lab_server_leaf(chain[0]);
  expect_same_cert(chain[1], pem("CA_CERT").at(0));
}

TEST(TlsHandshake, StorescpRequiringPeerCertTls13) {
  REQUIRE_LAB();
  const auto r = handshake("STORESCP_TLS_RC");
  SCOPED_TRACE(describe(r));
  EXPECT_EQ(r.status, Status::Success);
  EXPECT_FALSE(r.completed);
  EXPECT_EQ(r.version, "TLSv1.3");
  EXPECT_TRUE(r.client_cert_requested);
  EXPECT_TRUE(r.client_cert_required);
  EXPECT_EQ(r.alert, "certificate required");
  EXPECT_EQ(r.detail, "the server requires a client certificate (alert \"certificate required\")");
  expect_server_and_ca_chain(r.chain);
  EXPECT_FALSE(r.client_cert_accepted.has_value());

  record::TlsAuditRecord audit;
  audit.handshakes = 3;
  probes::tls::fill_audit(r, audit);
  EXPECT_EQ(audit.chain.size(), 2u);
  EXPECT_TRUE(audit.client_cert_requested);
  EXPECT_TRUE(audit.client_cert_required);
  EXPECT_EQ(audit.trusted, r.trusted);
  EXPECT_EQ(audit.handshakes, 4u);
}

// The case sslscan 2.0 gets wrong: in TLS 1.2 the server's Certificate precedes its
// CertificateRequest, so the certificate and suite are known although the handshake fails.
TEST(TlsHandshake, StorescpRequiringPeerCertTls12) {
  REQUIRE_LAB();
  auto o = fast();
  o.max_version = "TLSv1.2";
  const auto r = handshake("STORESCP_TLS_RC", o);
  SCOPED_TRACE(describe(r));
  EXPECT_EQ(r.status, Status::Success);
  EXPECT_FALSE(r.completed);
  EXPECT_EQ(r.version, "TLSv1.2");
  EXPECT_EQ(r.cipher, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384");  // DCMTK's BCP 195 order
  EXPECT_TRUE(r.client_cert_requested);
  EXPECT_TRUE(r.client_cert_required);
  EXPECT_EQ(r.alert, "handshake failure");
  expect_server_and_ca_chain(r.chain);
}

TEST(TlsHandshake, StorescpAcceptsTheLabClientCertificate) {
  REQUIRE_LAB();
  for (const char* version : {"", "TLSv1.2"}) {
    auto o = fast();
    o.max_version = version;
    o.cert_file = lab().get("CLIENT_CERT");
    o.key_file = lab().get("CLIENT_KEY");
    const auto r = handshake("STORESCP_TLS_RC", o);
    SCOPED_TRACE(describe(r));
    EXPECT_EQ(r.status, Status::Success);
    EXPECT_TRUE(r.client_cert_required);  // measured without our certificate first
    EXPECT_EQ(r.client_cert_accepted, std::optional<bool>(true));
    EXPECT_TRUE(r.completed);
    EXPECT_EQ(r.handshakes, 2u);
    EXPECT_EQ(r.version, *version ? "TLSv1.2" : "TLSv1.3");
    EXPECT_EQ(r.detail, "");
  }
}

TEST(TlsHandshake, StorescpRefusesAForeignClientCertificate) {
  REQUIRE_LAB();
  auto o = fast();
  o.cert_file = lab().get("ROGUE_CERT");
  o.key_file = lab().get("ROGUE_KEY");
  const auto r = handshake("STORESCP_TLS_RC", o);
  SCOPED_TRACE(describe(r));
  EXPECT_EQ(r.status, Status::Success);
  EXPECT_TRUE(r.client_cert_required);
  EXPECT_EQ(r.client_cert_accepted, std::optional<bool>(false));
  EXPECT_FALSE(r.completed);
  EXPECT_EQ(r.handshakes, 2u);
  EXPECT_NE(r.detail.find("refused our client certificate"), std::string::npos);
}

TEST(TlsHandshake, OpensslServerRequiringClientCertTls13) {
  REQUIRE_LAB();
  auto r = handshake("OSSL_TLS13_REQUIRE");
  SCOPED_TRACE(describe(r));
  EXPECT_EQ(r.status, Status::Success);
  EXPECT_TRUE(r.client_cert_requested);
  EXPECT_TRUE(r.client_cert_required);
  EXPECT_FALSE(r.completed);
  EXPECT_EQ(r.version, "TLSv1.3");
  expect_server_and_ca_chain(r.chain);  // s_server -CAfile completes its chain too

  auto o = fast();
  o.cert_file = lab().get("CLIENT_CERT");
  o.key_file = lab().get("CLIENT_KEY");
  r = handshake("OSSL_TLS13_REQUIRE", o);
  EXPECT_EQ(r.client_cert_accepted, std::optional<bool>(true)) << describe(r);
  EXPECT_TRUE(r.completed);
}

TEST(TlsHandshake, OpensslServerRequestingOptionalClientCertTls12) {
  REQUIRE_LAB();
  const auto r = handshake("OSSL_TLS12_REQUEST");
  SCOPED_TRACE(describe(r));
  EXPECT_EQ(r.status, Status::Success);
  EXPECT_TRUE(r.completed);
  EXPECT_EQ(r.version, "TLSv1.2");
  EXPECT_TRUE(r.client_cert_requested);
  EXPECT_FALSE(r.client_cert_required);
}

TEST(TlsHandshake, Tls13OnlyServerWithoutClientAuth) {
  REQUIRE_LAB();
  const auto r = handshake("OSSL_TLS13");
  SCOPED_TRACE(describe(r));
  EXPECT_EQ(r.status, Status::Success);
  EXPECT_TRUE(r.completed);
  EXPECT_EQ(r.version, "TLSv1.3");
  EXPECT_FALSE(r.client_cert_requested);
  EXPECT_FALSE(r.client_cert_required);
}

// ---------------------------------------------------------------------------------------
// DCMTK's PS3.15 profiles and stunnel

TEST(TlsHandshake, StorescpProfiles) {
  REQUIRE_LAB();
  struct Case {
    const char* server;
    const char* version;
    const char* cipher;
  };
  for (const Case& c : {Case{"STORESCP_TLS_PX", "TLSv1.3", "TLS_AES_256_GCM_SHA384"},
                        Case{"STORESCP_TLS_PZ", "TLSv1.2", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"},
                        Case{"STORESCP_TLS_PA", "TLSv1.2", "TLS_RSA_WITH_AES_128_CBC_SHA"},
                        Case{"STORESCP_TLS_PN", "TLSv1.2", "TLS_RSA_WITH_NULL_SHA"}}) {
    const auto r = handshake(c.server);
    SCOPED_TRACE(std::string(c.server) + ": " + describe(r));
    EXPECT_EQ(r.status, Status::Success);
    EXPECT_TRUE(r.completed);
    EXPECT_EQ(r.version, c.version);
    EXPECT_EQ(r.cipher, c.cipher);
    EXPECT_FALSE(r.client_cert_requested);
    ASSERT_EQ(r.chain.size(), 1u);
    expect_lab_server_leaf(r.chain[0]);
  }
}

TEST(TlsHandshake, StunnelInFrontOfPlainStorescp) {
  REQUIRE_LAB();
  auto o = fast();
  o.ca_file = lab().get("CA_CERT");
  const auto r = handshake("STUNNEL", o);
  SCOPED_TRACE(describe(r));
  EXPECT_EQ(r.status, Status::Success);
  EXPECT_TRUE(r.completed);
  EXPECT_FALSE(r.client_cert_requested);
  ASSERT_EQ(r.chain.size(), 1u);
  expect_lab_server_leaf(r.chain[0]);
  EXPECT_EQ(r.trusted, std::optional<bool>(true));
}

// ---------------------------------------------------------------------------------------
// Failure statuses

TEST(TlsHandshake, PlainDicomServerIsNotTls) {
  REQUIRE_LAB();
  const auto r = handshake("PLAIN_STORESCP");
  SCOPED_TRACE(describe(r));
  EXPECT_FALSE(r.completed);
  EXPECT_TRUE(r.chain.empty());
  // storescp reads our ClientHello as a bad PDU and closes with it unread: an RST.
  EXPECT_EQ(r.status, Status::TlsError);
  EXPECT_EQ(r.detail, "connection reset by the server without answering the ClientHello");
}

TEST(TlsHandshake, ClosedPortIsRefused) {
  REQUIRE_LAB();
  const auto r = handshake("CLOSED");
  EXPECT_EQ(r.status, Status::ConnectionRefused) << describe(r);
  EXPECT_EQ(r.handshakes, 0u);
}

TEST(TlsHandshake, BadClientCertificateFileIsATlsErrorBeforeConnecting) {
  REQUIRE_LAB();
  auto o = fast();
  o.ca_file = "/nonexistent/ca.pem";
  auto r = handshake("OSSL_CA", o);
  EXPECT_EQ(r.status, Status::TlsError);
  EXPECT_NE(r.detail.find("cannot load CA file"), std::string::npos) << r.detail;
  EXPECT_EQ(r.handshakes, 0u);
  o = fast();
  o.max_version = "TLSv9";
  r = handshake("OSSL_CA", o);
  EXPECT_EQ(r.status, Status::TlsError);
}

// In-process misbehaving peers: one connection each, then the thread ends.
enum class Fault { Silent, Close, Reset, Http, HalfRecord };

class FaultPeer {
 public:
  explicit FaultPeer(Fault f)
      : acceptor_(io_, {asio::ip::make_address_v4("127.0.0.1"), 0}), fault_(f) {
    thread_ = std::thread([this] { serve(); });
  }
  ~FaultPeer() {
    stop_ = true;
    if (!accepted_) {  // wake a blocking accept that never got its connection
      std::error_code ec;
      asio::ip::tcp::socket s(io_);
      s.connect(endpoint(), ec);
    }
    thread_.join();
  }
  FaultPeer(const FaultPeer&) = delete;
  FaultPeer& operator=(const FaultPeer&) = delete;
  [[nodiscard]] asio::ip::tcp::endpoint endpoint() const { return acceptor_.local_endpoint(); }

 private:
  void serve() {
    std::error_code ec;
    asio::ip::tcp::socket s(io_);
    acceptor_.accept(s, ec);
    accepted_ = true;
    if (ec || stop_) return;
    std::array<std::uint8_t, 512> buf{};
    switch (fault_) {
      case Fault::Silent: break;
      case Fault::Close: s.close(ec); return;
      case Fault::Reset:
        s.read_some(asio::buffer(buf), ec);
        s.set_option(asio::socket_base::linger(true, 0), ec);
        s.close(ec);
        return;
      case Fault::Http:
        s.read_some(asio::buffer(buf), ec);
        asio::write(s, asio::buffer(std::string_view("HTTP/1.1 400 Bad Request\r\n\r\n")), ec);
        s.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
        return;
      case Fault::HalfRecord: {
        s.read_some(asio::buffer(buf), ec);
        // A handshake record header claiming 512 bytes, then 3 of them, then silence.
        const std::uint8_t half[] = {0x16, 0x03, 0x03, 0x02, 0x00, 0x02, 0x00, 0x01};
        asio::write(s, asio::buffer(half), ec);
        break;
      }
    }
    // Silent modes: keep the connection until the test is done (a deliberate hold, not a
    // wait for readiness; the destructor sets stop_), at most 60 s.
    for (int i = 0; i < 3000 && !stop_; ++i) std::this_thread::sleep_for(20ms);
  }

  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  Fault fault_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> accepted_{false};
  std::thread thread_;
};

HandshakeOptions quick() {
  auto o = fast();
  o.io_timeout = 400ms;
  return o;
}

TEST(TlsHandshakeFaults, SilentPeerIsAnIoTimeout) {
  FaultPeer peer(Fault::Silent);
  // IoTimeout is the proof that io_timeout ended it (run()'s 60 s cap catches a hang); how
  // soon is a benchmark's question, not a wall-clock bound here.
  const auto r = handshake(peer.endpoint(), quick());
  EXPECT_EQ(r.status, Status::IoTimeout) << describe(r);
  EXPECT_EQ(r.detail, "no answer to the ClientHello");
}

TEST(TlsHandshakeFaults, HalfARecordThenSilenceIsAnIoTimeout) {
  FaultPeer peer(Fault::HalfRecord);
  const auto r = handshake(peer.endpoint(), quick());
  EXPECT_EQ(r.status, Status::IoTimeout) << describe(r);
}

TEST(TlsHandshakeFaults, ImmediateCloseIsATlsError) {
  FaultPeer peer(Fault::Close);
  const auto r = handshake(peer.endpoint(), quick());
  EXPECT_EQ(r.status, Status::TlsError) << describe(r);
  // A FIN, or an RST when our ClientHello reached the socket before it closed.
  EXPECT_TRUE(r.detail == "connection closed by the server without answering the ClientHello" ||
              r.detail == "connection reset by the server without answering the ClientHello")
      << r.detail;
}

TEST(TlsHandshakeFaults, ResetIsATlsError) {
  FaultPeer peer(Fault::Reset);
  const auto r = handshake(peer.endpoint(), quick());
  EXPECT_EQ(r.status, Status::TlsError) << describe(r);
  EXPECT_NE(r.detail.find("reset"), std::string::npos) << r.detail;
}

TEST(TlsHandshakeFaults, HttpAnswerIsNotTls) {
  FaultPeer peer(Fault::Http);
  const auto r = handshake(peer.endpoint(), quick());
  EXPECT_EQ(r.status, Status::ProtocolError) << describe(r);
  EXPECT_NE(r.detail.find("not TLS"), std::string::npos) << r.detail;
}

// ---------------------------------------------------------------------------------------
// DICOM inside TLS

record::ScanRecord dicom_tls(const std::string& server, const HandshakeOptions& t) {
  probes::DicomProbeOptions o;
  o.connect_timeout = 2000ms;
  o.io_timeout = 3000ms;
  return run<record::ScanRecord>([&](asio::any_io_executor ex) {
    return probes::dicom_probe_tls(ex, lab().endpoint(server), o, t, 42);
  });
}

std::string describe(const record::ScanRecord& r) {
  return "status=" + std::string(record::status_name(r.status)) + " detail='" + r.detail +
         "' tls=" + std::to_string(r.tls) + " dicom=" + std::to_string(r.dicom);
}

void expect_dcmtk_echo(const record::ScanRecord& r) {
  EXPECT_EQ(r.status, Status::Success);
  EXPECT_TRUE(r.tls);
  EXPECT_TRUE(r.dicom);
  ASSERT_TRUE(r.association.has_value());
  EXPECT_EQ(r.association->result, record::AssociationResult::Accepted);
  EXPECT_TRUE(r.association->released);
  EXPECT_EQ(r.association->implementation_version_name,
            std::optional<std::string>("OFFIS_DCMTK_367"));
  ASSERT_TRUE(r.echo.has_value());
  EXPECT_EQ(r.echo->status, 0);
  ASSERT_TRUE(r.product.has_value());
  EXPECT_EQ(r.product->name, "DCMTK");
  EXPECT_EQ(r.product->version, std::optional<std::string>("3.6.7"));
  ASSERT_TRUE(r.called_ae_check.has_value());
  EXPECT_EQ(r.called_ae_check->result, record::AssociationResult::Accepted);  // storescp
}

TEST(DicomInsideTls, StorescpRequiringClientCertWithTheLabClientCert) {
  REQUIRE_LAB();
  HandshakeOptions t = fast();
  t.cert_file = lab().get("CLIENT_CERT");
  t.key_file = lab().get("CLIENT_KEY");
  for (const char* version : {"", "TLSv1.2"}) {
    t.max_version = version;
    const auto r = dicom_tls("STORESCP_TLS_RC", t);
    SCOPED_TRACE(describe(r));
    expect_dcmtk_echo(r);
  }
}

TEST(DicomInsideTls, StorescpRequiringClientCertWithoutOne) {
  REQUIRE_LAB();
  for (const char* version : {"", "TLSv1.2"}) {
    HandshakeOptions t = fast();
    t.max_version = version;
    const auto r = dicom_tls("STORESCP_TLS_RC", t);
    SCOPED_TRACE(describe(r));
    EXPECT_EQ(r.status, Status::TlsError);
    EXPECT_FALSE(r.dicom);
    EXPECT_FALSE(r.echo.has_value());
    EXPECT_NE(r.detail.find(*version ? "handshake failure" : "certificate required"),
              std::string::npos);
  }
}

TEST(DicomInsideTls, StorescpIgnoringPeerCert) {
  REQUIRE_LAB();
  const auto r = dicom_tls("STORESCP_TLS_IC", fast());
  SCOPED_TRACE(describe(r));
  expect_dcmtk_echo(r);
}

TEST(DicomInsideTls, StunnelInFrontOfPlainStorescp) {
  REQUIRE_LAB();
  const auto r = dicom_tls("STUNNEL", fast());
  SCOPED_TRACE(describe(r));
  expect_dcmtk_echo(r);
}

TEST(DicomInsideTls, PlainServerIsATlsError) {
  REQUIRE_LAB();
  const auto r = dicom_tls("PLAIN_STORESCP", fast());
  SCOPED_TRACE(describe(r));
  EXPECT_EQ(r.status, Status::TlsError);
  EXPECT_FALSE(r.tls);
  EXPECT_FALSE(r.dicom);
}

}  // namespace
