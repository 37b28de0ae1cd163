// DICOM PS3.15 Annex B secure transport connection profiles, one requirement at a time, and
// the function that judges an audited server against each of them. docs/design.md
// "PS3.15 profile requirements" is the table these rows come from (section, paraphrase, who
// it binds, how it is measured, and the verdict when the wire cannot show it).
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tlsinspect/suites.hpp"
#include "tlsinspect/summary.hpp"

namespace dicomsec::tlsinspect {

// pass: the audit shows the requirement met; fail: it shows it broken; not-determinable: the
// handshakes cannot show it (or the enumeration was cut short before it could).
enum class VerdictStatus { Pass, Fail, NotDeterminable };
std::string_view status_name(VerdictStatus s);  // "pass", "fail", "not-determinable"

// What the profile verdicts read besides the raw enumeration.
struct ProfileFacts {
  // The version an ordinary client that offers TLS 1.3 and 1.2 together got (the OpenSSL
  // handshake of the audit); nullopt when that handshake did not get that far.
  std::optional<Version> negotiated;
};

struct ProfileInputs {
  const AuditSummary& audit;
  const ProfileFacts& facts;
};

struct RequirementResult {
  VerdictStatus status = VerdictStatus::Pass;
  std::string detail;  // why, for fail and not-determinable
};

// Who a sentence of the profile binds. Only Server rows enter a server's verdict; Client and
// Document rows are listed so the table is complete, and say why they are not judged.
enum class Binds { Server, Client, Document };

struct Requirement {
  std::string_view profile;  // ProfileRule::id
  std::string_view section;  // "B.13"
  std::string_view text;     // the requirement in our words
  Binds binds = Binds::Server;
  std::function<RequirementResult(const ProfileInputs&)> check;  // empty unless Server
};

struct ProfileRule {
  std::string_view id;    // the key in tls_audit.profiles
  std::string_view name;  // with its PS3.15 section
  bool retired = false;
};

std::span<const ProfileRule> profile_rules();
std::span<const Requirement> profile_requirements();  // every row, in profile order

struct ProfileVerdict {
  std::string_view id;    // ProfileRule::id (static storage)
  std::string_view name;  // ProfileRule::name
  bool retired = false;
  // fail if a requirement fails; else not-determinable if one cannot be decided; else pass.
  VerdictStatus status = VerdictStatus::Fail;
  // "B.13: ..." for each failed requirement, then "not determinable: B.13: ..." for each
  // undecided one; empty when the profile passes.
  std::vector<std::string> reasons;

  [[nodiscard]] bool pass() const { return status == VerdictStatus::Pass; }
};

// One verdict per profile, in profile_rules() order.
std::vector<ProfileVerdict> evaluate_profiles(const AuditSummary& audit,
                                              const ProfileFacts& facts = {});

}  // namespace dicomsec::tlsinspect
