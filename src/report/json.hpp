// The scan record as JSON (docs/design.md §3; schemas/scan-record.schema.json). The one
// definition of the record's fields for every sink.
#pragma once

#include <nlohmann/json.hpp>

#include "record/record.hpp"

namespace dicomsec::report {

nlohmann::json to_json(const record::ScanRecord& record);

}  // namespace dicomsec::report
