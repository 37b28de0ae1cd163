// Table-driven over the catalogue itself: every row gets a sample built from its own UID root
// and name pattern, and that sample must rest on that row and no other (issue 12 §2).
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "fingerprint/fingerprint.hpp"
#include "fingerprint/rules.hpp"

namespace dicomsec::fingerprint {
namespace {

using detail::Rule;

// What a peer built on this row would send: the root (plus version components where the UID
// carries them) and the pattern with its placeholder and tail filled in.
std::pair<std::string, std::string> sample_of(const Rule& r) {
  std::string uid(r.entry.uid_root);
  if (!uid.empty() && r.uid_version == detail::UidVersion::AfterRoot) {
    if (!r.uid_infix.empty()) uid += "." + std::string(r.uid_infix);
    uid += ".7.1.2";
  }
  std::string name(r.entry.version_name_pattern);
  if (const auto p = name.find("{digits}"); p != std::string::npos) name.replace(p, 8, "712");
  if (const auto p = name.find("{ver}"); p != std::string::npos) name.replace(p, 5, "7.1.2");
  if (!name.empty() && name.back() == '*') name.replace(name.size() - 1, 1, "/x");
  return {uid, name};
}

std::string describe(const Rule& r) {
  return std::string(r.entry.product) + " [" + std::string(r.entry.uid_root) + " | " +
         std::string(r.entry.version_name_pattern) + "]";
}

TEST(fingerprint_CatalogueRows, AtLeastSixtyRowsEachWithASource) {
  EXPECT_GE(catalogue().size(), 60U);
  EXPECT_EQ(catalogue().size(), detail::rules().size());
  for (const auto& e : catalogue()) EXPECT_FALSE(e.source.empty()) << e.product;
}

TEST(fingerprint_CatalogueRows, NoTwoRowsAreTheSame) {
  std::set<std::pair<std::string_view, std::string_view>> seen;
  for (const auto& r : detail::rules())
    EXPECT_TRUE(seen.insert({r.entry.uid_root, r.entry.version_name_pattern}).second)
        << describe(r);
}

TEST(fingerprint_CatalogueRows, EveryRowMatchesItsOwnSampleAndNoOtherRowDoes) {
  const auto rules = detail::rules();
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const auto [uid, name] = sample_of(rules[i]);
    const Rule* best = detail::best_rule(uid, name);
    ASSERT_NE(best, nullptr) << describe(rules[i]) << " sample " << uid << " / " << name;
    EXPECT_EQ(best, &rules[i]) << describe(rules[i]) << " sample " << uid << " / " << name
                               << " rests on " << describe(*best);
    // identify() names the row's product for the same sample.
    Observation o;
    if (!uid.empty()) o.implementation_class_uid = uid;
    if (!name.empty()) o.implementation_version_name = name;
    const auto p = identify(o);
    ASSERT_TRUE(p) << describe(rules[i]);
    EXPECT_EQ(p->name, rules[i].entry.product) << describe(rules[i]) << ": " << p->matched_by;
    if (rules[i].uid_version == detail::UidVersion::Fixed) {
      EXPECT_EQ(p->version, std::optional<std::string>(rules[i].fixed_version))
          << describe(rules[i]);
    }
    // No other row's sample rests on this row.
    for (std::size_t j = 0; j < rules.size(); ++j) {
      if (j == i) continue;
      const auto [other_uid, other_name] = sample_of(rules[j]);
      EXPECT_NE(detail::best_rule(other_uid, other_name), &rules[i])
          << describe(rules[j]) << "'s sample rests on " << describe(rules[i]);
    }
  }
}

// Real values, read from the sources, for the rows added in issue 12.
struct Seen {
  const char* uid;
  const char* name;
  const char* product;
  const char* version;  // nullptr: none expected
};

class AddedRow : public ::testing::TestWithParam<Seen> {};

TEST_P(AddedRow, Identified) {
  const Seen& c = GetParam();
  Observation o;
  if (c.uid != nullptr) o.implementation_class_uid = c.uid;
  if (c.name != nullptr) o.implementation_version_name = c.name;
  const auto p = identify(o);
  ASSERT_TRUE(p) << (c.uid ? c.uid : "-") << " / " << (c.name ? c.name : "-");
  EXPECT_EQ(p->name, c.product);
  EXPECT_EQ(p->version, c.version ? std::optional<std::string>(c.version) : std::nullopt);
  if (c.uid != nullptr && c.name != nullptr) {
    EXPECT_EQ(p->confidence, "high") << p->matched_by;
  }
}

INSTANTIATE_TEST_SUITE_P(
    fingerprint, AddedRow,
    ::testing::Values(
        Seen{"1.2.826.0.1.3680043.8.498.1", "PYDICOM 2.4.4", "pydicom", "2.4.4"},
        Seen{"1.2.826.0.1.3680043.10.854", "DCMJS-DIMSE-V0.1", "dcmjs-dimse", nullptr},
        Seen{"1.3.6.1.4.1.41293.8", "DCMJS-DIMSE-V0.1", "dcmjs-dimse", nullptr},
        Seen{"1.3.6.1.4.1.30071.6", "Dicom 0.9", "mDCM", nullptr},
        Seen{"1.2.826.0.1.3680043.9.5560.0.0", "Odil 0", "Odil", "0"},
        Seen{"1.3.6.1.4.1.5962.99.2", "PIXELMEDJAVA001", "PixelMed", nullptr},
        Seen{"1.3.6.1.4.1.54308.2.1.1.4", "Imebra 4", "Imebra", "4"},
        Seen{"2.25.329800735698586629295641978511506172928", "SharpDicom", "SharpDicom", nullptr},
        Seen{"1.2.826.0.1.3680043.2.22014.1", "KPACS", "K-PACS", nullptr},
        Seen{"1.2.598.0.1.2851334.2.1865.1", nullptr, "Evil DICOM", nullptr},
        Seen{"1.2.840.0.1.3680045.8.641", "OHIF-DCM-0.1", "dicom-dimse (OHIF)", "0.1"},
        Seen{"1.2.276.0.808080.8080.1.2.3", "DCMSWIFT 1.0", "DcmSwift", "1.0"},
        Seen{"1.2.276.0.7230010.3.0.3.6.9", "OFFIS_DCMTK_369", "DCMTK", "3.6.9"},
        Seen{"1.2.276.0.7230010.3.0.3.7.0", "OFFIS_DCMTK_370", "DCMTK", "3.7.0"},
        Seen{"1.2.826.0.1.3680043.9.3811.1.5.7", "PYNETDICOM_157", "pynetdicom", "1.5.7"},
        Seen{"1.2.826.0.1.3680043.9.3811.2.0.2", "PYNETDICOM_202", "pynetdicom", "2.0.2"},
        // A version no release row knows still reads through the generic rows.
        Seen{"1.2.276.0.7230010.3.0.3.6.10", "OFFIS_DCMTK_3610", "DCMTK", "3.6.10"}));

TEST(fingerprint_CatalogueRows, GodcmOnDcmtksRootIsTheMoreSpecificAnswer) {
  Observation o;
  o.implementation_class_uid = "1.2.276.0.7230010.3.0.3.6.7";
  o.implementation_version_name = "OFFIS_DCMTK_GODCM";
  const auto p = identify(o);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "godcm");
  EXPECT_EQ(p->toolkit, "DCMTK");
  EXPECT_EQ(p->confidence, "medium");
}

}  // namespace
}  // namespace dicomsec::fingerprint
