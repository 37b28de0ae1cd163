// `dicomsec findings`: prints the catalogue, so an administrator can read what each id
// means before a scan: the checklist the findings point to, then every finding with its
// generic fix, the concrete setting per product, and its ATT&CK techniques. --json prints
// the same data as one JSON document for scripts and other tools.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <nlohmann/json.hpp>

#include "app/commands.hpp"
#include "core/version.hpp"
#include "findings/catalogue.hpp"

namespace dicomsec::app {

namespace {

using nlohmann::json;

json to_json(const findings::Definition& d) {
  const auto attack = findings::attack_ids(d);
  json products = json::array();
  for (const auto* r : findings::remediations_for(d.id))
    products.push_back({{"product", r->product}, {"text", r->text}, {"source", r->source}});
  return {{"id", d.id},
          {"severity", findings::severity_name(d.severity)},
          {"title", d.title},
          {"remediation", d.remediation},
          {"checklist", d.checklist},
          {"attack", {{"enterprise", attack.enterprise}, {"ics", attack.ics}}},
          {"products", std::move(products)}};
}

json catalogue_json() {
  json items = json::array();
  for (const auto& item : findings::checklist()) {
    json ids = json::array();
    for (const auto* d : findings::findings_for(item.id)) ids.push_back(d->id);
    items.push_back({{"id", item.id},
                     {"milestone", item.milestone},
                     {"milestone_name", item.milestone_name},
                     {"text", item.text},
                     {"findings", std::move(ids)}});
  }
  json defs = json::array();
  for (const auto& d : findings::catalogue()) defs.push_back(to_json(d));
  return {{"version", kVersion}, {"checklist", std::move(items)}, {"findings", std::move(defs)}};
}

std::string joined(const std::vector<std::string_view>& v) {
  return fmt::format("{}", fmt::join(v, ", "));
}

void print_text() {
  fmt::print("One-page checklist (NSA Manageable Network Plan milestones):\n");
  for (const auto& item : findings::checklist()) {
    std::vector<std::string_view> ids;
    for (const auto* d : findings::findings_for(item.id)) ids.push_back(d->id);
    fmt::print("{}  [MNP {} {}] {}\n", item.id, item.milestone, item.milestone_name, item.text);
    fmt::print("      turned red by: {}\n",
               ids.empty() ? "(no finding maps here; docs/checklist.md says how to check it)"
                           : joined(ids));
  }
  fmt::print("\n");
  for (const auto& d : findings::catalogue()) {
    const auto attack = findings::attack_ids(d);
    fmt::print("{:<27} {:<8} {}\n", d.id, findings::severity_name(d.severity), d.title);
    fmt::print("    fix: {}\n", d.remediation);
    for (const auto* r : findings::remediations_for(d.id))
      fmt::print("    {}: {}\n", r->product, r->text);
    fmt::print("    checklist: {}  ATT&CK Enterprise: {}  ICS: {}\n", d.checklist,
               attack.enterprise.empty() ? "-" : joined(attack.enterprise),
               attack.ics.empty() ? "-" : joined(attack.ics));
  }
}

}  // namespace

Runner setup_findings(CLI::App& app) {
  app.description(
      "List every finding id with its severity, remediation (generic and per product:\n"
      "DCMTK, Orthanc, dcm4chee, Conquest), checklist item and MITRE ATT&CK\n"
      "techniques, after the one-page checklist they map to.");
  auto as_json = std::make_shared<bool>(false);
  app.add_flag("--json", *as_json, "Print the catalogue and the checklist as one JSON document");
  return [as_json] {
    if (*as_json)
      fmt::print("{}\n", catalogue_json().dump(2));
    else
      print_text();
    return kExitOk;
  };
}

}  // namespace dicomsec::app
