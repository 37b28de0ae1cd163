#include "dicom/dataset.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/version.hpp"
#include "dicom/identifiers.hpp"

namespace dicomsec::dicom {
namespace {

std::vector<ElementView> walk(const Bytes& data, VrEncoding e, std::string* error = nullptr,
                              ReaderLimits limits = {}) {
  DatasetReader r(data, e, limits);
  std::vector<ElementView> out;
  while (true) {
    auto st = r.next();
    if (st == DecodeStatus::Ready) {
      out.push_back(r.element());
      continue;
    }
    if (st == DecodeStatus::Error && error != nullptr) *error = r.error();
    if (st == DecodeStatus::Error && error == nullptr) ADD_FAILURE() << r.error();
    return out;
  }
}

std::string text(ByteView v) { return {v.begin(), v.end()}; }

class BothEncodings : public ::testing::TestWithParam<VrEncoding> {};

TEST_P(BothEncodings, WriterPadsAndReaderReadsBack) {
  DatasetWriter w(GetParam());
  w.text(tag::kQueryRetrieveLevel, "CS", "STUDY");
  w.text(tag::kPatientName, "PN", "ABC");  // odd: padded with a space
  w.text(tag::kStudyInstanceUid, "UI", "1.2.3");  // odd: padded with NUL
  w.us(tag::kRows, 512);
  const Bytes data = std::move(w).take();
  const auto els = walk(data, GetParam());
  ASSERT_EQ(els.size(), 4U);
  EXPECT_EQ(els[0].tag, tag::kQueryRetrieveLevel);
  EXPECT_EQ(text(els[0].value), "STUDY ");
  EXPECT_EQ(text(els[1].value), "ABC ");
  EXPECT_EQ(text(els[2].value), std::string("1.2.3\0", 6));
  ASSERT_EQ(els[3].value.size(), 2U);
  EXPECT_EQ(els[3].value[0] | (els[3].value[1] << 8), 512);
  if (GetParam() == VrEncoding::Explicit) {
    EXPECT_EQ(els[1].vr, "PN");
    EXPECT_EQ(els[3].vr, "US");
  } else {
    EXPECT_EQ(els[1].vr, "");
  }
  auto n = count_top_level(data, GetParam());
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 4U);
}

TEST_P(BothEncodings, TestObjectIsLabelledAndWellFormed) {
  std::mt19937_64 rng(7);
  const auto o = make_test_object(rng, "20261125");
  const auto data = test_object_data_set(o, GetParam());
  bool name = false, pixels = false, uid = false;
  for (const auto& e : walk(data, GetParam())) {
    if (e.tag == tag::kPatientName) name = text(e.value).starts_with(kTestPatientName);
    if (e.tag == tag::kPixelData) pixels = e.value.size() == 64;
    if (e.tag == tag::kSopInstanceUid) uid = text(e.value).starts_with(o.instance_uid);
  }
  EXPECT_TRUE(name);
  EXPECT_TRUE(pixels);
  EXPECT_TRUE(uid);
}

TEST_P(BothEncodings, IdentifiersUseUniversalMatching) {
  const auto id = find_identifier(QueryLevel::Patient, GetParam());
  const auto els = walk(id, GetParam());
  ASSERT_EQ(els.size(), 2U);
  EXPECT_EQ(text(els[0].value), "PATIENT ");
  EXPECT_EQ(els[1].tag, tag::kPatientId);
  EXPECT_TRUE(els[1].value.empty());
  const auto study = walk(find_identifier(QueryLevel::Study, GetParam()), GetParam());
  ASSERT_EQ(study.size(), 2U);
  EXPECT_EQ(study[1].tag, tag::kStudyInstanceUid);
}

INSTANTIATE_TEST_SUITE_P(Dataset, BothEncodings,
                         ::testing::Values(VrEncoding::Implicit, VrEncoding::Explicit));

TEST(Dataset, DerivedUidsStayUnderOurRootAndWithin64) {
  std::mt19937_64 rng(1);
  for (unsigned kind = 1; kind <= 4; ++kind)
    for (int i = 0; i < 200; ++i) {
      const auto uid = derived_uid(kind, rng);
      EXPECT_LE(uid.size(), 64U) << uid;
      EXPECT_TRUE(uid.starts_with(std::string(kImplementationClassUid) + ".")) << uid;
      EXPECT_EQ(uid.find(".0"), std::string::npos) << "no leading zero in a component: " << uid;
    }
}

TEST(Dataset, WriterRefusesTagsOutOfOrder) {
  DatasetWriter w(VrEncoding::Implicit);
  w.text(tag::kPatientName, "PN", "A");
  EXPECT_THROW(w.text(tag::kQueryRetrieveLevel, "CS", "STUDY"), std::logic_error);
}

// An implicit VR sequence of undefined length with one undefined-length item, and an
// explicit VR sequence of defined length with one defined-length item.
Bytes implicit_sequence() {
  return {0x08, 0x00, 0x15, 0x11, 0xFF, 0xFF, 0xFF, 0xFF,   // (0008,1115) SQ undefined
          0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF,   // item, undefined
          0x08, 0x00, 0x50, 0x11, 0x02, 0x00, 0x00, 0x00, '1', '2',  // (0008,1150)
          0xFE, 0xFF, 0x0D, 0xE0, 0x00, 0x00, 0x00, 0x00,   // item delimiter
          0xFE, 0xFF, 0xDD, 0xE0, 0x00, 0x00, 0x00, 0x00,   // sequence delimiter
          0x10, 0x00, 0x20, 0x00, 0x02, 0x00, 0x00, 0x00, 'I', 'D'};
}

TEST(Dataset, SequencesNestAndCountOnlyTopLevel) {
  const auto data = implicit_sequence();
  const auto els = walk(data, VrEncoding::Implicit);
  ASSERT_EQ(els.size(), 6U);
  EXPECT_EQ(els[2].depth, 1U);
  EXPECT_EQ(els[5].depth, 0U);
  EXPECT_EQ(*count_top_level(data, VrEncoding::Implicit), 2U);

  const Bytes explicit_sq{0x08, 0x00, 0x15, 0x11, 'S', 'Q', 0, 0, 18, 0, 0, 0,  // 18 bytes
                          0xFE, 0xFF, 0x00, 0xE0, 10, 0, 0, 0,                  // item of 10
                          0x08, 0x00, 0x50, 0x11, 'U', 'I', 2, 0, '1', 0};
  EXPECT_EQ(*count_top_level(explicit_sq, VrEncoding::Explicit), 1U);
}

TEST(Dataset, EveryTruncationIsAnErrorNeverACrash) {
  const auto data = implicit_sequence();
  for (std::size_t n = 1; n < data.size(); ++n) {
    const Bytes cut(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
    auto r = count_top_level(cut, VrEncoding::Implicit);
    if (n == 42) EXPECT_TRUE(r) << "cut exactly after the sequence";
    else EXPECT_FALSE(r) << "cut at " << n;
  }
}

TEST(Dataset, LimitsAndMalformedInput) {
  std::string error;
  // A value longer than the data.
  walk(Bytes{0x10, 0, 0x10, 0, 0xFF, 0, 0, 0, 'A', 'B'}, VrEncoding::Implicit, &error);
  EXPECT_NE(error.find("longer"), std::string::npos) << error;
  // Bad explicit VR.
  error.clear();
  walk(Bytes{0x10, 0, 0x10, 0, 'p', 'n', 0, 0}, VrEncoding::Explicit, &error);
  EXPECT_NE(error.find("VR"), std::string::npos) << error;
  // Too deep.
  Bytes deep;
  for (int i = 0; i < 20; ++i) {
    const Bytes sq{0x08, 0x00, 0x15, 0x11, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF};
    deep.insert(deep.end(), sq.begin(), sq.end());
  }
  error.clear();
  walk(deep, VrEncoding::Implicit, &error);
  EXPECT_NE(error.find("deep"), std::string::npos) << error;
  // Too many elements.
  DatasetWriter w(VrEncoding::Implicit);
  for (std::uint16_t e = 1; e <= 20; ++e) w.text(Tag{0x0009, e}, "LO", "x");
  ReaderLimits small;
  small.max_elements = 10;
  EXPECT_FALSE(count_top_level(w.bytes(), VrEncoding::Implicit, small));
  // Delimiters where none is open.
  EXPECT_FALSE(count_top_level(Bytes{0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0}, VrEncoding::Implicit));
  EXPECT_FALSE(count_top_level(Bytes{0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0}, VrEncoding::Implicit));
  // Empty data set: zero elements.
  EXPECT_EQ(*count_top_level(Bytes{}, VrEncoding::Explicit), 0U);
}

}  // namespace
}  // namespace dicomsec::dicom
