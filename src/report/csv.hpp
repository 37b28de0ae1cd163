// One CSV cell (RFC 4180 quoting, spreadsheet formula injection defused); sink_csv.cpp.
#pragma once

#include <string>
#include <string_view>

namespace dicomsec::report {

std::string csv_cell(std::string_view text);

}  // namespace dicomsec::report
