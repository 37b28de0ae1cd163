#include "probes/dicom_ul/identify.hpp"

#include <gtest/gtest.h>

#include "dicom/uids.hpp"

namespace dicomsec::probes {
namespace {

record::ScanRecord dcmtk_record(std::vector<std::string_view> accepted) {
  record::ScanRecord r;
  r.dicom = true;
  record::AssociationRecord a;
  a.result = record::AssociationResult::Accepted;
  a.implementation_class_uid = "1.2.276.0.7230010.3.0.3.6.7";
  a.implementation_version_name = "OFFIS_DCMTK_367";
  for (auto uid : accepted) a.accepted_contexts.push_back({std::string(uid), "1.2.840.10008.1.2"});
  r.association = a;
  return r;
}

constexpr std::string_view kCt = "1.2.840.10008.5.1.4.1.1.2";
constexpr std::string_view kCommit = "1.2.840.10008.1.20.1";

TEST(IdentifyProduct, StorescpPattern) {
  auto r = dcmtk_record({dicom::uid::kVerification, kCt});
  identify_product(r);
  ASSERT_TRUE(r.product);
  EXPECT_EQ(r.product->name, "DCMTK");
  EXPECT_EQ(r.product->version, "3.6.7");
  EXPECT_EQ(r.product->application, "storescp");
}

TEST(IdentifyProduct, DcmqrscpListsStorageFirst) {
  auto r = dcmtk_record({kCt, dicom::uid::kVerification, dicom::uid::kStudyRootFind});
  identify_product(r);
  ASSERT_TRUE(r.product);
  EXPECT_EQ(r.product->application, "dcmqrscp");
}

TEST(IdentifyProduct, OrthancPatternDropsTheToolkitVersion) {
  auto r = dcmtk_record({dicom::uid::kVerification, dicom::uid::kStudyRootFind, kCommit, kCt});
  identify_product(r);
  ASSERT_TRUE(r.product);
  EXPECT_EQ(r.product->name, "Orthanc");
  EXPECT_FALSE(r.product->version) << "3.6.7 is DCMTK's version, not Orthanc's";
  EXPECT_EQ(r.product->confidence, "medium");
}

TEST(IdentifyProduct, NothingForNonDicom) {
  record::ScanRecord r;
  identify_product(r);
  EXPECT_FALSE(r.product);
}

}  // namespace
}  // namespace dicomsec::probes
