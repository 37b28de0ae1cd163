#include "scan/engine.hpp"

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "scan/rate_limiter.hpp"
#include "scan/target_set.hpp"

namespace dicomsec::scan {

namespace {
using Clock = std::chrono::steady_clock;
constexpr auto kPoll = std::chrono::milliseconds(2);
constexpr auto kTick = std::chrono::milliseconds(500);
// A connect this slow on a path whose fastest connect took under kFastPathMs needed a SYN
// retransmit (Linux's initial RTO is 1 s): the peer's listen queue overflowed.
constexpr std::uint64_t kRetransmitMs = 900;
constexpr std::uint64_t kFastPathMs = 100;
constexpr auto kBackoffHoldoff = std::chrono::milliseconds(500);

asio::awaitable<void> pause(std::chrono::nanoseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(d);
  co_await t.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
}
}  // namespace

struct Engine::Lane {
  asio::io_context io{1};
  std::unique_ptr<asio::steady_timer> tick;         // used on lane 0
  std::unique_ptr<asio::signal_set> signals;        // lane 0 only
};

Engine::Engine(EngineOptions options) : options_(options) {
  options_.concurrency = std::max(1U, options_.concurrency);
  options_.per_host = std::max(1U, options_.per_host);
  options_.threads = std::clamp(options_.threads, 1U, options_.concurrency);
  window_ = options_.concurrency;
  stats_.min_window = options_.concurrency;
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

asio::awaitable<void> Engine::worker() {
  const auto ex = co_await asio::this_coro::executor;
  while (!stopping_) {
    // Admission: a place in the window, a pair, then a token for its connection. The pair
    // comes before the token so that workers finding no work left spend no tokens (that
    // cost a whole second's worth of tokens at the end of every scan).
    std::optional<Pair> pair;
    {
      std::unique_lock lock(mu_);
      if (in_flight_ >= static_cast<unsigned>(window_)) {
        lock.unlock();
        co_await pause(kPoll);
        continue;
      }
      pair = pairs_->next();
      if (!pair) break;
      ++in_flight_;
    }
    while (true) {
      std::unique_lock lock(mu_);
      if (limiter_->try_acquire(Clock::now())) break;
      const auto wait = limiter_->wait_time(Clock::now());
      lock.unlock();
      co_await pause(std::max<std::chrono::nanoseconds>(wait, std::chrono::microseconds(50)));
    }
    const auto& [addr, port] = *pair;
    // Per-host politeness: wait while this address has its share in flight. The wait is
    // bounded by the probes in flight, which are bounded by their timeouts.
    while (true) {
      {
        std::lock_guard lock(mu_);
        auto& n = per_host_[addr];
        if (n < options_.per_host) {
          ++n;
          break;
        }
      }
      co_await pause(kPoll);
    }

    auto rec = co_await (*probe_)(ex, addr, port);

    {
      std::lock_guard lock(mu_);
      if (auto it = per_host_.find(addr); it != per_host_.end() && --it->second == 0)
        per_host_.erase(it);
      --in_flight_;
      if (rec.connect_ms) on_connect_latency(*rec.connect_ms);
      if (options_.adaptive && window_ < options_.concurrency) window_ += 1.0 / window_;
      ++stats_.done;
      if (record::port_open(rec.status)) ++stats_.open;
      if (rec.dicom) ++stats_.dicom;
    }
    if (options_.include_closed || record::port_open(rec.status)) {
      std::lock_guard lock(sink_mu_);
      (*sink_)(rec);
    }
  }
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

  std::vector<std::unique_ptr<Lane>> lanes;
  for (unsigned i = 0; i < options_.threads; ++i) {
    lanes.push_back(std::make_unique<Lane>());
    lanes.back()->tick = std::make_unique<asio::steady_timer>(lanes.back()->io);
  }
  workers_ = options_.concurrency;
  for (unsigned i = 0; i < options_.concurrency; ++i) {
    auto& lane = *lanes[i % lanes.size()];
    asio::co_spawn(lane.io, worker(), asio::detached);
  }

  // Lane 0 also watches for SIGINT/SIGTERM and ticks progress until the workers are gone.
  auto& first = *lanes.front();
  first_lane_ = &first;
  first.signals = std::make_unique<asio::signal_set>(first.io, SIGINT, SIGTERM);
  first.signals->async_wait([this](const std::error_code& ec, int) {
    if (ec) return;
    interrupted_ = true;
    stop();
  });
  asio::co_spawn(
      first.io,
      [this, &first, &progress]() -> asio::awaitable<void> {
        while (true) {
          {
            std::lock_guard lock(mu_);
            if (workers_ == 0) break;
          }
          first.tick->expires_after(stopping_ ? kPoll : kTick);
          co_await first.tick->async_wait(asio::experimental::as_tuple(asio::use_awaitable));
          std::lock_guard lock(mu_);
          if (workers_ == 0) break;
          if (progress && !stopping_) progress(stats_, false);
        }
        first.signals->cancel();
      },
      asio::detached);

  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < lanes.size(); ++i)
    threads.emplace_back([&lane = *lanes[i]] { lane.io.run(); });
  first.io.run();
  for (auto& t : threads) t.join();
  if (progress) progress(stats_, true);
  return stats_;
}

}  // namespace dicomsec::scan
