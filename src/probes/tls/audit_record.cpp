#include "probes/tls/audit_record.hpp"

#include <string>

namespace dicomsec::probes::tls {

void to_record(const tlsinspect::AuditSummary& s, record::TlsAuditRecord& audit) {
  audit.versions.clear();
  audit.ciphers.clear();
  for (const auto& av : s.accepted) {
    const std::string version(tlsinspect::version_name(av.version));
    audit.versions.push_back(version);
    record::TlsVersionCiphers vc;
    vc.version = version;
    for (auto id : av.suites) vc.ciphers.push_back(tlsinspect::suite_name(id));
    audit.ciphers.push_back(std::move(vc));
  }
  audit.server_preference = s.server_preference;
  audit.groups.clear();
  for (auto g : s.groups) audit.groups.push_back(tlsinspect::group_name(g));
  audit.dh_bits = s.dh_bits;
  audit.encrypt_then_mac = s.encrypt_then_mac;
  audit.complete = s.complete;
  audit.handshakes += s.handshakes;
  audit.client_cert_requested = audit.client_cert_requested || s.certificate_request;
}

record::TlsProfileVerdict to_record(const tlsinspect::ProfileVerdict& v) {
  record::TlsProfileVerdict out;
  out.id = std::string(v.id);
  out.name = std::string(v.name);
  out.retired = v.retired;
  out.status = std::string(tlsinspect::status_name(v.status));
  out.reasons = v.reasons;
  return out;
}

std::vector<record::TlsProfileVerdict> to_record(
    std::span<const tlsinspect::ProfileVerdict> verdicts) {
  std::vector<record::TlsProfileVerdict> out;
  out.reserve(verdicts.size());
  for (const auto& v : verdicts) out.push_back(to_record(v));
  return out;
}

}  // namespace dicomsec::probes::tls
