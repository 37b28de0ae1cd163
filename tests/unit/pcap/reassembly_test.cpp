#include "pcap/reassembly.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "frames.hpp"
#include "recording_sink.hpp"

namespace dicomsec::pcap {
namespace {

using namespace testing;  // NOLINT: frame builders and the recording sink

const Endpoint kC = ep("192.0.2.1", 40000);
const Endpoint kS = ep("192.0.2.2", 104);

// Segments are built directly (no frame): the reassembler sees TcpSegment only.
struct Script {
  std::vector<Bytes> payloads;  // keeps payload bytes alive
  std::vector<TcpSegment> segs;
  std::int64_t ts = 1'000'000;

  TcpSegment& add(const Endpoint& src, const Endpoint& dst, std::uint32_t seq, std::uint8_t flags,
                  const std::string& data = {}) {
    payloads.push_back(text(data));
    TcpSegment s;
    s.src = src;
    s.dst = dst;
    s.seq = seq;
    s.flags = flags;
    s.ts_us = ts += 10;
    segs.push_back(s);
    return segs.back();
  }
  void feed(Reassembler& r) {
    for (std::size_t i = 0; i < segs.size(); ++i) {
      segs[i].payload = payloads[i];
      r.feed(segs[i]);
    }
  }
};

constexpr std::uint8_t A = tcpflag::Ack;
constexpr std::uint8_t PA = tcpflag::Ack | tcpflag::Psh;

// A full connection: handshake, request "hello world", reply "ok", FIN/FIN.
Script handshake(std::uint32_t cisn, std::uint32_t sisn) {
  Script s;
  s.add(kC, kS, cisn, tcpflag::Syn);
  s.add(kS, kC, sisn, tcpflag::Syn | tcpflag::Ack);
  s.add(kC, kS, cisn + 1, A);
  return s;
}

TEST(PcapReassembly, InOrderWithHandshakeAndFin) {
  RecordingSink sink;
  Reassembler r(sink);
  Script s = handshake(100, 5000);
  s.add(kC, kS, 101, PA, "hello ");
  s.add(kC, kS, 107, PA, "world");
  s.add(kS, kC, 5001, PA, "ok");
  s.add(kC, kS, 112, tcpflag::Fin | A);
  s.add(kS, kC, 5003, tcpflag::Fin | A);
  s.add(kC, kS, 113, A);  // the last ACK opens nothing
  s.feed(r);
  ASSERT_EQ(sink.flows.size(), 1U);
  auto& f = sink.flows.at(1);
  EXPECT_TRUE(f.info.saw_syn);
  EXPECT_EQ(f.info.initiator, kC);
  EXPECT_EQ(f.info.responder, kS);
  EXPECT_EQ(sink.initiator(1), "hello world");
  EXPECT_EQ(sink.responder(1), "ok");
  EXPECT_TRUE(f.closed);
  EXPECT_EQ(f.reason, CloseReason::Fin);
  EXPECT_TRUE(sink.violations.empty());
  EXPECT_EQ(r.stats().delivered_bytes, 13U);
  EXPECT_EQ(r.stats().open_flows, 0U);
}

TEST(PcapReassembly, ReorderedSegmentsAreDeliveredInOrder) {
  RecordingSink sink;
  Reassembler r(sink);
  Script s = handshake(100, 5000);
  s.add(kC, kS, 111, PA, "cc");
  s.add(kC, kS, 106, PA, "bbbbb");
  s.add(kC, kS, 101, PA, "aaaaa");
  s.add(kC, kS, 113, PA, "d");
  s.feed(r);
  r.finish(s.ts);
  EXPECT_EQ(sink.initiator(1), "aaaaabbbbbccd");
  EXPECT_EQ(r.stats().out_of_order_segments, 2U);
  EXPECT_EQ(r.stats().buffered_bytes, 0U);
  EXPECT_EQ(sink.flows.at(1).reason, CloseReason::EndOfCapture);
}

TEST(PcapReassembly, AFlowClosedByAnEarlierStampedPacketEndsAtItsLatestPacket) {
  // The two FINs stored in the capture out of timestamp order (a merge, a reordering
  // editor): the close comes with the earlier stamp, the flow still ends at the later one.
  RecordingSink sink;
  Reassembler r(sink);
  Script s = handshake(100, 5000);
  s.add(kC, kS, 101, PA, "hello");
  s.add(kS, kC, 5001, tcpflag::Fin | A);
  s.add(kC, kS, 106, tcpflag::Fin | A);
  const auto latest = s.segs.back().ts_us;
  std::swap(s.segs[s.segs.size() - 1], s.segs[s.segs.size() - 2]);
  std::swap(s.payloads[s.payloads.size() - 1], s.payloads[s.payloads.size() - 2]);
  s.feed(r);
  ASSERT_TRUE(sink.flows.at(1).closed);
  EXPECT_EQ(sink.flows.at(1).reason, CloseReason::Fin);
  EXPECT_EQ(sink.flows.at(1).close_ts, latest);
}

TEST(PcapReassembly, DuplicatesAreDroppedAndCounted) {
  RecordingSink sink;
  Reassembler r(sink);
  Script s = handshake(100, 5000);
  s.add(kC, kS, 101, PA, "abcd");
  s.add(kC, kS, 101, PA, "abcd");  // retransmission
  s.add(kC, kS, 109, PA, "ijkl");  // out of order
  s.add(kC, kS, 109, PA, "ijkl");  // duplicate of buffered data
  s.add(kC, kS, 105, PA, "efgh");
  s.feed(r);
  r.finish(s.ts);
  EXPECT_EQ(sink.initiator(1), "abcdefghijkl");
  EXPECT_EQ(r.stats().retransmitted_bytes, 8U);
  EXPECT_EQ(r.stats().overlap_conflict_bytes, 0U);
}

TEST(PcapReassembly, OverlapsFirstDataWins) {
  RecordingSink sink;
  Reassembler r(sink);
  Script s = handshake(100, 5000);
  s.add(kC, kS, 101, PA, "0123");
  s.add(kC, kS, 103, PA, "XXYY");    // overlaps delivered "23": first data wins
  s.add(kC, kS, 111, PA, "ABCD");    // buffered
  s.add(kC, kS, 109, PA, "ZZZZ");    // its tail overlaps buffered "AB"
  s.add(kC, kS, 107, PA, "6789QQ");  // fills 107..112: "89QQ" hits buffered "ZZAB"
  s.feed(r);
  r.finish(s.ts);
  // Delivered bytes are gone, so "XX" cannot be compared: a retransmission, not a conflict.
  EXPECT_EQ(sink.initiator(1), "0123YY67ZZABCD");
  EXPECT_EQ(r.stats().overlap_conflict_bytes, 2U + 2U + 2U);
}

TEST(PcapReassembly, LostSegmentIsAGapAtCloseAndNeverFatal) {
  RecordingSink sink;
  Reassembler r(sink);
  Script s = handshake(100, 5000);
  s.add(kC, kS, 101, PA, "aaaa");
  s.add(kC, kS, 109, PA, "cccc");  // 105..108 lost
  s.add(kC, kS, 113, tcpflag::Fin | A);
  s.add(kS, kC, 5001, tcpflag::Fin | A);
  s.feed(r);
  r.finish(s.ts);
  EXPECT_EQ(sink.initiator(1), "aaaa[gap 4]cccc");
  EXPECT_EQ(r.stats().gaps, 1U);
  EXPECT_EQ(r.stats().gap_bytes, 4U);
}

TEST(PcapReassembly, BeyondWindowSkipsAheadAndResyncs) {
  RecordingSink sink;
  ReassemblyLimits limits;
  limits.max_window = 100;
  Reassembler r(sink, limits);
  Script s = handshake(100, 5000);
  s.add(kC, kS, 101, PA, "a");
  s.add(kC, kS, 150, PA, "b");   // buffered (49 bytes ahead)
  s.add(kC, kS, 1101, PA, "c");  // 1000 ahead: the holes are given up
  s.add(kC, kS, 1102, PA, "d");  // in order again
  s.feed(r);
  EXPECT_EQ(sink.initiator(1), "a[gap 48]b[gap 950]cd");
  EXPECT_EQ(r.stats().gaps, 2U);
}

TEST(PcapReassembly, PerFlowBufferFullSkipsAhead) {
  RecordingSink sink;
  ReassemblyLimits limits;
  limits.per_flow_buffer = 8;
  Reassembler r(sink, limits);
  Script s = handshake(100, 5000);
  s.add(kC, kS, 105, PA, "bbbb");
  s.add(kC, kS, 109, PA, "cccc");  // buffer holds 8
  s.add(kC, kS, 113, PA, "dddd");  // no room: give up 101..104
  s.feed(r);
  EXPECT_EQ(sink.initiator(1), "[gap 4]bbbbccccdddd");
  EXPECT_LE(r.stats().buffered_bytes_peak, 8U);
}

TEST(PcapReassembly, FlowWithoutSyn) {
  RecordingSink sink;
  Reassembler r(sink);
  Script s;
  s.add(kS, kC, 7000, PA, "from server first");
  s.add(kC, kS, 300, PA, "client");
  s.add(kS, kC, 7017, PA, "!");
  s.feed(r);
  r.finish(s.ts);
  auto& f = sink.flows.at(1);
  EXPECT_FALSE(f.info.saw_syn);
  EXPECT_EQ(f.info.initiator, kS);  // the first sender seen
  EXPECT_EQ(sink.initiator(1), "from server first!");
  EXPECT_EQ(sink.responder(1), "client");
  EXPECT_EQ(r.stats().flows_without_syn, 1U);
}

TEST(PcapReassembly, SynAckFirstMakesTheReceiverTheInitiator) {
  RecordingSink sink;
  Reassembler r(sink);
  Script s;
  s.add(kS, kC, 5000, tcpflag::Syn | tcpflag::Ack);
  s.add(kC, kS, 101, PA, "req");
  s.feed(r);
  auto& f = sink.flows.at(1);
  EXPECT_TRUE(f.info.saw_syn);
  EXPECT_EQ(f.info.initiator, kC);
  EXPECT_EQ(sink.initiator(1), "req");
}

TEST(PcapReassembly, RstClosesAndFlushesBufferedData) {
  RecordingSink sink;
  Reassembler r(sink);
  Script s = handshake(100, 5000);
  s.add(kC, kS, 101, PA, "ab");
  s.add(kC, kS, 105, PA, "ef");
  s.add(kS, kC, 5001, tcpflag::Rst);
  s.add(kC, kS, 107, PA, "g");  // a new flow without SYN
  s.feed(r);
  EXPECT_EQ(sink.initiator(1), "ab[gap 2]ef");
  EXPECT_EQ(sink.flows.at(1).reason, CloseReason::Rst);
  ASSERT_EQ(sink.flows.size(), 2U);
  EXPECT_FALSE(sink.flows.at(2).info.saw_syn);
  EXPECT_TRUE(sink.violations.empty());
}

TEST(PcapReassembly, ReusedFourTupleStartsANewFlow) {
  RecordingSink sink;
  Reassembler r(sink);
  Script s = handshake(100, 5000);
  s.add(kC, kS, 101, PA, "old");
  s.add(kC, kS, 100, tcpflag::Syn);   // a retransmitted SYN is not a new connection
  s.add(kC, kS, 9000, tcpflag::Syn);  // new ISN: the old connection's end was missed
  s.add(kS, kC, 7000, tcpflag::Syn | tcpflag::Ack);
  s.add(kC, kS, 9001, PA, "new");
  s.feed(r);
  r.finish(s.ts);
  ASSERT_EQ(sink.flows.size(), 2U);
  EXPECT_EQ(sink.initiator(1), "old");
  EXPECT_EQ(sink.flows.at(1).reason, CloseReason::Idle);
  EXPECT_EQ(sink.initiator(2), "new");
  EXPECT_TRUE(sink.flows.at(2).info.saw_syn);
  EXPECT_TRUE(sink.violations.empty());
}

TEST(PcapReassembly, FinBeforeMissingDataWaitsThenCloses) {
  RecordingSink sink;
  Reassembler r(sink);
  Script s = handshake(100, 5000);
  s.add(kS, kC, 5001, tcpflag::Fin | A);
  s.add(kC, kS, 104, tcpflag::Fin | PA, "de");  // FIN arrives before 101..103
  s.add(kC, kS, 101, PA, "abc");
  s.feed(r);
  EXPECT_EQ(sink.initiator(1), "abcde");
  EXPECT_TRUE(sink.flows.at(1).closed);
  EXPECT_EQ(sink.flows.at(1).reason, CloseReason::Fin);
}

TEST(PcapReassembly, SequenceWrapAround) {
  RecordingSink sink;
  Reassembler r(sink);
  const std::uint32_t isn = 0xFFFFFFFAU;
  Script s = handshake(isn, 0xFFFFFFFFU);
  // data starts at 0xFFFFFFFB and crosses 2^32 after 5 bytes
  s.add(kC, kS, isn + 1, PA, "01234");
  s.add(kC, kS, isn + 11, PA, "ABCDE");  // out of order, past the wrap
  s.add(kC, kS, isn + 6, PA, "56789");   // at 0x00000000
  s.add(kS, kC, 0, PA, "reply");         // responder's ISN 0xFFFFFFFF: data at 0
  s.add(kC, kS, isn + 1, PA, "01234");   // old retransmission from before the wrap
  s.feed(r);
  r.finish(s.ts);
  EXPECT_EQ(sink.initiator(1), "0123456789ABCDE");
  EXPECT_EQ(sink.responder(1), "reply");
  EXPECT_EQ(r.stats().gaps, 0U);
  EXPECT_EQ(r.stats().retransmitted_bytes, 5U);
}

TEST(PcapReassembly, IdleFlowsAreClosed) {
  RecordingSink sink;
  ReassemblyLimits limits;
  limits.idle_timeout_us = 10'000'000;
  Reassembler r(sink, limits);
  Script s = handshake(100, 5000);
  s.add(kC, kS, 101, PA, "x");
  s.feed(r);
  r.expire(s.ts + 5'000'000);
  EXPECT_FALSE(sink.flows.at(1).closed);
  r.expire(s.ts + 20'000'000);
  EXPECT_TRUE(sink.flows.at(1).closed);
  EXPECT_EQ(sink.flows.at(1).reason, CloseReason::Idle);
  // feed() also ages flows as capture time passes.
  Script t;
  t.ts = s.ts + 30'000'000;
  t.add(kC, kS, 900, PA, "y");
  const Endpoint other = ep("192.0.2.3", 1);
  t.ts += 20'000'000;
  t.add(other, kS, 1, PA, "z");
  t.feed(r);
  EXPECT_EQ(sink.flows.at(2).reason, CloseReason::Idle);
  EXPECT_FALSE(sink.flows.at(3).closed);
}

TEST(PcapReassembly, GlobalBudgetEvictsTheOldestFlows) {
  RecordingSink sink;
  ReassemblyLimits limits;
  limits.global_budget = 100;
  Reassembler r(sink, limits);
  Script s;
  for (std::uint16_t i = 0; i < 5; ++i) {
    const Endpoint c = ep("192.0.2.1", static_cast<std::uint16_t>(1000 + i));
    s.add(c, kS, 1, PA, "a");
    s.add(c, kS, 10, PA, std::string(30, 'b'));  // 30 buffered per flow
  }
  s.feed(r);
  EXPECT_LE(r.stats().buffered_bytes, 100U);
  EXPECT_LE(r.stats().buffered_bytes_peak, 100U);
  EXPECT_EQ(r.stats().closed_evicted, 2U);
  EXPECT_EQ(sink.flows.at(1).reason, CloseReason::Evicted);
  EXPECT_EQ(sink.flows.at(2).reason, CloseReason::Evicted);
  EXPECT_FALSE(sink.flows.at(3).closed);
  // the evicted flow's buffered data was delivered after a gap before it closed
  EXPECT_EQ(sink.initiator(1), "a[gap 8]" + std::string(30, 'b'));
}

TEST(PcapReassembly, MaxFlowsEvictsTheLeastRecentlyActive) {
  RecordingSink sink;
  ReassemblyLimits limits;
  limits.max_flows = 3;
  Reassembler r(sink, limits);
  Script s;
  for (std::uint16_t i = 0; i < 3; ++i) s.add(ep("192.0.2.1", 1000 + i), kS, 1, PA, "x");
  s.add(ep("192.0.2.1", 1000), kS, 2, PA, "y");  // flow 1 active again
  s.add(ep("192.0.2.1", 2000), kS, 1, PA, "z");  // evicts flow 2
  s.feed(r);
  EXPECT_FALSE(sink.flows.at(1).closed);
  EXPECT_EQ(sink.flows.at(2).reason, CloseReason::Evicted);
  EXPECT_EQ(r.stats().open_flows, 3U);
}

TEST(PcapReassembly, ManyFlowsInterleaved) {
  RecordingSink sink;
  Reassembler r(sink);
  std::mt19937 rng(42);
  struct Conn {
    Endpoint c, s;
    std::uint32_t cseq, sseq;
    std::string csent, ssent;
  };
  std::vector<Conn> conns;
  for (int i = 0; i < 2000; ++i) {
    Conn k{ep(i % 2 ? "2001:db8::1" : "192.0.2.9", static_cast<std::uint16_t>(1024 + i)),
           ep(i % 2 ? "2001:db8::2" : "192.0.2.8", 104),
           static_cast<std::uint32_t>(rng()),
           static_cast<std::uint32_t>(rng()),
           {},
           {}};
    conns.push_back(k);
  }
  Script s;
  for (auto& k : conns) s.add(k.c, k.s, k.cseq++, tcpflag::Syn);
  for (int round = 0; round < 10; ++round) {
    for (auto& k : conns) {
      std::string a(1 + rng() % 50, static_cast<char>('a' + round));
      s.add(k.c, k.s, k.cseq, PA, a);
      k.cseq += static_cast<std::uint32_t>(a.size());
      k.csent += a;
      std::string b(1 + rng() % 50, static_cast<char>('A' + round));
      if (round == 0) s.add(k.s, k.c, k.sseq++, tcpflag::Syn | tcpflag::Ack);
      s.add(k.s, k.c, k.sseq, PA, b);
      k.sseq += static_cast<std::uint32_t>(b.size());
      k.ssent += b;
    }
  }
  s.feed(r);
  r.finish(s.ts);
  ASSERT_EQ(sink.flows.size(), conns.size());
  for (std::size_t i = 0; i < conns.size(); ++i) {
    const auto id = static_cast<FlowId>(i + 1);
    EXPECT_EQ(sink.flows.at(id).info.initiator, conns[i].c);
    ASSERT_EQ(sink.initiator(id), conns[i].csent) << i;
    ASSERT_EQ(sink.responder(id), conns[i].ssent) << i;
  }
  EXPECT_EQ(r.stats().open_flows_peak, conns.size());
  EXPECT_TRUE(sink.violations.empty());
}

TEST(PcapReassembly, RandomReorderingAndDuplicationKeepsTheStream) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 50; ++trial) {
    RecordingSink sink;
    Reassembler r(sink);
    std::string data(2000 + rng() % 2000, '\0');
    for (auto& ch : data) ch = static_cast<char>('a' + rng() % 26);
    const std::uint32_t isn = static_cast<std::uint32_t>(rng()) | 0xFFFF0000U;  // near wrap
    Script s;
    s.add(kC, kS, isn, tcpflag::Syn);
    std::vector<std::pair<std::size_t, std::size_t>> pieces;
    for (std::size_t off = 0; off < data.size();) {
      std::size_t n = std::min<std::size_t>(1 + rng() % 300, data.size() - off);
      pieces.emplace_back(off, n);
      if (rng() % 4 == 0) pieces.emplace_back(off, n);  // duplicate
      off += n;
    }
    // Local reordering within a window of 8 pieces.
    for (std::size_t i = 1; i + 8 < pieces.size(); i += 8) {
      std::shuffle(pieces.begin() + static_cast<std::ptrdiff_t>(i),
                   pieces.begin() + static_cast<std::ptrdiff_t>(i + 8), rng);
    }
    for (auto [off, n] : pieces) {
      s.add(kC, kS, isn + 1 + static_cast<std::uint32_t>(off), PA, data.substr(off, n));
    }
    s.feed(r);
    r.finish(s.ts);
    ASSERT_EQ(sink.initiator(1), data) << "trial " << trial;
  }
}

}  // namespace
}  // namespace dicomsec::pcap
