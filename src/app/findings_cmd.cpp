// `dicomsec findings`: prints the catalogue, so an administrator can read what each id
// means before a scan, and the checklist the findings point to.
#include <fmt/format.h>

#include "app/commands.hpp"
#include "findings/catalogue.hpp"

namespace dicomsec::app {

Runner setup_findings(CLI::App& app) {
  app.description("List every finding id with its severity, remediation, checklist item and\n"
                  "MITRE ATT&CK techniques, after the one-page checklist they map to.");
  return [] {
    for (const auto& item : findings::checklist())
      fmt::print("{}  [MNP {} {}] {}\n", item.id, item.milestone, item.milestone_name, item.text);
    fmt::print("\n");
    for (const auto& d : findings::catalogue()) {
      fmt::print("{:<27} {:<8} {}\n", d.id, findings::severity_name(d.severity), d.title);
      fmt::print("    fix: {}\n    checklist: {}  ATT&CK: {}\n", d.remediation, d.checklist,
                 d.attack);
    }
    return kExitOk;
  };
}

}  // namespace dicomsec::app
