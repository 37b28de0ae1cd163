// `dicomsec report`: renders a stored scan in any report format, through the same sinks as a
// live scan (report/sink.hpp), so the two come out the same. `dicomsec scans` (and
// `report --list`) lists the stored scans.
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <memory>

#include "app/commands.hpp"
#include "app/output.hpp"
#include "store/store.hpp"

namespace dicomsec::app {

namespace {

struct ReportOptions {
  std::string db;
  std::string scan = "latest";
  std::string format = "jsonl";
  std::string output;
  bool list = false;
  std::int64_t dead_after = store::kDefaultDeadAfterS;
};

void print_scans(store::Store& db, std::FILE* out, std::int64_t dead_after) {
  const auto scans = db.list();
  if (scans.empty()) {
    fmt::print(out, "no scans stored yet\n");
    return;
  }
  fmt::print(out, "{:>5}  {:<11}  {:<20}  {:<20}  {:>15}  {:>7}  {}\n", "ID", "STATE", "STARTED",
             "FINISHED", "PAIRS DONE", "RECORDS", "COMMAND");
  for (const auto& s : scans) {
    fmt::print(
        out, "{:>5}  {:<11}  {:<20}  {:<20}  {:>15}  {:>7}  {}\n", s.id, store::state_name(s.state),
        s.meta.started, s.meta.finished.empty() ? "-" : s.meta.finished,
        fmt::format("{}/{}", s.meta.pairs_done, s.meta.pairs_total), s.records, s.meta.arguments);
    // A --scan-id scan: its name, and which shards are done, running or dead (issue 17).
    if (!s.name.empty())
      fmt::print(out, "{:>5}  name '{}'; {}\n", "", s.name,
                 store::shard_summary(db.shards(s.id), dead_after));
  }
}

void add_dead_after(CLI::App& app, std::int64_t& dead_after) {
  app.add_option("--dead-after", dead_after,
                 "A running shard silent (no heartbeat) for longer than this many seconds is "
                 "shown as dead")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{86400}))
      ->capture_default_str();
}

int run_report(const ReportOptions& o) {
  const auto format = report::parse_format(o.format);
  if (!format)
    throw UsageError(fmt::format("--format {}: use jsonl, csv, sarif or html", o.format));
  auto db = store::open_store_read_only(o.db);
  if (o.list) {
    print_scans(*db, stdout, o.dead_after);
    return kExitOk;
  }
  const auto id = store::resolve_scan(*db, o.scan);
  auto info = *db->scan(id);
  // The checklist's states depend on the level the stored run used (issue 13 §1).
  if (info.options.is_object() && info.options.contains("level") &&
      info.options["level"].is_string())
    info.meta.level = info.options["level"].get<std::string>();
  if (info.options.is_object() && info.options.contains("ports") &&
      info.options["ports"].is_string())
    info.meta.ports = info.options["ports"].get<std::string>();
  const auto records = db->records(id);

  // Every write, flush and close is checked: OutputError (exit 3) names the path and why.
  auto sink = open_sink(o.output, *format);
  sink->begin(info.meta);
  for (const auto& r : records) sink->write(r);
  sink->close(info.meta);
  if (!info.name.empty())
    fmt::print(stderr, "dicomsec: scan {} ('{}'), merged from {}\n", id, info.name,
               store::shard_summary(db->shards(id), o.dead_after));
  if (info.state != store::ScanState::Finished)
    std::fprintf(stderr,
                 "dicomsec: scan %lld is %s: the report holds the %zu records stored so far\n",
                 static_cast<long long>(id), std::string(store::state_name(info.state)).c_str(),
                 records.size());
  return kExitOk;
}

}  // namespace

Runner setup_report(CLI::App& app) {
  auto o = std::make_shared<ReportOptions>();
  app.description(
      "Render a scan stored with 'scan --db' in any report format, exactly as the live scan\n"
      "would have written it.");
  app.add_option("--db", o->db, "The SQLite file or postgresql://... URL the scans were stored in")
      ->required();
  app.add_option("--scan", o->scan, "Scan id or --scan-id name (see 'dicomsec scans'), or 'latest'")
      ->capture_default_str();
  app.add_option("--format", o->format, "Report format")
      ->check(CLI::IsMember({"jsonl", "csv", "sarif", "html"}))
      ->capture_default_str();
  app.add_option("-o,--output", o->output, "Write the report to FILE instead of stdout");
  app.add_flag("--list", o->list, "List the stored scans instead (as 'dicomsec scans')");
  add_dead_after(app, o->dead_after);
  return [o] { return run_report(*o); };
}

Runner setup_scans(CLI::App& app) {
  auto db_path = std::make_shared<std::string>();
  auto dead_after = std::make_shared<std::int64_t>(store::kDefaultDeadAfterS);
  app.description("List the scans stored in a --db file: id, state, times, progress, command.");
  app.add_option("--db", *db_path,
                 "The SQLite file or postgresql://... URL the scans were stored in")
      ->required();
  add_dead_after(app, *dead_after);
  return [db_path, dead_after] {
    auto db = store::open_store_read_only(*db_path);
    print_scans(*db, stdout, *dead_after);
    return kExitOk;
  };
}

}  // namespace dicomsec::app
