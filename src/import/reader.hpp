// Reads one export file, gzip'd or plain (zlib detects which), in fixed-size chunks: memory
// stays at the chunk plus the parser's buffers whatever the file's size. JSON lines and CSV
// are handled line by line; a file that opens with a multi-line JSON document (a REST
// envelope saved pretty-printed) is read as one document of at most kMaxDocument bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "import/filter.hpp"
#include "import/parse.hpp"

namespace dicomsec::import {

// Malformed lines listed by number in the report; the rest are counted.
inline constexpr std::size_t kListedMalformed = 20;
// A line longer than this is reported and skipped (the reader's chunk is twice this).
inline constexpr std::size_t kMaxLine = std::size_t{4} << 20;

struct FileReport {
  std::string file;
  bool gzip = false;
  bool document = false;  // read as one multi-line JSON document
  std::uint64_t lines = 0;
  std::uint64_t entries = 0;  // services found (every format)
  std::uint64_t kept = 0;
  std::uint64_t outside = 0;  // not in the netblocks, name not owned
  std::uint64_t too_old = 0;  // before --since
  std::uint64_t undated = 0;  // no date while --since is given
  std::uint64_t malformed = 0;
  std::vector<std::pair<std::uint64_t, std::string>> first_malformed;  // line, why
  std::string error;       // the file could not be read to its end (truncated gzip, I/O)
  bool truncated = false;  // error is a truncated/corrupt gzip stream
};

using Keep = std::function<void(Entry&&)>;

// "-" reads stdin.
FileReport read_export(const std::string& path, Parser& parser, Filter& filter, const Keep& keep);

}  // namespace dicomsec::import
