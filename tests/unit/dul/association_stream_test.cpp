// Streaming and observing: a multi-hundred-megabyte C-STORE passes through a requestor ->
// acceptor pair in bounded memory; observers start mid-stream, survive gaps and share a
// context table; the decoder resynchronises on the next plausible PDU boundary.
#include <gtest/gtest.h>

#include <algorithm>

#include "association_helpers.hpp"

namespace dicomsec::dul {
namespace {

using namespace dicomsec::dul::testing;

struct Established {
  Association req{AssociationOptions{.role = Role::Requestor}};
  Association acc{AssociationOptions{.role = Role::Acceptor}};
  Bytes to_acceptor;  // everything the requestor sent (for observers)
  Bytes to_requestor;

  explicit Established(std::uint32_t max_pdu = 16384) {
    auto rq = samples::associate_rq();
    must(req.associate(rq));
    auto o = req.transport_connected();
    acc.transport_connected();
    send_to_acc(o);
    auto ac = must(acc.accept(accept_all(rq, max_pdu)));
    send_to_req(ac);
  }
  Output send_to_acc(const Output& o) {
    to_acceptor.insert(to_acceptor.end(), o.send.begin(), o.send.end());
    return acc.receive(o.send);
  }
  Output send_to_req(const Output& o) {
    to_requestor.insert(to_requestor.end(), o.send.begin(), o.send.end());
    return req.receive(o.send);
  }
};

// The data set is generated on the fly, 1 MiB per send_data() call, and never exists whole
// on either side. 512 MiB keeps the test around a second; the bound does not depend on it.
TEST(dulAssociationStream, LargeStorePassesInBoundedMemory) {
  constexpr std::uint64_t kTotal = 512ULL << 20;
  constexpr std::size_t kChunk = 1U << 20;
  Association req{AssociationOptions{.role = Role::Requestor}};
  Association acc{AssociationOptions{.role = Role::Acceptor}};
  auto rq = samples::associate_rq();
  must(req.associate(rq));
  acc.transport_connected();
  acc.receive(req.transport_connected().send);
  req.receive(must(acc.accept(accept_all(rq, 65536))).send);
  ASSERT_TRUE(req.established());

  auto store = samples::commands()[5];
  auto first = acc.receive(must(req.send_command(1, store)).send);
  ASSERT_EQ(all_of<ind::Command>(first).size(), 1U);

  Bytes chunk(kChunk);
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  std::uint64_t checksum_out = 0;
  std::uint64_t checksum_in = 0;
  std::size_t peak_buffered = 0;
  std::size_t peak_send = 0;
  bool last_seen = false;
  while (sent < kTotal) {
    for (std::size_t i = 0; i < kChunk; i += 4096) chunk[i] = static_cast<std::uint8_t>(sent >> 20);
    checksum_out += chunk[0];
    const bool last = sent + kChunk >= kTotal;
    auto out = must(req.send_data(1, chunk, last));
    peak_send = std::max(peak_send, out.send.size());
    // Deliver in odd-sized pieces so PDUs straddle receive() calls.
    for (std::size_t off = 0; off < out.send.size(); off += 100003) {
      auto n = std::min<std::size_t>(100003, out.send.size() - off);
      auto got = acc.receive(ByteView(out.send).subspan(off, n));
      peak_buffered = std::max(peak_buffered, acc.buffered_bytes());
      for (auto& c : all_of<ind::DataChunk>(got)) {
        if (received % kChunk == 0) checksum_in += c.bytes[0];
        received += c.bytes.size();
        last_seen = last_seen || c.last;
        EXPECT_LE(c.bytes.size(), 65536U);
      }
      EXPECT_TRUE(all_of<ind::DataSet>(got).empty());
    }
    sent += kChunk;
  }
  EXPECT_EQ(received, kTotal);
  EXPECT_TRUE(last_seen);
  EXPECT_EQ(checksum_in, checksum_out);
  // One PDU (64 KiB) plus one delivery (100 KB) at most, whatever the total.
  EXPECT_LE(peak_buffered, 65536U + 100003U);
  EXPECT_LE(peak_send, kChunk + (kChunk / (65536 - 6) + 1) * 12);
  EXPECT_EQ(acc.buffered_bytes(), 0U);
}

TEST(dulAssociationStream, TwoObserversShareTheContextTable) {
  Established e;
  auto store = samples::commands()[5];
  e.send_to_acc(must(e.req.send_message(1, store, Bytes(3000, 9))));
  e.send_to_req(must(e.acc.send_command(1, samples::commands()[1])));
  e.send_to_acc(must(e.req.release()));
  e.send_to_req(must(e.acc.release_response()));

  auto table = std::make_shared<ContextTable>();
  Association up(AssociationOptions{.role = Role::Requestor, .observer = true, .contexts = table});
  Association down(AssociationOptions{.role = Role::Acceptor, .observer = true, .contexts = table});
  // Time order, as pcap feeds them: the RQ, then the AC, then the rest.
  const std::size_t rq_len = 6 + (std::size_t{e.to_acceptor[4]} << 8 | e.to_acceptor[5]);
  auto u = up.receive(ByteView(e.to_acceptor).first(rq_len));
  auto d = down.receive(e.to_requestor);
  u.append(up.receive(ByteView(e.to_acceptor).subspan(rq_len)));
  EXPECT_TRUE(u.send.empty());
  EXPECT_TRUE(d.send.empty());
  EXPECT_TRUE(has<ind::AssociateRequested>(u));
  EXPECT_TRUE(has<ind::AssociateAccepted>(d));
  ASSERT_NE(table->find(1), nullptr);
  EXPECT_TRUE(table->find(1)->accepted());
  EXPECT_EQ(table->find(1)->abstract_syntax, "1.2.840.10008.1.1");
  EXPECT_EQ(all_of<ind::Command>(u).size(), 1U);
  std::size_t data = 0;
  for (auto& c : all_of<ind::DataChunk>(u)) data += c.bytes.size();
  EXPECT_EQ(data, 3000U);
  EXPECT_EQ(all_of<ind::Command>(d).size(), 1U);
  EXPECT_TRUE(has<ind::ReleaseRequested>(u));
  EXPECT_TRUE(has<ind::ReleaseConfirmed>(d));
  EXPECT_TRUE(up.conformance().empty()) << up.conformance().front();
  EXPECT_FALSE(up.send_command(1, echo_rq()).ok());  // observers never send
  // observe_request() is the alternative to a shared table.
  Association lone(AssociationOptions{.role = Role::Acceptor, .observer = true});
  lone.observe_request(samples::associate_rq());
  lone.receive(e.to_requestor);
  EXPECT_TRUE(lone.contexts().find(3)->accepted());
}

TEST(dulAssociationStream, ObserverStartsMidStreamAtEveryOffset) {
  Established e(512);
  Bytes data_phase;
  auto send = [&](Result<Output> r) {
    auto o = must(std::move(r));
    data_phase.insert(data_phase.end(), o.send.begin(), o.send.end());
  };
  std::size_t last_command = 0;
  for (int i = 0; i < 3; ++i) {
    send(e.req.send_message(1, samples::commands()[5], Bytes(1500, static_cast<std::uint8_t>(i))));
    last_command = data_phase.size();
    send(e.req.send_command(1, echo_rq()));
  }
  send(e.req.release());
  for (std::size_t start = 0; start < data_phase.size(); start += 7) {
    Association obs(
        AssociationOptions{.role = Role::Requestor, .observer = true, .start_mid_stream = true});
    obs.observe_request(samples::associate_rq());
    auto o = obs.receive(ByteView(data_phase).subspan(start));
    // The release request at the end is always found, and every command after the start.
    EXPECT_EQ(has<ind::ReleaseRequested>(o), start <= data_phase.size() - 10)
        << start << " of " << data_phase.size() << " skipped " << obs.bytes_skipped();
    EXPECT_GE(all_of<ind::Command>(o).size(), start == 0              ? 6U
                                              : start <= last_command ? 1U
                                                                      : 0U)
        << start;
    if (start == 0) {
      EXPECT_EQ(obs.bytes_skipped(), 0U);
    }
  }
}

TEST(dulAssociationStream, ObserverSurvivesAGap) {
  Established e(512);
  Bytes phase;
  auto send = [&](Result<Output> r) {
    auto o = must(std::move(r));
    phase.insert(phase.end(), o.send.begin(), o.send.end());
  };
  send(e.req.send_message(1, samples::commands()[5], Bytes(4000, 1)));
  const std::size_t second = phase.size();
  send(e.req.send_command(1, echo_rq()));
  send(e.req.release());

  Association obs(AssociationOptions{.role = Role::Requestor, .observer = true});
  obs.observe_request(samples::associate_rq());
  auto a = obs.receive(ByteView(phase).first(1000));  // command + start of the data set
  ASSERT_EQ(all_of<ind::Command>(a).size(), 1U);
  auto g = obs.gap(2000);
  auto lost = all_of<ind::MessageLost>(g);
  ASSERT_EQ(lost.size(), 1U);
  auto b = obs.receive(ByteView(phase).subspan(3000));
  auto cmds = all_of<ind::Command>(b);
  ASSERT_EQ(cmds.size(), 1U);
  EXPECT_EQ(cmds[0].command, echo_rq());
  EXPECT_TRUE(has<ind::ReleaseRequested>(b));
  EXPECT_GE(obs.bytes_skipped(), 2000U);
  EXPECT_LE(3000U, second);
  EXPECT_FALSE(obs.conformance().empty());
}

TEST(dulAssociationStream, ObserverResyncsAfterGarbage) {
  Established e;
  Bytes s = garbage();
  auto echo = must(e.req.send_command(1, echo_rq()));
  s.insert(s.end(), echo.send.begin(), echo.send.end());
  Association obs(AssociationOptions{.role = Role::Requestor, .observer = true});
  auto o = obs.receive(s);
  EXPECT_EQ(all_of<ind::Command>(o).size(), 1U);
  EXPECT_FALSE(obs.conformance().empty());
  EXPECT_TRUE(o.send.empty());
}

TEST(dulPduDecoder, ResyncFindsTheNextPlausibleBoundary) {
  auto pdata = echo_pdata();
  auto rp = bytes_of(Pdu{ReleaseRp{}});
  Bytes s = {0x04, 0x00, 0x00, 0x00, 0x00, 0x02, 0x07};  // a P-DATA header too short
  s.insert(s.end(), {0x05, 0x01, 0x02, 0x33});           // junk
  const std::size_t junk = s.size();
  s.insert(s.end(), pdata.begin(), pdata.end());
  s.insert(s.end(), rp.begin(), rp.end());
  s.insert(s.end(), rp.begin(), rp.end());
  for (std::size_t split = 1; split < s.size(); ++split) {
    PduDecoder d;
    d.resync();
    d.feed(ByteView(s).first(split));
    std::vector<Pdu> got;
    while (d.next() == DecodeStatus::Ready) got.push_back(d.take());
    d.feed(ByteView(s).subspan(split));
    while (d.next() == DecodeStatus::Ready) got.push_back(d.take());
    ASSERT_GE(got.size(), 2U) << split;
    EXPECT_EQ(pdu_type(got[0]), PduType::PData) << split;
    EXPECT_EQ(d.skipped(), junk) << split;
  }
  PduDecoder d;
  d.feed(garbage());
  EXPECT_EQ(d.next(), DecodeStatus::Error);
  d.reset();
  d.feed(rp);
  EXPECT_EQ(d.next(), DecodeStatus::Ready);
  EXPECT_EQ(Bytes(d.raw().begin(), d.raw().end()), rp);
}

}  // namespace
}  // namespace dicomsec::dul
