#include "store/history.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <ctime>

#include "report/json.hpp"

namespace dicomsec::store {

ScanHistory::ScanHistory(Store& store, ScanId id, std::function<void()> on_error)
    : store_(store), id_(id), on_error_(std::move(on_error)), thread_([this] { flusher(); }) {}

ScanHistory::~ScanHistory() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void ScanHistory::attach(scan::PairIterator& pairs, PositionSet done) {
  auto skip = std::make_shared<const PositionSet>(std::move(done));
  if (!skip->empty()) pairs.set_skip([skip](std::uint64_t p) { return skip->contains(p); });
  pairs.set_on_next([this](const scan::Pair& pair, std::uint64_t position) {
    std::lock_guard lock(mu_);
    in_flight_.emplace(pair, position);
  });
}

void ScanHistory::attach_shard(scan::PairIterator& pairs, PositionSet done, unsigned k,
                               unsigned n) {
  {
    std::lock_guard lock(mu_);
    shard_k_ = k;
    shard_n_ = n == 0 ? 1 : n;
  }
  const std::uint64_t div = n == 0 ? 1 : n;
  auto skip = std::make_shared<const PositionSet>(std::move(done));
  if (!skip->empty())
    pairs.set_skip([skip, div](std::uint64_t p) { return skip->contains(p / div); });
  pairs.set_on_next([this, div](const scan::Pair& pair, std::uint64_t position) {
    std::lock_guard lock(mu_);
    in_flight_.emplace(pair, position / div);
  });
}

std::optional<std::uint64_t> ScanHistory::take_position(const scan::Pair& pair) {
  const auto it = in_flight_.find(pair);
  if (it == in_flight_.end()) return std::nullopt;
  const auto p = it->second;
  in_flight_.erase(it);
  return p;
}

void ScanHistory::done_without_record(const scan::Address& address, std::uint16_t port) {
  std::lock_guard lock(mu_);
  if (const auto p = take_position({address, port})) done_.insert(*p);
}

void ScanHistory::add(const record::ScanRecord& record) {
  auto j = report::to_json(record);
  std::size_t pending = 0;
  {
    std::lock_guard lock(mu_);
    if (const auto a = scan::Address::parse(record.ip))
      if (const auto p = take_position({*a, record.port})) done_.insert(*p);
    records_.push_back(std::move(j));
    pending = records_.size();
  }
  if (pending == kBatchRecords) wake_.notify_one();
  // The disk cannot keep up: the scan waits for it rather than piling records up in memory.
  if (pending >= 8 * kBatchRecords) flush();
}

void ScanHistory::flush() {
  std::lock_guard write(write_mu_);
  std::vector<nlohmann::json> records;
  PositionSet done;
  {
    std::lock_guard lock(mu_);
    if (error_) return;
    records.swap(records_);
    std::swap(done, done_);
  }
  const auto now = std::chrono::steady_clock::now();
  const bool beat = shard_k_ > 0 && now - last_beat_ >= kHeartbeatInterval;
  if (records.empty() && done.empty() && !beat) return;
  try {
    if (records.empty() && done.empty())
      store_.shard_heartbeat(id_, shard_k_);
    else
      store_.append_shard(id_, shard_k_, records, done);  // also a heartbeat for a shard
    if (shard_k_ > 0) last_beat_ = now;
  } catch (const std::exception& e) {
    {
      std::lock_guard lock(mu_);
      error_ = e.what();
    }
    if (on_error_) on_error_();
  }
}

void ScanHistory::flusher() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, kBatchInterval,
                   [this] { return stopping_ || records_.size() >= kBatchRecords; });
    lock.unlock();
    flush();
    lock.lock();
  }
}

void ScanHistory::finish(const report::ScanMeta& meta) {
  flush();
  std::lock_guard write(write_mu_);
  if (auto e = error()) throw StoreError(*e);
  if (shard_k_ > 0) {  // the scan row ends when its last shard does
    store_.shard_finish(id_, shard_k_, meta.interrupted, meta.finished);
    return;
  }
  auto m = meta;
  m.pairs_done = store_.done_positions(id_).count();  // this run's and earlier runs'
  store_.finish(id_, m);
}

std::optional<std::string> ScanHistory::error() const {
  std::lock_guard lock(mu_);
  return error_;
}

}  // namespace dicomsec::store
