#include "report/summary.hpp"

#include <string_view>

#include "findings/catalogue.hpp"
#include "record/record.hpp"
#include "report/csv.hpp"

namespace dicomsec::report {

using nlohmann::json;

namespace {

bool truthy(const json& r, const char* pointer) {
  const auto p = json::json_pointer(pointer);
  return r.contains(p) && r.at(p).is_boolean() && r.at(p).get<bool>();
}

bool present(const json& r, const char* pointer) {
  const auto p = json::json_pointer(pointer);
  return r.contains(p) && !r.at(p).is_null();
}

}  // namespace

void RunSummary::add(const json& r) {
  if (!r.is_object()) return;
  ++records_;
  coverage_.add(r);
  if (const auto it = r.find("findings"); it != r.end() && it->is_array())
    for (const auto& f : *it)
      if (f.is_object()) ++by_severity_[f.value("severity", std::string("info"))];
  if (!record::port_open(r.value("status", std::string()))) return;
  ++open_;
  dicom_ += truthy(r, "/dicom") ? 1 : 0;
  web_ += present(r, "/web") ? 1 : 0;
  tls_ += truthy(r, "/tls") || present(r, "/tls_audit") ? 1 : 0;
  honeypots_ += truthy(r, "/honeypot/likely") ? 1 : 0;
}

json RunSummary::to_json(const ScanMeta& meta) const {
  const auto cov = coverage_.result(meta);
  json findings = json::object();
  for (auto s : {"critical", "high", "medium", "low", "info"}) {
    const auto it = by_severity_.find(s);
    findings[s] = it == by_severity_.end() ? 0 : it->second;
  }
  json checklist = json::array();
  const auto items = findings::checklist();
  for (std::size_t i = 0; i < cov.items.size(); ++i) {
    const auto& it = cov.items[i];
    const auto* def = i < items.size() ? &items[i] : nullptr;
    checklist.push_back({{"item", it.id},
                         {"title", def ? json(std::string(def->text)) : json(nullptr)},
                         {"milestone", def ? json(def->milestone) : json(nullptr)},
                         {"state", check_state_name(it.state)},
                         {"label", check_state_label(it.state)},
                         {"reason", it.reason},
                         {"checked_by", it.state == CheckState::NotAtLevel && !it.checked_by.empty()
                                            ? json(it.checked_by)
                                            : json(nullptr)},
                         {"what_would_measure",
                          it.state == CheckState::NotMeasured ? json(it.reason) : json(nullptr)},
                         {"findings", it.findings},
                         {"notes", it.notes}});
  }
  auto text = [](const std::string& s) { return s.empty() ? json(nullptr) : json(s); };
  return {{"type", kSummaryType},
          {"version", kSummaryVersion},
          {"command", text(meta.command)},
          {"level", text(meta.level)},
          {"scan_id", text(meta.scan_id)},
          {"started", text(meta.started)},
          {"finished", text(meta.finished)},
          {"interrupted", meta.interrupted},
          {"targets", {{"pairs", meta.pairs_total}, {"probed", meta.pairs_done}}},
          {"records", records_},
          {"reachable", open_},
          {"dicom_services", dicom_},
          {"web_services", web_},
          {"tls_services", tls_},
          {"honeypots", {{"likely", honeypots_}}},
          {"findings", findings},
          {"coverage", {{"covered", cov.covered}, {"headline", cov.headline()}}},
          {"checklist", checklist}};
}

std::string checklist_csv(const json& summary) {
  static constexpr const char* kColumns[] = {
      "item",   "title",      "milestone",          "state",    "label",
      "reason", "checked_by", "what_would_measure", "findings", "notes"};
  auto cell = [](const json& v) -> std::string {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number()) return v.dump();
    if (!v.is_array()) return {};
    std::string joined;
    for (const auto& e : v) {
      if (!joined.empty()) joined += ';';
      joined += e.is_string() ? e.get<std::string>() : e.dump();
    }
    return joined;
  };
  std::string out;
  for (const auto* c : kColumns) out += std::string(out.empty() ? "" : ",") + c;
  out += '\n';
  for (const auto& item : summary.value("checklist", json::array())) {
    std::string line;
    for (const auto* c : kColumns) {
      if (!line.empty() || c != kColumns[0]) line += ',';
      line += csv_cell(cell(item.value(c, json())));
    }
    out += line + '\n';
  }
  return out;
}

}  // namespace dicomsec::report
