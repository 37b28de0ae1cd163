#include "store/diff.hpp"

#include <map>
#include <tuple>

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

}  // namespace

std::string_view kind_name(ServiceChange::Kind k) {
  switch (k) {
    case ServiceChange::Kind::New:
      return "new";
    case ServiceChange::Kind::Gone:
      return "gone";
    case ServiceChange::Kind::Changed:
      return "changed";
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
  }
  return "open";
}

Diff diff(const std::vector<ServiceRow>& a, const std::vector<ServiceRow>& b) {
  Diff d;
  const auto ka = by_key(a);
  const auto kb = by_key(b);
  using FKey = std::tuple<std::string, std::uint16_t, std::string>;
  std::map<FKey, std::string> fa, fb;  // -> severity
  for (const auto& [k, r] : ka)
    for (const auto& f : r->findings) fa.emplace(FKey{k.first, k.second, f.id}, f.severity);
  for (const auto& [k, r] : kb)
    for (const auto& f : r->findings) fb.emplace(FKey{k.first, k.second, f.id}, f.severity);

  for (const auto& [k, r] : ka) {
    const auto it = kb.find(k);
    if (it == kb.end()) {
      d.services.push_back({ServiceChange::Kind::Gone, k.first, k.second, {}});
      continue;
    }
    ServiceChange c{ServiceChange::Kind::Changed, k.first, k.second, {}};
    compare(*r, *it->second, c.fields);
    if (!c.fields.empty()) d.services.push_back(std::move(c));
  }
  for (const auto& [k, r] : kb)
    if (!ka.contains(k)) d.services.push_back({ServiceChange::Kind::New, k.first, k.second, {}});

  for (const auto& [k, sev] : fa) {
    const auto& [ip, port, id] = k;
    if (const auto it = fb.find(k); it != fb.end()) {
      d.findings.push_back({FindingChange::Kind::Open, ip, port, id, it->second, false});
    } else {
      d.findings.push_back(
          {FindingChange::Kind::Fixed, ip, port, id, sev, !kb.contains(Key{ip, port})});
    }
  }
  for (const auto& [k, sev] : fb) {
    const auto& [ip, port, id] = k;
    if (!fa.contains(k)) d.findings.push_back({FindingChange::Kind::New, ip, port, id, sev, false});
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
    out.push_back(std::move(j));
  }
  for (const auto& f : d.findings) {
    nlohmann::json j = {{"kind", "finding"}, {"change", kind_name(f.kind)},
                        {"ip", f.ip},        {"port", f.port},
                        {"id", f.id},        {"severity", f.severity}};
    if (f.kind == FindingChange::Kind::Fixed) j["service_gone"] = f.service_gone;
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace dicomsec::store
