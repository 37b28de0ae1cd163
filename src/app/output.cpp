#include "app/output.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <stdexcept>

#include "app/commands.hpp"
#include "core/bytes.hpp"
#include "core/version.hpp"
#include "dul/pdu.hpp"
#include "fingerprint/fingerprint.hpp"
#include "report/json.hpp"

namespace dicomsec::app {

namespace {

constexpr std::size_t kMaxSummaryRows = 40;

// A shell-like rendering of one argument: quoted only when it needs to be.
std::string shell_quote(const std::string& arg) {
  if (!arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789-_./:=,@+%[]") == std::string::npos)
    return arg;
  std::string out = "'";
  for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

RecordSink::RecordSink(const std::string& path, report::Format format) : out_(&std::cout) {
  if (!path.empty() && path != "-") {
    file_.open(path, std::ios::binary | std::ios::trunc);
    if (!file_)
      throw std::runtime_error(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
    out_ = &file_;
  }
  sink_ = report::make_sink(format, *out_);
}

RecordSink::~RecordSink() {
  try {
    close();
  } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
  }
}

void RecordSink::begin(const report::ScanMeta& meta) {
  meta_ = meta;
  sink_->begin(meta);
}

void RecordSink::write(const record::ScanRecord& record) { sink_->write(report::to_json(record)); }

void RecordSink::close(const report::ScanMeta& meta) {
  if (closed_) return;
  closed_ = true;
  sink_->end(meta);
  out_->flush();
  if (file_.is_open()) file_.close();
}

std::unique_ptr<RecordSink> open_sink(const std::string& path, report::Format format) {
  return std::make_unique<RecordSink>(path, format);
}

std::string utc_now() {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}",
                     fmt::gmtime(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now())));
}

report::ScanMeta start_meta(std::string command) {
  report::ScanMeta meta;
  meta.command = std::move(command);
  meta.version = kVersion;
  meta.started = utc_now();
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string arg;
  for (std::size_t n = 0; std::getline(in, arg, '\0'); ++n) {
    // argv[0] as its base name: the path the binary was run from says nothing about the scan.
    if (n == 0) arg = arg.substr(arg.rfind('/') == std::string::npos ? 0 : arg.rfind('/') + 1);
    if (!meta.arguments.empty()) meta.arguments += ' ';
    meta.arguments += shell_quote(arg);
  }
  return meta;
}

std::optional<findings::Severity> parse_fail_on(const std::string& text) {
  if (text.empty()) return std::nullopt;
  auto severity = findings::parse_severity(text);
  if (!severity)
    throw UsageError(fmt::format("--fail-on {}: use info, low, medium, high or critical", text));
  return severity;
}

void Summary::add(const record::ScanRecord& r) {
  for (const auto& f : r.findings) {
    ++by_severity_[f.severity];
    if (auto s = findings::parse_severity(f.severity); s && (!worst_ || *s > *worst_)) worst_ = s;
  }
  if (!r.dicom && !r.web && !r.tls_audit) return;
  if (rows_.size() >= kMaxSummaryRows) {
    ++more_rows_;
    return;
  }
  Row row;
  row.where = fmt::format("{}:{}", r.ip, r.port);
  row.product = r.product ? fingerprint::product_label(r.product->name, r.product->version,
                                                       r.product->version_name)
                          : std::string(fingerprint::kUnknownProduct);
  row.association = r.association ? std::string(record::association_result_name(r.association->result)) : "-";
  if (r.association && r.association->reject)
    row.association = fmt::format(
        "rejected: {}", dul::reject_reason_name(r.association->reject->source,
                                                r.association->reject->reason));
  row.tls = r.tls || r.tls_audit ? "yes" : "no";
  std::optional<findings::Severity> worst;
  for (const auto& f : r.findings)
    if (auto sev = findings::parse_severity(f.severity); sev && (!worst || *sev > *worst)) worst = sev;
  row.worst = worst ? std::string(findings::severity_name(*worst)) : "-";
  if (!r.dicom && !r.web && r.tls_audit) {  // TLS that spoke no DICOM (or none we could see)
    std::string versions;
    for (const auto& v : r.tls_audit->versions) versions += (versions.empty() ? "" : ",") + v;
    row.association = "TLS " + (versions.empty() ? std::string("-") : versions);
  }
  if (!r.dicom && r.web) {  // a DICOMweb/REST service (level auth and above)
    row.product = r.web->product ? *r.web->product : (r.web->https ? "https" : "http");
    row.association = r.web->open                       ? "web: open without credentials"
                      : r.web->default_credentials_user ? "web: default credentials work"
                      : r.web->requires_auth            ? "web: credentials required"
                                                        : "web: no DICOMweb data seen";
  }
  for (const auto& f : r.findings) {
    if (f.id == "DICOM-EXPOSED") continue;
    if (!row.findings.empty()) row.findings += ", ";
    row.findings += f.id;
  }
  rows_.push_back(std::move(row));
}

void Summary::print(std::FILE* out, const scan::EngineStats& stats, std::uint64_t total,
                    double seconds, bool tty) const {
  if (tty) std::fputs("\r\033[K", out);  // clear the progress line
  fmt::print(out, "dicomsec: {} of {} host:port pairs probed in {:.2f} s; {} open, {} speak DICOM\n",
             stats.done, total, seconds, stats.open, stats.dicom);
  if (stats.local_errors > 0)
    fmt::print(out,
               "dicomsec: {} pairs not probed: this machine ran out of descriptors or ports "
               "(status local-error; see ulimit -n and --concurrency)\n",
               stats.local_errors);
  if (stats.aborted > 0)
    fmt::print(out, "dicomsec: {} probes failed inside dicomsec (status aborted; please report)\n",
               stats.aborted);
  if (stats.write_errors > 0)
    fmt::print(out, "dicomsec: {} records could not be written and are missing from the output\n",
               stats.write_errors);
  if (stats.backoffs > 0)
    fmt::print(out, "dicomsec: slowed down {} times (SYN retransmits; window went down to {})\n",
               stats.backoffs, stats.min_window);
  // On a terminal the worst severity is coloured (ANSI SGR), padded before colouring.
  auto paint = [tty](const std::string& severity, std::string cell) {
    if (!tty) return cell;
    const char* sgr = severity == "critical" ? "1;31" : severity == "high" ? "31"
                    : severity == "medium"   ? "33"   : severity == "low"  ? "34" : "2";
    return fmt::format("\033[{}m{}\033[0m", sgr, cell);
  };
  if (!rows_.empty()) {
    fmt::print(out, "\n{:<24} {:<16} {:<4} {:<36} {:<9} {}\n", "SERVICE", "PRODUCT", "TLS",
               "ASSOCIATION", "WORST", "FINDINGS");
    for (const auto& r : rows_)
      fmt::print(out, "{:<24} {:<16} {:<4} {:<36} {} {}\n", r.where, r.product, r.tls, r.association,
                 paint(r.worst, fmt::format("{:<9}", r.worst)), r.findings.empty() ? "-" : r.findings);
    if (more_rows_ > 0) fmt::print(out, "... and {} more services in the records\n", more_rows_);
  }
  if (by_severity_.empty() && rows_.empty()) return;
  std::string counts;
  for (auto s : {"critical", "high", "medium", "low", "info"})
    if (auto it = by_severity_.find(s); it != by_severity_.end())
      counts += fmt::format("{}{}", counts.empty() ? "" : ", ",
                            paint(s, fmt::format("{} {}", it->second, s)));
  fmt::print(out, "\nfindings: {}  (dicomsec findings explains each id)\n", counts.empty() ? "none" : counts);
}

scan::ProgressFn progress_printer(std::uint64_t total, std::chrono::steady_clock::time_point started) {
  return [total, started](const scan::EngineStats& s, bool final) {
    if (final) return;
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const double rate = secs > 0 ? static_cast<double>(s.done) / secs : 0;
    const double eta = rate > 0 ? static_cast<double>(total - s.done) / rate : 0;
    fmt::print(stderr, "\r\033[K{}/{} pairs ({:.0f}%)  open {}  DICOM {}  {:.0f}/s  ETA {:.0f} s",
               s.done, total, total ? 100.0 * static_cast<double>(s.done) / static_cast<double>(total) : 100.0,
               s.open, s.dicom, rate, eta);
    std::fflush(stderr);
  };
}

}  // namespace dicomsec::app
