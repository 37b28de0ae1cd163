// The level-safe DICOM findings are decided from the association's result (issue 11 §2):
// a quirk later in the exchange does not erase them.
#include <gtest/gtest.h>

#include <algorithm>

#include "findings/rules.hpp"

namespace dicomsec::findings {
namespace {

using record::AssociationResult;
using record::Status;

record::ScanRecord answered(AssociationResult result, Status status, bool dicom) {
  record::ScanRecord r;
  r.ip = "127.0.0.1";
  r.port = 11112;
  r.status = status;
  r.dicom = dicom;
  r.association = record::AssociationRecord{};
  r.association->result = result;
  r.association->calling_ae = "DICOMSEC";
  r.association->called_ae = "ANY-SCP";
  if (result == AssociationResult::Rejected) r.association->reject = record::RejectRecord{1, 1, 3};
  return r;
}

std::vector<std::string> ids(const record::ScanRecord& r) {
  std::vector<std::string> out;
  for (const auto& f : evaluate(r)) out.push_back(f.id);
  return out;
}

bool has(const std::vector<std::string>& v, std::string_view id) {
  return std::find(v.begin(), v.end(), id) != v.end();
}

TEST(DicomRules, AcceptedInCleartextIsExposedAndNoTls) {
  const auto f = ids(answered(AssociationResult::Accepted, Status::Success, true));
  EXPECT_TRUE(has(f, "DICOM-EXPOSED"));
  EXPECT_TRUE(has(f, "DICOM-NO-TLS"));
  EXPECT_TRUE(has(f, "DICOM-ANY-CALLING-AE"));
}

TEST(DicomRules, AQuirkAfterTheAcceptDoesNotEraseTheVerdict) {
  // A bad C-ECHO-RSP or release after a well-formed A-ASSOCIATE-AC: the status says
  // protocol-error, the association was still accepted in cleartext.
  auto r = answered(AssociationResult::Accepted, Status::ProtocolError, true);
  r.detail = "malformed DIMSE message";
  auto f = ids(r);
  EXPECT_TRUE(has(f, "DICOM-EXPOSED"));
  EXPECT_TRUE(has(f, "DICOM-NO-TLS"));
  // Even a record written by an older probe that cleared `dicom` on the quirk.
  r.dicom = false;
  f = ids(r);
  EXPECT_TRUE(has(f, "DICOM-EXPOSED"));
  EXPECT_TRUE(has(f, "DICOM-NO-TLS"));
}

TEST(DicomRules, RejectionIsExposedOnly) {
  const auto f = ids(answered(AssociationResult::Rejected, Status::Success, true));
  EXPECT_TRUE(has(f, "DICOM-EXPOSED"));
  EXPECT_FALSE(has(f, "DICOM-NO-TLS"));
  EXPECT_FALSE(has(f, "DICOM-ANY-CALLING-AE"));
}

TEST(DicomRules, NoAssociateAnswerProvesNothing) {
  // Bytes that never formed an A-ASSOCIATE-AC/RJ (HTTP, garbage, a lone A-ABORT).
  EXPECT_TRUE(ids(answered(AssociationResult::None, Status::ProtocolError, false)).empty());
  EXPECT_TRUE(ids(answered(AssociationResult::Aborted, Status::Success, false)).empty());
  record::ScanRecord closed;
  closed.status = Status::ConnectionRefused;
  EXPECT_TRUE(ids(closed).empty());
}

TEST(DicomRules, TlsAcceptedIsExposedButNotNoTls) {
  auto r = answered(AssociationResult::Accepted, Status::Success, true);
  r.tls = true;
  const auto f = ids(r);
  EXPECT_TRUE(has(f, "DICOM-EXPOSED"));
  EXPECT_FALSE(has(f, "DICOM-NO-TLS"));
}

}  // namespace
}  // namespace dicomsec::findings
