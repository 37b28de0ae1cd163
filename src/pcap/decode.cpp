#include "pcap/decode.hpp"

#include <algorithm>

#include "core/bytes.hpp"
#include "pcap/fragments.hpp"

namespace dicomsec::pcap {

struct Decoder::Fragments {
  // One table for both families: the bounds hold for IPv4 and IPv6 together.
  explicit Fragments(FragmentLimits limits) : table(limits) {}
  detail::Defragmenter table;
};

namespace {

constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherIpv6 = 0x86DD;
constexpr std::uint8_t kProtoTcp = 6;
constexpr int kMaxVlanTags = 4;  // QinQ is two; more is bogus
constexpr int kMaxIpv6ExtHeaders = 8;

bool is_vlan_tpid(std::uint16_t t) { return t == 0x8100 || t == 0x88A8 || t == 0x9100; }

Error truncated(const char* what) {
  return make_error(std::string("truncated or malformed ") + what + " header");
}

}  // namespace

bool link_type_supported(int lt) noexcept {
  switch (lt) {
    case linktype::Null:
    case linktype::Ethernet:
    case linktype::Raw:
    case linktype::RawDlt12:
    case linktype::RawDlt14:
    case linktype::Loop:
    case linktype::LinuxSll:
    case linktype::Ipv4:
    case linktype::Ipv6:
    case linktype::LinuxSll2:
      return true;
    default:
      return false;
  }
}

std::string link_type_name(int lt) {
  const char* name = nullptr;
  switch (lt) {
    case linktype::Null:
      name = "NULL (BSD loopback)";
      break;
    case linktype::Ethernet:
      name = "EN10MB (Ethernet)";
      break;
    case linktype::Raw:
    case linktype::RawDlt12:
    case linktype::RawDlt14:
      name = "RAW (raw IP)";
      break;
    case linktype::Loop:
      name = "LOOP (OpenBSD loopback)";
      break;
    case linktype::LinuxSll:
      name = "LINUX_SLL (Linux cooked v1)";
      break;
    case linktype::Ipv4:
      name = "IPV4";
      break;
    case linktype::Ipv6:
      name = "IPV6";
      break;
    case linktype::LinuxSll2:
      name = "LINUX_SLL2 (Linux cooked v2)";
      break;
    case 105:
      name = "IEEE802_11 (Wi-Fi)";
      break;
    case 127:
      name = "IEEE802_11_RADIOTAP (Wi-Fi with radiotap)";
      break;
    case 9:
      name = "PPP";
      break;
    case 147:
      name = "USER0";
      break;
    default:
      break;
  }
  std::string out = "link type " + std::to_string(lt);
  if (name != nullptr) out += std::string(" ") + name;
  return out;
}

Decoder::Decoder(int link_type, FragmentLimits limits)
    : link_type_(link_type), frags_(std::make_unique<Fragments>(limits)) {}
Decoder::~Decoder() = default;
Decoder::Decoder(Decoder&&) noexcept = default;
Decoder& Decoder::operator=(Decoder&&) noexcept = default;

namespace {

// The TCP header and payload of one IP datagram.
Result<Decoded> decode_tcp(ByteView datagram, const Endpoint& src, const Endpoint& dst,
                           std::int64_t ts_us) {
  ByteReader r(datagram);
  auto sport = r.u16be();
  auto dport = r.u16be();
  auto seq = r.u32be();
  auto ack = r.u32be();
  auto off = r.u8();
  auto flags = r.u8();
  if (!sport || !dport || !seq || !ack || !off || !flags || !r.skip(6)) return truncated("TCP");
  const std::size_t header = static_cast<std::size_t>(*off >> 4) * 4;
  if (header < 20 || !r.skip(header - 20)) return truncated("TCP");
  Decoded d;
  d.kind = FrameKind::Tcp;
  TcpSegment& s = d.segment;
  s.src = src;
  s.dst = dst;
  s.src.port = *sport;
  s.dst.port = *dport;
  s.seq = *seq;
  s.ack = *ack;
  s.flags = *flags;
  s.payload = r.rest();
  s.ts_us = ts_us;
  return d;
}

void copy_addr(ByteView from, Endpoint& to, bool v6) {
  to.v6 = v6;
  std::copy(from.begin(), from.end(), to.addr.begin());
}

}  // namespace

namespace {

struct Ipv4Parts {
  Endpoint src, dst;
  std::uint8_t proto = 0;
  std::uint16_t id = 0;
  std::size_t frag_offset = 0;
  bool more = false;
  ByteView payload;
};

Result<Ipv4Parts> parse_ipv4(ByteView packet) {
  ByteReader r(packet);
  auto vihl = r.u8();
  if (!vihl || (*vihl >> 4) != 4) return truncated("IPv4");
  const std::size_t ihl = static_cast<std::size_t>(*vihl & 0x0F) * 4;
  r.skip(1);  // DSCP/ECN
  auto total = r.u16be();
  auto id = r.u16be();
  auto frag = r.u16be();
  if (!total || !id || !frag || !r.skip(1)) return truncated("IPv4");
  auto proto = r.u8();
  auto src = (r.skip(2), r.take(4));
  auto dst = r.take(4);
  if (!proto || !src || !dst || ihl < 20 || *total < ihl || !r.skip(ihl - 20)) {
    return truncated("IPv4");
  }
  Ipv4Parts p;
  copy_addr(*src, p.src, false);
  copy_addr(*dst, p.dst, false);
  p.proto = *proto;
  p.id = *id;
  p.frag_offset = static_cast<std::size_t>(*frag & 0x1FFF) * 8;
  p.more = (*frag & 0x2000) != 0;
  // Total length trims Ethernet padding; a snapped frame keeps what was captured (the
  // reassembler reports the rest as a gap).
  p.payload = r.peek(*total - ihl);
  return p;
}

// The IPv6 extension-header chain up to TCP (RFC 8200 §4). A real fragment stops the walk
// with its Fragment header's fields; an atomic fragment (offset 0, M=0, RFC 6946) is the
// whole datagram and the walk goes on.
struct Ipv6Walk {
  enum Kind : std::uint8_t { Tcp, NotTcp, Fragment, Malformed } kind = Malformed;
  const char* what = "IPv6 extension";
  ByteView rest;  // Tcp: the TCP header on; Fragment: the fragment's data
  std::uint8_t next_header = 0;
  std::size_t frag_offset = 0;
  bool frag_more = false;
  std::uint32_t frag_id = 0;
};

Ipv6Walk walk_ipv6(ByteView payload, std::uint8_t nh, bool fragments_allowed) {
  ByteReader body(payload);
  Ipv6Walk w;
  for (int i = 0; nh != kProtoTcp; ++i) {
    if (i == kMaxIpv6ExtHeaders) return w;
    if (nh == 44) {  // Fragment header (RFC 8200 §4.5): fixed 8 bytes
      auto fnext = body.u8();
      auto fo = (body.skip(1), body.u16be());
      auto id = fo ? body.u32be() : std::nullopt;
      if (!fnext || !fo || !id) {
        w.what = "IPv6 fragment";
        return w;
      }
      if ((*fo & 0xFFF9) != 0) {  // a real fragment: offset or M set
        if (!fragments_allowed) return w;
        w.kind = Ipv6Walk::Fragment;
        w.next_header = *fnext;
        w.frag_offset = static_cast<std::size_t>(*fo >> 3) * 8;
        w.frag_more = (*fo & 1U) != 0;
        w.frag_id = *id;
        w.rest = body.rest();
        return w;
      }
      nh = *fnext;
      continue;
    }
    std::size_t len = 0;
    if (nh == 0 || nh == 43 || nh == 60 || nh == 135 || nh == 139 || nh == 140) {
      auto hn = body.u8();
      auto hl = body.u8();
      if (!hn || !hl) return w;
      nh = *hn;
      len = (static_cast<std::size_t>(*hl) + 1) * 8 - 2;
    } else if (nh == 51) {  // AH (RFC 4302): length in 4-octet units minus 2
      auto hn = body.u8();
      auto hl = body.u8();
      if (!hn || !hl) {
        w.what = "IPv6 AH";
        return w;
      }
      nh = *hn;
      len = (static_cast<std::size_t>(*hl) + 2) * 4 - 2;
    } else {  // UDP, ICMPv6, ESP, no next header (59)...
      w.kind = Ipv6Walk::NotTcp;
      return w;
    }
    if (!body.skip(len)) return w;
  }
  w.kind = Ipv6Walk::Tcp;
  w.rest = body.rest();
  return w;
}

}  // namespace

Result<Decoded> Decoder::decode(ByteView frame, std::int64_t ts_us) {
  ++stats_.frames;
  ByteReader r(frame);
  std::uint16_t ethertype = 0;
  bool by_version = false;  // raw IP: the version nibble says v4 or v6
  switch (link_type_) {
    case linktype::Ethernet: {
      auto t = r.skip(12) ? r.u16be() : std::nullopt;
      for (int i = 0; t && is_vlan_tpid(*t) && i < kMaxVlanTags; ++i) {
        t = r.skip(2) ? r.u16be() : std::nullopt;  // TCI, then the inner type
      }
      if (t)
        ethertype = *t;
      else {
        ++stats_.malformed;
        return truncated("Ethernet");
      }
      break;
    }
    case linktype::LinuxSll: {
      // packet type, ARPHRD, address length, 8 address bytes, protocol
      auto t = r.skip(14) ? r.u16be() : std::nullopt;
      if (!t) {
        ++stats_.malformed;
        return truncated("Linux SLL");
      }
      ethertype = *t;
      break;
    }
    case linktype::LinuxSll2: {
      // protocol, reserved, ifindex, ARPHRD, packet type, address length, 8 address bytes
      auto t = r.u16be();
      if (!t || !r.skip(18)) {
        ++stats_.malformed;
        return truncated("Linux SLL2");
      }
      ethertype = *t;
      break;
    }
    case linktype::Null:
    case linktype::Loop: {
      // DLT_NULL: AF in the capturing host's byte order; DLT_LOOP: network order. AF_INET is
      // 2 everywhere; AF_INET6 is 10 (Linux), 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS).
      auto af = link_type_ == linktype::Loop ? r.u32be() : r.u32le();
      if (!af) {
        ++stats_.malformed;
        return truncated("loopback");
      }
      std::uint32_t v = *af;
      if (link_type_ == linktype::Null && v > 0xFFFF) {
        v = ((v & 0xFF) << 24) | ((v & 0xFF00) << 8) | ((v >> 8) & 0xFF00) | (v >> 24);
      }
      if (v == 2)
        ethertype = kEtherIpv4;
      else if (v == 10 || v == 24 || v == 28 || v == 30)
        ethertype = kEtherIpv6;
      else
        ethertype = 0;
      break;
    }
    case linktype::Raw:
    case linktype::RawDlt12:
    case linktype::RawDlt14:
      by_version = true;
      break;
    case linktype::Ipv4:
      ethertype = kEtherIpv4;
      break;
    case linktype::Ipv6:
      ethertype = kEtherIpv6;
      break;
    default:
      ++stats_.malformed;
      return make_error(link_type_name(link_type_) + " is not supported");
  }
  if (by_version) {
    auto first = r.peek(1);
    if (first.empty()) {
      ++stats_.malformed;
      return truncated("raw IP");
    }
    const int version = first[0] >> 4;
    ethertype = version == 4 ? kEtherIpv4 : version == 6 ? kEtherIpv6 : 0;
  }
  ByteView packet = r.rest();
  if (ethertype == kEtherIpv4) {
    auto ip = parse_ipv4(packet);
    if (!ip) {
      ++stats_.malformed;
      return ip.error();
    }
    if (ip->frag_offset != 0 || ip->more) {
      if (ip->proto != kProtoTcp) {
        ++stats_.ip_fragments;
        ++stats_.non_tcp;
        return Decoded{FrameKind::NonTcp, {}};
      }
      detail::FragmentKey key;
      std::copy_n(ip->src.addr.begin(), 4, key.src.begin());
      std::copy_n(ip->dst.addr.begin(), 4, key.dst.begin());
      key.id = ip->id;
      key.proto = ip->proto;
      auto whole = frags_->table.add(key, ip->frag_offset, ip->more, ip->payload, 0, ts_us, stats_);
      if (!whole) return Decoded{FrameKind::FragmentHeld, {}};
      auto d = decode_tcp(whole->payload, ip->src, ip->dst, ts_us);
      if (d)
        ++stats_.tcp;
      else
        ++stats_.malformed;
      return d;
    }
    if (ip->proto != kProtoTcp) {
      ++stats_.non_tcp;
      return Decoded{FrameKind::NonTcp, {}};
    }
    auto d = decode_tcp(ip->payload, ip->src, ip->dst, ts_us);
    if (d)
      ++stats_.tcp;
    else
      ++stats_.malformed;
    return d;
  }
  if (ethertype == kEtherIpv6) {
    ByteReader ip(packet);
    auto vtc = ip.u32be();
    auto plen = ip.u16be();
    auto next = ip.u8();
    auto src = (ip.skip(1), ip.take(16));
    auto dst = ip.take(16);
    if (!vtc || (*vtc >> 28) != 6 || !plen || !next || !src || !dst) {
      ++stats_.malformed;
      return truncated("IPv6");
    }
    Endpoint s, t;
    copy_addr(*src, s, true);
    copy_addr(*dst, t, true);
    // A payload length of 0 with a hop-by-hop jumbo option (RFC 2675) keeps what was captured.
    auto walked = walk_ipv6(*plen == 0 ? ip.rest() : ip.peek(*plen), *next, true);
    if (walked.kind == Ipv6Walk::Fragment) {
      // RFC 8200 §4.5: reassemble by (src, dst, identification); the fragmentable part
      // starts with the offset-0 fragment's Next Header and may hold more extension headers.
      ++stats_.ipv6_fragments;
      detail::FragmentKey key;
      key.v6 = true;
      key.src = s.addr;
      key.dst = t.addr;
      key.id = walked.frag_id;
      auto whole = frags_->table.add(key, walked.frag_offset, walked.frag_more, walked.rest,
                                     walked.next_header, ts_us, stats_);
      if (!whole) return Decoded{FrameKind::FragmentHeld, {}};
      walked = walk_ipv6(whole->payload, whole->next_header, false);
    }
    switch (walked.kind) {
      case Ipv6Walk::Tcp:
        break;
      case Ipv6Walk::NotTcp:
        ++stats_.non_tcp;
        return Decoded{FrameKind::NonTcp, {}};
      case Ipv6Walk::Fragment:  // a Fragment header inside a reassembled datagram
      case Ipv6Walk::Malformed:
        ++stats_.malformed;
        return truncated(walked.what);
    }
    auto d = decode_tcp(walked.rest, s, t, ts_us);
    if (d)
      ++stats_.tcp;
    else
      ++stats_.malformed;
    return d;
  }
  ++stats_.non_ip;
  return Decoded{FrameKind::NonIp, {}};
}

}  // namespace dicomsec::pcap
