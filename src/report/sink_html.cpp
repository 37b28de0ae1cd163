// HTML report: buffers the records, and at end() writes one self-contained document.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ostream>
#include <set>

#include "findings/catalogue.hpp"
#include "record/record.hpp"
#include "report/html.hpp"
#include "report/sinks.hpp"
#include "report/wording.hpp"

namespace dicomsec::report {

namespace html {

std::string esc(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        // Control bytes have no business in a report (json.cpp keeps most text printable).
        out += (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') ? '?' : c;
    }
  }
  return out;
}

const json* at(const json& record, std::string_view pointer) {
  const json::json_pointer p{std::string(pointer)};
  if (!record.is_object() || !record.contains(p)) return nullptr;
  const auto& v = record.at(p);
  return v.is_null() ? nullptr : &v;
}

std::string text(const json& record, std::string_view pointer) {
  const auto* v = at(record, pointer);
  if (!v) return "";
  if (v->is_string()) return v->get<std::string>();
  if (v->is_boolean()) return v->get<bool>() ? "yes" : "no";
  return v->dump(-1, ' ', false, json::error_handler_t::replace);
}

bool flag(const json& record, std::string_view pointer) {
  const auto* v = at(record, pointer);
  return v && v->is_boolean() && v->get<bool>();
}

int severity_rank(std::string_view severity) {
  for (std::size_t i = 0; i < kSeverities.size(); ++i)
    if (kSeverities[i] == severity) return static_cast<int>(i);
  return -1;
}

int worst_severity(const json& record) {
  int worst = -1;
  if (const auto* f = at(record, "/findings"); f && f->is_array())
    for (const auto& finding : *f)
      worst = std::max(worst, severity_rank(text(finding, "/severity")));
  return worst;
}

namespace {

// IPv4 in numeric order first, then IPv6 by text; then port.
std::string address_key(const std::string& ip) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  char tail = 0;
  if (std::sscanf(ip.c_str(), "%3u.%3u.%3u.%3u%c", &a, &b, &c, &d, &tail) == 4) {
    char key[32];
    std::snprintf(key, sizeof key, "4%03u%03u%03u%03u", a, b, c, d);
    return key;
  }
  return "6" + ip;
}

}  // namespace

Overview overview(const std::vector<json>& records) {
  Overview o;
  const auto items = findings::checklist();
  o.checklist_findings.assign(items.size(), 0);
  o.checklist_notes.assign(items.size(), 0);
  std::set<std::string> hosts;
  std::vector<std::pair<std::string, const json*>> open;
  for (const auto& r : records) {
    ++o.records;
    if (const auto* f = at(r, "/findings"); f && f->is_array())
      for (const auto& finding : *f) {
        const int rank = severity_rank(text(finding, "/severity"));
        if (rank < 0) continue;
        ++o.by_severity[static_cast<std::size_t>(rank)];
        const auto* def = findings::find(text(finding, "/id"));
        if (!def) continue;
        for (std::size_t i = 0; i < items.size(); ++i)
          if (items[i].id == def->checklist)
            ++(rank > 0 ? o.checklist_findings : o.checklist_notes)[i];
      }
    if (!record::port_open(text(r, "/status"))) continue;
    ++o.open;
    const auto ip = text(r, "/ip");
    hosts.insert(ip);
    const bool dicom = flag(r, "/dicom");
    const bool tls = flag(r, "/tls") || at(r, "/tls_audit");
    o.dicom += dicom ? 1 : 0;
    o.dicom_tls += dicom && tls ? 1 : 0;
    o.web += at(r, "/web") ? 1 : 0;
    if (const auto* audit = at(r, "/tls_audit")) {
      ++o.tls_audited;
      bool ok = false;
      if (const auto* p = at(*audit, "/profiles"); p && p->is_object())
        for (const auto& [id, profile] : p->items())
          ok = ok || (text(profile, "/status") == "pass" && !flag(profile, "/retired"));
      o.tls_profile_ok += ok ? 1 : 0;
      const auto where = report::where(text(r, "/ip"), text(r, "/port"));
      if (const auto* p = at(*audit, "/profiles"); p && p->is_object())
        for (const auto& [id, profile] : p->items()) {
          auto it = std::find_if(o.profiles.begin(), o.profiles.end(),
                                 [&id](const ProfileTally& t) { return t.id == id; });
          if (it == o.profiles.end()) {
            ProfileTally t;
            t.id = id;
            t.name = text(profile, "/name");
            // "... (PS3.15 B.11)" or "(PS3.15 B.3, retired)": the section is "B." and digits.
            const auto b = t.name.find("PS3.15 B.");
            if (b == std::string::npos) {
              t.section = id;
            } else {
              const auto from = b + 7;
              auto end = from + 2;
              while (end < t.name.size() && std::isdigit(static_cast<unsigned char>(t.name[end])))
                ++end;
              t.section = t.name.substr(from, end - from);
            }
            t.retired = flag(profile, "/retired");
            o.profiles.push_back(std::move(t));
            it = std::prev(o.profiles.end());
          }
          const auto status = text(profile, "/status");
          if (status == "pass")
            ++it->pass;
          else if (status == "fail")
            it->failing.push_back(where);
          else
            ++it->not_determinable;
        }
      bool tls_finding = false;
      if (const auto* f = at(r, "/findings"); f && f->is_array())
        for (const auto& finding : *f)
          if (const auto* def = findings::find(text(finding, "/id"));
              def && def->checklist == "CL-7" && severity_rank(text(finding, "/severity")) > 0)
            tls_finding = true;
      if (tls_finding) o.tls_with_findings.push_back(where);
    }
    char port[8];
    const auto* p = at(r, "/port");
    std::snprintf(port, sizeof port, "%05u",
                  p && p->is_number_unsigned() ? p->get<unsigned>() % 100000U : 0U);
    open.emplace_back(address_key(ip) + "|" + port, &r);
  }
  o.hosts = hosts.size();
  // B.1, B.3, ... B.13 in section order; profiles without a section (id only) last.
  std::stable_sort(o.profiles.begin(), o.profiles.end(), [](const auto& x, const auto& y) {
    auto number = [](const ProfileTally& t) {
      return t.section.starts_with("B.") ? std::atoi(t.section.c_str() + 2) : 1000;
    };
    return number(x) < number(y);
  });
  std::stable_sort(open.begin(), open.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  for (const auto& [key, r] : open) {
    Service s;
    s.record = r;
    s.anchor = "host-" + std::to_string(o.services.size() + 1);
    s.where = report::where(text(*r, "/ip"), text(*r, "/port"));
    s.worst = worst_severity(*r);
    o.services.push_back(std::move(s));
  }
  return o;
}

}  // namespace html

namespace {

class HtmlSink final : public Sink {
 public:
  explicit HtmlSink(std::ostream& out) : out_(out) {}
  void write(const nlohmann::json& record) override { records_.push_back(record); }
  void end(const ScanMeta& meta) override {
    const auto o = html::overview(records_);
    std::string doc;
    doc.reserve(16384 + records_.size() * 4096);
    doc += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    doc += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    doc += "<meta name=\"generator\" content=\"dicomsec " + html::esc(meta.version) + "\">\n";
    doc += "<title>DICOM security report";
    if (!meta.started.empty()) doc += " \xE2\x80\x94 " + html::esc(meta.started);
    doc += "</title>\n<style>\n";
    doc += html::style();
    doc += "</style>\n</head>\n<body>\n";
    if (html::is_flow_report(records_) || meta.command == "pcap") {
      html::write_flows(doc, records_, meta);
    } else {
      html::write_summary(doc, o, meta);
      html::write_leads(doc, records_);
      doc += "<section id=\"hosts\" class=\"hosts\">\n<h2>Services in detail</h2>\n";
      if (o.services.empty())
        doc += "<p class=\"muted\">No open DICOM or web service was found.</p>\n";
      for (const auto& s : o.services) html::write_service(doc, s);
      doc += "</section>\n";
    }
    doc += "<footer class=\"muted\">Generated by dicomsec " + html::esc(meta.version) +
           ". Counts only: the scanner never reads or stores patient data.</footer>\n";
    doc += "</body>\n</html>\n";
    out_ << doc;
    out_.flush();
  }

 private:
  std::ostream& out_;
  std::vector<nlohmann::json> records_;
};

}  // namespace

std::unique_ptr<Sink> make_html_sink(std::ostream& out) { return std::make_unique<HtmlSink>(out); }

}  // namespace dicomsec::report
