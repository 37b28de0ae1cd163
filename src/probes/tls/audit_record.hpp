// The TLS codec's results mapped into the scan record (docs/design.md §3 tls_audit). The
// codec (src/tlsinspect) speaks in versions and suite ids and never sees the record; this is
// the one place that turns its answers into the record's names. Sans-IO.
#pragma once

#include <span>
#include <vector>

#include "record/record.hpp"
#include "tlsinspect/profiles.hpp"
#include "tlsinspect/summary.hpp"

namespace dicomsec::probes::tls {

// Replaces versions, ciphers, server_preference, groups, dh_bits, encrypt_then_mac and
// complete; adds the handshakes; a CertificateRequest seen here is kept (OR) with one seen
// elsewhere.
void to_record(const tlsinspect::AuditSummary& summary, record::TlsAuditRecord& audit);

record::TlsProfileVerdict to_record(const tlsinspect::ProfileVerdict& verdict);
std::vector<record::TlsProfileVerdict> to_record(
    std::span<const tlsinspect::ProfileVerdict> verdicts);

}  // namespace dicomsec::probes::tls
