#include "store/import_diff.hpp"

#include <map>
#include <set>

#include "record/record.hpp"

namespace dicomsec::store {

namespace {

using Key = std::pair<std::string, std::uint16_t>;

std::string text(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string_view list_name(Exposure::List l) {
  switch (l) {
    case Exposure::List::StillOpen:
      return "still-open";
    case Exposure::List::Closed:
      return "closed";
    case Exposure::List::InsideOnly:
      return "inside-only";
    case Exposure::List::NotChecked:
      return "not-checked";
  }
  return "not-checked";
}

std::vector<Exposure> exposure_diff(const std::vector<nlohmann::json>& leads,
                                    const std::vector<nlohmann::json>& scan,
                                    const Coverage& scan_coverage) {
  std::map<Key, const nlohmann::json*> now;
  for (const auto& r : scan) now[{text(r, "ip"), r.value("port", 0)}] = &r;
  std::vector<Exposure> out;
  std::set<Key> seen;
  for (const auto& l : leads) {
    const auto port = static_cast<std::uint16_t>(l.value("port", 0));
    const auto lead = l.value("lead", nlohmann::json::object());
    Exposure base;
    base.source = text(lead, "source");
    base.observed_at = text(lead, "observed_at");
    std::vector<std::string> where{text(l, "ip")};
    if (const auto m = lead.find("moved"); m != lead.end() && m->is_object()) {
      where.clear();
      for (const auto& a : m->value("now", nlohmann::json::array()))
        if (a.is_string()) where.push_back(a.get<std::string>());
      base.reason = text(*m, "note");
      if (where.empty()) {
        base.list = Exposure::List::NotChecked;
        base.ip = text(l, "ip");
        base.port = port;
        out.push_back(base);
        continue;
      }
    }
    for (const auto& ip : where) {
      if (!seen.insert({ip, port}).second) continue;  // one line per ip:port
      Exposure e = base;
      e.ip = ip;
      e.port = port;
      if (const auto it = now.find({ip, port}); it != now.end()) {
        e.status = text(*it->second, "status");
        e.dicom = it->second->value("dicom", false);
        e.list = record::port_open(e.status) ? Exposure::List::StillOpen : Exposure::List::Closed;
      } else if (const auto why = scan_coverage.not_probed(ip, port)) {
        e.list = Exposure::List::NotChecked;
        e.reason = *why;
      } else {
        e.list = Exposure::List::Closed;  // probed, and a closed port leaves no record
        e.status = "closed";
      }
      out.push_back(std::move(e));
    }
  }
  for (const auto& [key, r] : now) {
    if (seen.contains(key) || !record::port_open(text(*r, "status"))) continue;
    Exposure e;
    e.list = Exposure::List::InsideOnly;
    e.ip = key.first;
    e.port = key.second;
    e.status = text(*r, "status");
    e.dicom = r->value("dicom", false);
    out.push_back(std::move(e));
  }
  return out;
}

nlohmann::json to_json(const Exposure& e) {
  nlohmann::json j = {{"kind", "exposure"}, {"list", list_name(e.list)}, {"ip", e.ip},
                      {"port", e.port},     {"status", e.status},        {"dicom", e.dicom}};
  if (!e.source.empty()) j["source"] = e.source;
  if (!e.observed_at.empty()) j["observed_at"] = e.observed_at;
  if (!e.reason.empty()) j["reason"] = e.reason;
  return j;
}

}  // namespace dicomsec::store
