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
// - at most `per_port` probes in flight to one destination port across all addresses (one
//   server behind NAT or a load balancer has one listen queue however many addresses);
// - the window halves when a connect needs a SYN retransmit (takes ~1 s while the fastest
//   connects took a few ms: the peer's listen queue overflowed) and grows back by about
//   one per window of completed probes (AIMD, as TCP does for the same reason).
// Admission order: a place in the window, a pair, a slot on its host, a slot on its port
// (host before port: a probe holding a port slot never waits for a host slot), then a rate
// token, so no token is spent while a busy host or port makes the pair wait. Waiters sleep
// on a timer that the releasing probe cancels (no polling).
//
// Failures (docs/design.md "Engine: failures and local errors"):
// - a probe or sink that throws gives an `aborted` record for its pair; the scan goes on;
// - a `local-error` result (this machine ran out of descriptors or ports) halves the window
//   and retries the pair (kLocalRetries times) before recording it; when the window is
//   already down to one and kLocalErrorStop probes admitted since then failed locally in a
//   row, the scan stops: failure() says why and interrupted() is true.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

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
  unsigned per_port = 32;       // ... to one port across addresses (issue 12 §6; backlog 50)
  bool adaptive = true;         // AIMD back-off on SYN retransmits
  bool include_closed = false;  // report refused / timed-out / unreachable pairs too
  unsigned threads = 1;         // event loops
  // Ctrl-C (docs/design.md "Ctrl-C"): the first stops new probes and gives the probes in
  // flight this long at most; then, or at a second Ctrl-C, they are cancelled and their
  // pairs recorded as `aborted`.
  std::chrono::milliseconds drain_limit{10'000};
  // What Ctrl-C does, in a sentence for the user (the command prints it on stderr). Called
  // on an engine thread; may be empty.
  std::function<void(const std::string&)> notice;
};

struct EngineStats {
  std::uint64_t done = 0;          // pairs probed
  std::uint64_t open = 0;          // pairs where something listened
  std::uint64_t dicom = 0;         // pairs that spoke DICOM
  std::uint64_t backoffs = 0;      // times the window was halved
  unsigned min_window = 0;         // smallest window reached
  std::uint64_t local_errors = 0;  // pairs recorded as local-error (after their retries)
  std::uint64_t aborted = 0;       // probes that threw (recorded as aborted)
  std::uint64_t write_errors = 0;  // records the sink refused twice (lost)
};

using ProbeFn = std::function<asio::awaitable<record::ScanRecord>(asio::any_io_executor,
                                                                  const Address&, std::uint16_t)>;
using SinkFn = std::function<void(const record::ScanRecord&)>;
// Called about twice a second while the scan runs, and once at the end with final = true.
using ProgressFn = std::function<void(const EngineStats&, bool final)>;

class Engine {
 public:
  explicit Engine(EngineOptions options);

  // Runs to completion, or until stop() or SIGINT/SIGTERM; blocks the calling thread.
  EngineStats run(PairIterator& pairs, const ProbeFn& probe, const SinkFn& sink,
                  const ProgressFn& progress = {});
  // Stops handing out new pairs; probes in flight finish and reach the sink. Any thread.
  void stop();
  // Ctrl-C left pairs unprobed or probes aborted, or the engine gave up (see failure()). A
  // Ctrl-C after the last pair was handed out, whose probes then finished, is no interruption.
  [[nodiscard]] bool interrupted() const { return interrupted_; }
  // Why the engine stopped the scan itself (local errors that would not go away), if it did.
  [[nodiscard]] std::optional<std::string> failure() const;

  // Retries of a pair whose probe ended in local-error, and the run of local errors (at
  // window 1) that stops the scan.
  static constexpr unsigned kLocalRetries = 2;
  static constexpr unsigned kLocalErrorStop = 8;

 private:
  struct Lane;
  struct Waiter;
  struct Flight;  // one per worker: the probe it runs, and how to cancel it
  using WaitQueue = std::deque<std::shared_ptr<Waiter>>;
  struct Host {
    unsigned in_flight = 0;
    WaitQueue waiters;
  };
  enum class Admit { Taken, Queued, Quit };

  asio::awaitable<void> worker(std::shared_ptr<Flight> flight);
  // Waits until try_take (called under mu_) takes what it wants; try_take queues the waiter
  // it is given when it cannot. False when the scan stops first.
  template <class TryTake>
  asio::awaitable<bool> admit(TryTake try_take);
  asio::awaitable<bool> take_token();
  void deliver(const record::ScanRecord& rec);
  void wake(WaitQueue& queue, std::size_t n);   // under mu_
  void stop_locked();                           // under mu_
  void on_connect_latency(std::uint64_t ms);    // under mu_
  void on_local_error(bool admitted_at_floor);  // under mu_
  std::size_t abort_in_flight();                // under mu_: cancels every probe running
  void on_signal();                             // lane 0

  EngineOptions options_;
  PairIterator* pairs_ = nullptr;
  const ProbeFn* probe_ = nullptr;
  const SinkFn* sink_ = nullptr;

  mutable std::mutex mu_;  // guards everything below up to sink_mu_
  EngineStats stats_;
  double window_;
  unsigned in_flight_ = 0;
  unsigned workers_ = 0;
  bool exhausted_ = false;  // the iterator returned its last pair
  WaitQueue window_waiters_;
  std::unordered_map<Address, Host, AddressHash> hosts_;
  std::unordered_map<std::uint16_t, Host> ports_;  // the same, per destination port
  bool local_floor_ = false;                       // local errors drove the window down to 1
  unsigned consecutive_local_ = 0;  // local errors in a row of probes admitted at that floor
  std::optional<std::string> failure_;
  std::uint64_t fastest_connect_ms_ = UINT64_MAX;
  std::chrono::steady_clock::time_point last_backoff_{};
  RateLimiter* limiter_ = nullptr;
  Lane* first_lane_ = nullptr;
  // Ctrl-C: seen once (stop), a second time or drain_limit later (abort).
  bool signalled_ = false;
  bool aborting_ = false;
  std::uint64_t untouched_ = 0;                   // pairs given back unprobed when the scan stopped
  std::uint64_t cancelled_ = 0;                   // probes aborted
  std::vector<std::shared_ptr<Flight>> flights_;  // one per worker, made by run()
  unsigned probing_ = 0;                          // workers running a probe now
  std::uint64_t probes_started_ = 0;              // numbers the probes (Flight::running)

  std::mutex sink_mu_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> interrupted_{false};
};

}  // namespace dicomsec::scan
