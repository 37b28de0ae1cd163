#include "findings/rules.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/bytes.hpp"
#include "dul/pdu.hpp"
#include "findings/catalogue.hpp"

namespace dicomsec::findings {

namespace {

void add(std::vector<scan::FindingRef>& out, std::string_view id, std::string evidence) {
  const auto* def = find(id);
  out.push_back({std::string(id), std::string(severity_name(def ? def->severity : Severity::Info)),
                 std::move(evidence)});
}

std::string answer(const scan::AssociationRecord& a) {
  switch (a.result) {
    case scan::AssociationResult::Accepted: return "accepted the association";
    case scan::AssociationResult::Rejected:
      return a.reject ? fmt::format("rejected the association ({})",
                                    dul::reject_reason_name(a.reject->source, a.reject->reason))
                      : "rejected the association";
    case scan::AssociationResult::Aborted: return "aborted the association";
    case scan::AssociationResult::None: break;
  }
  return "answered";
}

// Levels auth/intrusive: what the access checks proved (docs/design.md "Access checks").
void access_findings(const scan::ScanRecord& r, const Context& context,
                     std::vector<scan::FindingRef>& out) {
  if (!r.access) return;
  const auto& a = *r.access;
  using scan::Permission;
  const auto ae = printable(r.association ? r.association->calling_ae : std::string());
  const auto has = [&](std::string_view id) {
    return std::any_of(out.begin(), out.end(), [&](const auto& f) { return f.id == id; });
  };
  // The safe association was rejected for its called AE, the discovered one was accepted.
  if (a.association == scan::AssociationResult::Accepted && !r.tls && !has("DICOM-NO-TLS"))
    add(out, "DICOM-NO-TLS",
        fmt::format("association accepted without TLS on port {} (called AE '{}')", r.port,
                    printable(a.called_ae.value_or(""))));
  // A calling AE title given with --calling-ae may be a configured peer's: what it may do
  // says nothing about unknown AEs (the access record still holds the counts).
  if (!context.calling_ae_unknown) return;
  if (a.find.state == Permission::Allowed)
    add(out, "DICOM-FIND-OPEN",
        fmt::format("C-FIND from unknown calling AE '{}' answered: {} patient(s), {} study(ies){}",
                    ae, a.find.patient.value_or(0), a.find.study.value_or(0),
                    a.find.capped ? " (counting stopped at the cap)" : ""));
  if (a.move.state == Permission::Allowed) add(out, "DICOM-MOVE-OPEN", printable(a.move.evidence));
  if (a.get.state == Permission::Allowed) add(out, "DICOM-GET-OPEN", printable(a.get.evidence));
  if (a.store.state == Permission::Allowed) add(out, "DICOM-STORE-OPEN", printable(a.store.evidence));
  // Confirmed: a DIMSE service was performed for our unknown calling AE title.
  std::string what;
  if (a.find.state == Permission::Allowed) what = "C-FIND";
  else if (a.move.state == Permission::Allowed) what = "C-MOVE";
  else if (a.get.state == Permission::Allowed) what = "C-GET";
  else if (a.store.state == Permission::Allowed) what = "C-STORE";
  auto existing = std::find_if(out.begin(), out.end(),
                               [](const auto& f) { return f.id == "DICOM-ANY-CALLING-AE"; });
  const auto called = printable(a.called_ae.value_or(""));
  const char* discovered = a.discovered_called_ae ? ", a vendor default found by discovery" : "";
  if (what.empty()) {
    // No service performed, but the access association itself was accepted (after the safe
    // probe's was rejected for its called AE title): the unknown calling AE is accepted.
    if (existing == out.end() && a.association == scan::AssociationResult::Accepted)
      add(out, "DICOM-ANY-CALLING-AE",
          fmt::format("accepted unknown calling AE '{}' (called AE '{}'{})", ae, called, discovered));
    return;
  }
  const auto confirmed = fmt::format("confirmed: {} performed for unknown calling AE '{}' (called AE '{}'{})",
                                     what, ae, called, discovered);
  if (existing != out.end()) existing->evidence += "; " + confirmed;
  else add(out, "DICOM-ANY-CALLING-AE", confirmed);
}

}  // namespace

std::vector<scan::FindingRef> evaluate(const scan::ScanRecord& r, const Context& context) {
  std::vector<scan::FindingRef> out;
  if (!r.dicom || !r.association) return out;
  const auto& a = *r.association;
  add(out, "DICOM-EXPOSED", fmt::format("{}:{} {} from calling AE '{}'", r.ip, r.port, answer(a),
                                        printable(a.calling_ae)));
  if (a.result != scan::AssociationResult::Accepted) {
    access_findings(r, context, out);
    return out;
  }
  if (!r.tls)
    add(out, "DICOM-NO-TLS",
        fmt::format("association accepted without TLS on port {}", r.port));
  if (context.calling_ae_unknown)
    add(out, "DICOM-ANY-CALLING-AE",
        fmt::format("accepted unknown calling AE '{}' (called AE '{}')", printable(a.calling_ae),
                    printable(a.called_ae)));
  if (r.called_ae_check && r.called_ae_check->result == scan::AssociationResult::Accepted)
    add(out, "DICOM-ANY-CALLED-AE",
        fmt::format("accepted random called AE '{}'", printable(r.called_ae_check->called_ae)));
  access_findings(r, context, out);
  return out;
}

}  // namespace dicomsec::findings
