// Matching primitives: component-boundary UID roots, version-name patterns, versions.
#include <gtest/gtest.h>

#include "fingerprint/rules.hpp"

namespace dicomsec::fingerprint::detail {
namespace {

TEST(fingerprint_UidHasRoot, MatchesOnlyAtComponentBoundary) {
  EXPECT_TRUE(uid_has_root("1.2.40.0.13.1", "1.2.40.0.13.1"));
  EXPECT_TRUE(uid_has_root("1.2.40.0.13.1.3", "1.2.40.0.13.1"));
  EXPECT_FALSE(uid_has_root("1.2.40.0.131", "1.2.40.0.13.1"));
  EXPECT_FALSE(uid_has_root("1.2.40.0.13", "1.2.40.0.13.1"));
  EXPECT_FALSE(uid_has_root("1.2.40.0.13.1", ""));
  EXPECT_FALSE(uid_has_root("", "1.2"));
}

TEST(fingerprint_UnpackDigits, PackedVersionNumbers) {
  EXPECT_EQ(unpack_digits("367"), "3.6.7");
  EXPECT_EQ(unpack_digits("354"), "3.5.4");
  EXPECT_EQ(unpack_digits("3610"), "3.6.10");
  EXPECT_EQ(unpack_digits("091"), "0.9.1");
  EXPECT_EQ(unpack_digits("36"), "3.6");
  EXPECT_EQ(unpack_digits("5"), "5");
  EXPECT_FALSE(unpack_digits(""));
  EXPECT_FALSE(unpack_digits("3a7"));
  EXPECT_FALSE(unpack_digits("123456789"));
}

TEST(fingerprint_UidVersionAfter, ReadsNumericComponents) {
  EXPECT_EQ(uid_version_after("1.2.276.0.7230010.3.0.3.6.7", "1.2.276.0.7230010.3", "0"), "3.6.7");
  EXPECT_EQ(uid_version_after("1.2.826.0.1.3680043.9.3811.2.0.2", "1.2.826.0.1.3680043.9.3811", ""),
            "2.0.2");
  EXPECT_FALSE(uid_version_after("1.2.276.0.7230010.3", "1.2.276.0.7230010.3", "0"));
  EXPECT_FALSE(uid_version_after("1.2.276.0.7230010.3.0", "1.2.276.0.7230010.3", "0"));
  EXPECT_FALSE(uid_version_after("1.2.276.0.7230010.3.1.4.5", "1.2.276.0.7230010.3", "0"));
  EXPECT_FALSE(uid_version_after("1.2.276.0.7230010.3.0.3..7", "1.2.276.0.7230010.3", "0"));
  EXPECT_FALSE(uid_version_after("1.2.276.0.7230010.3.0.3.6.", "1.2.276.0.7230010.3", "0"));
  EXPECT_FALSE(uid_version_after("1.2.276.0.7230010.3.0.3.x", "1.2.276.0.7230010.3", "0"));
}

TEST(fingerprint_MatchVersionName, PlaceholdersAndTails) {
  auto m = match_version_name("OFFIS_DCMTK_367", "OFFIS_DCMTK_{digits}", false);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->version, "3.6.7");
  EXPECT_EQ(m->literal_length, 12U);

  EXPECT_FALSE(match_version_name("OFFIS_DCMTK_", "OFFIS_DCMTK_{digits}", false));
  EXPECT_FALSE(match_version_name("OFFIS_DCMTK_367x", "OFFIS_DCMTK_{digits}", false));
  EXPECT_EQ(match_version_name("dcm4che-5.31.2-S", "dcm4che-{ver}*", false)->version, "5.31.2");
  EXPECT_EQ(match_version_name("dcm4che-2.0", "dcm4che-{ver}*", false)->version, "2.0");
  EXPECT_EQ(match_version_name("1.4.17d/WIN32", "{ver}/*", false)->version, "1.4.17d");
  EXPECT_FALSE(match_version_name("WIN32/1.5.0", "{ver}/*", false));
  EXPECT_FALSE(match_version_name("fo-dicom", "fo-dicom {ver}", false));
  EXPECT_TRUE(match_version_name("dvt2.1", "DVT*", true));
  EXPECT_FALSE(match_version_name("dvt2.1", "DVT*", false));
  EXPECT_TRUE(match_version_name("OSIRIX", "OSIRIX", false));
  EXPECT_FALSE(match_version_name("OSIRIX2", "OSIRIX", false));
  EXPECT_FALSE(match_version_name("anything", "", false));
}

TEST(fingerprint_TrimPadding, StripsNulAndSpace) {
  EXPECT_EQ(trim_padding(std::string_view("1.2.3\0", 6)), "1.2.3");
  EXPECT_EQ(trim_padding(" OFFIS_DCMTK_367 "), "OFFIS_DCMTK_367");
  EXPECT_EQ(trim_padding("   "), "");
}

}  // namespace
}  // namespace dicomsec::fingerprint::detail
