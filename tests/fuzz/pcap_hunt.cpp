// libFuzzer target for pcap::PduChainHunter (src/pcap/pdu_hunt.cpp), the header-only hunt
// for DICOM PDU chains in a stream picked up mid-association. Input: byte 0 seeds the chunk
// sizes, byte 1 picks the caps (small ones so short inputs reach every state); the rest is the
// stream. Checks: no crash/UB; until a decision at most a window of bytes is held and the
// candidates stay within their cap; a decision falls on a P-DATA-TF or 10-byte PDU header
// inside the bytes fed, and later bytes only extend the tail.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "core/bytes.hpp"
#include "pcap/pdu_hunt.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dicomsec;
  if (size < 2) return 0;
  std::uint32_t seed = data[0];
  pcap::HuntOptions o;
  o.max_pdu_length = 16U + (std::uint32_t{data[1]} & 0x0F) * 256U;
  o.large_pdu = 8U + (std::uint32_t{data[1]} >> 4) * 64U;
  o.chain_pdus = 1 + (data[1] & 3);
  o.max_candidates = 4;
  pcap::PduChainHunter h(o);
  const ByteView stream(data + 2, size - 2);
  std::size_t pos = 0;
  while (pos < stream.size()) {
    seed = seed * 1103515245U + 12345U;
    const std::size_t n = std::min<std::size_t>(1 + (seed >> 16) % 61, stream.size() - pos);
    const bool before = h.found();
    const bool found = h.feed(stream.subspan(pos, n));
    pos += n;
    if (h.fed() != pos) std::abort();
    if (!found) {
      if (h.buffered() >= 12 || h.candidates() > o.max_candidates) std::abort();
      continue;
    }
    if (h.boundary() + h.tail().size() != pos || h.tail().size() < 10) std::abort();
    const std::uint8_t type = h.tail()[0];
    if (type < 0x04 || type > 0x07) std::abort();
    if (before && h.tail().size() < n) std::abort();
  }
  return 0;
}
