// One DICOM association seen on the wire (issue 14 §3, §4, §6): two observer
// dul::Associations, one per direction, sharing one ContextTable, fed by the reassembler;
// their indications become the flow record. Data sets are streamed through an
// ElementScanner per direction and never held. The A-ASSOCIATE-RQ's raw bytes (which may
// hold a password) are dropped at once: only the identity type and "a secret was there" stay.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>

#include "core/bytes.hpp"
#include "dul/association.hpp"
#include "pcap/element_scan.hpp"
#include "pcap/flow_sink.hpp"
#include "record/flow.hpp"

namespace dicomsec::pcap {

class DicomFlow {
 public:
  // requestor: the side believed to be the association requestor (the client).
  // midstream: decoding starts inside the association (both observers resynchronise).
  DicomFlow(const FlowInfo& info, Side requestor, bool midstream, const dul::Limits& limits);

  void data(Side side, ByteView bytes);
  void gap(Side side, std::uint64_t missing);
  // Bytes before the first ones given to data() that were seen but not kept while the flow
  // was undecided (a mid-stream hunt): not a capture gap, but not decoded either.
  void skipped(Side side, std::uint64_t n) { skipped_[static_cast<std::size_t>(side)] += n; }
  // Memory held now (decoders and command assembly), for tests of the bound.
  [[nodiscard]] std::size_t buffered_bytes() const noexcept;
  // C-STORE-RQ commands decoded so far (the benchmark's count).
  [[nodiscard]] std::uint64_t stores() const noexcept { return stores_; }
  // PS3.8 violations an endpoint would have aborted for, seen in either direction (the
  // observers note them in the record's conformance lines and read on).
  [[nodiscard]] std::uint64_t protocol_errors() const noexcept {
    return dirs_[0].observer->protocol_errors() + dirs_[1].observer->protocol_errors();
  }
  // The record (conn, timestamps and close are the caller's).
  [[nodiscard]] record::FlowRecord result() const;

 private:
  struct Direction {
    std::unique_ptr<dul::Association> observer;
    std::optional<ElementScanner> scanner;  // the data set in progress
    record::FlowDirection stats;
    std::uint64_t requests = 0;  // -RQ commands sent (tells the requestor mid-stream)
  };
  void handle(Side side, dul::Output&& out);
  void on_command(Side side, const dul::ind::Command& c);
  void end_data_set(Direction& d);
  [[nodiscard]] Side client_side() const noexcept;
  Direction& dir(Side s) noexcept { return dirs_[static_cast<std::size_t>(s)]; }
  [[nodiscard]] const Direction& dir(Side s) const noexcept {
    return dirs_[static_cast<std::size_t>(s)];
  }

  FlowInfo info_;
  Side requestor_;
  bool midstream_;
  std::shared_ptr<dul::ContextTable> contexts_;
  std::array<Direction, 2> dirs_;
  std::optional<Side> rq_sender_;
  record::AssociationRecord association_;
  bool saw_rq_ = false, saw_ac_ = false, saw_data_ = false;
  std::optional<record::ProductRecord> product_, client_product_;
  std::optional<record::UserIdentityRecord> identity_;
  std::map<std::string, record::DimseCount> dimse_;
  std::set<std::string> move_destinations_, sop_classes_;
  std::set<std::uint32_t> phi_;
  std::uint64_t stores_ = 0;
  std::array<std::uint64_t, 2> skipped_{};
};

}  // namespace dicomsec::pcap
