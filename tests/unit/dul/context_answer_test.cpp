// PS3.8 9.3.3.2: the presentation context items of an A-ASSOCIATE-AC answer the RQ's items
// by id. An AC that answers an id that was not proposed, answers one id twice, or accepts
// with a transfer syntax that was not offered is a protocol error: the requestor aborts
// (Evt19, AA-8), the acceptor refuses to send such an AC, and an observer records it, says
// so and reads on.
#include <gtest/gtest.h>

#include <string>

#include "association_helpers.hpp"

namespace dicomsec::dul {
namespace {

using namespace dicomsec::dul::testing;
using Kind = ContextAnswerError::Kind;

constexpr const char* kImplicit = "1.2.840.10008.1.2";
constexpr const char* kExplicit = "1.2.840.10008.1.2.1";
constexpr const char* kBigEndian = "1.2.840.10008.1.2.2";

// samples::associate_rq() proposes id 1 (Verification, implicit) and id 3 (Q/R FIND,
// explicit or implicit).
AssociateAc answer(std::vector<PresentationContextAc> items) {
  auto ac = accept_all(samples::associate_rq());
  ac.contexts = std::move(items);
  return ac;
}

AssociateAc unproposed_id() {
  return answer({{1, PcResult::Acceptance, kImplicit}, {5, PcResult::Acceptance, kImplicit}});
}
AssociateAc repeated_id() {
  return answer({{1, PcResult::Acceptance, kImplicit},
                 {3, PcResult::Acceptance, kExplicit},
                 {1, PcResult::Acceptance, kImplicit}});
}
AssociateAc unoffered_transfer() {
  return answer({{1, PcResult::Acceptance, kExplicit}, {3, PcResult::Acceptance, kImplicit}});
}

TEST(dulContextAnswer, TableJudgesTheAnswerAgainstTheProposal) {
  ContextTable t;
  EXPECT_TRUE(t.propose(samples::associate_rq()).empty());
  EXPECT_TRUE(t.proposed());
  EXPECT_TRUE(t.check_answer(accept_all(samples::associate_rq())).empty());
  EXPECT_EQ(t.check_answer(unproposed_id()),
            (std::vector<ContextAnswerError>{{Kind::NotProposed, 5}}));
  EXPECT_EQ(t.check_answer(repeated_id()), (std::vector<ContextAnswerError>{{Kind::Repeated, 1}}));
  EXPECT_EQ(t.check_answer(unoffered_transfer()),
            (std::vector<ContextAnswerError>{{Kind::TransferNotProposed, 1}}));
  // A subset is a valid answer; the transfer syntax of a refusal is not significant.
  EXPECT_TRUE(t.check_answer(answer({{3, PcResult::Acceptance, kExplicit}})).empty());
  EXPECT_TRUE(
      t.check_answer(answer({{1, PcResult::AbstractSyntaxNotSupported, kBigEndian}})).empty());
  // A third copy of an id is still one error.
  auto thrice = repeated_id();
  thrice.contexts.push_back({1, PcResult::Acceptance, kImplicit});
  EXPECT_EQ(t.check_answer(thrice).size(), 1U);
  EXPECT_EQ(describe(ContextAnswerError{Kind::NotProposed, 5}),
            "A-ASSOCIATE-AC answers presentation context 5, which was not proposed");
}

TEST(dulContextAnswer, WithoutAProposalOnlyRepeatsCanBeJudged) {
  ContextTable t;  // an observer that missed the RQ
  EXPECT_FALSE(t.proposed());
  EXPECT_TRUE(t.accept(unproposed_id()).empty());
  ASSERT_NE(t.find(5), nullptr);
  EXPECT_TRUE(t.find(5)->accepted());
  EXPECT_TRUE(t.find(5)->abstract_syntax.empty());
  EXPECT_EQ(t.check_answer(repeated_id()).size(), 1U);
}

TEST(dulContextAnswer, ProposingAnIdTwiceIsReported) {
  auto rq = samples::associate_rq();
  rq.contexts.push_back({1, "1.2.840.10008.5.1.4.1.1.2", {kImplicit}});
  ContextTable t;
  EXPECT_EQ(t.propose(rq), (std::vector<std::uint8_t>{1}));
  EXPECT_EQ(t.find(1)->abstract_syntax, "1.2.840.10008.5.1.4.1.1.2");  // the last proposal
  EXPECT_EQ(t.contexts().size(), 2U);
  // Our own RQ never proposes an id twice: the AC could not say which one it answers.
  Association a(AssociationOptions{.role = Role::Requestor});
  EXPECT_FALSE(a.associate(rq).ok());
  EXPECT_EQ(a.state(), State::Sta1);
  // A peer's RQ that does is tolerated (the last proposal counts) and noted.
  Association acc(AssociationOptions{.role = Role::Acceptor});
  acc.transport_connected();
  auto o = acc.receive(bytes_of(Pdu{rq}));
  EXPECT_TRUE(has<ind::AssociateRequested>(o));
  ASSERT_EQ(acc.conformance().size(), 1U);
  EXPECT_NE(acc.conformance()[0].find("presentation context 1 more than once"), std::string::npos);
}

// The requestor meets each kind of bad answer, fed whole and one byte at a time: Evt19 in
// Sta5 is AA-8, an A-ABORT (source 2, reason 6 invalid parameter) and an A-P-ABORT.
TEST(dulContextAnswer, RequestorAbortsOnABadAnswer) {
  for (const auto& ac : {unproposed_id(), repeated_id(), unoffered_transfer()}) {
    for (bool bytewise : {false, true}) {
      SCOPED_TRACE(bytewise ? "one byte at a time" : "whole");
      Association a(AssociationOptions{.role = Role::Requestor});
      must(a.associate(samples::associate_rq()));
      a.transport_connected();
      const auto pdu = bytes_of(Pdu{ac});
      Output o;
      if (bytewise)
        for (auto b : pdu) o.append(a.receive(ByteView(&b, 1)));
      else
        o = a.receive(pdu);
      ASSERT_EQ(o.steps.size(), 1U);
      EXPECT_EQ(o.steps[0].from, State::Sta5);
      EXPECT_EQ(o.steps[0].event, Event::Evt19_InvalidPduReceived);
      EXPECT_EQ(o.steps[0].action, Action::AA_8);
      EXPECT_EQ(a.state(), State::Sta13);
      EXPECT_FALSE(has<ind::AssociateAccepted>(o));
      auto sent = decode_all(o.send);
      ASSERT_EQ(sent.size(), 1U);
      EXPECT_EQ(std::get<Abort>(sent[0]), (Abort{2, 6}));
      auto ab = all_of<ind::Aborted>(o);
      ASSERT_EQ(ab.size(), 1U);
      EXPECT_TRUE(ab[0].provider);
      EXPECT_FALSE(ab[0].by_peer);
      EXPECT_NE(ab[0].detail.find("A-ASSOCIATE-AC"), std::string::npos) << ab[0].detail;
      EXPECT_FALSE(a.send_command(1, echo_rq()).ok());
      // The PDU was framed correctly: a following A-ABORT is read (AA-2 in Sta13).
      auto later = a.receive(bytes_of(Pdu{Abort{0, 0}}));
      ASSERT_EQ(later.steps.size(), 1U);
      EXPECT_EQ(later.steps[0].action, Action::AA_2);
    }
  }
}

TEST(dulContextAnswer, RequestorAcceptsAProposedAnswer) {
  Association a(AssociationOptions{.role = Role::Requestor});
  must(a.associate(samples::associate_rq()));
  a.transport_connected();
  // A subset, in another order, one refused with any transfer syntax: all allowed.
  auto o = a.receive(bytes_of(Pdu{
      answer({{3, PcResult::Acceptance, kImplicit}, {1, PcResult::UserRejection, kBigEndian}})}));
  EXPECT_TRUE(has<ind::AssociateAccepted>(o));
  EXPECT_TRUE(a.established());
  EXPECT_TRUE(a.conformance().empty());
  EXPECT_TRUE(a.contexts().find(3)->accepted());
  EXPECT_FALSE(a.contexts().find(1)->accepted());
  EXPECT_EQ(a.protocol_errors(), 0U);
}

TEST(dulContextAnswer, AcceptorRefusesToSendABadAnswer) {
  for (const auto& ac : {unproposed_id(), repeated_id(), unoffered_transfer()}) {
    Association a(AssociationOptions{.role = Role::Acceptor});
    a.transport_connected();
    a.receive(bytes_of(Pdu{samples::associate_rq()}));
    ASSERT_EQ(a.state(), State::Sta3);
    auto r = a.accept(ac);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("presentation context"), std::string::npos);
    EXPECT_EQ(a.state(), State::Sta3);  // nothing sent, the user may still answer properly
    EXPECT_FALSE(a.contexts().find(1)->result.has_value());
    auto ok = must(a.accept(accept_all(samples::associate_rq())));
    EXPECT_EQ(a.state(), State::Sta6);
    EXPECT_FALSE(ok.send.empty());
  }
}

// pcap's path: two observers sharing one table. The bad AC is recorded (so the data that
// follows on the unproposed id still decodes), noted as a protocol error and counted.
TEST(dulContextAnswer, ObserverFlagsABadAnswerAndReadsOn) {
  auto table = std::make_shared<ContextTable>();
  Association up(AssociationOptions{.role = Role::Requestor, .observer = true, .contexts = table});
  Association down(AssociationOptions{.role = Role::Acceptor, .observer = true, .contexts = table});
  auto u = up.receive(bytes_of(Pdu{samples::associate_rq()}));
  EXPECT_TRUE(has<ind::AssociateRequested>(u));
  auto d = down.receive(bytes_of(Pdu{unproposed_id()}));
  EXPECT_TRUE(d.send.empty());
  EXPECT_TRUE(has<ind::AssociateAccepted>(d));
  EXPECT_EQ(down.protocol_errors(), 1U);
  EXPECT_EQ(up.protocol_errors(), 0U);
  ASSERT_EQ(down.conformance().size(), 1U);
  EXPECT_EQ(down.conformance()[0],
            "protocol error: A-ASSOCIATE-AC answers presentation context 5, which was not "
            "proposed");
  ASSERT_NE(table->find(5), nullptr);
  EXPECT_TRUE(table->find(5)->accepted());
  // The rest of the flow: a C-ECHO on the unproposed id and its response on id 1.
  auto echo5 = bytes_of(Pdu{PData{{Pdv{5, true, true, dimse::encode_command(echo_rq())}}}});
  u = up.receive(echo5);
  EXPECT_EQ(all_of<ind::Command>(u).size(), 1U);
  d = down.receive(
      bytes_of(Pdu{PData{{Pdv{1, true, true, dimse::encode_command(samples::commands()[1])}}}}));
  EXPECT_EQ(all_of<ind::Command>(d).size(), 1U);
  d = down.receive(bytes_of(Pdu{ReleaseRp{}}));
  EXPECT_TRUE(has<ind::ReleaseConfirmed>(d));
  EXPECT_EQ(down.protocol_errors(), 1U);

  // observe_accept() (no shared table) judges the same way.
  Association lone(AssociationOptions{.role = Role::Acceptor, .observer = true});
  lone.observe_request(samples::associate_rq());
  lone.observe_accept(repeated_id());
  EXPECT_EQ(lone.protocol_errors(), 1U);
  // An observer that never saw the RQ cannot judge ids: nothing is flagged.
  Association blind(AssociationOptions{.role = Role::Acceptor, .observer = true});
  blind.receive(bytes_of(Pdu{unproposed_id()}));
  EXPECT_EQ(blind.protocol_errors(), 0U);
  EXPECT_TRUE(blind.conformance().empty());
}

// receive_one(): at most one PDU per call; the rest waits in the decoder.
TEST(dulContextAnswer, ReceiveOneHandlesOnePduPerCall) {
  Association a(AssociationOptions{.role = Role::Requestor});
  must(a.associate(samples::associate_rq()));
  a.transport_connected();
  Bytes two = bytes_of(Pdu{accept_all(samples::associate_rq())});
  const auto rq_release = bytes_of(Pdu{ReleaseRq{}});
  two.insert(two.end(), rq_release.begin(), rq_release.end());
  two.push_back(0x05);  // the first byte of a third PDU
  auto o = a.receive_one(two);
  EXPECT_TRUE(has<ind::AssociateAccepted>(o));
  EXPECT_FALSE(has<ind::ReleaseRequested>(o));
  EXPECT_TRUE(a.input_pending());
  EXPECT_EQ(a.state(), State::Sta6);
  o = a.receive_one({});
  EXPECT_TRUE(has<ind::ReleaseRequested>(o));
  EXPECT_TRUE(a.input_pending());
  o = a.receive_one({});
  EXPECT_TRUE(o.steps.empty());
  EXPECT_FALSE(a.input_pending());
  EXPECT_EQ(a.buffered_bytes(), 1U);
}

}  // namespace
}  // namespace dicomsec::dul
