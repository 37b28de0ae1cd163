#include "pcap/reassembly.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>
#include <unordered_map>
#include <vector>

namespace dicomsec::pcap {

namespace {

// Canonical 4-tuple: the lower (address, port) first, so both directions find one entry.
struct FlowKey {
  std::array<std::uint8_t, 16> a{}, b{};
  std::uint16_t pa = 0, pb = 0;
  bool v6 = false;
  friend bool operator==(const FlowKey&, const FlowKey&) = default;
};

struct FlowKeyHash {
  std::size_t operator()(const FlowKey& k) const noexcept {
    // Four 64-bit words of address and one of ports, mixed with a multiply-xorshift
    // (the finaliser of MurmurHash3/splitmix64): cheap, and good enough for a hash table
    // that attackers can only feed by sending packets.
    std::uint64_t w[4];
    std::memcpy(w, k.a.data(), 16);
    std::memcpy(w + 2, k.b.data(), 16);
    std::uint64_t h = (std::uint64_t{k.pa} << 32) ^ (std::uint64_t{k.pb} << 8) ^ k.v6;
    for (std::uint64_t x : w) {
      h ^= x;
      h *= 0x9E3779B97F4A7C15ULL;
      h ^= h >> 29;
    }
    h *= 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 32;
    return static_cast<std::size_t>(h);
  }
};

bool less_endpoint(const Endpoint& x, const Endpoint& y) {
  int c = std::memcmp(x.addr.data(), y.addr.data(), 16);
  return c < 0 || (c == 0 && x.port < y.port);
}

}  // namespace

// One direction of a flow. Stream positions are 64-bit offsets from the first byte, so
// 32-bit sequence wrap-around never reaches the buffer logic: a segment's offset is the
// next offset plus the signed 32-bit serial difference (RFC 1982) of the sequence numbers.
struct Direction {
  bool started = false;
  bool fin = false;
  bool done = false;       // every byte up to the FIN delivered
  std::uint32_t base = 0;  // sequence number of offset 0
  std::uint64_t next = 0;  // next offset to deliver
  std::uint64_t fin_at = 0;
  std::size_t buffered = 0;
  std::map<std::uint64_t, std::vector<std::uint8_t>> ooo;  // start offset -> bytes, disjoint
};

struct Flow {
  FlowInfo info;
  Endpoint lower;  // the key's first endpoint
  bool lower_is_initiator = true;
  Direction dir[2];  // index: Side
  std::int64_t last_ts = 0;
  Flow* prev = nullptr;  // activity list: head = least recently active
  Flow* next = nullptr;
  const FlowKey* key = nullptr;
};

struct Reassembler::Impl {
  Impl(FlowSink& s, Limits l) : sink(s), limits(l) { flows.reserve(1024); }

  FlowSink& sink;
  Limits limits;
  Stats stats;
  std::unordered_map<FlowKey, Flow, FlowKeyHash> flows;
  Flow* head = nullptr;
  Flow* tail = nullptr;
  Flow* last = nullptr;  // the flow of the previous segment: bulk transfers hit it
  FlowId next_id = 1;
  std::int64_t last_expire_ts = 0;
  bool expire_started = false;

  void expire(std::int64_t now) {
    while (head != nullptr && now - head->last_ts > limits.idle_timeout_us) {
      close(*head, CloseReason::Idle, now);
    }
  }

  void link_tail(Flow* f) {
    f->prev = tail;
    f->next = nullptr;
    if (tail != nullptr)
      tail->next = f;
    else
      head = f;
    tail = f;
  }
  void unlink(Flow* f) {
    if (f->prev != nullptr)
      f->prev->next = f->next;
    else
      head = f->next;
    if (f->next != nullptr)
      f->next->prev = f->prev;
    else
      tail = f->prev;
    f->prev = f->next = nullptr;
  }
  void touch(Flow* f, std::int64_t ts) {
    f->last_ts = std::max(f->last_ts, ts);
    if (tail != f) {
      unlink(f);
      link_tail(f);
    }
  }

  void deliver(Flow& f, Side side, std::span<const std::uint8_t> bytes, std::int64_t ts) {
    if (bytes.empty()) return;
    Direction& d = f.dir[static_cast<int>(side)];
    d.next += bytes.size();
    stats.delivered_bytes += bytes.size();
    sink.on_data(f.info.id, side, bytes, ts);
  }
  void gap(Flow& f, Side side, std::uint64_t missing, std::int64_t ts) {
    if (missing == 0) return;
    Direction& d = f.dir[static_cast<int>(side)];
    d.next += missing;
    ++stats.gaps;
    stats.gap_bytes += missing;
    sink.on_gap(f.info.id, side, missing, ts);
  }
  void release(Direction& d, std::size_t n) {
    d.buffered -= n;
    stats.buffered_bytes -= n;
  }

  // Delivers buffered data that has become contiguous with d.next. Buffered bytes below
  // d.next (delivered meanwhile from a packet) were counted as duplicates when they came.
  void drain(Flow& f, Side side, std::int64_t ts) {
    Direction& d = f.dir[static_cast<int>(side)];
    while (!d.ooo.empty() && d.ooo.begin()->first <= d.next) {
      auto node = d.ooo.extract(d.ooo.begin());
      const std::uint64_t start = node.key();
      auto& bytes = node.mapped();
      release(d, bytes.size());
      const std::uint64_t end = start + bytes.size();
      if (end > d.next) {
        deliver(f, side, std::span(bytes).subspan(static_cast<std::size_t>(d.next - start)), ts);
      }
    }
  }

  // Gives up on every hole before `target`: buffered data below it is delivered in order,
  // with on_gap for each hole, and the direction continues at `target` (or later).
  void skip_to(Flow& f, Side side, std::uint64_t target, std::int64_t ts) {
    Direction& d = f.dir[static_cast<int>(side)];
    while (!d.ooo.empty() && d.ooo.begin()->first < target) {
      gap(f, side, d.ooo.begin()->first > d.next ? d.ooo.begin()->first - d.next : 0, ts);
      drain(f, side, ts);
    }
    if (d.next < target) gap(f, side, target - d.next, ts);
    drain(f, side, ts);
  }

  void check_done(Flow& f, Side side) {
    Direction& d = f.dir[static_cast<int>(side)];
    if (d.fin && !d.done && d.next >= d.fin_at) d.done = true;
  }

  // Counts the part of [start, start+bytes) that is already buffered, compares it (first
  // data wins, so the buffered copy stays), and stores the parts that are new.
  void buffer(Flow& f, Side side, std::uint64_t start, std::span<const std::uint8_t> bytes) {
    Direction& d = f.dir[static_cast<int>(side)];
    std::uint64_t pos = start;
    const std::uint64_t end = start + bytes.size();
    auto it = d.ooo.upper_bound(pos);
    if (it != d.ooo.begin()) {
      auto prev = std::prev(it);
      if (prev->first + prev->second.size() > pos) it = prev;
    }
    bool stored = false;
    while (pos < end) {
      const std::uint64_t next_start = it == d.ooo.end() ? end : std::min(end, it->first);
      if (pos < next_start) {
        auto piece = bytes.subspan(static_cast<std::size_t>(pos - start),
                                   static_cast<std::size_t>(next_start - pos));
        d.ooo.emplace_hint(it, pos, std::vector<std::uint8_t>(piece.begin(), piece.end()));
        d.buffered += piece.size();
        stats.buffered_bytes += piece.size();
        stored = true;
        pos = next_start;
        continue;
      }
      // Overlap with the buffered segment `it`.
      const std::uint64_t held_end = it->first + it->second.size();
      const std::uint64_t upto = std::min(end, held_end);
      count_duplicate(bytes.subspan(static_cast<std::size_t>(pos - start),
                                    static_cast<std::size_t>(upto - pos)),
                      std::span<const std::uint8_t>(it->second)
                          .subspan(static_cast<std::size_t>(pos - it->first),
                                   static_cast<std::size_t>(upto - pos)));
      pos = upto;
      ++it;
    }
    if (stored) ++stats.out_of_order_segments;
    stats.buffered_bytes_peak = std::max(stats.buffered_bytes_peak, stats.buffered_bytes);
  }

  void count_duplicate(std::span<const std::uint8_t> seen_now, std::span<const std::uint8_t> kept) {
    stats.retransmitted_bytes += seen_now.size();
    if (!std::equal(seen_now.begin(), seen_now.end(), kept.begin(), kept.end())) {
      stats.overlap_conflict_bytes += seen_now.size();
    }
  }

  // In-order delivery of a segment starting exactly at d.next. Buffered data inside the
  // segment's range wins over the segment's bytes (it came first).
  void deliver_in_order(Flow& f, Side side, std::uint64_t start,
                        std::span<const std::uint8_t> bytes, std::int64_t ts) {
    Direction& d = f.dir[static_cast<int>(side)];
    const std::uint64_t end = start + bytes.size();
    std::uint64_t pos = start;
    while (pos < end) {
      if (d.ooo.empty() || d.ooo.begin()->first >= end) {
        deliver(f, side, bytes.subspan(static_cast<std::size_t>(pos - start)), ts);
        pos = end;
        break;
      }
      auto held = d.ooo.begin();
      if (held->first > pos) {
        deliver(f, side,
                bytes.subspan(static_cast<std::size_t>(pos - start),
                              static_cast<std::size_t>(held->first - pos)),
                ts);
        pos = held->first;
      }
      const std::uint64_t held_end = held->first + held->second.size();
      const std::uint64_t upto = std::min(end, held_end);
      if (upto > pos) {
        count_duplicate(bytes.subspan(static_cast<std::size_t>(pos - start),
                                      static_cast<std::size_t>(upto - pos)),
                        std::span<const std::uint8_t>(held->second)
                            .subspan(static_cast<std::size_t>(pos - held->first),
                                     static_cast<std::size_t>(upto - pos)));
      }
      // Deliver `held` alone (it starts at d.next now), so the next buffered segment is
      // compared with the packet too.
      auto node = d.ooo.extract(held);
      release(d, node.mapped().size());
      deliver(f, side, node.mapped(), ts);
      pos = std::min(end, d.next);
    }
    drain(f, side, ts);
  }

  void close(Flow& f, CloseReason reason, std::int64_t ts) {
    // Whatever is buffered is delivered (holes become gaps); a FIN beyond the delivered
    // data means the bytes before it were lost.
    for (Side side : {Side::Initiator, Side::Responder}) {
      Direction& d = f.dir[static_cast<int>(side)];
      if (!d.started) continue;
      std::uint64_t target = d.next;
      if (!d.ooo.empty()) {
        auto last_it = std::prev(d.ooo.end());
        target = std::max(target, last_it->first + last_it->second.size());
      }
      if (d.fin) target = std::max(target, d.fin_at);
      skip_to(f, side, target, ts);
    }
    // A capture may hold packets out of timestamp order (reordered, merged): the flow ends at
    // the latest packet it had, not at the one that happened to close it.
    sink.on_close(f.info.id, reason, std::max(ts, f.last_ts));
    ++stats.flows_closed;
    switch (reason) {
      case CloseReason::Fin:
        ++stats.closed_fin;
        break;
      case CloseReason::Rst:
        ++stats.closed_rst;
        break;
      case CloseReason::Idle:
        ++stats.closed_idle;
        break;
      case CloseReason::Evicted:
        ++stats.closed_evicted;
        break;
      case CloseReason::EndOfCapture:
        ++stats.closed_end;
        break;
    }
    unlink(&f);
    if (last == &f) last = nullptr;
    const FlowKey key = *f.key;
    flows.erase(key);
    --stats.open_flows;
  }

  Flow* create(const FlowKey& key, const TcpSegment& s, const Endpoint& lower) {
    if (flows.size() >= limits.max_flows && head != nullptr) {
      close(*head, CloseReason::Evicted, s.ts_us);
    }
    auto [it, inserted] = flows.try_emplace(key);
    Flow& f = it->second;
    f.key = &it->first;
    f.lower = lower;
    const bool syn_only = (s.flags & tcpflag::Syn) != 0 && (s.flags & tcpflag::Ack) == 0;
    const bool syn_ack = (s.flags & tcpflag::Syn) != 0 && (s.flags & tcpflag::Ack) != 0;
    // A SYN+ACK comes from the responder: the initiator is its destination.
    const Endpoint& initiator = syn_ack ? s.dst : s.src;
    f.lower_is_initiator = initiator == lower;
    f.info.id = next_id++;
    f.info.initiator = initiator;
    f.info.responder = syn_ack ? s.src : s.dst;
    f.info.saw_syn = syn_only || syn_ack;
    f.info.first_ts_us = s.ts_us;
    f.last_ts = s.ts_us;
    link_tail(&f);
    ++stats.flows_opened;
    if (!f.info.saw_syn) ++stats.flows_without_syn;
    stats.open_flows = flows.size();
    stats.open_flows_peak = std::max(stats.open_flows_peak, stats.open_flows);
    sink.on_open(f.info);
    return &f;
  }

  // Frees budget by closing the least recently active flows other than `keep`.
  bool make_room(std::size_t need, const Flow* keep, std::int64_t ts) {
    Flow* f = head;
    while (stats.buffered_bytes + need > limits.global_budget && f != nullptr) {
      Flow* next = f->next;
      if (f != keep && (f->dir[0].buffered + f->dir[1].buffered) > 0) {
        close(*f, CloseReason::Evicted, ts);
      }
      f = next;
    }
    return stats.buffered_bytes + need <= limits.global_budget;
  }

  void feed(const TcpSegment& s);
};

void Reassembler::Impl::feed(const TcpSegment& s) {
  ++stats.segments;
  stats.payload_bytes += s.payload.size();
  // Idle flows are closed as capture time advances (once a second of capture time at most).
  if (!expire_started) {
    expire_started = true;
    last_expire_ts = s.ts_us;
  } else if (s.ts_us - last_expire_ts >= 1'000'000 || s.ts_us < last_expire_ts) {
    expire(s.ts_us);
    last_expire_ts = s.ts_us;
  }
  const bool src_lower = less_endpoint(s.src, s.dst);
  const Endpoint& lower = src_lower ? s.src : s.dst;
  const Endpoint& upper = src_lower ? s.dst : s.src;
  Flow* f = last;
  if (f == nullptr || !(f->lower == lower) || !(f->key->b == upper.addr) ||
      f->key->pb != upper.port || f->key->v6 != s.src.v6) {
    FlowKey key;
    key.a = lower.addr;
    key.b = upper.addr;
    key.pa = lower.port;
    key.pb = upper.port;
    key.v6 = s.src.v6;
    auto it = flows.find(key);
    if (it != flows.end()) {
      f = &it->second;
    } else {
      // Only a SYN or a segment with data opens a flow: the last ACK after a FIN/FIN close,
      // or a stray RST, must not open a new one.
      if ((s.flags & (tcpflag::Syn | tcpflag::Rst)) != tcpflag::Syn && s.payload.empty()) return;
      if ((s.flags & tcpflag::Rst) != 0) return;
      f = create(key, s, lower);
    }
    last = f;
  }
  // A SYN with a new initial sequence number from the initiator of an open flow: the
  // 4-tuple was reused by a new connection (the old one's end was not captured). The old
  // flow ends (Fin if it had begun closing, else Idle) and a new one starts here.
  if ((s.flags & (tcpflag::Syn | tcpflag::Ack)) == tcpflag::Syn) {
    const bool from_initiator = (s.src == f->lower) == f->lower_is_initiator;
    const Direction& old = f->dir[from_initiator ? 0 : 1];
    if (from_initiator && old.started && old.base != s.seq + 1U) {
      const FlowKey key = *f->key;
      const bool closing = f->dir[0].fin || f->dir[1].fin;
      close(*f, closing ? CloseReason::Fin : CloseReason::Idle, s.ts_us);
      f = create(key, s, lower);
      last = f;
    }
  }
  touch(f, s.ts_us);
  const bool from_lower = s.src == f->lower;
  const Side side = from_lower == f->lower_is_initiator ? Side::Initiator : Side::Responder;
  Direction& d = f->dir[static_cast<int>(side)];
  if ((s.flags & tcpflag::Rst) != 0) {
    close(*f, CloseReason::Rst, s.ts_us);
    return;
  }
  const bool syn = (s.flags & tcpflag::Syn) != 0;
  const std::uint32_t data_seq = s.seq + (syn ? 1U : 0U);
  if (!d.started) {
    if (!syn && s.payload.empty() && (s.flags & tcpflag::Fin) == 0) return;  // a bare ACK
    d.started = true;
    d.base = data_seq;
    d.next = 0;
    if (syn) f->info.saw_syn = true;
  }
  // Offset of the segment's first data byte: serial-number distance from the next expected.
  const auto next_seq = static_cast<std::uint32_t>(d.base + d.next);
  const auto delta = static_cast<std::int32_t>(data_seq - next_seq);
  if (delta < 0 && static_cast<std::uint64_t>(-static_cast<std::int64_t>(delta)) > d.next) {
    stats.retransmitted_bytes += s.payload.size();  // before the start of the stream
    return;
  }
  const std::uint64_t start = static_cast<std::uint64_t>(static_cast<std::int64_t>(d.next) + delta);
  const std::uint64_t end = start + s.payload.size();
  if ((s.flags & tcpflag::Fin) != 0 && !d.fin) {
    d.fin = true;
    d.fin_at = end;
  }
  if (!s.payload.empty()) {
    if (end <= d.next) {
      stats.retransmitted_bytes += s.payload.size();
    } else if (start <= d.next) {
      // The part before d.next was delivered already (first data wins; it is gone, so it
      // cannot be compared).
      const auto skip = static_cast<std::size_t>(d.next - start);
      stats.retransmitted_bytes += skip;
      deliver_in_order(*f, side, d.next, s.payload.subspan(skip), s.ts_us);
    } else {
      const std::size_t held = f->dir[0].buffered + f->dir[1].buffered;
      const bool beyond_window = start - d.next > limits.max_window;
      const bool flow_full = held + s.payload.size() > limits.per_flow_buffer;
      if (beyond_window || flow_full || !make_room(s.payload.size(), f, s.ts_us)) {
        // Treat the hole as lost: deliver what is buffered, skip to this segment.
        skip_to(*f, side, start, s.ts_us);
        // Buffered data that reached past `start` was delivered first (first data wins).
        if (end > d.next) {
          const auto skip = static_cast<std::size_t>(d.next - start);
          stats.retransmitted_bytes += skip;
          deliver_in_order(*f, side, d.next, s.payload.subspan(skip), s.ts_us);
        } else {
          stats.retransmitted_bytes += s.payload.size();
        }
      } else {
        buffer(*f, side, start, s.payload);
      }
    }
  }
  check_done(*f, side);
  // Closed when both directions delivered everything up to their FIN (or the other
  // direction never sent anything: a one-sided capture).
  const Direction& other = f->dir[side == Side::Initiator ? 1 : 0];
  if (d.done && (other.done || !other.started)) close(*f, CloseReason::Fin, s.ts_us);
}

Reassembler::Reassembler(FlowSink& sink, Limits limits)
    : impl_(std::make_unique<Impl>(sink, limits)) {}
Reassembler::~Reassembler() = default;

void Reassembler::feed(const TcpSegment& segment) { impl_->feed(segment); }

void Reassembler::expire(std::int64_t now_us) { impl_->expire(now_us); }

void Reassembler::finish(std::int64_t ts_us) {
  while (impl_->head != nullptr) impl_->close(*impl_->head, CloseReason::EndOfCapture, ts_us);
}

const Reassembler::Stats& Reassembler::stats() const noexcept { return impl_->stats; }

}  // namespace dicomsec::pcap
