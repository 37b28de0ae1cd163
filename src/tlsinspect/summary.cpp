#include "tlsinspect/summary.hpp"

#include <algorithm>

namespace dicomsec::tlsinspect {

AuditSummary summarize(const PlannerResult& r) {
  AuditSummary s;
  for (const auto& vr : r.versions)
    if (vr.accepted == true) s.accepted.push_back({vr.version, vr.suites});
  for (auto it = r.versions.rbegin(); it != r.versions.rend(); ++it)
    if (it->server_preference) {
      s.server_preference = it->server_preference;
      break;
    }
  s.groups = r.groups;
  s.dh_bits = r.min_dh_bits;
  s.encrypt_then_mac = r.encrypt_then_mac;
  s.handshakes = r.handshakes;
  s.certificate_request = r.certificate_request;
  s.complete = !r.budget_exhausted && !r.versions.empty() &&
               std::all_of(r.versions.begin(), r.versions.end(), [](const VersionResult& vr) {
                 return vr.accepted == false || (vr.accepted == true && vr.complete);
               });
  return s;
}

}  // namespace dicomsec::tlsinspect
