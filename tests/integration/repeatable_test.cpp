// Repeatable results (issue 12 §5): DCMTK storescp WITHOUT --fork serves one association at
// a time, so the follow-up associations (the random called AE check, the access checks) come
// right after a release. Ten scans in a row must give the same findings every time, and the
// random called AE check must say `checked`, never `inconclusive` or a bare `none`.
//
// Needs no lab: the test starts its own storescp on a loopback port chosen at run time and
// stops it at the end. Every connection goes to 127.0.0.1; every child has a deadline.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/process.hpp"
#include "support/ready.hpp"
#include "support/skip.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;
namespace test_support = dicomsec::test_support;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* kDicomsec = DICOMSEC_BIN;
constexpr const char* kStorescp = "/usr/bin/storescp";
constexpr int kRuns = 10;

using test_support::free_port;
using test_support::slurp;
using test_support::wait_for;

pid_t spawn(const std::vector<std::string>& args, const std::string& out, const std::string& err) {
  return test_support::spawn(args, out, err);
}

// A loopback relay in front of the storescp that passes the FIRST connection through and
// resets every later one at once (SO_LINGER 0): a server that never serves a second
// association. Single thread, poll with a timeout, bounded by `lifetime`.
class FirstOnlyRelay {
 public:
  FirstOnlyRelay(int upstream_port, std::chrono::seconds lifetime)
      : upstream_(upstream_port), deadline_(Clock::now() + lifetime) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a = loopback(0);
    socklen_t len = sizeof a;
    if (bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        listen(listener_, 16) == 0 &&
        getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len) == 0)
      port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~FirstOnlyRelay() {
    stop_ = true;
    thread_.join();
    for (int fd : {listener_, client_, server_})
      if (fd >= 0) close(fd);
  }
  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] int refused() const { return refused_; }

 private:
  static sockaddr_in loopback(int port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    return a;
  }
  void run() {
    bool first = true;
    char buf[16384];
    while (!stop_ && Clock::now() < deadline_) {
      pollfd p[3] = {{listener_, POLLIN, 0}, {client_, POLLIN, 0}, {server_, POLLIN, 0}};
      if (poll(p, 3, 50) <= 0) continue;
      if (p[0].revents & POLLIN) {
        const int fd = accept(listener_, nullptr, nullptr);
        if (fd >= 0 && first) {
          first = false;
          client_ = fd;
          server_ = socket(AF_INET, SOCK_STREAM, 0);
          const auto up = loopback(upstream_);
          if (connect(server_, reinterpret_cast<const sockaddr*>(&up), sizeof up) != 0) drop();
        } else if (fd >= 0) {
          const linger l{1, 0};
          setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
          close(fd);
          ++refused_;
        }
      }
      for (int i : {1, 2}) {
        if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        const auto n = read(p[i].fd, buf, sizeof buf);
        const int to = i == 1 ? server_ : client_;
        if (n <= 0 || to < 0 || write(to, buf, static_cast<std::size_t>(n)) != n) {
          drop();
          break;
        }
      }
    }
  }
  void drop() {
    for (int* fd : {&client_, &server_})
      if (*fd >= 0) {
        close(*fd);
        *fd = -1;
      }
  }

  int upstream_;
  Clock::time_point deadline_;
  int listener_ = -1, client_ = -1, server_ = -1, port_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<int> refused_{0};
  std::thread thread_;
};

class Repeatable : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kStorescp)) DICOMSEC_SKIP_OR_FAIL(kStorescp << " is not installed (dcmtk)");
    std::string tmpl = (fs::temp_directory_path() / "dicomsec-repeat-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    fs::create_directories(dir_ + "/in");
    port_ = free_port();
    ASSERT_GT(port_, 0);
    // No --fork: one association at a time, the behaviour under test.
    scp_ = spawn({kStorescp, "-od", dir_ + "/in", std::to_string(port_)}, dir_ + "/scp.out",
                 dir_ + "/scp.err");
    ASSERT_GT(scp_, 0);
    ASSERT_TRUE(
        test_support::wait_until([&] { return test_support::tcp_port_listening(port_); }, 10s))
        << "storescp did not listen on " << port_ << ": " << slurp(dir_ + "/scp.err");
  }
  void TearDown() override {
    if (scp_ > 0) {
      kill(-scp_, SIGTERM);
      if (wait_for(scp_, 5s) < 0) kill(-scp_, SIGKILL);
    }
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  // One scan of the storescp (or of `port`); its single record.
  json scan(const std::string& level, int run, int port = -1) {
    const auto out = dir_ + "/run" + std::to_string(run) + ".jsonl";
    const auto err = dir_ + "/run" + std::to_string(run) + ".err";
    const pid_t pid =
        spawn({kDicomsec, "scan", "127.0.0.1", "-p", std::to_string(port > 0 ? port : port_),
               "--level", level, "--no-progress", "-q", "-o", out},
              dir_ + "/stdout", err);
    EXPECT_GT(pid, 0);
    const int rc = wait_for(pid, 60s);
    EXPECT_TRUE(rc == 0 || rc == 1) << "exit " << rc << ": " << slurp(err);
    std::istringstream in(slurp(out));
    std::vector<json> records;
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) records.push_back(json::parse(line));
    EXPECT_EQ(records.size(), 1U) << slurp(out) << slurp(err);
    return records.empty() ? json::object() : records.front();
  }

  static std::set<std::string> finding_ids(const json& r) {
    std::set<std::string> ids;
    for (const auto& f : r.value("findings", json::array()))
      ids.insert(f.at("id").get<std::string>());
    return ids;
  }

  void same_findings_every_time(const std::string& level) {
    std::set<std::string> first;
    for (int i = 0; i < kRuns; ++i) {
      const auto r = scan(level, i);
      ASSERT_TRUE(r.contains("called_ae_check")) << r.dump();
      const auto& c = r["called_ae_check"];
      ASSERT_TRUE(c.is_object()) << "run " << i << ": " << r.dump();
      EXPECT_EQ(c["state"], "checked") << "run " << i << ": " << c.dump();
      EXPECT_EQ(c["result"], "accepted") << "run " << i << ": " << c.dump();
      const auto ids = finding_ids(r);
      if (i == 0) {
        first = ids;
        EXPECT_TRUE(first.contains("DICOM-ANY-CALLED-AE")) << r.dump();
        EXPECT_TRUE(first.contains("DICOM-NO-TLS")) << r.dump();
      } else {
        EXPECT_EQ(ids, first) << "run " << i << " differs: " << r.dump();
      }
      if (level != "safe") {
        ASSERT_TRUE(r["access"].is_object()) << r.dump();
        EXPECT_TRUE(r["access"]["error"].is_null()) << "run " << i << ": " << r["access"].dump();
      }
    }
  }

  std::string dir_;
  int port_ = -1;
  pid_t scp_ = -1;
};

TEST_F(Repeatable, TenSafeScansOfASingleAssociationScpAgree) { same_findings_every_time("safe"); }

TEST_F(Repeatable, TenAuthScansOfASingleAssociationScpAgree) { same_findings_every_time("auth"); }

// A server that never answers a second association: the random called AE check is tried
// a few times with back-off, then says inconclusive with the reason, and no finding claims
// either way; every run agrees.
TEST_F(Repeatable, NoSecondAssociationMakesTheCalledAeCheckInconclusive) {
  FirstOnlyRelay relay(port_, 60s);
  ASSERT_GT(relay.port(), 0);
  const auto started = Clock::now();
  const auto r = scan("safe", 0, relay.port());
  const auto took = Clock::now() - started;
  ASSERT_TRUE(r["called_ae_check"].is_object()) << r.dump();
  const auto& c = r["called_ae_check"];
  EXPECT_EQ(c["state"], "inconclusive") << c.dump();
  EXPECT_EQ(c["result"], "none") << c.dump();
  ASSERT_TRUE(c["reason"].is_string()) << c.dump();
  EXPECT_NE(c["reason"].get<std::string>().find("no DICOM answer"), std::string::npos) << c.dump();
  EXPECT_GE(c["attempts"].get<int>(), 3) << c.dump();
  EXPECT_EQ(relay.refused(), c["attempts"].get<int>()) << "one connection per try";
  EXPECT_LT(took, 10s) << "the back-off is bounded (about 2 s)";
  const auto ids = finding_ids(r);
  EXPECT_FALSE(ids.contains("DICOM-ANY-CALLED-AE")) << r.dump();
  EXPECT_TRUE(ids.contains("DICOM-NO-TLS")) << r.dump();
  EXPECT_EQ(r["association"]["result"], "accepted") << r.dump();
}

}  // namespace
