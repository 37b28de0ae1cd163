#include "store/diff.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <tuple>

#include "scan/ports.hpp"

namespace dicomsec::store {

namespace {

using Key = std::pair<std::string, std::uint16_t>;

std::map<Key, const ServiceRow*> by_key(const std::vector<ServiceRow>& rows) {
  std::map<Key, const ServiceRow*> out;
  for (const auto& r : rows) out.emplace(Key{r.ip, r.port}, &r);
  return out;
}

std::string yes_no(bool b) { return b ? "true" : "false"; }

void compare(const ServiceRow& a, const ServiceRow& b, std::vector<ServiceChange::Field>& out) {
  auto field = [&](const char* name, const std::string& x, const std::string& y) {
    if (x != y) out.push_back({name, x, y});
  };
  field("status", a.status, b.status);
  field("dicom", yes_no(a.dicom), yes_no(b.dicom));
  field("tls", yes_no(a.tls), yes_no(b.tls));
  field("association", a.association, b.association);
  field("product", a.product, b.product);
}

int level_rank(std::string_view level) {
  if (level == "safe") return 0;
  if (level == "auth") return 1;
  if (level == "intrusive") return 2;
  return 3;  // unknown: as if every check ran
}

// The lowest level whose checks can raise a finding (docs/design.md, levels).
std::string_view needed_level(std::string_view id) {
  if (id == "DICOM-STORE-OPEN") return "intrusive";
  if (id == "DICOM-FIND-OPEN" || id == "DICOM-MOVE-OPEN" || id == "DICOM-GET-OPEN" ||
      id.starts_with("DICOMWEB-"))
    return "auth";
  return "safe";
}

// The access check behind a finding ("find", "move", ...), or "".
std::string_view access_key(std::string_view id) {
  if (id == "DICOM-FIND-OPEN") return "find";
  if (id == "DICOM-MOVE-OPEN") return "move";
  if (id == "DICOM-GET-OPEN") return "get";
  if (id == "DICOM-STORE-OPEN") return "store";
  return "";
}

std::string str(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Statuses that say the scan reached the service but could not finish looking.
bool unfinished_status(std::string_view status) {
  return status == "io-timeout" || status == "aborted" || status == "local-error";
}

}  // namespace

std::optional<std::string> Coverage::not_probed(const std::string& ip, std::uint16_t port) const {
  if (ports && !ports->contains(port)) return fmt::format("did not probe port {}", port);
  const auto address = scan::Address::parse(ip);
  const auto in = [&](const std::vector<scan::AddressRange>& ranges) {
    return address && std::any_of(ranges.begin(), ranges.end(),
                                  [&](const auto& r) { return r.contains(*address); });
  };
  if (address && addresses && !in(*addresses)) return fmt::format("did not probe address {}", ip);
  if (in(excludes)) return fmt::format("excluded address {}", ip);
  if (!finished && !records.contains({ip, port}))
    return std::string("did not finish (no record of this service)");
  return std::nullopt;
}

std::optional<std::string> Coverage::not_checked(const std::string& ip, std::uint16_t port,
                                                 std::string_view id) const {
  const auto it = records.find({ip, port});
  if (it == records.end()) {
    if (auto why = not_probed(ip, port)) return why;
    return std::nullopt;  // looked, and nothing answered there: gone
  }
  const auto need = needed_level(id);
  if (level_rank(level) < level_rank(need))
    return fmt::format("ran at level {}; {} needs level {}", level, id, need);
  const auto& r = it->second;
  const auto status = str(r, "status");
  if (unfinished_status(status))
    return fmt::format("could not finish the service's checks ({}{}{})", status,
                       str(r, "detail").empty() ? "" : ": ", str(r, "detail"));
  if (id == "DICOM-ANY-CALLED-AE") {
    const auto c = r.find("called_ae_check");
    if (c == r.end() || !c->is_object())
      return std::string("made no random called AE check (the first association was not accepted)");
    if (str(*c, "state") == "inconclusive")
      return "random called AE check inconclusive: " + str(*c, "reason");
  }
  if (const auto key = access_key(id); !key.empty()) {
    const auto a = r.find("access");
    if (a == r.end() || !a->is_object()) return std::string("made no access checks");
    const auto op = a->find(std::string(key));
    if (op == a->end() || !op->is_object() || str(*op, "state") == "untested")
      return fmt::format("left the {} check untested{}{}", key,
                         op != a->end() && op->is_object() ? ": " : "",
                         op != a->end() && op->is_object() ? str(*op, "evidence") : "");
  }
  if (id.starts_with("TLS-") && r.value("tls", false)) {
    const auto t = r.find("tls_audit");
    if (t == r.end() || !t->is_object()) return std::string("made no TLS audit");
  }
  return std::nullopt;
}

Coverage coverage(const ScanInfo& info, const std::vector<nlohmann::json>& records) {
  Coverage c;
  c.finished = info.state == ScanState::Finished;
  const auto& o = info.options;
  if (o.is_object()) {
    c.level = str(o, "level");
    if (o.contains("ports") && o["ports"].is_string())
      if (auto p = scan::parse_ports(o["ports"].get<std::string>()); p)
        c.ports.emplace(p->begin(), p->end());
    // Addresses only when every target is an address or range: a hostname may resolve to
    // anything, an -iL file may have changed since.
    std::vector<scan::AddressRange> ranges;
    bool known = o.contains("targets") && o["targets"].is_array();
    if (known)
      for (const auto& t : o["targets"]) {
        const auto parsed = t.is_string() ? scan::parse_target(t.get<std::string>())
                                          : Result<scan::Target>(make_error("not text"));
        if (!parsed || !std::holds_alternative<scan::AddressRange>(*parsed)) {
          known = false;
          break;
        }
        ranges.push_back(std::get<scan::AddressRange>(*parsed));
      }
    if (known && o.contains("input_lists") && o["input_lists"].is_array() &&
        !o["input_lists"].empty())
      known = false;
    if (known) c.addresses = std::move(ranges);
    if (o.contains("excludes") && o["excludes"].is_array())
      for (const auto& e : o["excludes"])
        if (e.is_string())
          if (auto x = scan::parse_exclude(e.get<std::string>()); x) c.excludes.push_back(*x);
  }
  for (const auto& r : records)
    if (r.is_object() && r.contains("ip") && r.contains("port") && r["port"].is_number_unsigned())
      c.records[{str(r, "ip"), r["port"].get<std::uint16_t>()}] = r;
  return c;
}

std::string_view kind_name(ServiceChange::Kind k) {
  switch (k) {
    case ServiceChange::Kind::New:
      return "new";
    case ServiceChange::Kind::Gone:
      return "gone";
    case ServiceChange::Kind::Changed:
      return "changed";
    case ServiceChange::Kind::NotChecked:
      return "not-checked";
  }
  return "changed";
}

std::string_view kind_name(FindingChange::Kind k) {
  switch (k) {
    case FindingChange::Kind::New:
      return "new";
    case FindingChange::Kind::Fixed:
      return "fixed";
    case FindingChange::Kind::Open:
      return "open";
    case FindingChange::Kind::NotChecked:
      return "not-checked";
  }
  return "open";
}

Diff diff(const std::vector<ServiceRow>& a, const std::vector<ServiceRow>& b, const Coverage* ca,
          const Coverage* cb) {
  Diff d;
  const auto ka = by_key(a);
  const auto kb = by_key(b);
  using FKey = std::tuple<std::string, std::uint16_t, std::string>;
  std::map<FKey, std::string> fa, fb;  // -> severity
  for (const auto& [k, r] : ka)
    for (const auto& f : r->findings) fa.emplace(FKey{k.first, k.second, f.id}, f.severity);
  for (const auto& [k, r] : kb)
    for (const auto& f : r->findings) fb.emplace(FKey{k.first, k.second, f.id}, f.severity);
  const auto unprobed = [](const Coverage* c, const char* which,
                           const Key& k) -> std::optional<std::string> {
    if (!c) return std::nullopt;
    if (auto why = c->not_probed(k.first, k.second))
      return fmt::format("the {} scan {}", which, *why);
    return std::nullopt;
  };
  const auto unchecked = [](const Coverage* c, const char* which,
                            const FKey& k) -> std::optional<std::string> {
    if (!c) return std::nullopt;
    const auto& [ip, port, id] = k;
    if (auto why = c->not_checked(ip, port, id)) return fmt::format("the {} scan {}", which, *why);
    return std::nullopt;
  };

  for (const auto& [k, r] : ka) {
    const auto it = kb.find(k);
    if (it == kb.end()) {
      if (auto why = unprobed(cb, "later", k))
        d.services.push_back({ServiceChange::Kind::NotChecked, k.first, k.second, {}, *why});
      else
        d.services.push_back({ServiceChange::Kind::Gone, k.first, k.second, {}, {}});
      continue;
    }
    ServiceChange c{ServiceChange::Kind::Changed, k.first, k.second, {}, {}};
    compare(*r, *it->second, c.fields);
    if (!c.fields.empty()) d.services.push_back(std::move(c));
  }
  for (const auto& [k, r] : kb)
    if (!ka.contains(k)) {
      if (auto why = unprobed(ca, "earlier", k))
        d.services.push_back({ServiceChange::Kind::NotChecked, k.first, k.second, {}, *why});
      else
        d.services.push_back({ServiceChange::Kind::New, k.first, k.second, {}, {}});
    }

  for (const auto& [k, sev] : fa) {
    const auto& [ip, port, id] = k;
    if (const auto it = fb.find(k); it != fb.end()) {
      d.findings.push_back({FindingChange::Kind::Open, ip, port, id, it->second, false, {}});
    } else if (auto why = unchecked(cb, "later", k)) {
      d.findings.push_back({FindingChange::Kind::NotChecked, ip, port, id, sev, false, *why});
    } else {
      d.findings.push_back(
          {FindingChange::Kind::Fixed, ip, port, id, sev, !kb.contains(Key{ip, port}), {}});
    }
  }
  for (const auto& [k, sev] : fb) {
    const auto& [ip, port, id] = k;
    if (fa.contains(k)) continue;
    if (auto why = unchecked(ca, "earlier", k))
      d.findings.push_back({FindingChange::Kind::NotChecked, ip, port, id, sev, false, *why});
    else
      d.findings.push_back({FindingChange::Kind::New, ip, port, id, sev, false, {}});
  }
  return d;
}

std::vector<nlohmann::json> to_json(const Diff& d) {
  std::vector<nlohmann::json> out;
  for (const auto& s : d.services) {
    nlohmann::json j = {
        {"kind", "service"}, {"change", kind_name(s.kind)}, {"ip", s.ip}, {"port", s.port}};
    if (s.kind == ServiceChange::Kind::Changed) {
      auto& fields = j["fields"] = nlohmann::json::object();
      for (const auto& f : s.fields) fields[f.name] = {{"before", f.before}, {"after", f.after}};
    }
    if (s.kind == ServiceChange::Kind::NotChecked) j["reason"] = s.reason;
    out.push_back(std::move(j));
  }
  for (const auto& f : d.findings) {
    nlohmann::json j = {{"kind", "finding"}, {"change", kind_name(f.kind)},
                        {"ip", f.ip},        {"port", f.port},
                        {"id", f.id},        {"severity", f.severity}};
    if (f.kind == FindingChange::Kind::Fixed) j["service_gone"] = f.service_gone;
    if (f.kind == FindingChange::Kind::NotChecked) j["reason"] = f.reason;
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace dicomsec::store
