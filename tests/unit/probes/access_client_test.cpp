#include "probes/dicom_ul/access_client.hpp"

#include <gtest/gtest.h>

#include "dicom/identifiers.hpp"
#include "dicom/uids.hpp"
#include "sent_commands.hpp"

namespace dicomsec::probes {
namespace {

using dimse::CommandField;
using record::Permission;

std::vector<dul::Pdu> decode_all(const Bytes& bytes) {
  dul::PduDecoder d;
  d.feed(bytes);
  std::vector<dul::Pdu> out;
  while (d.next() == DecodeStatus::Ready) out.push_back(d.take());
  return out;
}

// The DIMSE commands in what the client sent (data set PDVs skipped).
std::vector<dimse::Command> commands(const Bytes& bytes) {
  return test_support::sent_commands(bytes);
}

bool sent_release(const Bytes& b) {
  for (const auto& p : decode_all(b))
    if (std::holds_alternative<dul::ReleaseRq>(p)) return true;
  return false;
}
bool sent_abort(const Bytes& b) {
  for (const auto& p : decode_all(b))
    if (std::holds_alternative<dul::Abort>(p)) return true;
  return false;
}

AccessPlan plan(std::uint32_t cap = 100, bool store = false) {
  AccessPlan p;
  p.find_cap = cap;
  p.retrieve_study_uid = "2.25.1.4.1";
  if (store) {
    std::mt19937_64 rng(3);
    p.store = dicom::make_test_object(rng, "20260101");
    p.ops.push_back(AccessOp::Store);
  }
  return p;
}

// AC accepting every context except those listed (rejected with reason 3).
Bytes accept(const Bytes& rq_bytes, std::vector<std::uint8_t> reject = {}) {
  const auto rq = std::get<dul::AssociateRq>(decode_all(rq_bytes).at(0));
  dul::AssociateAc ac;
  ac.called_ae = rq.called_ae;
  ac.calling_ae = rq.calling_ae;
  ac.application_context = std::string(dicom::uid::kApplicationContext);
  for (const auto& pc : rq.contexts) {
    const bool no = std::find(reject.begin(), reject.end(), pc.id) != reject.end();
    ac.contexts.push_back(
        {pc.id, no ? dul::PcResult::AbstractSyntaxNotSupported : dul::PcResult::Acceptance,
         pc.transfer_syntaxes.front()});
  }
  ac.user_info.max_length = 16384;
  return dul::encode(dul::Pdu{ac}).value();
}

Bytes response(std::uint8_t ctx, CommandField f, std::uint16_t to, std::uint16_t status,
               const Bytes* data = nullptr) {
  dimse::Command c;
  c.field = f;
  c.message_id_being_responded_to = to;
  c.status = status;
  if (data != nullptr) c.command_data_set_type = 0x0001;
  return dimse::encode_pdata(ctx, dimse::encode_command(c), data, 16384);
}

const Bytes kMatch = [] {
  dicom::DatasetWriter w(dicom::VrEncoding::Implicit);
  w.text(dicom::tag::kQueryRetrieveLevel, "CS", "PATIENT");
  w.text(dicom::tag::kPatientId, "LO", "SECRET-ID");
  return std::move(w).take();
}();

TEST(AccessClient, ProposesQueryRetrieveAndStorageScpRole) {
  AccessClient c(plan(), {});
  const auto rq = std::get<dul::AssociateRq>(decode_all(c.start()).at(0));
  EXPECT_EQ(rq.calling_ae, "DICOMSEC");
  EXPECT_EQ(rq.contexts.size(), 6U);
  ASSERT_EQ(rq.user_info.roles.size(), 1U);
  EXPECT_FALSE(rq.user_info.roles[0].scu_role) << "no SCU role without --level intrusive";
  EXPECT_TRUE(rq.user_info.roles[0].scp_role);
}

TEST(AccessClient, CountsFindCancelsAtCapThenMoveGetRelease) {
  AccessClient c(plan(3), {});
  auto out = c.on_bytes(accept(c.start()));
  auto cmds = commands(out);
  ASSERT_EQ(cmds.size(), 1U);
  EXPECT_EQ(cmds[0].field, CommandField::CFindRq);
  EXPECT_EQ(cmds[0].affected_sop_class_uid, dicom::uid::kPatientRootFind);
  // Three matches: the third triggers C-CANCEL, a fourth arriving late is not counted.
  for (int i = 0; i < 2; ++i)
    EXPECT_TRUE(c.on_bytes(response(3, CommandField::CFindRsp, 1, 0xFF00, &kMatch)).empty());
  cmds = commands(c.on_bytes(response(3, CommandField::CFindRsp, 1, 0xFF00, &kMatch)));
  ASSERT_EQ(cmds.size(), 1U);
  EXPECT_EQ(cmds[0].field, CommandField::CCancelRq);
  EXPECT_EQ(cmds[0].message_id_being_responded_to, 1);
  EXPECT_TRUE(c.on_bytes(response(3, CommandField::CFindRsp, 1, 0xFF00, &kMatch)).empty());
  cmds = commands(c.on_bytes(response(3, CommandField::CFindRsp, 1, 0xFE00)));
  ASSERT_EQ(cmds.size(), 1U);
  EXPECT_EQ(cmds[0].affected_sop_class_uid, dicom::uid::kStudyRootFind);
  cmds = commands(c.on_bytes(response(5, CommandField::CFindRsp, 2, 0x0000)));
  ASSERT_EQ(cmds.size(), 1U);
  EXPECT_EQ(cmds[0].field, CommandField::CMoveRq);
  // Design §6: a random title the server cannot know, never our own calling AE.
  ASSERT_TRUE(cmds[0].move_destination);
  EXPECT_NE(*cmds[0].move_destination, "DICOMSEC");
  EXPECT_EQ(*cmds[0].move_destination, c.move_destination());
  EXPECT_EQ(cmds[0].move_destination->size(), 16U);
  EXPECT_EQ(cmds[0].move_destination->rfind("DS", 0), 0U);
  cmds = commands(c.on_bytes(response(7, CommandField::CMoveRsp, 3, 0xA801)));
  ASSERT_EQ(cmds.size(), 1U);
  EXPECT_EQ(cmds[0].field, CommandField::CGetRq);
  out = c.on_bytes(response(9, CommandField::CGetRsp, 4, 0x0000));
  EXPECT_TRUE(sent_release(out));
  c.on_bytes(dul::encode(dul::Pdu{dul::ReleaseRp{}}).value());
  EXPECT_TRUE(c.done());
  EXPECT_FALSE(c.protocol_error());
  const auto& a = c.access();
  EXPECT_EQ(a.find.state, Permission::Allowed);
  EXPECT_EQ(a.find.patient, 3U);
  EXPECT_EQ(a.find.study, 0U);
  EXPECT_TRUE(a.find.capped);
  EXPECT_EQ(a.move.state, Permission::Denied);
  EXPECT_EQ(a.move.status, 0xA801);
  EXPECT_EQ(a.get.state, Permission::Allowed);
  EXPECT_TRUE(c.association().released);
  // Nothing of the identifiers is kept anywhere in the record.
  EXPECT_EQ(a.find.evidence.find("SECRET"), std::string::npos);
}

// Issue 12 §3: the shape of the C-FIND answers is recorded as tags and counts, never values.
TEST(AccessClient, RecordsTheShapeOfFindAnswersWithoutValues) {
  AccessClient c(plan(), {});
  c.on_bytes(accept(c.start()));
  // PATIENT level answered like a real SCP: the level and the key asked for, plus an allowed
  // extra (Specific Character Set).
  dicom::DatasetWriter p(dicom::VrEncoding::Implicit);
  p.text(dicom::tag::kSpecificCharacterSet, "CS", "ISO_IR 100");
  p.text(dicom::tag::kQueryRetrieveLevel, "CS", "PATIENT");
  p.text(dicom::tag::kPatientId, "LO", "SECRET-ID");
  const auto real = std::move(p).take();
  c.on_bytes(response(3, CommandField::CFindRsp, 1, 0xFF00, &real));
  c.on_bytes(response(3, CommandField::CFindRsp, 1, 0x0000));
  // STUDY level answered like a honeypot: a whole image, at IMAGE level.
  dicom::DatasetWriter w(dicom::VrEncoding::Implicit);
  w.text(dicom::tag::kSopInstanceUid, "UI", "1.2.3.4");
  w.text(dicom::tag::kQueryRetrieveLevel, "CS", "IMAGE");
  w.text(dicom::tag::kPatientName, "PN", "SECRET^NAME");
  w.text(dicom::tag::kStudyInstanceUid, "UI", "1.2.3");
  w.us(dicom::tag::kRows, 8);
  const std::uint8_t pixels[4] = {1, 2, 3, 4};
  w.binary(dicom::tag::kPixelData, "OB", ByteView(pixels, 4));
  const auto whole = std::move(w).take();
  c.on_bytes(response(5, CommandField::CFindRsp, 2, 0xFF00, &whole));
  c.on_bytes(response(5, CommandField::CFindRsp, 2, 0xFF00, &whole));
  c.on_bytes(response(5, CommandField::CFindRsp, 2, 0x0000));
  const auto& f = c.access().find;
  ASSERT_TRUE(f.patient_answers);
  EXPECT_EQ(f.patient_answers->identifiers, 1U);
  EXPECT_EQ(f.patient_answers->levels, std::vector<std::string>{"PATIENT"});
  EXPECT_TRUE(f.patient_answers->unrequested_tags.empty());
  EXPECT_FALSE(f.patient_answers->lower_level_keys || f.patient_answers->pixel_data);
  ASSERT_TRUE(f.study_answers);
  EXPECT_EQ(f.study_answers->identifiers, 2U);
  EXPECT_EQ(f.study_answers->duplicate_keys, 1U);  // the same study UID twice
  EXPECT_EQ(f.patient_answers->duplicate_keys, 0U);
  EXPECT_EQ(f.study_answers->levels, std::vector<std::string>{"IMAGE"});
  EXPECT_EQ(f.study_answers->unrequested_tags,
            (std::vector<std::string>{"(0008,0018)", "(0010,0010)", "(0028,0010)", "(7FE0,0010)"}));
  EXPECT_EQ(f.study_answers->unrequested_count, 4U);
  EXPECT_TRUE(f.study_answers->lower_level_keys);
  EXPECT_TRUE(f.study_answers->image_attributes);
  EXPECT_TRUE(f.study_answers->pixel_data);
  record::AccessRecord rec;
  to_record(c.access(), rec);
  EXPECT_EQ(rec.find.study_answers, f.study_answers);
  EXPECT_EQ(f.evidence.find("SECRET"), std::string::npos);
}

TEST(AccessClient, RejectedContextsAreDeniedWithoutRequests) {
  AccessClient c(plan(), {});
  auto out = c.on_bytes(accept(c.start(), {3, 5, 7, 9}));
  EXPECT_TRUE(commands(out).empty());
  EXPECT_TRUE(sent_release(out));
  EXPECT_EQ(c.access().find.state, Permission::Denied);
  EXPECT_EQ(c.access().move.state, Permission::Denied);
  EXPECT_EQ(c.access().get.state, Permission::Denied);
}

TEST(AccessClient, AbortAnswerDeniesAndLeavesTheRestForANewAssociation) {
  AccessClient c(plan(), {});
  c.on_bytes(accept(c.start()));
  c.on_bytes(dul::encode(dul::Pdu{dul::Abort{0, 0}}).value());
  EXPECT_TRUE(c.done());
  EXPECT_EQ(c.access().find.state, Permission::Denied);
  const auto rest = c.unfinished();
  ASSERT_EQ(rest.size(), 3U);
  EXPECT_EQ(rest[0], AccessOp::FindStudy);
}

TEST(AccessClient, GetSubOperationIsAbortedBeforeItsData) {
  auto p = plan();
  p.ops = {AccessOp::Get};
  AccessClient c(p, {});
  c.on_bytes(accept(c.start()));
  dimse::Command store;
  store.field = CommandField::CStoreRq;
  store.message_id = 7;
  store.affected_sop_class_uid = std::string(dicom::kSecondaryCaptureStorage);
  store.affected_sop_instance_uid = "1.2.3";
  store.command_data_set_type = 0x0001;
  const Bytes pixels(100, 0x55);
  const Bytes in = dimse::encode_pdata(11, dimse::encode_command(store), &pixels, 16384);
  EXPECT_TRUE(sent_abort(c.on_bytes(in)));
  EXPECT_TRUE(c.done());
  EXPECT_EQ(c.access().get.state, Permission::Allowed);
}

TEST(AccessClient, RetrieveStatusesReadAsDocumented) {
  struct Case {
    std::uint16_t status;
    Permission move, get;
  };
  for (const auto& k : {Case{0x0000, Permission::Allowed, Permission::Allowed},
                        Case{0xA801, Permission::Denied, Permission::Denied},
                        Case{0x0124, Permission::Denied, Permission::Denied},
                        Case{0xA701, Permission::Denied, Permission::Denied},
                        Case{0xC000, Permission::Allowed, Permission::Allowed}}) {
    auto p = plan();
    p.ops = {AccessOp::Move, AccessOp::Get};
    AccessClient c(p, {});
    c.on_bytes(accept(c.start()));
    c.on_bytes(response(7, CommandField::CMoveRsp, 1, k.status));
    c.on_bytes(response(9, CommandField::CGetRsp, 2, k.status));
    EXPECT_EQ(c.access().move.state, k.move) << std::hex << k.status;
    if (k.status != 0xA801) {
      EXPECT_EQ(c.access().get.state, k.get) << std::hex << k.status;
    }
  }
}

TEST(AccessClient, IntrusiveStoreSendsTheTestObject) {
  auto p = plan(100, true);
  p.ops = {AccessOp::Store};
  AccessClient c(p, {});
  const auto rq = std::get<dul::AssociateRq>(decode_all(c.start()).at(0));
  EXPECT_TRUE(rq.user_info.roles.at(0).scu_role);
  auto out = c.on_bytes(accept(dul::encode(dul::Pdu{rq}).value()));
  auto cmds = commands(out);
  ASSERT_EQ(cmds.size(), 1U);
  EXPECT_EQ(cmds[0].field, CommandField::CStoreRq);
  EXPECT_EQ(cmds[0].affected_sop_instance_uid, p.store->instance_uid);
  EXPECT_TRUE(sent_release(c.on_bytes(response(11, CommandField::CStoreRsp, 1, 0x0000))));
  EXPECT_TRUE(c.stored());
}

TEST(AccessClient, MalformedIdentifierIsAProtocolError) {
  AccessClient c(plan(), {});
  c.on_bytes(accept(c.start()));
  const Bytes bad{0x10, 0x00, 0x20, 0x00, 0xFF, 0x00, 0x00, 0x00};
  EXPECT_TRUE(sent_abort(c.on_bytes(response(3, CommandField::CFindRsp, 1, 0xFF00, &bad))));
  ASSERT_TRUE(c.protocol_error());
}

TEST(AccessClient, MoveDestinationIsRandomFromTheSeedAndNeverOurCallingAe) {
  auto p = plan();
  p.seed = 1;
  const AccessClient a(p, {});
  p.seed = 2;
  const AccessClient b(p, {});
  EXPECT_NE(a.move_destination(), "DICOMSEC");
  EXPECT_NE(a.move_destination(), b.move_destination()) << "drawn from the probe's seed";
  p.seed = 1;
  EXPECT_EQ(AccessClient(p, {}).move_destination(), a.move_destination()) << "reproducible";
  // A destination equal to our calling AE (any case, trailing spaces) is replaced.
  p.move_destination = "dicomsec  ";
  EXPECT_EQ(AccessClient(p, {}).move_destination(), a.move_destination());
  // Even a calling AE that happens to look like a random title is never the destination.
  p.move_destination.clear();
  p.calling_ae = a.move_destination();
  EXPECT_NE(AccessClient(p, {}).move_destination(), p.calling_ae);
  std::mt19937_64 rng(1);
  EXPECT_NE(random_ae_title(rng, a.move_destination()), a.move_destination());
}

TEST(AccessClient, PDataAfterOurReleaseRequestIsValid) {
  // PS3.8 Table 9-10 AR-6: in Sta7 a P-DATA-TF is delivered, not a protocol error.
  auto p = plan();
  p.ops = {AccessOp::Get};
  AccessClient c(p, {});
  c.on_bytes(accept(c.start()));
  ASSERT_TRUE(sent_release(c.on_bytes(response(9, CommandField::CGetRsp, 1, 0x0000))));
  EXPECT_TRUE(c.on_bytes(response(9, CommandField::CGetRsp, 1, 0x0000)).empty());
  EXPECT_FALSE(c.done());
  c.on_bytes(dul::encode(dul::Pdu{dul::ReleaseRp{}}).value());
  EXPECT_TRUE(c.done());
  EXPECT_FALSE(c.protocol_error());
  EXPECT_TRUE(c.association().released);
  EXPECT_EQ(c.access().get.state, Permission::Allowed);
}

TEST(AccessClient, AQuirkAfterTheAcceptKeepsTheAssociationResult) {
  AccessClient c(plan(), {});
  c.on_bytes(accept(c.start()));
  // A C-ECHO-RSP where a C-FIND-RSP belongs: a protocol error, but the AC stands.
  EXPECT_TRUE(sent_abort(c.on_bytes(response(3, CommandField::CEchoRsp, 1, 0x0000))));
  ASSERT_TRUE(c.protocol_error());
  EXPECT_TRUE(c.dicom());
  EXPECT_EQ(c.association().result, record::AssociationResult::Accepted);
}

// The one mapping into the scan record: a check the clients reached replaces the record's,
// one they never reached keeps the probe's line.
TEST(AccessClient, ResultMapsIntoTheRecord) {
  record::AccessRecord rec;
  rec.move.evidence = rec.get.evidence = rec.store.evidence = "not tried";
  rec.called_ae = "ANY-SCP";
  rec.associations = 2;
  AccessResult r;
  r.find = {Permission::Allowed, 3U,           1U,          true, 0x0000,
            "C-FIND counted",    std::nullopt, std::nullopt};
  r.get = {Permission::Denied, 0xA701, "C-GET refused"};
  to_record(r, rec);
  EXPECT_EQ(rec.find.state, Permission::Allowed);
  EXPECT_EQ(rec.find.patient, 3U);
  EXPECT_EQ(rec.find.study, 1U);
  EXPECT_TRUE(rec.find.capped);
  EXPECT_EQ(rec.find.status, 0x0000);
  EXPECT_EQ(rec.find.evidence, "C-FIND counted");
  EXPECT_EQ(rec.get.state, Permission::Denied);
  EXPECT_EQ(rec.get.status, 0xA701);
  EXPECT_EQ(rec.get.evidence, "C-GET refused");
  EXPECT_EQ(rec.move.state, Permission::Untested);
  EXPECT_EQ(rec.move.evidence, "not tried");
  EXPECT_EQ(rec.store.evidence, "not tried");
  EXPECT_EQ(rec.called_ae, "ANY-SCP");
  EXPECT_EQ(rec.associations, 2U);
}

}  // namespace
}  // namespace dicomsec::probes
