// Shodan and Censys JSON with simdjson's On-Demand API. Each document is walked once, in
// field order; the address is looked up first (find_field_unordered) so a document outside
// the netblocks costs simdjson's structural pass and one field, not a full decode.
#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>

#include "core/bytes.hpp"
#include "import/banner.hpp"
#include "import/parse.hpp"
#include "import/timestamp.hpp"

namespace dicomsec::import {

using simdjson::error_code;
using simdjson::SUCCESS;
namespace od = simdjson::ondemand;

struct Parser::Json {
  od::parser parser{kMaxDocument};
};

std::size_t json_padding() { return simdjson::SIMDJSON_PADDING; }

namespace {

#define DS_TRY(expr)                                            \
  do {                                                          \
    if (const error_code e_ = (expr); e_ != SUCCESS) return e_; \
  } while (0)

constexpr int kMaxDepth = 8;  // result -> hits -> [] -> host_v1 -> resource, and room

struct Ctx {
  const Prefilter& prefilter;
  const std::string& file;
  std::uint64_t line;
  std::vector<Entry>& out;
  ParseStats& stats;
  std::string problem;  // a semantic error (no address, bad port); empty when fine
};

// Looks `key` up. A lookup that fails for another reason than a missing field (a structural
// error) leaves the iterator unusable: that error is returned and the object never used again.
error_code find(od::object& obj, std::string_view key, od::value& v, bool& found) {
  const error_code e = obj.find_field_unordered(key).get(v);
  if (e != SUCCESS && e != simdjson::NO_SUCH_FIELD) return e;
  found = e == SUCCESS;
  return SUCCESS;
}

std::optional<std::string> text(od::value& v) {
  std::string_view s;
  if (v.get_string().get(s) != SUCCESS) return std::nullopt;
  return std::string(s);
}

error_code texts(od::value& v, std::vector<std::string>& out) {
  od::array a;
  if (v.get_array().get(a) != SUCCESS) return SUCCESS;  // null or not a list: nothing
  for (auto item : a) {
    od::value x;
    DS_TRY(std::move(item).get(x));
    if (auto s = text(x); s && out.size() < 64) out.push_back(std::move(*s));
  }
  return SUCCESS;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool dicom_like(const record::LeadRecord& l, std::uint16_t port) {
  const auto has = [](const std::optional<std::string>& s) {
    return s && lower(*s).find("dicom") != std::string::npos;
  };
  return has(l.service) || has(l.product) || has(l.banner) || port == 104 || port == 11112 ||
         port == 2761 || port == 2762 || port == 4242;
}

// Address and port checks shared by every format; false sets c.problem.
bool finish_entry(Entry& e, std::string_view ip, std::optional<std::uint64_t> port, Ctx& c) {
  const auto a = scan::Address::parse(ip);
  if (!a) {
    c.problem = fmt::format("'{}' is not an IP address", printable(ip.substr(0, 64)));
    return false;
  }
  if (!port || *port == 0 || *port > 65535) {
    c.problem = port ? fmt::format("port {} is out of range 1-65535", *port) : "no port";
    return false;
  }
  if (c.prefilter && !c.prefilter(*a)) {
    ++c.stats.skipped_early;
    return false;
  }
  e.address = *a;
  e.ip = a->to_string();
  e.port = static_cast<std::uint16_t>(*port);
  e.lead.file = c.file;
  e.lead.line = c.line;
  if (e.lead.banner && dicom_like(e.lead, e.port)) e.lead.facts = read_banner(*e.lead.banner);
  return true;
}

std::optional<std::uint64_t> number(od::value& v) {
  std::uint64_t n = 0;
  if (v.get_uint64().get(n) == SUCCESS) return n;
  std::string_view s;  // some exports quote numbers
  if (v.get_string().get(s) == SUCCESS) {
    n = 0;
    if (s.empty() || s.size() > 10) return std::nullopt;
    for (char ch : s) {
      if (ch < '0' || ch > '9') return std::nullopt;
      n = n * 10 + static_cast<std::uint64_t>(ch - '0');
    }
    return n;
  }
  return std::nullopt;
}

// ---- Shodan banner (one per line of `shodan download`, or an item of {"matches":[…]}).
error_code shodan_banner(od::object obj, Ctx& c) {
  Entry e;
  auto& l = e.lead;
  l.source = "shodan";
  std::optional<std::string> ip_str, ipv6, product, version;
  std::optional<std::uint64_t> ip_int, port;
  for (auto field : obj) {
    od::field f;
    DS_TRY(std::move(field).get(f));
    std::string_view key;
    DS_TRY(f.unescaped_key().get(key));
    od::value& v = f.value();
    if (key == "ip_str") {
      ip_str = text(v);
    } else if (key == "ip") {
      ip_int = number(v);
    } else if (key == "ipv6") {
      ipv6 = text(v);
    } else if (key == "port") {
      port = number(v);
    } else if (key == "transport") {
      if (auto t = text(v)) l.transport = lower(*t) == "udp" ? "udp" : "tcp";
    } else if (key == "timestamp") {
      if (auto t = text(v)) l.observed_at = normalise_time(*t);
    } else if (key == "hostnames") {
      DS_TRY(texts(v, l.hostnames));
    } else if (key == "domains") {
      DS_TRY(texts(v, l.domains));
    } else if (key == "tags") {
      DS_TRY(texts(v, l.tags));
    } else if (key == "org") {
      if (auto t = text(v)) l.org = std::move(t);
    } else if (key == "isp") {
      if (!l.org) l.org = text(v);
    } else if (key == "asn") {
      if (auto t = text(v)) l.asn = asn_text(*t);
    } else if (key == "data") {
      if (auto t = text(v)) set_banner(l, *t);
    } else if (key == "product") {
      product = text(v);
    } else if (key == "version") {
      version = text(v);
    } else if (key == "ssl") {
      bool null = true;
      DS_TRY(v.is_null().get(null));
      l.tls = !null;
    } else if (key == "_shodan") {
      od::object meta;
      if (v.get_object().get(meta) == SUCCESS) {
        for (auto mf : meta) {
          od::field m;
          DS_TRY(std::move(mf).get(m));
          std::string_view mk;
          DS_TRY(m.unescaped_key().get(mk));
          if (mk == "module") l.service = text(m.value());
        }
      }
    }
  }
  if (product) l.product = version ? *product + " " + *version : *product;
  std::string ip;
  if (ip_str) {
    ip = *ip_str;
  } else if (ipv6) {
    ip = *ipv6;
  } else if (ip_int && *ip_int <= 0xffffffffULL) {
    ip = scan::Address::from_v4(static_cast<std::uint32_t>(*ip_int)).to_string();
  } else {
    c.problem = "Shodan banner without ip_str";
    return SUCCESS;
  }
  if (finish_entry(e, ip, port, c)) c.out.push_back(std::move(e));
  return SUCCESS;
}

// ---- Censys host: Search 2.0 (service_name, "TCP") and Platform host_v1 resource
// (protocol, "tcp"), one entry per service.
struct CensysService {
  std::optional<std::uint64_t> port;
  record::LeadRecord lead;
};

error_code censys_service(od::object obj, CensysService& s) {
  auto& l = s.lead;
  std::optional<std::string> extended;
  for (auto field : obj) {
    od::field f;
    DS_TRY(std::move(field).get(f));
    std::string_view key;
    DS_TRY(f.unescaped_key().get(key));
    od::value& v = f.value();
    if (key == "port") {
      s.port = number(v);
    } else if (key == "service_name" || key == "protocol") {
      if (auto t = text(v)) l.service = std::move(t);
    } else if (key == "extended_service_name") {
      extended = text(v);
    } else if (key == "transport_protocol") {
      if (auto t = text(v)) l.transport = lower(*t) == "udp" ? "udp" : "tcp";
    } else if (key == "banner") {
      if (auto t = text(v)) set_banner(l, *t);
    } else if (key == "observed_at" || key == "scan_time") {
      if (auto t = text(v)) l.observed_at = normalise_time(*t);
    } else if (key == "tls") {
      bool null = true;
      DS_TRY(v.is_null().get(null));
      l.tls = l.tls || !null;
    } else if (key == "software") {
      od::array a;
      if (v.get_array().get(a) != SUCCESS) continue;
      for (auto item : a) {
        od::object sw;
        if (item.get_object().get(sw) != SUCCESS) continue;
        std::optional<std::string> product, version;
        for (auto sf : sw) {
          od::field g;
          DS_TRY(std::move(sf).get(g));
          std::string_view gk;
          DS_TRY(g.unescaped_key().get(gk));
          if (gk == "product") product = text(g.value());
          if (gk == "version") version = text(g.value());
        }
        if (product && !l.product) l.product = version ? *product + " " + *version : *product;
      }
    }
  }
  if (!l.service && extended) l.service = extended;
  return SUCCESS;
}

error_code censys_host(od::object obj, Ctx& c) {
  if (c.prefilter) {
    od::value v;
    bool found = false;
    DS_TRY(find(obj, "ip", v, found));
    std::string_view ip;
    if (found && v.get_string().get(ip) == SUCCESS) {
      if (const auto a = scan::Address::parse(ip); a && !c.prefilter(*a)) {
        ++c.stats.skipped_early;
        return SUCCESS;
      }
    }
    bool ignored = false;
    DS_TRY(obj.reset().get(ignored));
  }
  std::optional<std::string> ip, updated, org, asn;
  std::vector<std::string> names;
  std::vector<CensysService> services;
  for (auto field : obj) {
    od::field f;
    DS_TRY(std::move(field).get(f));
    std::string_view key;
    DS_TRY(f.unescaped_key().get(key));
    od::value& v = f.value();
    if (key == "ip") {
      ip = text(v);
    } else if (key == "last_updated_at") {
      if (auto t = text(v)) updated = normalise_time(*t);
    } else if (key == "autonomous_system") {
      od::object as;
      if (v.get_object().get(as) != SUCCESS) continue;
      std::optional<std::string> name, description;
      for (auto af : as) {
        od::field g;
        DS_TRY(std::move(af).get(g));
        std::string_view gk;
        DS_TRY(g.unescaped_key().get(gk));
        if (gk == "asn") {
          if (auto n = number(g.value())) asn = fmt::format("AS{}", *n);
        } else if (gk == "name") {
          name = text(g.value());
        } else if (gk == "description") {
          description = text(g.value());
        }
      }
      org = description ? description : name;
    } else if (key == "dns") {
      od::object dns;
      if (v.get_object().get(dns) != SUCCESS) continue;
      for (auto df : dns) {
        od::field g;
        DS_TRY(std::move(df).get(g));
        std::string_view gk;
        DS_TRY(g.unescaped_key().get(gk));
        if (gk == "names") {
          DS_TRY(texts(g.value(), names));
        } else if (gk == "reverse_dns") {
          od::object rev;
          if (g.value().get_object().get(rev) != SUCCESS) continue;
          for (auto rf : rev) {
            od::field h;
            DS_TRY(std::move(rf).get(h));
            std::string_view hk;
            DS_TRY(h.unescaped_key().get(hk));
            if (hk == "names") DS_TRY(texts(h.value(), names));
          }
        }
      }
    } else if (key == "services") {
      od::array a;
      if (v.get_array().get(a) != SUCCESS) continue;
      for (auto item : a) {
        od::object so;
        DS_TRY(item.get_object().get(so));
        if (services.size() >= 1024) continue;  // bounded per host
        CensysService s;
        DS_TRY(censys_service(so, s));
        services.push_back(std::move(s));
      }
    }
  }
  if (!ip) {
    c.problem = "Censys host without ip";
    return SUCCESS;
  }
  if (services.empty()) {
    c.problem = "Censys host without services";
    return SUCCESS;
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  for (auto& s : services) {
    Entry e;
    e.lead = std::move(s.lead);
    e.lead.source = "censys";
    if (!e.lead.observed_at) e.lead.observed_at = updated;
    e.lead.org = org;
    e.lead.asn = asn;
    e.lead.hostnames = names;
    if (!finish_entry(e, *ip, s.port, c)) {
      if (!c.problem.empty()) return SUCCESS;
      break;  // the prefilter dropped the host: every service has its address
    }
    c.out.push_back(std::move(e));
  }
  return SUCCESS;
}

error_code any_value(od::value v, Ctx& c, int depth);

bool has(od::object& obj, std::string_view key, error_code& err) {
  od::value v;
  bool found = false;
  err = find(obj, key, v, found);
  if (err != SUCCESS) return false;
  bool ignored = false;
  err = obj.reset().get(ignored);
  return found;
}

error_code each(od::value& v, Ctx& c, int depth) {
  od::array a;
  DS_TRY(v.get_array().get(a));
  for (auto item : a) {
    od::value x;
    DS_TRY(std::move(item).get(x));
    DS_TRY(any_value(x, c, depth));
    if (!c.problem.empty()) return SUCCESS;
  }
  return SUCCESS;
}

error_code any_object(od::object obj, Ctx& c, int depth) {
  if (depth > kMaxDepth) {
    c.problem = "nested too deeply for a Shodan or Censys record";
    return SUCCESS;
  }
  // The hot path: a `shodan download` line. Its address decides before anything else.
  {
    od::value v;
    bool shodan = false;
    DS_TRY(find(obj, "ip_str", v, shodan));
    std::string_view ip;
    if (shodan && v.get_string().get(ip) != SUCCESS) shodan = false;
    if (shodan && c.prefilter) {
      if (const auto a = scan::Address::parse(ip); a && !c.prefilter(*a)) {
        ++c.stats.skipped_early;
        return SUCCESS;
      }
    }
    bool ignored = false;
    DS_TRY(obj.reset().get(ignored));
    if (shodan) return shodan_banner(obj, c);
  }
  error_code err = SUCCESS;
  if (has(obj, "services", err)) {
    DS_TRY(err);
    return censys_host(obj, c);
  }
  DS_TRY(err);
  for (const char* wrapper : {"matches", "hits", "result", "host_v1", "resource", "host"}) {
    od::value inner;
    bool found = false;
    DS_TRY(find(obj, wrapper, inner, found));
    if (found) return any_value(inner, c, depth + 1);
    bool ignored = false;
    DS_TRY(obj.reset().get(ignored));
  }
  if (has(obj, "port", err)) {  // an old banner with a numeric "ip" and no ip_str
    DS_TRY(err);
    return shodan_banner(obj, c);
  }
  DS_TRY(err);
  c.problem =
      "neither a Shodan banner nor a Censys host record (no ip_str, services, matches or hits)";
  return SUCCESS;
}

error_code any_value(od::value v, Ctx& c, int depth) {
  od::json_type type;
  DS_TRY(v.type().get(type));
  if (type == od::json_type::array) return each(v, c, depth + 1);
  if (type != od::json_type::object) {
    c.problem = "a JSON value that is not an object or array of records";
    return SUCCESS;
  }
  od::object obj;
  DS_TRY(v.get_object().get(obj));
  return any_object(obj, c, depth);
}

}  // namespace

std::optional<std::string> asn_text(std::string_view raw) {
  if (raw.size() > 2 && (raw[0] == 'A' || raw[0] == 'a') && (raw[1] == 'S' || raw[1] == 's'))
    raw.remove_prefix(2);
  if (raw.empty() || raw.size() > 10 ||
      !std::all_of(raw.begin(), raw.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
    return std::nullopt;
  return "AS" + std::string(raw);
}

void set_banner(record::LeadRecord& lead, std::string_view raw) {
  lead.banner_truncated = raw.size() > kMaxBanner;
  lead.banner = std::string(raw.substr(0, kMaxBanner));
}

Parser::Parser(Prefilter prefilter)
    : json_(std::make_unique<Json>()), prefilter_(std::move(prefilter)) {}
Parser::~Parser() = default;

void Parser::start_file(std::string file_name) {
  file_ = std::move(file_name);
  csv_ = {};
  json_seen_ = false;
}

Result<std::size_t> Parser::parse_document(std::string_view doc, std::size_t capacity,
                                           std::uint64_t line_number, std::vector<Entry>& out) {
  if (doc.size() > kMaxDocument)
    return make_error(fmt::format("JSON document of {} bytes, over the {} MiB limit", doc.size(),
                                  kMaxDocument >> 20));
  if (capacity < doc.size() + json_padding()) return make_error("internal: unpadded buffer");
  const auto before = out.size();
  od::document d;
  if (const auto e =
          json_->parser.iterate(simdjson::padded_string_view(doc.data(), doc.size(), capacity))
              .get(d))
    return make_error(fmt::format("malformed JSON: {}", simdjson::error_message(e)));
  Ctx c{prefilter_, file_, line_number, out, stats_, {}};
  od::value root;
  error_code e = d.get_value().get(root);
  if (e == SUCCESS) e = any_value(root, c, 0);
  if (e != SUCCESS) {
    out.resize(before);
    return make_error(fmt::format("malformed JSON: {}", simdjson::error_message(e)));
  }
  if (!c.problem.empty()) {
    // Entries before the problem (earlier items of an array) stand; the rest is reported.
    return make_error(c.problem);
  }
  return out.size() - before;
}

Result<std::size_t> Parser::parse_line(std::string_view line, std::size_t capacity,
                                       std::uint64_t line_number, std::vector<Entry>& out) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
    line.remove_suffix(1);
  std::size_t lead_ws = 0;
  while (lead_ws < line.size() && (line[lead_ws] == ' ' || line[lead_ws] == '\t')) ++lead_ws;
  line.remove_prefix(lead_ws);
  capacity -= lead_ws;
  if (line.empty()) return std::size_t{0};
  if (line.starts_with("\xEF\xBB\xBF")) {  // a byte-order mark on the first line
    line.remove_prefix(3);
    capacity -= 3;
  }
  if (line.empty()) return std::size_t{0};
  if (line.front() == '{' || line.front() == '[') {
    json_seen_ = true;
    return parse_document(line, capacity, line_number, out);
  }
  if (json_seen_) return make_error("not a JSON record (the file holds JSON lines)");
  return parse_csv(line, line_number, out);
}

}  // namespace dicomsec::import
