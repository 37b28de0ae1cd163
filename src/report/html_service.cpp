// The detail pages of the HTML report: one section per open host:port with what the probe
// saw (association, product), the findings with their remediation, and the TLS audit,
// access checks and DICOMweb probe when the record has them.
#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "findings/catalogue.hpp"
#include "report/html.hpp"
#include "report/wording.hpp"
#include "report/json_parts.hpp"

namespace dicomsec::report::html {

namespace {

// A <dt>/<dd> pair, skipped when the value is empty.
void item(std::string& out, std::string_view label, const std::string& value,
          std::string_view cls = "") {
  if (value.empty()) return;
  out += fmt::format("<dt>{}</dt><dd{}>{}</dd>\n", label,
                     cls.empty() ? "" : fmt::format(" class=\"{}\"", cls), esc(value));
}

std::string yes_no(const json& r, std::string_view pointer) {
  const auto* v = at(r, pointer);
  return v && v->is_boolean() ? (v->get<bool>() ? "yes" : "no") : "";
}

std::string joined(const json& r, std::string_view pointer, std::string_view sep = ", ") {
  std::string out;
  if (const auto* v = at(r, pointer); v && v->is_array())
    for (const auto& x : *v) {
      if (!out.empty()) out += sep;
      out += x.is_string() ? x.get<std::string>() : x.dump();
    }
  return out;
}

void overview_part(std::string& out, const json& r) {
  out += "<div class=\"part\" data-part=\"service\">\n<h4>Service</h4>\n<dl>\n";
  item(out, "Status", text(r, "/status"), text(r, "/status") == "success" ? "" : "warn");
  item(out, "Detail", text(r, "/detail"));
  item(out, "Speaks DICOM", yes_no(r, "/dicom"));
  item(out, "TLS", yes_no(r, "/tls"));
  if (at(r, "/product")) {
    item(out, "Product", product_label(r));
    item(out, "Vendor", text(r, "/product/vendor"));
    item(out, "Toolkit", text(r, "/product/toolkit"));
    item(out, "Application", text(r, "/product/application"));
    const auto conf = text(r, "/product/confidence");
    const auto by = text(r, "/product/matched_by");
    item(out, "Identified by", by.empty() ? conf : by + (conf.empty() ? "" : " (" + conf + " confidence)"));
  }
  item(out, "Probe time", at(r, "/duration_ms") ? text(r, "/duration_ms") + " ms" : "");
  out += "</dl>\n</div>\n";
}

void association_part(std::string& out, const json& r) {
  if (!at(r, "/association")) return;
  out += "<div class=\"part\" data-part=\"association\">\n<h4>Association</h4>\n<dl>\n";
  item(out, "Result", text(r, "/association/result"));
  item(out, "Calling → called AE",
       text(r, "/association/calling_ae") + " → " + text(r, "/association/called_ae"));
  if (at(r, "/association/reject"))
    item(out, "Rejected",
         text(r, "/association/reject/result") + ", " + text(r, "/association/reject/source") +
             ": " + text(r, "/association/reject/reason"));
  if (at(r, "/association/abort"))
    item(out, "Aborted",
         text(r, "/association/abort/source") + ": " + text(r, "/association/abort/reason"));
  item(out, "Max PDU", text(r, "/association/max_pdu"));
  item(out, "Implementation UID", text(r, "/association/implementation/class_uid"), "mono");
  item(out, "Implementation version", text(r, "/association/implementation/version"), "mono");
  if (const auto* c = at(r, "/association/accepted_contexts"); c && c->is_array())
    item(out, "Contexts accepted", std::to_string(c->size()));
  item(out, "Released properly", yes_no(r, "/association/released"));
  item(out, "C-ECHO status", text(r, "/echo/status"));
  if (at(r, "/called_ae_check")) {
    auto check = text(r, "/called_ae_check/result");
    if (const auto reason = text(r, "/called_ae_check/reject/reason"); !reason.empty())
      check += " (" + reason + ")";
    // Issue 12 §5: no try got a DICOM answer; the called AE title was not checked.
    if (text(r, "/called_ae_check/state") == "inconclusive")
      check = "inconclusive: " + text(r, "/called_ae_check/reason");
    item(out, "Random called AE " + esc(text(r, "/called_ae_check/called_ae")), check,
         text(r, "/called_ae_check/result") == "accepted" ? "bad" : "");
  }
  out += "</dl>\n</div>\n";
}

// "T1040,T1557" -> "T1040, T1557", so a long list can wrap.
std::string spaced(std::string_view list) {
  std::string out;
  for (char c : list) out += c == ',' ? std::string(", ") : std::string(1, c);
  return out;
}

void findings_part(std::string& out, const json& r) {
  const auto* f = at(r, "/findings");
  if (!f || !f->is_array() || f->empty()) {
    out += "<p class=\"muted no-findings\">No findings.</p>\n";
    return;
  }
  out += "<table class=\"grid findings\">\n<thead><tr><th>Severity</th><th>Finding</th>"
         "<th>Evidence</th><th>Remediation</th><th>Checklist</th></tr></thead>\n<tbody>\n";
  // Worst first; the record's order among equals.
  std::vector<const json*> sorted;
  for (const auto& finding : *f) sorted.push_back(&finding);
  std::stable_sort(sorted.begin(), sorted.end(), [](const json* a, const json* b) {
    return severity_rank(text(*a, "/severity")) > severity_rank(text(*b, "/severity"));
  });
  for (const auto* entry : sorted) {
    const auto& finding = *entry;
    const auto id = text(finding, "/id");
    const auto severity = text(finding, "/severity");
    const auto* def = findings::find(id);
    const auto sev = severity_rank(severity) >= 0 ? severity : std::string("none");
    out += fmt::format(
        "<tr class=\"finding\" data-id=\"{}\" data-severity=\"{}\"><td><span class=\"sev sev-{}\">{}"
        "</span></td><td><div class=\"fid\">{}</div>{}</td><td>{}</td><td>{}</td><td>{}{}</td></tr>\n",
        esc(id), esc(sev), esc(sev), esc(severity), esc(id),
        def ? "<div>" + esc(def->title) + "</div>" : "", esc(text(finding, "/evidence")),
        esc(remediation_for(r, id)), def ? esc(def->checklist) : "",
        def && !def->attack.empty()
            ? "<div class=\"attack\">ATT&amp;CK " + esc(spaced(def->attack)) + "</div>"
            : "");
  }
  out += "</tbody>\n</table>\n";
}

void tls_part(std::string& out, const json& r) {
  const auto* t = at(r, "/tls_audit");
  if (!t) return;
  out += "<div class=\"part wide\" data-part=\"tls_audit\">\n<h4>TLS audit</h4>\n<dl>\n";
  std::string versions;
  if (const auto* v = at(*t, "/versions"); v && v->is_array())
    for (const auto& x : *v) {
      const auto name = x.is_string() ? x.get<std::string>() : x.dump();
      const bool old = name != "TLSv1.2" && name != "TLSv1.3";
      versions += fmt::format("<span class=\"chip {}\">{}</span> ", old ? "chip-bad" : "chip-ok",
                              esc(name));
    }
  if (!versions.empty()) out += "<dt>Versions</dt><dd>" + versions + "</dd>\n";
  if (const auto* c = at(*t, "/ciphers"); c && c->is_object())
    for (const auto& [version, list] : c->items())
      item(out, "Suites " + esc(version), joined(json{{"l", list}}, "/l", " · "), "mono small suites");
  item(out, "Server chooses suite", yes_no(*t, "/server_preference"));
  item(out, "Groups", joined(*t, "/groups"));
  if (at(*t, "/cert")) {
    item(out, "Certificate subject", text(*t, "/cert/subject"), "mono");
    item(out, "Issuer", text(*t, "/cert/issuer"), "mono");
    item(out, "Names", joined(*t, "/cert/sans"));
    item(out, "Valid", text(*t, "/cert/not_before") + " – " + text(*t, "/cert/not_after"),
         flag(*t, "/cert/expired") || flag(*t, "/cert/not_yet_valid") ? "bad" : "");
    item(out, "Key", text(*t, "/cert/key_type") + " " + text(*t, "/cert/key_bits") + " bits, " +
                         text(*t, "/cert/sig_alg"));
    std::string flags;
    if (flag(*t, "/cert/self_signed")) flags += "self-signed ";
    if (flag(*t, "/cert/expired")) flags += "expired ";
    if (flag(*t, "/cert/not_yet_valid")) flags += "not yet valid ";
    item(out, "Certificate problems", flags, "bad");
  }
  item(out, "Chain trusted", yes_no(*t, "/trusted"), flag(*t, "/trusted") ? "" : "warn");
  item(out, "Verify error", text(*t, "/verify_error"));
  item(out, "Client certificate",
       flag(*t, "/client_cert_required")    ? "required"
       : flag(*t, "/client_cert_requested") ? "requested, not required"
                                            : "not requested");
  if (at(*t, "/plaintext_port"))
    item(out, "Cleartext DICOM also on port", text(*t, "/plaintext_port"), "bad");
  out += "</dl>\n";
  if (const auto* p = at(*t, "/profiles"); p && p->is_object() && !p->empty()) {
    out += "<table class=\"grid profiles\">\n<thead><tr><th>Profile</th><th>Result</th>"
           "<th>Why</th></tr></thead>\n<tbody>\n";
    for (const auto& [id, profile] : p->items()) {
      const auto status = text(profile, "/status");
      const bool pass = status == "pass";
      const bool undecided = status == "not-determinable";
      out += fmt::format(
          "<tr data-profile=\"{}\" data-status=\"{}\"><td>{}{}</td><td><span class=\"{}\">{}</span>"
          "</td><td>{}</td></tr>\n",
          esc(id), pass ? "pass" : undecided ? "not-determinable" : "fail",
          esc(text(profile, "/name").empty() ? id : text(profile, "/name")),
          flag(profile, "/retired") ? " <span class=\"muted\">(retired)</span>" : "",
          pass ? "ok" : undecided ? "warn" : "bad",
          pass ? "meets" : undecided ? "cannot tell" : "fails",
          esc(joined(profile, "/reasons", "; ")));
    }
    out += "</tbody>\n</table>\n";
  }
  out += "</div>\n";
}

// DIMSE statuses read best in hex, as PS3.7 Annex C lists them (0xA801).
std::string dimse_status(const json& r, std::string_view pointer) {
  const auto* v = at(r, pointer);
  return v && v->is_number_unsigned() ? fmt::format("0x{:04X}", v->get<unsigned>()) : text(r, pointer);
}

void access_part(std::string& out, const json& r) {
  const auto* a = at(r, "/access");
  if (!a) return;
  out += "<div class=\"part wide\" data-part=\"access\">\n<h4>Access as an unknown AE</h4>\n"
         "<table class=\"grid access\">\n<thead><tr><th>Operation</th><th>Result</th>"
         "<th>Status</th><th>Evidence</th></tr></thead>\n<tbody>\n";
  for (const auto* op : {"find", "move", "get", "store"}) {
    const auto base = std::string("/") + op;
    const auto state = text(*a, base + "/state");
    std::string result = state;
    if (std::string_view(op) == "find" && state == "allowed") {
      result += fmt::format(": {} patients, {} studies", text(*a, "/find/patient").empty() ? "?" : text(*a, "/find/patient"),
                            text(*a, "/find/study").empty() ? "?" : text(*a, "/find/study"));
      if (flag(*a, "/find/capped")) result += " (capped)";
    }
    out += fmt::format(
        "<tr data-op=\"{}\" data-state=\"{}\"><td>C-{}</td><td><span class=\"{}\">{}</span></td>"
        "<td>{}</td><td>{}</td></tr>\n",
        op, esc(state), fmt::format("{}", op == std::string_view("find")   ? "FIND"
                                          : op == std::string_view("move") ? "MOVE"
                                          : op == std::string_view("get")  ? "GET"
                                                                           : "STORE"),
        state == "allowed" ? "bad" : state == "denied" ? "ok" : "muted", esc(result),
        esc(dimse_status(*a, base + "/status")), esc(text(*a, base + "/evidence")));
  }
  out += "</tbody>\n</table>\n<dl>\n";
  item(out, "Default called AE that worked", text(*a, "/discovered_called_ae"), "bad");
  item(out, "Clean-up of the test object", joined(*a, "/store_cleanup", "; "));
  out += "</dl>\n</div>\n";
}

void web_part(std::string& out, const json& r) {
  const auto* w = at(r, "/web");
  if (!w) return;
  out += "<div class=\"part wide\" data-part=\"web\">\n<h4>DICOMweb / REST</h4>\n<dl>\n";
  item(out, "Scheme", flag(*w, "/https") ? "HTTPS" : "HTTP", flag(*w, "/https") ? "" : "bad");
  item(out, "Server header", text(*w, "/server"), "mono");
  item(out, "Product", text(*w, "/product"));
  item(out, "Without credentials",
       flag(*w, "/open") ? "answers with data" : flag(*w, "/requires_auth") ? "asks for credentials" : "no data",
       flag(*w, "/open") ? "bad" : "");
  item(out, "Default credentials work for user", text(*w, "/default_credentials_user"), "bad");
  out += "</dl>\n";
  if (const auto* e = at(*w, "/endpoints"); e && e->is_array() && !e->empty()) {
    out += "<table class=\"grid endpoints\">\n<thead><tr><th>Path</th><th>HTTP</th><th>Auth</th>"
           "<th>Items</th></tr></thead>\n<tbody>\n";
    for (const auto& ep : *e)
      out += fmt::format("<tr><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                         esc(text(ep, "/path")), esc(text(ep, "/http_status")),
                         esc(text(ep, "/auth")), esc(text(ep, "/count")));
    out += "</tbody>\n</table>\n";
  }
  out += "</div>\n";
}

}  // namespace

void write_service(std::string& out, const Service& s) {
  const auto& r = *s.record;
  const auto worst = s.worst >= 0 ? kSeverities[static_cast<std::size_t>(s.worst)] : "none";
  const auto* f = at(r, "/findings");
  const auto count = f && f->is_array() ? f->size() : 0;
  out += fmt::format("<article class=\"host worst-{}\" id=\"{}\" data-host=\"{}\" data-worst=\"{}\" "
                     "data-findings=\"{}\">\n<header class=\"host-head\"><h3>{}</h3>",
                     worst, s.anchor, esc(s.where), worst, count, esc(s.where));
  if (const auto name = text(r, "/hostname"); !name.empty())
    out += "<span class=\"hostname\">" + esc(name) + "</span>";
  out += fmt::format("<span class=\"sev sev-{}\">{}</span><span class=\"muted\">{} finding{}</span>"
                     "</header>\n",
                     worst, s.worst >= 0 ? worst : "no findings", count, count == 1 ? "" : "s");
  out += "<p class=\"assoc-words\">" + esc(association_words(r)) + "</p>\n<div class=\"parts\">\n";
  overview_part(out, r);
  association_part(out, r);
  out += "</div>\n";
  findings_part(out, r);
  out += "<div class=\"parts\">\n";
  tls_part(out, r);
  access_part(out, r);
  web_part(out, r);
  out += "</div>\n</article>\n";
}

}  // namespace dicomsec::report::html
