// Where records go (stdout or a file, one JSON object per line) and what the person at the
// terminal sees: progress on stderr while the scan runs and a summary at the end.
#pragma once

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "findings/catalogue.hpp"
#include "scan/engine.hpp"
#include "scan/record.hpp"

namespace dicomsec::app {

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  virtual void write(const scan::ScanRecord& record) = 0;
  virtual void close() = 0;
};

// "" or "-" is stdout. Each record is flushed as it is written, so a killed scan keeps every
// record it finished. Throws std::runtime_error when the file cannot be opened.
std::unique_ptr<RecordSink> open_sink(const std::string& path);

class Summary {
 public:
  void add(const scan::ScanRecord& record);
  [[nodiscard]] std::optional<findings::Severity> worst() const { return worst_; }
  void print(std::FILE* out, const scan::EngineStats& stats, std::uint64_t total, double seconds,
             bool tty) const;

 private:
  struct Row {
    std::string where, product, association;
    std::string findings;
  };
  std::vector<Row> rows_;
  std::size_t more_rows_ = 0;
  std::map<std::string, std::size_t> by_severity_;
  std::optional<findings::Severity> worst_;
};

scan::ProgressFn progress_printer(std::uint64_t total, std::chrono::steady_clock::time_point started);

}  // namespace dicomsec::app
