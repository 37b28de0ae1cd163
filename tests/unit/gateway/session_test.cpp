// gateway::Session against scripted peers: the decision before the upstream, the exact
// reject codes, byte-for-byte relay of the RQ/AC/P-DATA, release, abort, bad input.
#include "gateway/session.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "dul/association.hpp"
#include "dul/dimse.hpp"

namespace dicomsec::gateway {
namespace {

dul::AssociateRq echo_rq(std::string calling = "ECHOSCU", std::string called = "ANY-SCP") {
  dul::AssociateRq rq;
  rq.calling_ae = std::move(calling);
  rq.called_ae = std::move(called);
  dul::PresentationContextRq pc;
  pc.id = 1;
  pc.abstract_syntax = "1.2.840.10008.1.1";
  pc.transfer_syntaxes = {"1.2.840.10008.1.2"};
  rq.contexts.push_back(pc);
  rq.user_info.max_length = 16384;
  rq.user_info.implementation_class_uid = "1.2.3.4";
  rq.user_info.unknown.push_back(dul::UnknownItem{0x77, Bytes{1, 2, 3}});
  return rq;
}

dul::AssociateAc echo_ac(const dul::AssociateRq& rq) {
  dul::AssociateAc ac;
  ac.calling_ae = rq.calling_ae;
  ac.called_ae = rq.called_ae;
  ac.application_context = std::string(dul::kApplicationContext);
  dul::PresentationContextAc pc;
  pc.id = 1;
  pc.result = dul::PcResult::Acceptance;
  pc.transfer_syntax = "1.2.840.10008.1.2";
  ac.contexts.push_back(pc);
  ac.user_info.max_length = 16384;
  ac.user_info.implementation_class_uid = "1.2.3.5";
  return ac;
}

Bytes enc(const dul::Pdu& p) { return dul::encode(p).value(); }

void append(Bytes& to, const Bytes& more) { to.insert(to.end(), more.begin(), more.end()); }

struct Fixture {
  Policy policy;
  Capacity capacity{2, 0};
  PeerIdentity peer;
  Fixture() { peer.address = parse_address("127.0.0.1").value(); }
};

// Up to Relaying: the client's RQ, the upstream connected and its AC relayed.
void establish(Session& s, const dul::AssociateRq& rq = echo_rq()) {
  s.client_connected();
  s.from_client(enc(rq));
  s.upstream_connected();
  s.from_upstream(enc(echo_ac(rq)));
}

TEST(GatewaySession, WholePDataInTheInputIsRelayedInPlaceAndInOrder) {
  Fixture f;
  Session s(f.policy, f.peer, {}, &f.capacity);
  establish(s);
  dimse::Command c;
  c.field = dimse::CommandField::CEchoRq;
  c.affected_sop_class_uid = "1.2.840.10008.1.1";
  c.message_id = 7;
  const Bytes one = dimse::encode_pdata(1, dimse::encode_command(c), nullptr, 16384);
  c.message_id = 8;
  const Bytes two = dimse::encode_pdata(1, dimse::encode_command(c), nullptr, 16384);
  c.message_id = 9;
  const Bytes three = dimse::encode_pdata(1, dimse::encode_command(c), nullptr, 16384);
  // Two whole PDUs and the start of a third: no copy, the tail points into the input.
  Bytes first = one;
  append(first, two);
  first.insert(first.end(), three.begin(), three.begin() + 5);
  auto o = s.from_client(first);
  EXPECT_TRUE(o.to_upstream.empty());
  EXPECT_EQ(o.to_upstream_tail.data(), first.data());
  EXPECT_EQ(o.to_upstream_tail.size(), one.size() + two.size());
  // The rest of the third (assembled by the framer: copied) comes before a whole fourth
  // (in place again): the order on the wire is kept.
  Bytes second(three.begin() + 5, three.end());
  append(second, one);
  o = s.from_client(second);
  EXPECT_EQ(o.to_upstream, three);
  EXPECT_EQ(o.to_upstream_tail.data(), second.data() + (three.size() - 5));
  Bytes want = three;
  append(want, one);
  EXPECT_EQ(o.upstream_bytes(), want);
  // Whatever the session adds after a tail (here the A-ABORT of a protocol violation) is
  // written after it: the tail joins the copy.
  Bytes bad = two;
  append(bad, enc(dul::AssociateRq{}));
  o = s.from_client(bad);
  const Bytes up = o.upstream_bytes();
  ASSERT_GE(up.size(), two.size() + 10);
  EXPECT_TRUE(std::equal(two.begin(), two.end(), up.begin()));
  EXPECT_EQ(up[two.size()], 0x07);  // A-ABORT
  EXPECT_TRUE(o.to_upstream_tail.empty());
}

TEST(GatewaySession, RelaysEchoByteForByte) {
  Fixture f;
  Session s(f.policy, f.peer, {}, &f.capacity);
  s.client_connected();
  const auto rq = echo_rq();
  const Bytes rq_bytes = enc(rq);
  auto o = s.from_client(rq_bytes);
  ASSERT_TRUE(o.connect_upstream);
  EXPECT_TRUE(o.client_bytes().empty());
  o = s.upstream_connected();
  EXPECT_EQ(o.upstream_bytes(), rq_bytes);  // unknown user-info sub-item included
  const Bytes ac_bytes = enc(echo_ac(rq));
  o = s.from_upstream(ac_bytes);
  EXPECT_EQ(o.client_bytes(), ac_bytes);
  EXPECT_EQ(f.capacity.active, 1U);
  dimse::Command c;
  c.field = dimse::CommandField::CEchoRq;
  c.affected_sop_class_uid = "1.2.840.10008.1.1";
  c.message_id = 7;
  const Bytes pdata = dimse::encode_pdata(1, dimse::encode_command(c), nullptr, 16384);
  o = s.from_client(pdata);
  EXPECT_EQ(o.upstream_bytes(), pdata);
  const Bytes rel = enc(dul::ReleaseRq{});
  o = s.from_client(rel);
  EXPECT_EQ(o.upstream_bytes(), rel);
  const Bytes rp = enc(dul::ReleaseRp{});
  o = s.from_upstream(rp);
  EXPECT_EQ(o.client_bytes(), rp);
  EXPECT_TRUE(s.done());
  EXPECT_EQ(*s.summary().end, EndReason::Released);
  EXPECT_EQ(f.capacity.active, 0U);
}

TEST(GatewaySession, RefusesBeforeTheUpstreamWithExactCodes) {
  Fixture f;
  f.policy.rules = {parse_allow("ECHOSCU:ANY-SCP").value()};
  Session s(f.policy, f.peer, {}, &f.capacity);
  s.client_connected();
  auto o = s.from_client(enc(echo_rq("STRANGER")));
  EXPECT_FALSE(o.connect_upstream);
  EXPECT_TRUE(o.upstream_bytes().empty());
  EXPECT_EQ(o.client_bytes(), enc(dul::AssociateRj{1, 1, 3}));
  EXPECT_TRUE(o.close_client);
  EXPECT_EQ(s.summary().refusal, Refusal::CallingAe);
  Session t(f.policy, f.peer, {}, &f.capacity);
  t.client_connected();
  EXPECT_EQ(t.from_client(enc(echo_rq("ECHOSCU", "OTHER"))).client_bytes(),
            enc(dul::AssociateRj{1, 1, 7}));
}

TEST(GatewaySession, RecordsAeTitlesInPrintableFormOnly) {
  // A control byte, ESC and 0xFF in the calling AE would otherwise reach the log line and
  // the audit trail; the refusal itself still uses the wire bytes.
  Fixture f;
  f.policy.rules = {parse_allow("ECHOSCU:ANY-SCP").value()};
  Session s(f.policy, f.peer, {}, &f.capacity);
  s.client_connected();
  auto o = s.from_client(enc(echo_rq("EV\nIL\x1b[2J\xFF", "ANY\x01SCP")));
  EXPECT_EQ(o.client_bytes(), enc(dul::AssociateRj{1, 1, 3}));
  EXPECT_EQ(s.summary().calling_ae, "EV?IL?[2J?");
  EXPECT_EQ(s.summary().called_ae, "ANY?SCP");
}

TEST(GatewaySession, CapacityRefusesTransiently) {
  Fixture f;
  f.capacity.max = 1;
  Session a(f.policy, f.peer, {}, &f.capacity);
  a.client_connected();
  EXPECT_TRUE(a.from_client(enc(echo_rq())).connect_upstream);
  Session b(f.policy, f.peer, {}, &f.capacity);
  b.client_connected();
  EXPECT_EQ(b.from_client(enc(echo_rq())).client_bytes(), enc(dul::AssociateRj{2, 3, 2}));
  EXPECT_EQ(f.capacity.active, 1U);
}

TEST(GatewaySession, RewritesOnlyTheCalledAeBytes) {
  Fixture f;
  f.policy.rewrites = {parse_rewrite("ANY-SCP:UPSTREAM").value()};
  Session s(f.policy, f.peer, {}, &f.capacity);
  s.client_connected();
  Bytes rq = enc(echo_rq());
  ASSERT_TRUE(s.from_client(rq).connect_upstream);
  auto o = s.upstream_connected();
  const Bytes up = o.upstream_bytes();
  ASSERT_EQ(up.size(), rq.size());
  const std::string called(up.begin() + 10, up.begin() + 26);
  EXPECT_EQ(called, "UPSTREAM        ");
  std::copy(up.begin() + 10, up.begin() + 26, rq.begin() + 10);
  EXPECT_EQ(up, rq);
}

// The 4-byte value of the Maximum Length sub-item (0x51) in encoded RQ/AC bytes.
std::uint32_t max_length_in(const Bytes& pdu) {
  const Bytes tag{0x51, 0x00, 0x00, 0x04};
  const auto it = std::search(pdu.begin(), pdu.end(), tag.begin(), tag.end());
  if (it == pdu.end() || pdu.end() - it < 8) return 0xFFFFFFFF;
  return (std::uint32_t{it[4]} << 24) | (std::uint32_t{it[5]} << 16) | (std::uint32_t{it[6]} << 8) |
         it[7];
}

TEST(GatewaySession, ClampsMaximumLengthToMaxPduBothWays) {
  // PS3.8 D.1: 0 means no limit. A peer announcing 0 or more than --max-pdu would get PDUs
  // the gateway refuses as too large; both RQ and AC are patched, nothing else changes.
  struct Case {
    std::uint32_t announced, expected;
  };
  for (const Case c : {Case{0, 32768}, Case{1U << 24, 32768}, Case{16384, 16384}}) {
    Fixture f;
    SessionOptions o;
    o.max_pdu = 32768;
    Session s(f.policy, f.peer, o, &f.capacity);
    s.client_connected();
    auto rq = echo_rq();
    rq.user_info.max_length = c.announced;
    Bytes rq_bytes = enc(rq);
    ASSERT_TRUE(s.from_client(rq_bytes).connect_upstream);
    const Bytes up = s.upstream_connected().upstream_bytes();
    ASSERT_EQ(up.size(), rq_bytes.size());
    EXPECT_EQ(max_length_in(up), c.expected) << c.announced;
    auto ac = echo_ac(rq);
    ac.user_info.max_length = c.announced;
    const Bytes ac_bytes = enc(ac);
    const Bytes down = s.from_upstream(ac_bytes).client_bytes();
    ASSERT_EQ(down.size(), ac_bytes.size());
    EXPECT_EQ(max_length_in(down), c.expected) << c.announced;
    // Byte for byte apart from those four.
    auto same_but_max = [](Bytes a, Bytes b) {
      const Bytes tag{0x51, 0x00, 0x00, 0x04};
      for (Bytes* x : {&a, &b}) {
        auto it = std::search(x->begin(), x->end(), tag.begin(), tag.end());
        if (it != x->end()) std::fill(it + 4, it + 8, 0);
      }
      return a == b;
    };
    EXPECT_TRUE(same_but_max(up, rq_bytes));
    EXPECT_TRUE(same_but_max(down, ac_bytes));
    EXPECT_TRUE(s.summary().established);
  }
}

TEST(GatewaySession, HugeHeaderAbortsWithoutBufferingOrForwarding) {
  Fixture f;
  Session s(f.policy, f.peer, {}, &f.capacity);
  s.client_connected();
  const Bytes header{0x01, 0x00, 0xFF, 0xFF, 0xFF, 0xFF};
  auto o = s.from_client(header);
  EXPECT_TRUE(o.upstream_bytes().empty());
  EXPECT_FALSE(o.connect_upstream);
  EXPECT_TRUE(s.done());
  EXPECT_EQ(*s.summary().end, EndReason::PduTooLarge);
  EXPECT_LT(s.buffered_bytes(), 64U);
}

TEST(GatewaySession, MalformedPDataIsNotForwarded) {
  Fixture f;
  Session s(f.policy, f.peer, {}, &f.capacity);
  establish(s);
  // A P-DATA-TF whose PDV claims more bytes than the PDU holds.
  const Bytes bad{0x04, 0, 0, 0, 0, 8, 0, 0, 0, 0x20, 1, 3, 0, 0};
  auto o = s.from_client(bad);
  EXPECT_TRUE(s.done());
  EXPECT_EQ(*s.summary().end, EndReason::ClientProtocolError);
  // The upstream gets an A-ABORT, never the bad PDU.
  ASSERT_EQ(o.upstream_bytes().size(), 10U);
  EXPECT_EQ(o.upstream_bytes()[0], 0x07);
  EXPECT_EQ(f.capacity.active, 0U);
}

TEST(GatewaySession, UpstreamRejectAndAbortAreRelayedVerbatim) {
  Fixture f;
  {
    Session s(f.policy, f.peer, {}, &f.capacity);
    s.client_connected();
    s.from_client(enc(echo_rq()));
    s.upstream_connected();
    const Bytes rj = enc(dul::AssociateRj{1, 2, 2});
    auto o = s.from_upstream(rj);
    EXPECT_EQ(o.client_bytes(), rj);
    EXPECT_EQ(*s.summary().end, EndReason::UpstreamRejected);
  }
  Session s(f.policy, f.peer, {}, &f.capacity);
  establish(s);
  const Bytes ab = enc(dul::Abort{2, 6});
  auto o = s.from_upstream(ab);
  EXPECT_EQ(o.client_bytes(), ab);
  EXPECT_EQ(*s.summary().end, EndReason::UpstreamAborted);
  EXPECT_EQ(f.capacity.active, 0U);
}

TEST(GatewaySession, ArtimEndsAnIncompleteRequest) {
  Fixture f;
  Session s(f.policy, f.peer, {}, &f.capacity);
  s.client_connected();
  const Bytes rq = enc(echo_rq());
  s.from_client(ByteView(rq).first(20));
  auto o = s.artim_expired();
  EXPECT_TRUE(o.close_client);
  EXPECT_EQ(*s.summary().end, EndReason::ArtimExpired);
  EXPECT_EQ(s.summary().end_detail, "A-ASSOCIATE-RQ incomplete");
}

// While relaying with --audit-phi none the engine sees P-DATA cut to its PDV headers
// (session.cpp pdata_headers): it must still judge the message phase, and the payload must
// still be forwarded whole.
TEST(GatewaySession, HeaderOnlyPDataStillJudgedAndForwardedWhole) {
  Fixture f;
  Session s(f.policy, f.peer, {}, &f.capacity);
  s.client_connected();
  auto rq = echo_rq();
  rq.contexts[0].abstract_syntax = "1.2.840.10008.5.1.4.1.1.7";
  s.from_client(enc(rq));
  s.upstream_connected();
  s.from_upstream(enc(echo_ac(rq)));
  dimse::Command c;
  c.field = dimse::CommandField::CStoreRq;
  c.affected_sop_class_uid = "1.2.840.10008.5.1.4.1.1.7";
  c.affected_sop_instance_uid = "1.2.3";
  c.message_id = 9;
  c.command_data_set_type = 0;
  Bytes ds;  // one 100 KB OB element: several P-DATA-TF at max PDU 16384
  for (const std::uint8_t b : {0x09, 0x00, 0x10, 0x00}) ds.push_back(b);
  const std::uint32_t n = 100000;
  for (int i = 0; i < 4; ++i) ds.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
  ds.resize(ds.size() + n, 0xAB);
  const Bytes stream = dimse::encode_pdata(1, dimse::encode_command(c), &ds, 16384);
  // Fed in uneven pieces, as reads deliver them.
  Bytes forwarded;
  for (std::size_t at = 0; at < stream.size(); at += 7001) {
    const auto piece =
        ByteView(stream).subspan(at, std::min<std::size_t>(7001, stream.size() - at));
    auto o = s.from_client(piece);
    EXPECT_TRUE(o.client_bytes().empty());
    append(forwarded, o.upstream_bytes());
  }
  EXPECT_FALSE(s.done());
  EXPECT_EQ(forwarded, stream);
  dimse::Command r;
  r.field = dimse::CommandField::CStoreRsp;
  r.affected_sop_class_uid = c.affected_sop_class_uid;
  r.message_id_being_responded_to = 9;
  r.status = 0;
  s.from_upstream(dimse::encode_pdata(1, dimse::encode_command(r), nullptr, 16384));
  EXPECT_EQ(s.summary().stored.at("1.2.840.10008.5.1.4.1.1.7"), 1U);
  // A well-formed PDV that is a data fragment with no command before it: a violation the
  // engine sees from the headers alone; the upstream gets an A-ABORT, not the PDU.
  const Bytes orphan{0x04, 0, 0, 0, 0, 10, 0, 0, 0, 6, 1, 0x02, 1, 2, 3, 4};
  auto o = s.from_client(orphan);
  EXPECT_TRUE(s.done());
  EXPECT_EQ(*s.summary().end, EndReason::ClientProtocolError);
  ASSERT_EQ(o.upstream_bytes().size(), 10U);
  EXPECT_EQ(o.upstream_bytes()[0], 0x07);
}

TEST(GatewaySession, EveryChunkingGivesTheSameRelay) {
  // masscan's habit: the same stream split at every offset.
  const auto rq = echo_rq();
  const Bytes rq_bytes = enc(rq);
  for (std::size_t cut = 1; cut < rq_bytes.size(); cut += 7) {
    Fixture f;
    Session s(f.policy, f.peer, {}, &f.capacity);
    s.client_connected();
    auto a = s.from_client(ByteView(rq_bytes).first(cut));
    auto b = s.from_client(ByteView(rq_bytes).subspan(cut));
    ASSERT_TRUE(a.connect_upstream || b.connect_upstream) << cut;
    EXPECT_EQ(s.upstream_connected().upstream_bytes(), rq_bytes) << cut;
  }
}

// One C-STORE with a tiny implicit-VR data set holding a Patient ID, answered with success.
SessionSummary store_one(bool collect_ids) {
  Fixture f;
  SessionOptions o;
  o.collect_ids = collect_ids;
  Session s(f.policy, f.peer, o, &f.capacity);
  s.client_connected();
  auto rq = echo_rq();
  rq.contexts[0].abstract_syntax = "1.2.840.10008.5.1.4.1.1.7";
  s.from_client(enc(rq));
  s.upstream_connected();
  auto ac = echo_ac(rq);
  s.from_upstream(enc(ac));
  dimse::Command c;
  c.field = dimse::CommandField::CStoreRq;
  c.affected_sop_class_uid = "1.2.840.10008.5.1.4.1.1.7";
  c.affected_sop_instance_uid = "1.2.3";
  c.message_id = 3;
  c.command_data_set_type = 0;
  const Bytes ds{0x10, 0x00, 0x20, 0x00, 8,    0,    0, 0, 'P', 'A', 'T', '-', '0', '0',
                 '0',  '1',  0x20, 0x00, 0x0D, 0x00, 4, 0, 0,   0,   '1', '.', '2', 0};
  const Bytes pdata = dimse::encode_pdata(1, dimse::encode_command(c), &ds, 16384);
  auto out = s.from_client(pdata);
  EXPECT_EQ(out.upstream_bytes(), pdata);
  dimse::Command r;
  r.field = dimse::CommandField::CStoreRsp;
  r.affected_sop_class_uid = c.affected_sop_class_uid;
  r.message_id_being_responded_to = 3;
  r.status = 0;
  s.from_upstream(dimse::encode_pdata(1, dimse::encode_command(r), nullptr, 16384));
  return s.summary();
}

TEST(GatewaySession, ReadsIdsOnlyWhenAsked) {
  const auto with = store_one(true);
  EXPECT_EQ(with.stored.at("1.2.840.10008.5.1.4.1.1.7"), 1U);
  EXPECT_EQ(with.patient_ids, std::vector<std::string>{"PAT-0001"});
  EXPECT_EQ(with.study_uids, std::vector<std::string>{"1.2"});
  const auto without = store_one(false);
  EXPECT_EQ(without.stored.at("1.2.840.10008.5.1.4.1.1.7"), 1U);
  EXPECT_TRUE(without.patient_ids.empty());
  EXPECT_TRUE(without.study_uids.empty());
}

TEST(GatewaySession, AuditingIdsRelaysAQueryIdentifierOfAnySize) {
  // A C-FIND identifier far over 64 KiB: with --audit-phi ids it is relayed like without
  // (no abort), and the Patient ID still comes from its first fragment.
  for (bool collect : {false, true}) {
    Fixture f;
    SessionOptions o;
    o.collect_ids = collect;
    Session s(f.policy, f.peer, o, &f.capacity);
    s.client_connected();
    auto rq = echo_rq();
    rq.contexts[0].abstract_syntax = "1.2.840.10008.5.1.4.1.2.2.1";
    s.from_client(enc(rq));
    s.upstream_connected();
    s.from_upstream(enc(echo_ac(rq)));
    dimse::Command c;
    c.field = dimse::CommandField::CFindRq;
    c.affected_sop_class_uid = "1.2.840.10008.5.1.4.1.2.2.1";
    c.message_id = 5;
    c.command_data_set_type = 0;
    Bytes ds{0x10, 0x00, 0x20, 0x00, 8, 0, 0, 0, 'P', 'A', 'T', '-', '0', '0', '0', '2'};
    constexpr std::uint32_t kBig = 200000;  // (0040,A160) Text Value, 200 000 bytes
    const Bytes head{0x40, 0x00, 0x60, 0xA1, kBig & 0xFF, (kBig >> 8) & 0xFF, (kBig >> 16) & 0xFF,
                     0};
    ds.insert(ds.end(), head.begin(), head.end());
    ds.resize(ds.size() + kBig, 'x');
    const Bytes pdata = dimse::encode_pdata(1, dimse::encode_command(c), &ds, 16384);
    Bytes relayed;
    std::vector<SessionEvent> events;
    for (std::size_t at = 0; at < pdata.size(); at += 5000) {  // arbitrary TCP segments
      auto out = s.from_client(
          ByteView(pdata).subspan(at, std::min<std::size_t>(5000, pdata.size() - at)));
      append(relayed, out.upstream_bytes());
      EXPECT_TRUE(out.client_bytes().empty()) << "no A-ABORT";
      events.insert(events.end(), out.events.begin(), out.events.end());
    }
    EXPECT_FALSE(s.done()) << collect;
    EXPECT_EQ(relayed, pdata) << collect;
    EXPECT_LT(s.buffered_bytes(), 32768U) << "the identifier streams";
    const sev::Query* q = nullptr;
    for (const auto& e : events)
      if (const auto* x = std::get_if<sev::Query>(&e)) q = x;
    ASSERT_NE(q, nullptr) << collect;
    EXPECT_EQ(q->sop_class, "1.2.840.10008.5.1.4.1.2.2.1");
    EXPECT_EQ(q->patient_ids,
              collect ? std::vector<std::string>{"PAT-0002"} : std::vector<std::string>{});
  }
}

}  // namespace
}  // namespace dicomsec::gateway
