// Frame decoding (sans-IO): link layer -> IPv4/IPv6 -> TCP, every header read through the
// bounds-checked ByteReader. IPv4 and IPv6 fragments are reassembled in one small bounded table.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/result.hpp"
#include "pcap/flow_sink.hpp"

namespace dicomsec::pcap {

// libpcap DLT_/LINKTYPE_ values this decoder understands (tcpdump.org/linktypes.html).
namespace linktype {
inline constexpr int Null = 0;         // BSD loopback: host-endian 4-byte AF
inline constexpr int Ethernet = 1;     // with 802.1Q / QinQ (0x8100, 0x88a8, 0x9100)
inline constexpr int Raw = 101;        // LINKTYPE_RAW: IPv4 or IPv6, by version nibble
inline constexpr int RawDlt12 = 12;    // DLT_RAW on most BSDs
inline constexpr int RawDlt14 = 14;    // DLT_RAW on OpenBSD
inline constexpr int Loop = 108;       // OpenBSD loopback: network-order 4-byte AF
inline constexpr int LinuxSll = 113;   // Linux "cooked" v1
inline constexpr int Ipv4 = 228;       // LINKTYPE_IPV4
inline constexpr int Ipv6 = 229;       // LINKTYPE_IPV6
inline constexpr int LinuxSll2 = 276;  // Linux "cooked" v2
}  // namespace linktype

[[nodiscard]] bool link_type_supported(int link_type) noexcept;
// "EN10MB (Ethernet)"-style name for messages; works for unsupported types too.
[[nodiscard]] std::string link_type_name(int link_type);

namespace tcpflag {
inline constexpr std::uint8_t Fin = 0x01;
inline constexpr std::uint8_t Syn = 0x02;
inline constexpr std::uint8_t Rst = 0x04;
inline constexpr std::uint8_t Psh = 0x08;
inline constexpr std::uint8_t Ack = 0x10;
}  // namespace tcpflag

struct TcpSegment {
  Endpoint src, dst;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint8_t flags = 0;  // tcpflag bits
  // Points into the frame (or the decoder's fragment buffer): valid until the next decode().
  std::span<const std::uint8_t> payload;
  std::int64_t ts_us = 0;
};

struct DecodeStats {
  std::uint64_t frames = 0;
  std::uint64_t tcp = 0;
  std::uint64_t non_ip = 0;     // ARP, LLDP, unknown ethertypes...
  std::uint64_t non_tcp = 0;    // UDP, ICMP, ...
  std::uint64_t malformed = 0;  // truncated or inconsistent headers
  std::uint64_t ip_fragments = 0;
  std::uint64_t ip_fragments_reassembled = 0;  // datagrams completed from fragments
  std::uint64_t ip_fragments_dropped = 0;      // fragments given up (limits, overlap, expiry)
  std::uint64_t ipv6_fragments = 0;            // of ip_fragments, those of IPv6 (RFC 8200)
};

struct FragmentLimits {
  std::size_t max_datagrams = 64;           // in reassembly at once; the oldest is dropped
  std::size_t max_fragments = 64;           // per datagram
  std::size_t max_bytes = 4 * 1024 * 1024;  // all partial datagrams together
  std::int64_t timeout_us = 30'000'000;     // RFC 791 suggests 15 s upper bound; Linux uses 30 s
};

enum class FrameKind : std::uint8_t {
  Tcp,           // `segment` is filled
  NonIp,         // not IPv4/IPv6 (counted)
  NonTcp,        // IP but not TCP (counted)
  FragmentHeld,  // an IP fragment kept until its datagram completes
};

struct Decoded {
  FrameKind kind = FrameKind::NonIp;
  TcpSegment segment;
};

class Decoder {
 public:
  explicit Decoder(int link_type, FragmentLimits limits = {});
  ~Decoder();
  Decoder(Decoder&&) noexcept;
  Decoder& operator=(Decoder&&) noexcept;

  // One captured frame. An Error is a malformed/truncated frame (counted in `malformed`);
  // the caller skips it and continues.
  Result<Decoded> decode(std::span<const std::uint8_t> frame, std::int64_t ts_us);
  [[nodiscard]] const DecodeStats& stats() const noexcept { return stats_; }
  [[nodiscard]] int link_type() const noexcept { return link_type_; }

 private:
  struct Fragments;
  int link_type_;
  DecodeStats stats_;
  std::unique_ptr<Fragments> frags_;
};

}  // namespace dicomsec::pcap
