// Certificate hot reload without dropping live connections (issue 15 §4), on a TLS echo
// server built on gateway::CertStore (certstore_echo): a connection opened before the
// reload keeps echoing after it, while `openssl s_client` on a new connection sees the new
// certificate's serial. Three triggers: the file watch (rename over the old files), SIGHUP
// (files rewritten in place, polling off), and a broken file, which keeps the old
// certificate and says why.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <thread>

#include "pki.hpp"
#include "support/skip.hpp"
#include "tls_client.hpp"

namespace dicomsec::test_support {
namespace {

using namespace std::chrono_literals;

class EchoServer {
 public:
  EchoServer(const TempDir& dir, long poll_ms) : dir_(dir) {
    pid_ = spawn({CERTSTORE_ECHO_BIN, "0", dir / "live.pem", dir / "live.key", dir / "ca.pem",
                  std::to_string(poll_ms)},
                 dir / "echo.out", dir / "echo.err");
    eventually([&] { return slurp(dir_ / "echo.out").starts_with("ready "); }, 10s);
    const std::string out = slurp(dir_ / "echo.out");
    if (out.starts_with("ready ")) port = std::stoi(out.substr(6));
  }
  ~EchoServer() { stop_group(pid_); }
  [[nodiscard]] std::string log() const { return slurp(dir_ / "echo.err"); }
  bool wait_log(const std::string& needle) {
    return eventually([&] { return log().find(needle) != std::string::npos; }, 10s);
  }
  void hup() const { kill(pid_, SIGHUP); }
  int port = -1;

 private:
  const TempDir& dir_;
  pid_t pid_ = -1;
};

// Installs NAME.pem/NAME.key as live.pem/live.key: renamed over (as certbot/uacme-style
// tools and `install` do) or rewritten in place.
int install(const TempDir& dir, const std::string& name, bool rename) {
  if (rename)
    return shell(dir, fmt::format("cp {0}.key live.key.new && cp {0}.pem live.pem.new && "
                                  "mv live.key.new live.key && mv live.pem.new live.pem",
                                  name));
  return shell(dir, fmt::format("cat {0}.key > live.key && cat {0}.pem > live.pem", name));
}

class CertReload : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access("/usr/bin/openssl", X_OK) != 0) DICOMSEC_SKIP_OR_FAIL("openssl is not installed");
    ASSERT_EQ(make_ca(dir), 0) << shell_error(dir);
    for (auto [name, serial] : {std::pair{"a", "A1"}, std::pair{"b", "B2"}, std::pair{"c", "C3"}})
      ASSERT_EQ(make_server_cert(dir, name, serial), 0) << shell_error(dir);
    ASSERT_EQ(install(dir, "a", true), 0);
  }
  TempDir dir;
};

TEST_F(CertReload, FileWatchSwapsTheCertificateAndTheLiveConnectionKeepsWorking) {
  EchoServer server(dir, 100);
  ASSERT_GT(server.port, 0) << server.log();
  TlsClient live;
  ASSERT_TRUE(live.connect(server.port));
  EXPECT_EQ(live.serial(), "A1");
  EXPECT_EQ(live.echo("before reload\n"), "before reload\n");

  ASSERT_EQ(install(dir, "b", true), 0);
  ASSERT_TRUE(server.wait_log("reload ok generation 2")) << server.log();

  EXPECT_EQ(live.echo("after reload\n"), "after reload\n")
      << "the reload dropped a live connection";
  EXPECT_EQ(live.serial(), "A1");
  EXPECT_EQ(s_client_serial(dir, server.port), "B2");
  TlsClient fresh;
  ASSERT_TRUE(fresh.connect(server.port));
  EXPECT_EQ(fresh.serial(), "B2");
  EXPECT_EQ(live.echo("still alive\n"), "still alive\n");
}

TEST_F(CertReload, SighupReloadsFilesRewrittenInPlace) {
  EchoServer server(dir, 3600 * 1000);  // polling effectively off: only SIGHUP
  ASSERT_GT(server.port, 0) << server.log();
  TlsClient live;
  ASSERT_TRUE(live.connect(server.port));
  ASSERT_EQ(install(dir, "c", false), 0);
  EXPECT_EQ(s_client_serial(dir, server.port), "A1") << "nothing reloads before the signal";
  server.hup();
  ASSERT_TRUE(server.wait_log("reload ok generation 2")) << server.log();
  EXPECT_EQ(s_client_serial(dir, server.port), "C3");
  EXPECT_EQ(live.echo("ping\n"), "ping\n");
}

TEST_F(CertReload, ABrokenFileKeepsTheOldCertificateAndSaysWhy) {
  EchoServer server(dir, 100);
  ASSERT_GT(server.port, 0) << server.log();
  TlsClient live;
  ASSERT_TRUE(live.connect(server.port));

  // A key that does not match the certificate (b's key under a's certificate).
  ASSERT_EQ(shell(dir, "cp b.key live.key.new && mv live.key.new live.key"), 0);
  ASSERT_TRUE(server.wait_log("reload failed: key")) << server.log();
  EXPECT_NE(server.log().find("does not match certificate"), std::string::npos) << server.log();
  EXPECT_EQ(s_client_serial(dir, server.port), "A1");

  // A certificate file that is not PEM at all.
  ASSERT_EQ(shell(dir, "echo 'not a certificate' > live.pem.new && mv live.pem.new live.pem"), 0);
  ASSERT_TRUE(server.wait_log("reload failed: certificate")) << server.log();
  EXPECT_EQ(s_client_serial(dir, server.port), "A1");
  EXPECT_EQ(live.echo("ok\n"), "ok\n");

  // Fixed: the next change is picked up.
  ASSERT_EQ(install(dir, "b", true), 0);
  ASSERT_TRUE(server.wait_log("reload ok generation 2")) << server.log();
  EXPECT_EQ(s_client_serial(dir, server.port), "B2");
}

// The same files behind `dicomsec gateway --tls-in`: what a new TLS client sees must follow
// every reload (SIGHUP and the file watch), never a context loaded once at start.
class GatewayServer {
 public:
  explicit GatewayServer(const TempDir& dir) : dir_(dir) {
    port = free_port();
    pid_ =
        spawn({DICOMSEC_BIN, "gateway", "--listen", "127.0.0.1:" + std::to_string(port),
               "--upstream", "127.0.0.1:" + std::to_string(free_port()), "--tls-in", "--cert",
               dir / "live.pem", "--key", dir / "live.key", "--audit-jsonl", dir / "audit.jsonl"},
              dir / "gw.out", dir / "gw.err");
    if (!eventually([&] { return log().find("gateway: listening") != std::string::npos; }, 10s))
      port = -1;
  }
  ~GatewayServer() { stop_group(pid_); }
  [[nodiscard]] std::string log() const { return slurp(dir_ / "gw.err"); }
  void hup() const { kill(pid_, SIGHUP); }
  int port = -1;

 private:
  const TempDir& dir_;
  pid_t pid_ = -1;
};

// Security Configuration alerts (DCM 110129) in the gateway's JSONL trail with this outcome
// (0 reloaded, 4 refused).
int reload_alerts(const TempDir& dir, int outcome) {
  const std::string trail = slurp(dir / "audit.jsonl");
  int n = 0;
  std::size_t at = 0;
  while (at < trail.size()) {
    auto end = trail.find('\n', at);
    if (end == std::string::npos) end = trail.size();
    const std::string line = trail.substr(at, end - at);
    if (line.find("\"alert\":\"security-configuration\"") != std::string::npos &&
        line.find("\"code\":\"110113\"") != std::string::npos &&
        line.find(fmt::format("\"outcome\":{},", outcome)) != std::string::npos)
      ++n;
    at = end + 1;
  }
  return n;
}

TEST_F(CertReload, GatewayServesWhatEachReloadLoadedAndAuditsIt) {
  GatewayServer gw(dir);
  ASSERT_GT(gw.port, 0) << gw.log();
  EXPECT_EQ(s_client_serial(dir, gw.port), "A1");
  EXPECT_EQ(reload_alerts(dir, 0), 0);

  // SIGHUP after an in-place rewrite (the file watch may see it first: one or two reloads).
  ASSERT_EQ(install(dir, "c", false), 0);
  gw.hup();
  EXPECT_TRUE(eventually([&] { return s_client_serial(dir, gw.port) == "C3"; }, 10s)) << gw.log();
  ASSERT_TRUE(eventually([&] { return reload_alerts(dir, 0) >= 1; }, 5s)) << gw.log();
  // A SIGHUP with nothing changed: exactly one more reload, reported once.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const int before = reload_alerts(dir, 0);
  gw.hup();
  EXPECT_TRUE(eventually([&] { return reload_alerts(dir, 0) == before + 1; }, 5s)) << gw.log();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(reload_alerts(dir, 0), before + 1) << "one SIGHUP, one audited reload";

  // A key that does not match, seen by the file watch: refused, audited, old certificate.
  ASSERT_EQ(shell(dir, "cp b.key live.key.new && mv live.key.new live.key"), 0);
  EXPECT_TRUE(eventually([&] { return reload_alerts(dir, 4) == 1; }, 10s)) << gw.log();
  EXPECT_NE(gw.log().find("certificate reload failed, keeping the old one"), std::string::npos)
      << gw.log();
  EXPECT_EQ(s_client_serial(dir, gw.port), "C3");

  // Fixed by the file watch (2 s), no signal: served and audited.
  const int ok_before = reload_alerts(dir, 0);
  ASSERT_EQ(install(dir, "b", true), 0);
  EXPECT_TRUE(eventually([&] { return s_client_serial(dir, gw.port) == "B2"; }, 15s)) << gw.log();
  EXPECT_TRUE(eventually([&] { return reload_alerts(dir, 0) == ok_before + 1; }, 5s))
      << slurp(dir / "audit.jsonl");
}

}  // namespace
}  // namespace dicomsec::test_support
