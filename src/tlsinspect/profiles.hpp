// DICOM PS3.15 Annex B secure transport connection profiles as data, and the one function
// that judges an audited server against each of them.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "record/record.hpp"
#include "tlsinspect/suites.hpp"

namespace dicomsec::tlsinspect {

// What a profile asks of a server, in terms the audit measures. Suite lists are IANA names.
struct ProfileRule {
  std::string_view id;    // the key in tls_audit.profiles
  std::string_view name;  // with its PS3.15 section
  bool retired = false;
  std::vector<Version> forbidden_versions;           // must not be accepted
  std::vector<Version> required_versions;            // must be accepted
  std::uint32_t forbidden_flags = 0;                 // SuiteFlag bits no accepted suite may have
  bool forbid_static_kx = false;                     // every TLS <= 1.2 suite must be (EC)DHE
  std::vector<std::string_view> required_any;        // at least one accepted
  std::vector<std::string_view> required_all;        // every one accepted
  std::vector<std::string_view> required_all_tls13;  // every one accepted, when TLS 1.3 is
  std::vector<std::string_view> allowed_tls12;       // non-empty: the only TLS <= 1.2 suites
  unsigned min_dh_bits = 0;                          // DHE prime, when DHE was negotiated
};

std::span<const ProfileRule> profile_rules();

// One verdict per profile, in profile_rules() order; reasons name each failed requirement.
std::vector<record::TlsProfileVerdict> evaluate_profiles(const record::TlsAuditRecord& audit);

}  // namespace dicomsec::tlsinspect
