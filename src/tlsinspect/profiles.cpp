#include "tlsinspect/profiles.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <string>

namespace dicomsec::tlsinspect {

namespace {

// The cipher suites named by PS3.15 B.9 / B.10 (the four AES-GCM suites of RFC 7525 4.2).
const std::vector<std::string_view> kBcp195Suites = {
    "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"};

// PS3.15 B.11 Extended BCP 195: ECDHE/DHE with AES-GCM only.
const std::vector<std::string_view> kExtendedSuites = {
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",   "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",     "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"};

// BCP 195 (RFC 7525 4.1 / RFC 9325 4.1): never NULL, RC4, export or anonymous suites, nor
// ones below 112 bits (single DES).
constexpr std::uint32_t kBcp195Forbidden = kNull | kExport | kAnon | kRc4 | kDes;

std::vector<ProfileRule> make_rules() {
  using V = Version;
  std::vector<ProfileRule> r;
  // B.9: TLS 1.2 required, SSL forbidden; TLS 1.0/1.1 only discouraged (hence B.10).
  {
    ProfileRule p;
    p.id = "bcp195";
    p.name = "BCP195 TLS Secure Transport Connection Profile (PS3.15 B.9)";
    p.forbidden_versions = {V::Ssl3};
    p.required_versions = {V::Tls12};
    p.forbidden_flags = kBcp195Forbidden;
    p.required_any = kBcp195Suites;
    p.min_dh_bits = 2048;
    r.push_back(std::move(p));
  }
  // B.10: as B.9, and the server never falls back to TLS 1.0 or 1.1.
  {
    ProfileRule p;
    p.id = "bcp195-nd";
    p.name = "Non-Downgrading BCP195 TLS Secure Transport Connection Profile (PS3.15 B.10)";
    p.forbidden_versions = {V::Ssl3, V::Tls10, V::Tls11};
    p.required_versions = {V::Tls12};
    p.forbidden_flags = kBcp195Forbidden;
    p.required_any = kBcp195Suites;
    p.min_dh_bits = 2048;
    r.push_back(std::move(p));
  }
  // B.11: non-downgrading, and TLS 1.2 suites limited to (EC)DHE with AES-GCM.
  {
    ProfileRule p;
    p.id = "bcp195-ext";
    p.name = "Extended BCP195 TLS Secure Transport Connection Profile (PS3.15 B.11)";
    p.forbidden_versions = {V::Ssl3, V::Tls10, V::Tls11};
    p.required_versions = {V::Tls12};
    p.forbidden_flags = kBcp195Forbidden | kTripleDes | kCbc;
    p.forbid_static_kx = true;
    p.required_any = kExtendedSuites;
    p.allowed_tls12 = kExtendedSuites;
    p.min_dh_bits = 2048;
    r.push_back(std::move(p));
  }
  // B.12: RFC 8996 removes TLS 1.0/1.1; RFC 9325 4.2 requires >= 128-bit suites (no 3DES).
  {
    ProfileRule p;
    p.id = "bcp195-rfc8996";
    p.name = "BCP 195 RFC 8996, 9325 TLS Secure Transport Connection Profile (PS3.15 B.12)";
    p.forbidden_versions = {V::Ssl3, V::Tls10, V::Tls11};
    p.required_versions = {V::Tls12};
    p.forbidden_flags = kBcp195Forbidden | kTripleDes;
    p.required_any = kBcp195Suites;
    p.min_dh_bits = 2048;
    r.push_back(std::move(p));
  }
  // B.13: B.12 restricted to forward-secret AEAD suites; TLS 1.3 servers offer the AES-GCM
  // suites.
  {
    ProfileRule p;
    p.id = "bcp195-rfc8996-mod";
    p.name =
        "Modified BCP 195 RFC 8996, 9325 TLS Secure Transport Connection Profile (PS3.15 B.13)";
    p.forbidden_versions = {V::Ssl3, V::Tls10, V::Tls11};
    p.required_versions = {V::Tls12};
    p.forbidden_flags = kBcp195Forbidden | kTripleDes | kCbc;
    p.forbid_static_kx = true;
    p.required_any = kBcp195Suites;
    p.required_all_tls13 = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"};
    p.min_dh_bits = 2048;
    r.push_back(std::move(p));
  }
  // Retired profiles: a server conforms when it offers the profile's suite.
  {
    ProfileRule p;
    p.id = "basic";
    p.name = "Basic TLS Secure Transport Connection Profile (PS3.15 B.1, retired)";
    p.retired = true;
    p.forbidden_versions = {V::Ssl3};
    p.required_all = {"TLS_RSA_WITH_3DES_EDE_CBC_SHA"};
    r.push_back(std::move(p));
  }
  {
    ProfileRule p;
    p.id = "aes";
    p.name = "AES TLS Secure Transport Connection Profile (PS3.15 B.3, retired)";
    p.retired = true;
    p.forbidden_versions = {V::Ssl3};
    p.required_all = {"TLS_RSA_WITH_AES_128_CBC_SHA"};
    r.push_back(std::move(p));
  }
  {
    ProfileRule p;
    p.id = "null";
    p.name = "Non-encrypting TLS (TLS_RSA_WITH_NULL_SHA, IHE ATNA; retired)";
    p.retired = true;
    p.forbidden_versions = {V::Ssl3};
    p.required_all = {"TLS_RSA_WITH_NULL_SHA"};
    r.push_back(std::move(p));
  }
  return r;
}

bool accepted_version(const AuditSummary& a, Version v) {
  return std::any_of(a.accepted.begin(), a.accepted.end(),
                     [v](const AcceptedVersion& av) { return av.version == v; });
}

bool accepted_suite(const AuditSummary& a, std::string_view name) {
  const auto* wanted = find_suite_by_name(name);
  if (!wanted) return false;
  for (const auto& av : a.accepted)
    if (std::find(av.suites.begin(), av.suites.end(), wanted->id) != av.suites.end()) return true;
  return false;
}

std::string flag_words(std::uint32_t f) {
  std::string out;
  auto add = [&](std::uint32_t bit, const char* word) {
    if (!(f & bit)) return;
    if (!out.empty()) out += '/';
    out += word;
  };
  add(kNull, "NULL");
  add(kExport, "EXPORT");
  add(kAnon, "anonymous");
  add(kRc4, "RC4");
  add(kDes, "DES");
  add(kTripleDes, "3DES");
  add(kCbc, "CBC");
  return out;
}

std::vector<std::string> check(const ProfileRule& p, const AuditSummary& a) {
  std::vector<std::string> why;
  if (a.accepted.empty()) {
    why.emplace_back("no TLS version accepted");
    return why;
  }
  for (auto v : p.forbidden_versions)
    if (accepted_version(a, v)) why.push_back(fmt::format("{} accepted", version_name(v)));
  for (auto v : p.required_versions)
    if (!accepted_version(a, v)) why.push_back(fmt::format("{} not accepted", version_name(v)));
  for (const auto& av : a.accepted) {
    const auto version = version_name(av.version);
    for (const auto id : av.suites) {
      const auto* s = find_suite(id);
      if (!s) continue;
      const std::string_view name = s->iana;
      if (const auto bad = s->flags & p.forbidden_flags; bad != 0)
        why.push_back(fmt::format("{} suite {} accepted ({})", version, name, flag_words(bad)));
      else if (p.forbid_static_kx && !(s->flags & kTls13) && !(s->flags & kPfs))
        why.push_back(fmt::format("{} suite {} accepted (no forward secrecy)", version, name));
      else if (!p.allowed_tls12.empty() && !(s->flags & kTls13) &&
               std::find(p.allowed_tls12.begin(), p.allowed_tls12.end(), name) ==
                   p.allowed_tls12.end())
        why.push_back(fmt::format("{} suite {} accepted (not in the profile)", version, name));
    }
  }
  if (!p.required_any.empty() &&
      std::none_of(p.required_any.begin(), p.required_any.end(),
                   [&](std::string_view n) { return accepted_suite(a, n); }))
    why.push_back(fmt::format("none of {} accepted", fmt::join(p.required_any, ", ")));
  for (auto n : p.required_all)
    if (!accepted_suite(a, n)) why.push_back(fmt::format("{} not accepted", n));
  if (accepted_version(a, Version::Tls13))
    for (auto n : p.required_all_tls13)
      if (!accepted_suite(a, n)) why.push_back(fmt::format("TLSv1.3 without {}", n));
  if (p.min_dh_bits != 0 && a.dh_bits && *a.dh_bits < p.min_dh_bits)
    why.push_back(fmt::format("DHE group of {} bits (< {})", *a.dh_bits, p.min_dh_bits));
  return why;
}

}  // namespace

std::span<const ProfileRule> profile_rules() {
  static const std::vector<ProfileRule> rules = make_rules();
  return rules;
}

std::vector<ProfileVerdict> evaluate_profiles(const AuditSummary& audit) {
  std::vector<ProfileVerdict> out;
  for (const auto& p : profile_rules()) {
    ProfileVerdict v;
    v.id = p.id;
    v.name = p.name;
    v.retired = p.retired;
    v.reasons = check(p, audit);
    v.status = v.reasons.empty() ? VerdictStatus::Pass : VerdictStatus::Fail;
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace dicomsec::tlsinspect
