// What the checklist may honestly say: for each item, whether a check of this run measured it.
// One function decides the state and one the words, so the terminal, HTML, SARIF and CSV
// summaries never disagree, and nothing unmeasured is shown as "OK" (issue 13 §1).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "report/sink.hpp"

namespace dicomsec::report {

enum class CheckState {
  Action,       // a finding (severity low or above) points at the item
  Ok,           // a check of this run measured it and found nothing
  NotAtLevel,   // dicomsec checks it, but not at this run's level or command
  NotMeasured,  // no dicomsec check measures it (or nothing was there to measure)
};

std::string_view check_state_name(CheckState);   // "action", "ok", "not-checked-at-level", ...
std::string_view check_state_label(CheckState);  // "Action", "OK", "Not checked at this level", ...

struct ChecklistState {
  std::string id;  // CL-1 ... (findings::checklist())
  CheckState state = CheckState::NotMeasured;
  std::size_t findings = 0;  // severity >= low
  std::size_t notes = 0;     // info
  std::string reason;        // why not measured / which level checks it / what was checked
  std::string checked_by;  // NotAtLevel: the command and level that checks it ("scan --level auth")
};

struct Coverage {
  bool covered = false;  // at least one port was reachable
  std::vector<ChecklistState> items;
  std::size_t count(CheckState) const;
  // "2 of 8 need action, 3 not measured" or "no coverage: nothing was reachable".
  std::string headline() const;
  nlohmann::json to_json() const;
};

// Feeds records (report::to_json objects) one at a time; result() applies the run's meta.
class CoverageCounter {
 public:
  void add(const nlohmann::json& record);
  Coverage result(const ScanMeta& meta) const;

 private:
  std::size_t open_ = 0, dicom_ = 0, web_ = 0, tls_audit_ = 0, versions_ = 0;
  std::vector<std::size_t> findings_, notes_;
};

Coverage coverage(const std::vector<nlohmann::json>& records, const ScanMeta& meta);

}  // namespace dicomsec::report
