// The flow record of `dicomsec pcap` as JSON (issue 14 §6; schemas/flow-record.schema.json).
// Only counts, names of standard things (commands, statuses, tags, UIDs) and what the peers
// say about themselves; never a patient value, never a user name or secret.

#include "core/bytes.hpp"
#include "core/time.hpp"
#include "report/json.hpp"
#include "report/json_parts.hpp"

namespace dicomsec::report {

namespace {

using nlohmann::json;

json text(const std::optional<std::string>& v) { return v ? json(printable(*v)) : json(nullptr); }

json direction_json(const record::FlowDirection& d) {
  return {{"instances", d.instances},
          {"bytes", d.bytes},
          {"gaps", d.gaps},
          {"gap_bytes", d.gap_bytes},
          {"messages_lost", d.messages_lost}};
}

const char* identity_type_name(std::uint8_t t) {
  switch (t) {
    case 1:
      return "username";
    case 2:
      return "username-password";
    case 3:
      return "kerberos";
    case 4:
      return "saml";
    case 5:
      return "jwt";
    default:
      return "unknown";
  }
}

}  // namespace

nlohmann::json to_json(const record::FlowRecord& r) {
  json j = {{"kind", "flow"},
            {"conn", r.conn},
            {"ip", r.server.ip},
            {"port", r.server.port},
            {"client", {{"ip", r.client.ip}, {"port", r.client.port}}},
            {"server", {{"ip", r.server.ip}, {"port", r.server.port}}},
            {"start", iso8601_utc_us(r.start_us)},
            {"end", iso8601_utc_us(r.end_us)},
            {"close", r.close},
            {"protocol", r.protocol},
            {"dicom", r.protocol == "dicom"},
            {"encrypted", r.encrypted},
            {"midstream", r.midstream}};
  j["association"] = r.association ? association_json(*r.association) : json(nullptr);
  j["product"] = product_json(r.product);
  j["client_product"] = product_json(r.client_product);
  if (r.user_identity) {
    const auto& u = *r.user_identity;
    j["user_identity"] = {{"type", identity_type_name(u.type)},
                          {"type_code", u.type},
                          {"cleartext_secret", u.cleartext_secret},
                          {"positive_response_requested", u.positive_response_requested},
                          {"server_response", u.server_response}};
  } else {
    j["user_identity"] = nullptr;
  }
  json dimse = json::object(), statuses = json::object();
  for (const auto& [name, c] : r.dimse) {
    dimse[name] = c.count;
    if (!c.statuses.empty()) statuses[name] = c.statuses;
  }
  j["dimse"] = dimse;
  j["dimse_statuses"] = statuses;
  j["move_destinations"] = r.move_destinations;
  j["sop_classes_stored"] = r.sop_classes_stored;
  j["to_server"] = direction_json(r.to_server);
  j["to_client"] = direction_json(r.to_client);
  j["phi_elements"] = r.phi_elements;
  if (r.tls) {
    const auto& t = *r.tls;
    j["tls"] = {{"version", text(t.version)},
                {"suite", text(t.suite)},
                {"sni", text(t.sni)},
                {"cert_subject", text(t.cert_subject)},
                {"cert_issuer", text(t.cert_issuer)},
                {"cert_not_after", text(t.cert_not_after)},
                {"alert", text(t.alert)}};
  } else {
    j["tls"] = nullptr;
  }
  j["gaps"] = r.to_server.gaps + r.to_client.gaps;
  j["bytes_skipped"] = r.bytes_skipped;
  json findings = json::array();
  for (const auto& f : r.findings)
    findings.push_back({{"id", f.id}, {"severity", f.severity}, {"evidence", f.evidence}});
  j["findings"] = findings;
  return j;
}

}  // namespace dicomsec::report
