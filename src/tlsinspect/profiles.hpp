// DICOM PS3.15 Annex B secure transport connection profiles as data, and the one function
// that judges an audited server against each of them.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tlsinspect/suites.hpp"
#include "tlsinspect/summary.hpp"

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

// Today a verdict is pass or fail; a third value (the audit could not decide, e.g. the
// enumeration was cut short) is planned and will be added here, not in the record.
enum class VerdictStatus { Pass, Fail };

struct ProfileVerdict {
  std::string_view id;    // ProfileRule::id (static storage)
  std::string_view name;  // ProfileRule::name
  bool retired = false;
  VerdictStatus status = VerdictStatus::Fail;
  std::vector<std::string> reasons;  // each failed requirement (empty when it passes)

  [[nodiscard]] bool pass() const { return status == VerdictStatus::Pass; }
};

// One verdict per profile, in profile_rules() order.
std::vector<ProfileVerdict> evaluate_profiles(const AuditSummary& audit);

}  // namespace dicomsec::tlsinspect
