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

// DICOMweb / REST (level auth and above): verdicts from counted JSON lists, never from a
// status code alone (a web server answering 200 with HTML to every path proves nothing).
void evaluate_web(const scan::WebRecord& w, std::uint16_t port, std::vector<scan::FindingRef>& out) {
  auto first = [&](auto pred) -> const scan::WebEndpointRecord* {
    for (const auto& e : w.endpoints)
      if (pred(e)) return &e;
    return nullptr;
  };
  const auto listed = [](const scan::WebEndpointRecord& e) {
    return e.http_status >= 200 && e.http_status < 300 && e.count;
  };
  const char* scheme = w.https ? "https" : "http";
  if (w.open) {
    if (const auto* e = first([&](const auto& x) { return x.auth == "none" && listed(x); }))
      add(out, "DICOMWEB-NO-AUTH",
          fmt::format("{} GET {} on port {} answered {} without credentials, listing {}{} item(s)", scheme,
                      printable(e->url_path), port, e->http_status, e->capped ? "at least " : "", *e->count));
  }
  if (w.default_credentials_user) {
    const auto auth = "default:" + *w.default_credentials_user;
    const auto* e = first([&](const auto& x) { return x.auth == auth && listed(x); });
    if (!e) e = first([&](const auto& x) { return x.auth == auth && x.http_status >= 200 && x.http_status < 300; });
    if (e)
      add(out, "DICOMWEB-DEFAULT-CREDS",
          fmt::format("{} GET {} on port {} answered {} with the default credentials of user '{}'{}", scheme,
                      printable(e->url_path), port, e->http_status, printable(*w.default_credentials_user),
                      e->count ? fmt::format(", listing {}{} item(s)", e->capped ? "at least " : "", *e->count)
                               : std::string()));
  }
}

}  // namespace

std::vector<scan::FindingRef> evaluate(const scan::ScanRecord& r, const Context& context) {
  std::vector<scan::FindingRef> out;
  if (r.web) evaluate_web(*r.web, r.port, out);
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
