// Fixed scan records for the report tests: every record part filled somewhere (tls_audit,
// access, web), a closed port, IPv6, and hostile text (quotes, commas, newlines, <script>,
// spreadsheet formulas) where a peer could put it.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/sink.hpp"

namespace dicomsec::report::testing {

std::vector<nlohmann::json> fixture_records();
ScanMeta fixture_meta();
// Renders records through make_sink(format): begin, write each, end.
std::string render(Format format, const std::vector<nlohmann::json>& records, const ScanMeta& meta);

}  // namespace dicomsec::report::testing
