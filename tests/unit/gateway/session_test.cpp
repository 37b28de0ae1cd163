// gateway::Session against scripted peers: the decision before the upstream, the exact
// reject codes, byte-for-byte relay of the RQ/AC/P-DATA, release, abort, bad input.
#include "gateway/session.hpp"

#include <gtest/gtest.h>

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

struct Fixture {
  Policy policy;
  Capacity capacity{2, 0};
  PeerIdentity peer;
  Fixture() { peer.address = parse_address("127.0.0.1").value(); }
};

TEST(GatewaySession, RelaysEchoByteForByte) {
  Fixture f;
  Session s(f.policy, f.peer, {}, &f.capacity);
  s.client_connected();
  const auto rq = echo_rq();
  const Bytes rq_bytes = enc(rq);
  auto o = s.from_client(rq_bytes);
  ASSERT_TRUE(o.connect_upstream);
  EXPECT_TRUE(o.to_client.empty());
  o = s.upstream_connected();
  EXPECT_EQ(o.to_upstream, rq_bytes);  // unknown user-info sub-item included
  const Bytes ac_bytes = enc(echo_ac(rq));
  o = s.from_upstream(ac_bytes);
  EXPECT_EQ(o.to_client, ac_bytes);
  EXPECT_EQ(f.capacity.active, 1U);
  dimse::Command c;
  c.field = dimse::CommandField::CEchoRq;
  c.affected_sop_class_uid = "1.2.840.10008.1.1";
  c.message_id = 7;
  const Bytes pdata = dimse::encode_pdata(1, dimse::encode_command(c), nullptr, 16384);
  o = s.from_client(pdata);
  EXPECT_EQ(o.to_upstream, pdata);
  const Bytes rel = enc(dul::ReleaseRq{});
  o = s.from_client(rel);
  EXPECT_EQ(o.to_upstream, rel);
  const Bytes rp = enc(dul::ReleaseRp{});
  o = s.from_upstream(rp);
  EXPECT_EQ(o.to_client, rp);
  EXPECT_TRUE(s.done());
  EXPECT_EQ(*s.summary().end, EndReason::Released);
  EXPECT_EQ(f.capacity.active, 0U);
}

}  // namespace
}  // namespace dicomsec::gateway
