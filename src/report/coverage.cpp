#include "report/coverage.hpp"

#include <fmt/format.h>

#include "findings/catalogue.hpp"
#include "record/record.hpp"

namespace dicomsec::report {

using nlohmann::json;

namespace {

const json* at(const json& j, const char* pointer) {
  const auto p = json::json_pointer(pointer);
  if (!j.contains(p)) return nullptr;
  const auto& v = j.at(p);
  return v.is_null() ? nullptr : &v;
}

std::string str(const json& j, const char* pointer) {
  const auto* v = at(j, pointer);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

}  // namespace

std::string_view check_state_name(CheckState s) {
  switch (s) {
    case CheckState::Action:
      return "action";
    case CheckState::Ok:
      return "ok";
    case CheckState::NotAtLevel:
      return "not-checked-at-level";
    case CheckState::NotMeasured:
      return "not-measured";
  }
  return "not-measured";
}

std::string_view check_state_label(CheckState s) {
  switch (s) {
    case CheckState::Action:
      return "Action";
    case CheckState::Ok:
      return "OK";
    case CheckState::NotAtLevel:
      return "Not checked at this level";
    case CheckState::NotMeasured:
      return "Not measured by dicomsec";
  }
  return "Not measured by dicomsec";
}

std::size_t Coverage::count(CheckState s) const {
  std::size_t n = 0;
  for (const auto& i : items) n += i.state == s ? 1 : 0;
  return n;
}

std::string Coverage::headline() const {
  if (!covered) return "no coverage: nothing was reachable";
  std::string out = fmt::format("{} of {} need action, {} ok", count(CheckState::Action),
                                items.size(), count(CheckState::Ok));
  if (const auto n = count(CheckState::NotAtLevel); n > 0)
    out += fmt::format(", {} not checked at this level", n);
  if (const auto n = count(CheckState::NotMeasured); n > 0)
    out += fmt::format(", {} not measured", n);
  return out;
}

json Coverage::to_json() const {
  json list = json::array();
  for (const auto& i : items)
    list.push_back({{"id", i.id},
                    {"state", check_state_name(i.state)},
                    {"findings", i.findings},
                    {"notes", i.notes},
                    {"reason", i.reason},
                    {"checked_by", i.checked_by.empty() ? json(nullptr) : json(i.checked_by)}});
  return {{"covered", covered}, {"headline", headline()}, {"items", list}};
}

void CoverageCounter::add(const json& r) {
  const auto items = findings::checklist();
  if (findings_.size() != items.size()) {
    findings_.assign(items.size(), 0);
    notes_.assign(items.size(), 0);
  }
  if (!record::port_open(str(r, "/status"))) return;
  ++open_;
  const auto* dicom = at(r, "/dicom");
  dicom_ += dicom && dicom->is_boolean() && dicom->get<bool>() ? 1 : 0;
  web_ += at(r, "/web") ? 1 : 0;
  tls_audit_ += at(r, "/tls_audit") ? 1 : 0;
  versions_ += str(r, "/product/version").empty() ? 0 : 1;
  if (const auto* f = at(r, "/findings"); f && f->is_array())
    for (const auto& finding : *f) {
      const auto* def = findings::find(str(finding, "/id"));
      if (!def) continue;
      for (std::size_t i = 0; i < items.size(); ++i)
        if (items[i].id == def->checklist) {
          const auto severity = str(finding, "/severity");
          ++(severity == "info" ? notes_[i] : findings_[i]);
        }
    }
}

Coverage CoverageCounter::result(const ScanMeta& meta) const {
  const auto items = findings::checklist();
  Coverage c;
  c.covered = open_ > 0;
  const bool tls_command = meta.command == "tls";
  const bool web_level = meta.level == "auth" || meta.level == "intrusive" || web_ > 0;
  const std::string level = meta.level.empty() ? std::string("unknown") : meta.level;
  for (std::size_t i = 0; i < items.size(); ++i) {
    ChecklistState s;
    s.id = std::string(items[i].id);
    s.findings = i < findings_.size() ? findings_[i] : 0;
    s.notes = i < notes_.size() ? notes_[i] : 0;
    const auto id = items[i].id;
    auto measured = [&](std::string note) {
      s.state = CheckState::Ok;
      s.reason = std::move(note);
    };
    auto not_level = [&](std::string why, std::string by) {
      s.state = CheckState::NotAtLevel;
      s.reason = std::move(why);
      s.checked_by = std::move(by);
    };
    auto not_measured = [&](std::string why) {
      s.state = CheckState::NotMeasured;
      s.reason = std::move(why);
    };
    if (!c.covered) {
      not_measured("no coverage: no port was reachable in this run");
    } else if (id == "CL-1") {
      measured("inventory of the services this run reached");
    } else if (id == "CL-2") {
      not_measured(
          "dicomsec scans from where it runs; measure internet exposure from outside "
          "(Shodan/Censys search for your public addresses, docs/guides/shodan.md)");
    } else if (id == "CL-3") {
      if (tls_command)
        not_level("`dicomsec scan` checks for cleartext DICOM; `tls` audits TLS only", "scan");
      else
        measured("association attempted in cleartext on every open port");
    } else if (id == "CL-4") {
      if (tls_command)
        not_level("`dicomsec scan` checks AE title acceptance (C-FIND/GET/MOVE at --level auth)",
                  "scan");
      else if (meta.level == "safe")
        measured("AE titles checked; C-FIND/C-GET/C-MOVE access is checked at --level auth");
      else
        measured("AE titles and C-FIND/C-GET/C-MOVE access checked");
    } else if (id == "CL-5") {
      if (!web_level && tls_command)
        not_level("`dicomsec scan --level auth` probes DICOMweb/REST; `tls` audits TLS only",
                  "scan --level auth");
      else if (!web_level)
        not_level(fmt::format("the DICOMweb/REST probe runs at --level auth (this run: {})", level),
                  "scan --level auth");
      else
        measured("DICOMweb/REST ports probed for open access and default credentials");
    } else if (id == "CL-6") {
      if (versions_ > 0)
        measured(fmt::format("{} service{} with a known product version compared with advisories",
                             versions_, versions_ == 1 ? "" : "s"));
      else
        not_measured(
            "no product version was identified; compare the inventory's versions with the "
            "vendors' advisories");
    } else if (id == "CL-7") {
      if (tls_audit_ > 0)
        measured(fmt::format("{} TLS service{} audited", tls_audit_, tls_audit_ == 1 ? "" : "s"));
      else
        not_measured("no TLS service was found to audit (dicomsec tls HOST:2762 audits one)");
    } else if (id == "CL-8") {
      not_measured(
          "logging is not visible on the network; review each node's ATNA audit log "
          "(IHE ATNA, syslog)");
    } else {
      not_measured("no dicomsec check points at this item");
    }
    if (s.findings > 0 && s.state != CheckState::Ok)
      s.reason = "partly checked in this run; " + s.reason;
    if (s.findings > 0) s.state = CheckState::Action;
    c.items.push_back(std::move(s));
  }
  return c;
}

Coverage coverage(const std::vector<json>& records, const ScanMeta& meta) {
  CoverageCounter counter;
  for (const auto& r : records) counter.add(r);
  return counter.result(meta);
}

}  // namespace dicomsec::report
