#include "pcap/decode.hpp"

#include <gtest/gtest.h>

#include "frames.hpp"

namespace dicomsec::pcap {
namespace {

using namespace testing;  // NOLINT: the frame builders

const Endpoint kClient = ep("192.0.2.10", 40000);
const Endpoint kServer = ep("198.51.100.20", 104);
const Endpoint kClient6 = ep("2001:db8::10", 40001);
const Endpoint kServer6 = ep("2001:db8::20", 11112);

void expect_segment(Decoder& d, ByteView frame, const Endpoint& src, const Endpoint& dst,
                    const std::string& payload) {
  auto r = d.decode(frame, 7);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->kind, FrameKind::Tcp);
  EXPECT_EQ(r->segment.src, src);
  EXPECT_EQ(r->segment.dst, dst);
  EXPECT_EQ(r->segment.seq, 1000U);
  EXPECT_EQ(r->segment.flags, tcpflag::Ack | tcpflag::Psh);
  EXPECT_EQ(std::string(r->segment.payload.begin(), r->segment.payload.end()), payload);
  EXPECT_EQ(r->segment.ts_us, 7);
}

Bytes v4seg(const std::string& p) {
  return ip_tcp(kClient, kServer, 1000, tcpflag::Ack | tcpflag::Psh, text(p));
}
Bytes v6seg(const std::string& p) {
  return ip_tcp(kClient6, kServer6, 1000, tcpflag::Ack | tcpflag::Psh, text(p));
}

TEST(PcapDecode, EndpointText) {
  EXPECT_EQ(ep("127.0.0.1", 1).ip(), "127.0.0.1");
  EXPECT_EQ(ep("::1", 1).ip(), "::1");
  EXPECT_EQ(ep("2001:db8:0:0:1::1", 1).ip(), "2001:db8::1:0:0:1");
}

TEST(PcapDecode, EthernetIpv4AndIpv6) {
  Decoder d(linktype::Ethernet);
  expect_segment(d, ethernet(0x0800, v4seg("hello")), kClient, kServer, "hello");
  expect_segment(d, ethernet(0x86DD, v6seg("six")), kClient6, kServer6, "six");
  EXPECT_EQ(d.stats().tcp, 2U);
}

TEST(PcapDecode, EthernetPaddingIsTrimmedByIpLength) {
  Decoder d(linktype::Ethernet);
  Bytes frame = ethernet(0x0800, v4seg("ab"));
  frame.resize(frame.size() + 10, 0);  // minimum-frame padding
  expect_segment(d, frame, kClient, kServer, "ab");
}

TEST(PcapDecode, VlanAndQinQ) {
  Decoder d(linktype::Ethernet);
  expect_segment(d, ethernet(0x0800, v4seg("one"), {0x8100}), kClient, kServer, "one");
  expect_segment(d, ethernet(0x0800, v4seg("two"), {0x88A8, 0x8100}), kClient, kServer, "two");
  expect_segment(d, ethernet(0x86DD, v6seg("old"), {0x9100, 0x8100}), kClient6, kServer6, "old");
  // Five tags is more than any real network stacks.
  auto r = d.decode(ethernet(0x0800, v4seg("x"), {0x8100, 0x8100, 0x8100, 0x8100, 0x8100}), 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, FrameKind::NonIp);
}

TEST(PcapDecode, LinuxCookedV1AndV2) {
  Decoder v1(linktype::LinuxSll);
  expect_segment(v1, sll(v4seg("sll")), kClient, kServer, "sll");
  expect_segment(v1, sll(v6seg("sll6")), kClient6, kServer6, "sll6");
  Decoder v2(linktype::LinuxSll2);
  expect_segment(v2, sll2(v4seg("sll2")), kClient, kServer, "sll2");
  expect_segment(v2, sll2(v6seg("sll2v6")), kClient6, kServer6, "sll2v6");
}

TEST(PcapDecode, BsdLoopback) {
  Decoder null(linktype::Null);
  expect_segment(null, null_header(2, v4seg("n4"), false), kClient, kServer, "n4");
  for (std::uint32_t af6 : {10U, 24U, 28U, 30U}) {
    expect_segment(null, null_header(af6, v6seg("n6"), false), kClient6, kServer6, "n6");
  }
  // Written on a big-endian host: DLT_NULL is in the writer's order.
  expect_segment(null, null_header(2, v4seg("be"), true), kClient, kServer, "be");
  Decoder loop(linktype::Loop);
  expect_segment(loop, null_header(2, v4seg("l4"), true), kClient, kServer, "l4");
  expect_segment(loop, null_header(24, v6seg("l6"), true), kClient6, kServer6, "l6");
  auto r = loop.decode(null_header(7, v4seg("x"), true), 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, FrameKind::NonIp);
}

TEST(PcapDecode, RawIp) {
  for (int lt : {linktype::Raw, linktype::RawDlt12, linktype::RawDlt14}) {
    Decoder d(lt);
    expect_segment(d, v4seg("r4"), kClient, kServer, "r4");
    expect_segment(d, v6seg("r6"), kClient6, kServer6, "r6");
  }
  Decoder v4(linktype::Ipv4);
  expect_segment(v4, v4seg("only4"), kClient, kServer, "only4");
  Decoder v6(linktype::Ipv6);
  expect_segment(v6, v6seg("only6"), kClient6, kServer6, "only6");
}

TEST(PcapDecode, Ipv6ExtensionHeaders) {
  Decoder d(linktype::Raw);
  Bytes t = tcp(kClient6, kServer6, 1000, 0, tcpflag::Ack | tcpflag::Psh, text("ext"));
  ByteWriter body;
  // Hop-by-hop (8 bytes, PadN), routing (24 bytes), destination options (8), AH (16),
  // atomic fragment (8), then TCP.
  body.u8(43);
  body.u8(0);
  body.u8(1);
  body.u8(4);
  body.zeros(4);
  body.u8(60);
  body.u8(2);
  body.zeros(22);
  body.u8(51);
  body.u8(0);
  body.u8(1);
  body.u8(4);
  body.zeros(4);
  body.u8(44);
  body.u8(2);
  body.zeros(14);
  body.u8(6);
  body.u8(0);
  body.u16be(0);
  body.u32be(77);
  body.bytes(t);
  expect_segment(d, ipv6(kClient6, kServer6, 0, body.data()), kClient6, kServer6, "ext");

  // A real fragment (offset 0, M=1) is held for reassembly.
  ByteWriter frag;
  frag.u8(6);
  frag.u8(0);
  frag.u16be(0x0001);
  frag.u32be(78);
  frag.bytes(t);
  auto r = d.decode(ipv6(kClient6, kServer6, 44, frag.data()), 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, FrameKind::FragmentHeld);
  EXPECT_EQ(d.stats().ipv6_fragments, 1U);

  // An extension header running past the packet is malformed.
  ByteWriter bad;
  bad.u8(6);
  bad.u8(200);
  bad.zeros(6);
  auto m = d.decode(ipv6(kClient6, kServer6, 60, bad.data()), 0);
  EXPECT_FALSE(m.ok());
  EXPECT_EQ(d.stats().malformed, 1U);
  // No next header / UDP are "not TCP".
  auto u = d.decode(ipv6(kClient6, kServer6, 17, text("12345678")), 0);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->kind, FrameKind::NonTcp);
}

TEST(PcapDecode, NonIpAndNonTcpAreCounted) {
  Decoder d(linktype::Ethernet);
  auto arp = d.decode(ethernet(0x0806, Bytes(28, 0)), 0);
  ASSERT_TRUE(arp.ok());
  EXPECT_EQ(arp->kind, FrameKind::NonIp);
  auto udp = d.decode(ethernet(0x0800, ipv4(kClient, kServer, 17, Bytes(8, 0))), 0);
  ASSERT_TRUE(udp.ok());
  EXPECT_EQ(udp->kind, FrameKind::NonTcp);
  EXPECT_EQ(d.stats().non_ip, 1U);
  EXPECT_EQ(d.stats().non_tcp, 1U);
}

TEST(PcapDecode, TruncatedFramesAreErrorsAtEveryLength) {
  const Bytes v4 = v4seg("payload");
  struct Case {
    int lt;
    Bytes frame;
    std::size_t header;  // bytes before the TCP payload
  };
  const Case cases[] = {
      {linktype::Ethernet, ethernet(0x0800, v4, {0x8100}), 18 + 20 + 20},
      {linktype::LinuxSll, sll(v4), 16 + 40},
      {linktype::LinuxSll2, sll2(v4), 20 + 40},
      {linktype::Null, null_header(2, v4, false), 4 + 40},
      {linktype::Raw, v6seg("payload"), 40 + 20},
  };
  for (const auto& c : cases) {
    for (std::size_t n = 0; n < c.header; ++n) {
      Decoder d(c.lt);
      auto r = d.decode(ByteView(c.frame).first(n), 0);
      EXPECT_FALSE(r.ok()) << "link type " << c.lt << " cut at " << n;
    }
    // Cut inside the payload (a snapped frame): the captured part is the payload.
    Decoder d(c.lt);
    auto r = d.decode(ByteView(c.frame).first(c.header + 3), 0);
    ASSERT_TRUE(r.ok()) << c.lt;
    EXPECT_EQ(r->segment.payload.size(), 3U);
  }
}

TEST(PcapDecode, BadHeaderFields) {
  Decoder d(linktype::Raw);
  Bytes ihl = v4seg("x");
  ihl[0] = 0x44;  // IHL 16 bytes
  EXPECT_FALSE(d.decode(ihl, 0).ok());
  Bytes total = v4seg("x");
  total[2] = 0;
  total[3] = 10;  // total length < header
  EXPECT_FALSE(d.decode(total, 0).ok());
  Bytes off = v4seg("x");
  off[20 + 12] = 0x30;  // TCP data offset 12 bytes
  EXPECT_FALSE(d.decode(off, 0).ok());
  Bytes version = v4seg("x");
  version[0] = 0x55;
  auto r = d.decode(version, 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, FrameKind::NonIp);
}

TEST(PcapDecode, UnsupportedLinkType) {
  EXPECT_FALSE(link_type_supported(105));
  EXPECT_NE(link_type_name(105).find("105"), std::string::npos);
  Decoder d(105);
  EXPECT_FALSE(d.decode(v4seg("x"), 0).ok());
}

TEST(PcapDecode, TcpOptionsAreSkipped) {
  Decoder d(linktype::Raw);
  const Bytes opts = {2, 4, 0x05, 0xb4, 1, 1, 1, 0};  // MSS, NOPs, EOL
  auto t = tcp(kClient, kServer, 1000, 0, tcpflag::Ack | tcpflag::Psh, text("opt"), opts);
  expect_segment(d, ipv4(kClient, kServer, 6, t), kClient, kServer, "opt");
}

// ---- IPv4 fragments ----

// Splits a TCP/IPv4 datagram's L4 bytes into fragments of `size` (a multiple of 8).
std::vector<Bytes> fragment(ByteView l4, std::size_t size, std::uint16_t id) {
  std::vector<Bytes> out;
  for (std::size_t off = 0; off < l4.size(); off += size) {
    const std::size_t n = std::min(size, l4.size() - off);
    const bool more = off + n < l4.size();
    const auto field = static_cast<std::uint16_t>((more ? 0x2000 : 0) | (off / 8));
    out.push_back(ipv4(kClient, kServer, 6, l4.subspan(off, n), id, field));
  }
  return out;
}

Bytes big_l4() {
  std::string p(100, 'x');
  for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<char>('a' + i % 26);
  return tcp(kClient, kServer, 1000, 0, tcpflag::Ack | tcpflag::Psh, text(p));
}

std::string big_payload() {
  Bytes l4 = big_l4();
  return std::string(l4.begin() + 20, l4.end());
}

TEST(PcapDecodeFragments, InOrder) {
  Decoder d(linktype::Raw);
  auto frags = fragment(big_l4(), 32, 5);
  ASSERT_EQ(frags.size(), 4U);
  for (std::size_t i = 0; i + 1 < frags.size(); ++i) {
    auto r = d.decode(frags[i], 0);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->kind, FrameKind::FragmentHeld);
  }
  expect_segment(d, frags.back(), kClient, kServer, big_payload());
  EXPECT_EQ(d.stats().ip_fragments, 4U);
  EXPECT_EQ(d.stats().ip_fragments_reassembled, 1U);
  EXPECT_EQ(d.stats().ip_fragments_dropped, 0U);
}

TEST(PcapDecodeFragments, OutOfOrderAndDuplicate) {
  Decoder d(linktype::Raw);
  auto frags = fragment(big_l4(), 32, 6);
  for (int i : {3, 1, 1, 0}) ASSERT_EQ(d.decode(frags[i], 0)->kind, FrameKind::FragmentHeld);
  expect_segment(d, frags[2], kClient, kServer, big_payload());
  EXPECT_EQ(d.stats().ip_fragments_dropped, 1U);  // the exact duplicate
}

TEST(PcapDecodeFragments, InterleavedDatagrams) {
  Decoder d(linktype::Raw);
  auto a = fragment(big_l4(), 64, 7);
  auto b = fragment(big_l4(), 64, 8);
  EXPECT_EQ(d.decode(a[0], 0)->kind, FrameKind::FragmentHeld);
  EXPECT_EQ(d.decode(b[0], 0)->kind, FrameKind::FragmentHeld);
  expect_segment(d, b[1], kClient, kServer, big_payload());
  expect_segment(d, a[1], kClient, kServer, big_payload());
}

TEST(PcapDecodeFragments, OverlapDropsTheDatagram) {
  Decoder d(linktype::Raw);
  Bytes l4 = big_l4();
  auto frags = fragment(l4, 32, 9);
  ASSERT_EQ(d.decode(frags[0], 0)->kind, FrameKind::FragmentHeld);
  // Bytes 16..48: overlaps the first fragment with different extent.
  Bytes overlap = ipv4(kClient, kServer, 6, ByteView(l4).subspan(16, 32), 9, 0x2000 | 2);
  ASSERT_EQ(d.decode(overlap, 0)->kind, FrameKind::FragmentHeld);
  for (std::size_t i = 1; i < frags.size(); ++i) {
    ASSERT_EQ(d.decode(frags[i], 0)->kind, FrameKind::FragmentHeld) << i;
  }
  EXPECT_EQ(d.stats().ip_fragments_reassembled, 0U);
  EXPECT_GE(d.stats().ip_fragments_dropped, 2U);
}

TEST(PcapDecodeFragments, TooManyFragmentsAndDatagramsAreBounded) {
  FragmentLimits limits;
  limits.max_fragments = 3;
  limits.max_datagrams = 2;
  Decoder d(linktype::Raw, limits);
  auto frags = fragment(big_l4(), 8, 10);  // 15 fragments
  for (const auto& f : frags) {
    auto r = d.decode(f, 0);
    ASSERT_TRUE(r.ok());
    EXPECT_NE(r->kind, FrameKind::Tcp);
  }
  EXPECT_EQ(d.stats().ip_fragments_reassembled, 0U);
  EXPECT_GT(d.stats().ip_fragments_dropped, 0U);
  // Three datagrams in flight with room for two: the oldest is dropped.
  Decoder e(linktype::Raw, limits);
  for (std::uint16_t id = 20; id < 23; ++id) {
    e.decode(fragment(big_l4(), 64, id)[0], 0);
  }
  auto late = e.decode(fragment(big_l4(), 64, 20)[1], 0);
  EXPECT_EQ(late->kind, FrameKind::FragmentHeld);  // 20 was dropped, this starts anew
  expect_segment(e, fragment(big_l4(), 64, 22)[1], kClient, kServer, big_payload());
}

TEST(PcapDecodeFragments, ExpireAfterTimeout) {
  FragmentLimits limits;
  limits.timeout_us = 1000;
  Decoder d(linktype::Raw, limits);
  auto frags = fragment(big_l4(), 64, 11);
  d.decode(frags[0], 0);
  auto r = d.decode(frags[1], 5000);
  EXPECT_EQ(r->kind, FrameKind::FragmentHeld);
  EXPECT_EQ(d.stats().ip_fragments_dropped, 1U);
}

TEST(PcapDecodeFragments, NonTcpFragmentsAreCountedOnly) {
  Decoder d(linktype::Raw);
  auto r = d.decode(ipv4(kClient, kServer, 17, Bytes(16, 0), 3, 0x2000), 0);
  EXPECT_EQ(r->kind, FrameKind::NonTcp);
  EXPECT_EQ(d.stats().ip_fragments, 1U);
}

std::vector<Bytes> fragment6(ByteView l4, std::size_t size, std::uint32_t id,
                             const Endpoint& src = kClient6, const Endpoint& dst = kServer6,
                             ByteView inner = {}, std::uint8_t inner_nh = 6) {
  return ipv6_fragments(src, dst, l4, size, id, inner, inner_nh);
}

Bytes big_l4_v6() {
  std::string p(100, 'x');
  for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<char>('a' + i % 26);
  return tcp(kClient6, kServer6, 1000, 0, tcpflag::Ack | tcpflag::Psh, text(p));
}

TEST(PcapDecodeFragments6, InOrder) {
  Decoder d(linktype::Ethernet);
  auto frags = fragment6(big_l4_v6(), 32, 0x01020304);
  ASSERT_EQ(frags.size(), 4U);
  for (std::size_t i = 0; i + 1 < frags.size(); ++i) {
    auto r = d.decode(ethernet(0x86DD, frags[i]), 0);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->kind, FrameKind::FragmentHeld);
  }
  expect_segment(d, ethernet(0x86DD, frags.back()), kClient6, kServer6, big_payload());
  EXPECT_EQ(d.stats().ip_fragments, 4U);
  EXPECT_EQ(d.stats().ipv6_fragments, 4U);
  EXPECT_EQ(d.stats().ip_fragments_reassembled, 1U);
  EXPECT_EQ(d.stats().ip_fragments_dropped, 0U);
  EXPECT_EQ(d.stats().tcp, 1U);
}

TEST(PcapDecodeFragments6, ReversedWithDuplicate) {
  Decoder d(linktype::Raw);
  auto frags = fragment6(big_l4_v6(), 24, 7);
  ASSERT_EQ(frags.size(), 5U);
  for (int i : {4, 3, 3, 2, 1}) ASSERT_EQ(d.decode(frags[i], 0)->kind, FrameKind::FragmentHeld);
  expect_segment(d, frags[0], kClient6, kServer6, big_payload());
  EXPECT_EQ(d.stats().ip_fragments_dropped, 1U);  // the exact duplicate
  EXPECT_EQ(d.stats().ip_fragments_reassembled, 1U);
}

TEST(PcapDecodeFragments6, ExtensionHeadersInBothParts) {
  // Hop-by-hop before the Fragment header (unfragmentable), destination options after it
  // (fragmentable, so it is only walked once the datagram is whole).
  Decoder d(linktype::Raw);
  ByteWriter dest;
  dest.u8(6);
  dest.u8(0);
  dest.zeros(6);
  auto frags = fragment6(big_l4_v6(), 40, 9, kClient6, kServer6, dest.data(), 60);
  for (auto& f : frags) {
    // Rewrite each packet as IPv6 -> hop-by-hop -> Fragment.
    ByteView body = ByteView(f).subspan(40);
    ByteWriter hbh;
    hbh.u8(44);
    hbh.u8(0);
    hbh.u8(1);
    hbh.u8(4);
    hbh.zeros(4);
    hbh.bytes(body);
    f = ipv6(kClient6, kServer6, 0, hbh.data());
  }
  for (std::size_t i = 1; i < frags.size(); ++i)
    ASSERT_EQ(d.decode(frags[i], 0)->kind, FrameKind::FragmentHeld);
  expect_segment(d, frags[0], kClient6, kServer6, big_payload());
}

TEST(PcapDecodeFragments6, KeyedBySourceDestinationAndId) {
  Decoder d(linktype::Raw);
  auto a = fragment6(big_l4_v6(), 64, 1);
  auto b = fragment6(big_l4_v6(), 64, 2);  // same addresses, other id
  const Endpoint other = ep("2001:db8::99", 40001);
  auto c = fragment6(big_l4_v6(), 64, 1, other, kServer6);  // same id, other source
  for (const auto* f : {&a[0], &b[0], &c[0]})
    ASSERT_EQ(d.decode(*f, 0)->kind, FrameKind::FragmentHeld);
  expect_segment(d, c[1], other, kServer6, big_payload());
  expect_segment(d, a[1], kClient6, kServer6, big_payload());
  expect_segment(d, b[1], kClient6, kServer6, big_payload());
  EXPECT_EQ(d.stats().ip_fragments_reassembled, 3U);
}

TEST(PcapDecodeFragments6, OverlapDropsTheDatagram) {
  // RFC 5722: any overlap that is not an exact duplicate discards the whole datagram.
  Decoder d(linktype::Raw);
  Bytes l4 = big_l4_v6();
  auto frags = fragment6(l4, 32, 11);
  ASSERT_EQ(d.decode(frags[0], 0)->kind, FrameKind::FragmentHeld);
  ByteWriter f;
  f.u8(6);
  f.u8(0);
  f.u16be(static_cast<std::uint16_t>((16 / 8) << 3 | 1));  // bytes 16..48
  f.u32be(11);
  f.bytes(ByteView(l4).subspan(16, 32));
  ASSERT_EQ(d.decode(ipv6(kClient6, kServer6, 44, f.data()), 0)->kind, FrameKind::FragmentHeld);
  for (std::size_t i = 1; i < frags.size(); ++i)
    ASSERT_EQ(d.decode(frags[i], 0)->kind, FrameKind::FragmentHeld) << i;
  EXPECT_EQ(d.stats().ip_fragments_reassembled, 0U);
  EXPECT_GE(d.stats().ip_fragments_dropped, 2U);
}

TEST(PcapDecodeFragments6, BadFragmentsAreDropped) {
  Decoder d(linktype::Raw);
  Bytes l4 = big_l4_v6();
  // M=1 with a length that is not a multiple of 8 (RFC 8200 §4.5).
  auto odd = fragment6(l4, 32, 12);
  ByteWriter f;
  f.u8(6);
  f.u8(0);
  f.u16be(1);
  f.u32be(12);
  f.bytes(ByteView(l4).first(30));
  ASSERT_EQ(d.decode(ipv6(kClient6, kServer6, 44, f.data()), 0)->kind, FrameKind::FragmentHeld);
  EXPECT_EQ(d.stats().ip_fragments_dropped, 1U);
  // Past 65535 bytes.
  ByteWriter g;
  g.u8(6);
  g.u8(0);
  g.u16be(static_cast<std::uint16_t>(0xFFF8));
  g.u32be(13);
  g.bytes(ByteView(l4).first(64));
  ASSERT_EQ(d.decode(ipv6(kClient6, kServer6, 44, g.data()), 0)->kind, FrameKind::FragmentHeld);
  EXPECT_EQ(d.stats().ip_fragments_dropped, 2U);
  // A truncated Fragment header is malformed.
  auto m = d.decode(ipv6(kClient6, kServer6, 44, Bytes(5, 0)), 0);
  EXPECT_FALSE(m.ok());
  // A reassembled datagram that is UDP is "not TCP".
  Decoder u(linktype::Raw);
  auto udp = fragment6(Bytes(48, 0), 24, 14, kClient6, kServer6, {}, 17);
  u.decode(udp[0], 0);
  auto r = u.decode(udp[1], 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, FrameKind::NonTcp);
  EXPECT_EQ(u.stats().ip_fragments_reassembled, 1U);
}

TEST(PcapDecodeFragments6, TimeoutAndBounds) {
  FragmentLimits limits;
  limits.timeout_us = 1000;
  Decoder d(linktype::Raw, limits);
  auto frags = fragment6(big_l4_v6(), 64, 15);
  d.decode(frags[0], 0);
  EXPECT_EQ(d.decode(frags[1], 5000)->kind, FrameKind::FragmentHeld);  // 15 expired
  EXPECT_EQ(d.stats().ip_fragments_dropped, 1U);

  FragmentLimits small;
  small.max_fragments = 3;
  small.max_datagrams = 2;
  Decoder e(linktype::Raw, small);
  for (const auto& f : fragment6(big_l4_v6(), 8, 16)) {  // 15 fragments
    auto r = e.decode(f, 0);
    ASSERT_TRUE(r.ok());
    EXPECT_NE(r->kind, FrameKind::Tcp);
  }
  EXPECT_EQ(e.stats().ip_fragments_reassembled, 0U);
  EXPECT_GT(e.stats().ip_fragments_dropped, 0U);
  // IPv4 and IPv6 share the table: two IPv4 datagrams and an IPv6 one with room for two.
  Decoder g(linktype::Raw, small);
  g.decode(fragment(big_l4(), 64, 30)[0], 0);
  g.decode(fragment(big_l4(), 64, 31)[0], 0);
  g.decode(fragment6(big_l4_v6(), 64, 32)[0], 0);
  EXPECT_EQ(g.decode(fragment(big_l4(), 64, 30)[1], 0)->kind, FrameKind::FragmentHeld);
  expect_segment(g, fragment6(big_l4_v6(), 64, 32)[1], kClient6, kServer6, big_payload());

  FragmentLimits bytes;
  bytes.max_bytes = 100;
  Decoder b(linktype::Raw, bytes);
  auto f2 = fragment6(big_l4_v6(), 64, 17);
  b.decode(f2[0], 0);
  b.decode(fragment6(big_l4_v6(), 64, 18)[0], 0);  // 128 bytes held: over the cap
  EXPECT_GT(b.stats().ip_fragments_dropped, 0U);
}

}  // namespace
}  // namespace dicomsec::pcap
