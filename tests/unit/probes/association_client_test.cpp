#include "probes/dicom_ul/association_client.hpp"

#include <gtest/gtest.h>

#include "captures/storescp_367_safe.inc"
#include "core/version.hpp"
#include "dicom/uids.hpp"

namespace dicomsec::probes {
namespace {

AssociationPlan plan() { return {"DICOMSEC", "ANY-SCP", default_contexts(), 64 * 1024, true}; }

// Decodes everything the client sent, so tests can look at its PDUs.
std::vector<dul::Pdu> decode_all(const Bytes& bytes) {
  dul::PduDecoder d;
  d.feed(bytes);
  std::vector<dul::Pdu> out;
  while (d.next() == DecodeStatus::Ready) out.push_back(d.take());
  return out;
}

dul::AssociateAc accept_all(const dul::AssociateRq& rq) {
  dul::AssociateAc ac;
  ac.called_ae = rq.called_ae;
  ac.calling_ae = rq.calling_ae;
  ac.application_context = std::string(dicom::uid::kApplicationContext);
  for (const auto& pc : rq.contexts)
    ac.contexts.push_back({pc.id, dul::PcResult::Acceptance, pc.transfer_syntaxes.front()});
  ac.user_info.max_length = 16384;
  ac.user_info.implementation_class_uid = "1.2.276.0.7230010.3.0.3.6.7";
  ac.user_info.implementation_version_name = "OFFIS_DCMTK_367";
  return ac;
}

Bytes echo_rsp(std::uint16_t status) {
  dimse::Command rsp;
  rsp.field = dimse::CommandField::CEchoRsp;
  rsp.affected_sop_class_uid = std::string(dicom::uid::kVerification);
  rsp.message_id_being_responded_to = 1;
  rsp.status = status;
  return dimse::encode_pdata(1, dimse::encode_command(rsp), nullptr, 0);
}

TEST(AssociationClient, RequestIdentifiesDicomsec) {
  AssociationClient c(plan());
  auto sent = decode_all(c.start());
  ASSERT_EQ(sent.size(), 1U);
  const auto& rq = std::get<dul::AssociateRq>(sent[0]);
  EXPECT_EQ(rq.calling_ae, "DICOMSEC");
  EXPECT_EQ(rq.called_ae, "ANY-SCP");
  EXPECT_EQ(rq.user_info.implementation_class_uid, std::string(kImplementationClassUid));
  EXPECT_EQ(rq.user_info.implementation_version_name, std::string(kImplementationVersionName));
  EXPECT_GE(rq.contexts.size(), 30U);
  EXPECT_EQ(c.state(), dul::State::Sta5);
}

TEST(AssociationClient, AcceptEchoRelease) {
  AssociationClient c(plan());
  auto rq = std::get<dul::AssociateRq>(decode_all(c.start())[0]);
  // Fed one byte at a time: the client must not care how the bytes arrive.
  Bytes out;
  const Bytes ac = dul::encode(dul::Pdu{accept_all(rq)}).value();
  for (auto b : ac) {
    auto o = c.on_bytes(std::span(&b, 1));
    out.insert(out.end(), o.begin(), o.end());
  }
  auto sent = decode_all(out);
  ASSERT_EQ(sent.size(), 1U);
  ASSERT_TRUE(std::holds_alternative<dul::PData>(sent[0])) << "C-ECHO-RQ expected";
  EXPECT_EQ(c.state(), dul::State::Sta6);

  sent = decode_all(c.on_bytes(echo_rsp(0)));
  ASSERT_EQ(sent.size(), 1U);
  EXPECT_TRUE(std::holds_alternative<dul::ReleaseRq>(sent[0]));
  EXPECT_EQ(c.state(), dul::State::Sta7);

  EXPECT_TRUE(c.on_bytes(dul::encode(dul::Pdu{dul::ReleaseRp{}}).value()).empty());
  EXPECT_TRUE(c.done());
  EXPECT_FALSE(c.cut_short());
  EXPECT_EQ(c.state(), dul::State::Sta1);
  const auto& r = c.record();
  EXPECT_EQ(r.result, record::AssociationResult::Accepted);
  EXPECT_TRUE(r.released);
  EXPECT_EQ(r.max_pdu, 16384U);
  EXPECT_EQ(r.implementation_version_name, "OFFIS_DCMTK_367");
  EXPECT_EQ(r.accepted_contexts.size(), rq.contexts.size());
  ASSERT_TRUE(c.echo());
  EXPECT_EQ(c.echo()->status, 0);
  EXPECT_FALSE(c.protocol_error());
}

TEST(AssociationClient, RejectIsRecordedWithRawCodes) {
  AssociationClient c(plan());
  (void)c.start();
  EXPECT_TRUE(c.on_bytes(dul::encode(dul::Pdu{dul::AssociateRj{1, 1, 7}}).value()).empty());
  EXPECT_TRUE(c.done());
  EXPECT_EQ(c.record().result, record::AssociationResult::Rejected);
  ASSERT_TRUE(c.record().reject);
  EXPECT_EQ(c.record().reject->reason, 7);
}

TEST(AssociationClient, AbortInsteadOfAnswer) {
  AssociationClient c(plan());
  (void)c.start();
  EXPECT_TRUE(c.on_bytes(dul::encode(dul::Pdu{dul::Abort{2, 0}}).value()).empty());
  EXPECT_TRUE(c.done());
  EXPECT_EQ(c.record().result, record::AssociationResult::Aborted);
  EXPECT_TRUE(c.spoke_dicom());
  EXPECT_FALSE(c.protocol_error());
}

TEST(AssociationClient, UnexpectedPduIsAProtocolErrorNamedByTheStateTable) {
  AssociationClient c(plan());
  (void)c.start();
  auto out = c.on_bytes(dul::encode(dul::Pdu{dul::ReleaseRp{}}).value());
  ASSERT_TRUE(c.protocol_error());
  EXPECT_NE(c.protocol_error()->find("Sta5"), std::string::npos) << *c.protocol_error();
  auto sent = decode_all(out);
  ASSERT_EQ(sent.size(), 1U);
  EXPECT_TRUE(std::holds_alternative<dul::Abort>(sent[0])) << "a DICOM peer gets an A-ABORT";
}

TEST(AssociationClient, NonDicomPeerGetsNothingBack) {
  AssociationClient c(plan());
  (void)c.start();
  const std::string http = "HTTP/1.1 400 Bad Request\r\n\r\n";
  auto out = c.on_bytes(ByteView(reinterpret_cast<const std::uint8_t*>(http.data()), http.size()));
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(c.protocol_error());
  EXPECT_FALSE(c.spoke_dicom());
}

TEST(AssociationClient, HugeLengthFailsAtTheHeader) {
  AssociationClient c(plan());
  (void)c.start();
  const Bytes header{0x02, 0x00, 0xFF, 0xFF, 0xFF, 0xF0};
  (void)c.on_bytes(header);
  EXPECT_TRUE(c.done());
  ASSERT_TRUE(c.protocol_error());
}

TEST(AssociationClient, CloseBeforeAnswerIsCutShort) {
  AssociationClient c(plan());
  (void)c.start();
  c.on_closed();
  EXPECT_TRUE(c.done());
  EXPECT_TRUE(c.cut_short());
  EXPECT_EQ(c.record().result, record::AssociationResult::None);
}

Bytes release_rp() { return dul::encode(dul::Pdu{dul::ReleaseRp{}}).value(); }

// storescp's real A-ASSOCIATE-AC (the first PDU of the capture).
Bytes storescp_ac() {
  const std::size_t len =
      6 + ((std::size_t{kStorescp367Safe[2]} << 24) | (std::size_t{kStorescp367Safe[3]} << 16) |
           (std::size_t{kStorescp367Safe[4]} << 8) | kStorescp367Safe[5]);
  return Bytes(kStorescp367Safe, kStorescp367Safe + len);
}

// Adds `n` to the big-endian length field of `width` bytes at `at`.
void grow(Bytes& b, std::size_t at, std::size_t width, std::uint32_t n) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < width; ++i) v = (v << 8) | b[at + i];
  v += n;
  for (std::size_t i = width; i-- > 0; v >>= 8) b[at + i] = static_cast<std::uint8_t>(v & 0xFF);
}

std::size_t find_item(const Bytes& b, std::uint8_t type, std::size_t from) {
  for (std::size_t i = from; i + 4 <= b.size();) {
    if (b[i] == type) return i;
    i += 4 + ((std::size_t{b[i + 2]} << 8) | b[i + 3]);
  }
  return b.size();
}

TEST(AssociationClient, TrailingByteInAUserInfoSubItemIsAConformanceNote) {
  // storescp's real AC with one byte appended inside its maximum-length sub-item (0x51):
  // PS3.8 does not allow it, but the value is readable; the association goes on.
  auto ac = storescp_ac();
  const auto ui = find_item(ac, 0x50, 74);
  ASSERT_LT(ui, ac.size());
  const auto max_len = ui + 4;
  ASSERT_EQ(ac[max_len], 0x51);
  ac.insert(ac.begin() + static_cast<std::ptrdiff_t>(max_len + 8), 0x00);
  grow(ac, max_len + 2, 2, 1);
  grow(ac, ui + 2, 2, 1);
  grow(ac, 2, 4, 1);
  AssociationClient c(plan());
  (void)c.start();
  auto sent = decode_all(c.on_bytes(ac));
  ASSERT_FALSE(c.protocol_error()) << *c.protocol_error();
  ASSERT_EQ(sent.size(), 1U);
  EXPECT_TRUE(std::holds_alternative<dul::PData>(sent[0])) << "the C-ECHO-RQ follows";
  EXPECT_EQ(c.record().result, record::AssociationResult::Accepted);
  EXPECT_EQ(c.record().max_pdu, 16384U);
  EXPECT_FALSE(c.record().conformance.empty());
}

TEST(AssociationClient, UnknownItemIsAConformanceNote) {
  auto ac = storescp_ac();
  const Bytes unknown{0x7E, 0x00, 0x00, 0x02, 0xAB, 0xCD};
  ac.insert(ac.end(), unknown.begin(), unknown.end());
  grow(ac, 2, 4, static_cast<std::uint32_t>(unknown.size()));
  AssociationClient c(plan());
  (void)c.start();
  (void)c.on_bytes(ac);
  ASSERT_FALSE(c.protocol_error()) << *c.protocol_error();
  EXPECT_EQ(c.record().result, record::AssociationResult::Accepted);
  EXPECT_FALSE(c.record().conformance.empty());
}

TEST(AssociationClient, PDataAfterOurReleaseRequestIsValid) {
  // PS3.8 Table 9-10 AR-6: a P-DATA-TF in Sta7 (after our A-RELEASE-RQ) is delivered.
  AssociationClient c(plan());
  auto rq = std::get<dul::AssociateRq>(decode_all(c.start())[0]);
  (void)c.on_bytes(dul::encode(dul::Pdu{accept_all(rq)}).value());
  ASSERT_TRUE(std::holds_alternative<dul::ReleaseRq>(decode_all(c.on_bytes(echo_rsp(0))).at(0)));
  EXPECT_TRUE(c.on_bytes(echo_rsp(0)).empty());
  EXPECT_FALSE(c.done());
  (void)c.on_bytes(release_rp());
  EXPECT_TRUE(c.done());
  EXPECT_FALSE(c.protocol_error());
  EXPECT_TRUE(c.record().released);
}

TEST(AssociationClient, ReleaseCollisionWaitsForThePeersReleaseResponse) {
  // PS3.8 7.2.2 / Table 9-10 AR-8, AR-9, AR-3: both sides asked to release; as requestor we
  // answer the peer's A-RELEASE-RQ and are done only when its A-RELEASE-RP arrives.
  AssociationClient c(plan());
  auto rq = std::get<dul::AssociateRq>(decode_all(c.start())[0]);
  (void)c.on_bytes(dul::encode(dul::Pdu{accept_all(rq)}).value());
  (void)c.on_bytes(echo_rsp(0));  // our A-RELEASE-RQ goes out
  auto sent = decode_all(c.on_bytes(dul::encode(dul::Pdu{dul::ReleaseRq{}}).value()));
  ASSERT_EQ(sent.size(), 1U);
  EXPECT_TRUE(std::holds_alternative<dul::ReleaseRp>(sent[0]));
  EXPECT_FALSE(c.done()) << "the peer's A-RELEASE-RP is still due";
  (void)c.on_bytes(release_rp());
  EXPECT_TRUE(c.done());
  EXPECT_FALSE(c.protocol_error());
  EXPECT_TRUE(c.record().released);
}

TEST(AssociationClient, PeerReleaseRequestIsAnswered) {
  // The peer ends the association before our C-ECHO-RSP came: we answer with A-RELEASE-RP.
  AssociationClient c(plan());
  auto rq = std::get<dul::AssociateRq>(decode_all(c.start())[0]);
  (void)c.on_bytes(dul::encode(dul::Pdu{accept_all(rq)}).value());
  auto sent = decode_all(c.on_bytes(dul::encode(dul::Pdu{dul::ReleaseRq{}}).value()));
  ASSERT_EQ(sent.size(), 1U);
  EXPECT_TRUE(std::holds_alternative<dul::ReleaseRp>(sent[0]));
  EXPECT_TRUE(c.done());
  EXPECT_FALSE(c.protocol_error());
  EXPECT_FALSE(c.echo());
}

TEST(AssociationClient, ABadEchoResponseKeepsTheAcceptedAssociation) {
  // Issue 11 §2: `dicom` and the result come from the AC; the quirk after it is a protocol
  // error that does not erase them.
  AssociationClient c(plan());
  auto rq = std::get<dul::AssociateRq>(decode_all(c.start())[0]);
  (void)c.on_bytes(dul::encode(dul::Pdu{accept_all(rq)}).value());
  dul::PData bad;
  bad.pdvs.push_back({1, true, true, Bytes{0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF}});
  auto out = c.on_bytes(dul::encode(dul::Pdu{bad}).value());
  ASSERT_TRUE(c.protocol_error());
  EXPECT_TRUE(c.dicom());
  EXPECT_EQ(c.record().result, record::AssociationResult::Accepted);
  auto sent = decode_all(out);
  ASSERT_EQ(sent.size(), 1U);
  EXPECT_TRUE(std::holds_alternative<dul::Abort>(sent[0]));
}

TEST(AssociationClient, AcWhoseBodyDoesNotDecodeStillCountsAsDicom) {
  // A well-formed fixed part (type, length, protocol version, AE titles) followed by a
  // broken item: a DICOM service answered, badly.
  auto ac = storescp_ac();
  ac[74] = 0x10;
  ac[76] = 0xFF;  // application context item length far beyond the PDU
  AssociationClient c(plan());
  (void)c.start();
  (void)c.on_bytes(ac);
  ASSERT_TRUE(c.protocol_error());
  EXPECT_TRUE(c.dicom());
  EXPECT_TRUE(c.done());
}

// PS3.8 9.3.3.2: the AC answers our proposal by id. An answer for an id we never proposed
// is a protocol error (AA-8): no C-ECHO on an association we cannot trust, an A-ABORT for
// the peer (it spoke DICOM), and no "accepted" verdict.
TEST(AssociationClient, AcAnsweringAnUnproposedContextIsAProtocolError) {
  AssociationClient c(plan());
  auto rq = std::get<dul::AssociateRq>(decode_all(c.start())[0]);
  auto ac = accept_all(rq);
  ac.contexts.push_back({255, dul::PcResult::Acceptance, "1.2.840.10008.1.2"});
  auto out = c.on_bytes(dul::encode(dul::Pdu{ac}).value());
  ASSERT_TRUE(c.protocol_error());
  EXPECT_NE(c.protocol_error()->find("presentation context 255, which was not proposed"),
            std::string::npos)
      << *c.protocol_error();
  EXPECT_NE(c.protocol_error()->find("Sta5"), std::string::npos) << *c.protocol_error();
  EXPECT_TRUE(c.done());
  EXPECT_TRUE(c.dicom());
  // The peer accepted; we refused its answer. The record says accepted (the findings about
  // an accepted association hold) and lists the contexts it accepted that we had proposed.
  EXPECT_EQ(c.record().result, record::AssociationResult::Accepted);
  EXPECT_EQ(c.record().accepted_contexts.size(), rq.contexts.size());
  EXPECT_FALSE(c.echo());
  auto sent = decode_all(out);
  ASSERT_EQ(sent.size(), 1U);
  ASSERT_TRUE(std::holds_alternative<dul::Abort>(sent[0]));
  EXPECT_EQ(std::get<dul::Abort>(sent[0]), (dul::Abort{2, 6}));  // provider, invalid parameter
}

TEST(AssociationClient, AcAcceptingATransferSyntaxWeDidNotOfferIsAProtocolError) {
  AssociationClient c(plan());
  auto rq = std::get<dul::AssociateRq>(decode_all(c.start())[0]);
  auto ac = accept_all(rq);
  ac.contexts[0].transfer_syntax = "1.2.840.10008.1.2.2";  // big endian: not proposed
  (void)c.on_bytes(dul::encode(dul::Pdu{ac}).value());
  ASSERT_TRUE(c.protocol_error());
  EXPECT_NE(c.protocol_error()->find("transfer syntax that was not proposed"), std::string::npos)
      << *c.protocol_error();
  EXPECT_FALSE(c.echo());
}

// The whole exchange in one read: the engine frames the PDUs and the client reacts to each
// in turn (the C-ECHO goes out before the echo response is judged, then the release).
TEST(AssociationClient, SeveralPdusInOneReadAreJudgedInTurn) {
  AssociationClient c(plan());
  auto rq = std::get<dul::AssociateRq>(decode_all(c.start())[0]);
  Bytes all = dul::encode(dul::Pdu{accept_all(rq)}).value();
  for (const auto& b : {echo_rsp(0), release_rp()}) all.insert(all.end(), b.begin(), b.end());
  auto sent = decode_all(c.on_bytes(all));
  ASSERT_EQ(sent.size(), 2U);
  EXPECT_TRUE(std::holds_alternative<dul::PData>(sent[0]));
  EXPECT_TRUE(std::holds_alternative<dul::ReleaseRq>(sent[1]));
  EXPECT_TRUE(c.done());
  EXPECT_FALSE(c.protocol_error());
  EXPECT_TRUE(c.record().released);
  ASSERT_TRUE(c.echo());
  EXPECT_EQ(c.partial_bytes(), 0U);
}

TEST(AssociationClient, NonDicomBytesAreNotDicom) {
  AssociationClient c(plan());
  (void)c.start();
  const std::string ssh = "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n";
  (void)c.on_bytes(ByteView(reinterpret_cast<const std::uint8_t*>(ssh.data()), ssh.size()));
  EXPECT_FALSE(c.dicom());
  EXPECT_FALSE(c.spoke_dicom());
}

}  // namespace
}  // namespace dicomsec::probes
