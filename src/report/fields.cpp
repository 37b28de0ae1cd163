#include "report/fields.hpp"

#include <array>

#include "report/wording.hpp"

namespace dicomsec::report {

namespace {

using K = FieldKind;
using nlohmann::json;

// The one definition of the flat record. Order is the CSV column order; add new columns at
// the end of their group, and keep column names stable (spreadsheets refer to them).
constexpr std::array kFields{
    Field{"ip", "/ip", K::Value, "Address probed"},
    Field{"port", "/port", K::Value, "TCP port probed"},
    Field{"hostname", "/hostname", K::Value, "Name the target was given by, if any"},
    Field{"status", "/status", K::Value, "Probe status (success, connection-refused, ...)"},
    Field{"detail", "/detail", K::Value, "Why, for statuses other than success"},
    Field{"dicom", "/dicom", K::Value, "A well-formed A-ASSOCIATE-AC/RJ was seen"},
    Field{"tls", "/tls", K::Value, "The service was reached over TLS"},
    Field{"association", "/association/result", K::Value, "accepted, rejected, aborted or none"},
    Field{"summary", "", K::Words,
          "What the port is and did, in the words of the terminal and HTML summaries "
          "(\"accepted as ORTHANC\", \"not DICOM: HTTP\", ...)"},
    Field{"calling_ae", "/association/calling_ae", K::Value, "Calling AE title we sent"},
    Field{"called_ae", "/association/called_ae", K::Value, "Called AE title we sent"},
    Field{"reject_result", "/association/reject/result", K::Value, "A-ASSOCIATE-RJ result"},
    Field{"reject_source", "/association/reject/source", K::Value, "A-ASSOCIATE-RJ source"},
    Field{"reject_reason", "/association/reject/reason", K::Value, "A-ASSOCIATE-RJ reason"},
    Field{"abort_source", "/association/abort/source", K::Value, "A-ABORT source"},
    Field{"abort_reason", "/association/abort/reason", K::Value, "A-ABORT reason"},
    Field{"max_pdu", "/association/max_pdu", K::Value, "Peer's maximum PDU length (0 = unlimited)"},
    Field{"implementation_class_uid", "/association/implementation/class_uid", K::Value,
          "Peer's implementation class UID"},
    Field{"implementation_version", "/association/implementation/version", K::Value,
          "Peer's implementation version name"},
    Field{"accepted_contexts", "/association/accepted_contexts", K::Count,
          "Number of presentation contexts accepted"},
    Field{"released", "/association/released", K::Value, "Our A-RELEASE-RQ was answered"},
    Field{"conformance", "/association/conformance", K::Join,
          "Deviations from PS3.8 the peer showed and we tolerated"},
    Field{"product", "/product/name", K::Value, "Product identified"},
    Field{"product_version", "/product/version", K::Value, "Product version"},
    Field{"toolkit", "/product/toolkit", K::Value, "DICOM toolkit underneath"},
    Field{"product_confidence", "/product/confidence", K::Value, "high, medium or low"},
    Field{"product_matched_by", "/product/matched_by", K::Value, "What identified the product"},
    Field{"vendor", "/product/vendor", K::Value, "Vendor"},
    Field{"application", "/product/application", K::Value, "Application on top of the toolkit"},
    Field{"product_version_name", "/product/version_name", K::Value,
          "Peer's version name, escaped (shown as unknown (\"name\") when no product matched)"},
    Field{"echo_status", "/echo/status", K::Value, "C-ECHO-RSP status (0 = success)"},
    Field{"called_ae_check_ae", "/called_ae_check/called_ae", K::Value,
          "Random called AE title of the second association"},
    Field{"called_ae_check", "/called_ae_check/result", K::Value,
          "Result of the second association (accepted: called AE not checked)"},
    Field{"called_ae_check_reject_reason", "/called_ae_check/reject/reason", K::Value,
          "Why the second association was rejected"},
    Field{"called_ae_check_state", "/called_ae_check/state", K::Value,
          "checked, or inconclusive when no try got a DICOM answer"},
    Field{"called_ae_check_reason", "/called_ae_check/reason", K::Value,
          "Why the random called AE check is inconclusive"},
    Field{"called_ae_check_attempts", "/called_ae_check/attempts", K::Value,
          "Associations the random called AE check tried"},
    // tls_audit
    Field{"tls_versions", "/tls_audit/versions", K::Join, "TLS versions accepted"},
    Field{"tls_ciphers", "/tls_audit/ciphers", K::MapJoin, "Cipher suites accepted per version"},
    Field{"tls_server_preference", "/tls_audit/server_preference", K::Value,
          "The server chooses the cipher suite"},
    Field{"tls_groups", "/tls_audit/groups", K::Join, "Key exchange groups accepted"},
    Field{"tls_dh_bits", "/tls_audit/dh_bits", K::Value,
          "Smallest finite-field DHE prime the server sent (bits)"},
    Field{"tls_encrypt_then_mac", "/tls_audit/encrypt_then_mac", K::Value,
          "Encrypt-then-MAC (RFC 7366) agreed for CBC suites"},
    Field{"tls_complete", "/tls_audit/complete", K::Value,
          "Raw enumeration ran to the server's refusal everywhere (within budget)"},
    Field{"tls_cert_subject", "/tls_audit/cert/subject", K::Value, "Leaf certificate subject"},
    Field{"tls_cert_issuer", "/tls_audit/cert/issuer", K::Value, "Leaf certificate issuer"},
    Field{"tls_cert_sans", "/tls_audit/cert/sans", K::Join, "Leaf certificate subject alt names"},
    Field{"tls_cert_not_before", "/tls_audit/cert/not_before", K::Value, "Valid from (UTC)"},
    Field{"tls_cert_not_after", "/tls_audit/cert/not_after", K::Value, "Valid until (UTC)"},
    Field{"tls_cert_key_type", "/tls_audit/cert/key_type", K::Value, "Key type"},
    Field{"tls_cert_key_bits", "/tls_audit/cert/key_bits", K::Value, "Key size in bits"},
    Field{"tls_cert_sig_alg", "/tls_audit/cert/sig_alg", K::Value, "Signature algorithm"},
    Field{"tls_cert_sha256", "/tls_audit/cert/sha256", K::Value, "SHA-256 fingerprint"},
    Field{"tls_cert_self_signed", "/tls_audit/cert/self_signed", K::Value, "Self-signed"},
    Field{"tls_cert_expired", "/tls_audit/cert/expired", K::Value, "Expired"},
    Field{"tls_cert_not_yet_valid", "/tls_audit/cert/not_yet_valid", K::Value, "Not yet valid"},
    Field{"tls_chain_length", "/tls_audit/chain", K::Count, "Certificates sent"},
    Field{"tls_trusted", "/tls_audit/trusted", K::Value, "Chain verified against the trust store"},
    Field{"tls_verify_error", "/tls_audit/verify_error", K::Value, "Why the chain is not trusted"},
    Field{"tls_client_cert_requested", "/tls_audit/client_cert_requested", K::Value,
          "Server asks for a client certificate"},
    Field{"tls_client_cert_required", "/tls_audit/client_cert_required", K::Value,
          "Handshake fails without a client certificate"},
    Field{"tls_plaintext_port", "/tls_audit/plaintext_port", K::Value,
          "Port where the same host accepts cleartext DICOM"},
    Field{"tls_profiles_pass", "/tls_audit/profiles", K::MapFlag, "TLS profiles met", "status",
          "pass"},
    Field{"tls_profiles_fail", "/tls_audit/profiles", K::MapFlag, "TLS profiles not met", "status",
          "fail"},
    Field{"tls_profiles_not_determinable", "/tls_audit/profiles", K::MapFlag,
          "TLS profiles the handshakes cannot decide", "status", "not-determinable"},
    Field{"tls_handshakes", "/tls_audit/handshakes", K::Value, "Connections the TLS audit made"},
    // access
    Field{"access_find", "/access/find/state", K::Value, "C-FIND as an unknown AE"},
    Field{"access_find_patients", "/access/find/patient", K::Value,
          "Patient-level matches counted"},
    Field{"access_find_studies", "/access/find/study", K::Value, "Study-level matches counted"},
    Field{"access_find_capped", "/access/find/capped", K::Value, "Counting stopped at the cap"},
    Field{"access_find_status", "/access/find/status", K::Value, "DIMSE status of C-FIND"},
    Field{"access_find_evidence", "/access/find/evidence", K::Value, "What C-FIND showed"},
    Field{"access_move", "/access/move/state", K::Value, "C-MOVE as an unknown AE"},
    Field{"access_move_status", "/access/move/status", K::Value, "DIMSE status of C-MOVE"},
    Field{"access_move_evidence", "/access/move/evidence", K::Value, "What C-MOVE showed"},
    Field{"access_get", "/access/get/state", K::Value, "C-GET as an unknown AE"},
    Field{"access_get_status", "/access/get/status", K::Value, "DIMSE status of C-GET"},
    Field{"access_get_evidence", "/access/get/evidence", K::Value, "What C-GET showed"},
    Field{"access_store", "/access/store/state", K::Value, "C-STORE as an unknown AE"},
    Field{"access_store_status", "/access/store/status", K::Value, "DIMSE status of C-STORE"},
    Field{"access_store_evidence", "/access/store/evidence", K::Value, "What C-STORE showed"},
    Field{"access_discovered_called_ae", "/access/discovered_called_ae", K::Value,
          "Vendor default called AE title that worked"},
    Field{"access_store_cleanup", "/access/store_cleanup", K::Join,
          "How to delete the test object stored"},
    Field{"access_called_ae", "/access/called_ae", K::Value,
          "Called AE title the access checks used"},
    Field{"access_called_ae_tried", "/access/called_ae_tried", K::Join,
          "Vendor default called AE titles tried"},
    Field{"access_association", "/access/association", K::Value,
          "Result of the access association"},
    Field{"access_associations", "/access/associations", K::Value,
          "Associations the access checks opened"},
    Field{"access_error", "/access/error", K::Value, "Protocol error that ended the access checks"},
    // web
    Field{"web_https", "/web/https", K::Value, "DICOMweb/REST served over HTTPS"},
    Field{"web_server", "/web/server", K::Value, "HTTP Server header"},
    Field{"web_product", "/web/product", K::Value, "Web product identified"},
    Field{"web_requires_auth", "/web/requires_auth", K::Value,
          "Answers 401/403 without credentials"},
    Field{"web_open", "/web/open", K::Value, "Answers data without credentials"},
    Field{"web_default_credentials_user", "/web/default_credentials_user", K::Value,
          "User name of vendor default credentials that worked"},
    Field{"web_tls_verification", "/web/tls_verification", K::Value,
          "Whether the HTTPS certificate was verified (the probe skips it)"},
    Field{"web_endpoint_paths", "/web/endpoints", K::JoinKey, "Endpoints probed", "path"},
    Field{"web_endpoint_statuses", "/web/endpoints", K::JoinKey, "HTTP status per endpoint",
          "http_status"},
    Field{"web_endpoint_auth", "/web/endpoints", K::JoinKey, "Authentication used per endpoint",
          "auth"},
    Field{"web_endpoint_counts", "/web/endpoints", K::JoinKey, "Items counted per endpoint",
          "count"},
    Field{"web_title", "/web/title", K::Value, "HTML title of GET / (printable, 80 characters)"},
    Field{"web_login_page", "/web/login_page", K::Value, "GET / shows a password field"},
    // honeypot (issue 12 §3)
    Field{"honeypot_likely", "/honeypot/likely", K::Value, "Behaves like a known DICOM honeypot"},
    Field{"honeypot_confidence", "/honeypot/confidence", K::Value,
          "none, low, medium or high (docs/honeypots.md)"},
    Field{"honeypot_evidence", "/honeypot/evidence", K::Join, "Honeypot signals that fired"},
    // findings
    Field{"worst_severity", "/findings", K::Worst, "Highest finding severity"},
    Field{"finding_count", "/findings", K::Count, "Number of findings"},
    Field{"findings", "/findings", K::JoinKey, "Finding ids", "id"},
    Field{"finding_evidence", "/findings", K::JoinKey, "Evidence per finding", "evidence"},
    Field{"duration_ms", "/duration_ms", K::Value, "Probe time in milliseconds"},
    // import leads (issue 16): empty for scan records
    Field{"lead_source", "/lead/source", K::Value, "Import lead: shodan, censys or csv"},
    Field{"lead_observed_at", "/lead/observed_at", K::Value, "When the internet scanner saw it"},
    Field{"lead_transport", "/lead/transport", K::Value, "tcp or udp, as the scanner saw it"},
    Field{"lead_service", "/lead/service", K::Value, "The scanner's service or module name"},
    Field{"lead_product", "/lead/product", K::Value, "The scanner's product name"},
    Field{"lead_org", "/lead/org", K::Value, "Organisation the scanner names"},
    Field{"lead_asn", "/lead/asn", K::Value, "Autonomous system the scanner names"},
    Field{"lead_hostnames", "/lead/hostnames", K::Join, "Hostnames the scanner names"},
    Field{"lead_ae_title", "/lead/facts/ae_title", K::Value, "AE title read from the banner"},
    Field{"lead_implementation_class_uid", "/lead/facts/implementation_class_uid", K::Value,
          "Implementation class UID read from the banner"},
    Field{"lead_implementation_version", "/lead/facts/implementation_version", K::Value,
          "Implementation version name read from the banner"},
    Field{"lead_matched_by", "/lead/matched_by", K::Value, "netblock, or hostname (moved)"},
    Field{"lead_moved_note", "/lead/moved/note", K::Value, "Why a moved address was kept"},
};

constexpr std::array kExclusions{
    Exclusion{"/association/reject/codes/*", "raw codes; reject_result/source/reason name them"},
    Exclusion{"/association/abort/codes/*", "raw codes; abort_source/reason name them"},
    Exclusion{"/association/accepted_contexts/*/abstract", "a list per record; JSONL has it"},
    Exclusion{"/association/accepted_contexts/*/transfer", "a list per record; JSONL has it"},
    Exclusion{"/called_ae_check/reject/result", "called_ae_check_reject_reason is what matters"},
    Exclusion{"/called_ae_check/reject/source", "called_ae_check_reject_reason is what matters"},
    Exclusion{"/called_ae_check/reject/codes/*", "raw codes"},
    Exclusion{"/tls_audit/chain/**", "whole chain; the leaf is in tls_cert_*"},
    Exclusion{"/tls_audit/profiles/*/name", "profile ids are in tls_profiles_*"},
    Exclusion{"/tls_audit/profiles/*/retired", "profile ids are in tls_profiles_*"},
    Exclusion{"/tls_audit/profiles/*/reasons/*", "a list per profile; JSONL has it"},
    Exclusion{"/web/endpoints/*/capped", "body cut at the size cap; JSONL has it"},
    Exclusion{"/findings/*/severity", "worst_severity; per finding in JSONL/SARIF"},
    Exclusion{"/lead/domains/*", "lead_hostnames; domains in JSONL"},
    Exclusion{"/lead/tags/*", "vendor tags; JSONL has them"},
    Exclusion{"/lead/tls", "the scanner's view; tls is ours"},
    Exclusion{"/lead/banner", "raw vendor text; lead_ae_title etc. are read from it"},
    Exclusion{"/lead/banner_truncated", "about the raw banner; JSONL has it"},
    Exclusion{"/lead/moved/name", "lead_moved_note names it"},
    Exclusion{"/lead/moved/now/*", "lead_moved_note names them"},
    Exclusion{"/lead/moved/reverse", "lead_moved_note; JSONL has it"},
    Exclusion{"/lead/file", "where the lead came from; JSONL has it"},
    Exclusion{"/lead/line", "where the lead came from; JSONL has it"},
    // Issue 12 §3: the tags and counts the honeypot rule reads; honeypot_evidence says what
    // they showed.
    Exclusion{"/access/find/answers/**", "C-FIND answer shapes; JSONL has them"},
};

// The value of `field` in `record`, or nullptr when absent or null. The table's pointers are
// parsed once: a CSV of many records asks for every field of every record.
const json* at(const json& record, const Field& field) {
  static const std::vector<json::json_pointer> parsed = [] {
    std::vector<json::json_pointer> v;
    for (const auto& f : kFields) v.emplace_back(std::string(f.pointer));
    return v;
  }();
  const auto index = static_cast<std::size_t>(&field - kFields.data());
  const auto lookup = [&](const json::json_pointer& p) -> const json* {
    if (!record.is_object() || !record.contains(p)) return nullptr;
    const auto& v = record.at(p);
    return v.is_null() ? nullptr : &v;
  };
  if (&field >= kFields.data() && index < kFields.size()) return lookup(parsed[index]);
  return lookup(json::json_pointer(std::string(field.pointer)));
}

std::string scalar_text(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

int severity_rank(const json& v) {
  static constexpr std::array<std::string_view, 5> kOrder{"info", "low", "medium", "high",
                                                          "critical"};
  if (!v.is_string()) return -1;
  const auto s = v.get<std::string>();
  for (std::size_t i = 0; i < kOrder.size(); ++i)
    if (kOrder[i] == s) return static_cast<int>(i);
  return -1;
}

void append(std::string& out, std::string_view sep, std::string_view item) {
  if (!out.empty()) out += sep;
  out += item;
}

}  // namespace

// The flat view of a flow record (`dicomsec pcap`, schemas/flow-record.schema.json).
constexpr std::array kFlowFields{
    Field{"conn", "/conn", K::Value, "Flow id (stable within a capture)"},
    Field{"client_ip", "/client/ip", K::Value, "Client (association requestor) address"},
    Field{"client_port", "/client/port", K::Value, "Client port"},
    Field{"server_ip", "/server/ip", K::Value, "Server (acceptor) address"},
    Field{"server_port", "/server/port", K::Value, "Server port"},
    Field{"start", "/start", K::Value, "First packet (capture time, UTC)"},
    Field{"end", "/end", K::Value, "Last packet (capture time, UTC)"},
    Field{"close", "/close", K::Value, "fin, rst, idle, evicted, end-of-capture"},
    Field{"protocol", "/protocol", K::Value, "dicom or tls"},
    Field{"encrypted", "/encrypted", K::Value, "TLS flow"},
    Field{"midstream", "/midstream", K::Value, "Decoded without its A-ASSOCIATE-RQ"},
    Field{"association", "/association/result", K::Value, "accepted, rejected, aborted, none"},
    Field{"calling_ae", "/association/calling_ae", K::Value, "Calling AE title"},
    Field{"called_ae", "/association/called_ae", K::Value, "Called AE title"},
    Field{"reject_reason", "/association/reject/reason", K::Value, "A-ASSOCIATE-RJ reason"},
    Field{"product", "/product/name", K::Value, "Server product"},
    Field{"product_version", "/product/version", K::Value, "Server product version"},
    Field{"client_product", "/client_product/name", K::Value, "Client product"},
    Field{"user_identity", "/user_identity/type", K::Value, "User identity type (never its value)"},
    Field{"cleartext_secret", "/user_identity/cleartext_secret", K::Value,
          "A password or token crossed in cleartext"},
    Field{"dimse", "/dimse", K::MapJoin, "DIMSE commands and counts"},
    Field{"move_destinations", "/move_destinations", K::Join, "C-MOVE destination AE titles"},
    Field{"sop_classes_stored", "/sop_classes_stored", K::Join, "SOP classes of C-STORE-RQs"},
    Field{"instances_to_server", "/to_server/instances", K::Value, "Data sets client to server"},
    Field{"bytes_to_server", "/to_server/bytes", K::Value, "Data-set bytes client to server"},
    Field{"instances_to_client", "/to_client/instances", K::Value, "Data sets server to client"},
    Field{"bytes_to_client", "/to_client/bytes", K::Value, "Data-set bytes server to client"},
    Field{"phi_elements", "/phi_elements", K::Join, "Tags of patient data seen in cleartext"},
    Field{"tls_version", "/tls/version", K::Value, "TLS version"},
    Field{"tls_suite", "/tls/suite", K::Value, "TLS cipher suite"},
    Field{"tls_sni", "/tls/sni", K::Value, "TLS server name"},
    Field{"tls_cert_subject", "/tls/cert_subject", K::Value, "Server certificate subject"},
    Field{"tls_cert_not_after", "/tls/cert_not_after", K::Value, "Certificate expiry"},
    Field{"gaps", "/gaps", K::Value, "Capture gaps in the flow"},
    Field{"worst_severity", "/findings", K::Worst, "Highest finding severity"},
    Field{"findings", "/findings", K::JoinKey, "Finding ids", "id"},
    Field{"finding_evidence", "/findings", K::JoinKey, "Finding evidence", "evidence"},
};

std::span<const Field> fields() { return kFields; }
std::span<const Field> flow_fields() { return kFlowFields; }
std::span<const Exclusion> exclusions() { return kExclusions; }

std::vector<std::string> covered_patterns(const Field& f) {
  const std::string p(f.pointer);
  switch (f.kind) {
    case K::Value:
      return {p};
    case K::Join:
      return {p + "/*"};
    case K::JoinKey:
      return {p + "/*/" + std::string(f.key)};
    case K::Count:
      return {};
    case K::Worst:
      return {p + "/*/severity"};
    case K::MapJoin:
      return {p + "/*/*"};
    case K::MapFlag:
      return {p + "/*/" + std::string(f.key)};
    case K::Words:
      return {};
  }
  return {};
}

std::string cell(const Field& f, const json& record) {
  if (f.kind == K::Words) return association_words(record);
  const auto* v = at(record, f);
  if (!v) return "";
  std::string out;
  switch (f.kind) {
    case K::Value:
      return scalar_text(*v);
    case K::Join:
      if (v->is_array())
        for (const auto& item : *v) append(out, ";", scalar_text(item));
      return out;
    case K::JoinKey: {
      // Evidence is prose that may itself hold ';'.
      const std::string_view sep = f.key == "evidence" ? " | " : ";";
      if (v->is_array())
        for (const auto& item : *v)
          append(out, sep,
                 item.is_object() && item.contains(std::string(f.key))
                     ? scalar_text(item.at(std::string(f.key)))
                     : "");
      return out;
    }
    case K::Count:
      return v->is_array() ? std::to_string(v->size()) : "";
    case K::Worst: {
      int worst = -1;
      std::string name;
      if (v->is_array())
        for (const auto& item : *v)
          if (item.is_object() && item.contains("severity") &&
              severity_rank(item["severity"]) > worst) {
            worst = severity_rank(item["severity"]);
            name = item["severity"].get<std::string>();
          }
      return name;
    }
    case K::MapJoin:
      if (v->is_object())
        for (const auto& [key, list] : v->items()) {
          std::string items;
          if (list.is_array())
            for (const auto& item : list) append(items, " ", scalar_text(item));
          else
            items = scalar_text(list);  // an object of counts: "C-STORE-RQ:3"
          append(out, ";", key + ":" + items);
        }
      return out;
    case K::Words:
      return out;  // handled above
    case K::MapFlag:
      if (v->is_object())
        for (const auto& [key, entry] : v->items())
          if (entry.is_object() && entry.contains(std::string(f.key)) &&
              entry.at(std::string(f.key)) == f.match)
            append(out, ";", key);
      return out;
  }
  return out;
}

}  // namespace dicomsec::report
