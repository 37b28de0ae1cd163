// The finding catalogue (docs/design.md §4): ids are stable; every entry carries its
// title, severity, remediation, the one-page checklist item it belongs to, and MITRE
// ATT&CK technique ids (Enterprise and ICS). Data, not code: one table.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace dicomsec::findings {

enum class Severity { Info, Low, Medium, High, Critical };

std::string_view severity_name(Severity);
std::optional<Severity> parse_severity(std::string_view);

// One item of the one-page checklist, each under an NSA Manageable Network Plan milestone.
struct ChecklistItem {
  std::string_view id;         // "CL-3"
  int milestone;               // MNP milestone 1..8
  std::string_view milestone_name;
  std::string_view text;
};

struct Definition {
  std::string_view id;
  Severity severity;
  std::string_view title;
  std::string_view remediation;
  std::string_view checklist;  // ChecklistItem::id
  std::string_view attack;     // comma-separated technique ids
};

std::span<const Definition> catalogue();
std::span<const ChecklistItem> checklist();
const Definition* find(std::string_view id);

}  // namespace dicomsec::findings
