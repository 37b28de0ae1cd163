// CSV exports: `shodan convert`/`parse`, FOFA, ZoomEye, or a hand-made list. Columns
// ip,port[,transport,timestamp] by position, or named by a header line (first line whose
// first cell is not an address).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "core/address.hpp"
#include "core/bytes.hpp"
#include "import/banner.hpp"
#include "import/parse.hpp"
#include "import/timestamp.hpp"

namespace dicomsec::import {

namespace {

constexpr std::size_t kMaxCells = 256;

// RFC 4180 cells of one line ("a","b ""c""",d); nullopt when a quote is left open (a cell
// that spans lines is not supported: the line is reported).
std::optional<std::vector<std::string>> cells(std::string_view line, char sep) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char ch = line[i];
    if (quoted) {
      if (ch == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back().push_back('"');
        ++i;
      } else if (ch == '"') {
        quoted = false;
      } else {
        out.back().push_back(ch);
      }
    } else if (ch == '"' && out.back().empty()) {
      quoted = true;
    } else if (ch == sep) {
      if (out.size() >= kMaxCells) return std::nullopt;
      out.emplace_back();
    } else {
      out.back().push_back(ch);
    }
  }
  if (quoted) return std::nullopt;
  for (auto& c : out) {
    while (!c.empty() && (c.back() == ' ' || c.back() == '\t')) c.pop_back();
    const auto first = c.find_first_not_of(" \t");
    c.erase(0, first == std::string::npos ? c.size() : first);
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

Result<std::size_t> Parser::parse_csv(std::string_view line, std::uint64_t line_number,
                                      std::vector<Entry>& out) {
  if (line.front() == '#') return std::size_t{0};  // a comment
  const char sep =
      line.find(',') == std::string_view::npos && line.find('\t') != std::string_view::npos ? '\t'
                                                                                            : ',';
  auto row = cells(line, sep);
  if (!row) return make_error("CSV line with an unclosed quote or over 256 cells");
  auto& r = *row;
  if (!csv_.known) {
    csv_.known = true;
    if (!scan::Address::parse(strip_ip_brackets(r[0]))) {  // a header: find the columns by name
      CsvLayout l;
      l.ip = l.port = l.transport = l.timestamp = -1;
      for (int i = 0; i < static_cast<int>(r.size()); ++i) {
        const auto name = lower(r[static_cast<std::size_t>(i)]);
        auto set = [&](int& col) {
          if (col < 0) col = i;
        };
        if (name == "ip" || name == "ip_str" || name == "ip address" || name == "ip_address" ||
            name == "address" || name == "host" || name == "saddr")
          set(l.ip);
        else if (name == "port" || name == "sport")
          set(l.port);
        else if (name == "transport" || name == "transport_protocol" || name == "base_protocol")
          set(l.transport);
        else if (name == "timestamp" || name == "observed_at" || name == "last_seen" ||
                 name == "lastupdatetime" || name == "updated_at" || name == "time" ||
                 name == "date" || name == "last_updated_at")
          set(l.timestamp);
        else if (name == "hostnames" || name == "hostname" || name == "domain")
          set(l.hostnames);
        else if (name == "org" || name == "organization" || name == "as_organization")
          set(l.org);
        else if (name == "asn" || name == "as_number")
          set(l.asn);
        else if (name == "product")
          set(l.product);
        else if (name == "data" || name == "banner")
          set(l.data);
        else if (name == "_shodan.module" || name == "protocol" || name == "service_name" ||
                 name == "module")
          set(l.module);
      }
      if (l.ip < 0 || l.port < 0)
        return make_error(
            "CSV header without 'ip' and 'port' columns (looked for ip, ip_str, address, host; "
            "port)");
      l.known = true;
      csv_ = l;
      return std::size_t{0};
    }
  }
  auto cell = [&](int col) -> std::optional<std::string_view> {
    if (col < 0 || static_cast<std::size_t>(col) >= r.size() ||
        r[static_cast<std::size_t>(col)].empty())
      return std::nullopt;
    return r[static_cast<std::size_t>(col)];
  };
  const auto ip = cell(csv_.ip);
  if (!ip) return make_error("CSV line without an address");
  const auto a = scan::Address::parse(strip_ip_brackets(*ip));
  if (!a) return make_error(fmt::format("'{}' is not an IP address", printable(ip->substr(0, 64))));
  const auto port_text = cell(csv_.port);
  unsigned long port = 0;
  if (!port_text || port_text->size() > 5 ||
      !std::all_of(port_text->begin(), port_text->end(),
                   [](char c) { return c >= '0' && c <= '9'; }) ||
      (port = std::stoul(std::string(*port_text))) == 0 || port > 65535)
    return make_error(
        fmt::format("port '{}' is not 1-65535", printable(port_text.value_or("").substr(0, 16))));
  if (prefilter_ && !prefilter_(*a)) {
    ++stats_.skipped_early;
    return std::size_t{0};
  }
  Entry e;
  e.address = *a;
  e.ip = a->to_string();
  e.port = static_cast<std::uint16_t>(port);
  auto& l = e.lead;
  l.source = "csv";
  l.file = file_;
  l.line = line_number;
  if (const auto t = cell(csv_.transport)) {
    const auto t_lower = lower(*t);
    if (t_lower != "tcp" && t_lower != "udp")
      return make_error(
          fmt::format("transport '{}' is not tcp or udp", printable(t->substr(0, 16))));
    l.transport = t_lower;
  }
  if (const auto t = cell(csv_.timestamp)) {
    l.observed_at = normalise_time(*t);
    if (!l.observed_at)
      return make_error(fmt::format("timestamp '{}' is not a date", printable(t->substr(0, 40))));
  }
  if (const auto h = cell(csv_.hostnames)) {
    std::string_view rest = *h;  // "a.example;b.example" (shodan convert joins lists with ';')
    while (!rest.empty() && l.hostnames.size() < 64) {
      const auto cut = rest.find_first_of(";, ");
      const auto name = rest.substr(0, cut);
      if (!name.empty()) l.hostnames.emplace_back(name);
      rest = cut == std::string_view::npos ? std::string_view{} : rest.substr(cut + 1);
    }
  }
  if (const auto v = cell(csv_.org)) l.org = std::string(*v);
  if (const auto v = cell(csv_.asn)) l.asn = asn_text(*v);
  if (const auto v = cell(csv_.product)) l.product = std::string(*v);
  if (const auto v = cell(csv_.module)) l.service = std::string(*v);
  if (const auto v = cell(csv_.data)) {
    set_banner(l, *v);
    l.facts = read_banner(*l.banner);
  }
  out.push_back(std::move(e));
  return std::size_t{1};
}

}  // namespace dicomsec::import
