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
  std::string summary_json;  // --summary-json FILE (issue 13 §1)
  bool list = false;
};

void print_scans(store::Store& db, std::FILE* out) {
  const auto scans = db.list();
  if (scans.empty()) {
    fmt::print(out, "no scans stored yet\n");
    return;
  }
  fmt::print(out, "{:>5}  {:<11}  {:<20}  {:<20}  {:>15}  {:>7}  {}\n", "ID", "STATE", "STARTED",
             "FINISHED", "PAIRS DONE", "RECORDS", "COMMAND");
  for (const auto& s : scans)
    fmt::print(
        out, "{:>5}  {:<11}  {:<20}  {:<20}  {:>15}  {:>7}  {}\n", s.id, store::state_name(s.state),
        s.meta.started, s.meta.finished.empty() ? "-" : s.meta.finished,
        fmt::format("{}/{}", s.meta.pairs_done, s.meta.pairs_total), s.records, s.meta.arguments);
}

int run_report(const ReportOptions& o) {
  const auto format = report::parse_format(o.format);
  if (!format)
    throw UsageError(fmt::format("--format {}: use jsonl, csv, sarif or html", o.format));
  auto db = store::open_store_read_only(o.db);
  if (o.list) {
    print_scans(*db, stdout);
    return kExitOk;
  }
  const auto id = store::resolve_scan(*db, o.scan);
  auto info = *db->scan(id);
  // The checklist's states depend on the level the stored run used (issue 13 §1).
  if (info.options.is_object() && info.options.contains("level") && info.options["level"].is_string())
    info.meta.level = info.options["level"].get<std::string>();
  if (info.options.is_object() && info.options.contains("ports") && info.options["ports"].is_string())
    info.meta.ports = info.options["ports"].get<std::string>();
  const auto records = db->records(id);

  // Every write, flush and close is checked: OutputError (exit 3) names the path and why.
  auto sink = open_sink(o.output, *format);
  sink->summarize_to(o.summary_json);
  sink->begin(info.meta);
  for (const auto& r : records) sink->write(r);
  sink->close(info.meta);
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
  app.add_option("--db", o->db, "The SQLite file the scans were stored in")->required();
  app.add_option("--scan", o->scan, "Scan id (see 'dicomsec scans') or 'latest'")
      ->capture_default_str();
  app.add_option("--format", o->format, "Report format")
      ->check(CLI::IsMember({"jsonl", "csv", "sarif", "html"}))
      ->capture_default_str();
  app.add_option("-o,--output", o->output, "Write the report to FILE instead of stdout");
  app.add_option("--summary-json", o->summary_json,
                 "Also write the run's summary (counts, findings by severity, honeypots, checklist\n"
                 "states) to FILE as one JSON object with \"type\":\"summary\"")
      ->type_name("FILE");
  app.add_flag("--list", o->list, "List the stored scans instead (as 'dicomsec scans')");
  return [o] { return run_report(*o); };
}

Runner setup_scans(CLI::App& app) {
  auto db_path = std::make_shared<std::string>();
  app.description("List the scans stored in a --db file: id, state, times, progress, command.");
  app.add_option("--db", *db_path, "The SQLite file the scans were stored in")->required();
  return [db_path] {
    auto db = store::open_store_read_only(*db_path);
    print_scans(*db, stdout);
    return kExitOk;
  };
}

}  // namespace dicomsec::app
