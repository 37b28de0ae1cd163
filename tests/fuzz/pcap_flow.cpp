// libFuzzer target: pcap::FlowAnalyser fed arbitrary bytes in both directions of one flow, as
// the reassembler would deliver them (issue 14 §10). Input: byte 0 seeds the chunk sizes and
// gap positions; byte 1 bit 0 = the SYN was seen, bit 1 = the initiator has the higher port;
// bytes 2-3 (big endian) = how many of the remaining bytes the initiator sent, the rest is the
// responder's. The analyser must never crash or hang, must keep its buffers bounded, and
// must emit at most one record, which must name no byte it was not given as a tag or count.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>

#include "pcap/analyser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dicomsec;
  if (size < 4) return 0;
  std::uint32_t seed = data[0];
  const bool syn = (data[1] & 1) != 0;
  const bool high = (data[1] & 2) != 0;
  std::size_t split = (std::size_t{data[2]} << 8) | data[3];
  const std::span<const std::uint8_t> stream(data + 4, size - 4);
  if (split > stream.size()) split = stream.size();
  const std::span<const std::uint8_t> halves[2] = {stream.first(split), stream.subspan(split)};

  int records = 0;
  pcap::AnalyserOptions options;
  options.decide_bytes = 4096;        // reach the "other" verdict on small inputs too
  options.midstream_large_pdu = 512;  // and the header-only hunt's large-PDU rule
  pcap::FlowAnalyser analyser([&](record::FlowRecord&&) { ++records; }, options);
  pcap::FlowInfo info;
  info.id = 1;
  info.saw_syn = syn;
  info.initiator.addr = {127, 0, 0, 1};
  info.responder.addr = {127, 0, 0, 1};
  info.initiator.port = high ? 50000 : 104;
  info.responder.port = high ? 104 : 50000;
  analyser.on_open(info);
  std::size_t pos[2] = {0, 0};
  std::int64_t ts = 0;
  while (pos[0] < halves[0].size() || pos[1] < halves[1].size()) {
    seed = seed * 1103515245U + 12345U;
    const int side = static_cast<int>((seed >> 8) & 1);
    if (pos[side] >= halves[side].size()) continue;
    std::size_t n = 1 + (seed >> 16) % 97;
    if (n > halves[side].size() - pos[side]) n = halves[side].size() - pos[side];
    const auto s = side == 0 ? pcap::Side::Initiator : pcap::Side::Responder;
    if ((seed >> 24) % 17 == 0)
      analyser.on_gap(1, s, n, ++ts);
    else
      analyser.on_data(1, s, halves[side].subspan(pos[side], n), ++ts);
    pos[side] += n;
    // Undecided bytes are capped by decide_bytes, decoders by their PDU limits.
    if (analyser.buffered_bytes() > 2 * options.decide_bytes + 4 * (2U << 20)) std::abort();
  }
  analyser.on_close(1, pcap::CloseReason::Fin, ++ts);
  if (records > 1 || analyser.buffered_bytes() != 0) std::abort();
  return 0;
}
