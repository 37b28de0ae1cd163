// The known-vulnerability table behind DICOM-OUTDATED: every row well-formed and sourced,
// and the look-up by product and observed version.
#include "findings/vulnerabilities.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "findings/catalogue.hpp"

namespace dicomsec::findings {
namespace {

TEST(VulnerabilityTable, EveryRowIsWellFormedAndSourced) {
  const std::regex cve(R"(^CVE-(19|20)\d{2}-\d{4,7}$)");
  std::set<std::pair<std::string, std::string>> seen;
  ASSERT_GE(known_vulnerabilities().size(), 30U);
  for (const auto& row : known_vulnerabilities()) {
    const std::string id(row.cve);
    SCOPED_TRACE(id);
    EXPECT_TRUE(std::regex_match(id, cve));
    EXPECT_FALSE(row.product.empty());
    const auto fixed = parse_version(row.fixed_in);
    ASSERT_TRUE(fixed.has_value()) << "fixed_in '" << row.fixed_in << "' does not parse";
    EXPECT_EQ(fixed->kind, Version::Kind::Release) << "fixed_in must be a plain release";
    EXPECT_GE(row.cvss, 0.0);
    EXPECT_LE(row.cvss, 10.0);
    EXPECT_FALSE(row.summary.empty());
    EXPECT_LE(row.summary.size(), 140U) << "one line";
    EXPECT_EQ(row.summary.find('\n'), std::string_view::npos);
    EXPECT_GE(row.source.size(), 10U);
    // A reader can open the record: every source starts with a public URL.
    EXPECT_EQ(row.source.substr(0, 8), "https://") << row.source;
    EXPECT_TRUE(seen.emplace(std::string(row.product), id).second) << "duplicate row";
  }
}

TEST(VulnerabilityTable, ProductsWithAdviceHaveOutdatedRemediation) {
  // Every product the catalogue gives concrete advice for, and the table names, has its
  // DICOM-OUTDATED row (others, such as GDCM, get the generic remediation).
  std::set<std::string_view> with_advice;
  for (const auto* r : remediations_for("DICOM-OUTDATED")) with_advice.insert(r->product);
  for (const auto& row : known_vulnerabilities()) {
    const bool known =
        std::find(kProducts.begin(), kProducts.end(), row.product) != kProducts.end();
    if (!known) continue;
    EXPECT_TRUE(with_advice.count(row.product)) << row.product << " has no DICOM-OUTDATED row";
  }
  for (std::string_view p : {"DCMTK", "Orthanc", "Conquest"})
    EXPECT_TRUE(with_advice.count(p)) << p;
}

TEST(VulnerabilityTable, NamesTheCvesTheBriefAskedToVerify) {
  std::set<std::string_view> ids;
  for (const auto& row : known_vulnerabilities()) ids.insert(row.cve);
  for (std::string_view id :
       {"CVE-2021-41687", "CVE-2021-41688", "CVE-2021-41689", "CVE-2021-41690", "CVE-2022-2119",
        "CVE-2022-2120", "CVE-2022-2121", "CVE-2022-43272", "CVE-2024-27628", "CVE-2024-28130",
        "CVE-2024-34508", "CVE-2024-34509", "CVE-2024-47796", "CVE-2024-52333", "CVE-2025-25472",
        "CVE-2025-25474", "CVE-2025-25475", "CVE-2023-33466", "CVE-2025-0896"})
    EXPECT_TRUE(ids.count(id)) << id;
  // CVE-2025-25473 is an FFmpeg bug, not DCMTK's: it must not be here.
  EXPECT_FALSE(ids.count("CVE-2025-25473"));
}

TEST(VulnerabilityLookup, Dcmtk367IsOlderThanLaterFixesOnly) {
  const auto rows = vulnerabilities_fixed_after("DCMTK", *parse_version("3.6.7"));
  std::set<std::string_view> ids;
  for (const auto* r : rows) ids.insert(r->cve);
  EXPECT_TRUE(ids.count("CVE-2022-43272"));  // fixed in 3.6.8
  EXPECT_TRUE(ids.count("CVE-2024-34508"));  // fixed in 3.6.9
  EXPECT_TRUE(ids.count("CVE-2026-50003"));  // fixed in 3.7.1
  EXPECT_FALSE(ids.count("CVE-2022-2119"));  // fixed in 3.6.7 itself
  EXPECT_FALSE(ids.count("CVE-2021-41687"));
  EXPECT_FALSE(ids.count("CVE-2023-33466"));  // Orthanc's, not DCMTK's
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows.front()->cve, "CVE-2026-50003");  // CVSS 9.8 first
  for (std::size_t i = 1; i < rows.size(); ++i)
    EXPECT_GE(rows[i - 1]->cvss, rows[i]->cvss) << "most severe first";
}

TEST(VulnerabilityLookup, ProductNameIsCaseInsensitive) {
  EXPECT_EQ(vulnerabilities_fixed_after("dcmtk", *parse_version("3.6.7")).size(),
            vulnerabilities_fixed_after("DCMTK", *parse_version("3.6.7")).size());
}

TEST(VulnerabilityLookup, NewerThanEveryFixOrUnknownProductGivesNothing) {
  EXPECT_TRUE(vulnerabilities_fixed_after("DCMTK", *parse_version("3.7.1")).empty());
  EXPECT_TRUE(vulnerabilities_fixed_after("DCMTK", *parse_version("3.8")).empty());
  EXPECT_TRUE(vulnerabilities_fixed_after("Orthanc", *parse_version("1.12.11")).empty());
  EXPECT_TRUE(vulnerabilities_fixed_after("Conquest", *parse_version("1.5.0c")).empty());
  EXPECT_TRUE(vulnerabilities_fixed_after("fo-dicom", *parse_version("1.0.0")).empty());
  EXPECT_TRUE(vulnerabilities_fixed_after("GDCM", *parse_version("3.0.24")).empty());
  EXPECT_EQ(vulnerabilities_fixed_after("GDCM", *parse_version("3.0.23")).size(), 3U);
}

TEST(VulnerabilityLookup, OrthancFromTheWebProbe) {
  const auto rows = vulnerabilities_fixed_after("Orthanc", *parse_version("1.10.1"));
  std::set<std::string_view> ids;
  for (const auto* r : rows) ids.insert(r->cve);
  EXPECT_TRUE(ids.count("CVE-2023-33466"));
  EXPECT_TRUE(ids.count("CVE-2026-5437"));
  EXPECT_FALSE(ids.count("CVE-2025-0896"));  // fixed in 1.5.8
  EXPECT_TRUE(vulnerabilities_fixed_after("Orthanc", *parse_version("1.5.7")).front()->cve ==
              std::string_view("CVE-2025-0896"));
}

TEST(VulnerabilityTable, DocumentedRowByRow) {
  // docs/vulnerabilities.md prints the table: every row appears there with its fixed-in release.
  std::ifstream in(DICOMSEC_VULNERABILITIES_MD);
  ASSERT_TRUE(in.good()) << DICOMSEC_VULNERABILITIES_MD;
  std::stringstream text;
  text << in.rdbuf();
  const auto doc = text.str();
  for (const auto& row : known_vulnerabilities()) {
    const auto line = "| " + std::string(row.product) + " | " + std::string(row.cve) + " | " +
                      std::string(row.fixed_in) + " |";
    EXPECT_NE(doc.find(line), std::string::npos) << "docs/vulnerabilities.md lacks: " << line;
  }
}

}  // namespace
}  // namespace dicomsec::findings
