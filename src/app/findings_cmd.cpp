// `dicomsec findings`: prints the catalogue, so an administrator can read what each id
// means before a scan: the checklist the findings point to, then every finding with its
// generic fix, the concrete setting per product, and its ATT&CK techniques. --json prints
// the same data as one JSON document for scripts and other tools.
#include <algorithm>
#include <cctype>
#include <memory>

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

void print_one(const findings::Definition& d) {
  const auto attack = findings::attack_ids(d);
  fmt::print("{:<27} {:<8} {}\n", d.id, findings::severity_name(d.severity), d.title);
  fmt::print("    fix: {}\n", d.remediation);
  for (const auto* r : findings::remediations_for(d.id))
    fmt::print("    {}: {}\n", r->product, r->text);
  fmt::print("    checklist: {}  ATT&CK Enterprise: {}  ICS: {}\n", d.checklist,
             attack.enterprise.empty() ? "-" : joined(attack.enterprise),
             attack.ics.empty() ? "-" : joined(attack.ics));
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
  for (const auto& d : findings::catalogue()) print_one(d);
}

// Case-insensitive: "dicom-no-tls" finds DICOM-NO-TLS.
const findings::Definition* find_id(std::string id) {
  for (auto& c : id) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return findings::find(id);
}

// The known id nearest to a mistyped one (fewest single-character edits), for the error.
std::string nearest_id(const std::string& typed) {
  std::string best;
  std::size_t best_distance = std::string::npos;
  for (const auto& d : findings::catalogue()) {
    const std::string id(d.id);
    std::vector<std::size_t> row(id.size() + 1);
    for (std::size_t j = 0; j <= id.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= typed.size(); ++i) {
      std::size_t diag = row[0];
      row[0] = i;
      for (std::size_t j = 1; j <= id.size(); ++j) {
        const std::size_t up = row[j];
        const bool same = std::toupper(static_cast<unsigned char>(typed[i - 1])) == id[j - 1];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (same ? 0 : 1)});
        diag = up;
      }
    }
    if (row[id.size()] < best_distance) {
      best_distance = row[id.size()];
      best = id;
    }
  }
  return best;
}

}  // namespace

Runner setup_findings(CLI::App& app) {
  app.description(
      "List every finding id with its severity, remediation (generic and per product:\n"
      "DCMTK, Orthanc, dcm4chee, Conquest), checklist item and MITRE ATT&CK\n"
      "techniques, after the one-page checklist they map to. `dicomsec findings ID`\n"
      "shows one finding.");
  auto as_json = std::make_shared<bool>(false);
  auto id = std::make_shared<std::string>();
  app.add_option("id", *id, "One finding id to show, e.g. DICOM-NO-TLS");
  app.add_flag("--json", *as_json, "Print the catalogue and the checklist as one JSON document");
  return [as_json, id] {
    if (!id->empty()) {
      const auto* d = find_id(*id);
      if (!d)
        throw UsageError(fmt::format("unknown finding id '{}'; did you mean '{}'? (dicomsec "
                                     "findings lists them all)",
                                     *id, nearest_id(*id)));
      if (*as_json)
        fmt::print("{}\n", to_json(*d).dump(2));
      else
        print_one(*d);
      return kExitOk;
    }
    if (*as_json)
      fmt::print("{}\n", catalogue_json().dump(2));
    else
      print_text();
    return kExitOk;
  };
}

}  // namespace dicomsec::app
