// The async scan engine: pulls (address, port) pairs from a shard's permutation and runs a
// probe on each, bounded by a global concurrency window, a per-host limit and a token
// bucket for new connections. Memory is O(concurrency): nothing per target is kept after
// its record has gone to the sink.
//
// Politeness (the defaults protect fragile modalities, whose listen backlog can be tiny):
// - at most `per_host` probes in flight to one address;
// - the window shrinks by half when a connect needs a SYN retransmit (takes ~1 s while the
//   fastest connects took a few ms: the peer's backlog overflowed) and grows back by one
//   per completed probe (AIMD, as TCP does for the same reason).
#pragma once

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <unordered_map>

#include "scan/record.hpp"
#include "scan/targets.hpp"

namespace dicomsec::scan {

class PairIterator;
class RateLimiter;

struct AddressHash {
  std::size_t operator()(const Address& a) const noexcept {
    std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
    for (auto b : a.bytes) h = (h ^ b) * 1099511628211ULL;
    return static_cast<std::size_t>(h);
  }
};

struct EngineOptions {
  unsigned concurrency = 64;   // probes in flight at most
  double rate = 1000;          // new targets per second (0 = unlimited)
  unsigned per_host = 2;       // probes in flight to one address at most
  bool adaptive = true;        // AIMD back-off on SYN retransmits
  bool include_closed = false; // report refused / timed-out / unreachable pairs too
};

struct EngineStats {
  std::uint64_t done = 0;       // pairs probed
  std::uint64_t open = 0;       // pairs where something listened
  std::uint64_t dicom = 0;      // pairs that spoke DICOM
  std::uint64_t backoffs = 0;   // times the window was halved
  unsigned min_window = 0;      // smallest window reached
};

using ProbeFn = std::function<asio::awaitable<ScanRecord>(const Address&, std::uint16_t)>;
using SinkFn = std::function<void(const ScanRecord&)>;
// Called about twice a second while the scan runs, and once at the end with final = true.
using ProgressFn = std::function<void(const EngineStats&, bool final)>;

class Engine {
 public:
  Engine(asio::io_context& io, EngineOptions options);

  // Runs to completion (or until stop()); call from outside the io_context.
  EngineStats run(PairIterator& pairs, const ProbeFn& probe, const SinkFn& sink,
                  const ProgressFn& progress = {});
  // Stops handing out new pairs; probes in flight finish and are written. SIGINT and
  // SIGTERM do the same while run() is running.
  void stop() { stopping_ = true; }
  [[nodiscard]] bool interrupted() const { return interrupted_; }

  [[nodiscard]] const EngineStats& stats() const { return stats_; }
  [[nodiscard]] unsigned window() const { return static_cast<unsigned>(window_); }

 private:
  asio::awaitable<void> worker(PairIterator& pairs, const ProbeFn& probe, const SinkFn& sink,
                               RateLimiter& limiter);
  asio::awaitable<void> pause(std::chrono::nanoseconds d);
  asio::awaitable<void> ticker(const ProgressFn& progress);
  void on_connect_latency(std::uint64_t ms);

  asio::io_context& io_;
  EngineOptions options_;
  EngineStats stats_;
  double window_;
  unsigned in_flight_ = 0;
  unsigned workers_ = 0;
  std::unordered_map<Address, unsigned, AddressHash> per_host_;
  std::uint64_t fastest_connect_ms_ = UINT64_MAX;
  std::chrono::steady_clock::time_point last_backoff_{};
  bool stopping_ = false;
  bool interrupted_ = false;
  asio::steady_timer tick_;
  asio::signal_set signals_;
};

}  // namespace dicomsec::scan
