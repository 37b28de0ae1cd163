// `dicomsec tls HOST:PORT...`: the TLS audit of given services (issue 5): versions, suites
// per version and the server's preference, key exchange groups, the certificate chain, the
// client-certificate policy, cleartext DICOM beside it, and the PS3.15 profile verdicts.
// Same output options as `scan`. Runs on the scan engine through scan::Pipeline with the
// audit forced on every HOST:PORT, so it has scan's --rate, --per-host, Ctrl-C and --db.
#include <fmt/format.h>
#include <unistd.h>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>

#include "app/commands.hpp"
#include "app/output.hpp"
#include "core/host_port.hpp"
#include "report/wording.hpp"
#include "scan/engine.hpp"
#include "scan/fd_limit.hpp"
#include "scan/pipeline.hpp"
#include "scan/ports.hpp"
#include "store/store.hpp"

namespace dicomsec::app {

namespace {

struct TlsOptions {
  std::vector<std::string> targets;
  std::string output;
  std::string summary_json;  // --summary-json FILE (issue 13 §1)
  std::string summary_csv;   // --summary-csv FILE: the same checklist as CSV rows
  std::string format = "jsonl";
  std::string fail_on;
  unsigned timeout_ms = 3000;
  unsigned connect_timeout_ms = 3000;
  unsigned total_timeout_s = 120;
  unsigned concurrency = 16;
  unsigned in_flight = 4;
  unsigned max_handshakes = 600;
  std::string ca_file, cert_file, key_file, sni;
  std::string plaintext_ports = "104,11112";
  bool no_dicom = false;
  bool quiet = false;
  double rate = 500;      // new targets per second (0 = unlimited)
  unsigned per_host = 2;  // audits in flight to one address at most
  unsigned per_port = 8;  // audits in flight to one port across addresses (x --in-flight 4)
  std::string db;         // --db: SQLite file (store/history.hpp)
};

// What --db stores beside the scan (report and diff read it; tls has no --resume).
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(TlsOptions, targets, timeout_ms, connect_timeout_ms,
                                                total_timeout_s, concurrency, in_flight,
                                                max_handshakes, ca_file, cert_file, key_file,
                                                plaintext_ports, no_dicom, rate, per_host, per_port)

struct Target {
  asio::ip::tcp::endpoint endpoint;
  std::optional<std::string> hostname;
};

// HOST:PORT, [V6]:PORT. Hostnames are resolved now; the first address is audited.
Target parse_target(const std::string& s, asio::ip::tcp::resolver& resolver) {
  const bool bracketed = !s.empty() && s.front() == '[';
  const auto parts = split_host_port(s);
  if (!parts && bracketed) throw UsageError(fmt::format("'{}': use [IPv6]:PORT", s));
  // Unbracketed, an IPv6 address and its port cannot be told apart: one ':' only.
  if (!parts || (!bracketed && parts->host.find(':') != std::string_view::npos))
    throw UsageError(fmt::format("'{}': use HOST:PORT (IPv6 as [ADDR]:PORT)", s));
  const auto p = parse_port(parts->port);
  if (parts->host.empty() || !p || *p == 0)
    throw UsageError(fmt::format("'{}': bad host or port", s));
  const std::string host(parts->host);
  Target t;
  std::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) {
    auto results = resolver.resolve(host, "", ec);
    if (ec || results.empty()) throw UsageError(fmt::format("cannot resolve '{}'", host));
    addr = results.begin()->endpoint().address();
    t.hostname = host;
  }
  t.endpoint = asio::ip::tcp::endpoint(addr, *p);
  return t;
}

std::vector<std::uint16_t> parse_plain_ports(const std::string& list) {
  if (list.empty() || list == "none") return {};
  auto ports = scan::parse_ports(list);
  if (!ports) throw UsageError("--plaintext-ports: " + ports.error().message);
  return *ports;
}

// Everything the pipeline needs from the tls options: the TLS audit forced on every pair.
scan::PipelineConfig pipeline_config(const TlsOptions& o, std::uint64_t seed,
                                     std::map<scan::Address, std::string> names) {
  scan::PipelineConfig c;
  c.level = scan::Level::Safe;
  c.seed = seed;
  c.tls_audit = scan::TlsAuditMode::Forced;
  auto& ao = c.tls;
  ao.enumerate.connect_timeout = net::Millis(o.connect_timeout_ms);
  ao.enumerate.io_timeout = net::Millis(o.timeout_ms);
  ao.enumerate.total_timeout = std::chrono::seconds(o.total_timeout_s);
  ao.enumerate.in_flight = o.in_flight;
  ao.enumerate.max_handshakes = o.max_handshakes;
  ao.handshake.connect_timeout = net::Millis(o.connect_timeout_ms);
  ao.handshake.io_timeout = net::Millis(o.timeout_ms);
  ao.handshake.ca_file = o.ca_file;
  ao.handshake.cert_file = o.cert_file;
  ao.handshake.key_file = o.key_file;
  ao.dicom.connect_timeout = net::Millis(o.connect_timeout_ms);
  ao.dicom.io_timeout = net::Millis(o.timeout_ms);
  ao.dicom_inside = !o.no_dicom;
  ao.plaintext_ports = parse_plain_ports(o.plaintext_ports);
  c.plan.dicom = ao.dicom;
  c.names = std::move(names);
  c.include_closed = true;  // every HOST:PORT asked for gets its record
  return c;
}

// "dicomsec: 127.0.0.1:2762 success TLSv1.2,TLSv1.3" on stderr per target.
void print_target_line(const record::ScanRecord& rec) {
  std::string versions;
  if (rec.tls_audit)
    for (const auto& v : rec.tls_audit->versions) versions += (versions.empty() ? "" : ",") + v;
  fmt::print(stderr, "dicomsec: {} {} {}{}\n",
             report::where(rec.hostname.value_or(rec.ip), rec.port),
             record::status_name(rec.status), versions.empty() ? "-" : versions,
             rec.detail.empty() ? "" : " (" + rec.detail + ")");
}

int run_tls(const TlsOptions& o) {
  const auto format = report::parse_format(o.format);
  if (!format)
    throw UsageError(fmt::format("--format {}: use jsonl, csv, sarif or html", o.format));
  const auto fail_on = parse_fail_on(o.fail_on);
  if (o.targets.empty()) throw UsageError("no targets: give HOST:PORT... (see --help)");
  if (!o.key_file.empty() && o.cert_file.empty()) throw UsageError("--key needs --cert");

  std::vector<scan::Pair> list;
  std::map<scan::Address, std::string> names;
  {
    asio::io_context io{1};
    asio::ip::tcp::resolver resolver(io);
    for (const auto& s : o.targets) {
      const auto t = parse_target(s, resolver);
      const auto address = scan::Address::parse(t.endpoint.address().to_string());
      if (!address) throw UsageError(fmt::format("'{}': unusable address", s));
      list.emplace_back(*address, t.endpoint.port());
      if (t.hostname) names.emplace(*address, *t.hostname);
    }
  }
  std::unique_ptr<store::Store> db;
  if (!o.db.empty()) db = open_db(o.db);

  const std::uint64_t seed = std::random_device{}();
  scan::PairIterator pairs(std::move(list));
  scan::EngineOptions eopt;
  // Each audit holds up to --in-flight handshakes, plus the cleartext DICOM check.
  eopt.concurrency =
      scan::fit_concurrency(o.concurrency, o.in_flight + 1, o.quiet ? nullptr : stderr);
  eopt.rate = o.rate;
  eopt.per_host = o.per_host;
  eopt.per_port = o.per_port;
  eopt.adaptive = false;  // the audit's own handshakes are paced by --in-flight
  eopt.include_closed = true;
  eopt.drain_limit = std::chrono::seconds(o.total_timeout_s);  // one target's audit at most
  eopt.notice = ctrl_c_notice();
  eopt.threads = 1;
  scan::Engine engine(eopt);
  scan::Pipeline pipeline(pipeline_config(o, seed, std::move(names)));

  auto meta = start_meta("tls");
  meta.pairs_total = pairs.size();
  if (db) {
    meta.scan_id = std::to_string(db->begin_scan(meta, nlohmann::json(o)));
    pipeline.attach_history(*db, std::stoll(meta.scan_id), pairs, {}, [&engine] { engine.stop(); });
  }
  auto sink = open_sink(o.output, *format);  // throws std::runtime_error -> exit 3
  sink->summarize_to(o.summary_json);
  sink->summarize_csv_to(o.summary_csv);
  sink->begin(meta);
  RunWords words;
  words.quiet = o.quiet;
  words.fail_on = fail_on;
  words.done_words = "targets were audited and written";
  if (!o.quiet) words.on_record = print_target_line;
  words.stored_line = [&](bool interrupted) {
    return fmt::format("stored as scan {} in {}{}", meta.scan_id, store::redact_location(o.db),
                       interrupted ? " (interrupted)" : "");
  };
  return run_to_end(pipeline, engine, pairs, *sink, meta, words);
}

}  // namespace

Runner setup_tls(CLI::App& app) {
  auto o = std::make_shared<TlsOptions>();
  app.description(
      "Audit DICOM TLS services against the PS3.15 secure transport profiles. For each\n"
      "HOST:PORT: protocol versions (SSLv3 to TLS 1.3) and the cipher suites accepted per\n"
      "version in the server's order, found with raw handshakes (also suites the local\n"
      "OpenSSL no longer speaks); key exchange groups; the certificate chain; whether a client\n"
      "certificate is requested or required; whether the host also accepts cleartext DICOM;\n"
      "and a verdict per profile (B.9-B.13 and the retired ones). One JSON record per target.\n\n"
      "Targets are audited as 'dicomsec scan' probes pairs: --rate new targets per second,\n"
      "--concurrency at once, --per-host at once on one address, --per-port at once on one\n"
      "port across addresses (with --in-flight, at most 32 handshakes to a port by default,\n"
      "within DCMTK's backlog of 50). Ctrl-C stops handing out\n"
      "targets and waits --total-timeout at most for the audits in flight; a second Ctrl-C\n"
      "aborts them (records 'aborted'); the exit status is then 3.");
  app.add_option("targets", o->targets, "HOST:PORT or [IPv6]:PORT");
  app.add_option("-o,--output", o->output, "Write records to FILE instead of stdout");
  app.add_option(
         "--summary-json", o->summary_json,
         "Also write the run's summary (counts, findings by severity, honeypots, checklist\n"
         "states) to FILE as one JSON object with \"type\":\"summary\"")
      ->type_name("FILE");
  app.add_option("--summary-csv", o->summary_csv,
                 "Also write the checklist states of the same summary to FILE as CSV (one row per\n"
                 "item: item,title,milestone,state,label,reason,checked_by,what_would_measure,...)")
      ->type_name("FILE");
  app.add_option("--format", o->format, "Record format")
      ->check(CLI::IsMember({"jsonl", "csv", "sarif", "html"}))
      ->capture_default_str();
  app.add_option("--fail-on", o->fail_on,
                 "Exit 1 when a finding is at or above: info|low|medium|high|critical");
  app.add_option("--timeout", o->timeout_ms, "Per-handshake timeout in milliseconds")
      ->check(whole_number(1, 600'000))
      ->capture_default_str();
  app.add_option("--connect-timeout", o->connect_timeout_ms, "TCP connect timeout in milliseconds")
      ->check(whole_number(1, 600'000))
      ->capture_default_str();
  app.add_option("--total-timeout", o->total_timeout_s,
                 "Seconds at most for one target's enumeration")
      ->check(whole_number(1, 3600))
      ->capture_default_str();
  app.add_option("--concurrency", o->concurrency, "Targets audited at once")
      ->check(whole_number(1, 1024))
      ->capture_default_str();
  app.add_option("--rate", o->rate, "New targets per second (0 = unlimited)")
      ->check(decimal_number(0, 10'000'000, "0 = no limit"))
      ->capture_default_str();
  app.add_option("--per-host", o->per_host, "Targets audited at once on one address at most")
      ->check(whole_number(1, 1024))
      ->capture_default_str();
  app.add_option("--per-port", o->per_port,
                 "Targets audited at once on one port across all addresses at most")
      ->check(whole_number(1, 1024))
      ->capture_default_str();
  app.add_option("--db", o->db,
                 "Also store the audit in this SQLite file or postgresql://... database\n"
                 "(see report, diff, scans)");
  app.add_option("--in-flight", o->in_flight, "Handshakes in flight to one target at most")
      ->check(whole_number(1, 16))
      ->capture_default_str();
  app.add_option("--max-handshakes", o->max_handshakes, "Handshakes per target at most")
      ->check(whole_number(10, 5000))
      ->capture_default_str();
  app.add_option("--ca", o->ca_file,
                 "PEM CA bundle to verify servers against (default: system store)")
      ->check(CLI::ExistingFile);
  app.add_option("--cert", o->cert_file,
                 "Client certificate (PEM) to present when a server requires one")
      ->check(CLI::ExistingFile);
  app.add_option("--key", o->key_file, "Private key of --cert (PEM; default: in --cert)")
      ->check(CLI::ExistingFile);
  app.add_option("--plaintext-ports", o->plaintext_ports,
                 "Ports of the same host checked for cleartext DICOM ('none' to skip)")
      ->capture_default_str();
  app.add_flag("--no-dicom", o->no_dicom, "Do not run the DICOM association inside TLS");
  app.add_flag("-q,--quiet", o->quiet, "No per-target lines and no summary on stderr");
  return [o] { return run_tls(*o); };
}

}  // namespace dicomsec::app
