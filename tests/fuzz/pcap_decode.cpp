// libFuzzer target for the frame decoder (src/pcap/decode.cpp).
// Input: byte 0 picks the link type (every supported one and one unsupported), byte 1 the
// fragment limits; the rest is a sequence of frames, each a 16-bit big-endian length and
// that many bytes, fed to one Decoder (so IPv4 and IPv6 fragments of different frames meet).
// Checks: no crash/UB, a TCP payload lies inside its frame or the defragmented datagram,
// and the counters add up.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "core/bytes.hpp"
#include "pcap/decode.hpp"

namespace {
using namespace dicomsec;
using namespace dicomsec::pcap;

constexpr std::array<int, 11> kLinkTypes = {linktype::Ethernet,
                                            linktype::LinuxSll,
                                            linktype::LinuxSll2,
                                            linktype::Null,
                                            linktype::Loop,
                                            linktype::Raw,
                                            linktype::RawDlt12,
                                            linktype::RawDlt14,
                                            linktype::Ipv4,
                                            linktype::Ipv6,
                                            105};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteReader in(ByteView(data, size));
  auto lt = in.u8();
  auto lim = in.u8();
  if (!lt || !lim) return 0;
  FragmentLimits limits;
  limits.max_datagrams = 1 + (*lim & 7);
  limits.max_fragments = 1 + ((*lim >> 3) & 15);
  limits.max_bytes = (*lim & 0x80) != 0 ? 2048 : 1 << 20;
  limits.timeout_us = 5000;
  Decoder d(kLinkTypes[*lt % kLinkTypes.size()], limits);
  std::int64_t ts = 0;
  std::uint64_t frames = 0;
  while (auto len = in.u16be()) {
    ByteView frame = in.take(*len).value_or(in.rest());
    if (frame.size() < *len) in.skip(in.remaining());
    ++frames;
    ts += 1000;
    auto r = d.decode(frame, ts);
    if (!r || r->kind != FrameKind::Tcp) continue;
    const auto& p = r->segment.payload;
    const bool in_frame = p.empty() || (p.data() >= frame.data() &&
                                        p.data() + p.size() <= frame.data() + frame.size());
    // A defragmented datagram is at most 64 KiB and lives in the decoder.
    if (!in_frame && p.size() > 65535) std::abort();
    if (r->segment.ts_us != ts) std::abort();
  }
  const DecodeStats& s = d.stats();
  if (s.frames != frames) std::abort();
  if (s.ip_fragments_reassembled > s.ip_fragments) std::abort();
  if (s.ipv6_fragments > s.ip_fragments) std::abort();
  return 0;
}
