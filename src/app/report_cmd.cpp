// `dicomsec report`: renders a stored scan in any report format, through the same sinks as a
// live scan (report/sink.hpp), so the two come out the same. `dicomsec scans` (and
// `report --list`) lists the stored scans. `report --mds2` answers the MDS2 questions a
// measurement can answer, per device (report/mds2.hpp).
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "app/commands.hpp"
#include "app/output.hpp"
#include "report/mds2.hpp"
#include "store/store.hpp"

namespace dicomsec::app {

namespace {

struct ReportOptions {
  std::string db;
  std::string scan = "latest";
  std::string format;  // jsonl, or csv with --mds2
  std::string output;
  std::string summary_json;  // --summary-json FILE (issue 13 §1)
  std::string summary_csv;   // --summary-csv FILE: the same checklist as CSV rows
  bool list = false;
  bool mds2 = false;
  std::vector<std::string> leads;  // import JSONL files (issue 16 §1) for CONN-4
  std::int64_t dead_after = store::kDefaultDeadAfterS;
};

// The sightings in `dicomsec import` output files: lines that are not import records (no
// `source`) are ignored, unreadable lines counted and reported, never silently dropped.
std::vector<report::mds2::Sighting> read_leads(const std::vector<std::string>& paths) {
  std::vector<report::mds2::Sighting> out;
  for (const auto& path : paths) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(fmt::format("--leads {}: cannot open the file", path));
    std::string line;
    std::size_t number = 0, bad = 0, first_bad = 0;
    while (std::getline(in, line)) {
      ++number;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded()) {
        if (bad++ == 0) first_bad = number;
        continue;
      }
      if (auto s = report::mds2::sighting(j)) out.push_back(std::move(*s));
    }
    if (bad)
      std::fprintf(stderr, "dicomsec: --leads %s: %zu line(s) are not JSON (first: line %zu)\n",
                   path.c_str(), bad, first_bad);
  }
  return out;
}

// CSV (default) or the HTML report with the MDS2 section added before its end.
int write_mds2(const ReportOptions& o, report::Format format, const store::ScanInfo& info,
               const std::vector<nlohmann::json>& records) {
  if (format != report::Format::Csv && format != report::Format::Html)
    throw UsageError("--mds2 writes csv (the default) or html");
  const auto answers =
      report::mds2::answer(records, read_leads(o.leads), {.scan_started = info.meta.started});
  std::string doc;
  if (format == report::Format::Csv) {
    doc = report::mds2::to_csv(answers);
  } else {
    std::ostringstream page;
    auto sink = report::make_sink(report::Format::Html, page);
    sink->begin(info.meta);
    for (const auto& r : records)
      if (!report::mds2::sighting(r)) sink->write(r);
    sink->end(info.meta);
    doc = page.str();
    const auto section = report::mds2::to_html_section(answers);
    const auto body_end = doc.rfind("</body>");
    doc.insert(body_end == std::string::npos ? doc.size() : body_end, section);
  }
  if (o.output.empty() || o.output == "-") {
    if (std::fwrite(doc.data(), 1, doc.size(), stdout) != doc.size() || std::fflush(stdout) != 0)
      throw OutputError(
          fmt::format("cannot write the MDS2 answers to stdout: {}", std::strerror(errno)));
    return kExitOk;
  }
  errno = 0;
  std::ofstream out(o.output, std::ios::binary | std::ios::trunc);
  if (out) out << doc;
  if (out) out.close();
  if (!out)
    throw OutputError(fmt::format("cannot write the MDS2 answers to {}: {}", o.output,
                                  errno ? std::strerror(errno) : "write failed"));
  return kExitOk;
}

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
    // A pcap run: its records are the servers the flows reached; the flows are what it saw.
    if (s.flows > 0)
      fmt::print(out, "{:>5}  {} flow(s), one per association seen; RECORDS are the {} server(s)\n",
                 "", s.flows, s.records);
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
  const std::string wanted = !o.format.empty() ? o.format : o.mds2 ? "csv" : "jsonl";
  const auto format = report::parse_format(wanted);
  if (!format) throw UsageError(fmt::format("--format {}: use jsonl, csv, sarif or html", wanted));
  if (!o.leads.empty() && !o.mds2) throw UsageError("--leads is read by --mds2 only");
  if (o.mds2 && (!o.summary_json.empty() || !o.summary_csv.empty()))
    throw UsageError("--summary-json summarises a scan report; --mds2 writes its own rows");
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
  if (o.mds2) return write_mds2(o, *format, info, db->records(id));
  // A `pcap --db` run stored its flow records beside the per-server rows diff compares: the
  // report is the flows, as the live run wrote them.
  auto records = db->flows(id);
  if (records.empty()) records = db->records(id);

  // Every write, flush and close is checked: OutputError (exit 3) names the path and why.
  auto sink = open_sink(o.output, *format);
  sink->summarize_to(o.summary_json);
  sink->summarize_csv_to(o.summary_csv);
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
      "Render a scan stored with 'scan --db' (or the flows of 'pcap --db') in any report\n"
      "format, exactly as the live run would have written it. With --mds2, answer instead\n"
      "the MDS2 questions a network measurement can answer, per device (docs/dicomsec.1.md,\n"
      "'report').");
  app.add_option("--db", o->db, "The SQLite file or postgresql://... URL the scans were stored in")
      ->required();
  app.add_option("--scan", o->scan, "Scan id or --scan-id name (see 'dicomsec scans'), or 'latest'")
      ->capture_default_str();
  app.add_option("--format", o->format, "Report format (jsonl; csv with --mds2)")
      ->check(CLI::IsMember({"jsonl", "csv", "sarif", "html"}));
  app.add_option("-o,--output", o->output, "Write the report to FILE instead of stdout");
  app.add_option(
         "--summary-json", o->summary_json,
         "Also write the run's summary (counts, findings by severity, honeypots, checklist\n"
         "states) to FILE as one JSON object with \"type\":\"summary\"")
      ->type_name("FILE");
  app.add_option("--summary-csv", o->summary_csv,
                 "Also write the checklist states of the same summary to FILE as CSV (one row per\n"
                 "item: item,title,milestone,state,label,reason,checked_by,what_would_measure,...)")
      ->type_name("FILE");
  app.add_flag("--list", o->list, "List the stored scans instead (as 'dicomsec scans')");
  app.add_flag("--mds2", o->mds2,
               "Answer the MDS2 (HN 1-2019) questions a measurement can answer, per device:\n"
               "CSV rows device,mds2_id,question,answer,evidence,confidence, or with\n"
               "--format html the report with an MDS2 section");
  app.add_option("--leads", o->leads,
                 "JSONL from 'dicomsec import' (records with source shodan|censys|csv):\n"
                 "fresh sightings answer CONN-4")
      ->check(CLI::ExistingFile);
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
