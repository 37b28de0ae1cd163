// `dicomsec scan`: options, target expansion, the engine run, output and exit code.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <array>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <thread>

#include "app/commands.hpp"
#include "app/output.hpp"
#include "core/version.hpp"
#include "findings/catalogue.hpp"
#include "import/lead_list.hpp"
#include "scan/engine.hpp"
#include "scan/fd_limit.hpp"
#include "scan/pipeline.hpp"
#include "scan/ports.hpp"
#include "scan/target_set.hpp"

namespace dicomsec::app {

namespace {

struct ScanOptions {
  std::vector<std::string> targets;
  std::string ports{scan::kDefaultPorts};
  std::vector<std::string> input_lists;
  std::vector<std::string> excludes;
  std::string level = "safe";
  std::string calling_ae = "DICOMSEC";
  std::string called_ae = "ANY-SCP";
  double rate = 500;
  unsigned concurrency = 64;
  unsigned threads = 0;  // 0: one per core, at most 4
  unsigned per_host = 2;
  unsigned per_port = 32;  // issue 12 §6: in flight to one port across addresses
  unsigned timeout_ms = 5000;
  unsigned connect_timeout_ms = 3000;
  unsigned retries = 1;
  std::string shard = "1/1";
  std::optional<std::uint64_t> seed;
  std::string output;
  std::string summary_json;  // --summary-json FILE (issue 13 §1)
  std::string summary_csv;   // --summary-csv FILE: the same checklist as CSV rows
  std::string format = "jsonl";
  std::string fail_on;
  std::string ca_file, cert_file, key_file;
  bool no_tls_audit = false;
  bool all = false;
  bool calling_ae_given = false;
  bool no_adaptive = false;
  bool quiet = false;
  bool progress = false;
  bool no_progress = false;
  unsigned find_cap = 100;  // levels auth/intrusive (issue 6)
  bool confirm_intrusive = false;
  std::string db;                     // --db: SQLite file (store/history.hpp)
  std::optional<std::string> resume;  // --resume [ID]: "" = the latest unfinished scan
  std::string resume_spec;
  bool ports_given = false;
  std::string web_ports{scan::kDefaultWebPorts};  // level >= auth: web probe first here
  unsigned web_threads = 4;
  bool allow_empty = false;  // --allow-empty: zero targets is a finished scan, not an error
  std::string scan_id;       // --scan-id NAME: join the named scan as shard K/N (issue 17)
  double rate_total = 0;     // --rate-total R: R / N per shard (0: not given)
  bool shard_given = false;
};

// What --resume needs to walk the same permutation again (the seed is stored beside it).
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(
    ScanOptions, targets, ports, input_lists, excludes, level, calling_ae, called_ae, rate,
    concurrency, threads, per_host, per_port, timeout_ms, connect_timeout_ms, retries, shard, all,
    calling_ae_given, no_adaptive, ports_given, web_ports, web_threads, ca_file, cert_file,
    key_file, no_tls_audit, find_cap, confirm_intrusive, allow_empty, rate_total)

// PS3.5 6.2: AE is at most 16 characters of the default repertoire, no backslash or control
// characters, and not only spaces.
void check_ae(const std::string& ae, const char* flag) {
  if (ae.empty() || ae.size() > 16)
    throw UsageError(fmt::format("{} '{}': an AE title has 1 to 16 characters", flag, ae));
  bool non_space = false;
  for (unsigned char c : ae) {
    if (c < 0x20 || c >= 0x7f || c == '\\')
      throw UsageError(
          fmt::format("{} '{}': AE titles may not contain '\\' or control characters", flag, ae));
    non_space = non_space || c != ' ';
  }
  if (!non_space) throw UsageError(fmt::format("{}: an AE title may not be only spaces", flag));
}

struct Targets {
  std::vector<scan::AddressRange> include;
  std::vector<std::string> empty_sources;      // "-iL FILE" or "stdin" that held no target
  std::map<scan::Address, std::string> names;  // address -> hostname it came from
};

void add_target(const scan::Target& t, Targets& out, asio::ip::tcp::resolver& resolver) {
  if (const auto* range = std::get_if<scan::AddressRange>(&t)) {
    out.include.push_back(*range);
    return;
  }
  const auto& name = std::get<scan::Unresolved>(t).hostname;
  std::error_code ec;
  auto results = resolver.resolve(name, "", ec);
  if (ec) throw UsageError(fmt::format("cannot resolve '{}': {}", name, ec.message()));
  for (const auto& r : results) {
    auto a = scan::Address::parse(r.endpoint().address().to_string());
    if (!a) continue;
    out.include.push_back(scan::AddressRange::single(*a));
    out.names.emplace(*a, name);
  }
}

Targets expand_targets(const ScanOptions& o) {
  Targets out;
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  auto take_list = [&](std::istream& in, const std::string& source) {
    auto list = scan::parse_target_list(in, source);
    if (!list) throw UsageError(list.error().message);
    if (list->empty()) out.empty_sources.push_back(source == "stdin" ? source : "-iL " + source);
    for (const auto& t : *list) add_target(t, out, resolver);
  };
  for (const auto& token : o.targets) {
    if (token == "-") {
      take_list(std::cin, "stdin");
      continue;
    }
    auto t = scan::parse_target(token);
    if (!t) throw UsageError(t.error().message);
    add_target(*t, out, resolver);
  }
  for (const auto& file : o.input_lists) {
    std::ifstream in(file);
    if (!in) throw UsageError(fmt::format("-iL {}: cannot open the file", file));
    if (import::is_record_list(in)) {  // `dicomsec import` leads (or scan records), issue 16
      auto leads = import::read_lead_list(in, file);
      if (!leads) throw UsageError("-iL " + leads.error().message);
      if (leads->addresses.empty()) out.empty_sources.push_back("-iL " + file);
      for (const auto& a : leads->addresses) out.include.push_back(scan::AddressRange::single(a));
      continue;
    }
    take_list(in, file);
  }
  return out;
}

// -iL files of import leads name their ports: without -p, the scan probes those (issue 16).
std::optional<std::string> lead_ports(const ScanOptions& o) {
  std::set<std::uint16_t> ports;
  for (const auto& file : o.input_lists) {
    std::ifstream in(file);
    if (!in || !import::is_record_list(in)) continue;
    auto leads = import::read_lead_list(in, file);
    if (!leads) throw UsageError("-iL " + leads.error().message);
    ports.insert(leads->ports.begin(), leads->ports.end());
  }
  if (ports.empty()) return std::nullopt;
  return fmt::format("{}", fmt::join(ports, ","));
}

std::vector<scan::AddressRange> expand_excludes(const ScanOptions& o) {
  std::vector<scan::AddressRange> out;
  for (const auto& token : o.excludes) {
    auto r = scan::parse_exclude(token);
    if (r) {
      out.push_back(*r);
      continue;
    }
    // Not a range: maybe a file of ranges.
    std::ifstream in(token);
    if (!in) throw UsageError(r.error().message + " (and no file of that name)");
    auto list = scan::parse_exclude_list(in, token);
    if (!list) throw UsageError(list.error().message);
    out.insert(out.end(), list->begin(), list->end());
  }
  return out;
}

// Why a target list came out empty, in the words of the options that made it so.
std::string no_targets_message(const ScanOptions& o, const Targets& targets) {
  std::string why;
  if (targets.include.empty()) {
    why = targets.empty_sources.empty()
              ? std::string("no target was given")
              : fmt::format("{} held no target", fmt::join(targets.empty_sources, " and "));
  } else {
    const auto given = scan::TargetSet::make(targets.include, {}, {1});
    const auto n = given ? given->addresses() : 0;
    why = fmt::format(
        "--exclude {} removes {}", fmt::join(o.excludes, " --exclude "),
        n == 1 ? std::string("the only address given") : fmt::format("all {} addresses given", n));
  }
  return fmt::format("no targets after exclusions: {} (--allow-empty runs an empty scan)", why);
}

// Everything the pipeline needs from the scan options.
scan::PipelineConfig pipeline_config(const ScanOptions& o, std::uint64_t seed,
                                     const std::vector<std::uint16_t>& ports,
                                     std::vector<std::uint16_t> web_ports,
                                     std::map<scan::Address, std::string> names) {
  scan::PipelineConfig c;
  c.level = o.level == "intrusive" ? scan::Level::Intrusive
            : o.level == "auth"    ? scan::Level::Auth
                                   : scan::Level::Safe;
  c.seed = seed;
  auto& popt = c.plan.dicom;
  popt.calling_ae = o.calling_ae;
  popt.called_ae = o.called_ae;
  popt.connect_timeout = net::Millis(o.connect_timeout_ms);
  popt.io_timeout = net::Millis(o.timeout_ms);
  popt.retries = o.retries;
  c.plan.web = {popt.connect_timeout, popt.io_timeout, o.retries, true};
  c.plan.web_enabled = c.level != scan::Level::Safe;
  c.plan.web_ports = std::move(web_ports);
  c.web_threads = o.web_threads;

  // The TLS audit (issue 5): port 2762 (PS3.15 "dicom-tls"), and any port that answers a
  // ClientHello with a TLS record, gets the full audit instead of the cleartext probe.
  c.tls_audit = o.no_tls_audit ? scan::TlsAuditMode::Off : scan::TlsAuditMode::Auto;
  auto& topt = c.tls;
  topt.enumerate.connect_timeout = popt.connect_timeout;
  topt.enumerate.io_timeout = std::min(popt.io_timeout, net::Millis(3000));
  topt.handshake.connect_timeout = popt.connect_timeout;
  topt.handshake.io_timeout = popt.io_timeout;
  topt.handshake.ca_file = o.ca_file;
  topt.handshake.cert_file = o.cert_file;
  topt.handshake.key_file = o.key_file;
  topt.dicom = popt;
  topt.plaintext_ports = ports;

  c.access.calling_ae = o.calling_ae;
  c.access.connect_timeout = net::Millis(o.connect_timeout_ms);
  c.access.io_timeout = net::Millis(o.timeout_ms);
  c.access.find_cap = o.find_cap;
  c.access.intrusive = c.level == scan::Level::Intrusive;

  c.findings = findings::Context{!o.calling_ae_given};
  c.names = std::move(names);
  c.include_closed = o.all;
  return c;
}

std::string host_name() {
  std::array<char, 256> buf{};
  if (gethostname(buf.data(), buf.size() - 1) != 0) return {};
  return buf.data();
}

// --scan-id NAME: this process is shard K/N of the named scan, created by whichever shard
// comes first. Every shard must walk the same permutation, so a shard whose seed, pair count
// or N differ from the stored scan's is refused rather than allowed to corrupt it.
struct NamedShard {
  store::ScanId id = 0;
  store::PositionSet done;
  bool already_done = false;
};
NamedShard join_named(store::Store& db, const ScanOptions& o, const scan::Shard& shard,
                      std::uint64_t seed, std::uint64_t total, std::uint64_t shard_pairs,
                      const report::ScanMeta& meta) {
  nlohmann::json options = o;
  options["seed"] = seed;
  NamedShard out;
  out.id = db.join_named_scan(o.scan_id, static_cast<unsigned>(shard.n), meta, options);
  const auto info = db.scan(out.id);
  if (!info) throw store::StoreError(fmt::format("scan '{}' vanished", o.scan_id));
  const auto stored_seed = info->options.value("seed", std::uint64_t{0});
  const auto stored_shard = scan::parse_shard(info->options.value("shard", std::string("1/1")));
  if (info->meta.command != "scan" || stored_seed != seed || info->meta.pairs_total != total ||
      !stored_shard || stored_shard->n != shard.n)
    throw UsageError(fmt::format(
        "--scan-id {}: the stored scan was started with other targets, ports, --seed or "
        "--shard N (it has {} pairs in {} shards); every shard needs the same ones",
        o.scan_id, info->meta.pairs_total, stored_shard ? stored_shard->n : 0));
  for (const auto& s : db.shards(out.id))
    if (s.k == shard.k && s.state == store::ScanState::Finished) out.already_done = true;
  if (out.already_done) return out;
  db.shard_begin(out.id, static_cast<unsigned>(shard.k), static_cast<unsigned>(shard.n),
                 shard_pairs, host_name());
  out.done = db.done_positions(out.id, static_cast<unsigned>(shard.k));
  return out;
}

// --resume: the stored scan's options replace the scan options; output options stay ours.
store::ScanInfo load_resume(store::Store& db, ScanOptions& o) {
  const auto id = o.resume->empty() || *o.resume == "latest" ? db.latest_unfinished()
                                                             : store::resolve_scan(db, *o.resume);
  if (!id)
    throw UsageError(
        fmt::format("--resume: {} holds no interrupted scan", store::redact_location(o.db)));
  auto info = *db.scan(*id);
  if (info.meta.command != "scan")  // `tls --db` runs are stored too, and are not resumable
    throw UsageError(fmt::format("--resume: scan {} is a '{}' run; only 'scan' runs can be resumed",
                                 *id, info.meta.command));
  if (info.state == store::ScanState::Finished)
    throw UsageError(fmt::format("--resume: scan {} is a finished {}; nothing to resume", *id,
                                 info.meta.command));
  ScanOptions stored;
  try {
    stored = info.options.get<ScanOptions>();
    stored.seed = info.options.at("seed").get<std::uint64_t>();
  } catch (const nlohmann::json::exception& e) {
    throw store::StoreError(fmt::format("scan {}: stored options unreadable ({})", *id, e.what()));
  }
  for (auto keep : {&ScanOptions::output, &ScanOptions::format, &ScanOptions::fail_on,
                    &ScanOptions::db, &ScanOptions::summary_json, &ScanOptions::summary_csv})
    stored.*keep = o.*keep;
  if (!info.name.empty()) {  // one shard of a named scan: which one is ours to say
    if (!o.shard_given)
      throw UsageError(
          fmt::format("--resume {}: a --scan-id scan; say which shard (--shard K/N)", info.name));
    stored.shard = o.shard;
    stored.scan_id = info.name;
  }
  stored.quiet = o.quiet;
  stored.progress = o.progress;
  stored.no_progress = o.no_progress;
  stored.resume = o.resume;
  o = std::move(stored);
  return info;
}

int run_scan(ScanOptions o) {
  std::unique_ptr<store::Store> db;
  std::optional<store::ScanInfo> resumed;
  if (o.resume && o.db.empty())
    throw UsageError("--resume needs --db PATH (where the scan is stored)");
  if (o.resume && (!o.targets.empty() || !o.input_lists.empty()))
    throw UsageError("--resume scans the stored scan's targets: give no TARGET or -iL");
  if (!o.db.empty()) db = open_db(o.db);
  if (o.resume) resumed = load_resume(*db, o);
  if (resumed && !resumed->name.empty()) resumed.reset();  // the --scan-id path resumes it
  if (!o.scan_id.empty() && o.db.empty())
    throw UsageError("--scan-id needs --db (the database the shards share)");
  if (o.level == "intrusive" && !o.confirm_intrusive)
    throw UsageError(
        "--level intrusive stores a test object on every server that accepts it: "
        "add --confirm-intrusive to confirm (see --help)");
  const auto format = report::parse_format(o.format);
  if (!format)
    throw UsageError(fmt::format("--format {}: use jsonl, csv, sarif or html", o.format));
  check_ae(o.calling_ae, "--calling-ae");
  check_ae(o.called_ae, "--called-ae");
  const auto fail_on = parse_fail_on(o.fail_on);
  if (!o.resume && !o.ports_given)
    if (auto from_leads = lead_ports(o)) {
      o.ports = *from_leads;
      o.ports_given = true;  // stored so: --resume and diff see the ports that were probed
    }
  const bool web = o.level != "safe";
  auto ports = scan::parse_ports(web && !o.ports_given ? o.ports + "," + o.web_ports : o.ports);
  if (!ports) throw UsageError(ports.error().message);
  auto shard = scan::parse_shard(o.shard);
  if (!shard) throw UsageError(shard.error().message);
  if (shard->n > 1 && !o.seed)
    throw UsageError("--shard needs --seed: every shard must walk the same permutation");
  if (o.targets.empty() && o.input_lists.empty())
    throw UsageError("no targets: give TARGET... or -iL FILE (see --help)");

  auto targets = expand_targets(o);
  auto set = scan::TargetSet::make(targets.include, expand_excludes(o), *ports);
  if (!set) throw UsageError(set.error().message);
  if (set->addresses() == 0 && !o.allow_empty) throw UsageError(no_targets_message(o, targets));

  // A shard joining an existing --scan-id without --seed walks the stored scan's order.
  if (!o.seed && db && !o.scan_id.empty())
    if (const auto id = db->find_named(o.scan_id))
      if (const auto info = db->scan(*id); info && info->options.contains("seed"))
        o.seed = info->options["seed"].get<std::uint64_t>();
  const std::uint64_t seed = o.seed ? *o.seed : std::random_device{}();
  scan::PairIterator pairs(*set, seed, *shard);

  auto sink = open_sink(o.output, *format);  // throws std::runtime_error -> exit 3
  sink->summarize_to(o.summary_json);
  sink->summarize_csv_to(o.summary_csv);
  const bool show_progress = !o.quiet && !o.no_progress && (o.progress || isatty(STDERR_FILENO));

  auto web_ports = scan::parse_ports(o.web_ports);
  if (!web_ports) throw UsageError("--web-ports: " + web_ports.error().message);
  if (!o.key_file.empty() && o.cert_file.empty()) throw UsageError("--key needs --cert");

  scan::EngineOptions eopt;
  eopt.concurrency = scan::fit_concurrency(o.concurrency, 1, o.quiet ? nullptr : stderr);
  // --rate-total: the global rate, divided between the N shards (each runs on its own).
  eopt.rate = o.rate_total > 0 ? o.rate_total / static_cast<double>(shard->n) : o.rate;
  eopt.per_host = o.per_host;
  eopt.per_port = o.per_port;
  eopt.adaptive = !o.no_adaptive;
  eopt.include_closed = o.all;
  // After the first Ctrl-C: a DICOM probe's connect and two of its exchanges, then abort.
  eopt.drain_limit =
      std::chrono::milliseconds(std::uint64_t{o.connect_timeout_ms} + 2ULL * o.timeout_ms);
  eopt.notice = ctrl_c_notice();
  eopt.threads =
      o.threads != 0 ? o.threads : std::clamp(std::thread::hardware_concurrency(), 1U, 4U);

  // Engine::run returns only when every probe is done, so the pipeline (web threads,
  // history) may go first; its history's error callback stops this engine.
  scan::Engine engine(eopt);
  scan::Pipeline pipeline(pipeline_config(o, seed, *ports, *web_ports, std::move(targets.names)));

  auto meta = start_meta("scan");
  meta.level = o.level;
  meta.ports = o.ports;
  meta.pairs_total = pairs.size();
  std::optional<NamedShard> named;
  if (db && !o.scan_id.empty()) {
    meta.pairs_total = set->total();
    named = join_named(*db, o, *shard, seed, set->total(), pairs.size(), meta);
    if (named->already_done) {
      if (!o.quiet)
        fmt::print(stderr, "dicomsec: shard {}/{} of scan {} is already done; nothing to scan\n",
                   shard->k, shard->n, o.scan_id);
      return kExitOk;
    }
    meta.scan_id = std::to_string(named->id);
    pipeline.attach_history(
        *db, named->id, pairs, std::move(named->done), [&engine] { engine.stop(); },
        static_cast<unsigned>(shard->k), static_cast<unsigned>(shard->n));
  } else if (db) {
    if (resumed) meta = resumed->meta;
    if (resumed && meta.pairs_total != pairs.size())
      throw UsageError(
          fmt::format("--resume: scan {} had {} pairs, its targets now give {} "
                      "(a hostname or -iL file changed); start a new scan",
                      resumed->id, meta.pairs_total, pairs.size()));
    if (!resumed) {
      nlohmann::json options = o;
      options["seed"] = seed;
      meta.scan_id = std::to_string(db->begin_scan(meta, options));
    } else {
      db->reopen(resumed->id);
    }
    const auto id = std::stoll(meta.scan_id);
    pipeline.attach_history(*db, id, pairs, resumed ? db->done_positions(id) : store::PositionSet{},
                            [&engine] { engine.stop(); });
  }
  sink->begin(meta);

  RunWords words;
  words.quiet = o.quiet;
  words.progress = show_progress;
  words.tty = isatty(STDERR_FILENO) != 0;
  words.fail_on = fail_on;
  words.done_words = "pairs were probed and written";
  words.stored_line = [&](bool interrupted) {
    // The location as shown: never with its password.
    const auto where = store::redact_location(o.db);
    const auto resume_hint =
        named ? fmt::format(" (resume: dicomsec scan --db {} --resume {} --shard {})", where,
                            o.scan_id, o.shard)
              : fmt::format(" (resume: dicomsec scan --db {} --resume {})", where, meta.scan_id);
    return fmt::format("stored as scan {}{} in {}{}", meta.scan_id,
                       named ? fmt::format(" ('{}', shard {})", o.scan_id, o.shard) : "", where,
                       interrupted ? resume_hint : "");
  };
  return run_to_end(pipeline, engine, pairs, *sink, meta, words);
}

}  // namespace

Runner setup_scan(CLI::App& app) {
  auto o = std::make_shared<ScanOptions>();
  app.description(
      "Scan address ranges for DICOM services. For each host:port that answers, dicomsec\n"
      "opens an association as calling AE DICOMSEC (identifying itself by its implementation\n"
      "class UID and version name), runs C-ECHO, releases properly, then tries one association\n"
      "with a random called AE title to learn whether the called AE is checked. One JSON record\n"
      "per open host:port goes to stdout (or -o FILE); a summary goes to stderr.\n\n"
      "Levels (--level), each adding to the one before:\n"
      "  safe       A-ASSOCIATE-RQ, C-ECHO, A-RELEASE; the random-called-AE association.\n"
      "  auth       read-only access checks; nothing leaves the server through dicomsec:\n"
      "             C-FIND PATIENT (Patient Root) and STUDY (Study Root) with universal\n"
      "             matching, counting responses only (C-CANCEL after --find-cap; identifiers\n"
      "             are never printed or stored); C-MOVE and C-GET of a study UID that matches\n"
      "             nothing (C-MOVE to a random AE title, C-GET sub-operations refused), read\n"
      "             from the status codes; if the called AE is rejected, up to 9 vendor\n"
      "             default called AE titles (ANY-SCP, ORTHANC, DCM4CHEE, ...), 4 per second.\n"
      "             HTTP(S) ports (--web-ports, added to the defaults) get the DICOMweb/REST\n"
      "             probe: Orthanc /system and /patients, QIDO-RS studies?limit=1, without and\n"
      "             with vendor default credentials; lists are counted, never kept.\n"
      "  intrusive  auth plus C-STORE of one synthetic Secondary Capture object (patient\n"
      "             DICOMSEC^TEST, UIDs under dicomsec's root); the record says how to delete\n"
      "             it. Needs --confirm-intrusive.\n\n"
      "TLS: port 2762, and any open port that answers neither DICOM nor HTTP but does answer a\n"
      "TLS ClientHello, gets the TLS audit (versions, suites, certificate, PS3.15 profiles);\n"
      "--no-tls-audit turns it off. 'dicomsec tls' audits given HOST:PORTs directly.\n\n"
      "TARGET: 10.0.0.5, 10.0.0.0/24, 10.0.0.1-10.0.0.50, 10.0.0.1-50, ::1, [fe80::1], a\n"
      "hostname, or '-' to read targets from stdin.\n\n"
      "Politeness defaults: 500 new targets/s, 64 in flight, 2 per host, 32 per port across\n"
      "addresses (one server behind NAT has one backlog of 50), and the window halves\n"
      "when connects need SYN retransmits (a full listen backlog), then grows back slowly.");
  app.add_option("targets", o->targets, "Addresses, CIDRs, ranges, hostnames or '-'");
  app.add_option("-p,--ports", o->ports, "Ports: list and ranges, e.g. 104,11112,2760-2762")
      ->capture_default_str();
  app.add_option("--input-list,--iL", o->input_lists,
                 "Read targets from FILE (one or more per line, # comments)")
      ->check(CLI::ExistingFile);
  app.add_option("--exclude", o->excludes,
                 "Skip these: a CIDR, range, address or a FILE of them (repeatable)");
  app.add_flag("--allow-empty", o->allow_empty,
               "Run even when the targets (after --exclude) are none: an empty\n"
               "report and exit 0 instead of exit 2");
  app.add_option("--level", o->level,
                 "Check level: safe, auth or intrusive (each is described below)")
      ->check(CLI::IsMember({"safe", "auth", "intrusive"}))
      ->capture_default_str();
  app.add_option("--calling-ae", o->calling_ae,
                 "Our calling AE title; when given, it may be a known peer's, so\n"
                 "DICOM-ANY-CALLING-AE is not reported")
      ->capture_default_str();
  app.add_option("--called-ae", o->called_ae, "Called AE title proposed to each peer")
      ->capture_default_str();
  app.add_option("--rate", o->rate, "New targets per second (0 = unlimited)")
      ->check(decimal_number(0, 10'000'000, "0 = no limit"))
      ->capture_default_str();
  app.add_option("--concurrency", o->concurrency, "Probes in flight at most")
      ->check(whole_number(1, 65536))
      ->capture_default_str();
  app.add_option("--threads", o->threads, "Event-loop threads (0 = one per core, at most 4)")
      ->check(whole_number(0, 64, "0 = one per core, at most 4"))
      ->capture_default_str();
  app.add_option("--per-host", o->per_host, "Probes in flight to one address at most")
      ->check(whole_number(1, 1024))
      ->capture_default_str();
  app.add_option("--per-port", o->per_port,
                 "Probes in flight to one destination port across all addresses at most")
      ->check(whole_number(1, 65536))
      ->capture_default_str();
  app.add_option("--timeout", o->timeout_ms, "Read/write timeout in milliseconds")
      ->check(whole_number(1, 600'000))
      ->capture_default_str();
  app.add_option("--connect-timeout", o->connect_timeout_ms, "TCP connect timeout in milliseconds")
      ->check(whole_number(1, 600'000))
      ->capture_default_str();
  app.add_option("--retries", o->retries, "Extra connect attempts after a timeout")
      ->check(whole_number(0, 10))
      ->capture_default_str();
  app.add_option("--shard", o->shard, "Scan only shard K of N (K/N); needs --seed")
      ->capture_default_str();
  app.add_option("--seed", o->seed, "Seed of the target permutation (same for every shard)");
  app.add_option("--scan-id", o->scan_id,
                 "With --db and --shard K/N: join the scan named NAME, which the other\n"
                 "shard processes (same targets, ports and --seed) join too; report,\n"
                 "diff and scans show it merged, with each shard done/running/dead");
  app.add_option("--rate-total", o->rate_total,
                 "Global rate of all N shards together: each runs at R / N (overrides --rate)")
      ->check(decimal_number(0, 10'000'000, "0 = use --rate"));
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
  app.add_option("--format", o->format,
                 "jsonl and csv: a row per host:port, written as it is probed;\n"
                 "sarif: SARIF 2.1.0 for code-scanning dashboards; html: one-page report")
      ->check(CLI::IsMember({"jsonl", "csv", "sarif", "html"}))
      ->capture_default_str();
  app.add_option("--fail-on", o->fail_on,
                 "Exit 1 when a finding is at or above: info|low|medium|high|critical");
  app.add_option("--find-cap", o->find_cap, "C-FIND responses counted before C-CANCEL (auth)")
      ->check(whole_number(1, 100'000))
      ->capture_default_str();
  app.add_flag("--confirm-intrusive", o->confirm_intrusive,
               "Confirm --level intrusive (stores a test object)");
  app.add_option("--db", o->db,
                 "Also store the scan in this SQLite file or postgresql://... database\n"
                 "(see report, diff, scans; PG* environment variables fill in the URL)");
  auto* resume =
      app.add_option("--resume", o->resume_spec,
                     "With --db: continue the latest interrupted scan, or scan ID, with\n"
                     "its stored targets and options, skipping the pairs already done")
          ->expected(0, 1);
  app.add_option(
         "--web-ports", o->web_ports,
         "Level auth+: ports that get the DICOMweb/REST probe first (added to the default\n"
         "ports when -p is not given); any port answering our A-ASSOCIATE-RQ with HTTP gets it too")
      ->capture_default_str();
  app.add_option("--web-threads", o->web_threads,
                 "Level auth+: worker threads of the blocking HTTP client")
      ->check(whole_number(1, 64))
      ->capture_default_str();
  app.add_option("--ca", o->ca_file,
                 "PEM CA bundle to verify TLS servers against (default: system store)")
      ->check(CLI::ExistingFile);
  app.add_option("--cert", o->cert_file,
                 "Client certificate (PEM) for TLS servers that require one")
      ->check(CLI::ExistingFile);
  app.add_option("--key", o->key_file, "Private key of --cert (PEM; default: in --cert)")
      ->check(CLI::ExistingFile);
  app.add_flag("--no-tls-audit", o->no_tls_audit,
               "Do not audit TLS ports (2762 or any port answering TLS)");
  app.add_flag("--all", o->all, "Also write records for closed, filtered and unreachable ports");
  app.add_flag("--no-adaptive", o->no_adaptive,
               "Keep the window fixed (no back-off on SYN retransmits)");
  app.add_flag("--progress", o->progress, "Show progress even when stderr is not a terminal");
  app.add_flag("--no-progress", o->no_progress, "Never show progress");
  app.add_flag("-q,--quiet", o->quiet, "No progress and no summary on stderr");
  return [o, &app, resume] {
    o->calling_ae_given = app.count("--calling-ae") > 0;
    if (resume->count() > 0) o->resume = o->resume_spec;
    o->ports_given = app.count("--ports") > 0;
    o->shard_given = app.count("--shard") > 0;
    return run_scan(*o);
  };
}

}  // namespace dicomsec::app
