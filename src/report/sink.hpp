// Report sinks: every output format (jsonl, csv, sarif, html) consumes records as the JSON
// objects of report::to_json, so a scan written live and a scan re-rendered from the store
// (`dicomsec report`) go through the same code and come out the same.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace dicomsec::report {

// What a report says about the run as a whole (HTML header, SARIF invocation, store row).
struct ScanMeta {
  std::string scan_id;     // the store's id when --db is used, otherwise empty
  std::string command;     // "scan", "tls", "report"
  std::string arguments;   // the command line as typed
  std::string started;     // ISO 8601 UTC, e.g. 2026-11-25T21:00:00Z
  std::string finished;    // empty while running
  std::string version;     // dicomsec version
  std::string level;       // scan --level (safe, auth, intrusive); empty for tls or unknown
  std::string ports;       // the ports the run probed, as given
  std::uint64_t pairs_total = 0;
  std::uint64_t pairs_done = 0;
  bool interrupted = false;
};

enum class Format { Jsonl, Csv, Sarif, Html };
std::optional<Format> parse_format(std::string_view);
std::string_view format_name(Format);

class Sink {
 public:
  virtual ~Sink() = default;
  virtual void begin(const ScanMeta&) {}
  // One record (report::to_json output). Streaming formats write and flush it at once, so
  // a killed scan keeps every record it finished; whole-document formats buffer it.
  virtual void write(const nlohmann::json& record) = 0;
  // Whole-document formats (sarif, html) write here; streaming ones flush.
  virtual void end(const ScanMeta&) = 0;
};

std::unique_ptr<Sink> make_sink(Format, std::ostream& out);

}  // namespace dicomsec::report
