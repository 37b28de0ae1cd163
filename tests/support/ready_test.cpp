// The readiness checks of ready.hpp against this process's own sockets and signal handlers.
#include "support/ready.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace dicomsec::test_support {
namespace {

using namespace std::chrono_literals;

// A TCP socket bound to 127.0.0.1 port 0; listening when asked to.
class LoopbackSocket {
 public:
  explicit LoopbackSocket(bool listen_now) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd_ >= 0 && bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0)
      port_ = ntohs(a.sin_port);
    if (listen_now && port_ > 0 && listen(fd_, 1) != 0) port_ = 0;
  }
  ~LoopbackSocket() { close(); }
  LoopbackSocket(const LoopbackSocket&) = delete;
  LoopbackSocket& operator=(const LoopbackSocket&) = delete;
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  [[nodiscard]] int port() const { return port_; }

 private:
  int fd_;
  int port_ = 0;
};

TEST(Ready, AListeningSocketIsSeenAndAClosedOneIsNot) {
  LoopbackSocket s(true);
  ASSERT_GT(s.port(), 0);
  EXPECT_TRUE(tcp_port_listening(s.port()));
  s.close();
  EXPECT_FALSE(tcp_port_listening(s.port()));
}

TEST(Ready, ABoundButNotListeningSocketIsNotListening) {
  LoopbackSocket s(false);
  ASSERT_GT(s.port(), 0);
  EXPECT_FALSE(tcp_port_listening(s.port()));
}

extern "C" void ignore_signal(int) {}

TEST(Ready, ProcessCatchesSeesAnInstalledHandlerOnly) {
  const pid_t self = getpid();
  struct sigaction old {};
  struct sigaction sa {};
  sa.sa_handler = ignore_signal;
  sigemptyset(&sa.sa_mask);
  ASSERT_EQ(sigaction(SIGUSR2, &sa, &old), 0);
  EXPECT_TRUE(process_catches(self, SIGUSR2));
  signal(SIGUSR2, SIG_IGN);  // ignored is not caught
  EXPECT_FALSE(process_catches(self, SIGUSR2));
  signal(SIGUSR2, SIG_DFL);
  EXPECT_FALSE(process_catches(self, SIGUSR2));
  sigaction(SIGUSR2, &old, nullptr);
  EXPECT_FALSE(process_catches(-1, SIGUSR2)) << "no such process";
}

TEST(Ready, WaitUntilIsBoundedInPolls) {
  int polls = 0;
  EXPECT_FALSE(wait_until([&] { return ++polls < 0; }, 50ms, 10ms));
  EXPECT_GE(polls, 2);
  EXPECT_LE(polls, 50 / 10 + 3) << "at most limit/every + 1 polls, plus the last look";
  polls = 0;
  EXPECT_TRUE(wait_until([&] { return ++polls == 3; }, 10s, 1ms));
  EXPECT_EQ(polls, 3);
}

TEST(Ready, CompleteLinesCountsOnlyFinishedLines) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("dicomsec-ready-" + std::to_string(getpid()) + ".txt");
  EXPECT_EQ(complete_lines(path.string()), 0U) << "missing file";
  std::ofstream(path) << "{\"a\":1}\n{\"b\":2}\n{\"c\"";
  EXPECT_EQ(complete_lines(path.string()), 2U);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace dicomsec::test_support
