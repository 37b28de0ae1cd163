// Rules from a scan record to findings. Verdicts come from the protocol, never from the port
// alone: an open port that does not speak DICOM yields nothing.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "record/flow.hpp"
#include "record/record.hpp"

namespace dicomsec::findings {

struct Context {
  // The calling AE title we used is one no server should know (the default DICOMSEC). When
  // the user passes --calling-ae, it may be a configured peer's title, so an accepted
  // association proves nothing about unknown callers.
  bool calling_ae_unknown = true;
};

std::vector<record::FindingRef> evaluate(const record::ScanRecord& record, const Context& context = {});

// Flow records of `dicomsec pcap` (flow_rules.cpp): DICOM-NO-TLS (observed),
// PCAP-CLEARTEXT-PHI, PCAP-CLEARTEXT-CREDENTIALS.
std::vector<record::FindingRef> evaluate(const record::FlowRecord& record);

// PCAP-AE-MULTI-IP across the flows of one capture: remembers which addresses used each AE
// title (calling titles, from the clients' addresses) and reports a flow whose title
// was already seen at another address. Records stream out as flows end, so the first flow
// of a title carries nothing and every later one from a new address carries the finding.
class AeAddressBook {
 public:
  std::optional<record::FindingRef> note(const record::FlowRecord& record);
  // Title -> addresses, for titles seen at more than one address.
  [[nodiscard]] std::map<std::string, std::set<std::string>> duplicates() const;

 private:
  std::map<std::string, std::set<std::string>> calling_;
};

}  // namespace dicomsec::findings
