// Issue 12 §3: one test per honeypot signal on synthetic records, and the real lab peers'
// association answers (DCMTK storescp 3.6.7, Orthanc 1.10.1 as captured) stay unflagged.
#include "findings/honeypot.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "core/version.hpp"
#include "findings/rules.hpp"

namespace dicomsec::findings {
namespace {

using record::AssociationResult;

// What DCMTK 3.6.7's storescp answers our safe probe with (captured_peers_test): its own UID,
// name and 16384, Verification and the Q/R contexts accepted, our unknown one refused.
record::ScanRecord dcmtk() {
  record::ScanRecord r;
  r.ip = "127.0.0.1";
  r.port = 11112;
  r.dicom = true;
  r.association = record::AssociationRecord{};
  auto& a = *r.association;
  a.result = AssociationResult::Accepted;
  a.calling_ae = "DICOMSEC";
  a.called_ae = "ANY-SCP";
  a.max_pdu = 16384;
  a.implementation_class_uid = "1.2.276.0.7230010.3.0.3.6.7";
  a.implementation_version_name = "OFFIS_DCMTK_367";
  a.accepted_contexts = {{"1.2.840.10008.1.1", "1.2.840.10008.1.2"}};
  return r;
}

// dicompot (go-netdicom fork): user information with the maximum length only, 4 MiB, every
// context accepted with the first transfer syntax.
record::ScanRecord dicompot() {
  auto r = dcmtk();
  auto& a = *r.association;
  a.max_pdu = 4u << 20;
  a.implementation_class_uid.reset();
  a.implementation_version_name.reset();
  a.accepted_contexts.push_back({kUnknownAbstractSyntaxUid, "1.2.840.10008.1.2"});
  return r;
}

// DICOMHawk's default: pynetdicom announcing DCMTK 3.6.2's UID and name.
record::ScanRecord dicomhawk() {
  auto r = dcmtk();
  auto& a = *r.association;
  a.max_pdu = 16382;
  a.implementation_class_uid = "1.2.276.0.7230010.3.0.3.6.2";
  a.implementation_version_name = "OFFIS_DCMTK_362";
  return r;
}

std::set<std::string> fired(const record::HoneypotRecord& h) {
  std::set<std::string> out;
  for (const auto& e : h.evidence) out.insert(e.substr(0, e.find(':')));
  return out;
}

bool has_finding(const record::ScanRecord& r, std::string_view id) {
  const auto f = evaluate(r);
  return std::any_of(f.begin(), f.end(), [&](const auto& x) { return x.id == id; });
}

TEST(Honeypot, RealDcmtkAnswerIsNotFlagged) {
  const auto h = assess_honeypot(dcmtk());
  ASSERT_TRUE(h);
  EXPECT_FALSE(h->likely);
  EXPECT_EQ(h->confidence, "none");
  EXPECT_TRUE(h->evidence.empty());
  EXPECT_FALSE(has_finding(dcmtk(), "DICOM-HONEYPOT-LIKELY"));
}

TEST(Honeypot, RealDcmtk362IdentityAloneIsNotFlagged) {
  // DICOMHawk borrows DCMTK 3.6.2's identity; a real DCMTK 3.6.2 (16384) must stay clean.
  auto r = dicomhawk();
  r.association->max_pdu = 16384;
  EXPECT_TRUE(assess_honeypot(r)->evidence.empty());
}

TEST(Honeypot, NothingToJudgeWithoutAnAssociationAnswer) {
  record::ScanRecord r;
  EXPECT_FALSE(assess_honeypot(r));
  r.association = record::AssociationRecord{};  // result none: a TCP port that said nothing
  EXPECT_FALSE(assess_honeypot(r));
}

TEST(Honeypot, MissingImplementationClassUid) {
  auto r = dcmtk();
  r.association->implementation_class_uid.reset();
  const auto h = assess_honeypot(r);
  EXPECT_EQ(fired(*h), std::set<std::string>{"no-implementation-class-uid"});
  EXPECT_TRUE(h->likely);
  EXPECT_EQ(h->confidence, "medium");
}

TEST(Honeypot, UnknownAbstractSyntaxAccepted) {
  auto r = dcmtk();
  r.association->accepted_contexts.push_back({kUnknownAbstractSyntaxUid, "1.2.840.10008.1.2"});
  const auto h = assess_honeypot(r);
  EXPECT_EQ(fired(*h), std::set<std::string>{"unknown-abstract-syntax-accepted"});
  EXPECT_TRUE(h->likely);
}

TEST(Honeypot, GoNetdicomMaxPduAloneIsWeak) {
  auto r = dcmtk();
  r.association->max_pdu = 4u << 20;
  const auto h = assess_honeypot(r);
  EXPECT_EQ(fired(*h), std::set<std::string>{"go-netdicom-max-pdu"});
  EXPECT_FALSE(h->likely);
  EXPECT_EQ(h->confidence, "low");
  EXPECT_FALSE(has_finding(r, "DICOM-HONEYPOT-LIKELY"));
}

TEST(Honeypot, PynetdicomMaxPduUnderBorrowedIdentity) {
  const auto h = assess_honeypot(dicomhawk());
  EXPECT_EQ(fired(*h), std::set<std::string>{"pynetdicom-max-pdu-with-borrowed-identity"});
  EXPECT_TRUE(h->likely);
}

TEST(Honeypot, PynetdicomWithItsOwnIdentityIsNotFlagged) {
  auto r = dicomhawk();
  r.association->implementation_class_uid = "1.2.826.0.1.3680043.9.3811.2.0.2";
  r.association->implementation_version_name = "PYNETDICOM_202";
  EXPECT_TRUE(assess_honeypot(r)->evidence.empty());
}

TEST(Honeypot, PynetdicomUnderItsOwnOrganisationUidIsNotFlagged) {
  // pynetdicom's documentation asks products to set their own UID; keeping 16382 is normal.
  auto r = dicomhawk();
  r.association->implementation_class_uid = "1.2.826.0.1.999999.1";
  r.association->implementation_version_name = "ACME_PACS_2";
  EXPECT_TRUE(assess_honeypot(r)->evidence.empty());
  // ...unless the fingerprint says it is a product of another toolkit.
  r.product = record::ProductRecord{};
  r.product->name = "dcm4chee-arc";
  r.product->toolkit = "dcm4che";
  EXPECT_EQ(fired(*assess_honeypot(r)),
            std::set<std::string>{"pynetdicom-max-pdu-with-borrowed-identity"});
}

TEST(Honeypot, DicomHawkVendorPersonaPair) {
  auto r = dcmtk();
  r.association->implementation_class_uid = "1.3.12.2.1107.5.2";
  r.association->implementation_version_name = "syngo CT VA48A";
  auto h = assess_honeypot(r);
  EXPECT_EQ(fired(*h), std::set<std::string>{"dicomhawk-persona"});
  EXPECT_FALSE(h->likely) << "a persona pair alone could be a real device";
  r.association->max_pdu = 16382;
  h = assess_honeypot(r);
  EXPECT_TRUE(h->likely);
  EXPECT_EQ(h->confidence, "high");
}

TEST(Honeypot, ProtocolVersionRejectForAWrongCalledAe) {
  auto r = dcmtk();
  r.called_ae_check = record::CalledAeCheckRecord{"DSXYZ",
                                                  AssociationResult::Rejected,
                                                  record::RejectRecord{1, 2, 2},
                                                  record::CheckState::Checked,
                                                  "",
                                                  1};
  auto h = assess_honeypot(r);
  EXPECT_EQ(fired(*h), std::set<std::string>{"called-ae-reject-protocol-version"});
  EXPECT_TRUE(h->likely);
  // DCMTK's dcmqrscp refuses an unknown called AE with source 1 reason 7: no signal.
  r.called_ae_check->reject = record::RejectRecord{1, 1, 7};
  EXPECT_TRUE(assess_honeypot(r)->evidence.empty());
}

TEST(Honeypot, ProtocolVersionRejectOfTheFirstAssociation) {
  auto r = dcmtk();
  r.association->result = AssociationResult::Rejected;
  r.association->reject = record::RejectRecord{1, 2, 2};
  const auto h = assess_honeypot(r);
  EXPECT_EQ(fired(*h), std::set<std::string>{"called-ae-reject-protocol-version"});
  EXPECT_TRUE(has_finding(r, "DICOM-HONEYPOT-LIKELY"));
  EXPECT_TRUE(has_finding(r, "DICOM-EXPOSED"));
}

TEST(Honeypot, DicompotIsHighConfidenceAndKeepsTheExposureFindings) {
  const auto r = dicompot();
  const auto h = assess_honeypot(r);
  EXPECT_EQ(fired(*h),
            (std::set<std::string>{"no-implementation-class-uid",
                                   "unknown-abstract-syntax-accepted", "go-netdicom-max-pdu"}));
  EXPECT_TRUE(h->likely);
  EXPECT_EQ(h->confidence, "high");
  for (auto id : {"DICOM-HONEYPOT-LIKELY", "DICOM-EXPOSED", "DICOM-NO-TLS", "DICOM-ANY-CALLING-AE"})
    EXPECT_TRUE(has_finding(r, id)) << id;
}

TEST(Honeypot, EverySignalIsListedWithASource) {
  std::set<std::string_view> ids;
  for (const auto& s : honeypot_signals()) {
    EXPECT_TRUE(ids.insert(s.id).second) << s.id;
    EXPECT_GE(s.weight, 1);
    EXPECT_LE(s.weight, 3);
    EXPECT_FALSE(s.source.empty()) << s.id;
  }
  EXPECT_EQ(ids.size(), 13u);
}

// ---- level auth: the access checks' C-FIND answers and the web probe's page (record fields
// access.find.answers, web.title, web.login_page).

record::FindAnswerShape shape(std::string level) {
  record::FindAnswerShape s;
  s.identifiers = 2;
  s.levels = {std::move(level)};
  return s;
}

record::ScanRecord with_answers(std::optional<record::FindAnswerShape> patient,
                                std::optional<record::FindAnswerShape> study) {
  auto r = dcmtk();
  r.access = record::AccessRecord{};
  r.access->find.state = record::Permission::Allowed;
  r.access->find.patient_answers = std::move(patient);
  r.access->find.study_answers = std::move(study);
  return r;
}

TEST(Honeypot, RealFindAnswersAtTheirOwnLevelAreNotFlagged) {
  // dcmqrscp and Orthanc: the level asked for, the keys asked for, a few allowed extras.
  auto study = shape("STUDY");
  study.unrequested_tags = {"(0008,0020)"};
  study.unrequested_count = 1;
  const auto h = assess_honeypot(with_answers(shape("PATIENT"), study));
  EXPECT_TRUE(h->evidence.empty());
  EXPECT_EQ(h->confidence, "none");
  // An odd level value alone says nothing; a missing one is weak (PS3.4 requires it).
  EXPECT_TRUE(assess_honeypot(with_answers(shape("other"), std::nullopt))->evidence.empty());
  const auto missing = assess_honeypot(with_answers(shape("absent"), shape("empty")));
  EXPECT_EQ(fired(*missing), std::set<std::string>{"find-level-missing"});
  EXPECT_FALSE(missing->likely);
  // A few repeated Patient IDs (other issuers) are not one row per instance.
  auto few = shape("PATIENT");
  few.identifiers = 50;
  few.duplicate_keys = 3;
  EXPECT_TRUE(assess_honeypot(with_answers(few, std::nullopt))->evidence.empty());
}

TEST(Honeypot, FindAnsweredOneRowPerInstance) {
  // dicompot: every stored file matches, so one patient with three images is three rows.
  auto rows = shape("empty");
  rows.identifiers = 3;
  rows.duplicate_keys = 2;
  const auto h = assess_honeypot(with_answers(rows, std::nullopt));
  EXPECT_EQ(fired(*h), (std::set<std::string>{"find-level-ignored", "find-level-missing"}));
  EXPECT_EQ(h->confidence, "medium");
}

TEST(Honeypot, DicomHawkStudyAnswer) {
  auto study = shape("absent");
  study.unrequested_tags = {"(0008,0020)", "(0008,0030)", "(0008,0050)", "(0008,0061)",
                            "(0008,0080)", "(0010,0010)", "(0010,0020)", "(0010,0030)",
                            "(0010,0040)", "(0020,0010)", "(0020,1208)"};
  study.unrequested_count = 11;
  auto patient = shape("absent");
  patient.unrequested_tags = {"(0010,0010)"};
  patient.unrequested_count = 1;
  const auto h = assess_honeypot(with_answers(patient, study));
  EXPECT_EQ(fired(*h), (std::set<std::string>{"find-level-missing", "find-unrequested-attributes",
                                              "dicomhawk-study-answer"}));
  EXPECT_TRUE(h->likely);
}

TEST(Honeypot, FindAnsweredAtAnotherLevel) {
  const auto h = assess_honeypot(with_answers(shape("STUDY"), std::nullopt));
  EXPECT_EQ(fired(*h), std::set<std::string>{"find-level-ignored"});
  EXPECT_TRUE(h->likely);
  auto keys = shape("PATIENT");
  keys.lower_level_keys = true;
  EXPECT_EQ(fired(*assess_honeypot(with_answers(keys, std::nullopt))),
            std::set<std::string>{"find-level-ignored"});
}

TEST(Honeypot, FindAnsweredWithWholeDataSets) {
  auto whole = shape("STUDY");
  whole.pixel_data = true;
  whole.unrequested_count = 30;
  const auto h = assess_honeypot(with_answers(std::nullopt, whole));
  EXPECT_EQ(fired(*h),
            (std::set<std::string>{"find-whole-data-set", "find-unrequested-attributes"}));
  EXPECT_EQ(h->confidence, "medium");
  EXPECT_TRUE(has_finding(with_answers(std::nullopt, whole), "DICOM-HONEYPOT-LIKELY"));
}

TEST(Honeypot, ManyUnrequestedAttributesAloneIsWeak) {
  auto many = shape("STUDY");
  many.unrequested_count = 9;
  const auto h = assess_honeypot(with_answers(std::nullopt, many));
  EXPECT_EQ(fired(*h), std::set<std::string>{"find-unrequested-attributes"});
  EXPECT_FALSE(h->likely);
  EXPECT_EQ(h->confidence, "low");
}

record::ScanRecord web_page(std::optional<std::string> title, bool login) {
  record::ScanRecord r;
  r.ip = "127.0.0.1";
  r.port = 5000;
  r.web = record::WebRecord{};
  r.web->title = std::move(title);
  r.web->login_page = login;
  return r;
}

TEST(Honeypot, WebTitleNamingAHoneypot) {
  for (const char* t : {"DICOMHawk", "DICOMHawk - Honeypot DICOM Server"}) {
    const auto r = web_page(t, false);
    const auto h = assess_honeypot(r);
    ASSERT_TRUE(h) << t;
    EXPECT_EQ(fired(*h), std::set<std::string>{"honeypot-web-title"}) << t;
    EXPECT_TRUE(h->likely);
    EXPECT_TRUE(has_finding(r, "DICOM-HONEYPOT-LIKELY"));
  }
}

TEST(Honeypot, DicomHawkGenericLoginPageIsMediumWeight) {
  const auto h = assess_honeypot(web_page("PACS Web Login", true));
  EXPECT_EQ(fired(*h), std::set<std::string>{"dicomhawk-login-page"});
  EXPECT_FALSE(h->likely);  // a real product may use the same words
  EXPECT_TRUE(assess_honeypot(web_page("PACS Web Login", false))->evidence.empty());
}

TEST(Honeypot, RealWebPagesAreNotFlagged) {
  // Orthanc's explorer, a vendor login page (Fujifilm Synapse's real title, which DICOMHawk's
  // fujifilm profile copies), a page without a title.
  for (const auto& [title, login] :
       {std::pair<std::optional<std::string>, bool>{"Orthanc Explorer", false},
        {"Synapse Sign-On", true},
        {std::nullopt, true}}) {
    const auto h = assess_honeypot(web_page(title, login));
    ASSERT_TRUE(h);
    EXPECT_TRUE(h->evidence.empty()) << title.value_or("(none)");
    EXPECT_FALSE(has_finding(web_page(title, login), "DICOM-HONEYPOT-LIKELY"));
  }
}

}  // namespace
}  // namespace dicomsec::findings
