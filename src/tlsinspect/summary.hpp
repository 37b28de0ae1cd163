// What the raw-handshake enumeration established about one server, in the codec's own terms
// (versions and suite/group ids, not names). The profile verdicts read it; probes map it into
// the scan record (src/probes/tls/audit_record.hpp). tlsinspect never sees the record.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "tlsinspect/planner.hpp"
#include "tlsinspect/suites.hpp"

namespace dicomsec::tlsinspect {

struct AcceptedVersion {
  Version version{};
  std::vector<std::uint16_t> suites;  // in the order the server picked them
};

struct AuditSummary {
  std::vector<AcceptedVersion> accepted;  // accepted versions, oldest first
  std::optional<bool> server_preference;  // the newest version's verdict speaks for the server
  std::vector<std::uint16_t> groups;      // key exchange groups accepted, in discovery order
  std::optional<unsigned> dh_bits;        // smallest DHE prime the server sent (TLS <= 1.2)
  std::optional<bool> encrypt_then_mac;   // RFC 7366 acknowledged on every CBC handshake
  unsigned handshakes = 0;                // questions asked
  bool certificate_request = false;       // CertificateRequest seen in a TLS <= 1.2 flight
  bool complete = false;  // every version decided, each accepted one enumerated to refusal
};

AuditSummary summarize(const PlannerResult& result);

}  // namespace dicomsec::tlsinspect
