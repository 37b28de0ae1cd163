// The engine with fake probes (no sockets): failures of probes and sinks, waiting for places,
// local errors. docs/design.md "Engine: failures and local errors".
#include "scan/engine.hpp"

#include <gtest/gtest.h>

#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "scan/target_set.hpp"

namespace dicomsec::scan {
namespace {

using record::ScanRecord;
using record::Status;

TargetSet targets(const char* first, const char* last, std::vector<std::uint16_t> ports) {
  auto set =
      TargetSet::make({{*Address::parse(first), *Address::parse(last)}}, {}, std::move(ports));
  EXPECT_TRUE(static_cast<bool>(set));
  return std::move(*set);
}

ScanRecord record_for(const Address& a, std::uint16_t port, Status s) {
  ScanRecord r;
  r.ip = a.to_string();
  r.port = port;
  r.status = s;
  return r;
}

asio::awaitable<void> sleep_ms(asio::any_io_executor ex, int ms) {
  asio::steady_timer t(ex, std::chrono::milliseconds(ms));
  co_await t.async_wait(asio::use_awaitable);
}

struct Collected {
  std::mutex mu;
  std::map<std::pair<std::string, std::uint16_t>, ScanRecord> records;
  unsigned duplicates = 0;
  void add(const ScanRecord& r) {
    std::lock_guard lock(mu);
    if (!records.emplace(std::pair{r.ip, r.port}, r).second) ++duplicates;
  }
};

TEST(Engine, ProbeExceptionBecomesAbortedRecordAndScanGoesOn) {
  auto set = targets("10.0.0.1", "10.0.0.8", {104, 11112});
  PairIterator pairs(set, 1, {});
  EngineOptions o;
  o.concurrency = 4;
  o.rate = 0;
  o.threads = 2;
  Engine engine(o);
  Collected out;
  ProbeFn probe = [](asio::any_io_executor ex, const Address& a,
                     std::uint16_t port) -> asio::awaitable<ScanRecord> {
    co_await sleep_ms(ex, 1);
    if (port == 104 && a.v4() % 2 == 0) throw std::runtime_error("boom in the probe");
    if (port == 104 && a.v4() % 4 == 1) throw 42;  // not a std::exception
    co_return record_for(a, port, Status::Success);
  };
  auto stats = engine.run(pairs, probe, [&](const ScanRecord& r) { out.add(r); });
  EXPECT_EQ(stats.done, 16U);
  EXPECT_EQ(stats.aborted, 6U);
  EXPECT_FALSE(engine.interrupted());
  ASSERT_EQ(out.records.size(), 16U);
  EXPECT_EQ(out.duplicates, 0U);
  unsigned aborted = 0;
  for (const auto& [key, r] : out.records) {
    if (r.status != Status::Aborted) continue;
    ++aborted;
    EXPECT_EQ(key.second, 104);
    EXPECT_NE(r.detail.find("the probe failed"), std::string::npos) << r.detail;
  }
  EXPECT_EQ(aborted, 6U);
  EXPECT_EQ(out.records.at({"10.0.0.2", 104}).detail, "the probe failed: boom in the probe");
}

TEST(Engine, SinkExceptionWritesAStubAndCountsWhatIsLost) {
  auto set = targets("10.0.0.1", "10.0.0.4", {104});
  PairIterator pairs(set, 1, {});
  EngineOptions o;
  o.rate = 0;
  Engine engine(o);
  Collected out;
  ProbeFn probe = [](asio::any_io_executor, const Address& a,
                     std::uint16_t port) -> asio::awaitable<ScanRecord> {
    auto r = record_for(a, port, Status::Success);
    if (a.v4() % 4 == 2) r.detail = "unwritable";
    if (a.v4() % 4 == 3) r.detail = "nothing writable";
    co_return r;
  };
  auto stats = engine.run(pairs, probe, [&](const ScanRecord& r) {
    if (r.ip == "10.0.0.3") throw std::runtime_error("disk full");  // stub refused too
    if (r.detail == "unwritable") throw std::runtime_error("invalid UTF-8");
    out.add(r);
  });
  EXPECT_EQ(stats.done, 4U);
  EXPECT_EQ(stats.write_errors, 1U);
  ASSERT_EQ(out.records.size(), 3U);
  const auto& stub = out.records.at({"10.0.0.2", 104});
  EXPECT_EQ(stub.status, Status::Aborted);
  EXPECT_EQ(stub.detail, "the record could not be written: invalid UTF-8");
}

TEST(Engine, PerHostLimitHoldsAndEveryPairIsProbedOnce) {
  auto set = targets("10.0.0.1", "10.0.0.3", {1, 2, 3, 4, 5, 6, 7, 8});
  PairIterator pairs(set, 7, {});
  EngineOptions o;
  o.concurrency = 12;
  o.per_host = 2;
  o.rate = 0;
  o.threads = 3;
  Engine engine(o);
  Collected out;
  std::mutex mu;
  std::map<std::uint32_t, unsigned> now;
  unsigned worst = 0;
  ProbeFn probe = [&](asio::any_io_executor ex, const Address& a,
                      std::uint16_t port) -> asio::awaitable<ScanRecord> {
    {
      std::lock_guard lock(mu);
      worst = std::max(worst, ++now[a.v4()]);
    }
    co_await sleep_ms(ex, 3);
    {
      std::lock_guard lock(mu);
      --now[a.v4()];
    }
    co_return record_for(a, port, Status::Success);
  };
  auto stats = engine.run(pairs, probe, [&](const ScanRecord& r) { out.add(r); });
  EXPECT_EQ(stats.done, 24U);
  EXPECT_EQ(out.records.size(), 24U);
  EXPECT_EQ(out.duplicates, 0U);
  EXPECT_EQ(worst, 2U);
}

TEST(Engine, LocalErrorIsRetriedThenSucceeds) {
  auto set = targets("10.0.0.1", "10.0.0.8", {104});
  PairIterator pairs(set, 3, {});
  EngineOptions o;
  o.concurrency = 8;
  o.rate = 0;
  Engine engine(o);
  Collected out;
  std::mutex mu;
  std::map<std::uint32_t, unsigned> tries;
  ProbeFn probe = [&](asio::any_io_executor, const Address& a,
                      std::uint16_t port) -> asio::awaitable<ScanRecord> {
    unsigned n = 0;
    {
      std::lock_guard lock(mu);
      n = ++tries[a.v4()];
    }
    co_return record_for(a, port, n == 1 ? Status::LocalError : Status::Success);
  };
  auto stats = engine.run(pairs, probe, [&](const ScanRecord& r) { out.add(r); });
  EXPECT_EQ(stats.done, 8U);
  EXPECT_EQ(stats.local_errors, 0U);
  EXPECT_LT(stats.min_window, 8U);  // the window was halved
  EXPECT_FALSE(engine.interrupted());
  ASSERT_EQ(out.records.size(), 8U);
  for (const auto& [key, r] : out.records) EXPECT_EQ(r.status, Status::Success);
}

TEST(Engine, PersistentLocalErrorsStopTheScan) {
  auto set = targets("10.0.0.0", "10.0.3.255", {104});  // 1024 pairs
  PairIterator pairs(set, 3, {});
  EngineOptions o;
  o.concurrency = 64;
  o.rate = 0;
  o.threads = 2;
  Engine engine(o);
  Collected out;
  ProbeFn probe = [](asio::any_io_executor, const Address& a,
                     std::uint16_t port) -> asio::awaitable<ScanRecord> {
    auto r = record_for(a, port, Status::LocalError);
    r.detail = "EMFILE: Too many open files";
    co_return r;
  };
  auto stats = engine.run(pairs, probe, [&](const ScanRecord& r) { out.add(r); });
  EXPECT_TRUE(engine.interrupted());
  ASSERT_TRUE(engine.failure().has_value());
  EXPECT_NE(engine.failure()->find("local resources"), std::string::npos);
  EXPECT_EQ(stats.min_window, 1U);
  EXPECT_LT(stats.done, 1024U);  // stopped early
  // Every pair taken is accounted for, as a local-error record (written without --all).
  EXPECT_EQ(stats.local_errors, stats.done);
  EXPECT_EQ(out.records.size(), stats.done);
  for (const auto& [key, r] : out.records) EXPECT_EQ(r.status, Status::LocalError);
}

TEST(Engine, StopWakesWaitersAtOnce) {
  auto set = targets("10.0.0.1", "10.0.0.1", {1, 2, 3, 4, 5, 6, 7, 8});
  PairIterator pairs(set, 1, {});
  EngineOptions o;
  o.concurrency = 8;
  o.per_host = 1;  // seven workers wait for the host
  o.rate = 0;
  Engine engine(o);
  Collected out;
  ProbeFn probe = [&](asio::any_io_executor ex, const Address& a,
                      std::uint16_t port) -> asio::awaitable<ScanRecord> {
    engine.stop();
    co_await sleep_ms(ex, 20);
    co_return record_for(a, port, Status::Success);
  };
  auto stats = engine.run(pairs, probe, [&](const ScanRecord& r) { out.add(r); });
  EXPECT_EQ(stats.done, 1U);  // the probe in flight finished; the waiting pairs were left
  EXPECT_EQ(out.records.size(), 1U);
}

// Issue 12 §6: many addresses can be one server with one listen queue; per_port caps the
// probes in flight to one destination port across all addresses.
TEST(Engine, PerPortLimitHoldsAcrossAddresses) {
  auto set = targets("10.0.0.1", "10.0.0.40", {104, 11112});
  PairIterator pairs(set, 3, {});
  EngineOptions o;
  o.concurrency = 64;
  o.per_host = 2;
  o.per_port = 5;
  o.rate = 0;
  o.threads = 3;
  Engine engine(o);
  Collected out;
  std::mutex mu;
  std::map<std::uint16_t, unsigned> now;
  std::map<std::uint16_t, unsigned> worst;
  ProbeFn probe = [&](asio::any_io_executor ex, const Address& a,
                      std::uint16_t port) -> asio::awaitable<ScanRecord> {
    {
      std::lock_guard lock(mu);
      worst[port] = std::max(worst[port], ++now[port]);
    }
    co_await sleep_ms(ex, 3);
    {
      std::lock_guard lock(mu);
      --now[port];
    }
    co_return record_for(a, port, Status::Success);
  };
  auto stats = engine.run(pairs, probe, [&](const ScanRecord& r) { out.add(r); });
  EXPECT_EQ(stats.done, 80U);
  EXPECT_EQ(out.records.size(), 80U);
  EXPECT_EQ(out.duplicates, 0U);
  EXPECT_EQ(worst[104], 5U) << "reached, never passed";
  EXPECT_EQ(worst[11112], 5U);
}

// Ctrl-C (issue 13 §9), then drain_limit: the probes in flight are cancelled through the
// worker's cancellation state (no coroutine of their own since the sweep fix): the pending
// wait ends, a probe's next co_await throws, every such pair is recorded `aborted`, and the
// workers go on without throwing (a worker that threw would make failure() say so).
TEST(Engine, DrainLimitCancelsProbesInFlightAndWorkersEndCleanly) {
  auto set = targets("10.0.0.1", "10.0.0.8", {104});
  PairIterator pairs(set, 1, {});
  EngineOptions o;
  o.concurrency = 4;
  o.per_host = 1;
  o.rate = 0;
  o.threads = 2;  // cancels are posted across loops
  o.drain_limit = std::chrono::milliseconds(200);
  std::mutex notices_mu;
  std::vector<std::string> notices;
  o.notice = [&](const std::string& m) {
    std::lock_guard lock(notices_mu);
    notices.push_back(m);
  };
  Engine engine(o);
  Collected out;
  std::atomic<int> started{0};
  std::atomic<int> woke{0};       // the pending wait ended (operation_aborted)
  std::atomic<int> continued{0};  // a later co_await went on after the cancel: must not
  ProbeFn probe = [&](asio::any_io_executor ex, const Address& a,
                      std::uint16_t port) -> asio::awaitable<ScanRecord> {
    if (++started == 4) ::raise(SIGINT);  // all four workers hold a probe
    asio::steady_timer t(ex, std::chrono::seconds(30));
    auto [ec] = co_await t.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted) ++woke;
    if (a.v4() % 2 == 0) co_return record_for(a, port, Status::Success);  // ignores the cancel
    co_await sleep_ms(ex, 1);
    ++continued;
    co_return record_for(a, port, Status::Success);
  };
  const auto t0 = std::chrono::steady_clock::now();
  auto stats = engine.run(pairs, probe, [&](const ScanRecord& r) { out.add(r); });
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  EXPECT_FALSE(engine.failure().has_value()) << *engine.failure();
  EXPECT_TRUE(engine.interrupted());
  EXPECT_EQ(started.load(), 4);
  EXPECT_EQ(woke.load(), 4);
  EXPECT_EQ(continued.load(), 0);
  EXPECT_EQ(stats.done, 4U);
  EXPECT_EQ(stats.aborted, 4U);
  ASSERT_EQ(out.records.size(), 4U);
  for (const auto& [key, r] : out.records) {
    EXPECT_EQ(r.status, Status::Aborted);
    EXPECT_NE(r.detail.find("aborted by Ctrl-C"), std::string::npos) << r.detail;
  }
  std::lock_guard lock(notices_mu);
  ASSERT_EQ(notices.size(), 2U);
  EXPECT_NE(notices[0].find("waiting for 4 probes in flight"), std::string::npos) << notices[0];
  EXPECT_NE(notices[1].find("4 probes still in flight after 200 ms"), std::string::npos)
      << notices[1];
}

// A Ctrl-C after the last pair was handed out, with a drain limit the probes finish inside:
// the scan is whole (not interrupted), every probe's waits after the signal complete, and no
// worker throws. (The race the guard in engine.cpp covers, a probe ending just before a
// posted abort arrives, needs the second Ctrl-C or the drain limit; the test above drives
// that path, not this race deterministically.)
TEST(Engine, CtrlCAfterTheLastPairLeavesTheScanWhole) {
  auto set = targets("10.0.0.1", "10.0.0.4", {104});
  PairIterator pairs(set, 1, {});
  EngineOptions o;
  o.concurrency = 4;
  o.rate = 0;
  o.threads = 2;
  o.drain_limit = std::chrono::milliseconds(5000);
  Engine engine(o);
  Collected out;
  std::atomic<int> started{0};
  ProbeFn probe = [&](asio::any_io_executor ex, const Address& a,
                      std::uint16_t port) -> asio::awaitable<ScanRecord> {
    if (++started == 4) ::raise(SIGINT);
    co_await sleep_ms(ex, 50);
    co_await sleep_ms(ex, 1);
    co_return record_for(a, port, Status::Success);
  };
  auto stats = engine.run(pairs, probe, [&](const ScanRecord& r) { out.add(r); });
  EXPECT_FALSE(engine.failure().has_value()) << *engine.failure();
  EXPECT_FALSE(engine.interrupted());
  EXPECT_EQ(stats.done, 4U);
  EXPECT_EQ(stats.aborted, 0U);
  ASSERT_EQ(out.records.size(), 4U);
  for (const auto& [key, r] : out.records) EXPECT_EQ(r.status, Status::Success);
}

TEST(Engine, PerPortDefaultKeepsDcmtkBacklogSafe) {
  EXPECT_LE(EngineOptions{}.per_port, 32U) << "well under DCMTK's backlog of 50";
  EXPECT_GE(EngineOptions{}.per_port, 8U);
}

}  // namespace
}  // namespace dicomsec::scan
