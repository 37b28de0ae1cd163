// The run as a whole in one JSON object (issue 13 §1): what the terminal summary, the HTML
// page 1 and SARIF's run properties say, for scripts and dashboards that read JSON. Written by
// `--summary-json FILE` of scan, tls and report. Its "type":"summary" tells it apart from a
// scan record (records have no "type"; they are keyed by ip and port), so a consumer that
// concatenates it with the JSONL records can still tell which line is which.
// schemas/summary.schema.json holds its shape; docs/design.md "JSON summary" its contract.
#pragma once

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "report/coverage.hpp"
#include "report/sink.hpp"

namespace dicomsec::report {

inline constexpr std::string_view kSummaryType = "summary";
inline constexpr int kSummaryVersion = 1;

// Feeds records (report::to_json objects) one at a time; to_json() adds the run's meta. The
// checklist states and their words come from CoverageCounter and check_state_label, the same
// ones the terminal, HTML and SARIF use.
class RunSummary {
 public:
  void add(const nlohmann::json& record);
  [[nodiscard]] nlohmann::json to_json(const ScanMeta& meta) const;

 private:
  std::size_t records_ = 0, open_ = 0, dicom_ = 0, web_ = 0, tls_ = 0, honeypots_ = 0;
  std::map<std::string, std::size_t> by_severity_;
  CoverageCounter coverage_;
};

// The checklist of a summary (RunSummary::to_json) as CSV, one row per item with the same
// state words: `--summary-csv FILE`. Header: item,title,milestone,state,label,reason,
// checked_by,what_would_measure,findings,notes (the last two joined with ';').
std::string checklist_csv(const nlohmann::json& summary);

}  // namespace dicomsec::report
