#include "findings/rules.hpp"

#include <fmt/format.h>

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

}  // namespace

std::vector<scan::FindingRef> evaluate(const scan::ScanRecord& r, const Context& context) {
  std::vector<scan::FindingRef> out;
  if (!r.dicom || !r.association) return out;
  const auto& a = *r.association;
  add(out, "DICOM-EXPOSED", fmt::format("{}:{} {} from calling AE '{}'", r.ip, r.port, answer(a),
                                        printable(a.calling_ae)));
  if (a.result != scan::AssociationResult::Accepted) return out;
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
  return out;
}

}  // namespace dicomsec::findings
