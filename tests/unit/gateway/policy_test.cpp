// gateway::Policy: --allow parsing, CIDR matching and the order of the refusals.
#include "gateway/policy.hpp"

#include <gtest/gtest.h>

namespace dicomsec::gateway {
namespace {

PeerIdentity from(const char* ip) {
  PeerIdentity p;
  p.address = parse_address(ip).value();
  return p;
}

TEST(GatewayPolicy, ParsesAllowRules) {
  auto r = parse_allow("MODALITY:PACS@127.0.0.0/8");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->calling, "MODALITY");
  EXPECT_EQ(*r->called, "PACS");
  ASSERT_TRUE(r->from);
  EXPECT_TRUE(r->from->contains(parse_address("127.1.2.3").value()));
  EXPECT_FALSE(r->from->contains(parse_address("198.51.100.1").value()));
  EXPECT_FALSE(parse_allow("WAY-TOO-LONG-AE-TITLE-X"));
  EXPECT_FALSE(parse_allow("A@127.0.0.0/33"));
  EXPECT_FALSE(parse_allow("A@not-an-address"));
  auto v6 = parse_allow("*@::1/128");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->from->contains(parse_address("::1").value()));
  EXPECT_TRUE(parse_cidr("::ffff:127.0.0.1").value().contains(parse_address("127.0.0.1").value()));
}

TEST(GatewayPolicy, RefusalOrderAndCodes) {
  Policy p;
  p.rules = {parse_allow("MOD:PACS@127.0.0.0/8").value(), parse_allow("OTHER@::1").value()};
  EXPECT_EQ(p.decide("MOD", "PACS", from("127.0.0.1")), Refusal::None);
  EXPECT_EQ(p.decide("MOD      ", " PACS", from("127.0.0.1")), Refusal::None);
  EXPECT_EQ(p.decide("NOBODY", "PACS", from("127.0.0.1")), Refusal::CallingAe);
  EXPECT_EQ(p.decide("MOD", "ELSE", from("127.0.0.1")), Refusal::CalledAe);
  EXPECT_EQ(p.decide("MOD", "PACS", from("::1")), Refusal::SourceAddress);
  EXPECT_FALSE(p.outside_all(from("::1").address));
  EXPECT_TRUE(p.outside_all(from("192.0.2.1").address));
  EXPECT_EQ(reject_for(Refusal::CallingAe), (dul::AssociateRj{1, 1, 3}));
  EXPECT_EQ(reject_for(Refusal::CalledAe), (dul::AssociateRj{1, 1, 7}));
  EXPECT_EQ(reject_for(Refusal::SourceAddress), (dul::AssociateRj{1, 1, 1}));
  EXPECT_EQ(reject_for(Refusal::Capacity), (dul::AssociateRj{2, 3, 2}));
  EXPECT_EQ(Policy{}.decide("ANY", "ANY", from("127.0.0.1")), Refusal::None);
}

TEST(GatewayPolicy, CertificateBinding) {
  Policy p;
  p.bind_cert_ae = true;
  p.cert_ae_map = {{"ct-scanner.example", "CT1"}};
  auto peer = from("127.0.0.1");
  EXPECT_EQ(p.decide("MOD", "PACS", peer), Refusal::CertBinding);  // no certificate
  peer.has_certificate = true;
  peer.cert_names = {"MOD"};
  EXPECT_EQ(p.decide("MOD", "PACS", peer), Refusal::None);
  EXPECT_EQ(p.decide("EVIL", "PACS", peer), Refusal::CertBinding);
  peer.cert_names = {"ct-scanner.example"};
  EXPECT_EQ(p.decide("CT1", "PACS", peer), Refusal::None);
  EXPECT_EQ(p.decide("ct-scanner.exam", "PACS", peer), Refusal::CertBinding);
}

TEST(GatewayPolicy, Rewrite) {
  Policy p;
  p.rewrites = {parse_rewrite("OLD:NEW").value()};
  EXPECT_EQ(*p.rewrite("OLD  "), "NEW");
  EXPECT_FALSE(p.rewrite("OTHER"));
  EXPECT_FALSE(parse_rewrite("NOCOLON"));
}

}  // namespace
}  // namespace dicomsec::gateway
