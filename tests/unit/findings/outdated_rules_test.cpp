// DICOM-OUTDATED through findings::evaluate on synthetic records: the verdict names CVEs,
// says the version is older than the fix and that the patch level must be confirmed, and
// stays silent when the version is unknown or new enough.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "findings/rules.hpp"
#include "findings/vulnerabilities.hpp"

namespace dicomsec::findings {
namespace {

record::ScanRecord dicom_record(std::string product, std::optional<std::string> version) {
  record::ScanRecord r;
  r.ip = "127.0.0.1";
  r.port = 11112;
  r.dicom = true;
  record::AssociationRecord a;
  a.result = record::AssociationResult::Accepted;
  a.calling_ae = "DICOMSEC";
  a.called_ae = "ANY-SCP";
  // An accepted AC always names its implementation (PS3.7 D.3.3.2); without it the record
  // would also be a likely honeypot (issue 12 §3).
  a.implementation_class_uid = "1.2.276.0.7230010.3.0.3.6.7";
  r.association = a;
  record::ProductRecord p;
  p.name = std::move(product);
  p.version = std::move(version);
  p.toolkit = p.name;
  p.confidence = "high";
  p.matched_by = "implementation class UID";
  r.product = p;
  return r;
}

record::ScanRecord web_record(std::string product) {
  record::ScanRecord r;
  r.ip = "127.0.0.1";
  r.port = 8042;
  record::WebRecord w;
  w.product = std::move(product);
  r.web = w;
  return r;
}

// Takes an lvalue: a pointer into a temporary vector would dangle.
const record::FindingRef* outdated(const std::vector<record::FindingRef>& f) {
  const auto it =
      std::find_if(f.begin(), f.end(), [](const auto& x) { return x.id == "DICOM-OUTDATED"; });
  return it == f.end() ? nullptr : &*it;
}
const record::FindingRef* outdated(std::vector<record::FindingRef>&&) = delete;
bool has_outdated(const std::vector<record::FindingRef>& f) { return outdated(f) != nullptr; }

std::size_t count(const std::string& s, std::string_view needle) {
  std::size_t n = 0;
  for (auto pos = s.find(needle); pos != std::string::npos; pos = s.find(needle, pos + 1)) ++n;
  return n;
}

TEST(OutdatedRule, Dcmtk367IsOutdatedWithNamedCves) {
  const auto findings = evaluate(dicom_record("DCMTK", "3.6.7"));
  const auto* f = outdated(findings);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, "medium");
  const auto& e = f->evidence;
  EXPECT_NE(e.find("DCMTK 3.6.7 (from the DICOM fingerprint)"), std::string::npos) << e;
  EXPECT_NE(e.find("CVE-2026-50003 (CVSS 9.8, fixed in 3.7.1)"), std::string::npos) << e;
  EXPECT_EQ(count(e, "CVE-"), kOutdatedCveCap) << "capped at the most severe: " << e;
  const auto total = vulnerabilities_fixed_after("DCMTK", *parse_version("3.6.7")).size();
  EXPECT_NE(e.find(" and " + std::to_string(total - kOutdatedCveCap) + " more"), std::string::npos)
      << e;
  EXPECT_NE(e.find(std::to_string(total) + " known vulnerabilities"), std::string::npos) << e;
  EXPECT_NE(e.find("version older than the fix; confirm the patch level"), std::string::npos) << e;
  EXPECT_NE(e.find("distributions backport fixes without changing the version"), std::string::npos)
      << e;
  EXPECT_NE(e.find("Debian's DCMTK 3.6.7"), std::string::npos) << e;
  // The other verdicts are still there.
  EXPECT_EQ(findings.size(), 4U) << "EXPOSED, NO-TLS, ANY-CALLING-AE, OUTDATED";
}

TEST(OutdatedRule, VersionNewerThanEveryFixGivesNothing) {
  EXPECT_FALSE(has_outdated(evaluate(dicom_record("DCMTK", "3.7.1"))));
  EXPECT_FALSE(has_outdated(evaluate(dicom_record("DCMTK", "3.10.0"))));
  EXPECT_FALSE(has_outdated(evaluate(web_record("Orthanc 1.12.11"))));
  EXPECT_FALSE(has_outdated(evaluate(dicom_record("Conquest", "1.5.0c"))));
}

TEST(OutdatedRule, UnknownVersionGivesNothing) {
  // Orthanc on its DICOM port: the fingerprint knows the product, not its version.
  EXPECT_FALSE(has_outdated(evaluate(dicom_record("Orthanc", std::nullopt))));
  EXPECT_FALSE(has_outdated(evaluate(dicom_record("DCMTK", ""))));
  EXPECT_FALSE(has_outdated(evaluate(dicom_record("DCMTK", "unknown"))));
  EXPECT_FALSE(has_outdated(evaluate(dicom_record("DCMTK", "3.6.x"))));
  EXPECT_FALSE(has_outdated(evaluate(web_record("Orthanc"))));
  EXPECT_FALSE(has_outdated(evaluate(web_record("dcm4chee-arc"))));
  // A product with no row in the table.
  EXPECT_FALSE(has_outdated(evaluate(dicom_record("fo-dicom", "4.0.0"))));
}

TEST(OutdatedRule, OrthancVersionFromSystemAnswer) {
  const auto findings = evaluate(web_record("Orthanc 1.10.1"));
  const auto* f = outdated(findings);
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->evidence.find("Orthanc 1.10.1 (from GET /system)"), std::string::npos)
      << f->evidence;
  EXPECT_NE(f->evidence.find("CVE-2026-5445 (CVSS 9.1"), std::string::npos) << f->evidence;
  EXPECT_NE(f->evidence.find("CVE-2023-33466 (CVSS 8.8, fixed in 1.12.0)"), std::string::npos)
      << f->evidence;
  EXPECT_NE(f->evidence.find("confirm the patch level"), std::string::npos);
  EXPECT_NE(f->evidence.find("Debian's Orthanc 1.10.1 does for CVE-2023-33466"), std::string::npos)
      << f->evidence;
  const auto old_findings = evaluate(web_record("Orthanc 1.5.7"));
  const auto* old = outdated(old_findings);
  ASSERT_NE(old, nullptr);
  EXPECT_NE(old->evidence.find("CVE-2025-0896 (CVSS 9.8, fixed in 1.5.8)"), std::string::npos)
      << old->evidence;
}

TEST(OutdatedRule, SingleCveIsNamedWithoutAndMore) {
  const auto findings = evaluate(dicom_record("Conquest", "1.4.19b"));
  const auto* f = outdated(findings);
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->evidence.find("1 known vulnerability: CVE-2020-35308 (fixed in 1.5.0)"),
            std::string::npos)
      << f->evidence;
  EXPECT_EQ(f->evidence.find(" more"), std::string::npos) << f->evidence;
  EXPECT_NE(f->evidence.find("without changing the version (as Debian's DCMTK 3.6.7 does)"),
            std::string::npos)
      << f->evidence;
}

TEST(OutdatedRule, RejectedAssociationStillReportsAKnownVersion) {
  auto r = dicom_record("DCMTK", "3.6.2");
  r.association->result = record::AssociationResult::Rejected;
  const auto findings = evaluate(r);
  const auto* f = outdated(findings);
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->evidence.find("DCMTK 3.6.2"), std::string::npos) << f->evidence;
  const auto rows = vulnerabilities_fixed_after("DCMTK", *parse_version("3.6.2"));
  EXPECT_TRUE(std::any_of(rows.begin(), rows.end(), [](const auto* v) {
    return v->cve == "CVE-2022-2119";
  })) << "3.6.2 predates the 3.6.7 fixes";
}

}  // namespace
}  // namespace dicomsec::findings
