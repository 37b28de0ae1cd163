// The scan record as JSON (docs/design.md §3; schemas/scan-record.schema.json). The one
// definition of the record's fields for every sink.
#pragma once

#include <nlohmann/json.hpp>

#include "record/flow.hpp"
#include "record/record.hpp"

namespace dicomsec::report {

nlohmann::json to_json(const record::ScanRecord& record);

// The flow record of `dicomsec pcap` (schemas/flow-record.schema.json; json_flow.cpp).
// "kind": "flow" tells it from a scan record; ip/port name the server so the sinks that
// locate a finding at a service (SARIF, HTML) work unchanged.
nlohmann::json to_json(const record::FlowRecord& record);

}  // namespace dicomsec::report
