// Golden tests: the fixed records of fixtures.cpp rendered in every format must equal the
// files in tests/data/golden byte for byte. To accept a deliberate change, run the test with
// DICOMSEC_UPDATE_GOLDEN=1 and review the diff of tests/data/golden.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fixtures.hpp"

namespace dicomsec::report {
namespace {

const std::string kGoldenDir = std::string(DICOMSEC_SOURCE_DIR) + "/tests/data/golden/";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void check_golden(const std::string& name, const std::string& actual) {
  const auto path = kGoldenDir + name;
  if (const char* update = std::getenv("DICOMSEC_UPDATE_GOLDEN"); update && *update == '1') {
    // Write, then compare as usual (it now matches): an update run passes, never skips.
    std::ofstream(path, std::ios::binary) << actual;
    std::printf("wrote %s\n", path.c_str());
  }
  // Keep what we made in the build tree, for a diff when it does not match.
  const auto actual_dir = std::filesystem::path(DICOMSEC_TEST_OUTPUT_DIR) / "golden-actual";
  std::filesystem::create_directories(actual_dir);
  std::ofstream(actual_dir / name, std::ios::binary) << actual;
  ASSERT_TRUE(std::ifstream(path).good()) << path << " is missing: run with DICOMSEC_UPDATE_GOLDEN=1";
  const auto expected = read_file(path);
  EXPECT_TRUE(expected == actual) << name << " differs from " << path << "; the output is "
                                  << (actual_dir / name).string()
                                  << " (diff them; DICOMSEC_UPDATE_GOLDEN=1 accepts it)";
}

struct Case {
  Format format;
  const char* extension;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.extension; }

class Golden : public ::testing::TestWithParam<Case> {};

TEST_P(Golden, FixtureRecords) {
  const auto c = GetParam();
  check_golden(std::string("scan.") + c.extension,
               testing::render(c.format, testing::fixture_records(), testing::fixture_meta()));
}

TEST_P(Golden, NoRecords) {
  const auto c = GetParam();
  auto meta = testing::fixture_meta();
  meta.pairs_done = 12;
  meta.interrupted = true;
  check_golden(std::string("empty.") + c.extension, testing::render(c.format, {}, meta));
}

INSTANTIATE_TEST_SUITE_P(Formats, Golden,
                         ::testing::Values(Case{Format::Jsonl, "jsonl"}, Case{Format::Csv, "csv"},
                                           Case{Format::Sarif, "sarif"}, Case{Format::Html, "html"}),
                         [](const auto& info) { return std::string(info.param.extension); });

TEST(Formats, NamesRoundTrip) {
  for (auto f : {Format::Jsonl, Format::Csv, Format::Sarif, Format::Html})
    EXPECT_EQ(parse_format(format_name(f)), f);
  EXPECT_FALSE(parse_format("xml"));
  EXPECT_FALSE(parse_format("JSONL"));
}

// The same record gives the same JSONL line whether it was written live or re-rendered from
// a stored line (dicomsec report): the store keeps to_json's object.
TEST(Jsonl, ReRenderIsIdentity) {
  const auto records = testing::fixture_records();
  const auto first = testing::render(Format::Jsonl, records, testing::fixture_meta());
  std::vector<nlohmann::json> parsed;
  std::istringstream lines(first);
  for (std::string line; std::getline(lines, line);) parsed.push_back(nlohmann::json::parse(line));
  EXPECT_EQ(testing::render(Format::Jsonl, parsed, testing::fixture_meta()), first);
  EXPECT_EQ(testing::render(Format::Html, parsed, testing::fixture_meta()),
            testing::render(Format::Html, records, testing::fixture_meta()));
}

TEST(Html, SelfContainedAndEscaped) {
  const auto page = testing::render(Format::Html, testing::fixture_records(), testing::fixture_meta());
  for (const char* forbidden : {"<script", "<link", "<img", "src=\"", "href=\"http", "url(", "@import",
                                "<iframe", "<object"})
    EXPECT_EQ(page.find(forbidden), std::string::npos) << forbidden;
  EXPECT_NE(page.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(page.find("Evil &quot;PACS&quot;"), std::string::npos);
}

TEST(Sarif, EveryResultPointsAtItsRule) {
  const auto log = nlohmann::json::parse(
      testing::render(Format::Sarif, testing::fixture_records(), testing::fixture_meta()));
  const auto& run = log["runs"][0];
  const auto& rules = run["tool"]["driver"]["rules"];
  std::size_t findings = 0;
  for (const auto& r : testing::fixture_records()) findings += r["findings"].size();
  ASSERT_EQ(run["results"].size(), findings);
  for (const auto& result : run["results"]) {
    const auto index = result["ruleIndex"].get<std::size_t>();
    ASSERT_LT(index, rules.size());
    EXPECT_EQ(rules[index]["id"], result["ruleId"]);
  }
  EXPECT_EQ(run["invocations"][0]["startTimeUtc"], "2026-11-25T21:00:00Z");
}

}  // namespace
}  // namespace dicomsec::report
