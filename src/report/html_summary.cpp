// Page 1 of the HTML report: the summary a CISO prints. Severity counts as a bar chart, TLS
// coverage as a ring, the exposed services worst first, and the checklist green/red.
#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "findings/catalogue.hpp"
#include "report/coverage.hpp"
#include "report/html.hpp"
#include "report/json_parts.hpp"
#include "report/wording.hpp"

namespace dicomsec::report::html {

namespace {

constexpr std::size_t kServiceRows = 10;
constexpr std::array<std::string_view, 5> kColour{"#64748b", "#2563eb", "#d97706", "#dc2626",
                                                  "#7f1d1d"};
constexpr std::array<std::string_view, 5> kLabel{"Info", "Low", "Medium", "High", "Critical"};

void kpi(std::string& out, std::string_view id, const std::string& value, std::string_view label,
         std::string_view tone) {
  out += fmt::format(
      "<div class=\"kpi {}\" id=\"kpi-{}\"><div class=\"kpi-value\">{}</div>"
      "<div class=\"kpi-label\">{}</div></div>\n",
      tone, id, esc(value), esc(label));
}

void severity_chart(std::string& out, const Overview& o) {
  const std::size_t max = std::max<std::size_t>(1, *std::max_element(o.by_severity.begin(),
                                                                      o.by_severity.end()));
  constexpr int kRow = 28, kBarX = 78, kBarMax = 240;
  out += "<svg id=\"chart-severity\" class=\"chart\" viewBox=\"0 0 360 146\" role=\"img\" "
         "aria-label=\"Findings by severity\">\n";
  for (int i = 4, row = 0; i >= 0; --i, ++row) {
    const auto n = o.by_severity[static_cast<std::size_t>(i)];
    const int y = 4 + row * kRow;
    const int width = n == 0 ? 0 : std::max(3, static_cast<int>(kBarMax * n / max));
    out += fmt::format(
        "<g class=\"bar\" data-severity=\"{}\" data-count=\"{}\">"
        "<text x=\"0\" y=\"{}\" class=\"axis\">{}</text>"
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"18\" rx=\"3\" fill=\"#eef1f5\"/>"
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"18\" rx=\"3\" fill=\"{}\"/>"
        "<text x=\"{}\" y=\"{}\" class=\"count\">{}</text></g>\n",
        kSeverities[static_cast<std::size_t>(i)], n, y + 14, kLabel[static_cast<std::size_t>(i)],
        kBarX, y, kBarMax, kBarX, y, width, kColour[static_cast<std::size_t>(i)],
        kBarX + kBarMax + 8, y + 14, n);
  }
  out += "</svg>\n";
}

std::string joined_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

void tls_chart(std::string& out, const Overview& o) {
  constexpr double kR = 46, kPi = 3.14159265358979;
  const double circumference = 2 * kPi * kR;
  const double share = o.dicom ? static_cast<double>(o.dicom_tls) / static_cast<double>(o.dicom) : 0;
  const std::string pct = o.dicom ? fmt::format("{:.0f}%", 100 * share) : "n/a";
  out += fmt::format(
      "<div class=\"card\" id=\"tls-coverage\" data-dicom=\"{}\" data-tls=\"{}\" "
      "data-cleartext=\"{}\">\n<h2>TLS coverage</h2>\n<div class=\"ring-row\">\n"
      "<svg id=\"chart-tls\" class=\"ring\" viewBox=\"0 0 120 120\" role=\"img\" "
      "aria-label=\"DICOM services using TLS: {}\">"
      "<circle cx=\"60\" cy=\"60\" r=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"16\"/>",
      o.dicom, o.dicom_tls, o.dicom - o.dicom_tls, pct, kR, o.dicom ? "#dc2626" : "#e2e8f0");
  if (o.dicom_tls > 0)
    out += fmt::format(
        "<circle cx=\"60\" cy=\"60\" r=\"{}\" fill=\"none\" stroke=\"#15803d\" stroke-width=\"16\" "
        "stroke-dasharray=\"{:.2f} {:.2f}\" transform=\"rotate(-90 60 60)\"/>",
        kR, circumference * share, circumference);
  out += fmt::format("<text x=\"60\" y=\"67\" text-anchor=\"middle\" class=\"ring-value\">{}</text>"
                     "</svg>\n<ul class=\"legend\">\n", pct);
  out += fmt::format("<li><span class=\"swatch\" style=\"background:#15803d\"></span>{} of {} DICOM "
                     "services over TLS</li>\n",
                     o.dicom_tls, o.dicom);
  out += fmt::format("<li><span class=\"swatch\" style=\"background:#dc2626\"></span>{} in "
                     "cleartext</li>\n",
                     o.dicom - o.dicom_tls);
  if (o.tls_audited > 0) {
    out += fmt::format("<li id=\"tls-findings\" data-count=\"{}\"><span class=\"swatch\" "
                       "style=\"background:{}\"></span>{} of {} audited TLS service{} with TLS "
                       "findings{}</li>\n",
                       o.tls_with_findings.size(), o.tls_with_findings.empty() ? "#15803d" : "#dc2626",
                       o.tls_with_findings.size(), o.tls_audited, o.tls_audited == 1 ? "" : "s",
                       o.tls_with_findings.empty() ? std::string()
                                                   : ": " + esc(joined_list(o.tls_with_findings)));
    out += "</ul>\n</div>\n<table class=\"grid profiles\" id=\"tls-profiles\">\n<thead><tr><th>"
           "PS3.15 profile</th><th>pass</th><th>fail</th><th>not determinable</th><th>failing</th>"
           "</tr></thead>\n<tbody>\n";
    for (const auto& p : o.profiles)
      out += fmt::format(
          "<tr class=\"profile\" data-profile=\"{}\" data-pass=\"{}\" data-fail=\"{}\" "
          "data-nd=\"{}\"><td title=\"{}\"><b>{}</b> {}{}</td><td class=\"num\">{}</td>"
          "<td class=\"num{}\">{}</td><td class=\"num\">{}</td><td class=\"failing\">{}</td></tr>\n",
          esc(p.section), p.pass, p.failing.size(), p.not_determinable, esc(p.name), esc(p.section),
          esc(p.id), p.retired ? " <span class=\"muted\">(retired)</span>" : "", p.pass,
          p.failing.empty() ? "" : " bad", p.failing.size(), p.not_determinable,
          esc(joined_list(p.failing)));
    out += "</tbody>\n</table>\n</div>\n";
    return;
  }
  out += "<li class=\"muted\">No TLS audit in this report.</li>\n";
  out += "</ul>\n</div>\n</div>\n";
}

std::string product_of(const json& r) {
  auto p = product_label(r);
  if (p.empty()) p = text(r, "/web/product");
  // As the terminal: "-" where nothing DICOM, web or TLS answered (a port that is not DICOM).
  if (p.empty() && !flag(r, "/dicom") && !at(r, "/web") && !at(r, "/tls_audit")) return "-";
  return p.empty() ? "unknown" : p;
}

std::string badge(int rank) {
  if (rank < 0) return "<span class=\"sev sev-none\">none</span>";
  const auto name = kSeverities[static_cast<std::size_t>(rank)];
  return fmt::format("<span class=\"sev sev-{}\">{}</span>", name, name);
}

void services_table(std::string& out, const Overview& o) {
  std::vector<const Service*> rows;
  // Every open port, DICOM or not (issue 13 §4): what else listens is part of the exposure.
  for (const auto& s : o.services) rows.push_back(&s);
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Service* a, const Service* b) { return a->worst > b->worst; });
  out += fmt::format("<div class=\"card\" id=\"exposed-services\" data-count=\"{}\">\n"
                     "<h2>Open services <span class=\"muted\">({}, worst first, then by address)"
                     "</span></h2>\n",
                     rows.size(), plural(rows.size(), "open port"));
  if (rows.empty()) {
    out += "<p class=\"muted\">No open port: nothing was reachable.</p>\n</div>\n";
    return;
  }
  out += "<table class=\"grid\">\n<thead><tr><th>Service</th><th>Product</th><th>TLS</th>"
         "<th>Association</th><th>Worst</th><th>Findings</th></tr></thead>\n<tbody>\n";
  for (std::size_t i = 0; i < rows.size() && i < kServiceRows; ++i) {
    const auto& s = *rows[i];
    const auto& r = *s.record;
    const bool tls = flag(r, "/tls") || at(r, "/tls_audit") || flag(r, "/web/https");
    const auto* f = at(r, "/findings");
    out += fmt::format(
        "<tr class=\"service\" data-host=\"{}\"><td><a href=\"#{}\">{}</a>{}</td><td>{}</td>"
        "<td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>\n",
        esc(s.where), s.anchor, esc(s.where),
        at(r, "/hostname") ? "<br><span class=\"muted\">" + esc(text(r, "/hostname")) + "</span>" : "",
        esc(product_of(r)), tls ? "<span class=\"ok\">yes</span>" : "<span class=\"bad\">no</span>",
        esc(association_words(r)), badge(s.worst), f && f->is_array() ? f->size() : 0);
  }
  out += "</tbody>\n</table>\n";
  if (rows.size() > kServiceRows)
    out += fmt::format("<p class=\"muted more\">… and {} more service{} in <a href=\"#hosts\">"
                       "Services in detail</a> below.</p>\n",
                       rows.size() - kServiceRows, rows.size() - kServiceRows == 1 ? "" : "s");
  out += "</div>\n";
}

void checklist_table(std::string& out, const Coverage& c) {
  const auto items = findings::checklist();
  out += fmt::format(
      "<div class=\"card\" id=\"checklist\" data-failing=\"{}\" data-covered=\"{}\">\n"
      "<h2>Checklist <span class=\"muted\">(NSA Manageable Network Plan milestones; {})</span>"
      "</h2>\n<table class=\"grid checklist\">\n<tbody>\n",
      c.count(CheckState::Action), c.covered ? "yes" : "no", esc(c.headline()));
  for (std::size_t i = 0; i < items.size() && i < c.items.size(); ++i) {
    const auto& item = items[i];
    const auto& st = c.items[i];
    std::string count = st.findings > 0
                            ? fmt::format("{} finding{}", st.findings, st.findings == 1 ? "" : "s")
                        : st.state == CheckState::Ok ? "no findings"
                                                     : "";
    if (st.notes > 0)
      count += fmt::format("{}{} note{}", count.empty() ? "" : " · ", st.notes,
                           st.notes == 1 ? "" : "s");
    const auto state = check_state_name(st.state);
    out += fmt::format(
        "<tr class=\"cl cl-{}\" data-item=\"{}\" data-status=\"{}\"><td class=\"cl-status\">"
        "<span class=\"dot\"></span>{}</td><td class=\"cl-id\">{}</td><td class=\"cl-mnp\">MNP {}"
        "<br><span class=\"muted\">{}</span></td><td>{}<br><span class=\"muted cl-reason\">{}"
        "</span></td><td class=\"cl-count\">{}</td></tr>\n",
        state, item.id, state, esc(check_state_label(st.state)), item.id, item.milestone,
        esc(item.milestone_name), esc(item.text), esc(st.reason), count);
  }
  out += "</tbody>\n</table>\n</div>\n";
}

}  // namespace

void write_summary(std::string& out, const Overview& o, const ScanMeta& meta) {
  out += "<section id=\"summary\" class=\"summary\">\n<header class=\"report-head\">\n<div>\n"
         "<div class=\"eyebrow\">dicomsec · DICOM network security</div>\n"
         "<h1>Imaging network exposure report</h1>\n<p class=\"meta\">";
  std::vector<std::string> parts;
  if (!meta.scan_id.empty()) parts.push_back("Scan " + esc(meta.scan_id));
  if (!meta.started.empty())
    parts.push_back("<time id=\"started\">" + esc(meta.started) + "</time>" +
                    (meta.finished.empty() ? "" : " – <time id=\"finished\">" + esc(meta.finished) + "</time>"));
  if (meta.pairs_total > 0)
    parts.push_back(fmt::format("{} of {} host:port pairs probed", meta.pairs_done, meta.pairs_total));
  if (!meta.version.empty()) parts.push_back("dicomsec " + esc(meta.version));
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? " · " : "") + parts[i];
  out += "</p>\n";
  if (!meta.arguments.empty())
    out += "<p class=\"cmd\"><code>" + esc(meta.arguments) + "</code></p>\n";
  out += "</div>\n</header>\n";
  if (meta.interrupted)
    out += "<p class=\"banner\" id=\"interrupted\">The scan was interrupted: this report covers "
           "only the pairs probed before it stopped.</p>\n";

  CoverageCounter counter;
  for (const auto& svc : o.services) counter.add(*svc.record);
  const auto cov = counter.result(meta);
  const auto failing = cov.count(CheckState::Action);
  const auto unmeasured = cov.count(CheckState::NotAtLevel) + cov.count(CheckState::NotMeasured);
  const auto urgent = o.by_severity[4] + o.by_severity[3];
  out += "<div class=\"kpis\" id=\"kpis\">\n";
  kpi(out, "hosts", std::to_string(o.hosts), o.hosts == 1 ? "host with an open port" : "hosts with an open port", "");
  kpi(out, "dicom", std::to_string(o.dicom), "DICOM services", "");
  bool web_checked = true;
  for (const auto& item : cov.items)
    if (item.id == "CL-5" && item.state == CheckState::NotAtLevel) web_checked = false;
  if (web_checked)
    kpi(out, "web", std::to_string(o.web), "DICOMweb / REST APIs", "");
  else  // level safe never probes web ports: 0 would claim it looked
    kpi(out, "web", "n/a", "DICOMweb / REST APIs: not checked at this level", "tone-none");
  kpi(out, "tls", o.dicom ? fmt::format("{:.0f}%", 100.0 * static_cast<double>(o.dicom_tls) /
                                                      static_cast<double>(o.dicom))
                          : "n/a",
      "DICOM over TLS", o.dicom && o.dicom_tls < o.dicom ? "tone-bad" : "tone-ok");
  kpi(out, "urgent", std::to_string(urgent), "critical and high findings",
      urgent ? "tone-bad" : "tone-ok");
  if (!cov.covered)
    kpi(out, "checklist", "no coverage", "nothing was reachable: no checklist item measured",
        "tone-none");
  else
    kpi(out, "checklist", fmt::format("{}/{}", failing, cov.items.size()),
        fmt::format("checklist items need action; {} not measured in this run", unmeasured),
        failing ? "tone-bad" : unmeasured ? "tone-none" : "tone-ok");
  out += "</div>\n<div class=\"row\">\n<div class=\"card\" id=\"severity\">\n<h2>Findings by "
         "severity</h2>\n";
  severity_chart(out, o);
  out += "</div>\n";
  tls_chart(out, o);
  out += "</div>\n";
  services_table(out, o);
  checklist_table(out, cov);
  out += "</section>\n";
}

}  // namespace dicomsec::report::html
