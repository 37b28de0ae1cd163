// `dicomsec diff --db PATH A B`: what changed between two stored scans (store/diff.hpp).
#include <fmt/format.h>

#include <cstdio>
#include <map>
#include <memory>

#include "app/commands.hpp"
#include "app/output.hpp"
#include "findings/catalogue.hpp"
#include "store/diff.hpp"
#include "store/import_diff.hpp"

namespace dicomsec::app {

namespace {

struct DiffOptions {
  std::string db;
  std::string a, b;
  std::string format = "text";
  std::string fail_on;
  std::int64_t dead_after = store::kDefaultDeadAfterS;
};

void print_text(const store::Diff& d, const store::ScanInfo& a, const store::ScanInfo& b) {
  fmt::print("scan {} ({}) -> scan {} ({})\n", a.id, a.meta.started, b.id, b.meta.started);
  std::map<std::string_view, int> n;
  for (const auto& s : d.services) ++n[store::kind_name(s.kind)];
  fmt::print("services: {} new, {} gone, {} changed, {} not checked\n", n["new"], n["gone"],
             n["changed"], n["not-checked"]);
  for (const auto& s : d.services) {
    std::string fields;
    for (const auto& f : s.fields)
      fields += fmt::format("  {}: '{}' -> '{}'", f.name, f.before, f.after);
    if (!s.reason.empty()) fields += "  (" + s.reason + ")";
    fmt::print("  {:<8} {}:{}{}\n", store::kind_name(s.kind), s.ip, s.port, fields);
  }
  std::map<std::string_view, int> m;
  for (const auto& f : d.findings) ++m[store::kind_name(f.kind)];
  fmt::print("findings: {} new, {} fixed, {} still open, {} not checked\n", m["new"], m["fixed"],
             m["open"], m["not-checked"]);
  for (auto kind : {store::FindingChange::Kind::New, store::FindingChange::Kind::Fixed,
                    store::FindingChange::Kind::NotChecked, store::FindingChange::Kind::Open})
    for (const auto& f : d.findings)
      if (f.kind == kind)
        fmt::print("  {:<11} {}:{}  {} ({}){}{}\n",
                   kind == store::FindingChange::Kind::NotChecked ? "not checked"
                                                                  : store::kind_name(f.kind),
                   f.ip, f.port, f.id, f.severity, f.service_gone ? "  [service gone]" : "",
                   f.reason.empty() ? "" : "  (" + f.reason + ")");
}

// Issue 16: an import (leads) against a scan from inside: three lists, not a change log.
// A lead the internet saw and that is still open is the urgent list: with --fail-on it counts
// as a high finding (the exit status a nightly job alerts on).
int exposure_exit(const std::vector<store::Exposure>& list,
                  std::optional<findings::Severity> fail_on) {
  if (!fail_on || *fail_on > findings::Severity::High) return kExitOk;
  for (const auto& e : list)
    if (e.list == store::Exposure::List::StillOpen) return kExitFindings;
  return kExitOk;
}

int run_exposure_diff(store::Store& db, const store::ScanInfo& import, const store::ScanInfo& scan,
                      const DiffOptions& o, std::optional<findings::Severity> fail_on) {
  const auto records = db.records(scan.id);
  const auto cov = store::coverage(scan, records);
  const auto list = store::exposure_diff(db.records(import.id), records, cov);
  if (o.format == "jsonl") {
    for (const auto& e : list) fmt::print("{}\n", store::to_json(e).dump());
    std::fflush(stdout);
    return exposure_exit(list, fail_on);
  }
  fmt::print("import {} ({}) vs scan {} ({})\n", import.id, import.meta.started, scan.id,
             scan.meta.started);
  using L = store::Exposure::List;
  const std::pair<L, const char*> lists[] = {
      {L::StillOpen, "seen from outside and still open (urgent)"},
      {L::Closed, "seen from outside, closed now"},
      {L::InsideOnly, "open inside, never seen from outside"},
      {L::NotChecked, "seen from outside, not checked by this scan"}};
  for (const auto& [kind, title] : lists) {
    std::size_t n = 0;
    for (const auto& e : list) n += e.list == kind;
    fmt::print("{}: {}\n", title, n);
    for (const auto& e : list) {
      if (e.list != kind) continue;
      std::string seen;
      if (!e.source.empty())
        seen = fmt::format("  seen by {}{}", e.source,
                           e.observed_at.empty() ? "" : " at " + e.observed_at);
      fmt::print("  {}:{}  {}{}{}{}\n", e.ip, e.port, e.status.empty() ? "-" : e.status,
                 e.dicom ? " (DICOM)" : "", seen, e.reason.empty() ? "" : "  (" + e.reason + ")");
    }
  }
  std::fflush(stdout);
  return exposure_exit(list, fail_on);
}

int run_diff(const DiffOptions& o) {
  const auto fail_on = parse_fail_on(o.fail_on);
  auto db = store::open_store_read_only(o.db);
  const auto a = *db->scan(store::resolve_scan(*db, o.a));
  const auto b = *db->scan(store::resolve_scan(*db, o.b));
  for (const auto* s : {&a, &b})  // a --scan-id scan is compared merged; say how complete
    if (!s->name.empty())
      fmt::print(stderr, "dicomsec: scan {} ('{}'): {}\n", s->id, s->name,
                 store::shard_summary(db->shards(s->id), o.dead_after));
  const bool a_import = a.meta.command == "import", b_import = b.meta.command == "import";
  if (a_import != b_import)
    return run_exposure_diff(*db, a_import ? a : b, a_import ? b : a, o, fail_on);
  // Issues 12 §5 / 13 §5: "fixed", "new" and "gone" only where both scans looked; the rest
  // is "not checked", with the reason (store/diff.hpp).
  const auto ca = store::coverage(a, db->records(a.id));
  const auto cb = store::coverage(b, db->records(b.id));
  const auto d = store::diff(db->services(a.id), db->services(b.id), &ca, &cb);
  for (const char* key : {"level", "ports", "targets", "input_lists", "excludes", "web_ports"}) {
    const auto va = a.options.value(key, nlohmann::json());
    const auto vb = b.options.value(key, nlohmann::json());
    if (va != vb)
      fmt::print(stderr,
                 "dicomsec: note: scans {} and {} differ in {} ({} vs {}): what only one of them "
                 "looked at is listed as 'not checked'\n",
                 a.id, b.id, key, va.dump(), vb.dump());
  }
  if (o.format == "jsonl") {
    for (const auto& j : store::to_json(d)) fmt::print("{}\n", j.dump());
  } else {
    print_text(d, a, b);
  }
  std::fflush(stdout);
  if (fail_on)
    for (const auto& f : d.findings)
      if (f.kind == store::FindingChange::Kind::New)
        if (auto s = findings::parse_severity(f.severity); s && *s >= *fail_on)
          return kExitFindings;
  return kExitOk;
}

}  // namespace

Runner setup_diff(CLI::App& app) {
  auto o = std::make_shared<DiffOptions>();
  app.description(
      "Compare two stored scans: services new, gone or changed (status, DICOM, TLS,\n"
      "association result, product), keyed by ip:port; findings new, fixed or still open,\n"
      "keyed by ip, port and finding id. Where one scan did not look (another level, other\n"
      "ports or addresses, an unfinished scan, an inconclusive check), the change is 'not\n"
      "checked', with the reason, never 'fixed' or 'new'.\n"
      "An import (dicomsec import --db) against a scan gives three lists instead: seen from\n"
      "outside and still open (urgent), seen from outside but closed now, open inside and never\n"
      "seen from outside; leads the scan did not probe are 'not checked'.");
  app.add_option("--db", o->db, "The SQLite file or postgresql://... URL the scans were stored in")
      ->required();
  app.add_option("scan_a", o->a, "The earlier scan: id, --scan-id name or 'latest'")->required();
  app.add_option("scan_b", o->b, "The later scan: id, --scan-id name or 'latest'")->required();
  app.add_option("--dead-after", o->dead_after,
                 "A running shard silent for longer than this many seconds is shown as dead")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{86400}))
      ->capture_default_str();
  app.add_option("--format", o->format, "text, or jsonl (one change per line)")
      ->check(CLI::IsMember({"text", "jsonl"}))
      ->capture_default_str();
  app.add_option(
      "--fail-on", o->fail_on,
      "Exit 1 when a NEW finding (not one the earlier scan did not check) is at or above: "
      "info|low|medium|high|critical. Import against scan: a lead still open counts as high");
  return [o] { return run_diff(*o); };
}

}  // namespace dicomsec::app
