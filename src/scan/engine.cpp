#include "scan/engine.hpp"

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include "scan/target_set.hpp"
#include "scan/rate_limiter.hpp"

namespace dicomsec::scan {

namespace {
using Clock = std::chrono::steady_clock;
constexpr auto kPoll = std::chrono::milliseconds(2);
// A connect this slow on a path whose fastest connect took under kFastPathMs needed a SYN
// retransmit (Linux's initial RTO is 1 s): the peer's listen queue overflowed.
constexpr std::uint64_t kRetransmitMs = 900;
constexpr std::uint64_t kFastPathMs = 100;
constexpr auto kBackoffHoldoff = std::chrono::milliseconds(500);
}  // namespace

Engine::Engine(asio::io_context& io, EngineOptions options)
    : io_(io), options_(options), window_(std::max(1U, options.concurrency)), tick_(io),
      signals_(io, SIGINT, SIGTERM) {
  options_.concurrency = std::max(1U, options_.concurrency);
  options_.per_host = std::max(1U, options_.per_host);
  stats_.min_window = options_.concurrency;
}

asio::awaitable<void> Engine::pause(std::chrono::nanoseconds d) {
  asio::steady_timer t(io_);
  t.expires_after(d);
  co_await t.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
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

asio::awaitable<void> Engine::worker(PairIterator& pairs, const ProbeFn& probe,
                                     const SinkFn& sink, RateLimiter& limiter) {
  while (!stopping_) {
    // Admission: the adaptive window, then a token for a new connection.
    while (!stopping_ && in_flight_ >= static_cast<unsigned>(window_)) co_await pause(kPoll);
    if (stopping_) break;
    ++in_flight_;
    while (!stopping_ && !limiter.try_acquire(Clock::now()))
      co_await pause(std::max<std::chrono::nanoseconds>(limiter.wait_time(Clock::now()),
                                                        std::chrono::microseconds(50)));
    auto pair = stopping_ ? std::nullopt : pairs.next();
    if (!pair) {
      --in_flight_;
      break;
    }
    const auto& [addr, port] = *pair;
    // Per-host politeness: wait while this address already has its share in flight. The
    // wait is bounded by the probes in flight, which are bounded by their timeouts.
    while (per_host_[addr] >= options_.per_host) co_await pause(kPoll);
    ++per_host_[addr];

    auto rec = co_await probe(addr, port);

    if (auto it = per_host_.find(addr); it != per_host_.end() && --it->second == 0)
      per_host_.erase(it);
    --in_flight_;
    if (rec.connect_ms) on_connect_latency(*rec.connect_ms);
    if (options_.adaptive && window_ < options_.concurrency) window_ += 1.0 / window_;

    ++stats_.done;
    if (port_open(rec.status)) ++stats_.open;
    if (rec.dicom) ++stats_.dicom;
    if (options_.include_closed || port_open(rec.status)) sink(rec);
  }
  if (--workers_ == 0) {  // the last worker ends the ticker and the signal wait at once
    tick_.cancel();
    signals_.cancel();
  }
}

asio::awaitable<void> Engine::ticker(const ProgressFn& progress) {
  while (workers_ > 0) {
    tick_.expires_after(std::chrono::milliseconds(500));
    co_await tick_.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    if (workers_ > 0) progress(stats_, false);
  }
}

EngineStats Engine::run(PairIterator& pairs, const ProbeFn& probe, const SinkFn& sink,
                        const ProgressFn& progress) {
  // A burst of one window lets the scan start at full concurrency, then the rate holds.
  RateLimiter limiter(options_.rate, std::max(1.0, std::min<double>(options_.concurrency,
                                                                     options_.rate)));
  signals_.async_wait([this](const std::error_code& ec, int) {
    if (ec) return;
    interrupted_ = true;
    stop();
  });
  workers_ = options_.concurrency;
  for (unsigned i = 0; i < options_.concurrency; ++i)
    asio::co_spawn(io_, worker(pairs, probe, sink, limiter), asio::detached);
  if (progress) asio::co_spawn(io_, ticker(progress), asio::detached);
  io_.run();
  io_.restart();
  if (progress) progress(stats_, true);
  return stats_;
}

}  // namespace dicomsec::scan
