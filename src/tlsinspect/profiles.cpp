#include "tlsinspect/profiles.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <string>

namespace dicomsec::tlsinspect {

namespace {

using V = Version;
using R = RequirementResult;
using In = ProfileInputs;
using Check = std::function<R(const In&)>;

R ok() { return {}; }
R fail(std::string why) { return {VerdictStatus::Fail, std::move(why)}; }
R undecided(std::string why) { return {VerdictStatus::NotDeterminable, std::move(why)}; }

bool accepted(const AuditSummary& a, Version v) {
  return std::any_of(a.accepted.begin(), a.accepted.end(),
                     [v](const AcceptedVersion& av) { return av.version == v; });
}

bool has_suite(const AuditSummary& a, std::string_view name) {
  const auto* wanted = find_suite_by_name(name);
  if (!wanted) return false;
  for (const auto& av : a.accepted)
    if (std::find(av.suites.begin(), av.suites.end(), wanted->id) != av.suites.end()) return true;
  return false;
}

// Every accepted suite with the version it was accepted in.
template <typename F>
void each_suite(const AuditSummary& a, F&& f) {
  for (const auto& av : a.accepted)
    for (const auto id : av.suites)
      if (const auto* s = find_suite(id)) f(av.version, *s);
}

bool is_dhe(const CipherSuite& s) {
  return !(s.flags & kTls13) && (s.flags & kPfs) && std::string_view(s.kx).starts_with("DH");
}
bool is_ecdhe(const CipherSuite& s) {
  return !(s.flags & kTls13) && (s.flags & kPfs) && std::string_view(s.kx).starts_with("ECDH");
}

// A missing version or suite is only a fact when the enumeration ran to the server's refusal.
R missing(const AuditSummary& a, std::string what) {
  if (a.complete) return fail(std::move(what));
  return undecided(what + " (enumeration cut short)");
}

std::string flag_words(std::uint32_t f) {
  std::string out;
  auto add = [&](std::uint32_t bit, const char* word) {
    if (!(f & bit)) return;
    if (!out.empty()) out += '/';
    out += word;
  };
  add(kNull, "NULL");
  add(kExport, "export");
  add(kAnon, "anonymous");
  add(kRc4, "RC4");
  add(kDes, "DES");
  add(kTripleDes, "3DES");
  add(kCbc, "CBC");
  add(kWeakMac, "MD5");
  return out;
}

// ---- checks, each one measurable requirement -------------------------------------------

Check speaks_tls() {
  return [](const In& in) {
    for (auto v : {V::Tls10, V::Tls11, V::Tls12, V::Tls13})
      if (accepted(in.audit, v)) return ok();
    return missing(in.audit, "no TLS version (1.0 or newer) accepted");
  };
}

Check require_version(Version v) {
  return [v](const In& in) {
    if (accepted(in.audit, v)) return ok();
    return missing(in.audit, fmt::format("{} not accepted", version_name(v)));
  };
}

Check forbid_versions(std::vector<Version> vs) {
  return [vs](const In& in) {
    std::vector<std::string_view> bad;
    for (auto v : vs)
      if (accepted(in.audit, v)) bad.push_back(version_name(v));
    if (bad.empty()) return ok();
    return fail(fmt::format("{} accepted", fmt::join(bad, ", ")));
  };
}

Check forbid_flags(std::uint32_t flags) {
  return [flags](const In& in) {
    std::vector<std::string> bad;
    each_suite(in.audit, [&](Version v, const CipherSuite& s) {
      if (const auto f = s.flags & flags; f != 0)
        bad.push_back(fmt::format("{} {} ({})", version_name(v), s.iana, flag_words(f)));
    });
    if (bad.empty()) return ok();
    return fail(fmt::format("accepted: {}", fmt::join(bad, ", ")));
  };
}

Check require_any(std::vector<std::string_view> names) {
  return [names](const In& in) {
    for (auto n : names)
      if (has_suite(in.audit, n)) return ok();
    return missing(in.audit, fmt::format("none of {} accepted", fmt::join(names, ", ")));
  };
}

Check require_all(std::vector<std::string_view> names) {
  return [names](const In& in) {
    std::vector<std::string_view> absent;
    for (auto n : names)
      if (!has_suite(in.audit, n)) absent.push_back(n);
    if (absent.empty()) return ok();
    return missing(in.audit, fmt::format("not accepted: {}", fmt::join(absent, ", ")));
  };
}

// TLS 1.3 suites a server must offer: a server without TLS 1.3 offers none of them.
Check require_all_tls13(std::vector<std::string_view> names) {
  return [names](const In& in) {
    if (!accepted(in.audit, V::Tls13))
      return missing(in.audit, fmt::format("TLSv1.3 not accepted, so none of {} is offered",
                                           fmt::join(names, ", ")));
    std::vector<std::string_view> absent;
    for (auto n : names)
      if (!has_suite(in.audit, n)) absent.push_back(n);
    if (absent.empty()) return ok();
    return missing(in.audit, fmt::format("TLSv1.3 without {}", fmt::join(absent, ", ")));
  };
}

// TLS <= 1.2 suites limited to forward-secret (EC)DHE, RSA or ECDSA certificates, AEAD.
Check only_pfs_aead_tls12() {
  return [](const In& in) {
    std::vector<std::string> bad;
    each_suite(in.audit, [&](Version v, const CipherSuite& s) {
      if (s.flags & kTls13) return;
      const std::string_view au = s.au;
      std::vector<std::string_view> why;
      if (!(s.flags & kPfs)) why.push_back("no forward secrecy");
      if (!(s.flags & kAead)) why.push_back("not AEAD");
      if (s.flags & (kPsk | kAnon) || (au != "RSA" && au != "ECDSA"))
        why.push_back("not RSA/ECDSA authenticated");
      if (!why.empty())
        bad.push_back(fmt::format("{} {} ({})", version_name(v), s.iana, fmt::join(why, ", ")));
    });
    if (bad.empty()) return ok();
    return fail(fmt::format("accepted: {}", fmt::join(bad, "; ")));
  };
}

Check min_dh_bits(unsigned bits) {
  return [bits](const In& in) {
    bool dhe = false;
    each_suite(in.audit, [&](Version, const CipherSuite& s) { dhe = dhe || is_dhe(s); });
    if (!dhe) return ok();
    if (!in.audit.dh_bits) return undecided("DHE accepted but the prime's size was not seen");
    if (*in.audit.dh_bits < bits)
      return fail(fmt::format("DHE group of {} bits (< {})", *in.audit.dh_bits, bits));
    return ok();
  };
}

// "DHE only where the implementation lets the key length be set": a configuration fact no
// handshake shows; decided only when no DHE suite is accepted at all.
Check dhe_length_settable() {
  return [](const In& in) {
    std::vector<std::string> dhe;
    each_suite(in.audit, [&](Version, const CipherSuite& s) {
      if (is_dhe(s)) dhe.emplace_back(s.iana);
    });
    if (dhe.empty()) return ok();
    return undecided(
        fmt::format("DHE suites accepted ({}); whether the DHE key length can be set is not "
                    "visible on the wire",
                    fmt::join(dhe, ", ")));
  };
}

// Named groups below 256 bits (RFC 8422 / RFC 4492 registry: the sect163..sect239 and
// secp160..secp224 curves). x25519 counts as the 256-bit class.
bool small_curve(std::uint16_t id) { return (id >= 1 && id <= 8) || (id >= 15 && id <= 21); }

Check min_ecdhe_bits() {
  return [](const In& in) {
    bool ecdhe = accepted(in.audit, V::Tls13);
    each_suite(in.audit, [&](Version, const CipherSuite& s) { ecdhe = ecdhe || is_ecdhe(s); });
    if (!ecdhe) return ok();
    std::vector<std::string> small;
    for (auto g : in.audit.groups)
      if (small_curve(g)) small.push_back(group_name(g));
    if (!small.empty())
      return fail(fmt::format("curves below 256 bits accepted: {}", fmt::join(small, ", ")));
    if (in.audit.groups.empty())
      return undecided("ECDHE accepted but its groups were not enumerated");
    return ok();
  };
}

Check prefers_tls13() {
  return [](const In& in) {
    if (!accepted(in.audit, V::Tls13)) return ok();  // nothing to prefer
    if (!in.facts.negotiated)
      return undecided("no handshake offered TLSv1.3 and TLSv1.2 together to completion");
    if (*in.facts.negotiated == V::Tls13) return ok();
    return fail(fmt::format("offered TLSv1.3 and TLSv1.2, the server chose {}",
                            version_name(*in.facts.negotiated)));
  };
}

// B.3: with AES and 3DES both offered, AES is chosen.
Check prefers_aes_over_3des() {
  return [](const In& in) {
    const auto* aes = find_suite_by_name("TLS_RSA_WITH_AES_128_CBC_SHA");
    const auto* des3 = find_suite_by_name("TLS_RSA_WITH_3DES_EDE_CBC_SHA");
    for (const auto& av : in.audit.accepted) {
      const auto a = std::find(av.suites.begin(), av.suites.end(), aes->id);
      const auto d = std::find(av.suites.begin(), av.suites.end(), des3->id);
      if (a == av.suites.end() || d == av.suites.end()) continue;
      if (in.audit.server_preference != true)
        return undecided("the client's order decides between AES and 3DES on this server");
      if (d < a) return fail(fmt::format("{} picks 3DES before AES", version_name(av.version)));
    }
    return ok();
  };
}

// ---- the profiles ------------------------------------------------------------------------

// RFC 7525 4.2 / PS3.15 B.9, B.10: the four AES-GCM suites.
const std::vector<std::string_view> kBcp195Suites = {
    "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"};

// PS3.15 B.13 TLS 1.3 suites a server offers (read from DCMTK's encoding of the profile: the
// table itself is not in the stored text of the section).
const std::vector<std::string_view> kModifiedTls13 = {
    "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_8_SHA256"};

// RFC 7525 4.1 / RFC 9325 4.1 MUST NOTs: NULL, RC4, anonymous, export, below 112 bits.
constexpr std::uint32_t kBcp195Forbidden = kNull | kExport | kAnon | kRc4 | kDes;

std::vector<ProfileRule> make_rules() {
  return {
      {"bcp195", "BCP195 TLS Secure Transport Connection Profile (PS3.15 B.9)", false},
      {"bcp195-nd", "Non-Downgrading BCP195 TLS Secure Transport Connection Profile (PS3.15 B.10)",
       false},
      {"bcp195-ext", "Extended BCP195 TLS Secure Transport Connection Profile (PS3.15 B.11)",
       false},
      {"bcp195-rfc8996",
       "BCP 195 RFC 8996, 9325 TLS Secure Transport Connection Profile (PS3.15 B.12)", false},
      {"bcp195-rfc8996-mod",
       "Modified BCP 195 RFC 8996, 9325 TLS Secure Transport Connection Profile (PS3.15 B.13)",
       false},
      {"basic", "Basic TLS Secure Transport Connection Profile (PS3.15 B.1, retired)", true},
      {"aes", "AES TLS Secure Transport Connection Profile (PS3.15 B.3, retired)", true},
      {"null", "Authenticated unencrypted TLS (TLS_RSA_WITH_NULL_SHA, IHE ATNA; retired)", true},
  };
}

void add(std::vector<Requirement>& out, std::string_view profile, std::string_view section,
         std::string_view text, Check check) {
  out.push_back({profile, section, text, Binds::Server, std::move(check)});
}
void note(std::vector<Requirement>& out, std::string_view profile, std::string_view section,
          std::string_view text, Binds binds) {
  out.push_back({profile, section, text, binds, {}});
}

// The rows shared by the four profiles that build on BCP 195 without TLS 1.0/1.1.
void bcp195_base(std::vector<Requirement>& r, std::string_view id, std::string_view sec) {
  add(r, id, sec, "TLS 1.2 is supported", require_version(V::Tls12));
  add(r, id, sec, "SSL 3.0 is never negotiated (BCP 195)", forbid_versions({V::Ssl3}));
  add(r, id, sec, "no NULL, RC4, anonymous, export or single-DES suite (BCP 195)",
      forbid_flags(kBcp195Forbidden));
  note(r, id, sec, "the conformance statement names the TLS ports, kept apart from cleartext ports",
       Binds::Document);
  note(r, id, sec, "a client attempts TLS even when the server does not announce it",
       Binds::Client);
}

std::vector<Requirement> make_requirements() {
  std::vector<Requirement> r;
  // B.9
  bcp195_base(r, "bcp195", "B.9");
  add(r, "bcp195", "B.9", "at least one of the four BCP 195 AES-GCM suites is accepted",
      require_any(kBcp195Suites));
  // B.10
  bcp195_base(r, "bcp195-nd", "B.10");
  add(r, "bcp195-nd", "B.10", "TLS 1.0 and 1.1 are never negotiated",
      forbid_versions({V::Tls10, V::Tls11}));
  add(r, "bcp195-nd", "B.10", "all four BCP 195 AES-GCM suites are accepted",
      require_all(kBcp195Suites));
  // B.11
  bcp195_base(r, "bcp195-ext", "B.11");
  add(r, "bcp195-ext", "B.11", "TLS 1.0 and 1.1 are never negotiated",
      forbid_versions({V::Tls10, V::Tls11}));
  add(r, "bcp195-ext", "B.11", "TLS 1.2 suites only (EC)DHE, RSA or ECDSA certificate, AEAD",
      only_pfs_aead_tls12());
  add(r, "bcp195-ext", "B.11", "a DHE group has 2048 bits or more", min_dh_bits(2048));
  add(r, "bcp195-ext", "B.11", "an ECDHE curve has 256 bits or more", min_ecdhe_bits());
  note(r, "bcp195-ext", "B.11",
       "one or more of the listed suites should be supported (should: not judged)",
       Binds::Document);
  // B.12
  bcp195_base(r, "bcp195-rfc8996", "B.12");
  add(r, "bcp195-rfc8996", "B.12", "TLS 1.0 and 1.1 are never negotiated (RFC 8996)",
      forbid_versions({V::Tls10, V::Tls11}));
  add(r, "bcp195-rfc8996", "B.12", "a server that has TLS 1.3 chooses it when the client offers it",
      prefers_tls13());
  note(r, "bcp195-rfc8996", "B.12", "a client that has TLS 1.3 tries to negotiate it",
       Binds::Client);
  // B.13
  bcp195_base(r, "bcp195-rfc8996-mod", "B.13");
  add(r, "bcp195-rfc8996-mod", "B.13", "TLS 1.0 and 1.1 are never negotiated (RFC 8996)",
      forbid_versions({V::Tls10, V::Tls11}));
  add(r, "bcp195-rfc8996-mod", "B.13",
      "a server that has TLS 1.3 chooses it when the client offers it", prefers_tls13());
  add(r, "bcp195-rfc8996-mod", "B.13",
      "only the permitted algorithms: TLS 1.2 suites are (EC)DHE, RSA/ECDSA, AEAD (no static RSA, "
      "CBC, SHA-1 MAC, 3DES)",
      only_pfs_aead_tls12());
  add(r, "bcp195-rfc8996-mod", "B.13", "a DHE group has 2048 bits or more", min_dh_bits(2048));
  add(r, "bcp195-rfc8996-mod", "B.13",
      "DHE suites only where the implementation lets the DHE key length be set",
      dhe_length_settable());
  add(r, "bcp195-rfc8996-mod", "B.13", "an ECDHE curve has 256 bits or more", min_ecdhe_bits());
  add(r, "bcp195-rfc8996-mod", "B.13", "the server supports every listed TLS 1.3 suite",
      require_all_tls13(kModifiedTls13));
  note(r, "bcp195-rfc8996-mod", "B.13", "a TLS 1.3 client supports at least one listed suite",
       Binds::Client);
  // B.1 (retired)
  add(r, "basic", "B.1", "the server speaks TLS (1.0 or newer)", speaks_tls());
  add(r, "basic", "B.1",
      "RSA certificates, RSA key exchange, SHA and 3DES-EDE-CBC: TLS_RSA_WITH_3DES_EDE_CBC_SHA",
      require_all({"TLS_RSA_WITH_3DES_EDE_CBC_SHA"}));
  note(r, "basic", "B.1", "the conformance statement names the TLS ports and key management",
       Binds::Document);
  // B.3 (retired)
  add(r, "aes", "B.3", "the server speaks TLS (1.0 or newer)", speaks_tls());
  add(r, "aes", "B.3", "TLS_RSA_WITH_AES_128_CBC_SHA and the Basic profile's 3DES suite",
      require_all({"TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"}));
  add(r, "aes", "B.3", "with both offered, AES is chosen over 3DES", prefers_aes_over_3des());
  note(r, "aes", "B.3", "the conformance statement names the TLS ports and key management",
       Binds::Document);
  // IHE ATNA authenticated unencrypted (retired)
  add(r, "null", "ATNA", "the server speaks TLS (1.0 or newer)", speaks_tls());
  add(r, "null", "ATNA", "TLS_RSA_WITH_NULL_SHA is accepted",
      require_all({"TLS_RSA_WITH_NULL_SHA"}));
  return r;
}

}  // namespace

std::string_view status_name(VerdictStatus s) {
  switch (s) {
    case VerdictStatus::Pass:
      return "pass";
    case VerdictStatus::Fail:
      return "fail";
    case VerdictStatus::NotDeterminable:
      return "not-determinable";
  }
  return "fail";
}

std::span<const ProfileRule> profile_rules() {
  static const std::vector<ProfileRule> rules = make_rules();
  return rules;
}

std::span<const Requirement> profile_requirements() {
  static const std::vector<Requirement> rows = make_requirements();
  return rows;
}

std::vector<ProfileVerdict> evaluate_profiles(const AuditSummary& audit,
                                              const ProfileFacts& facts) {
  const ProfileInputs in{audit, facts};
  std::vector<ProfileVerdict> out;
  for (const auto& p : profile_rules()) {
    ProfileVerdict v;
    v.id = p.id;
    v.name = p.name;
    v.retired = p.retired;
    if (audit.accepted.empty()) {
      v.status = VerdictStatus::Fail;
      v.reasons.emplace_back("no TLS version accepted");
      out.push_back(std::move(v));
      continue;
    }
    std::vector<std::string> failed, undecided_rows;
    for (const auto& req : profile_requirements()) {
      if (req.profile != p.id || !req.check) continue;
      const auto res = req.check(in);
      if (res.status == VerdictStatus::Fail)
        failed.push_back(fmt::format("{}: {}", req.section, res.detail));
      else if (res.status == VerdictStatus::NotDeterminable)
        undecided_rows.push_back(fmt::format("not determinable: {}: {}", req.section, res.detail));
    }
    v.status = !failed.empty()           ? VerdictStatus::Fail
               : !undecided_rows.empty() ? VerdictStatus::NotDeterminable
                                         : VerdictStatus::Pass;
    v.reasons = std::move(failed);
    v.reasons.insert(v.reasons.end(), undecided_rows.begin(), undecided_rows.end());
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace dicomsec::tlsinspect
