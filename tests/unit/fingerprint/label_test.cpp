// A peer that names itself but matches no row: `unknown ("<name>")`, escaped and capped, in
// the record (report::to_json) and in the label every summary prints (issue 12 §2).
#include <gtest/gtest.h>

#include <string>

#include "fingerprint/fingerprint.hpp"
#include "report/json.hpp"
#include "report/json_parts.hpp"

namespace dicomsec::fingerprint {
namespace {

Observation named(std::string name) {
  Observation o;
  o.implementation_class_uid = "1.2.3.4.5";  // not in the catalogue, not a vendor root
  o.implementation_version_name = std::move(name);
  return o;
}

bool printable_ascii(const std::string& s) {
  for (const char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) return false;
  return true;
}

TEST(fingerprint_ShownVersionName, KeepsPlainNamesAsTheyAre) {
  EXPECT_EQ(shown_version_name("ACME_PACS_2"), "ACME_PACS_2");
  EXPECT_EQ(shown_version_name("MR_VB19A  "), "MR_VB19A");  // SH padding is not part of it
  EXPECT_EQ(shown_version_name(std::string("X\0", 2)), "X");
}

TEST(fingerprint_ShownVersionName, EscapesQuotesBackslashesAndControlBytes) {
  EXPECT_EQ(shown_version_name("a\"b"), "a\\\"b");
  EXPECT_EQ(shown_version_name("a\\b"), "a\\\\b");
  EXPECT_EQ(shown_version_name("a\nb\rc\td"), "a\\x0Ab\\x0Dc\\x09d");
  EXPECT_EQ(shown_version_name("\x1b[31mred"), "\\x1B[31mred");  // no terminal escapes
  EXPECT_EQ(shown_version_name("\x7f\xc3\xa9"), "\\x7F\\xC3\\xA9");
  EXPECT_EQ(shown_version_name(std::string("a\0b", 3)), "a\\x00b");  // inner NUL is not padding
}

TEST(fingerprint_ShownVersionName, CapsLongNames) {
  const std::string name64(64, 'N');
  const auto shown = shown_version_name(name64);
  EXPECT_EQ(shown, std::string(kMaxShownVersionName, 'N') + "...");
  // The worst case (every byte escaped) stays bounded too.
  const auto hostile = shown_version_name(std::string(64, '\x01'));
  EXPECT_EQ(hostile.size(), kMaxShownVersionName * 4 + 3);
  EXPECT_TRUE(printable_ascii(hostile));
}

TEST(fingerprint_ProductLabel, NamesVersionsAndUnknowns) {
  EXPECT_EQ(product_label("DCMTK", std::string("3.6.7"), std::nullopt), "DCMTK 3.6.7");
  EXPECT_EQ(product_label("Conquest", std::nullopt, std::string("1.5.0/WIN32")), "Conquest");
  EXPECT_EQ(product_label("unknown", std::nullopt, std::string("ACME")), "unknown (\"ACME\")");
  EXPECT_EQ(product_label("unknown", std::nullopt, std::nullopt), "unknown");
}

TEST(fingerprint_IdentifyOrUnknown, UnmatchedNameBecomesUnknownWithTheName) {
  const auto p = identify_or_unknown(named("ACME_PACS_2"));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "unknown");
  EXPECT_EQ(p->confidence, "none");
  EXPECT_EQ(p->version_name, "ACME_PACS_2");
  EXPECT_FALSE(p->version);
  EXPECT_EQ(product_label(p->name, p->version, p->version_name), "unknown (\"ACME_PACS_2\")");
}

TEST(fingerprint_IdentifyOrUnknown, NothingToSayStaysNothing) {
  Observation none;
  EXPECT_FALSE(identify_or_unknown(none));
  EXPECT_FALSE(identify_or_unknown(named("   ")));
  Observation uid_only;
  uid_only.implementation_class_uid = "1.2.3.4.5";
  EXPECT_FALSE(identify_or_unknown(uid_only));
}

TEST(fingerprint_IdentifyOrUnknown, MatchedProductsKeepTheirNameAndCarryTheVersionName) {
  Observation o;
  o.implementation_class_uid = "1.2.276.0.7230010.3.0.3.6.7";
  o.implementation_version_name = "OFFIS_DCMTK_367";
  const auto p = identify_or_unknown(o);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "DCMTK");
  EXPECT_EQ(p->version_name, "OFFIS_DCMTK_367");
  EXPECT_EQ(product_label(p->name, p->version, p->version_name), "DCMTK 3.6.7");
}

TEST(fingerprint_IdentifyOrUnknown, HostileNamesAreEscapedAndCapped) {
  const std::string hostile = "\"); DROP\x07\x1b]0;pwned\x07\n<script>" + std::string(40, 'Z');
  ASSERT_GE(hostile.size(), 64U);
  const auto p = identify_or_unknown(named(hostile));
  ASSERT_TRUE(p && p->version_name);
  const auto label = product_label(p->name, p->version, p->version_name);
  EXPECT_TRUE(printable_ascii(label)) << label;
  EXPECT_EQ(label.rfind("unknown (\"\\\"); DROP\\x07\\x1B]0;pwned\\x07\\x0A<script>", 0), 0U)
      << label;
  EXPECT_EQ(label.substr(label.size() - 5), "...\")");
  // The only unescaped quotes are the two the label adds.
  std::size_t bare_quotes = 0;
  for (std::size_t i = 0; i < label.size(); ++i)
    if (label[i] == '"' && (i == 0 || label[i - 1] != '\\')) ++bare_quotes;
  EXPECT_EQ(bare_quotes, 2U) << label;
}

TEST(fingerprint_IdentifyOrUnknown, RecordAndSummaryLabelShowTheName) {
  record::ScanRecord r;
  r.ip = "127.0.0.1";
  r.port = 104;
  r.dicom = true;
  const auto p = identify_or_unknown(named("Evil \"PACS\"\x01"));
  ASSERT_TRUE(p);
  r.product = record::ProductRecord{p->name,       p->version, p->toolkit,   p->confidence,
                                    p->matched_by, p->vendor,  std::nullopt, p->version_name};
  const auto j = report::to_json(r);
  EXPECT_EQ(j["product"]["name"], "unknown");
  EXPECT_EQ(j["product"]["confidence"], "none");
  EXPECT_EQ(j["product"]["version_name"], "Evil \\\"PACS\\\"\\x01");
  EXPECT_EQ(report::product_label(j), "unknown (\"Evil \\\"PACS\\\"\\x01\")");

  record::ScanRecord none = r;
  none.product.reset();
  EXPECT_EQ(report::product_label(report::to_json(none)), "");
}

}  // namespace
}  // namespace dicomsec::fingerprint
