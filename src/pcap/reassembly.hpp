// TCP stream reassembly (sans-IO), both directions of each flow, delivering in-order bytes
// to a FlowSink. Policy (docs/design.md, "pcap: TCP reassembly"): first data wins: bytes
// already delivered or already buffered are never replaced by a retransmission that differs.
// In-order payload goes straight from the packet to the sink; only out-of-order data is
// copied, into a bounded per-flow buffer under a global budget.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "pcap/decode.hpp"
#include "pcap/flow_sink.hpp"

namespace dicomsec::pcap {

struct ReassemblyLimits {
  std::size_t per_flow_buffer = 256 * 1024;      // out-of-order bytes held per direction
  std::size_t global_budget = 32 * 1024 * 1024;  // out-of-order bytes over all flows
  std::int64_t idle_timeout_us = 300'000'000;    // 5 min without a packet closes a flow
  // Open flows; the least recently active is evicted. ~350 bytes each: 65536 flows (a SYN
  // flood, a scan on the mirrored port) stay within ~23 MB.
  std::size_t max_flows = 65'536;
  // A segment starting this far beyond the next expected byte is treated as a loss: the
  // hole is skipped (on_gap) instead of buffering. Bounded by per_flow_buffer as well.
  std::size_t max_window = 1024 * 1024;
};

struct ReassemblyStats {
  std::uint64_t segments = 0;
  std::uint64_t payload_bytes = 0;    // as seen in segments, retransmissions included
  std::uint64_t delivered_bytes = 0;  // passed to on_data
  std::uint64_t flows_opened = 0;
  std::uint64_t flows_closed = 0;
  std::uint64_t flows_without_syn = 0;
  std::uint64_t out_of_order_segments = 0;   // buffered for later
  std::uint64_t retransmitted_bytes = 0;     // duplicates of delivered/buffered bytes (ignored)
  std::uint64_t overlap_conflict_bytes = 0;  // duplicates whose content differed (first wins)
  std::uint64_t gaps = 0;
  std::uint64_t gap_bytes = 0;
  std::uint64_t closed_fin = 0, closed_rst = 0, closed_idle = 0, closed_evicted = 0, closed_end = 0;
  std::size_t buffered_bytes = 0;  // out-of-order bytes held now
  std::size_t buffered_bytes_peak = 0;
  std::size_t open_flows = 0;
  std::size_t open_flows_peak = 0;
};

class Reassembler {
 public:
  using Limits = ReassemblyLimits;
  using Stats = ReassemblyStats;

  Reassembler(FlowSink& sink, Limits limits = {});
  ~Reassembler();
  Reassembler(const Reassembler&) = delete;
  Reassembler& operator=(const Reassembler&) = delete;

  void feed(const TcpSegment& segment);
  // Closes (Idle) every flow whose last packet is older than now_us - idle_timeout_us.
  void expire(std::int64_t now_us);
  // End of input: flushes what can be flushed (buffered data after a final gap) and closes
  // every open flow with EndOfCapture.
  void finish(std::int64_t ts_us);
  [[nodiscard]] const Stats& stats() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dicomsec::pcap
