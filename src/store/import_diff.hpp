// `dicomsec diff` between an import (leads: what an internet scanner saw) and a scan from
// inside (issue 16). Three lists, keyed by ip:port (a moved lead by where its name resolves
// now):
//   still-open:  seen from outside and open now (urgent);
//   closed:      seen from outside, and the scan looked and found it closed;
//   inside-only: open inside and never seen from outside (as it should be);
// plus not-checked: leads the scan did not probe (another port or address), with the reason.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store/diff.hpp"

namespace dicomsec::store {

struct Exposure {
  enum class List { StillOpen, Closed, InsideOnly, NotChecked } list = List::StillOpen;
  std::string ip;
  std::uint16_t port = 0;
  std::string source;       // shodan | censys | csv ("" for inside-only)
  std::string observed_at;  // when the outside saw it ("" unknown or inside-only)
  std::string status;       // the scan's status ("" when it has no record)
  bool dicom = false;       // the scan got a DICOM answer
  std::string reason;       // not-checked: why; closed/still-open of a moved lead: the move
};

// leads: the import's records; scan: the inside scan's records and coverage.
std::vector<Exposure> exposure_diff(const std::vector<nlohmann::json>& leads,
                                    const std::vector<nlohmann::json>& scan,
                                    const Coverage& scan_coverage);

std::string_view list_name(Exposure::List);
nlohmann::json to_json(const Exposure&);

}  // namespace dicomsec::store
