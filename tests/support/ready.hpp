// Readiness checks for tests that start or signal other processes: instead of sleeping for
// "long enough", a test waits (bounded in time, polling every few ms) until the thing it
// needs is observably true: a port is listening, a process has installed its signal
// handler, an output file has N lines. Linux only (reads /proc), like the rest of the lab.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace dicomsec::test_support {

// Polls `pred` every `every` until it is true (returns true) or `limit` has passed (returns
// false). The number of polls is bounded too: limit / every + 1.
template <class Pred>
bool wait_until(Pred pred, std::chrono::milliseconds limit,
                std::chrono::milliseconds every = std::chrono::milliseconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  const auto max_polls = limit / (every.count() > 0 ? every : std::chrono::milliseconds(1)) + 1;
  for (long long i = 0; i <= max_polls; ++i) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(every);
  }
  return pred();
}

// True when some socket on this host listens on TCP `port` (IPv4 or IPv6, any address),
// read from /proc/net/tcp{,6}; makes no connection, so it cannot disturb a server that
// serves one association at a time.
inline bool tcp_port_listening(int port) {
  constexpr const char* kListen = "0A";  // TCP_LISTEN in /proc/net/tcp's "st" column
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state;
      if (!(fields >> slot >> local >> remote >> state)) continue;
      const auto colon = local.rfind(':');
      if (colon == std::string::npos || state != kListen) continue;
      if (std::stoi(local.substr(colon + 1), nullptr, 16) == port) return true;
    }
  }
  return false;
}

// True when process `pid` has a handler installed (caught, not default, not ignored) for
// `sig`: the SigCgt mask of /proc/PID/status. False when the process is gone.
inline bool process_catches(pid_t pid, int sig) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("SigCgt:", 0) != 0) continue;
    const std::uint64_t mask = std::stoull(line.substr(7), nullptr, 16);
    return sig >= 1 && sig <= 64 && ((mask >> (sig - 1)) & 1U) != 0;
  }
  return false;
}

// Number of complete ('\n'-terminated) lines in `path`; 0 when it does not exist.
inline std::size_t complete_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::size_t n = 0;
  char buffer[65536];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    for (std::streamsize i = 0; i < in.gcount(); ++i) n += buffer[i] == '\n' ? 1 : 0;
    if (!in) break;
  }
  return n;
}

}  // namespace dicomsec::test_support
