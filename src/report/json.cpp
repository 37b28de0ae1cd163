#include "report/json.hpp"

#include "report/json_parts.hpp"

#include "core/bytes.hpp"
#include "dul/pdu.hpp"
#include "fingerprint/fingerprint.hpp"

namespace dicomsec::report {

namespace {

using nlohmann::json;

template <class T>
json opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

// Text from the wire goes out printable only: a hostile peer cannot inject control bytes
// into a terminal or a log through our report.
json opt_text(const std::optional<std::string>& v) {
  return v ? json(printable(*v)) : json(nullptr);
}

json reject_json(const std::optional<record::RejectRecord>& r) {
  if (!r) return nullptr;
  return {{"result", dul::reject_result_name(r->result)},
          {"source", dul::reject_source_name(r->source)},
          {"reason", dul::reject_reason_name(r->source, r->reason)},
          {"codes", {r->result, r->source, r->reason}}};
}

}  // namespace

nlohmann::json association_json(const record::AssociationRecord& a) {
  json contexts = json::array();
  for (const auto& c : a.accepted_contexts)
    contexts.push_back({{"abstract", printable(c.abstract_syntax)},
                        {"transfer", printable(c.transfer_syntax)}});
  json conformance = json::array();
  for (const auto& c : a.conformance) conformance.push_back(printable(c));
  json abort = nullptr;
  if (a.abort)
    abort = {{"source", dul::abort_source_name(a.abort->source)},
             {"reason", dul::abort_reason_name(a.abort->reason)},
             {"codes", {a.abort->source, a.abort->reason}}};
  return {{"result", record::association_result_name(a.result)},
          {"calling_ae", printable(a.calling_ae)},
          {"called_ae", printable(a.called_ae)},
          {"reject", reject_json(a.reject)},
          {"abort", abort},
          {"max_pdu", opt(a.max_pdu)},
          {"implementation",
           {{"class_uid", opt_text(a.implementation_class_uid)},
            {"version", opt_text(a.implementation_version_name)}}},
          {"accepted_contexts", contexts},
          {"released", a.released},
          {"conformance", conformance}};
}

namespace {

json lead_json(const record::LeadRecord& l) {
  json moved = nullptr;
  if (l.moved)
    moved = {{"name", printable(l.moved->name)},
             {"now", l.moved->now},
             {"reverse", opt_text(l.moved->reverse)},
             {"note", printable(l.moved->note)}};
  auto texts = [](const std::vector<std::string>& v) {
    json a = json::array();
    for (const auto& s : v) a.push_back(printable(s));
    return a;
  };
  return {{"source", l.source},
          {"observed_at", opt(l.observed_at)},
          {"transport", l.transport},
          {"service", opt_text(l.service)},
          {"product", opt_text(l.product)},
          {"org", opt_text(l.org)},
          {"asn", opt_text(l.asn)},
          {"hostnames", texts(l.hostnames)},
          {"domains", texts(l.domains)},
          {"tags", texts(l.tags)},
          {"tls", l.tls},
          {"banner", opt_text(l.banner)},
          {"banner_truncated", l.banner_truncated},
          {"facts",
           {{"ae_title", opt_text(l.facts.ae_title)},
            {"implementation_class_uid", opt_text(l.facts.implementation_class_uid)},
            {"implementation_version", opt_text(l.facts.implementation_version)}}},
          {"matched_by", l.matched_by},
          {"moved", moved},
          {"file", printable(l.file)},
          {"line", l.line}};
}

}  // namespace

nlohmann::json product_json(const std::optional<record::ProductRecord>& product) {
  if (!product) return nullptr;
  const auto& p = *product;
  return {{"name", p.name},
          {"version", opt(p.version)},
          {"toolkit", p.toolkit},
          {"confidence", p.confidence},
          {"matched_by", p.matched_by},
          {"vendor", opt(p.vendor)},
          {"application", opt(p.application)},
          {"version_name", opt(p.version_name)}};
}

std::string product_label(const nlohmann::json& record) {
  const auto it = record.find("product");
  if (it == record.end() || !it->is_object()) return {};
  auto get = [&](const char* key) -> std::optional<std::string> {
    const auto f = it->find(key);
    if (f == it->end() || !f->is_string()) return std::nullopt;
    return f->get<std::string>();
  };
  // version_name was escaped and capped by the fingerprint module before it was stored.
  return fingerprint::product_label(get("name").value_or(""), get("version"), get("version_name"));
}

nlohmann::json to_json(const record::ScanRecord& r) {
  json j = {{"ip", r.ip}, {"port", r.port}};
  if (r.hostname) j["hostname"] = *r.hostname;
  j["status"] = record::status_name(r.status);
  if (!r.detail.empty()) j["detail"] = r.detail;
  j["dicom"] = r.dicom;
  j["tls"] = r.tls;
  j["association"] = r.association ? association_json(*r.association) : json(nullptr);
  j["product"] = product_json(r.product);
  j["echo"] = r.echo ? json{{"status", r.echo->status}} : json(nullptr);
  if (r.called_ae_check) {
    const auto& c = *r.called_ae_check;
    j["called_ae_check"] = {
        {"called_ae", c.called_ae},
        {"result", record::association_result_name(c.result)},
        {"reject", reject_json(c.reject)},
        {"state", record::check_state_name(c.state)},
        {"reason", c.reason.empty() ? json(nullptr) : json(printable(c.reason))},
        {"attempts", c.attempts}};
  } else {
    j["called_ae_check"] = nullptr;
  }
  j["tls_audit"] = r.tls_audit ? tls_audit_json(*r.tls_audit) : json(nullptr);
  j["access"] = r.access ? access_json(*r.access) : json(nullptr);
  if (r.web) j["web"] = web_json(*r.web);
  // Issue 12 §3: null when no DICOM association answer was judged.
  j["honeypot"] = r.honeypot ? json{{"likely", r.honeypot->likely},
                                    {"confidence", r.honeypot->confidence},
                                    {"evidence", r.honeypot->evidence}}
                             : json(nullptr);
  json findings = json::array();
  for (const auto& f : r.findings)
    findings.push_back({{"id", f.id}, {"severity", f.severity}, {"evidence", f.evidence}});
  j["findings"] = findings;
  j["duration_ms"] = r.duration_ms;
  // Issue 16: present only on import leads, so scan records keep their shape.
  if (r.lead) j["lead"] = lead_json(*r.lead);
  return j;
}

}  // namespace dicomsec::report
