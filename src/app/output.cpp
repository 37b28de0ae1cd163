#include "app/output.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <stdexcept>

#include "app/commands.hpp"
#include "core/bytes.hpp"
#include "core/time.hpp"
#include "core/version.hpp"
#include "dul/pdu.hpp"
#include "fingerprint/fingerprint.hpp"
#include "report/json.hpp"
#include "report/wording.hpp"
#include "scan/pipeline.hpp"
#include "store/store.hpp"

namespace dicomsec::app {

namespace {

constexpr std::size_t kMaxSummaryRows = 40;
constexpr std::size_t kMaxKeptRows = 100000;
constexpr std::size_t kMaxFixLines = 20;

// A shell-like rendering of one argument: quoted only when it needs to be.
std::string shell_quote(const std::string& arg) {
  if (!arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789-_./:=,@+%[]") == std::string::npos)
    return arg;
  std::string out = "'";
  for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The summary object, one line; every open, write, flush and close checked (issue 13 §6).
void write_summary(const std::string& path, const std::string& text) {
  errno = 0;
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  auto fail = [&](const char* what) {
    throw OutputError(fmt::format("cannot write the summary to {}: {} ({})", path,
                                  errno != 0 ? std::strerror(errno) : "I/O error", what));
  };
  if (!f) fail("open");
  f << text;
  f.flush();
  if (!f) fail("write");
  f.close();
  if (!f) fail("close");
}

}  // namespace

RecordSink::RecordSink(const std::string& path, report::Format format)
    : path_(path.empty() || path == "-" ? "stdout" : path), out_(&std::cout) {
  if (!path.empty() && path != "-") {
    errno = 0;
    file_.open(path, std::ios::binary | std::ios::trunc);
    if (!file_)
      throw OutputError(fmt::format("cannot write the report to {}: {}", path,
                                    errno != 0 ? std::strerror(errno) : "cannot open it"));
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

void RecordSink::check(const char* what) {
  const int err = errno;
  const bool std_failed = out_ == &std::cout && (std::ferror(stdout) != 0);
  if (error_ || (*out_ && !std_failed)) return;
  error_ = fmt::format("cannot write the report to {}: {} ({})", path_,
                       err != 0 ? std::strerror(err) : "I/O error", what);
}

void RecordSink::begin(const report::ScanMeta& meta) {
  meta_ = meta;
  errno = 0;
  sink_->begin(meta);
  check("write");
}

void RecordSink::write(const record::ScanRecord& record) { write(report::to_json(record)); }

namespace {

// A summary file may not be stdout or the report's own file.
void check_summary_path(const std::string& option, const std::string& path,
                        const std::string& report) {
  const auto same = [](const std::string& a, const std::string& b) {
    std::error_code ec;
    return a == b || std::filesystem::equivalent(a, b, ec);
  };
  if (path == "-" || (report != "stdout" && same(path, report)))
    throw UsageError(fmt::format("{} {}: name a file other than the report's", option, path));
}

}  // namespace

void RecordSink::summarize_to(const std::string& path) {
  if (path.empty()) return;
  check_summary_path("--summary-json", path, path_);
  summary_path_ = path;
}

void RecordSink::summarize_csv_to(const std::string& path) {
  if (path.empty()) return;
  check_summary_path("--summary-csv", path, path_);
  if (path == summary_path_)
    throw UsageError(fmt::format("--summary-csv {}: --summary-json writes that file", path));
  summary_csv_path_ = path;
}

void RecordSink::write(const nlohmann::json& record) {
  if (!summary_path_.empty() || !summary_csv_path_.empty()) summary_.add(record);
  if (error_) return;  // the report is lost already; do not fill the disk further
  errno = 0;
  sink_->write(record);
  check("write");
}

void RecordSink::close(const report::ScanMeta& meta) {
  if (closed_) return;
  closed_ = true;
  if (!error_) {
    errno = 0;
    sink_->end(meta);
    out_->flush();
    check("flush");
  }
  if (out_ == &std::cout) {
    errno = 0;
    if (std::fflush(stdout) != 0 && !error_)
      error_ = fmt::format("cannot write the report to stdout: {} (flush)", std::strerror(errno));
  } else if (file_.is_open()) {
    errno = 0;
    file_.close();
    check("close");
  }
  if (error_) throw OutputError(*error_);
  if (summary_path_.empty() && summary_csv_path_.empty()) return;
  const auto summary = summary_.to_json(meta);
  if (!summary_path_.empty())
    write_summary(summary_path_,
                  summary.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + '\n');
  if (!summary_csv_path_.empty()) write_summary(summary_csv_path_, report::checklist_csv(summary));
}

std::function<void(const std::string&)> ctrl_c_notice() {
  const bool tty = isatty(STDERR_FILENO) != 0;
  return [tty](const std::string& message) {
    std::fprintf(stderr, "%s%s\n", tty ? "\r\033[K" : "", message.c_str());
    std::fflush(stderr);
  };
}

std::unique_ptr<RecordSink> open_sink(const std::string& path, report::Format format) {
  return std::make_unique<RecordSink>(path, format);
}

std::unique_ptr<store::Store> open_db(const std::string& location) {
  if (store::is_postgres_url(location) && !store::postgres_built())
    throw UsageError("--db postgresql://...: PostgreSQL support is not built in this version");
  return store::open_store(location);  // StoreError -> exit 3
}

int run_to_end(scan::Pipeline& pipeline, scan::Engine& engine, scan::PairIterator& pairs,
               RecordSink& sink, report::ScanMeta& meta, const RunWords& w) {
  Summary summary;
  std::atomic<bool> output_failed{false};
  pipeline.add_sink([&](const record::ScanRecord& rec) {
    sink.write(rec);
    if (sink.error() && !output_failed.exchange(true)) engine.stop();  // the report is lost
    summary.add(rec);
    if (w.on_record) w.on_record(rec);
  });
  const auto started = std::chrono::steady_clock::now();
  const auto total = pairs.size();
  const auto stats = pipeline.run(
      engine, pairs, w.progress ? progress_printer(total, started) : scan::ProgressFn{});
  meta.finished = utc_now();
  meta.pairs_done = stats.done;
  meta.interrupted = engine.interrupted() || output_failed;
  // A report that could not be written is exit 3, after the store has its state.
  std::optional<std::string> output_error;
  try {
    sink.close(meta);
  } catch (const OutputError& err) {
    output_error = err.what();
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  summary.set_run(meta, w.progress);
  if (!w.quiet) summary.print(stderr, stats, total, secs, w.tty);
  if (auto* history = pipeline.history()) {
    meta.finished = utc_now();
    meta.interrupted = engine.interrupted() || output_failed || history->error().has_value();
    history->finish(meta);  // throws the batch's StoreError, if any -> exit 3
    if (!w.quiet || meta.interrupted)
      fmt::print(stderr, "dicomsec: {}\n", w.stored_line(meta.interrupted));
  }
  if (output_error) {
    fmt::print(stderr, "dicomsec: {}\n", *output_error);
    return kExitRuntime;
  }
  if (engine.interrupted()) {
    if (auto why = engine.failure()) fmt::print(stderr, "dicomsec: {}\n", *why);
    fmt::print(stderr, "dicomsec: interrupted; {} of {} {}\n", stats.done, total, w.done_words);
    return kExitRuntime;
  }
  if (w.fail_on && summary.worst() && *summary.worst() >= *w.fail_on) return kExitFindings;
  return kExitOk;
}

std::string utc_now() {
  return iso8601_utc(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()));
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
    meta.arguments += shell_quote(store::redact_location(arg));  // no --db password
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
  if (r.honeypot && r.honeypot->likely) ++honeypots_;
  const auto j = report::to_json(r);
  coverage_.add(j);
  // Every open port gets a row, DICOM or not: a listener that is not DICOM is still exposed.
  if (!record::port_open(r.status)) return;
  if (rows_.size() >= kMaxKeptRows) {  // bounded memory on huge scans; counted, not shown
    ++dropped_rows_;
    return;
  }
  Row row;
  row.where = report::where(r.ip, r.port);
  row.product = r.product ? fingerprint::product_label(r.product->name, r.product->version,
                                                       r.product->version_name)
                          : std::string(fingerprint::kUnknownProduct);
  if (!r.dicom && r.web)
    row.product = r.web->product ? *r.web->product : (r.web->https ? "https" : "http");
  if (!r.dicom && !r.web && !r.tls_audit && !r.product) row.product = "-";
  row.association = report::association_words(j);
  row.tls = r.tls || r.tls_audit ? "yes" : "no";
  std::optional<findings::Severity> worst;
  for (const auto& f : r.findings)
    if (auto sev = findings::parse_severity(f.severity); sev && (!worst || *sev > *worst))
      worst = sev;
  row.worst = worst ? std::string(findings::severity_name(*worst)) : "-";
  row.rank = worst ? static_cast<int>(*worst) : -1;
  row.key = report::address_key(r.ip, r.port);
  for (const auto& f : r.findings) {
    if (f.id == "DICOM-EXPOSED") continue;
    if (!row.findings.empty()) row.findings += ", ";
    row.findings += f.id;
    if (auto sev = findings::parse_severity(f.severity); sev && *sev >= findings::Severity::Medium)
      row.fixes.push_back(fmt::format("{}: {}", f.id, report::remediation_for(j, f.id)));
  }
  rows_.push_back(std::move(row));
}

void Summary::print(std::FILE* out, const scan::EngineStats& stats, std::uint64_t total,
                    double seconds, bool tty) const {
  if (tty || progress_shown_) std::fputs("\r\033[K", out);  // clear the progress line
  fmt::print(out,
             "dicomsec: {} of {} host:port pairs probed in {:.2f} s; {} open, {} speak DICOM\n",
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
  // Issue 12 §3: honeypots inflate exposure counts; say how many of the services that speak
  // DICOM are likely ones (they keep their exposure findings).
  if (honeypots_ > 0)
    fmt::print(out, "dicomsec: likely honeypots among them: {} (DICOM-HONEYPOT-LIKELY)\n",
               honeypots_);
  // On a terminal the worst severity is coloured (ANSI SGR), padded before colouring.
  auto paint = [tty](const std::string& severity, std::string cell) {
    if (!tty) return cell;
    const char* sgr = severity == "critical" ? "1;31"
                      : severity == "high"   ? "31"
                      : severity == "medium" ? "33"
                      : severity == "low"    ? "34"
                                             : "2";
    return fmt::format("\033[{}m{}\033[0m", sgr, cell);
  };
  // Worst first, then by address, as in the HTML report.
  std::vector<const Row*> rows;
  for (const auto& r : rows_) rows.push_back(&r);
  std::stable_sort(rows.begin(), rows.end(), [](const Row* a, const Row* b) {
    return a->rank != b->rank ? a->rank > b->rank : a->key < b->key;
  });
  if (!rows.empty()) {
    fmt::print(out, "\n{:<24} {:<16} {:<4} {:<36} {:<9} {}\n", "SERVICE", "PRODUCT", "TLS",
               "ASSOCIATION", "WORST", "FINDINGS");
    for (std::size_t i = 0; i < rows.size() && i < kMaxSummaryRows; ++i) {
      const auto& r = *rows[i];
      fmt::print(out, "{:<24} {:<16} {:<4} {:<36} {} {}\n", r.where, r.product, r.tls,
                 r.association, paint(r.worst, fmt::format("{:<9}", r.worst)),
                 r.findings.empty() ? "-" : r.findings);
    }
    const auto more = rows.size() > kMaxSummaryRows ? rows.size() - kMaxSummaryRows + dropped_rows_
                                                    : dropped_rows_;
    if (more > 0)
      fmt::print(out, "... and {} more in the records\n", report::plural(more, "service"));
    // The fix beside each finding of severity medium and above, worst services first.
    std::size_t shown = 0;
    for (std::size_t i = 0; i < rows.size() && shown < kMaxFixLines; ++i)
      for (const auto& fix : rows[i]->fixes) {
        if (shown == 0)
          fmt::print(out, "\nfix (medium and above; dicomsec findings ID explains one):\n");
        if (shown++ >= kMaxFixLines) break;
        fmt::print(out, "  {} {}\n", rows[i]->where, fix);
      }
  }
  std::string counts;
  for (auto s : {"critical", "high", "medium", "low", "info"})
    if (auto it = by_severity_.find(s); it != by_severity_.end())
      counts += fmt::format("{}{}", counts.empty() ? "" : ", ",
                            paint(s, fmt::format("{} {}", it->second, s)));
  if (!by_severity_.empty() || !rows.empty())
    fmt::print(out, "\nfindings: {}  (dicomsec findings ID explains one)\n",
               counts.empty() ? "none" : counts);
  // The checklist with what this run measured: nothing unmeasured reads as "ok".
  const auto cov = coverage_.result(meta_);
  fmt::print(out, "\nchecklist: {}\n", cov.headline());
  const auto items = findings::checklist();
  for (std::size_t i = 0; i < cov.items.size() && i < items.size(); ++i) {
    const auto& it = cov.items[i];
    fmt::print(out, "  {} {:<26} {}{}\n", it.id, report::check_state_label(it.state),
               it.findings > 0 ? report::plural(it.findings, "finding") + "; " : "", it.reason);
  }
}

scan::ProgressFn progress_printer(std::uint64_t total,
                                  std::chrono::steady_clock::time_point started) {
  return [total, started](const scan::EngineStats& s, bool final) {
    if (final) return;
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const double rate = secs > 0 ? static_cast<double>(s.done) / secs : 0;
    const double eta = rate > 0 ? static_cast<double>(total - s.done) / rate : 0;
    fmt::print(stderr, "\r\033[K{}/{} pairs ({:.0f}%)  open {}  DICOM {}  {:.0f}/s  ETA {:.0f} s",
               s.done, total,
               total ? 100.0 * static_cast<double>(s.done) / static_cast<double>(total) : 100.0,
               s.open, s.dicom, rate, eta);
    std::fflush(stderr);
  };
}

}  // namespace dicomsec::app
