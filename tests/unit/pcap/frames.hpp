// Builds link/IP/TCP frames for the pcap tests, fuzz seeds and the benchmark. Checksums are
// left zero: the decoder, like every passive reader of mirrored traffic, ignores them
// (offloading makes captured checksums wrong anyway).
#pragma once

#include <arpa/inet.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "pcap/flow_sink.hpp"

namespace dicomsec::pcap::testing {

inline Endpoint ep(const std::string& ip, std::uint16_t port) {
  Endpoint e;
  e.port = port;
  e.v6 = ip.find(':') != std::string::npos;
  inet_pton(e.v6 ? AF_INET6 : AF_INET, ip.c_str(), e.addr.data());
  return e;
}

inline Bytes tcp(const Endpoint& src, const Endpoint& dst, std::uint32_t seq, std::uint32_t ack,
                 std::uint8_t flags, ByteView payload, ByteView options = {}) {
  ByteWriter w;
  w.u16be(src.port);
  w.u16be(dst.port);
  w.u32be(seq);
  w.u32be(ack);
  w.u8(static_cast<std::uint8_t>(((20 + options.size()) / 4) << 4));
  w.u8(flags);
  w.u16be(65535);  // window
  w.u16be(0);      // checksum
  w.u16be(0);      // urgent
  w.bytes(options);
  w.bytes(payload);
  return std::move(w).take();
}

// `frag` is the flags+offset field: 0x4000 = DF, 0x2000 = MF, low 13 bits = offset/8.
inline Bytes ipv4(const Endpoint& src, const Endpoint& dst, std::uint8_t proto, ByteView l4,
                  std::uint16_t id = 1, std::uint16_t frag = 0x4000) {
  ByteWriter w;
  w.u8(0x45);
  w.u8(0);
  w.u16be(static_cast<std::uint16_t>(20 + l4.size()));
  w.u16be(id);
  w.u16be(frag);
  w.u8(64);
  w.u8(proto);
  w.u16be(0);
  w.bytes(ByteView(src.addr.data(), 4));
  w.bytes(ByteView(dst.addr.data(), 4));
  w.bytes(l4);
  return std::move(w).take();
}

// `body` holds any extension headers followed by the upper-layer data.
inline Bytes ipv6(const Endpoint& src, const Endpoint& dst, std::uint8_t next, ByteView body) {
  ByteWriter w;
  w.u32be(0x60000000);
  w.u16be(static_cast<std::uint16_t>(body.size()));
  w.u8(next);
  w.u8(64);
  w.bytes(ByteView(src.addr.data(), 16));
  w.bytes(ByteView(dst.addr.data(), 16));
  w.bytes(body);
  return std::move(w).take();
}

// IPv6 fragments (RFC 8200 §4.5) of an upper-layer packet `l4`, `size` bytes of it each (a
// multiple of 8), with identification `id`. `inner` is put ahead of `l4` in the fragmentable
// part (extension headers after the Fragment header), `inner_nh` names what it starts with.
inline std::vector<Bytes> ipv6_fragments(const Endpoint& src, const Endpoint& dst, ByteView l4,
                                         std::size_t size, std::uint32_t id, ByteView inner = {},
                                         std::uint8_t inner_nh = 6) {
  Bytes part(inner.begin(), inner.end());
  part.insert(part.end(), l4.begin(), l4.end());
  std::vector<Bytes> out;
  for (std::size_t off = 0; off < part.size(); off += size) {
    const std::size_t n = std::min(size, part.size() - off);
    const bool more = off + n < part.size();
    ByteWriter f;
    f.u8(inner_nh);  // every fragment carries it; only the first one's counts
    f.u8(0);
    f.u16be(static_cast<std::uint16_t>((off / 8) << 3 | (more ? 1 : 0)));
    f.u32be(id);
    f.bytes(ByteView(part).subspan(off, n));
    out.push_back(ipv6(src, dst, 44, f.data()));
  }
  return out;
}

// A TCP segment in IPv4 or IPv6 by the endpoints' family.
inline Bytes ip_tcp(const Endpoint& src, const Endpoint& dst, std::uint32_t seq, std::uint8_t flags,
                    ByteView payload, std::uint32_t ack = 0) {
  auto t = tcp(src, dst, seq, ack, flags, payload);
  return src.v6 ? ipv6(src, dst, 6, t) : ipv4(src, dst, 6, t);
}

inline Bytes ethernet(std::uint16_t ethertype, ByteView payload,
                      std::initializer_list<std::uint16_t> vlan_tpids = {}) {
  ByteWriter w;
  for (int i = 0; i < 6; ++i) w.u8(0x02);  // destination MAC (locally administered)
  for (int i = 0; i < 6; ++i) w.u8(0x04);  // source MAC
  std::uint16_t vid = 10;
  for (std::uint16_t tpid : vlan_tpids) {
    w.u16be(tpid);
    w.u16be(vid++);
  }
  w.u16be(ethertype);
  w.bytes(payload);
  return std::move(w).take();
}

inline std::uint16_t ethertype_of(ByteView ip) {
  return !ip.empty() && (ip[0] >> 4) == 6 ? 0x86DD : 0x0800;
}

inline Bytes sll(ByteView ip) {
  ByteWriter w;
  w.u16be(0);    // packet type: to us
  w.u16be(772);  // ARPHRD_LOOPBACK
  w.u16be(6);    // address length
  w.zeros(8);    // address
  w.u16be(ethertype_of(ip));
  w.bytes(ip);
  return std::move(w).take();
}

inline Bytes sll2(ByteView ip) {
  ByteWriter w;
  w.u16be(ethertype_of(ip));
  w.u16be(0);  // reserved
  w.u32be(1);  // interface index
  w.u16be(772);
  w.u8(0);  // packet type
  w.u8(6);  // address length
  w.zeros(8);
  w.bytes(ip);
  return std::move(w).take();
}

// DLT_NULL (host byte order, little endian here) or DLT_LOOP (network order).
inline Bytes null_header(std::uint32_t af, ByteView ip, bool network_order) {
  ByteWriter w;
  if (network_order)
    w.u32be(af);
  else
    w.u32le(af);
  w.bytes(ip);
  return std::move(w).take();
}

inline Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

}  // namespace dicomsec::pcap::testing
