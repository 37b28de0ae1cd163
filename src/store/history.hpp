// The history writer of `dicomsec scan --db` and `dicomsec tls --db` (scan::Pipeline owns
// one): records go to the store as they arrive, in batches (one transaction each, at 256
// records or every 200 ms, and at the end or on Ctrl-C; a background thread writes them),
// together with the permutation positions they complete, so a killed scan loses at most its last
// 200 ms and
// `--resume` re-probes exactly the pairs without a committed result (docs/design.md §7).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "record/record.hpp"
#include "report/sink.hpp"
#include "scan/target_set.hpp"
#include "store/store.hpp"

namespace dicomsec::store {

class ScanHistory {
 public:
  static constexpr std::size_t kBatchRecords = 256;
  static constexpr std::chrono::milliseconds kBatchInterval{200};

  // `on_error` is called once, from whichever thread hit it, when a batch cannot be written
  // (the caller stops the scan); error() then holds the message.
  ScanHistory(Store& store, ScanId id, std::function<void()> on_error);
  ~ScanHistory();
  ScanHistory(const ScanHistory&) = delete;
  ScanHistory& operator=(const ScanHistory&) = delete;

  // Hooks `pairs` so that positions in `done` are skipped and every pair handed out is
  // remembered with its position until its result is in.
  void attach(scan::PairIterator& pairs, PositionSet done);
  // The same for shard k of n of a named scan (--scan-id): `done` and what is written are
  // shard-local positions (p / n), and the shard's heartbeat is refreshed every
  // kHeartbeatInterval while the scan runs.
  void attach_shard(scan::PairIterator& pairs, PositionSet done, unsigned k, unsigned n);
  static constexpr std::chrono::seconds kHeartbeatInterval{2};
  // A pair whose result produces no record (closed, without --all): done as it stands.
  void done_without_record(const scan::Address& address, std::uint16_t port);
  // A record (committed with its pair's done mark in the same transaction).
  void add(const record::ScanRecord& record);
  // Last batch, then the scan's row (state, finished, counts). Throws StoreError.
  void finish(const report::ScanMeta& meta);

  [[nodiscard]] ScanId id() const { return id_; }
  [[nodiscard]] std::optional<std::string> error() const;

 private:
  std::optional<std::uint64_t> take_position(const scan::Pair& pair);  // under mu_
  // Writes what is pending. Takes write_mu_, then mu_ only to take the batch, so the scan's
  // sink is not held up by the disk and batches reach the store in the order they formed.
  void flush();
  void flusher();

  Store& store_;
  ScanId id_;
  unsigned shard_k_ = 0, shard_n_ = 1;  // 0: positions are global (no named shard)
  std::chrono::steady_clock::time_point last_beat_{};
  std::function<void()> on_error_;

  std::mutex write_mu_;  // one batch in the store at a time; taken before mu_
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::map<scan::Pair, std::uint64_t> in_flight_;  // pair -> permutation position
  std::vector<nlohmann::json> records_;
  PositionSet done_;
  std::optional<std::string> error_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace dicomsec::store
