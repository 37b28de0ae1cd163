// The async scan engine: pulls (address, port) pairs from a shard's permutation and runs a
// probe on each, bounded by a global concurrency window, a per-host limit and a token
// bucket for new connections. Memory is O(concurrency): nothing per target is kept after
// its record has gone to the sink.
//
// Threads: `threads` event loops (one io_context each) share the pair iterator, the
// per-host table, the window and the statistics under one mutex; everything a probe does
// between those points runs on its own loop without locks. The sink is called under its
// own mutex, one record at a time.
//
// Politeness (the defaults protect fragile modalities, whose listen backlog can be tiny):
// - at most `per_host` probes in flight to one address;
// - the window halves when a connect needs a SYN retransmit (takes ~1 s while the fastest
//   connects took a few ms: the peer's listen queue overflowed) and grows back by about
//   one per window of completed probes (AIMD, as TCP does for the same reason).
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <unordered_map>

#include "record/record.hpp"
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
  unsigned concurrency = 64;    // probes in flight at most
  double rate = 500;            // new targets per second (0 = unlimited)
  unsigned per_host = 2;        // probes in flight to one address at most
  bool adaptive = true;         // AIMD back-off on SYN retransmits
  bool include_closed = false;  // report refused / timed-out / unreachable pairs too
  unsigned threads = 1;         // event loops
};

struct EngineStats {
  std::uint64_t done = 0;      // pairs probed
  std::uint64_t open = 0;      // pairs where something listened
  std::uint64_t dicom = 0;     // pairs that spoke DICOM
  std::uint64_t backoffs = 0;  // times the window was halved
  unsigned min_window = 0;     // smallest window reached
};

using ProbeFn = std::function<asio::awaitable<record::ScanRecord>(asio::any_io_executor, const Address&,
                                                          std::uint16_t)>;
using SinkFn = std::function<void(const record::ScanRecord&)>;
// Called about twice a second while the scan runs, and once at the end with final = true.
using ProgressFn = std::function<void(const EngineStats&, bool final)>;

class Engine {
 public:
  explicit Engine(EngineOptions options);

  // Runs to completion, or until stop() or SIGINT/SIGTERM; blocks the calling thread.
  EngineStats run(PairIterator& pairs, const ProbeFn& probe, const SinkFn& sink,
                  const ProgressFn& progress = {});
  // Stops handing out new pairs; probes in flight finish and reach the sink.
  void stop() { stopping_ = true; }
  [[nodiscard]] bool interrupted() const { return interrupted_; }

 private:
  struct Lane;
  asio::awaitable<void> worker();
  void on_connect_latency(std::uint64_t ms);  // under mu_

  EngineOptions options_;
  PairIterator* pairs_ = nullptr;
  const ProbeFn* probe_ = nullptr;
  const SinkFn* sink_ = nullptr;

  std::mutex mu_;  // guards everything below up to sink_mu_
  EngineStats stats_;
  double window_;
  unsigned in_flight_ = 0;
  unsigned workers_ = 0;
  std::unordered_map<Address, unsigned, AddressHash> per_host_;
  std::uint64_t fastest_connect_ms_ = UINT64_MAX;
  std::chrono::steady_clock::time_point last_backoff_{};
  RateLimiter* limiter_ = nullptr;
  Lane* first_lane_ = nullptr;

  std::mutex sink_mu_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> interrupted_{false};
};

}  // namespace dicomsec::scan
