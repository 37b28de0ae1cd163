// The HTML report of `dicomsec pcap` (issue 14 §7): the inventory seen on the wire, with the
// map of who sends DICOM to whom as inline SVG (no script, no external resource), the lists
// of AE titles used from several addresses, cleartext credentials and patient data (flow ids
// and tags, never a value), the TLS share, and one table row per flow.
#include <fmt/format.h>

#include <map>
#include <set>

#include "report/html.hpp"
#include "report/json_parts.hpp"
#include "report/wording.hpp"

namespace dicomsec::report::html {

namespace {

constexpr std::size_t kMaxNodes = 40;  // per column; the rest is summed up in one line

std::string mb(std::uint64_t bytes) {
  return bytes >= 1'000'000 ? fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6)
                            : fmt::format("{:.1f} kB", static_cast<double>(bytes) / 1e3);
}

std::uint64_t u(const json& r, std::string_view pointer) {
  const auto* v = at(r, pointer);
  return v && v->is_number_unsigned() ? v->get<std::uint64_t>() : 0;
}

struct Node {
  std::set<std::string> aes;
  std::string product;
};
struct Edge {
  std::map<std::string, std::uint64_t> ops;  // "C-STORE" -> requests
  std::uint64_t bytes = 0;
  std::size_t flows = 0;
};

std::string where(const json& r, const char* side) {
  return report::where(text(r, std::string("/") + side + "/ip"),
                       text(r, std::string("/") + side + "/port"));
}

void node_box(std::string& out, double x, double y, const std::string& title, const Node& n) {
  out += fmt::format(
      "<g><rect x=\"{}\" y=\"{}\" width=\"230\" height=\"52\" rx=\"6\" fill=\"#eef3f8\" "
      "stroke=\"#4a6f96\"/><text x=\"{}\" y=\"{}\" font-size=\"12\" font-weight=\"bold\">{}</text>",
      x, y, x + 8, y + 16, esc(title));
  std::string aes;
  for (const auto& a : n.aes) aes += (aes.empty() ? "" : ", ") + a;
  if (aes.size() > 34) aes = aes.substr(0, 31) + "...";
  out += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\">AE {}</text>", x + 8, y + 31,
                     esc(aes.empty() ? "?" : aes));
  out += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#555\">{}</text></g>\n",
                     x + 8, y + 45, esc(n.product.empty() ? "product unknown" : n.product));
}

}  // namespace

bool is_flow_report(const std::vector<json>& records) {
  for (const auto& r : records)
    if (r.is_object() && r.value("kind", "") == "flow") return true;
  return false;
}

void write_flows(std::string& out, const std::vector<json>& records, const ScanMeta& meta) {
  std::map<std::string, Node> clients, servers;
  std::map<std::pair<std::string, std::string>, Edge> edges;
  std::map<std::string, std::set<std::string>> calling_ips;
  std::vector<std::string> secrets, phi;
  std::size_t dicom = 0, tls = 0;
  for (const auto& r : records) {
    if (!r.is_object() || r.value("kind", "") != "flow") continue;
    const auto c = text(r, "/client/ip"), s = where(r, "server");
    if (text(r, "/protocol") == "tls") {
      ++tls;
      auto& n = servers[s];
      n.aes.insert("(TLS)");
      if (n.product.empty()) n.product = "TLS " + text(r, "/tls/version");
      auto& e = edges[{c, s}];
      ++e.flows;
      ++e.ops["TLS"];
      continue;
    }
    ++dicom;
    auto& cn = clients[c];
    auto& sn = servers[s];
    if (const auto ae = text(r, "/association/calling_ae"); !ae.empty()) {
      cn.aes.insert(ae);
      calling_ips[ae].insert(c);
    }
    if (const auto ae = text(r, "/association/called_ae"); !ae.empty()) sn.aes.insert(ae);
    if (const auto p = product_label(r); !p.empty()) sn.product = p;
    if (at(r, "/client_product/name"))
      cn.product = text(r, "/client_product/name") + " " + text(r, "/client_product/version");
    auto& e = edges[{c, s}];
    ++e.flows;
    e.bytes += u(r, "/to_server/bytes") + u(r, "/to_client/bytes");
    if (const auto* d = at(r, "/dimse"); d && d->is_object())
      for (const auto& [name, count] : d->items())
        if (name.size() > 3 && name.substr(name.size() - 3) == "-RQ" && count.is_number())
          e.ops[name.substr(0, name.size() - 3)] += count.get<std::uint64_t>();
    if (flag(r, "/user_identity/cleartext_secret")) secrets.push_back(text(r, "/conn"));
    if (const auto* p = at(r, "/phi_elements"); p && p->is_array() && !p->empty())
      phi.push_back(text(r, "/conn") + " (" + std::to_string(p->size()) + " tags)");
  }

  out += "<header><h1>DICOM traffic seen on the wire</h1><p class=\"muted\">dicomsec pcap";
  if (!meta.started.empty()) out += ", " + esc(meta.started);
  out += fmt::format(". {} DICOM association{}, {} TLS flow{}", dicom, dicom == 1 ? "" : "s", tls,
                     tls == 1 ? "" : "s");
  if (dicom + tls > 0)
    out += fmt::format(" (TLS share {:.0f}%)",
                       100.0 * static_cast<double>(tls) / static_cast<double>(dicom + tls));
  out += ". Counts, tags and titles only: no patient value and no password is kept.</p></header>\n";

  // The map: clients left, servers right, one line per client -> server pair.
  std::map<std::string, double> cy, sy;
  std::size_t i = 0;
  for (const auto& [k, n] : clients)
    if (i < kMaxNodes) cy[k] = 30.0 + 66.0 * static_cast<double>(i++);
  i = 0;
  for (const auto& [k, n] : servers)
    if (i < kMaxNodes) sy[k] = 30.0 + 66.0 * static_cast<double>(i++);
  const double height = 60.0 + 66.0 * static_cast<double>(std::max(cy.size(), sy.size()));
  out += "<section id=\"map\"><h2>Who sends DICOM to whom</h2>\n";
  out += fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"DICOM traffic map\" "
      "width=\"840\" height=\"{}\" viewBox=\"0 0 840 {}\" font-family=\"sans-serif\">\n",
      height, height);
  for (const auto& [key, e] : edges) {
    const auto a = cy.find(key.first), b = sy.find(key.second);
    if (b == sy.end()) continue;
    const double y1 = a != cy.end() ? a->second + 26 : b->second + 26, y2 = b->second + 26;
    std::string ops;
    for (const auto& [op, n] : e.ops)
      ops += (ops.empty() ? "" : ", ") + fmt::format("{} {}", op, n);
    if (e.bytes > 0) ops += ", " + mb(e.bytes);
    out += fmt::format(
        "<line x1=\"250\" y1=\"{}\" x2=\"590\" y2=\"{}\" stroke=\"#7a8ea3\" stroke-width=\"{}\"/>"
        "<text x=\"420\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\">{}</text>\n",
        y1, y2,
        e.bytes > 100'000'000 ? 4
        : e.bytes > 1'000'000 ? 2.5
                              : 1.2,
        (y1 + y2) / 2 - 3, esc(ops));
  }
  for (const auto& [k, y] : cy) node_box(out, 20, y, k, clients[k]);
  for (const auto& [k, y] : sy) node_box(out, 590, y, k, servers[k]);
  out += "</svg>\n";
  if (clients.size() > kMaxNodes || servers.size() > kMaxNodes)
    out += fmt::format(
        "<p class=\"muted\">The map shows the first {} clients and servers of {} "
        "and {}.</p>\n",
        kMaxNodes, clients.size(), servers.size());
  out += "</section>\n";

  out += "<section id=\"inventory\"><h2>What to look at</h2><ul>\n";
  std::string dups;
  for (const auto& [ae, ips] : calling_ips)
    if (ips.size() > 1) {
      std::string list;
      for (const auto& ip : ips) list += (list.empty() ? "" : ", ") + ip;
      dups += "<li>AE title <b>" + esc(ae) + "</b> used from " + std::to_string(ips.size()) +
              " addresses: " + esc(list) + "</li>\n";
    }
  out += dups.empty() ? "<li>No AE title was used from more than one address.</li>\n"
                      : "<li>AE titles used from more than one address (C-MOVE goes by title; "
                        "possible spoofing):<ul>\n" +
                            dups + "</ul></li>\n";
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  };
  out += fmt::format("<li>Cleartext passwords or tokens: {}{}</li>\n", secrets.size(),
                     secrets.empty() ? "" : " (flows " + esc(join(secrets)) + ")");
  out += fmt::format("<li>Flows with patient data in cleartext: {}{}</li>\n", phi.size(),
                     phi.empty() ? "" : " (" + esc(join(phi)) + ")");
  out += "</ul></section>\n";

  out +=
      "<section id=\"flows\"><h2>Flows</h2><table>\n<tr><th>flow</th><th>client</th>"
      "<th>server</th><th>AE titles</th><th>result</th><th>product</th><th>operations</th>"
      "<th>bytes</th><th>findings</th></tr>\n";
  for (const auto& r : records) {
    if (!r.is_object() || r.value("kind", "") != "flow") continue;
    std::string ops;
    if (const auto* d = at(r, "/dimse"); d && d->is_object())
      for (const auto& [name, count] : d->items())
        ops += (ops.empty() ? "" : ", ") + name + " " + count.dump();
    std::string finds;
    if (const auto* f = at(r, "/findings"); f && f->is_array())
      for (const auto& x : *f) finds += (finds.empty() ? "" : ", ") + x.value("id", "");
    const auto aes = text(r, "/protocol") == "tls"
                         ? std::string("TLS ") + text(r, "/tls/version")
                         : text(r, "/association/calling_ae") + " \xE2\x86\x92 " +
                               text(r, "/association/called_ae");
    out += "<tr><td>" + esc(text(r, "/conn")) + (flag(r, "/midstream") ? " (mid-stream)" : "") +
           "</td><td>" + esc(where(r, "client")) + "</td><td>" + esc(where(r, "server")) +
           "</td><td>" + esc(aes) + "</td><td>" + esc(text(r, "/association/result")) +
           "</td><td>" + esc(product_label(r)) + "</td><td>" + esc(ops) + "</td><td>" +
           esc(mb(u(r, "/to_server/bytes") + u(r, "/to_client/bytes"))) + "</td><td>" + esc(finds) +
           "</td></tr>\n";
  }
  out += "</table></section>\n";
}

}  // namespace dicomsec::report::html
