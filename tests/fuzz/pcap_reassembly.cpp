// libFuzzer target for the TCP reassembler (src/pcap/reassembly.cpp).
// The input is a script of segments over 8 flows, both directions. Every payload byte is
// the low byte of its own sequence number, so whatever the order, duplication, overlap or
// loss, the delivered stream of a direction must count up by one per byte, and by N+1
// across an on_gap(N). The sink also checks the callback contract: no event for an unknown
// or closed flow, no empty data, no zero gap, ids 1, 2, 3... in order, and the out-of-order
// buffer within the budget.
//
// Script: byte 0 = limits selector, then 5-byte operations:
//   [flow:3 | dir:1 | flags:4] [delta hi] [delta lo] [length] [time step]
// delta is a signed 16-bit offset from the direction's sender cursor (reorder, overlap,
// retransmission, loss); the cursor then moves to the end of the segment.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <vector>

#include "core/bytes.hpp"
#include "pcap/reassembly.hpp"

namespace {
using namespace dicomsec;
using namespace dicomsec::pcap;

[[noreturn]] void fail() { std::abort(); }

class CheckingSink : public FlowSink {
 public:
  struct State {
    bool closed = false;
    bool have_last[2] = {false, false};
    std::uint8_t last[2] = {0, 0};
    std::uint64_t pending_gap[2] = {0, 0};
  };
  void on_open(const FlowInfo& info) override {
    if (info.id != next_id++) fail();
    flows[info.id];
  }
  void on_data(FlowId id, Side side, std::span<const std::uint8_t> bytes, std::int64_t) override {
    State& s = at(id);
    if (bytes.empty()) fail();
    const int d = static_cast<int>(side);
    for (std::uint8_t b : bytes) {
      if (s.have_last[d]) {
        const auto expect = static_cast<std::uint8_t>(s.last[d] + 1 + s.pending_gap[d]);
        if (b != expect) fail();
      }
      s.have_last[d] = true;
      s.pending_gap[d] = 0;
      s.last[d] = b;
    }
  }
  void on_gap(FlowId id, Side side, std::uint64_t missing, std::int64_t) override {
    State& s = at(id);
    if (missing == 0) fail();
    s.pending_gap[static_cast<int>(side)] += missing;
  }
  void on_close(FlowId id, CloseReason, std::int64_t) override { at(id).closed = true; }

  std::map<FlowId, State> flows;
  FlowId next_id = 1;

 private:
  State& at(FlowId id) {
    auto it = flows.find(id);
    if (it == flows.end() || it->second.closed) fail();
    return it->second;
  }
};

constexpr std::array<std::uint8_t, 16> kFlags = {
    tcpflag::Ack,
    tcpflag::Ack | tcpflag::Psh,
    tcpflag::Ack,
    tcpflag::Ack | tcpflag::Psh,
    tcpflag::Ack,
    tcpflag::Ack | tcpflag::Psh,
    tcpflag::Syn,
    tcpflag::Syn | tcpflag::Ack,
    tcpflag::Fin | tcpflag::Ack,
    tcpflag::Fin | tcpflag::Ack | tcpflag::Psh,
    tcpflag::Rst,
    tcpflag::Rst | tcpflag::Ack,
    0,
    tcpflag::Ack | tcpflag::Psh,
    tcpflag::Ack,
    tcpflag::Syn | tcpflag::Fin,
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteReader in(ByteView(data, size));
  auto sel = in.u8();
  if (!sel) return 0;
  ReassemblyLimits limits;
  limits.per_flow_buffer = (*sel & 1) != 0 ? 300 : 64 * 1024;
  limits.global_budget = (*sel & 2) != 0 ? 500 : 1 << 20;
  limits.max_window = (*sel & 4) != 0 ? 200 : 1 << 16;
  limits.max_flows = (*sel & 8) != 0 ? 3 : 1000;
  limits.idle_timeout_us = (*sel & 16) != 0 ? 50'000 : 10'000'000;
  CheckingSink sink;
  Reassembler r(sink, limits);

  std::array<std::array<std::uint32_t, 2>, 8> cursor{};
  for (std::size_t f = 0; f < cursor.size(); ++f) {
    // Start near 2^32 so many scripts cross the wrap.
    cursor[f][0] = 0xFFFFFF00U + static_cast<std::uint32_t>(f * 37);
    cursor[f][1] = 0x7FFFFFF0U * static_cast<std::uint32_t>(f);
  }
  std::vector<std::uint8_t> payload;
  std::int64_t ts = 1'000'000;
  while (in.remaining() >= 5) {
    const std::uint8_t op = *in.u8();
    const auto delta = static_cast<std::int16_t>(*in.u16be());
    const std::uint8_t len = *in.u8();
    const std::uint8_t step = *in.u8();
    const std::size_t flow = op >> 5;
    const int dir = (op >> 4) & 1;
    ts += static_cast<std::int64_t>(step) * (step > 250 ? 100'000 : 100);
    TcpSegment s;
    s.src.addr = {192, 0, 2, 1};
    s.dst.addr = {192, 0, 2, 2};
    s.src.port = static_cast<std::uint16_t>(40000 + flow);
    s.dst.port = 104;
    if (dir == 1) std::swap(s.src, s.dst);
    s.flags = kFlags[op & 15];
    const std::uint32_t seq = cursor[flow][dir] + static_cast<std::uint32_t>(delta);
    s.seq = seq;
    // The byte at sequence number n is n's low byte (a SYN occupies seq itself).
    const std::uint32_t first = seq + ((s.flags & tcpflag::Syn) != 0 ? 1U : 0U);
    payload.resize(len);
    for (std::size_t i = 0; i < len; ++i) {
      payload[i] = static_cast<std::uint8_t>(first + static_cast<std::uint32_t>(i));
    }
    s.payload = payload;
    s.ts_us = ts;
    cursor[flow][dir] = first + len;
    r.feed(s);
    const auto& st = r.stats();
    if (st.buffered_bytes > limits.global_budget) fail();
    if (st.open_flows > limits.max_flows) fail();
  }
  r.finish(ts);
  const auto& st = r.stats();
  if (st.open_flows != 0 || st.buffered_bytes != 0) fail();
  if (st.flows_closed != st.flows_opened) fail();
  for (const auto& [id, s] : sink.flows) {
    if (!s.closed) fail();
  }
  return 0;
}
