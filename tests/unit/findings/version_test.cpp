// Version parsing and ordering for DICOM-OUTDATED: a wrong "older than" is a false finding
// or a missed one, so every shape of version string we meet is pinned here.
#include "findings/version.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dicomsec::findings {
namespace {

Version v(std::string_view s) {
  auto parsed = parse_version(s);
  EXPECT_TRUE(parsed.has_value()) << "should parse: '" << s << "'";
  return parsed.value_or(Version{});
}

int cmp(std::string_view a, std::string_view b) { return compare(v(a), v(b)); }

TEST(Version, ParsesDottedNumbers) {
  EXPECT_EQ(v("3.6.7").parts, (std::vector<std::uint32_t>{3, 6, 7}));
  EXPECT_EQ(v("1.12.10").parts, (std::vector<std::uint32_t>{1, 12, 10}));
  EXPECT_EQ(v("  v1.10.1 ").parts, (std::vector<std::uint32_t>{1, 10, 1}));
  EXPECT_EQ(v("5").parts, (std::vector<std::uint32_t>{5}));
  EXPECT_EQ(v("1.2.3.4.5.6").parts.size(), 6U);
  EXPECT_EQ(v("3.6.7").kind, Version::Kind::Release);
}

TEST(Version, ParsesSuffixes) {
  auto conquest = v("1.5.0c");
  EXPECT_EQ(conquest.kind, Version::Kind::PostLetter);
  EXPECT_EQ(conquest.letter, 'c');
  auto rc = v("2.0.0rc1");
  EXPECT_EQ(rc.kind, Version::Kind::PreRelease);
  EXPECT_EQ(rc.stage_number, 1U);
  EXPECT_EQ(v("5.1.2-beta.1").kind, Version::Kind::PreRelease);
  EXPECT_EQ(v("5.1.2-BETA").kind, Version::Kind::PreRelease);
  EXPECT_EQ(v("1.0.0.rc1").kind, Version::Kind::PreRelease);
  EXPECT_EQ(v("2.0.0a1").kind, Version::Kind::PreRelease);
  EXPECT_EQ(v("3.6.9-dev").kind, Version::Kind::PreRelease);
  // Build metadata is not part of the order.
  auto dev = v("3.6.9+DEV");
  EXPECT_EQ(dev.kind, Version::Kind::Release);
  EXPECT_EQ(dev.parts, (std::vector<std::uint32_t>{3, 6, 9}));
}

TEST(Version, RejectsWhatIsNotAVersion) {
  for (std::string_view bad : {"",
                               " ",
                               "unknown",
                               "v",
                               "x3.6.7",
                               "3.6.x",
                               "3..6",
                               "3.6.",
                               ".3.6",
                               "3.6.7-",
                               "3.6.7-foo",
                               "1.5.0cc",
                               "1.5.0c1x",
                               "3.6.7+",
                               "3.6.7+a b",
                               "1234567890",
                               "1.2.3.4.5.6.7",
                               "3.6.7 extra",
                               "3,6,7",
                               "-1.0",
                               "1.0.0-rc1x",
                               "0123456789012345678901234567890123"})
    EXPECT_FALSE(parse_version(bad).has_value()) << "'" << bad << "' parsed";
}

TEST(Version, NumericNotLexicalOrder) {
  EXPECT_LT(cmp("3.6.7", "3.6.8"), 0);
  EXPECT_GT(cmp("3.6.10", "3.6.9"), 0);
  EXPECT_GT(cmp("1.12.0", "1.5.8"), 0);
  EXPECT_LT(cmp("1.10.1", "1.12.0"), 0);
  EXPECT_LT(cmp("1.12.10", "1.12.11"), 0);
  EXPECT_GT(cmp("3.7.0", "3.6.99"), 0);
}

TEST(Version, MissingPartsAreZero) {
  EXPECT_EQ(cmp("3.6", "3.6.0"), 0);
  EXPECT_EQ(cmp("3", "3.0.0.0"), 0);
  EXPECT_LT(cmp("3.6", "3.6.1"), 0);
}

TEST(Version, SuffixOrder) {
  EXPECT_LT(cmp("2.0.0rc1", "2.0.0"), 0);
  EXPECT_LT(cmp("2.0.0-dev", "2.0.0a1"), 0);
  EXPECT_LT(cmp("2.0.0a1", "2.0.0b1"), 0);
  EXPECT_LT(cmp("2.0.0b1", "2.0.0rc1"), 0);
  EXPECT_LT(cmp("2.0.0rc1", "2.0.0rc2"), 0);
  EXPECT_LT(cmp("1.5.0", "1.5.0c"), 0);
  EXPECT_LT(cmp("1.5.0b", "1.5.0c"), 0);
  EXPECT_LT(cmp("1.4.19b", "1.5.0"), 0);
  EXPECT_GT(cmp("2.0.0rc1", "1.9.9"), 0);  // numbers first
  EXPECT_EQ(cmp("3.6.9+DEV", "3.6.9"), 0);
}

TEST(Version, OrderIsConsistent) {
  // Ascending; every pair must compare as its positions do, both ways round.
  const std::vector<std::string_view> ascending{
      "1",        "1.0.1", "1.4.19", "1.4.19b", "1.5.0-dev", "1.5.0a1", "1.5.0b2",
      "1.5.0rc1", "1.5.0", "1.5.0c", "1.5.0d",  "1.5.1",     "1.10",    "1.12.0",
      "1.12.11",  "3.6.7", "3.6.8",  "3.6.10",  "3.7.0"};
  for (std::size_t i = 0; i < ascending.size(); ++i)
    for (std::size_t j = 0; j < ascending.size(); ++j) {
      const int expected = i < j ? -1 : (i > j ? 1 : 0);
      EXPECT_EQ(cmp(ascending[i], ascending[j]), expected)
          << ascending[i] << " vs " << ascending[j];
    }
}

TEST(Version, CanonicalText) {
  EXPECT_EQ(v("v3.6.7").str(), "3.6.7");
  EXPECT_EQ(v("1.5.0C").str(), "1.5.0c");
  EXPECT_EQ(v("2.0.0RC2").str(), "2.0.0-rc2");
  EXPECT_EQ(v("3.6.9+DEV").str(), "3.6.9");
}

}  // namespace
}  // namespace dicomsec::findings
