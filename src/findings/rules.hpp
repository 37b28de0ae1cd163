// Rules from a scan record to findings. Verdicts come from the protocol, never from the port
// alone: an open port that does not speak DICOM yields nothing.
#pragma once

#include <vector>

#include "scan/record.hpp"

namespace dicomsec::findings {

std::vector<scan::FindingRef> evaluate(const scan::ScanRecord& record);

}  // namespace dicomsec::findings
