#include "app/output.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "core/bytes.hpp"
#include "dul/pdu.hpp"
#include "report/json.hpp"

namespace dicomsec::app {

namespace {

constexpr std::size_t kMaxSummaryRows = 40;

class JsonlSink final : public RecordSink {
 public:
  explicit JsonlSink(const std::string& path) {
    if (path.empty() || path == "-") {
      out_ = stdout;
    } else {
      out_ = std::fopen(path.c_str(), "w");
      if (!out_)
        throw std::runtime_error(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
      owned_ = true;
    }
  }
  ~JsonlSink() override { close(); }
  void write(const scan::ScanRecord& record) override {
    const auto line = report::to_json(record).dump() + "\n";
    std::fwrite(line.data(), 1, line.size(), out_);
    std::fflush(out_);
  }
  void close() override {
    if (!out_) return;
    std::fflush(out_);
    if (owned_) std::fclose(out_);
    out_ = nullptr;
  }

 private:
  std::FILE* out_ = nullptr;
  bool owned_ = false;
};

}  // namespace

std::unique_ptr<RecordSink> open_sink(const std::string& path) {
  return std::make_unique<JsonlSink>(path);
}

void Summary::add(const scan::ScanRecord& r) {
  for (const auto& f : r.findings) {
    ++by_severity_[f.severity];
    if (auto s = findings::parse_severity(f.severity); s && (!worst_ || *s > *worst_)) worst_ = s;
  }
  if (!r.dicom && !r.web) return;
  if (rows_.size() >= kMaxSummaryRows) {
    ++more_rows_;
    return;
  }
  Row row;
  row.where = fmt::format("{}:{}", r.ip, r.port);
  row.product = r.product ? r.product->name + (r.product->version ? " " + *r.product->version : "")
                          : "unknown";
  row.association = r.association ? std::string(scan::association_result_name(r.association->result)) : "-";
  if (r.association && r.association->reject)
    row.association = fmt::format(
        "rejected: {}", dul::reject_reason_name(r.association->reject->source,
                                                r.association->reject->reason));
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
  if (stats.backoffs > 0)
    fmt::print(out, "dicomsec: slowed down {} times (SYN retransmits; window went down to {})\n",
               stats.backoffs, stats.min_window);
  if (rows_.empty()) return;
  fmt::print(out, "\n{:<24} {:<16} {:<36} {}\n", "SERVICE", "PRODUCT", "ASSOCIATION", "FINDINGS");
  for (const auto& r : rows_)
    fmt::print(out, "{:<24} {:<16} {:<36} {}\n", r.where, r.product, r.association,
               r.findings.empty() ? "-" : r.findings);
  if (more_rows_ > 0) fmt::print(out, "... and {} more DICOM services in the records\n", more_rows_);
  std::string counts;
  for (auto s : {"critical", "high", "medium", "low", "info"})
    if (auto it = by_severity_.find(s); it != by_severity_.end())
      counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", it->second, s);
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
