// What the TCP reassembler hands to its consumer (the DICOM/TLS flow analyser, tests): one
// callback per flow event, bytes in stream order per direction. The reassembler owns no
// protocol knowledge and the sink owns no packet knowledge (docs/design.md, "pcap: TCP
// reassembly").
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

namespace dicomsec::pcap {

struct Endpoint {
  // IPv4 addresses use the first 4 bytes; the rest stay zero.
  std::array<std::uint8_t, 16> addr{};
  bool v6 = false;
  std::uint16_t port = 0;

  // "127.0.0.1" or "::1" (RFC 5952 text form).
  [[nodiscard]] std::string ip() const;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// Stable within a capture: 1, 2, 3... in the order of each flow's first packet.
using FlowId = std::uint64_t;

// Initiator = the sender of the SYN when it was seen, else the sender of the first segment
// seen (a capture that starts mid-connection).
enum class Side : std::uint8_t { Initiator, Responder };

struct FlowInfo {
  FlowId id = 0;
  Endpoint initiator, responder;
  bool saw_syn = false;
  std::int64_t first_ts_us = 0;
};

enum class CloseReason : std::uint8_t {
  Fin,           // both directions finished (or one FIN and the flow went quiet)
  Rst,           // a RST was seen
  Idle,          // no packet for Limits::idle_timeout_us
  Evicted,       // memory budget or flow-table limit: the oldest flows go first
  EndOfCapture,  // finish(): the capture ended with the flow still open
};

// Callbacks run inside Reassembler::feed/expire/finish; a sink must not call back into
// the reassembler.
class FlowSink {
 public:
  virtual ~FlowSink() = default;
  virtual void on_open(const FlowInfo&) = 0;
  // Bytes in stream order for one direction. The span points into the packet (or into the
  // reassembler's out-of-order buffer) and is valid only during the call.
  virtual void on_data(FlowId, Side, std::span<const std::uint8_t> in_order_bytes,
                       std::int64_t ts_us) = 0;
  // `missing_bytes` of this direction were never seen and are skipped; the next on_data
  // continues after the hole, so a decoder must resynchronise.
  virtual void on_gap(FlowId, Side, std::uint64_t missing_bytes, std::int64_t ts_us) = 0;
  // Last call for the flow; nothing follows it.
  virtual void on_close(FlowId, CloseReason, std::int64_t ts_us) = 0;
};

[[nodiscard]] const char* to_string(Side) noexcept;
[[nodiscard]] const char* to_string(CloseReason) noexcept;

}  // namespace dicomsec::pcap
