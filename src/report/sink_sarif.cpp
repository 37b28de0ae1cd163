// SARIF 2.1.0 (OASIS): one run of tool "dicomsec" whose rules are the finding catalogue and
// whose results are the findings, each located at its service as dicom://ip:port (or
// http(s):// for a DICOMweb record), so code-scanning dashboards can list and track them.
// Validated against the published schema by tests/unit/report (report.sarif_schema).
#include <map>
#include <ostream>
#include <vector>

#include "findings/catalogue.hpp"
#include "report/json_parts.hpp"
#include "report/coverage.hpp"
#include "report/sinks.hpp"
#include "report/wording.hpp"

namespace dicomsec::report {

namespace {

using nlohmann::json;

std::string str(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

// "DICOM-NO-TLS" -> "DicomNoTls": SARIF's rule name is an identifier-like word.
std::string rule_name(std::string_view id) {
  std::string out;
  bool upper = true;
  for (char c : id) {
    if (c == '-') {
      upper = true;
      continue;
    }
    out += upper ? c : static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    upper = false;
  }
  return out;
}

std::string_view level(std::string_view severity) {
  if (severity == "critical" || severity == "high") return "error";
  if (severity == "medium") return "warning";
  return "note";
}

// GitHub code scanning reads properties.security-severity (0.0-10.0) to rank alerts: >= 9.0
// critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low. Info findings get none.
std::string_view security_severity(std::string_view severity) {
  if (severity == "critical") return "9.5";
  if (severity == "high") return "8.0";
  if (severity == "medium") return "5.5";
  if (severity == "low") return "3.0";
  return "";
}

std::vector<std::string> split_commas(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const auto comma = s.find(',');
    out.emplace_back(s.substr(0, comma));
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

json rule_json(const findings::Definition& d) {
  const auto severity = findings::severity_name(d.severity);
  const findings::ChecklistItem* item = nullptr;
  for (const auto& c : findings::checklist())
    if (c.id == d.checklist) item = &c;
  const auto attack = split_commas(d.attack);
  json tags = {"security", "dicom", std::string(d.checklist)};
  for (const auto& t : attack) tags.push_back("attack:" + t);
  json properties = {{"tags", tags},
                     {"severity", severity},
                     {"checklist", d.checklist},
                     {"attack", attack}};
  if (item)
    properties["checklist_milestone"] = "NSA MNP " + std::to_string(item->milestone) + " " +
                                        std::string(item->milestone_name);
  if (const auto s = security_severity(severity); !s.empty()) properties["security-severity"] = s;
  std::string full(d.title);
  if (item) full += ". Checklist " + std::string(item->id) + ": " + std::string(item->text);
  return {{"id", d.id},
          {"name", rule_name(d.id)},
          {"shortDescription", {{"text", d.title}}},
          {"fullDescription", {{"text", full}}},
          {"help",
           {{"text", "Remediation: " + std::string(d.remediation)},
            {"markdown", "**Remediation:** " + std::string(d.remediation)}}},
          {"defaultConfiguration", {{"level", level(severity)}}},
          {"properties", properties}};
}

class SarifSink final : public Sink {
 public:
  explicit SarifSink(std::ostream& out) : out_(out) {
    for (const auto& d : findings::catalogue()) {
      rule_index_.emplace(std::string(d.id), rules_.size());
      rules_.push_back(rule_json(d));
    }
  }
  void write(const json& record) override {
    if (record.is_object()) coverage_.add(record);
    if (!record.is_object() || !record.contains("findings") || !record["findings"].is_array())
      return;
    for (const auto& f : record["findings"]) add_result(record, f);
  }
  void end(const ScanMeta& meta) override {
    json invocation = {{"executionSuccessful", !meta.interrupted},
                       {"properties",
                        {{"command", meta.command},
                         {"pairs_total", meta.pairs_total},
                         {"pairs_done", meta.pairs_done},
                         {"interrupted", meta.interrupted}}}};
    if (!meta.arguments.empty()) invocation["commandLine"] = meta.arguments;
    if (!meta.started.empty()) invocation["startTimeUtc"] = meta.started;
    if (!meta.finished.empty()) invocation["endTimeUtc"] = meta.finished;
    json driver = {{"name", "dicomsec"},
                   {"fullName", "dicomsec DICOM network security auditor"},
                   {"rules", rules_}};
    if (!meta.version.empty()) driver["semanticVersion"] = meta.version;
    json run = {{"tool", {{"driver", driver}}},
                {"invocations", json::array({invocation})},
                {"columnKind", "unicodeCodePoints"},
                {"results", results_}};
    // Code scanning groups runs by this category; the part after the last '/' names the run.
    run["automationDetails"] = {
        {"id", "dicomsec/" + (meta.command.empty() ? std::string("scan") : meta.command) + "/" +
                   (meta.scan_id.empty() ? meta.started : meta.scan_id)}};
    run["properties"] = json::object();
    if (!meta.scan_id.empty()) run["properties"]["scan_id"] = meta.scan_id;
    if (!meta.level.empty()) run["properties"]["level"] = meta.level;
    // Per checklist item: measured or not, so a dashboard never reads silence as "OK".
    run["properties"]["checklist"] = coverage_.result(meta).to_json();
    const json log = {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
                      {"version", "2.1.0"},
                      {"runs", json::array({run})}};
    out_ << log.dump(2, ' ', false, json::error_handler_t::replace) << '\n';
    out_.flush();
  }

 private:
  std::size_t rule_for(const std::string& id, const std::string& severity) {
    if (auto it = rule_index_.find(id); it != rule_index_.end()) return it->second;
    // An id the catalogue does not know yet (a newer probe): a minimal rule keeps the log
    // valid and the result indexed.
    rule_index_.emplace(id, rules_.size());
    rules_.push_back({{"id", id},
                      {"name", rule_name(id)},
                      {"shortDescription", {{"text", id}}},
                      {"defaultConfiguration", {{"level", level(severity)}}},
                      {"properties", {{"tags", {"security", "dicom"}}, {"severity", severity}}}});
    return rules_.size() - 1;
  }

  void add_result(const json& record, const json& finding) {
    const auto id = str(finding, "id");
    if (id.empty()) return;
    const auto severity = str(finding, "severity");
    const auto ip = str(record, "ip");
    // Records from a store may be older or damaged: read nothing with a type assumed.
    const auto port = record.contains("port") && record["port"].is_number_unsigned()
                          ? record["port"].get<unsigned>()
                          : 0U;
    const auto host = where(ip, port);
    std::string scheme = "dicom";
    if (record.contains("web") && record["web"].is_object())
      scheme = record["web"].contains("https") && record["web"]["https"] == true ? "https" : "http";
    const auto index = rule_for(id, severity);
    const auto* def = findings::find(id);
    std::string text = def ? std::string(def->title) : id;
    text += " on " + host;
    if (const auto evidence = str(finding, "evidence"); !evidence.empty()) text += ": " + evidence;
    json properties = {{"severity", severity}, {"ip", ip}, {"port", port}};
    if (const auto name = str(record, "hostname"); !name.empty()) properties["hostname"] = name;
    if (record.contains("product") && record["product"].is_object()) {
      properties["product"] = product_label(record);
    }
    // The fix for this product (the rule's help has the generic one).
    if (const auto fix = remediation_for(record, id); !fix.empty()) {
      properties["remediation"] = fix;
      text += ". Fix: " + fix;
    }
    results_.push_back(
        {{"ruleId", id},
         {"ruleIndex", index},
         {"level", level(severity)},
         {"message", {{"text", text}}},
         {"locations",
          {{{"physicalLocation", {{"artifactLocation", {{"uri", scheme + "://" + host}}}}},
            {"logicalLocations",
             {{{"name", host}, {"fullyQualifiedName", scheme + "://" + host}, {"kind", "module"}}}}}}},
         {"partialFingerprints", {{"dicomsecFinding/v1", id + "@" + host}}},
         {"properties", properties}});
  }

  std::ostream& out_;
  json rules_ = json::array();
  std::map<std::string, std::size_t> rule_index_;
  json results_ = json::array();
  CoverageCounter coverage_;
};

}  // namespace

std::unique_ptr<Sink> make_sarif_sink(std::ostream& out) { return std::make_unique<SarifSink>(out); }

}  // namespace dicomsec::report
