// `dicomsec tls HOST:PORT...`: the TLS audit of given services (issue 5): versions, suites
// per version and the server's preference, key exchange groups, the certificate chain, the
// client-certificate policy, cleartext DICOM beside it, and the PS3.15 profile verdicts.
// Same output options as `scan`.
#include <fmt/format.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>

#include "app/commands.hpp"
#include "app/output.hpp"
#include "findings/catalogue.hpp"
#include "findings/rules.hpp"
#include "probes/tls/audit.hpp"
#include "scan/fd_limit.hpp"
#include "scan/ports.hpp"

namespace dicomsec::app {

namespace {

struct TlsOptions {
  std::vector<std::string> targets;
  std::string output;
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
};

struct Target {
  std::string text;
  asio::ip::tcp::endpoint endpoint;
  std::optional<std::string> hostname;
};

// HOST:PORT, [V6]:PORT. Hostnames are resolved now; the first address is audited.
Target parse_target(const std::string& s, asio::ip::tcp::resolver& resolver) {
  std::string host, port;
  if (!s.empty() && s.front() == '[') {
    const auto close = s.find(']');
    if (close == std::string::npos || close + 1 >= s.size() || s[close + 1] != ':')
      throw UsageError(fmt::format("'{}': use [IPv6]:PORT", s));
    host = s.substr(1, close - 1);
    port = s.substr(close + 2);
  } else {
    const auto colon = s.rfind(':');
    if (colon == std::string::npos || s.find(':') != colon)
      throw UsageError(fmt::format("'{}': use HOST:PORT (IPv6 as [ADDR]:PORT)", s));
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
  }
  unsigned long p = 0;
  try {
    std::size_t used = 0;
    p = std::stoul(port, &used);
    if (used != port.size()) p = 0;
  } catch (const std::exception&) {
    p = 0;
  }
  if (host.empty() || p == 0 || p > 65535)
    throw UsageError(fmt::format("'{}': bad host or port", s));
  Target t;
  t.text = s;
  std::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) {
    auto results = resolver.resolve(host, "", ec);
    if (ec || results.empty()) throw UsageError(fmt::format("cannot resolve '{}'", host));
    addr = results.begin()->endpoint().address();
    t.hostname = host;
  }
  t.endpoint = asio::ip::tcp::endpoint(addr, static_cast<std::uint16_t>(p));
  return t;
}

std::vector<std::uint16_t> parse_plain_ports(const std::string& list) {
  if (list.empty() || list == "none") return {};
  auto ports = scan::parse_ports(list);
  if (!ports) throw UsageError("--plaintext-ports: " + ports.error().message);
  return *ports;
}

int run_tls(const TlsOptions& o) {
  const auto format = report::parse_format(o.format);
  if (!format) throw UsageError(fmt::format("--format {}: use jsonl, csv, sarif or html", o.format));
  const auto fail_on = parse_fail_on(o.fail_on);
  if (o.targets.empty()) throw UsageError("no targets: give HOST:PORT... (see --help)");
  if (!o.key_file.empty() && o.cert_file.empty()) throw UsageError("--key needs --cert");

  asio::io_context io{1};
  asio::ip::tcp::resolver resolver(io);
  std::vector<Target> targets;
  for (const auto& s : o.targets) targets.push_back(parse_target(s, resolver));

  probes::tls::AuditOptions ao;
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

  auto meta = start_meta("tls");
  meta.pairs_total = targets.size();
  auto sink = open_sink(o.output, *format);  // throws std::runtime_error -> exit 3
  sink->begin(meta);
  Summary summary;
  scan::EngineStats stats;  // open and DICOM counts for the summary line
  const std::uint64_t seed = std::random_device{}();
  std::size_t next = 0;
  const auto started = std::chrono::steady_clock::now();
  auto worker = [&]() -> asio::awaitable<void> {
    while (next < targets.size()) {
      const auto& t = targets[next++];
      auto opts = ao;
      opts.enumerate.sni = t.hostname.value_or("");
      opts.handshake.sni = t.hostname.value_or("");
      auto rec = co_await probes::tls::tls_audit_probe(io.get_executor(), t.endpoint, opts,
                                                       seed ^ (next * 0x9E3779B97F4A7C15ULL));
      rec.hostname = t.hostname;
      rec.findings = findings::evaluate(rec);
      sink->write(rec);
      summary.add(rec);
      if (record::port_open(rec.status)) ++stats.open;
      if (rec.dicom) ++stats.dicom;
      if (rec.status == record::Status::LocalError) ++stats.local_errors;
      if (!o.quiet) {
        std::string versions;
        if (rec.tls_audit)
          for (const auto& v : rec.tls_audit->versions)
            versions += (versions.empty() ? "" : ",") + v;
        fmt::print(stderr, "dicomsec: {} {} {}{}\n", t.text, record::status_name(rec.status),
                   versions.empty() ? "-" : versions,
                   rec.detail.empty() ? "" : " (" + rec.detail + ")");
      }
    }
  };
  const unsigned n = std::min<std::size_t>(
      scan::fit_concurrency(o.concurrency, o.in_flight + 1, o.quiet ? nullptr : stderr),
      targets.size());
  for (unsigned i = 0; i < n; ++i) asio::co_spawn(io, worker(), asio::detached);
  io.run();
  meta.finished = utc_now();
  meta.pairs_done = targets.size();
  sink->close(meta);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!o.quiet) {
    stats.done = targets.size();
    summary.print(stderr, stats, targets.size(), secs, false);
  }
  if (fail_on && summary.worst() && *summary.worst() >= *fail_on) return kExitFindings;
  return kExitOk;
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
      "and a verdict per profile (B.9-B.13 and the retired ones). One JSON record per target.");
  app.add_option("targets", o->targets, "HOST:PORT or [IPv6]:PORT");
  app.add_option("-o,--output", o->output, "Write records to FILE instead of stdout");
  app.add_option("--format", o->format, "Record format")
      ->check(CLI::IsMember({"jsonl", "csv", "sarif", "html"}))
      ->capture_default_str();
  app.add_option("--fail-on", o->fail_on,
                 "Exit 1 when a finding is at or above: info|low|medium|high|critical");
  app.add_option("--timeout", o->timeout_ms, "Per-handshake timeout in milliseconds")
      ->check(CLI::Range(1U, 600'000U))
      ->capture_default_str();
  app.add_option("--connect-timeout", o->connect_timeout_ms, "TCP connect timeout in milliseconds")
      ->check(CLI::Range(1U, 600'000U))
      ->capture_default_str();
  app.add_option("--total-timeout", o->total_timeout_s,
                 "Seconds at most for one target's enumeration")
      ->check(CLI::Range(1U, 3600U))
      ->capture_default_str();
  app.add_option("--concurrency", o->concurrency, "Targets audited at once")
      ->check(CLI::Range(1U, 1024U))
      ->capture_default_str();
  app.add_option("--in-flight", o->in_flight, "Handshakes in flight to one target at most")
      ->check(CLI::Range(1U, 16U))
      ->capture_default_str();
  app.add_option("--max-handshakes", o->max_handshakes, "Handshakes per target at most")
      ->check(CLI::Range(10U, 5000U))
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
