// One export document or line to import entries (one per ip:port service). Formats, from the
// vendors' documentation (docs/design.md, "import"):
//   Shodan: a `shodan download` banner per line ({"ip_str":…,"port":…,"data":…}) and the REST
//           envelope {"matches":[banner…]};
//   Censys: Search 2.0 hosts ({"ip":…,"services":[{"port","service_name",
//           "transport_protocol":"TCP",…}]}, alone, as {"result":{"hits":[…]}} or a JSON array)
//           and 2025 Platform hits ({"host_v1":{"resource":{…"protocol","transport_protocol":
//           "tcp"}}}), normalised to one shape;
//   CSV:    ip,port[,transport,timestamp] with or without a header (column names found).
// The format is detected per line. No I/O: the reader feeds bytes, a prefilter drops a
// document as soon as its address is read when the address cannot be kept.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "record/record.hpp"
#include "scan/targets.hpp"

namespace dicomsec::import {

// Raw banners are kept up to this many bytes (banner_truncated says when cut).
inline constexpr std::size_t kMaxBanner = 2048;
// Longest JSON document (one line, or a whole pretty-printed envelope) the parser accepts:
// bounds its memory (simdjson needs about 5 bytes per byte of document).
inline constexpr std::size_t kMaxDocument = std::size_t{6} << 20;
// simdjson's padding: a buffer handed to parse_json must be readable this far past the end.
std::size_t json_padding();

struct Entry {
  scan::Address address;
  std::string ip;  // canonical text of address
  std::uint16_t port = 0;
  record::LeadRecord lead;
};

// Answers "could an entry at this address be kept?" before the rest is decoded; nullptr
// keeps everything (needed when entries may be kept by hostname).
using Prefilter = std::function<bool(const scan::Address&)>;

struct ParseStats {
  std::uint64_t skipped_early = 0;  // documents dropped by the prefilter after the address
};

class Parser {
 public:
  explicit Parser(Prefilter prefilter = nullptr);
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  // A new file: forgets the CSV header.
  void start_file(std::string file_name);

  // One line of an export (no newline). `capacity`: bytes readable from line.data(), at
  // least line.size() + json_padding(). Entries go to `out`; an error names what is wrong
  // (the caller adds the line number). Blank lines give no entries and no error.
  Result<std::size_t> parse_line(std::string_view line, std::size_t capacity,
                                 std::uint64_t line_number, std::vector<Entry>& out);

  // A whole JSON document (a pretty-printed envelope or array), same padding rule.
  Result<std::size_t> parse_document(std::string_view doc, std::size_t capacity,
                                     std::uint64_t line_number, std::vector<Entry>& out);

  [[nodiscard]] const ParseStats& stats() const { return stats_; }

 private:
  Result<std::size_t> parse_csv(std::string_view line, std::uint64_t line_number,
                                std::vector<Entry>& out);

  struct Json;
  std::unique_ptr<Json> json_;
  Prefilter prefilter_;
  std::string file_;
  ParseStats stats_;
  bool json_seen_ = false;  // this file holds JSON: a non-JSON line is malformed, not CSV
  // CSV column positions; set by a header line or the positional default.
  struct CsvLayout {
    int ip = 0, port = 1, transport = 2, timestamp = 3;
    int hostnames = -1, org = -1, asn = -1, product = -1, data = -1, module = -1;
    bool known = false;
  } csv_;
};

// Helpers shared by the parsers.
std::optional<std::string> asn_text(std::string_view raw);  // "AS64500" from "64500"/"AS64500"
void set_banner(record::LeadRecord& lead, std::string_view raw);

}  // namespace dicomsec::import
