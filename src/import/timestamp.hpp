// Vendors' timestamps to one form, ISO 8601 UTC "YYYY-MM-DDTHH:MM:SSZ", so that --since and
// sorting are string comparisons. Shodan writes "2026-01-28T07:21:33.444507" (UTC, no zone),
// Censys "2026-10-27T17:02:26.140Z"; CSV exports add "2026-10-27 17:02:26", a bare date,
// offsets ("+01:00") and Unix seconds.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dicomsec::import {

std::optional<std::string> normalise_time(std::string_view text);

}  // namespace dicomsec::import
