// MDS2 answers from measurements: the rules of issue 16 §3, one function per question, each
// reading only what the records hold. docs/design.md ("MDS2") gives the reasoning.
#include "report/mds2.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "record/record.hpp"
#include "report/csv.hpp"
#include "report/html.hpp"

namespace dicomsec::report::mds2 {

namespace {

using html::at;
using html::flag;
using html::text;
using nlohmann::json;

// The questions, paraphrased from ANSI/NEMA HN 1-2019, in the form's order.
struct Question {
  std::string_view id;
  std::string_view text;
};
constexpr Question kQuestions[] = {
    {"NAUT-1",
     "Can the device authenticate the systems it exchanges data with, so that both "
     "ends know each other?"},
    {"NAUT-3", "Does the device authenticate network connections with certificates?"},
    {"CONN-2", "Does the vendor list the network ports and protocols the device uses?"},
    {"CONN-3", "Does the device communicate with other systems inside the customer's network?"},
    {"CONN-4", "Does the device communicate with systems outside the customer's network?"},
    {"CONN-7", "Does the device support TLS?"},
    {"SAHD-8", "Are the ports and protocols the device does not need for its use turned off?"},
    {"TXCF-2", "Is patient data encrypted before it crosses the network?"},
    {"TXCF-4", "Are connections accepted only from authenticated systems?"},
    {"TXCF-5", "Does the device support a secure way to transmit (such as DICOM over TLS)?"},
    {"TXIG-1", "Does the device protect data against change while in transit?"},
};

constexpr std::string_view kScope =
    "MDS2 describes a product as its manufacturer ships it; these answers describe one "
    "deployment as dicomsec measured it from one place at one time. A Yes is what was seen; "
    "'not observed' is not a No: the feature may exist but be switched off, filtered, or out "
    "of the scan's reach.";
constexpr std::string_view kOmitted =
    "Every other MDS2 question (PAUT, AUDT, STCF, MLDP, CSUP, SBOM, RMOT, DTBK, PLOK, ...) is "
    "left out: it is about users, logs, storage, software or service inside the product, "
    "which a network measurement cannot see.";

bool is_sighting_source(std::string_view s) { return s == "shodan" || s == "censys" || s == "csv"; }

bool has_finding(const json& r, std::string_view id) {
  if (const auto* f = at(r, "/findings"); f && f->is_array())
    for (const auto& finding : *f)
      if (text(finding, "/id") == id) return true;
  return false;
}

bool accepted(const json& r) { return text(r, "/association/result") == "accepted"; }
bool dicom_in_tls(const json& r) { return flag(r, "/dicom") && flag(r, "/tls"); }
bool cert_required(const json& r) { return flag(r, "/tls_audit/client_cert_required"); }
int port(const json& r) {
  const auto* p = at(r, "/port");
  return p && p->is_number_integer() ? p->get<int>() : 0;
}

// What was seen on one open port, for CONN-2 and SAHD-8.
std::string protocol(const json& r) {
  if (flag(r, "/dicom")) return flag(r, "/tls") ? "DICOM over TLS" : "DICOM (cleartext)";
  const bool tls = flag(r, "/tls") || at(r, "/tls_audit") != nullptr;
  if (const auto* w = at(r, "/web"))
    return flag(*w, "/https") ? "HTTPS (DICOMweb/REST)" : "HTTP (DICOMweb/REST)";
  if (tls) return "TLS, no DICOM answer seen";
  return fmt::format("open, no DICOM answer ({})", text(r, "/status"));
}

// Civil date to days since 1970-01-01 (proleptic Gregorian; H. Hinnant's algorithm).
long days_from_civil(long y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const long era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long>(doe) - 719468;
}

std::optional<long> parse_date(std::string_view iso) {
  if (iso.size() < 10 || iso[4] != '-' || iso[7] != '-') return std::nullopt;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (iso[i] < '0' || iso[i] > '9') return std::nullopt;
  auto num = [&](std::size_t from, std::size_t n) {
    long v = 0;
    for (std::size_t i = from; i < from + n; ++i) v = v * 10 + (iso[i] - '0');
    return v;
  };
  const long y = num(0, 4), m = num(5, 2), d = num(8, 2);
  if (m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
  return days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

// IPv4 in numeric order, then IPv6 by text.
std::string address_key(const std::string& ip) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  char tail = 0;
  if (std::sscanf(ip.c_str(), "%3u.%3u.%3u.%3u%c", &a, &b, &c, &d, &tail) == 4)
    return fmt::format("4{:03}{:03}{:03}{:03}", a, b, c, d);
  return "6" + ip;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : std::string(sep)) + p;
  return out;
}

// "port 104" or "ports 104, 11112".
std::string ports_phrase(const std::vector<std::string>& ports) {
  return (ports.size() == 1 ? "port " : "ports ") + join(ports, ", ");
}

// Everything measured about one host.
struct Device {
  std::string ip, hostname;
  std::vector<const json*> open;  // open ports, in port order
  std::size_t closed = 0;         // probed and closed
  std::vector<Sighting> sightings;
};

struct Verdict {
  std::string answer, evidence, confidence;
};

Verdict not_observed(std::string evidence) {
  return {std::string(kNotObserved), std::move(evidence), "n/a"};
}

// Ports (as "104, 11112") of the open records that satisfy `pred`.
template <class Pred>
std::vector<std::string> ports_where(const Device& d, Pred pred) {
  std::vector<std::string> out;
  for (const auto* r : d.open)
    if (pred(*r)) out.push_back(std::to_string(port(*r)));
  return out;
}

Verdict conn3(const Device& d) {
  for (const auto* r : d.open)
    if (accepted(*r))
      return {"Yes",
              fmt::format("port {}: association accepted{} (calling AE {}, called AE {})", port(*r),
                          flag(*r, "/tls") ? " inside TLS" : "",
                          text(*r, "/association/calling_ae"), text(*r, "/association/called_ae")),
              "high"};
  return not_observed("no association was accepted on the ports probed");
}

Verdict conn4(const Device& d, const Options& o) {
  if (d.sightings.empty())
    return not_observed("no internet-scanner sighting of this address was imported");
  std::vector<std::string> stale;
  for (const auto& s : d.sightings) {
    const auto age = age_days(s.observed_at, o.scan_started);
    auto where = s.port ? fmt::format("{} saw port {} on {}", s.source, s.port, s.observed_at)
                        : fmt::format("{} saw it on {}", s.source, s.observed_at);
    if (address_key(s.ip) != address_key(d.ip))
      where += fmt::format(" at {}, the address {} had then", s.ip,
                           s.moved_name.empty() ? "its name" : s.moved_name);
    if (age && *age <= kFreshDays)
      return {"Yes",
              fmt::format("{}, {} day(s) before this scan: reachable from the internet", where,
                          std::max(0L, *age)),
              "medium"};
    stale.push_back(age ? fmt::format("{} ({} days before this scan)", where, *age)
                        : fmt::format("{} (date not comparable with the scan's)", where));
  }
  return not_observed(
      fmt::format("only older sightings than {} days: {}", kFreshDays, join(stale, "; ")));
}

Verdict tls_dicom(const Device& d) {
  if (auto ports = ports_where(d, dicom_in_tls); !ports.empty())
    return {"Yes", fmt::format("DICOM answered inside TLS on {}", ports_phrase(ports)), "high"};
  if (auto ports = ports_where(d, [](const json& r) { return at(r, "/tls_audit") != nullptr; });
      !ports.empty())
    return not_observed(
        fmt::format("a TLS handshake was seen on port {} but no DICOM answer inside it (a client "
                    "certificate may be needed: scan with --cert/--key)",
                    join(ports, ", ")));
  return not_observed("no DICOM over TLS seen on the ports probed");
}

Verdict txig1(const Device& d) {
  for (const auto* r : d.open)
    if (dicom_in_tls(*r)) {
      std::string versions;
      if (const auto* v = at(*r, "/tls_audit/versions"); v && v->is_array())
        for (const auto& x : *v)
          if (x.is_string()) versions += (versions.empty() ? "" : ", ") + x.get<std::string>();
      return {"Yes",
              fmt::format("port {}: DICOM inside TLS{}, whose records are authenticated "
                          "(integrity of the connection, not signatures on the data)",
                          port(*r), versions.empty() ? "" : " (" + versions + ")"),
              "medium"};
    }
  return not_observed("integrity in transit is only measurable through TLS, and none was seen");
}

Verdict naut(const Device& d) {
  if (auto ports = ports_where(d, cert_required); !ports.empty())
    return {"Yes",
            fmt::format("{}: the TLS handshake fails without a client certificate",
                        ports_phrase(ports)),
            "high"};
  return not_observed("no port required a client certificate");
}

Verdict txcf4(const Device& d) {
  for (const auto* r : d.open)
    if (has_finding(*r, "DICOM-ANY-CALLING-AE") && has_finding(*r, "DICOM-ANY-CALLED-AE") &&
        !cert_required(*r))
      return {"No",
              fmt::format("port {}: an unknown calling AE ({}) with a random called AE was "
                          "accepted{}, without a client certificate",
                          port(*r), text(*r, "/association/calling_ae"),
                          flag(*r, "/tls") ? " inside TLS" : ""),
              "high"};
  return not_observed("no association from an unknown system was accepted with any called AE");
}

Verdict txcf2(const Device& d) {
  auto ports = ports_where(d, [](const json& r) { return accepted(r) && !flag(r, "/tls"); });
  if (ports.empty()) return not_observed("no cleartext association was accepted");
  return {"evidence only",
          fmt::format("{}: associations accepted in cleartext, so what is sent there "
                      "crosses the network unencrypted; whether the product can encrypt is the "
                      "vendor's answer",
                      ports_phrase(ports)),
          "high"};
}

std::string port_list(const Device& d) {
  std::vector<std::string> parts;
  for (const auto* r : d.open) parts.push_back(fmt::format("{}/tcp {}", port(*r), protocol(*r)));
  return join(parts, "; ");
}

Verdict conn2(const Device& d) {
  return {"note",
          fmt::format("open: {}{}; compare with the vendor's list", port_list(d),
                      d.closed ? fmt::format(" ({} other probed port(s) closed)", d.closed) : ""),
          "high"};
}

Verdict sahd8(const Device& d) {
  return {"note",
          fmt::format("open: {}; any port the device's use does not need should be off "
                      "(only the ports probed were looked at)",
                      port_list(d)),
          "high"};
}

}  // namespace

std::optional<Sighting> sighting(const nlohmann::json& record) {
  if (!record.is_object()) return std::nullopt;
  // `dicomsec import` writes source and observed_at inside the record's `lead` object; a
  // flat record with them beside `ip` is read as well.
  const auto* lead = at(record, "/lead");
  const json& facts = lead && lead->is_object() ? *lead : record;
  const auto source = text(facts, "/source");
  const auto ip = text(record, "/ip");
  if (!is_sighting_source(source) || ip.empty()) return std::nullopt;
  Sighting s{ip, port(record), source, text(facts, "/observed_at"), {}, {}};
  if (const auto* now = at(facts, "/moved/now"); now && now->is_array()) {
    s.moved_name = text(facts, "/moved/name");
    for (const auto& a : *now)
      if (a.is_string() && !a.get<std::string>().empty()) s.now.push_back(a.get<std::string>());
  }
  return s;
}

std::optional<long> age_days(std::string_view observed_at, std::string_view reference) {
  const auto seen = parse_date(observed_at);
  const auto ref = parse_date(reference);
  if (!seen || !ref) return std::nullopt;
  return *ref - *seen;
}

std::string_view scope_note() { return kScope; }
std::string_view omitted_note() { return kOmitted; }

std::vector<Answer> answer(const std::vector<nlohmann::json>& records,
                           const std::vector<Sighting>& extra, const Options& options) {
  std::map<std::string, Device> devices;  // by address_key
  std::vector<Sighting> sightings = extra;
  for (const auto& r : records) {
    if (auto s = sighting(r)) {
      sightings.push_back(std::move(*s));
      continue;
    }
    const auto ip = text(r, "/ip");
    if (ip.empty()) continue;
    auto& d = devices[address_key(ip)];
    d.ip = ip;
    if (d.hostname.empty()) d.hostname = text(r, "/hostname");
    if (record::port_open(text(r, "/status")))
      d.open.push_back(&r);
    else
      ++d.closed;
  }
  for (auto& s : sightings) {
    if (auto it = devices.find(address_key(s.ip)); it != devices.end())
      it->second.sightings.push_back(s);
    std::set<std::string> credited{address_key(s.ip)};  // a name listed twice counts once
    for (const auto& now : s.now)
      if (auto it = devices.find(address_key(now));
          it != devices.end() && credited.insert(address_key(now)).second)
        it->second.sightings.push_back(s);
  }

  std::vector<Answer> out;
  for (auto& [key, d] : devices) {
    if (d.open.empty()) continue;  // nothing answered: nothing to say about a device
    std::stable_sort(d.open.begin(), d.open.end(),
                     [](const json* a, const json* b) { return port(*a) < port(*b); });
    const auto device = d.hostname.empty() ? d.ip : fmt::format("{} ({})", d.ip, d.hostname);
    for (const auto& q : kQuestions) {
      Verdict v;
      if (q.id == "NAUT-1" || q.id == "NAUT-3")
        v = naut(d);
      else if (q.id == "CONN-2")
        v = conn2(d);
      else if (q.id == "CONN-3")
        v = conn3(d);
      else if (q.id == "CONN-4")
        v = conn4(d, options);
      else if (q.id == "CONN-7" || q.id == "TXCF-5")
        v = tls_dicom(d);
      else if (q.id == "SAHD-8")
        v = sahd8(d);
      else if (q.id == "TXCF-2")
        v = txcf2(d);
      else if (q.id == "TXCF-4")
        v = txcf4(d);
      else if (q.id == "TXIG-1")
        v = txig1(d);
      out.push_back({device, std::string(q.id), std::string(q.text), std::move(v.answer),
                     std::move(v.evidence), std::move(v.confidence)});
    }
  }
  out.push_back({"*", "SCOPE", "What these answers describe", "note", std::string(kScope), "n/a"});
  out.push_back(
      {"*", "OMITTED", "Questions left out, and why", "note", std::string(kOmitted), "n/a"});
  return out;
}

std::string to_csv(const std::vector<Answer>& answers) {
  std::string out = "device,mds2_id,question,answer,evidence,confidence\n";
  for (const auto& a : answers)
    out += fmt::format("{},{},{},{},{},{}\n", csv_cell(a.device), csv_cell(a.mds2_id),
                       csv_cell(a.question), csv_cell(a.answer), csv_cell(a.evidence),
                       csv_cell(a.confidence));
  return out;
}

std::string to_html_section(const std::vector<Answer>& answers) {
  using html::esc;
  // A few rules of its own, scoped to the section: the shared page style stays untouched.
  std::string out =
      "<section id=\"mds2\" class=\"mds2\">\n<style>.mds2-table{border-collapse:collapse;"
      "width:100%}.mds2-table th{text-align:left}.mds2-table td{vertical-align:top;"
      "border-top:1px solid #d8dde6;padding:3px 6px}.mds2-table td:first-child,"
      ".mds2-table td:nth-child(3){white-space:nowrap}</style>\n"
      "<h2>MDS2 answers from measurements</h2>\n";
  out += fmt::format("<p>{}</p>\n<p>{}</p>\n", esc(kScope), esc(kOmitted));
  std::string current;
  for (const auto& a : answers) {
    if (a.device == "*") continue;
    if (a.device != current) {
      if (!current.empty()) out += "</tbody></table>\n";
      current = a.device;
      out += fmt::format(
          "<h3>{}</h3>\n<table class=\"mds2-table\"><thead><tr><th>MDS2</th><th>Question "
          "(paraphrased)</th><th>Answer</th><th>Evidence</th><th>Confidence</th></tr></thead>"
          "<tbody>\n",
          esc(a.device));
    }
    out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                       esc(a.mds2_id), esc(a.question), esc(a.answer), esc(a.evidence),
                       esc(a.confidence));
  }
  if (!current.empty()) out += "</tbody></table>\n";
  if (current.empty()) out += "<p>No device answered on the ports probed.</p>\n";
  out += "</section>\n";
  return out;
}

}  // namespace dicomsec::report::mds2
