// Rules from a scan record to findings. Verdicts come from the protocol, never from the port
// alone: an open port that does not speak DICOM yields nothing.
#pragma once

#include <vector>

#include "record/record.hpp"

namespace dicomsec::findings {

struct Context {
  // The calling AE title we used is one no server should know (the default DICOMSEC). When
  // the user passes --calling-ae, it may be a configured peer's title, so an accepted
  // association proves nothing about unknown callers.
  bool calling_ae_unknown = true;
};

std::vector<record::FindingRef> evaluate(const record::ScanRecord& record, const Context& context = {});

}  // namespace dicomsec::findings
