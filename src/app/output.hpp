// Where records go (stdout or a file, in a report format: jsonl, csv, sarif, html) and what the
// person at the terminal sees: progress on stderr while the scan runs and a summary at the end.
#pragma once

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "findings/catalogue.hpp"
#include "record/record.hpp"
#include "report/coverage.hpp"
#include "report/sink.hpp"
#include "report/summary.hpp"
#include "scan/engine.hpp"

namespace dicomsec::store {
class Store;
}
namespace dicomsec::scan {
class Pipeline;
class PairIterator;
}  // namespace dicomsec::scan

namespace dicomsec::app {

// The report could not be written (a full disk, /dev/full, a closed pipe): main prints the
// message, which names the path and the reason, and exits 3.
struct OutputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Records to stdout or a file through report::make_sink. Every write, flush and close is
// checked: the first failure is kept (error()), later writes are dropped, and close() throws
// it as OutputError, so a lost report is never a silent exit 0. jsonl and csv are flushed per
// record, so a killed scan keeps every record it finished; sarif and html are written whole by
// close(). Records go through report::to_json, as `dicomsec report` re-renders stored ones.
class RecordSink {
 public:
  RecordSink(const std::string& path, report::Format format);  // throws std::runtime_error
  ~RecordSink();
  RecordSink(const RecordSink&) = delete;
  RecordSink& operator=(const RecordSink&) = delete;
  void begin(const report::ScanMeta& meta);
  // Never throws: a failed write is kept in error(); the caller may stop the scan early.
  void write(const record::ScanRecord& record);
  void write(const nlohmann::json& record);
  // Throws OutputError when this or an earlier write, flush or close failed.
  void close(const report::ScanMeta& meta);
  void close() { close(meta_); }
  // --summary-json FILE (issue 13 §1): every record written also feeds a report::RunSummary,
  // and close() writes it to `path` as one JSON object, checked like the report itself.
  void summarize_to(const std::string& path);
  // --summary-csv FILE: the same summary's checklist, one CSV row per item.
  void summarize_csv_to(const std::string& path);
  // "cannot write the report to PATH: REASON", once something failed.
  [[nodiscard]] const std::optional<std::string>& error() const { return error_; }

 private:
  // Keeps the first failure, with errno's reason when it is still there.
  void check(const char* what);

  std::string path_;  // as the user gave it; "stdout" for stdout
  std::ofstream file_;
  std::ostream* out_;
  std::optional<std::string> error_;
  std::unique_ptr<report::Sink> sink_;
  report::ScanMeta meta_;
  bool closed_ = false;
  std::string summary_path_;      // empty: no --summary-json
  std::string summary_csv_path_;  // empty: no --summary-csv
  report::RunSummary summary_;
};

// "" or "-" is stdout. Throws std::runtime_error when the file cannot be opened.
std::unique_ptr<RecordSink> open_sink(const std::string& path,
                                      report::Format format = report::Format::Jsonl);

// Metadata of a command that starts now: its name, the command line as typed (from
// /proc/self/cmdline), the start time and the dicomsec version.
report::ScanMeta start_meta(std::string command);
// --fail-on of scan, tls and diff: nothing when not given; UsageError (exit 2) when the text
// is not a severity name.
std::optional<findings::Severity> parse_fail_on(const std::string& text);
// --db PATH|postgresql://... of scan and tls: the store, created when missing. A PostgreSQL
// URL in a build without PostgreSQL is a UsageError (exit 2); StoreError (exit 3) otherwise.
std::unique_ptr<store::Store> open_db(const std::string& location);
// Now, as ISO 8601 UTC to the second (2026-11-25T21:00:00Z).
std::string utc_now();

class Summary {
 public:
  void add(const record::ScanRecord& record);
  // The run (level, command) decides which checklist items were measured; with the progress
  // line shown, print() clears it first even when stderr is not a terminal.
  void set_run(const report::ScanMeta& meta, bool progress_shown) {
    meta_ = meta;
    progress_shown_ = progress_shown;
  }
  [[nodiscard]] std::optional<findings::Severity> worst() const { return worst_; }
  void print(std::FILE* out, const scan::EngineStats& stats, std::uint64_t total, double seconds,
             bool tty) const;

 private:
  struct Row {
    std::string key;  // worst severity descending, then address (report::address_key)
    int rank = -1;
    std::string where, product, tls, association, worst;
    std::string findings;
    std::vector<std::string> fixes;  // "ID: remediation", product-specific when known
  };
  std::vector<Row> rows_;
  std::size_t dropped_rows_ = 0;
  std::map<std::string, std::size_t> by_severity_;
  std::optional<findings::Severity> worst_;
  report::CoverageCounter coverage_;
  report::ScanMeta meta_;
  bool progress_shown_ = false;
  std::size_t honeypots_ = 0;  // records with honeypot.likely (issue 12 §3)
};

// What differs between a `scan` and a `tls` run around the pipeline.
struct RunWords {
  bool quiet = false;     // -q: no summary, no "stored as" unless interrupted
  bool progress = false;  // show the progress line on stderr
  bool tty = false;       // the summary may use terminal colours
  std::optional<findings::Severity> fail_on;
  const char* done_words = "pairs were probed";  // "interrupted; N of M <done_words>"
  // Called for each record after the report and the summary have it (tls: its target line).
  std::function<void(const record::ScanRecord&)> on_record;
  // The line after "dicomsec: " that says where the run is stored.
  std::function<std::string(bool interrupted)> stored_line;
};
// Runs the pipeline into the sink (already begun) and ends the run in the order both
// commands need: the report closed, the summary printed, the history finished, then the exit
// code: 3 when the report could not be written, the store failed or the run was
// interrupted; 1 when --fail-on is met; 0 otherwise. A StoreError from the history
// propagates (exit 3).
int run_to_end(scan::Pipeline& pipeline, scan::Engine& engine, scan::PairIterator& pairs,
               RecordSink& sink, report::ScanMeta& meta, const RunWords& words);

// What the engine says about Ctrl-C, on stderr (over the progress line on a terminal).
std::function<void(const std::string&)> ctrl_c_notice();

scan::ProgressFn progress_printer(std::uint64_t total,
                                  std::chrono::steady_clock::time_point started);

}  // namespace dicomsec::app
