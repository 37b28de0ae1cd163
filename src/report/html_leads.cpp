// Import leads (issue 16) in the HTML report: one table of what internet scanners saw, kept
// apart from the services dicomsec measured (leads are not measurements).
#include "report/html.hpp"
#include "report/wording.hpp"

namespace dicomsec::report::html {

void write_leads(std::string& out, const std::vector<json>& records) {
  std::size_t n = 0;
  for (const auto& r : records) n += at(r, "/lead") != nullptr;
  if (n == 0) return;
  out += "<section id=\"leads\" class=\"leads\">\n<h2>Seen from the internet (" +
         std::to_string(n) +
         " leads, not probed)</h2>\n<p class=\"muted\">What internet scanners' exports say they "
         "saw inside your netblocks. Leads, not measurements: re-check them with "
         "<code>dicomsec scan -iL</code>.</p>\n<table>\n<thead><tr><th>address</th><th>seen "
         "by</th><th>when</th><th>service</th><th>AE title</th><th>implementation</th><th>org "
         "/ ASN</th><th>why kept</th></tr></thead>\n<tbody>\n";
  for (const auto& r : records) {
    if (!at(r, "/lead")) continue;
    const auto where =
        report::where(text(r, "/ip"), text(r, "/port")) + "/" + text(r, "/lead/transport");
    auto why = text(r, "/lead/matched_by");
    if (const auto note = text(r, "/lead/moved/note"); !note.empty()) why += ": " + note;
    auto impl = text(r, "/lead/facts/implementation_class_uid");
    if (const auto v = text(r, "/lead/facts/implementation_version"); !v.empty())
      impl += (impl.empty() ? "" : " ") + v;
    auto org = text(r, "/lead/org");
    if (const auto asn = text(r, "/lead/asn"); !asn.empty())
      org += (org.empty() ? "" : " / ") + asn;
    out += "<tr><td>" + esc(where) + "</td><td>" + esc(text(r, "/lead/source")) + "</td><td>" +
           esc(text(r, "/lead/observed_at")) + "</td><td>" + esc(text(r, "/lead/service")) +
           "</td><td>" + esc(text(r, "/lead/facts/ae_title")) + "</td><td>" + esc(impl) +
           "</td><td>" + esc(org) + "</td><td>" + esc(why) + "</td></tr>\n";
  }
  out += "</tbody>\n</table>\n</section>\n";
}

}  // namespace dicomsec::report::html
