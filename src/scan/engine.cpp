#include "scan/engine.hpp"

#include <algorithm>
#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <exception>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "scan/rate_limiter.hpp"
#include "scan/target_set.hpp"

namespace dicomsec::scan {

namespace {
using Clock = std::chrono::steady_clock;
constexpr auto kNoThrow = asio::experimental::as_tuple(asio::use_awaitable);
constexpr auto kTick = std::chrono::milliseconds(500);
// A connect this slow on a path whose fastest connect took under kFastPathMs needed a SYN
// retransmit (Linux's initial RTO is 1 s): the peer's listen queue overflowed.
constexpr std::uint64_t kRetransmitMs = 900;
constexpr std::uint64_t kFastPathMs = 100;
constexpr auto kBackoffHoldoff = std::chrono::milliseconds(500);
// Before a local-error retry: lets sockets closing elsewhere free their descriptors.
constexpr auto kLocalRetryPause = std::chrono::milliseconds(50);

asio::awaitable<void> pause(std::chrono::nanoseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(d);
  co_await t.async_wait(kNoThrow);
}

std::string what_of(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

record::ScanRecord aborted_record(std::string ip, std::uint16_t port, std::string detail) {
  record::ScanRecord rec;
  rec.ip = std::move(ip);
  rec.port = port;
  rec.status = record::Status::Aborted;
  rec.detail = std::move(detail);
  return rec;
}
}  // namespace

struct Engine::Lane {
  asio::io_context io{1};
  std::unique_ptr<asio::steady_timer> tick;   // used on lane 0
  std::unique_ptr<asio::signal_set> signals;  // lane 0 only
  std::unique_ptr<asio::steady_timer> drain;  // lane 0: drain_limit after the first Ctrl-C
};

// How a worker's probe is cancelled (Ctrl-C twice, or drain_limit after the first). The
// worker coroutine is spawned once with its completion handler bound to `signal`, so its
// cancellation state hangs off it, and the probe, awaited directly, shares that state:
// emitting on the worker's loop while the probe runs ends the probe's pending socket or
// timer operation with operation_aborted, and its next co_await throws. The worker then
// resets the state before it awaits anything itself.
// (A co_spawn per probe, bound to a per-probe signal, did the same, but cost every probe a
// new coroutine thread, two cancellation states, a shared Flight and a posted completion:
// about a tenth of the CPU of a sweep of closed ports, where a probe is one refused connect.)
struct Engine::Flight {
  explicit Flight(asio::any_io_executor e) : ex(std::move(e)) {}
  asio::any_io_executor ex;  // the worker's event loop
  asio::cancellation_signal signal;
  // Number of the probe running, 0 between probes. Written by the worker under mu_ (on its
  // loop); read under mu_, or on the worker's loop, where a posted cancel checks that the
  // probe it was meant for is still the one running.
  std::uint64_t running = 0;
  bool cancelled = false;  // under mu_: the probe running was aborted
};

// A coroutine waiting for a place (window, host slot). It sleeps on a timer that never
// expires; whoever frees the place pops it from its queue and cancels the timer, on the
// waiter's own event loop. The waiter is queued under mu_ and starts its wait before its
// loop runs anything else, so the posted cancel always finds the wait pending.
struct Engine::Waiter {
  explicit Waiter(const asio::any_io_executor& ex) : timer(ex, Clock::time_point::max()) {}
  asio::steady_timer timer;
};

Engine::Engine(EngineOptions options) : options_(options) {
  options_.concurrency = std::max(1U, options_.concurrency);
  options_.per_host = std::max(1U, options_.per_host);
  options_.per_port = std::max(1U, options_.per_port);
  options_.threads = std::clamp(options_.threads, 1U, options_.concurrency);
  window_ = options_.concurrency;
  stats_.min_window = options_.concurrency;
}

void Engine::wake(WaitQueue& queue, std::size_t n) {
  for (; n > 0 && !queue.empty(); --n) {
    auto w = std::move(queue.front());
    queue.pop_front();
    asio::post(w->timer.get_executor(), [w] { w->timer.cancel(); });
  }
}

void Engine::stop_locked() {
  stopping_ = true;
  wake(window_waiters_, window_waiters_.size());
  for (auto& [addr, host] : hosts_) wake(host.waiters, host.waiters.size());
  for (auto& [port, slots] : ports_) wake(slots.waiters, slots.waiters.size());
}

void Engine::stop() {
  std::lock_guard lock(mu_);
  stop_locked();
}

std::size_t Engine::abort_in_flight() {
  aborting_ = true;
  for (const auto& f : flights_) {
    if (f->running == 0 || f->cancelled) continue;
    f->cancelled = true;
    // Emitted on the worker's loop, and only if that probe is still running: once it has
    // returned, the signal would reach whatever the worker awaits next.
    asio::post(f->ex, [f, n = f->running] {
      if (f->running == n) f->signal.emit(asio::cancellation_type::terminal);
    });
  }
  return probing_;
}

namespace {
std::string probes(std::size_t n) { return std::to_string(n) + (n == 1 ? " probe" : " probes"); }
}  // namespace

void Engine::on_signal() {
  auto& first = *first_lane_;
  std::string message;
  bool wait_again = false;
  {
    std::lock_guard lock(mu_);
    if (workers_ == 0) return;  // the scan ended meanwhile: nothing to stop
    if (!signalled_) {
      signalled_ = true;
      stop_locked();
      if (probing_ == 0) {
        message = "dicomsec: Ctrl-C: no new probes; none in flight";
      } else {
        const auto secs = (options_.drain_limit.count() + 999) / 1000;
        message = "dicomsec: Ctrl-C: no new probes; waiting for " + probes(probing_) +
                  " in flight, at most " + std::to_string(secs) +
                  " s (Ctrl-C again aborts them now)";
        first.drain->expires_after(options_.drain_limit);
        first.drain->async_wait([this](const std::error_code& ec) {
          if (ec) return;
          std::string late;
          {
            std::lock_guard lock(mu_);
            if (aborting_ || probing_ == 0) return;
            late = "dicomsec: " + probes(probing_) + " still in flight after " +
                   std::to_string(options_.drain_limit.count()) +
                   " ms: aborting them; their records say aborted";
            abort_in_flight();
          }
          if (options_.notice) options_.notice(late);
        });
        wait_again = true;
      }
    } else if (!aborting_) {
      message = "dicomsec: Ctrl-C again: aborting " + probes(abort_in_flight()) +
                " in flight; their records say aborted";
    }
  }
  if (!message.empty() && options_.notice) options_.notice(message);
  if (wait_again)
    first.signals->async_wait([this](const std::error_code& ec, int) {
      if (!ec) on_signal();
    });
}

std::optional<std::string> Engine::failure() const {
  std::lock_guard lock(mu_);
  return failure_;
}

void Engine::on_connect_latency(std::uint64_t ms) {
  fastest_connect_ms_ = std::min(fastest_connect_ms_, ms);
  if (!options_.adaptive) return;
  const auto now = Clock::now();
  if (ms >= kRetransmitMs && fastest_connect_ms_ < kFastPathMs &&
      now - last_backoff_ > kBackoffHoldoff) {
    window_ = std::max(1.0, window_ / 2);
    last_backoff_ = now;
    ++stats_.backoffs;
    stats_.min_window = std::min(stats_.min_window, static_cast<unsigned>(window_));
  }
}

void Engine::on_local_error(bool admitted_at_floor) {
  // Out of descriptors (or ports, or buffers): fewer probes at once, whatever --no-adaptive
  // says, since more of them cannot work. Every local error halves: the descriptors are gone
  // now, not in a round trip's time.
  window_ = std::max(1.0, window_ / 2);
  stats_.min_window = std::min(stats_.min_window, static_cast<unsigned>(window_));
  if (window_ <= 1.0) local_floor_ = true;
  if (!admitted_at_floor) return;
  if (++consecutive_local_ < kLocalErrorStop || failure_) return;
  failure_ = "stopped: " + std::to_string(consecutive_local_) +
             " probes in a row failed for want of local resources (descriptors, ports or "
             "buffers) with only one probe in flight; see the local-error records";
  interrupted_ = true;
  stop_locked();
}

template <class TryTake>
asio::awaitable<bool> Engine::admit(TryTake try_take) {
  const auto ex = co_await asio::this_coro::executor;
  std::shared_ptr<Waiter> w;
  while (true) {
    Admit a = Admit::Quit;
    {
      std::lock_guard lock(mu_);
      if (!stopping_) {
        if (!w) w = std::make_shared<Waiter>(ex);
        a = try_take(w);
      }
    }
    if (a != Admit::Queued) co_return a == Admit::Taken;
    co_await w->timer.async_wait(kNoThrow);
  }
}

asio::awaitable<bool> Engine::take_token() {
  while (true) {
    std::chrono::nanoseconds wait{};
    {
      std::lock_guard lock(mu_);
      if (stopping_) co_return false;
      if (limiter_->try_acquire(Clock::now())) co_return true;
      wait = limiter_->wait_time(Clock::now());
    }
    // The bucket refills on a schedule: sleep until it has a token (re-checking stop at
    // least every tick, for very low rates).
    co_await pause(
        std::clamp<std::chrono::nanoseconds>(wait, std::chrono::microseconds(50), kTick));
  }
}

void Engine::deliver(const record::ScanRecord& rec) {
  std::lock_guard lock(sink_mu_);
  std::exception_ptr error;
  try {
    (*sink_)(rec);
    return;
  } catch (...) {
    error = std::current_exception();
  }
  // The record could not be written (a field the encoder refuses, a full disk): its pair
  // still gets a line, with the reason, so the output says what was lost.
  try {
    (*sink_)(
        aborted_record(rec.ip, rec.port, "the record could not be written: " + what_of(error)));
    return;
  } catch (...) {  // NOLINT(bugprone-empty-catch): counted below; the scan goes on
  }
  std::lock_guard stats_lock(mu_);
  ++stats_.write_errors;
}

asio::awaitable<void> Engine::worker(std::shared_ptr<Flight> flight) {
  const auto ex = co_await asio::this_coro::executor;
  std::optional<Pair> pair;                // kept across a local-error retry
  std::optional<record::ScanRecord> held;  // its last (local-error) record meanwhile
  unsigned attempts = 0;
  // Counts a pair's final record and hands it to the sink.
  auto complete = [this](const record::ScanRecord& rec, bool thrown) {
    {
      std::lock_guard lock(mu_);
      ++stats_.done;
      if (record::port_open(rec.status)) ++stats_.open;
      if (rec.dicom) ++stats_.dicom;
      if (rec.status == record::Status::LocalError) ++stats_.local_errors;
      if (thrown) ++stats_.aborted;
    }
    // Local and aborted records are written even without --all: the pair was not probed (to
    // the end), and the output must not let it pass for a closed port.
    if (options_.include_closed || record::port_open(rec.status) ||
        rec.status == record::Status::LocalError || rec.status == record::Status::Aborted)
      deliver(rec);
  };
  while (true) {
    // A place in the window, and (unless retrying) a pair. The pair comes before the token
    // so that workers finding no work left spend no tokens.
    const bool retry = pair.has_value();
    const bool placed = co_await admit([&](const std::shared_ptr<Waiter>& w) {
      if (exhausted_ && !retry) return Admit::Quit;
      if (in_flight_ >= static_cast<unsigned>(window_)) {
        window_waiters_.push_back(w);
        return Admit::Queued;
      }
      if (!retry) {
        pair = pairs_->next();
        if (!pair) {
          exhausted_ = true;  // the others waiting for a place have nothing to take either
          wake(window_waiters_, window_waiters_.size());
          return Admit::Quit;
        }
      }
      ++in_flight_;
      return Admit::Taken;
    });
    if (!placed) break;
    const auto addr = pair->first;
    const auto port = pair->second;
    auto release_window = [this] {  // under mu_
      --in_flight_;
      const auto room = static_cast<unsigned>(window_);
      if (in_flight_ < room) wake(window_waiters_, room - in_flight_);
    };
    auto release_host = [this, &addr] {  // under mu_
      auto it = hosts_.find(addr);
      if (it == hosts_.end()) return;
      --it->second.in_flight;
      if (!it->second.waiters.empty())
        wake(it->second.waiters, 1);
      else if (it->second.in_flight == 0)
        hosts_.erase(it);
    };
    auto release_port = [this, port] {  // under mu_
      auto it = ports_.find(port);
      if (it == ports_.end()) return;
      --it->second.in_flight;
      if (!it->second.waiters.empty())
        wake(it->second.waiters, 1);
      else if (it->second.in_flight == 0)
        ports_.erase(it);
    };
    // Per-host politeness: wait while this address has its share in flight. The wait is
    // bounded by the probes in flight, which are bounded by their timeouts.
    const bool slot = co_await admit([&](const std::shared_ptr<Waiter>& w) {
      auto& host = hosts_[addr];
      if (host.in_flight < options_.per_host) {
        ++host.in_flight;
        return Admit::Taken;
      }
      host.waiters.push_back(w);
      return Admit::Queued;
    });
    // Per-port politeness (issue 12 §6), after the host slot: the same bound on the wait.
    const bool port_slot = slot && co_await admit([&](const std::shared_ptr<Waiter>& w) {
                             auto& slots = ports_[port];
                             if (slots.in_flight < options_.per_port) {
                               ++slots.in_flight;
                               return Admit::Taken;
                             }
                             slots.waiters.push_back(w);
                             return Admit::Queued;
                           });
    const bool token = port_slot && co_await take_token();
    bool at_floor = false;
    {
      std::lock_guard lock(mu_);
      if (!token) {  // stopping: an unprobed pair goes back untouched (a resume probes it)
        if (port_slot) release_port();
        if (slot) release_host();
        release_window();
        ++untouched_;
      }
      at_floor = local_floor_ && window_ <= 1.0;
      if (token) {  // the probe is in flight: abort_in_flight() can reach it through `flight`
        flight->running = ++probes_started_;
        flight->cancelled = false;
        ++probing_;
      }
    }
    if (!token) break;

    // An exception from a probe costs its pair, not the scan. The probe shares this
    // coroutine's cancellation state, which hangs off `flight` (see Flight).
    record::ScanRecord rec;
    std::exception_ptr thrown;
    try {
      rec = co_await (*probe_)(ex, addr, port);
    } catch (...) {
      thrown = std::current_exception();
    }
    // A cancelled state makes every later co_await throw: the worker's own waits must not.
    if ((co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none)
      co_await asio::this_coro::reset_cancellation_state();

    bool again = false;
    bool cancelled = false;
    {
      std::lock_guard lock(mu_);
      flight->running = 0;
      --probing_;
      cancelled = flight->cancelled;
      if (cancelled) {
        ++cancelled_;
        // Whatever the probe had learnt before it was cut off is not a verdict.
        rec = aborted_record(addr.to_string(), port,
                             "aborted by Ctrl-C before the probe finished; probe it again");
        thrown = nullptr;
      } else if (thrown) {
        rec = aborted_record(addr.to_string(), port, "the probe failed: " + what_of(thrown));
      }
      release_port();
      release_host();
      release_window();
      if (rec.status == record::Status::LocalError) {
        on_local_error(at_floor);
        again = attempts < kLocalRetries && !stopping_;
      } else {
        consecutive_local_ = 0;
        local_floor_ = false;
        if (rec.connect_ms) on_connect_latency(*rec.connect_ms);
        if (window_ < options_.concurrency) window_ += 1.0 / window_;
      }
    }
    if (again) {
      ++attempts;
      held = std::move(rec);
      co_await pause(kLocalRetryPause * attempts);
      continue;
    }
    complete(rec, thrown != nullptr || cancelled);
    pair.reset();
    held.reset();
    attempts = 0;
  }
  // Stopped while a pair waited for its retry: its local error is its record.
  if (held) complete(*held, false);
  std::lock_guard lock(mu_);
  if (--workers_ == 0) {
    // The last worker wakes lane 0's ticker, which then ends the signal wait: run() returns
    // as soon as the last record is out.
    stopping_ = true;
    asio::post(first_lane_->io, [lane = first_lane_] { lane->tick->cancel(); });
  }
}

EngineStats Engine::run(PairIterator& pairs, const ProbeFn& probe, const SinkFn& sink,
                        const ProgressFn& progress) {
  pairs_ = &pairs;
  probe_ = &probe;
  sink_ = &sink;
  // A burst of one window lets the scan start at full concurrency, then the rate holds.
  RateLimiter limiter(options_.rate,
                      std::max(1.0, std::min<double>(options_.concurrency, options_.rate)));
  limiter_ = &limiter;

  // The event loops and the signal pipe need descriptors (epoll, eventfd, timerfd, pipe):
  // they are all opened before any work starts, and if they cannot be, the scan ends as an
  // engine failure (nothing probed) rather than an exception, so the caller still closes the
  // output and marks a stored scan interrupted.
  std::vector<std::unique_ptr<Lane>> lanes;
  try {
    for (unsigned i = 0; i < options_.threads; ++i) {
      lanes.push_back(std::make_unique<Lane>());
      lanes.back()->tick = std::make_unique<asio::steady_timer>(lanes.back()->io);
    }
    // Lane 0 also watches for SIGINT/SIGTERM and ticks progress until the workers are gone.
    lanes.front()->signals = std::make_unique<asio::signal_set>(lanes.front()->io, SIGINT, SIGTERM);
  } catch (const std::exception& e) {
    std::lock_guard lock(mu_);
    failure_ = std::string("could not start the event loops: ") + e.what();
    interrupted_ = true;
    return stats_;
  }
  auto& first = *lanes.front();
  first_lane_ = &first;
  workers_ = options_.concurrency;
  flights_.clear();
  for (unsigned i = 0; i < options_.concurrency; ++i) {
    auto& lane = *lanes[i % lanes.size()];
    auto flight = std::make_shared<Flight>(lane.io.get_executor());
    flights_.push_back(flight);
    // Only the probe call is guarded inside worker(); anything else that throws there
    // (the pair iterator's history hook, an allocation) would leave the worker's count and
    // places held and run() waiting forever, so it ends the scan as an engine failure.
    // The handler's cancellation slot is the worker's (and its probes') cancellation state.
    asio::co_spawn(
        lane.io, worker(flight),
        asio::bind_cancellation_slot(flight->signal.slot(), [this](const std::exception_ptr& e) {
          if (!e) return;
          std::lock_guard lock(mu_);
          if (!failure_) failure_ = "a scan worker failed: " + what_of(e);
          interrupted_ = true;
          stop_locked();
          if (--workers_ == 0)
            asio::post(first_lane_->io, [lane = first_lane_] { lane->tick->cancel(); });
        }));
  }

  first.drain = std::make_unique<asio::steady_timer>(first.io);
  first.signals->async_wait([this](const std::error_code& ec, int) {
    if (!ec) on_signal();
  });
  auto report = [&progress](const EngineStats& s, bool final) {
    if (!progress) return;
    try {
      progress(s, final);
    } catch (...) {  // NOLINT(bugprone-empty-catch): progress is cosmetic; the scan goes on
    }
  };
  asio::co_spawn(
      first.io,
      [this, &first, &report]() -> asio::awaitable<void> {
        while (true) {
          {
            std::lock_guard lock(mu_);
            if (workers_ == 0) break;
          }
          // The last worker cancels this wait; otherwise it ticks progress.
          first.tick->expires_after(kTick);
          co_await first.tick->async_wait(kNoThrow);
          EngineStats now;
          {
            std::lock_guard lock(mu_);
            if (workers_ == 0) break;
            if (stopping_) continue;
            now = stats_;
          }
          // Printed outside mu_: a blocked stderr must not stall every lane's admissions.
          report(now, false);
        }
        first.signals->cancel();
        first.drain->cancel();
      },
      asio::detached);

  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < lanes.size(); ++i)
    threads.emplace_back([&lane = *lanes[i]] { lane.io.run(); });
  first.io.run();
  for (auto& t : threads) t.join();
  {
    // A Ctrl-C interrupted the scan only if it cost something: a pair not probed, a probe
    // aborted. After the last pair was handed out and its probe finished, the scan is whole.
    std::lock_guard lock(mu_);
    const bool all_handed_out = exhausted_ || pairs_->done() >= pairs_->size();
    if (signalled_ && (!all_handed_out || untouched_ > 0 || cancelled_ > 0)) interrupted_ = true;
  }
  report(stats_, true);
  return stats_;
}

}  // namespace dicomsec::scan
