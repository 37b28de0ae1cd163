// identify(): one case per catalogue row, the disagreement rules, and hostile input.
#include "fingerprint/fingerprint.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "fingerprint/rules.hpp"

namespace dicomsec::fingerprint {
namespace {

struct RowCase {
  const char* uid;   // nullptr: absent
  const char* name;  // nullptr: absent
  const char* product;
  const char* version;  // nullptr: no version expected
  const char* confidence;
};

Observation obs(const char* uid, const char* name) {
  Observation o;
  if (uid != nullptr) o.implementation_class_uid = uid;
  if (name != nullptr) o.implementation_version_name = name;
  return o;
}

// At least one case per catalogue row (CoversEveryRow checks that).
const std::vector<RowCase> kRowCases = {
    {"1.2.276.0.7230010.3.0.3.6.7", "OFFIS_DCMTK_367", "DCMTK", "3.6.7", "high"},
    {"1.2.276.0.7238010.5.0.3.5.4", "OSIRIX", "Horos/OsiriX", nullptr, "high"},
    {"1.2.40.0.13.1.3", "dcm4che-5.29.2", "dcm4che", "5.29.2", "high"},
    {"1.2.40.0.13.1.1", "dcm4che-2.0", "dcm4che", "2.0", "high"},
    {"1.2.40.0.13.1.1.1", nullptr, "dcm4che", nullptr, "medium"},
    {"1.3.6.1.4.1.30071.8", "fo-dicom 5.1.2", "fo-dicom", "5.1.2", "high"},
    {"1.2.826.0.1.3680043.9.3811.3.0.4", "PYNETDICOM_304", "pynetdicom", "3.0.4", "high"},
    {"1.2.826.0.1.3680043.9.3811.0.9.1", "PYNETDICOM3_091", "pynetdicom", "0.9.1", "high"},
    {"1.2.826.0.1.3680043.2.1143.107.104.103.115.2.8.4", "GDCM 2.8.4", "GDCM", "2.8.4", "high"},
    {"1.2.826.0.1.3680043.2.135.1066.101", "1.5.0/WIN32", "Conquest", "1.5.0", "high"},
    {"1.3.6.1.4.1.25403.1.1.1", "Dicom 0.1", "ClearCanvas", nullptr, "high"},
    {"1.2.826.0.1.3680043.9.7133.1.1", "GODICOM_1_1", "go-netdicom", nullptr, "high"},
    {"1.2.826.0.1.3680043.10.786.1.1", "GONETDICOM_1_1", "go-netdicom (kristianvalind fork)",
     nullptr, "high"},
    {"1.2.826.0.1.3680043.8.641", "RUBY-DCM_0.9.8", "ruby-dicom", "0.9.8", "high"},
    {"1.2.826.0.1.3680043.8.641", "RUBY_DICOM_0.7.7b", "ruby-dicom", "0.7.7b", "high"},
    {"1.2.826.0.1.3680043.8.641", "RB_DCMNET_0.6", "ruby-dicom", "0.6", "high"},
    {"1.2.826.0.1.3680043.2.1545.1.2.1.7", "DVT 2.1", "DVTk", nullptr, "high"},
    {"1.2.246.352.70.2.1.120.1", "MergeCOM3_410", "MergeCOM-3", "4.1.0", "medium"},
    {"2.25.1", "DICOM-rs 0.6", "dicom-rs", "0.6", "medium"},
    {"2.25.137038125948464847900039011591283709926", "DICOM-rs 0.3", "dicom-rs", "0.3", "high"},
    {"2.25.319987060362599024807367105075404354293", "DICOM-rs 0.5", "dicom-rs", "0.5", "high"},
    {"2.25.130984950029899771041107395941696826170", "DICOM-rs 0.6", "dicom-rs", "0.6", "high"},
    {"2.25.139623901558105915656014294038307328623", "DICOM-rs 0.7.2", "dicom-rs", "0.7.2", "high"},
    {"2.25.156227610253341005307660858504280353500", "DICOM-rs 0.8.0", "dicom-rs", "0.8.0", "high"},
    {"2.25.262086406829110419931297894772577063974", "DICOM-rs 0.8.1", "dicom-rs", "0.8.1", "high"},
    {"2.25.214312761802046835989399652652980912193", "DICOM-rs 0.9.0", "dicom-rs", "0.9.0", "high"},
    {"2.25.269557681719719925684832053554655571250", "DICOM-rs 0.9.1", "dicom-rs", "0.9.1", "high"},
    {"2.25.239162405814983375278132849753143205923", "DICOM-rs 0.10.0", "dicom-rs", "0.10.0",
     "high"},
    {"2.25.175220362680028036156011002668768058626", "DICOM-rs 0.10.0", "dicom-rs", "0.10.0",
     "high"},
};

class CatalogueRow : public ::testing::TestWithParam<RowCase> {};

TEST_P(CatalogueRow, IdentifiesProductAndVersion) {
  const RowCase& c = GetParam();
  auto p = identify(obs(c.uid, c.name));
  ASSERT_TRUE(p) << (c.uid ? c.uid : "-") << " / " << (c.name ? c.name : "-");
  EXPECT_EQ(p->name, c.product);
  if (c.version != nullptr) {
    EXPECT_EQ(p->version, std::optional<std::string>(c.version));
  } else {
    EXPECT_FALSE(p->version) << *p->version;
  }
  EXPECT_EQ(p->confidence, c.confidence) << p->matched_by;
  EXPECT_FALSE(p->matched_by.empty());
  EXPECT_FALSE(p->toolkit.empty());
}

INSTANTIATE_TEST_SUITE_P(fingerprint, CatalogueRow, ::testing::ValuesIn(kRowCases));

TEST(fingerprint_Catalogue, EveryRowHasSourceAndSomethingToMatch) {
  ASSERT_FALSE(catalogue().empty());
  for (const auto& e : catalogue()) {
    EXPECT_FALSE(e.product.empty());
    EXPECT_FALSE(e.source.empty()) << e.product;
    EXPECT_FALSE(e.uid_root.empty() && e.version_name_pattern.empty()) << e.product;
  }
}

// Every row is reached by a sample of its own: catalogue_rows_test.cpp.

TEST(fingerprint_Identify, DcmtkFromUidAloneAndNameAlone) {
  auto u = identify(obs("1.2.276.0.7230010.3.0.3.6.8", nullptr));
  ASSERT_TRUE(u);
  EXPECT_EQ(u->name, "DCMTK");
  EXPECT_EQ(u->version, "3.6.8");
  EXPECT_EQ(u->confidence, "medium");

  auto n = identify(obs(nullptr, "OFFIS_DCMTK_362"));  // nmap's request poses as this
  ASSERT_TRUE(n);
  EXPECT_EQ(n->name, "DCMTK");
  EXPECT_EQ(n->version, "3.6.2");
  EXPECT_EQ(n->confidence, "medium");
}

TEST(fingerprint_Identify, OrthancLooksLikeDcmtk) {
  // LAB: Orthanc links DCMTK without overriding the defaults; the lead detects Orthanc from
  // other signals, so the UID alone must say DCMTK.
  auto p = identify(obs("1.2.276.0.7230010.3.0.3.6.6", "OFFIS_DCMTK_366"));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "DCMTK");
  EXPECT_EQ(p->toolkit, "DCMTK");
}

TEST(fingerprint_Identify, UidRootNeedsComponentBoundary) {
  EXPECT_FALSE(identify(obs("1.2.40.0.131", nullptr)));
  EXPECT_FALSE(identify(obs("1.2.276.0.72300103.0.3.6.7", nullptr)));
  EXPECT_FALSE(identify(obs("1.2.276.0.7238010", nullptr)));  // Horos root is ...7238010.5
}

TEST(fingerprint_Identify, LongestRootWins) {
  auto p = identify(obs("1.2.40.0.13.1.1.1", "dcm4che-1.4.31"));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "dcm4che");
  EXPECT_NE(p->matched_by.find("1.2.40.0.13.1.1.1"), std::string::npos);
}

TEST(fingerprint_Identify, HorosUidWithDcmtkNameReportsHorosAtMedium) {
  auto p = identify(obs("1.2.276.0.7238010.5.0.3.5.4", "OFFIS_DCMTK_354"));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "Horos/OsiriX");
  EXPECT_EQ(p->toolkit, "DCMTK");
  EXPECT_EQ(p->confidence, "medium");
  EXPECT_NE(p->matched_by.find("more specific"), std::string::npos);
}

TEST(fingerprint_Identify, DcmtkUidWithOsirixNameReportsHorosAtMedium) {
  auto p = identify(obs("1.2.276.0.7230010.3.0.3.6.7", "OSIRIX"));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "Horos/OsiriX");
  EXPECT_EQ(p->confidence, "medium");
}

TEST(fingerprint_Identify, UnrelatedConflictReportsUidAtLow) {
  auto p = identify(obs("1.3.6.1.4.1.30071.8", "PYNETDICOM_304"));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "fo-dicom");
  EXPECT_EQ(p->confidence, "low");
  EXPECT_NE(p->matched_by.find("conflicts"), std::string::npos);
}

TEST(fingerprint_Identify, VersionDisagreementLowersConfidence) {
  auto p = identify(obs("1.2.276.0.7230010.3.0.3.6.7", "OFFIS_DCMTK_360"));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->version, "3.6.7");
  EXPECT_EQ(p->confidence, "medium");
}

TEST(fingerprint_Identify, PynetdicomVersionPrefersUid) {
  // 2.1.10 packs to "2110"; the UID keeps the components apart.
  auto p = identify(obs("1.2.826.0.1.3680043.9.3811.2.1.10", "PYNETDICOM_2110"));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->version, "2.1.10");
  EXPECT_EQ(p->confidence, "high");
}

TEST(fingerprint_Identify, VendorRootsFillVendor) {
  auto ge = identify(obs("1.2.840.113619.6.5", nullptr));
  ASSERT_TRUE(ge);
  EXPECT_EQ(ge->vendor, "GE HealthCare");
  EXPECT_EQ(ge->confidence, "low");

  auto merge = identify(obs("2.16.840.1.113669.2.1.1", "MergeCOM3_310"));
  ASSERT_TRUE(merge);
  EXPECT_EQ(merge->name, "MergeCOM-3");
  EXPECT_EQ(merge->version, "3.1.0");
  EXPECT_EQ(merge->vendor, "Merge Healthcare");

  auto siemens = identify(obs("1.3.12.2.1107.5.2", "MR_VB19A"));
  ASSERT_TRUE(siemens);
  EXPECT_EQ(siemens->vendor, "Siemens Healthineers");
  EXPECT_FALSE(identify(obs("1.3.12.2.11070", nullptr)));
}

TEST(fingerprint_Identify, GoNetdicomAcShape) {
  Observation o;
  o.max_pdu = 4U << 20U;
  auto p = identify(o);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "go-netdicom");
  EXPECT_EQ(p->confidence, "low");
  o.max_pdu = 16384;
  EXPECT_FALSE(identify(o));
}

TEST(fingerprint_Identify, EmptyIsAbsent) {
  EXPECT_FALSE(identify(obs("", "")));
  EXPECT_FALSE(identify(obs(nullptr, nullptr)));
  Observation padded;
  padded.implementation_class_uid = std::string("\0\0", 2);
  padded.implementation_version_name = "  ";
  EXPECT_FALSE(identify(padded));
  auto p = identify(obs("", "OFFIS_DCMTK_367"));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->matched_by.find("UID"), std::string::npos);  // nothing said about the empty UID
}

TEST(fingerprint_Identify, PaddingIsIgnored) {
  Observation o;
  o.implementation_class_uid = std::string("1.2.276.0.7230010.3.0.3.6.7\0", 28);
  o.implementation_version_name = "OFFIS_DCMTK_367 ";
  auto p = identify(o);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->confidence, "high");
}

TEST(fingerprint_Identify, HostileInputNeverEchoedOrCrashes) {
  const std::string junk = "\xff\xfe\x01<script>" + std::string(300, 'A');
  EXPECT_FALSE(identify(obs(junk.c_str(), junk.c_str())));

  std::string long_uid = "1.2.276.0.7230010.3.0." + std::string(200, '9');
  auto p = identify(obs(long_uid.c_str(), nullptr));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "DCMTK");
  EXPECT_FALSE(p->version);  // absurd version not reported

  std::string evil_name = "fo-dicom 1.2.3\xc3\xa9";
  Observation o = obs("1.3.6.1.4.1.30071.8", evil_name.c_str());
  auto q = identify(o);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->confidence, "medium");  // name does not fit the pattern
  EXPECT_EQ(q->matched_by.find('\xc3'), std::string::npos);
}

}  // namespace
}  // namespace dicomsec::fingerprint
