// Issue 13 §1: the JSON summary (--summary-json) says what the terminal, HTML and SARIF say.
#include "report/summary.hpp"

#include <gtest/gtest.h>

#include "fixtures.hpp"
#include "record/record.hpp"

namespace dicomsec::report {
namespace {

TEST(RunSummary, StatesAndWordsAreCoverages) {
  auto meta = testing::fixture_meta();
  meta.level = "safe";
  const auto records = testing::fixture_records();
  RunSummary s;
  for (const auto& r : records) s.add(r);
  const auto j = s.to_json(meta);
  EXPECT_EQ(j["type"], "summary");
  EXPECT_FALSE(j.contains("ip")) << "a consumer tells the summary from a record by its type";
  const auto cov = coverage(records, meta);
  ASSERT_EQ(j["checklist"].size(), cov.items.size());
  for (std::size_t i = 0; i < cov.items.size(); ++i) {
    const auto& item = j["checklist"][i];
    EXPECT_EQ(item["item"], cov.items[i].id);
    EXPECT_EQ(item["state"], check_state_name(cov.items[i].state));
    EXPECT_EQ(item["label"], check_state_label(cov.items[i].state));
    EXPECT_EQ(item["findings"], cov.items[i].findings);
    EXPECT_EQ(item["checked_by"].is_string(), cov.items[i].state == CheckState::NotAtLevel);
    EXPECT_EQ(item["what_would_measure"].is_string(),
              cov.items[i].state == CheckState::NotMeasured);
    EXPECT_TRUE(item["title"].is_string());
  }
  EXPECT_EQ(j["coverage"]["headline"], cov.headline());
  std::size_t findings = 0, open = 0;
  for (const auto& r : records) {
    findings += r["findings"].size();
    const auto st = r.value("status", std::string());
    open += st != "connection-refused" && st != "connection-timeout" && st != "unreachable";
  }
  std::size_t counted = 0;
  for (const auto& [sev, n] : j["findings"].items()) counted += n.get<std::size_t>();
  EXPECT_EQ(counted, findings);
  EXPECT_EQ(j["reachable"], open);
  EXPECT_EQ(j["records"], records.size());
}

TEST(RunSummary, NothingReachableIsNoCoverage) {
  auto meta = testing::fixture_meta();
  const auto j = RunSummary{}.to_json(meta);
  EXPECT_FALSE(j["coverage"]["covered"]);
  for (const auto& item : j["checklist"]) EXPECT_NE(item["state"], "ok") << item.dump();
}

}  // namespace
}  // namespace dicomsec::report

namespace dicomsec::report {
namespace {

// An aborted record was made afresh after the probe was cut off: it does not claim the port
// is open, so an aborted-only run has no coverage and nothing reachable.
TEST(RunSummary, AbortedIsNotOpen) {
  EXPECT_FALSE(record::port_open(record::Status::Aborted));
  EXPECT_FALSE(record::port_open("aborted"));
  EXPECT_FALSE(record::port_open("local-error"));
  EXPECT_FALSE(record::port_open(""));
  EXPECT_TRUE(record::port_open("io-timeout"));
  RunSummary s;
  s.add({{"ip", "127.0.0.1"},
         {"port", 104},
         {"status", "aborted"},
         {"findings", nlohmann::json::array()}});
  const auto j = s.to_json(testing::fixture_meta());
  EXPECT_EQ(j["records"], 1);
  EXPECT_EQ(j["reachable"], 0);
  EXPECT_FALSE(j["coverage"]["covered"]);
}

}  // namespace
}  // namespace dicomsec::report
