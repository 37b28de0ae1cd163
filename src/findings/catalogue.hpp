// The finding catalogue (docs/design.md §4): ids are stable; every entry carries its
// title, severity, remediation, the one-page checklist item it belongs to, and MITRE
// ATT&CK technique ids (Enterprise and ICS). Data, not code: one table for the findings,
// one for the checklist, one for the per-product remediation.
#pragma once

#include <array>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace dicomsec::findings {

enum class Severity { Info, Low, Medium, High, Critical };

std::string_view severity_name(Severity);
std::optional<Severity> parse_severity(std::string_view);

// One item of the one-page checklist (docs/checklist.md), each under an NSA Manageable
// Network Plan milestone.
struct ChecklistItem {
  std::string_view id;  // "CL-3"
  int milestone;        // MNP milestone 1..8
  std::string_view milestone_name;
  std::string_view text;
};

struct Definition {
  std::string_view id;
  Severity severity;
  std::string_view title;
  std::string_view remediation;
  std::string_view checklist;  // ChecklistItem::id
  // Comma-separated technique ids: Enterprise ids bare ("T1040", "T1078.001"), ICS ids
  // prefixed "ICS:" ("ICS:T0842"). attack_ids() splits them.
  std::string_view attack;
};

// The products we give concrete settings for. Any other product gets the generic
// remediation of its Definition.
inline constexpr std::array<std::string_view, 4> kProducts{"DCMTK", "Orthanc", "dcm4chee",
                                                           "Conquest"};

// What to change in one product to clear one finding: the exact option, key or file, and
// where that fact comes from (a document a reader can check).
struct ProductRemediation {
  std::string_view finding;  // Definition::id
  std::string_view product;  // one of kProducts
  std::string_view text;
  std::string_view source;
};

std::span<const Definition> catalogue();
std::span<const ChecklistItem> checklist();
std::span<const ProductRemediation> product_remediations();
const Definition* find(std::string_view id);
const ChecklistItem* find_checklist_item(std::string_view id);
// The per-product rows of one finding, in kProducts order.
std::vector<const ProductRemediation*> remediations_for(std::string_view finding_id);
// The findings that point at one checklist item, in catalogue order.
std::vector<const Definition*> findings_for(std::string_view checklist_id);

struct AttackIds {
  std::vector<std::string_view> enterprise;
  std::vector<std::string_view> ics;
};
AttackIds attack_ids(const Definition&);

}  // namespace dicomsec::findings
