// What changed between two stored scans: services (keyed by ip:port) that are new, gone or
// changed (status, DICOM, TLS, association result, product), and findings (keyed by ip,
// port, id) that are new, fixed or still open. A finding of a service that is gone counts
// as fixed, flagged service_gone: the hole is not observed any more, but nobody closed it
// on purpose as far as the scan can tell.
//
// Issues 12 §5 and 13 §5: a finding is "fixed" (or "new") only when both scans looked. When
// the scan that lacks it did not look (another level, other ports or addresses, a scan that
// did not finish, an inconclusive random called AE check, an access check left untested,
// no TLS audit), the change is "not-checked", with the reason; so is a service "gone" from
// a scan that did not probe its address or port. `diff --fail-on` counts only "new".
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scan/targets.hpp"
#include "store/store.hpp"

namespace dicomsec::store {

struct ServiceChange {
  enum class Kind { New, Gone, Changed, NotChecked } kind = Kind::New;
  std::string ip;
  std::uint16_t port = 0;
  struct Field {
    std::string name, before, after;
  };
  std::vector<Field> fields;  // Changed only
  std::string reason;         // NotChecked only: which scan did not look, and why
};

struct FindingChange {
  enum class Kind { New, Fixed, Open, NotChecked } kind = Kind::New;
  std::string ip;
  std::uint16_t port = 0;
  std::string id, severity;
  bool service_gone = false;  // Fixed only
  std::string reason;         // NotChecked only: which scan did not look, and why
};

struct Diff {
  std::vector<ServiceChange> services;
  std::vector<FindingChange> findings;
};

// What one scan looked at, from its stored options and records. Unknown parts (a hostname
// target, an -iL file no longer readable) count as looked at.
struct Coverage {
  std::string level;  // safe | auth | intrusive; "" unknown (any)
  bool finished = true;
  std::optional<std::set<std::uint16_t>> ports;              // nullopt: unknown
  std::optional<std::vector<scan::AddressRange>> addresses;  // nullopt: unknown
  std::vector<scan::AddressRange> excludes;
  std::map<std::pair<std::string, std::uint16_t>, nlohmann::json> records;  // by ip, port

  // Why this scan did not probe ip:port, or nullopt when it did (or may have).
  [[nodiscard]] std::optional<std::string> not_probed(const std::string& ip,
                                                      std::uint16_t port) const;
  // Why this scan did not check finding `id` on ip:port, or nullopt when it did.
  [[nodiscard]] std::optional<std::string> not_checked(const std::string& ip, std::uint16_t port,
                                                       std::string_view id) const;
};

// From ScanInfo::options (the scan command's stored options) and its records.
Coverage coverage(const ScanInfo& info, const std::vector<nlohmann::json>& records);

// a and b as Store::services returns them (sorted by ip, port). Without coverages every
// difference is taken as observed (new, gone, fixed).
Diff diff(const std::vector<ServiceRow>& a, const std::vector<ServiceRow>& b,
          const Coverage* ca = nullptr, const Coverage* cb = nullptr);

std::string_view kind_name(ServiceChange::Kind);
std::string_view kind_name(FindingChange::Kind);

// One JSON object per change: {"kind":"service","change":"gone","ip":…,"port":…} and
// {"kind":"finding","change":"fixed","ip":…,"port":…,"id":…,"severity":…,"service_gone":…};
// a "not-checked" change carries "reason".
std::vector<nlohmann::json> to_json(const Diff& d);

}  // namespace dicomsec::store
