// Product identification for a scan record: the fingerprint catalogue on what the peer said
// about itself, refined by behaviour where toolkits hide the application (Orthanc, storescp
// and dcmqrscp all send DCMTK's implementation UID and name).
#pragma once

#include "record/record.hpp"

namespace dicomsec::probes {

void identify_product(record::ScanRecord& record);

}  // namespace dicomsec::probes
