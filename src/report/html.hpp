// Pieces of the one-page HTML report (sink_html.cpp): the page is one self-contained file
// (inline CSS and SVG, no script, no external resource), page 1 a printable summary, then
// one section per service. Every string from a record goes through esc().
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/sink.hpp"

namespace dicomsec::report::html {

using nlohmann::json;

// HTML-escapes text for element content and quoted attribute values alike.
std::string esc(std::string_view text);

// The value at a JSON pointer, or nullptr when absent or null.
const json* at(const json& record, std::string_view pointer);
// Its text: strings as they are, numbers as JSON writes them, booleans yes/no; "" if absent.
std::string text(const json& record, std::string_view pointer);
bool flag(const json& record, std::string_view pointer);

// Severities from info (0) to critical (4); -1 for none or unknown.
inline constexpr std::array<std::string_view, 5> kSeverities{"info", "low", "medium", "high",
                                                             "critical"};
int severity_rank(std::string_view severity);
int worst_severity(const json& record);

// One service (record) as the report shows it.
struct Service {
  const json* record = nullptr;
  std::string anchor;  // element id of its section
  std::string where;   // ip:port, [v6]:port
  int worst = -1;
};

// One PS3.15 TLS profile across the audited services.
struct ProfileTally {
  std::string id;       // "bcp195"
  std::string section;  // "B.9"
  std::string name;
  bool retired = false;
  std::size_t pass = 0, not_determinable = 0;
  std::vector<std::string> failing;  // ip:port of each service that fails it
};

// What the summary page counts, all from the records.
struct Overview {
  std::size_t records = 0;
  std::size_t open = 0;          // TCP handshake completed
  std::size_t hosts = 0;         // distinct addresses with an open port
  std::size_t dicom = 0;         // services that speak DICOM
  std::size_t dicom_tls = 0;     // ... of them over TLS
  std::size_t web = 0;           // DICOMweb/REST services probed
  std::size_t tls_audited = 0;   // services with a TLS audit
  std::size_t tls_profile_ok = 0;  // ... that pass a current (not retired) profile
  std::vector<ProfileTally> profiles;           // in order of first appearance
  std::vector<std::string> tls_with_findings;   // audited services with a TLS (CL-7) finding
  std::array<std::size_t, 5> by_severity{};
  std::vector<std::size_t> checklist_findings;  // per findings::checklist() item, severity >= low
  std::vector<std::size_t> checklist_notes;     // ... info findings
  std::vector<Service> services;                // open ports, in address order
};

Overview overview(const std::vector<json>& records);

void write_summary(std::string& out, const Overview& o, const ScanMeta& meta);
void write_service(std::string& out, const Service& s);
std::string_view style();
// Issue 16: the import leads among `records` as one table; nothing when there are none.
void write_leads(std::string& out, const std::vector<json>& records);

// `dicomsec pcap` (html_flows.cpp): the records are flow records (kind "flow"); the page is
// the wire inventory with its SVG map instead of the scan summary.
bool is_flow_report(const std::vector<json>& records);
void write_flows(std::string& out, const std::vector<json>& records, const ScanMeta& meta);

}  // namespace dicomsec::report::html
