// `dicomsec import FILE... --netblocks CIDR|FILE`: what internet scanners saw of us (issue 16).
// Reads Shodan, Censys and CSV exports as streams (src/import), keeps the entries inside the
// user's netblocks (or carrying a name the user owns, --hostnames), and writes them as lead
// records (status not-probed, a "lead" object) to stdout, -o FILE and/or --db.
#include <fmt/format.h>
#include <netdb.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <memory>
#include <thread>

#include "app/commands.hpp"
#include "app/output.hpp"
#include "import/filter.hpp"
#include "import/reader.hpp"
#include "import/timestamp.hpp"
#include "report/json.hpp"
#include "store/store.hpp"

namespace dicomsec::app {

namespace {

struct ImportOptions {
  std::vector<std::string> files;
  std::vector<std::string> netblocks;
  std::string hostnames;
  bool resolve = false;
  std::string since;
  std::string output;
  std::string format = "jsonl";
  std::string db;
  bool quiet = false;
};

constexpr auto kLookupDeadline = std::chrono::seconds(3);

// getaddrinfo/getnameinfo have no timeout of their own: each runs on a detached thread and
// is abandoned (its answer dropped) after kLookupDeadline, so one dead resolver cannot hang
// the import. Names are cached by the filter and capped at import::kMaxResolvedNames.
template <class T, class F>
T with_deadline(F f, T fallback) {
  auto promise = std::make_shared<std::promise<T>>();
  auto future = promise->get_future();
  std::thread([promise, f = std::move(f)] { promise->set_value(f()); }).detach();
  if (future.wait_for(kLookupDeadline) != std::future_status::ready) return fallback;
  return future.get();
}

std::vector<scan::Address> forward(const std::string& name) {
  return with_deadline<std::vector<scan::Address>>(
      [name] {
        std::vector<scan::Address> out;
        addrinfo hints{};
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* res = nullptr;
        if (getaddrinfo(name.c_str(), nullptr, &hints, &res) != 0) return out;
        for (auto* p = res; p && out.size() < 64; p = p->ai_next) {
          char host[NI_MAXHOST];
          if (getnameinfo(p->ai_addr, p->ai_addrlen, host, sizeof host, nullptr, 0,
                          NI_NUMERICHOST) == 0)
            if (auto a = scan::Address::parse(host)) out.push_back(*a);
        }
        freeaddrinfo(res);
        std::sort(out.begin(), out.end());
        out.erase(std::unique(out.begin(), out.end()), out.end());
        return out;
      },
      {});
}

std::optional<std::string> reverse(const scan::Address& a) {
  return with_deadline<std::optional<std::string>>(
      [text = a.to_string()]() -> std::optional<std::string> {
        addrinfo hints{};
        hints.ai_flags = AI_NUMERICHOST;
        addrinfo* res = nullptr;
        if (getaddrinfo(text.c_str(), nullptr, &hints, &res) != 0) return std::nullopt;
        char host[NI_MAXHOST];
        const int rc =
            getnameinfo(res->ai_addr, res->ai_addrlen, host, sizeof host, nullptr, 0, NI_NAMEREQD);
        freeaddrinfo(res);
        if (rc != 0) return std::nullopt;
        return std::string(host);
      },
      std::nullopt);
}

import::FilterOptions filter_options(const ImportOptions& o){import::FilterOptions f;
for (const auto& token : o.netblocks) {
  if (auto ok = f.blocks.add(token); ok) continue;
  std::ifstream in(token);
  if (!in)
    throw UsageError(fmt::format(
        "--netblocks '{}': not a CIDR, range or address, and no file of that name", token));
  if (auto ok = f.blocks.add_list(in, token); !ok)
    throw UsageError("--netblocks " + ok.error().message);
}
f.blocks.finish();
if (f.blocks.empty()) throw UsageError("--netblocks: no block given");
if (!o.hostnames.empty()) {
  std::ifstream in(o.hostnames);
  if (!in) throw UsageError(fmt::format("--hostnames {}: cannot open the file", o.hostnames));
  auto names = import::parse_owned_names(in, o.hostnames);
  if (!names) throw UsageError("--hostnames " + names.error().message);
  f.owned = std::move(*names);
}
if (o.resolve) {
  if (f.owned.empty())
    throw UsageError("--resolve needs --hostnames FILE: the names whose addresses to follow");
  f.resolver = import::Resolver{forward, reverse};
}
if (!o.since.empty()) {
  f.since = import::normalise_time(o.since);
  if (!f.since)
    throw UsageError(
        fmt::format("--since '{}': give a date, 2026-01-31 or 2026-01-31T12:00:00Z", o.since));
}
return f;
}  // namespace

void print_report(const import::FileReport& r) {
  fmt::print(stderr,
             "dicomsec import: {}: {}{} lines, {} services, {} kept, {} outside the netblocks",
             r.file, r.gzip ? "gzip, " : "", r.lines, r.entries, r.kept, r.outside);
  if (r.too_old + r.undated > 0)
    fmt::print(stderr, ", {} before --since, {} undated", r.too_old, r.undated);
  fmt::print(stderr, ", {} malformed\n", r.malformed);
  for (const auto& [line, why] : r.first_malformed)
    fmt::print(stderr, "  {}:{}: {}\n", r.file, line, why);
  if (r.malformed > r.first_malformed.size())
    fmt::print(stderr, "  ... and {} more malformed lines\n",
               r.malformed - r.first_malformed.size());
  if (!r.error.empty()) fmt::print(stderr, "dicomsec import: {}: {}\n", r.file, r.error);
}

int run_import(const ImportOptions& o) {
  const auto format = report::parse_format(o.format);
  if (!format)
    throw UsageError(fmt::format("--format {}: use jsonl, csv, sarif or html", o.format));
  for (const auto& f : o.files)
    if (f != "-" && !std::ifstream(f)) throw UsageError(fmt::format("{}: cannot open the file", f));
  import::Filter filter(filter_options(o));
  import::Parser parser(filter.prefilter());

  auto meta = start_meta("import");
  std::unique_ptr<store::Store> db;
  store::ScanId scan_id = 0;
  if (!o.db.empty()) {
    db = store::open_store(o.db, true);
    const nlohmann::json options = {{"files", o.files},
                                    {"netblocks", o.netblocks},
                                    {"hostnames", o.hostnames},
                                    {"resolve", o.resolve},
                                    {"since", o.since}};
    scan_id = db->begin_scan(meta, options);
    meta.scan_id = std::to_string(scan_id);
  }
  std::unique_ptr<RecordSink> sink;
  if (o.db.empty() || !o.output.empty()) {
    sink = open_sink(o.output, *format);
    sink->begin(meta);
  }
  std::vector<nlohmann::json> batch;
  const store::PositionSet none;
  auto flush = [&] {
    if (db && !batch.empty()) db->append(scan_id, batch, none);
    batch.clear();
  };
  std::uint64_t kept = 0;
  const import::Keep keep = [&](import::Entry&& e) {
    record::ScanRecord r;
    r.ip = e.ip;
    r.port = e.port;
    r.status = record::Status::NotProbed;
    r.lead = std::move(e.lead);
    const auto j = report::to_json(r);
    if (sink) sink->write(j);
    if (db) {
      batch.push_back(j);
      if (batch.size() >= 512) flush();
    }
    ++kept;
  };
  bool failed = false;
  std::uint64_t malformed = 0;
  for (const auto& file : o.files) {
    const auto report = import::read_export(file, parser, filter, keep);
    malformed += report.malformed;
    failed = failed || !report.error.empty();
    if (!o.quiet || !report.error.empty() || report.malformed > 0) print_report(report);
  }
  flush();
  meta.finished = utc_now();
  meta.pairs_total = meta.pairs_done = kept;
  meta.interrupted = failed;
  if (db) db->finish(scan_id, meta);
  if (sink) sink->close(meta);
  if (!o.quiet)
    fmt::print(
        stderr,
        "dicomsec import: {} leads kept{}{}. Leads are what a scanner saw, not "
        "measurements: re-check them with dicomsec scan -iL{}\n",
        kept, malformed ? fmt::format(", {} malformed lines reported", malformed) : "",
        db ? fmt::format(", stored as scan {} in {}", scan_id, store::redact_location(o.db)) : "",
        o.output.empty() ? " LEADS.jsonl" : " " + o.output);
  return failed ? kExitRuntime : kExitOk;
}

}  // namespace dicomsec::app

Runner setup_import(CLI::App& app) {
  auto o = std::make_shared<ImportOptions>();
  app.description(
      "Keep the entries of internet-scanner exports that are yours: Shodan (shodan download\n"
      "JSON lines, gzip'd or plain, or the REST {\"matches\":[...]} page), Censys (Search 2.0\n"
      "hosts or Platform host_v1 hits) and CSV (ip,port[,transport,timestamp]). An entry is\n"
      "kept when its address is in --netblocks, or, with --hostnames, when it carries a name\n"
      "you own although its address moved (--resolve follows the name to where it is now).\n"
      "Each is written as a lead record (status not-probed): re-check them with\n"
      "'dicomsec scan -iL LEADS.jsonl', and compare with 'dicomsec diff --db'.\n"
      "Malformed lines are reported with their numbers; a truncated gzip keeps what was read\n"
      "and exits 3.");
  app.add_option("files", o->files, "Export files (gzip or plain; '-' for stdin)")->required();
  app.add_option("--netblocks", o->netblocks,
                 "Your address blocks: CIDR, range or address, or a FILE of them (repeatable)")
      ->required();
  app.add_option("--hostnames", o->hostnames,
                 "FILE of host or domain names you own (example.org covers its subdomains)");
  app.add_flag("--resolve", o->resolve,
               "Resolve owned names (forward, and reverse of the new address) to follow moved "
               "addresses; opt-in, 3 s per lookup at most");
  app.add_option("--since", o->since, "Keep only sightings on or after DATE (2026-01-31)");
  app.add_option("-o,--output", o->output, "Write leads to FILE (default stdout)");
  app.add_option("--format", o->format, "jsonl, csv, sarif or html")->capture_default_str();
  app.add_option("--db", o->db, "Also store the leads in this SQLite file (for diff, report)");
  app.add_flag("-q,--quiet", o->quiet, "Only problems on stderr");
  return [o] { return run_import(*o); };
}

}  // namespace dicomsec::app
