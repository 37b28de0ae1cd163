// dul::Association as a pair (requestor <-> acceptor over byte buffers), the release
// collision on both sides, provider aborts, lenient decoding and the conformance list.
#include <gtest/gtest.h>

#include "association_helpers.hpp"
#include "storescp_367_ac.inc"

namespace dicomsec::dul {
namespace {

using namespace dicomsec::dul::testing;

// Moves `bytes` into `to` in chunks of `chunk` bytes (0 = one piece) and merges outputs.
Output deliver(Association& to, const Bytes& bytes, std::size_t chunk = 0) {
  Output all;
  if (chunk == 0) chunk = bytes.size() == 0 ? 1 : bytes.size();
  for (std::size_t i = 0; i < bytes.size(); i += chunk) {
    auto n = std::min(chunk, bytes.size() - i);
    all.append(to.receive(ByteView(bytes).subspan(i, n)));
  }
  return all;
}

struct Pair {
  Association req{AssociationOptions{.role = Role::Requestor}};
  Association acc{AssociationOptions{.role = Role::Acceptor}};

  void establish(std::size_t chunk = 0, std::uint32_t acc_max_pdu = 16384) {
    auto rq = samples::associate_rq();
    must(req.associate(rq));
    auto o = req.transport_connected();
    acc.transport_connected();
    auto got = deliver(acc, o.send, chunk);
    auto rqs = all_of<ind::AssociateRequested>(got);
    ASSERT_EQ(rqs.size(), 1U);
    EXPECT_EQ(rqs[0].rq, rq);
    EXPECT_EQ(rqs[0].raw, o.send);  // raw PDU kept for byte-for-byte forwarding
    auto ac = must(acc.accept(accept_all(rqs[0].rq, acc_max_pdu)));
    auto conf = deliver(req, ac.send, chunk);
    ASSERT_TRUE(has<ind::AssociateAccepted>(conf));
    ASSERT_TRUE(req.established());
    ASSERT_TRUE(acc.established());
  }
};

TEST(dulAssociation, PairEchoAndReleaseAtEveryChunkSize) {
  for (std::size_t chunk : {1U, 2U, 3U, 5U, 7U, 64U, 0U}) {
    Pair p;
    p.establish(chunk);
    auto sent = must(p.req.send_command(1, echo_rq()));
    auto got = deliver(p.acc, sent.send, chunk);
    auto cmds = all_of<ind::Command>(got);
    ASSERT_EQ(cmds.size(), 1U) << chunk;
    EXPECT_EQ(cmds[0].command, echo_rq());
    EXPECT_EQ(cmds[0].context_id, 1);
    auto rsp = samples::commands()[1];
    auto back = deliver(p.req, must(p.acc.send_command(1, rsp)).send, chunk);
    ASSERT_EQ(all_of<ind::Command>(back).size(), 1U);
    EXPECT_EQ(all_of<ind::Command>(back)[0].command, rsp);

    auto rel = must(p.req.release());
    EXPECT_EQ(p.req.state(), State::Sta7);
    auto ind = deliver(p.acc, rel.send, chunk);
    EXPECT_TRUE(has<ind::ReleaseRequested>(ind));
    auto rp = must(p.acc.release_response());
    EXPECT_EQ(rp.artim, Artim::Start);
    auto fin = deliver(p.req, rp.send, chunk);
    EXPECT_TRUE(has<ind::ReleaseConfirmed>(fin));
    EXPECT_TRUE(fin.close_transport);
    EXPECT_EQ(p.req.state(), State::Sta1);
    auto closed = p.acc.transport_closed();  // AR-5
    EXPECT_EQ(closed.artim, Artim::Stop);
    EXPECT_EQ(p.acc.state(), State::Sta1);
    EXPECT_TRUE(p.req.conformance().empty());
  }
}

TEST(dulAssociation, DataPhaseSplitAtEveryOffsetGivesTheSameIndications) {
  Pair ref;
  ref.establish();
  Bytes stream;
  auto add = [&](Result<Output> r) {
    auto o = must(std::move(r));
    stream.insert(stream.end(), o.send.begin(), o.send.end());
  };
  auto store = samples::commands()[5];
  store.command_data_set_type = 0x0000;
  add(ref.req.send_command(3, samples::commands()[2]));  // C-FIND-RQ + identifier
  add(ref.req.send_data(3, Bytes(40, 0x11), true));
  add(ref.req.send_command(1, echo_rq()));
  add(ref.req.release());
  auto whole = deliver(ref.acc, stream);
  ASSERT_EQ(all_of<ind::Command>(whole).size(), 2U);
  ASSERT_EQ(all_of<ind::DataChunk>(whole).size(), 1U);
  ASSERT_TRUE(has<ind::ReleaseRequested>(whole));
  for (std::size_t cut = 1; cut < stream.size(); ++cut) {
    Pair p;
    p.establish();
    Output o = p.acc.receive(ByteView(stream).first(cut));
    o.append(p.acc.receive(ByteView(stream).subspan(cut)));
    ASSERT_EQ(all_of<ind::Command>(o).size(), 2U) << cut;
    auto chunks = all_of<ind::DataChunk>(o);
    ASSERT_EQ(chunks.size(), 1U) << cut;
    EXPECT_EQ(chunks[0].bytes, Bytes(40, 0x11));
    EXPECT_TRUE(chunks[0].last);
    EXPECT_TRUE(has<ind::ReleaseRequested>(o)) << cut;
    EXPECT_EQ(p.acc.state(), State::Sta8) << cut;
  }
}

TEST(dulAssociation, AssociationPhaseSplitAtEveryOffset) {
  auto rq = samples::associate_rq();
  const Bytes rq_bytes = bytes_of(Pdu{rq});
  const Bytes ac_bytes = bytes_of(Pdu{accept_all(rq)});
  for (std::size_t cut = 1; cut < std::max(rq_bytes.size(), ac_bytes.size()); ++cut) {
    if (cut < rq_bytes.size()) {
      Association acc(AssociationOptions{.role = Role::Acceptor});
      acc.transport_connected();
      auto o = acc.receive(ByteView(rq_bytes).first(cut));
      EXPECT_TRUE(o.indications.empty()) << cut;
      o.append(acc.receive(ByteView(rq_bytes).subspan(cut)));
      auto got = all_of<ind::AssociateRequested>(o);
      ASSERT_EQ(got.size(), 1U) << cut;
      EXPECT_EQ(got[0].rq, rq);
      EXPECT_EQ(got[0].raw, rq_bytes);
      EXPECT_EQ(acc.state(), State::Sta3);
    }
    if (cut < ac_bytes.size()) {
      Association req(AssociationOptions{.role = Role::Requestor});
      must(req.associate(rq));
      req.transport_connected();
      req.receive(ByteView(ac_bytes).first(cut));
      EXPECT_FALSE(req.established()) << cut;
      auto o = req.receive(ByteView(ac_bytes).subspan(cut));
      ASSERT_EQ(all_of<ind::AssociateAccepted>(o).size(), 1U) << cut;
      EXPECT_TRUE(req.established()) << cut;
    }
  }
}

TEST(dulAssociation, FragmentsToThePeersMaximumPdu) {
  Pair p;
  p.establish(0, 1000);
  EXPECT_EQ(p.req.peer_max_pdu(), 1000U);
  auto store = samples::commands()[5];
  auto o = must(p.req.send_message(1, store, Bytes(5000, 0x42)));
  auto pdus = decode_all(o.send);
  ASSERT_GE(pdus.size(), 6U);
  for (const auto& pdu : pdus) {
    auto b = bytes_of(pdu);
    EXPECT_LE(b.size() - 6, 1000U);
  }
  auto got = deliver(p.acc, o.send);
  std::size_t total = 0;
  for (const auto& c : all_of<ind::DataChunk>(got)) total += c.bytes.size();
  EXPECT_EQ(total, 5000U);
}

TEST(dulAssociation, BuffersAWholeDataSetOnlyWhenAsked) {
  Pair p;
  p.acc = Association(AssociationOptions{
      .role = Role::Acceptor, .buffer_data_set = [](std::uint8_t, const dimse::Command& c) {
        return c.field == dimse::CommandField::CFindRq;
      }});
  p.establish(0, 512);
  auto o = must(p.req.send_message(3, samples::commands()[2], Bytes(2000, 7)));
  auto got = deliver(p.acc, o.send);
  EXPECT_TRUE(all_of<ind::DataChunk>(got).empty());
  auto whole = all_of<ind::DataSet>(got);
  ASSERT_EQ(whole.size(), 1U);
  EXPECT_EQ(whole[0].bytes, Bytes(2000, 7));
}

TEST(dulAssociation, ReleaseCollisionBothSides) {
  Pair p;
  p.establish();
  auto rq_from_req = must(p.req.release());
  auto rq_from_acc = must(p.acc.release());
  auto at_req = deliver(p.req, rq_from_acc.send);
  auto at_acc = deliver(p.acc, rq_from_req.send);
  EXPECT_EQ(p.req.state(), State::Sta9);   // AR-8, requestor side
  EXPECT_EQ(p.acc.state(), State::Sta10);  // AR-8, acceptor side
  ASSERT_EQ(all_of<ind::ReleaseRequested>(at_req).size(), 1U);
  EXPECT_TRUE(all_of<ind::ReleaseRequested>(at_req)[0].collision);
  EXPECT_TRUE(all_of<ind::ReleaseRequested>(at_acc)[0].collision);
  // The acceptor may not answer yet: it waits for the requestor's A-RELEASE-RP.
  EXPECT_FALSE(p.acc.release_response().ok());
  auto rp = must(p.req.release_response());  // AR-9
  EXPECT_EQ(p.req.state(), State::Sta11);
  auto conf = deliver(p.acc, rp.send);  // AR-10
  EXPECT_TRUE(has<ind::ReleaseConfirmed>(conf));
  EXPECT_EQ(p.acc.state(), State::Sta12);
  auto rp2 = must(p.acc.release_response());  // AR-4
  EXPECT_EQ(p.acc.state(), State::Sta13);
  auto fin = deliver(p.req, rp2.send);  // AR-3
  EXPECT_TRUE(has<ind::ReleaseConfirmed>(fin));
  EXPECT_EQ(p.req.state(), State::Sta1);
  EXPECT_TRUE(fin.close_transport);
}

TEST(dulAssociation, PDataAfterOurReleaseRequestIsDelivered) {  // AR-6
  Pair p;
  p.establish();
  must(p.req.release());
  auto late = must(p.acc.send_command(1, samples::commands()[1]));
  auto got = deliver(p.req, late.send);
  EXPECT_EQ(all_of<ind::Command>(got).size(), 1U);
  ASSERT_EQ(got.steps.size(), 1U);
  EXPECT_EQ(got.steps[0].action, Action::AR_6);
  EXPECT_EQ(p.req.state(), State::Sta7);
  EXPECT_TRUE(p.req.conformance().empty());
}

TEST(dulAssociation, GarbageGivesAProviderAbort) {
  Pair p;
  p.establish();
  auto o = p.req.receive(garbage());
  ASSERT_EQ(o.steps.size(), 1U);
  EXPECT_EQ(o.steps[0].event, Event::Evt19_InvalidPduReceived);
  EXPECT_EQ(o.steps[0].action, Action::AA_8);
  auto sent = decode_all(o.send);
  ASSERT_EQ(sent.size(), 1U);
  EXPECT_EQ(std::get<Abort>(sent[0]), (Abort{2, 1}));  // provider, unrecognized PDU
  auto ab = all_of<ind::Aborted>(o);
  ASSERT_EQ(ab.size(), 1U);
  EXPECT_TRUE(ab[0].provider);
  EXPECT_FALSE(ab[0].by_peer);
  EXPECT_EQ(o.artim, Artim::Start);
  // Framing is lost: later bytes are ignored rather than answered with more aborts.
  EXPECT_TRUE(p.req.receive(echo_pdata()).send.empty());
  EXPECT_EQ(p.acc.receive(o.send).steps[0].action, Action::AA_3);
}

TEST(dulAssociation, MalformedCommandIsAProviderAbort) {
  Pair p;
  p.establish();
  auto bad = bytes_of(Pdu{PData{{Pdv{1, true, true, Bytes{1, 2, 3}}}}});
  auto o = p.acc.receive(bad);
  ASSERT_EQ(o.steps.size(), 1U);
  EXPECT_EQ(o.steps[0].action, Action::AA_8);
  auto unaccepted = bytes_of(Pdu{PData{{Pdv{9, true, true, dimse::encode_command(echo_rq())}}}});
  Pair q;
  q.establish();
  auto o2 = q.acc.receive(unaccepted);
  ASSERT_EQ(o2.steps.size(), 1U);
  EXPECT_EQ(o2.steps[0].action, Action::AA_8);
  EXPECT_EQ(std::get<Abort>(decode_all(o2.send)[0]).reason, 6);
}

TEST(dulAssociation, LocalPrimitivesOutOfStateAreRefused) {
  Association a(AssociationOptions{.role = Role::Requestor});
  EXPECT_FALSE(a.send_command(1, echo_rq()).ok());
  EXPECT_FALSE(a.release().ok());
  EXPECT_FALSE(a.accept(AssociateAc{}).ok());
  Pair p;
  p.establish();
  EXPECT_FALSE(p.req.send_command(77, echo_rq()).ok());   // context never proposed
  must(p.req.send_command(1, samples::commands()[5]));    // announces a data set
  EXPECT_FALSE(p.req.send_command(1, echo_rq()).ok());    // data set not sent yet
  EXPECT_FALSE(p.req.send_data(3, Bytes{1}, true).ok());  // wrong context
  must(p.req.send_data(1, Bytes{1, 2}, true));
  must(p.req.send_command(1, echo_rq()));
}

TEST(dulAssociation, DcmtkAcceptanceEstablishes) {
  Association a(AssociationOptions{.role = Role::Requestor});
  AssociateRq rq = samples::associate_rq();
  // storescp accepted CT Image Storage with explicit VR little endian, so the captured
  // exchange proposed it (an AC may only pick a proposed transfer syntax, PS3.8 9.3.3.2).
  rq.contexts = {{1, "1.2.840.10008.1.1", {"1.2.840.10008.1.2"}},
                 {3, "1.2.840.10008.5.1.4.1.1.2", {"1.2.840.10008.1.2.1", "1.2.840.10008.1.2"}},
                 {5, "1.2.840.10008.5.1.4.1.2.1.1", {"1.2.840.10008.1.2"}}};
  must(a.associate(rq));
  a.transport_connected();
  const Bytes ac(std::begin(kStorescp367Ac), std::end(kStorescp367Ac));
  Output o;
  for (auto b : ac) o.append(a.receive(ByteView(&b, 1)));
  auto acc = all_of<ind::AssociateAccepted>(o);
  ASSERT_EQ(acc.size(), 1U);
  EXPECT_EQ(acc[0].raw, ac);
  EXPECT_TRUE(a.established());
  ASSERT_NE(a.contexts().find(1), nullptr);
  EXPECT_TRUE(a.contexts().find(1)->accepted());
  EXPECT_EQ(a.contexts().find(1)->abstract_syntax, "1.2.840.10008.1.1");
  EXPECT_GT(a.peer_max_pdu(), 0U);
}

// A-ASSOCIATE-AC with a trailing byte inside the maximum-length sub-item and an unknown
// top-level item: accepted, and both deviations are listed.
TEST(dulAssociation, LenientDecodingFillsConformance) {
  auto rq = samples::associate_rq();
  auto good = bytes_of(Pdu{accept_all(rq)});
  // Rebuild: find the 0x51 sub-item and give it one trailing byte.
  Bytes bad = good;
  for (std::size_t i = 74; i + 8 <= bad.size(); ++i)
    if (bad[i] == 0x51 && bad[i + 1] == 0 && bad[i + 2] == 0 && bad[i + 3] == 4) {
      bad[i + 3] = 5;
      bad.insert(bad.begin() + static_cast<std::ptrdiff_t>(i + 8), 0xEE);
      break;
    }
  // User information item length +1 (the 0x50 item header precedes the 0x51 sub-item).
  for (std::size_t i = 74; i + 4 <= bad.size(); ++i)
    if (bad[i] == 0x50 && bad[i + 1] == 0) {
      std::uint16_t len = static_cast<std::uint16_t>((bad[i + 2] << 8 | bad[i + 3]) + 1);
      bad[i + 2] = static_cast<std::uint8_t>(len >> 8);
      bad[i + 3] = static_cast<std::uint8_t>(len);
      break;
    }
  // An unknown item 0x77 at the end, and the PDU length fixed.
  bad.insert(bad.end(), {0x77, 0x00, 0x00, 0x02, 0xAB, 0xCD});
  std::uint32_t pdu_len = static_cast<std::uint32_t>(bad.size() - 6);
  for (int k = 0; k < 4; ++k) bad[2 + k] = static_cast<std::uint8_t>(pdu_len >> (24 - 8 * k));

  Association a(AssociationOptions{.role = Role::Requestor});
  must(a.associate(rq));
  a.transport_connected();
  auto o = a.receive(bad);
  ASSERT_TRUE(a.established()) << (a.conformance().empty() ? "" : a.conformance()[0]);
  auto acc = all_of<ind::AssociateAccepted>(o);
  ASSERT_EQ(acc.size(), 1U);
  EXPECT_EQ(acc[0].raw, bad);
  ASSERT_EQ(acc[0].ac.unknown_items.size(), 1U);
  EXPECT_EQ(acc[0].ac.unknown_items[0].type, 0x77);
  EXPECT_EQ(acc[0].ac.user_info.max_length, 16384U);
  ASSERT_EQ(a.conformance().size(), 2U);
  EXPECT_NE(a.conformance()[0].find("trailing"), std::string::npos);
  EXPECT_NE(a.conformance()[1].find("0x77"), std::string::npos);
}

TEST(dulAssociation, ArtimExpiryInSta2ClosesTheTransport) {
  Association a(AssociationOptions{.role = Role::Acceptor});
  auto o = a.transport_connected();
  EXPECT_EQ(o.artim, Artim::Start);
  auto e = a.artim_expired();
  EXPECT_TRUE(e.close_transport);
  EXPECT_EQ(e.artim, Artim::Stop);
  EXPECT_EQ(a.state(), State::Sta1);
  EXPECT_TRUE(a.artim_expired().steps.empty());  // a stale timer is harmless
}

TEST(dulAssociation, EncodeReturnsAnErrorForOversizedItems) {
  AssociateRq rq = samples::associate_rq();
  rq.contexts[0].abstract_syntax = std::string(70000, '1');
  auto b = encode(Pdu{rq});
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find("16-bit"), std::string::npos);
  Association a(AssociationOptions{.role = Role::Requestor});
  EXPECT_FALSE(a.associate(rq).ok());
  EXPECT_EQ(a.state(), State::Sta1);
}

TEST(dulAssociation, NDimseCommandsAndErrorCommentRoundTrip) {
  using dimse::CommandField;
  dimse::Command set{.field = CommandField::NSetRq,
                     .message_id = 4,
                     .requested_sop_class_uid = "1.2.840.10008.5.1.1.1",
                     .requested_sop_instance_uid = "1.2.3"};
  set.command_data_set_type = 0x0000;
  dimse::Command rsp{.field = CommandField::NActionRsp,
                     .affected_sop_class_uid = "1.2.840.10008.1.20.1",
                     .message_id_being_responded_to = 5,
                     .status = 0x0110};
  rsp.error_comment = "no such thing";
  rsp.error_id = 3;
  rsp.offending_elements = {0x00100010};
  rsp.action_type_id = 1;
  rsp.affected_sop_instance_uid = "1.2.840.10008.1.20.1.1";
  dimse::Command ev{.field = CommandField::NEventReportRq,
                    .affected_sop_class_uid = "1.2.840.10008.1.20.1",
                    .message_id = 6};
  ev.event_type_id = 2;
  dimse::Command get{.field = CommandField::NGetRq, .message_id = 7};
  get.requested_sop_class_uid = "1.2.840.10008.5.1.1.1";
  get.requested_sop_instance_uid = "1.2.3";
  get.attribute_identifiers = {0x20000010, 0x20000030};
  for (const auto& c : {set, rsp, ev, get}) {
    auto back = dimse::decode_command(dimse::encode_command(c));
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(*back, c) << dimse::command_name(c.field);
  }
  EXPECT_EQ(dimse::command_name(CommandField::NDeleteRsp), "N-DELETE-RSP");
}

}  // namespace
}  // namespace dicomsec::dul
