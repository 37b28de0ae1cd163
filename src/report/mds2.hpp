// MDS2 answers from measurements (issue 16 §3; docs/design.md, "MDS2"). The Manufacturer
// Disclosure Statement for Medical Device Security (ANSI/NEMA HN 1-2019) is a vendor's form
// about a product. A scan sees one deployment of it, so this module answers only the few
// questions a network measurement can answer truthfully, per device (host), from the records
// of report::to_json, and says "not observed" rather than "No" whenever a failure could be
// the network's or the scanner's and not the device's.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dicomsec::report::mds2 {

// One row of the answer table (CSV columns, in this order).
struct Answer {
  std::string device;      // the host's address (", name" when the scan knew one)
  std::string mds2_id;     // "CONN-3", ...; "SCOPE" / "OMITTED" for the report-wide notes
  std::string question;    // paraphrase of the form's question
  std::string answer;      // "Yes", "No", "not observed", "note", "evidence only"
  std::string evidence;    // one line: what was measured, where
  std::string confidence;  // "high", "medium", "n/a"
};

inline constexpr std::string_view kNotObserved = "not observed";

// A third party's sighting from `dicomsec import` (issue 16 §1): a record whose `source` is
// shodan, censys or csv. It is a lead, not a measurement.
struct Sighting {
  std::string ip;
  int port = 0;             // 0 when the lead has none
  std::string source;       // shodan | censys | csv
  std::string observed_at;  // as the import wrote it, ISO 8601 (date part is what counts)
  // A lead whose address moved (`lead.moved`): the owned name it carried and where that name
  // resolves now. The device seen is the one behind the name, so the sighting counts for
  // those addresses as well as for the one the scanner saw.
  std::string moved_name;
  std::vector<std::string> now;
};

// The sighting in an import record, or nothing when `record` is not one (no or another
// `source`, no `ip`).
std::optional<Sighting> sighting(const nlohmann::json& record);

// How recent a sighting must be, relative to the scan's start, to count for CONN-4.
inline constexpr int kFreshDays = 30;

// Days from `observed_at` to `reference` (both ISO 8601, only the YYYY-MM-DD part is read);
// nothing when either date does not parse.
std::optional<long> age_days(std::string_view observed_at, std::string_view reference);

struct Options {
  std::string scan_started;  // ScanMeta::started: the reference for freshness
};

// The answers for every device with an open port, devices in address order, questions in
// the order of kQuestions; then the report-wide SCOPE and OMITTED rows (device "*").
// `records` may mix measurements and import records; `extra` adds sightings from elsewhere
// (`report --leads`).
std::vector<Answer> answer(const std::vector<nlohmann::json>& records,
                           const std::vector<Sighting>& extra, const Options& options);

// The report-wide notes, also printed at the top of the HTML section.
std::string_view scope_note();
std::string_view omitted_note();

// The CSV document: header `device,mds2_id,question,answer,evidence,confidence`, one row
// per answer, every cell through csv_cell (quoting, formula injection defused).
std::string to_csv(const std::vector<Answer>& answers);
// The HTML section (<section id="mds2">...</section>) for the report page; every string
// escaped.
std::string to_html_section(const std::vector<Answer>& answers);

}  // namespace dicomsec::report::mds2
