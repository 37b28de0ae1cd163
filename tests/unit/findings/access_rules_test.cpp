// Findings from the access checks (levels auth/intrusive): docs/design.md section 6.
#include <gtest/gtest.h>

#include <algorithm>

#include "findings/rules.hpp"

namespace dicomsec::findings {
namespace {

using record::AssociationResult;
using record::Permission;

record::ScanRecord record(AssociationResult first) {
  record::ScanRecord r;
  r.ip = "127.0.0.1";
  r.port = 11112;
  r.dicom = true;
  r.association = record::AssociationRecord{};
  r.association->result = first;
  r.association->calling_ae = "DICOMSEC";
  r.association->called_ae = "ANY-SCP";
  if (first == AssociationResult::Rejected) r.association->reject = record::RejectRecord{1, 1, 7};
  r.access = record::AccessRecord{};
  return r;
}

const record::FindingRef* get(const std::vector<record::FindingRef>& f, std::string_view id) {
  auto it = std::find_if(f.begin(), f.end(), [&](const auto& x) { return x.id == id; });
  return it == f.end() ? nullptr : &*it;
}

TEST(AccessRules, FindOpenCarriesCountsAndConfirmsAnyCallingAe) {
  auto r = record(AssociationResult::Accepted);
  r.access->association = AssociationResult::Accepted;
  r.access->called_ae = "ANY-SCP";
  r.access->find.state = Permission::Allowed;
  r.access->find.patient = 100;
  r.access->find.study = 7;
  r.access->find.capped = true;
  const auto f = evaluate(r);
  const auto* find = get(f, "DICOM-FIND-OPEN");
  ASSERT_NE(find, nullptr);
  EXPECT_EQ(find->severity, "critical");
  EXPECT_NE(find->evidence.find("100 patient(s), 7 study(ies)"), std::string::npos) << find->evidence;
  EXPECT_NE(find->evidence.find("cap"), std::string::npos);
  const auto* any = get(f, "DICOM-ANY-CALLING-AE");
  ASSERT_NE(any, nullptr);
  EXPECT_NE(any->evidence.find("confirmed: C-FIND"), std::string::npos) << any->evidence;
  EXPECT_EQ(std::count_if(f.begin(), f.end(), [](const auto& x) { return x.id == "DICOM-ANY-CALLING-AE"; }), 1);
}

TEST(AccessRules, DeniedGivesNothingAndAGivenCallingAeProvesNothing) {
  auto r = record(AssociationResult::Accepted);
  r.access->association = AssociationResult::Accepted;
  r.access->find.state = Permission::Denied;
  r.access->move.state = Permission::Denied;
  EXPECT_EQ(get(evaluate(r), "DICOM-FIND-OPEN"), nullptr);
  EXPECT_EQ(get(evaluate(r), "DICOM-MOVE-OPEN"), nullptr);

  r.access->find.state = Permission::Allowed;
  r.access->get.state = Permission::Allowed;
  r.access->store.state = Permission::Allowed;
  const auto known = evaluate(r, Context{false});
  for (const char* id : {"DICOM-FIND-OPEN", "DICOM-GET-OPEN", "DICOM-STORE-OPEN", "DICOM-ANY-CALLING-AE"})
    EXPECT_EQ(get(known, id), nullptr) << id;
  const auto unknown = evaluate(r);
  for (const char* id : {"DICOM-FIND-OPEN", "DICOM-GET-OPEN", "DICOM-STORE-OPEN"})
    EXPECT_NE(get(unknown, id), nullptr) << id;
}

TEST(AccessRules, DiscoveredCalledAeAddsAnyCallingAeAndNoTls) {
  auto r = record(AssociationResult::Rejected);
  r.access->association = AssociationResult::Accepted;
  r.access->called_ae = "ORTHANC";
  r.access->discovered_called_ae = "ORTHANC";
  r.access->find.state = Permission::Denied;
  const auto f = evaluate(r);
  const auto* any = get(f, "DICOM-ANY-CALLING-AE");
  ASSERT_NE(any, nullptr);
  EXPECT_NE(any->evidence.find("ORTHANC"), std::string::npos);
  EXPECT_NE(any->evidence.find("discovery"), std::string::npos);
  ASSERT_NE(get(f, "DICOM-NO-TLS"), nullptr);
  EXPECT_EQ(get(f, "DICOM-FIND-OPEN"), nullptr);
}

}  // namespace
}  // namespace dicomsec::findings
