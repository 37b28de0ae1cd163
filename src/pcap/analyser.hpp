// pcap::FlowAnalyser: the DICOM half of `dicomsec pcap` (issue 14 §3-6; docs/design.md
// "pcap: flow analysis"). It receives each TCP flow's in-order bytes from the reassembler,
// decides from the bytes alone (any port) whether the flow is DICOM, TLS or something else,
// and emits one record::FlowRecord per DICOM association and per TLS flow when the flow ends.
//
// Deciding:
//  - DICOM from the start: a direction whose first byte (the stream start was seen: SYN and no
//    gap before it) begins a PDU that decodes as an A-ASSOCIATE-RQ (or -AC/-RJ).
//  - DICOM mid-stream: a chain of consecutive well-formed PDUs in one direction (PduDecoder's
//    resync finds a plausible boundary, then each following PDU must decode and P-DATA PDVs
//    must continue the message in progress on the same context), at least
//    AnalyserOptions::midstream_pdus long; at the end of a flow, one fewer will do. Large
//    PDUs (more than fit in decide_bytes) are found by PduChainHunter instead, which reads
//    only PDU and PDV headers and counts the bytes between: one complete P-DATA-TF of at
//    least AnalyserOptions::midstream_large_pdu whose items chain exactly to its end,
//    followed by a valid header, decides. Past decide_bytes such a direction holds nothing
//    (the hunter scans at most 2 x max PDU length + decide_bytes) and the flow's decoding
//    starts at the boundary the hunter found; the bytes before it count as skipped.
//  - TLS: a TLS handshake record header (0x16 0x03 0x00-0x04) at a stream start.
//  - Other: neither, once the decision bytes run out (AnalyserOptions::decide_bytes per
//    direction) or the stream start shows another protocol. Such flows are counted only.
// Until the decision the bytes of each direction are held (bounded); afterwards nothing is
// held but what the DICOM codec and the TLS parsers need, which does not grow with the size
// of an object.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>

#include "dul/pdu.hpp"
#include "pcap/flow_sink.hpp"
#include "record/flow.hpp"

namespace dicomsec::pcap {

struct AnalyserOptions {
  std::size_t decide_bytes = 256 * 1024;  // held per direction while undecided
  // Held over all undecided flows: a flow whose bytes would pass it is judged "other" at
  // once (many idle-looking flows must not add up to gigabytes).
  std::size_t decide_budget = 32U << 20;
  std::size_t midstream_pdus = 3;  // consecutive PDUs that commit a mid-stream flow
  // A complete P-DATA-TF this large (items chaining exactly) and the header after it commit
  // a mid-stream flow (pcap::PduChainHunter).
  std::uint32_t midstream_large_pdu = 16 * 1024;
  // PDU decoder caps of the observers. More items than the scanner allows: a passive observer
  // must read what real peers send (dcmqrscp proposes ~1000 items in one A-ASSOCIATE-RQ).
  dul::Limits limits{1U << 20, 8192, 2U << 20};
};

struct AnalyserStats {
  std::uint64_t flows = 0;
  std::uint64_t dicom = 0;
  std::uint64_t dicom_midstream = 0;
  std::uint64_t tls = 0;
  std::uint64_t other = 0;
  std::uint64_t records = 0;
  std::uint64_t c_stores = 0;     // C-STORE-RQ commands decoded
  std::uint64_t bytes = 0;        // stream bytes received
  std::uint64_t over_budget = 0;  // flows judged "other" because decide_budget was reached
  // DICOM flows with a PS3.8 violation an endpoint aborts for (an A-ASSOCIATE-AC answering
  // a presentation context that was not proposed, ...); they are still decoded and recorded.
  std::uint64_t protocol_errors = 0;
};

class FlowAnalyser final : public FlowSink {
 public:
  using Emit = std::function<void(record::FlowRecord&&)>;
  explicit FlowAnalyser(Emit emit, AnalyserOptions options = {});
  ~FlowAnalyser() override;
  FlowAnalyser(const FlowAnalyser&) = delete;
  FlowAnalyser& operator=(const FlowAnalyser&) = delete;

  void on_open(const FlowInfo& info) override;
  void on_data(FlowId id, Side side, std::span<const std::uint8_t> bytes,
               std::int64_t ts_us) override;
  void on_gap(FlowId id, Side side, std::uint64_t missing_bytes, std::int64_t ts_us) override;
  void on_close(FlowId id, CloseReason reason, std::int64_t ts_us) override;

  [[nodiscard]] const AnalyserStats& stats() const noexcept { return stats_; }
  // Bytes held over all open flows now (undecided bytes + codec buffers).
  [[nodiscard]] std::size_t buffered_bytes() const noexcept;

 private:
  struct Flow;
  void decide(Flow& f, bool closing);
  [[nodiscard]] Side guess_requestor(const Flow& f, Side sender) const;
  void commit_dicom(Flow& f, bool midstream, Side requestor);
  void commit_tls(Flow& f);
  void commit_other(Flow& f);

  Emit emit_;
  AnalyserOptions options_;
  std::unordered_map<FlowId, std::unique_ptr<Flow>> flows_;
  AnalyserStats stats_;
  std::size_t held_ = 0;  // undecided bytes over all flows
};

}  // namespace dicomsec::pcap
