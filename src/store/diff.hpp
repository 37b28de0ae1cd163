// What changed between two stored scans: services (keyed by ip:port) that are new, gone or
// changed (status, DICOM, TLS, association result, product), and findings (keyed by ip,
// port, id) that are new, fixed or still open. A finding of a service that is gone counts
// as fixed, flagged service_gone: the hole is not observed any more, but nobody closed it
// on purpose as far as the scan can tell.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace dicomsec::store {

struct ServiceChange {
  enum class Kind { New, Gone, Changed } kind = Kind::New;
  std::string ip;
  std::uint16_t port = 0;
  struct Field {
    std::string name, before, after;
  };
  std::vector<Field> fields;  // Changed only
};

struct FindingChange {
  enum class Kind { New, Fixed, Open } kind = Kind::New;
  std::string ip;
  std::uint16_t port = 0;
  std::string id, severity;
  bool service_gone = false;  // Fixed only
};

struct Diff {
  std::vector<ServiceChange> services;
  std::vector<FindingChange> findings;
};

// a and b as Store::services returns them (sorted by ip, port).
Diff diff(const std::vector<ServiceRow>& a, const std::vector<ServiceRow>& b);

std::string_view kind_name(ServiceChange::Kind);
std::string_view kind_name(FindingChange::Kind);

// One JSON object per change: {"kind":"service","change":"gone","ip":…,"port":…} and
// {"kind":"finding","change":"fixed","ip":…,"port":…,"id":…,"severity":…,"service_gone":…}.
std::vector<nlohmann::json> to_json(const Diff& d);

}  // namespace dicomsec::store
