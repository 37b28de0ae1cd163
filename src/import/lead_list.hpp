// `dicomsec scan -iL leads.jsonl`: the records `dicomsec import` wrote, read back as targets.
// A lead gives its address (or, when its address moved, where its owned name resolves now,
// inside the netblocks) and its port; UDP leads and moved leads with no address inside the
// netblocks are skipped and counted.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "scan/targets.hpp"

namespace dicomsec::import {

struct LeadTargets {
  std::vector<scan::Address> addresses;  // distinct, sorted
  std::vector<std::uint16_t> ports;      // distinct, sorted
  std::uint64_t records = 0;
  std::uint64_t skipped = 0;  // udp, or moved out with nowhere inside to go
};

// True when the stream's first non-blank, non-comment character opens a JSON object: a file
// of records, not of TARGET tokens. Leaves the stream at its start.
bool is_record_list(std::istream& in);

// Records without "lead" (a scan's own JSONL) are taken too: their ip and port. Errors read
// "SOURCE:LINE: ...".
Result<LeadTargets> read_lead_list(std::istream& in, std::string_view source);

}  // namespace dicomsec::import
