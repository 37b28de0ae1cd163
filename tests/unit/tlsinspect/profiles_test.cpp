// Each PS3.15 profile requirement (docs/design.md "PS3.15 profile requirements") met and
// broken on a synthetic audit; the lab servers that do the same are in
// tests/integration/tls_audit_test.cpp.
#include "tlsinspect/profiles.hpp"

#include <gtest/gtest.h>

#include <map>

using namespace dicomsec;
using namespace dicomsec::tlsinspect;

namespace {

// Versions and suites by name, as an administrator (and the lab notes) spell them. The audit
// ran to completion unless a test says otherwise.
AuditSummary audit(const std::map<std::string, std::vector<std::string>>& per_version) {
  AuditSummary a;
  for (const auto& [v, suites] : per_version) {
    AcceptedVersion av;
    const auto version = version_from_name(v);
    EXPECT_TRUE(version) << v;
    av.version = version.value_or(Version::Tls12);
    for (const auto& name : suites) {
      const auto* s = find_suite_by_name(name);
      EXPECT_NE(s, nullptr) << name;
      if (s) av.suites.push_back(s->id);
    }
    a.accepted.push_back(std::move(av));  // the map's name order is oldest first, as planned
  }
  a.groups = {0x001D};  // x25519
  a.complete = true;
  return a;
}

ProfileVerdict verdict(const AuditSummary& a, std::string_view id, ProfileFacts facts = {}) {
  for (auto& v : evaluate_profiles(a, facts))
    if (v.id == id) return v;
  ADD_FAILURE() << id;
  return {};
}

VerdictStatus status(const AuditSummary& a, std::string_view id, ProfileFacts facts = {}) {
  return verdict(a, id, facts).status;
}

bool mentions(const ProfileVerdict& v, std::string_view text) {
  for (const auto& r : v.reasons)
    if (r.find(text) != std::string::npos) return true;
  return false;
}

constexpr auto kPass = VerdictStatus::Pass;
constexpr auto kFail = VerdictStatus::Fail;
constexpr auto kUndecided = VerdictStatus::NotDeterminable;

const std::vector<std::string> kGcm4 = {
    "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"};
const std::vector<std::string> kEcdheGcm = {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                                            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"};
// OpenSSL's default TLS 1.3 list (what DCMTK 3.6.7 storescp and s_server offer).
const std::vector<std::string> kTls13Default = {
    "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"};
// The five PS3.15 B.13 TLS 1.3 suites.
const std::vector<std::string> kTls13Five = {
    "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256",
    "TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_8_SHA256"};

const ProfileFacts kChose13{Version::Tls13};

// A server built to meet B.13: ECDHE + AES-GCM on TLS 1.2, the five TLS 1.3 suites, x25519.
AuditSummary modified_ok() { return audit({{"TLSv1.2", kEcdheGcm}, {"TLSv1.3", kTls13Five}}); }

}  // namespace

TEST(Profiles, EveryProfileHasAVerdict) {
  auto v = evaluate_profiles(AuditSummary{});
  ASSERT_EQ(v.size(), 8U);
  for (const auto& p : v) {
    EXPECT_EQ(p.status, VerdictStatus::Fail);
    EXPECT_EQ(p.reasons, std::vector<std::string>{"no TLS version accepted"});
  }
}

TEST(Profiles, StatusNames) {
  EXPECT_EQ(status_name(kPass), "pass");
  EXPECT_EQ(status_name(kFail), "fail");
  EXPECT_EQ(status_name(kUndecided), "not-determinable");
}

// The table is complete: every server row has a check, every other row none, every profile
// has rows, and the counts the design document states hold.
TEST(Profiles, RequirementTable) {
  std::map<std::string_view, int> rows;
  int server = 0, other = 0;
  for (const auto& r : profile_requirements()) {
    EXPECT_FALSE(r.section.empty());
    EXPECT_FALSE(r.text.empty());
    EXPECT_EQ(static_cast<bool>(r.check), r.binds == Binds::Server) << r.text;
    (r.binds == Binds::Server ? server : other)++;
    rows[r.profile]++;
  }
  for (const auto& p : profile_rules()) EXPECT_GT(rows[p.id], 0) << p.id;
  EXPECT_EQ(server, 38);
  EXPECT_EQ(other, 15);
}

// ---- B.13, the profile of the issue ---------------------------------------------------

TEST(Profiles, ModifiedMetByAServerBuiltForIt) {
  const auto v = verdict(modified_ok(), "bcp195-rfc8996-mod", kChose13);
  EXPECT_EQ(v.status, kPass);
  EXPECT_TRUE(v.reasons.empty());
}

// The bug of issue 12: a TLS-1.2-only server passed B.13.
TEST(Profiles, ModifiedFailsATls12OnlyServer) {
  const auto v = verdict(audit({{"TLSv1.2", kEcdheGcm}}), "bcp195-rfc8996-mod");
  EXPECT_EQ(v.status, kFail);
  EXPECT_TRUE(mentions(v, "TLSv1.3 not accepted")) << v.reasons.front();
}

// OpenSSL's default TLS 1.3 list lacks the two CCM suites.
TEST(Profiles, ModifiedNeedsEveryListedTls13Suite) {
  auto a = audit({{"TLSv1.2", kEcdheGcm}, {"TLSv1.3", kTls13Default}});
  const auto v = verdict(a, "bcp195-rfc8996-mod", kChose13);
  EXPECT_EQ(v.status, kFail);
  EXPECT_TRUE(mentions(v, "TLS_AES_128_CCM_SHA256, TLS_AES_128_CCM_8_SHA256"));
  EXPECT_EQ(status(a, "bcp195-rfc8996", kChose13), kPass);  // B.12 lists no TLS 1.3 suites
}

TEST(Profiles, ModifiedForbidsCbcAndStaticRsa) {
  auto cbc = modified_ok();
  cbc.accepted[0].suites.push_back(find_suite_by_name("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256")->id);
  EXPECT_EQ(status(cbc, "bcp195-rfc8996-mod", kChose13), kFail);
  EXPECT_TRUE(mentions(verdict(cbc, "bcp195-rfc8996-mod", kChose13), "not AEAD"));
  auto rsa = modified_ok();
  rsa.accepted[0].suites.push_back(find_suite_by_name("TLS_RSA_WITH_AES_128_GCM_SHA256")->id);
  EXPECT_TRUE(mentions(verdict(rsa, "bcp195-rfc8996-mod", kChose13), "no forward secrecy"));
  EXPECT_EQ(status(rsa, "bcp195-rfc8996", kChose13), kPass);  // B.12 leaves it to "should"
}

// "DHE only where the key length can be set" is a configuration fact: with DHE accepted the
// verdict cannot be pass, only not-determinable (or fail on another row).
TEST(Profiles, ModifiedDheKeyLengthSettingIsNotDeterminable) {
  auto a = modified_ok();
  a.accepted[0].suites.push_back(find_suite_by_name("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256")->id);
  a.dh_bits = 2048;
  const auto v = verdict(a, "bcp195-rfc8996-mod", kChose13);
  EXPECT_EQ(v.status, kUndecided);
  ASSERT_EQ(v.reasons.size(), 1U);
  EXPECT_TRUE(v.reasons[0].starts_with("not determinable: B.13: DHE suites accepted"));
  a.dh_bits = 1024;
  EXPECT_EQ(status(a, "bcp195-rfc8996-mod", kChose13), kFail);  // fail outranks undecided
}

TEST(Profiles, DhePrimeSize) {
  auto a = audit({{"TLSv1.2", kGcm4}});
  a.dh_bits = 1024;
  EXPECT_EQ(status(a, "bcp195-ext"), kFail);
  a.dh_bits = 2048;
  EXPECT_EQ(status(a, "bcp195-ext"), kPass);
  a.dh_bits.reset();  // DHE accepted, prime never seen
  EXPECT_EQ(status(a, "bcp195-ext"), kUndecided);
  auto ecdhe_only = audit({{"TLSv1.2", kEcdheGcm}});
  EXPECT_EQ(status(ecdhe_only, "bcp195-ext"), kPass);  // no DHE, nothing to measure
}

TEST(Profiles, EcdheCurveSize) {
  auto a = audit({{"TLSv1.2", kEcdheGcm}});
  a.groups = {0x0017, 0x0015};  // secp256r1, secp224r1
  auto v = verdict(a, "bcp195-ext");
  EXPECT_EQ(v.status, kFail);
  EXPECT_TRUE(mentions(v, "secp224r1"));
  a.groups.clear();
  EXPECT_EQ(status(a, "bcp195-ext"), kUndecided);
  a.groups = {0x0017};
  EXPECT_EQ(status(a, "bcp195-ext"), kPass);
}

// ---- B.12 -------------------------------------------------------------------------------

TEST(Profiles, Rfc8996PrefersTls13) {
  auto a = audit({{"TLSv1.2", kEcdheGcm}, {"TLSv1.3", kTls13Default}});
  EXPECT_EQ(status(a, "bcp195-rfc8996", kChose13), kPass);
  EXPECT_EQ(status(a, "bcp195-rfc8996", ProfileFacts{Version::Tls12}), kFail);
  EXPECT_EQ(status(a, "bcp195-rfc8996"), kUndecided);  // no mixed offer seen
  auto only12 = audit({{"TLSv1.2", kEcdheGcm}});
  EXPECT_EQ(status(only12, "bcp195-rfc8996"), kPass);  // nothing to prefer
}

TEST(Profiles, Rfc8996ForbidsTls10And11) {
  auto a = audit({{"TLSv1.1", {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"}}, {"TLSv1.2", kEcdheGcm}});
  const auto v = verdict(a, "bcp195-rfc8996");
  EXPECT_EQ(v.status, kFail);
  EXPECT_EQ(v.reasons, std::vector<std::string>{"B.12: TLSv1.1 accepted"});
}

TEST(Profiles, Tls12Required) {
  auto a = audit({{"TLSv1.3", kTls13Five}});
  for (auto id : {"bcp195", "bcp195-nd", "bcp195-ext", "bcp195-rfc8996", "bcp195-rfc8996-mod"})
    EXPECT_TRUE(mentions(verdict(a, id, kChose13), "TLSv1.2 not accepted")) << id;
  a.complete = false;  // a missing version is only a fact after a complete enumeration
  const auto v = verdict(a, "bcp195-rfc8996", kChose13);
  EXPECT_EQ(v.status, kUndecided);
  EXPECT_TRUE(mentions(v, "cut short"));
}

// ---- B.9 / B.10 / B.11 -------------------------------------------------------------------

// What DCMTK 3.6.7 storescp +py (non-downgrading BCP 195) accepts, as measured in the lab.
TEST(Profiles, StorescpNonDowngrading) {
  auto a = audit({{"TLSv1.2", kGcm4}, {"TLSv1.3", kTls13Default}});
  a.dh_bits = 2048;
  std::map<std::string, VerdictStatus> got;
  for (const auto& v : evaluate_profiles(a, kChose13)) got[std::string(v.id)] = v.status;
  EXPECT_EQ(got, (std::map<std::string, VerdictStatus>{{"bcp195", kPass},
                                                       {"bcp195-nd", kPass},
                                                       {"bcp195-ext", kPass},
                                                       {"bcp195-rfc8996", kPass},
                                                       {"bcp195-rfc8996-mod", kFail},
                                                       {"basic", kFail},
                                                       {"aes", kFail},
                                                       {"null", kFail}}));
}

// storescp +px: TLS 1.0/1.1 with AES128-SHA as fallback.
TEST(Profiles, Bcp195AllowsDowngradeNonDowngradingDoesNot) {
  auto tls12 = kGcm4;
  tls12.push_back("TLS_RSA_WITH_AES_128_CBC_SHA");
  auto a = audit({{"TLSv1.0", {"TLS_RSA_WITH_AES_128_CBC_SHA"}},
                  {"TLSv1.1", {"TLS_RSA_WITH_AES_128_CBC_SHA"}},
                  {"TLSv1.2", tls12},
                  {"TLSv1.3", kTls13Default}});
  a.dh_bits = 2048;
  EXPECT_EQ(status(a, "bcp195", kChose13), kPass);
  EXPECT_EQ(verdict(a, "bcp195-nd", kChose13).reasons,
            std::vector<std::string>{"B.10: TLSv1.0, TLSv1.1 accepted"});
  EXPECT_EQ(status(a, "bcp195-ext", kChose13), kFail);
  EXPECT_EQ(status(a, "bcp195-rfc8996", kChose13), kFail);
}

TEST(Profiles, Ssl3Forbidden) {
  auto a = audit({{"SSLv3", {"TLS_RSA_WITH_AES_128_CBC_SHA"}}, {"TLSv1.2", kGcm4}});
  a.dh_bits = 2048;
  EXPECT_TRUE(mentions(verdict(a, "bcp195"), "B.9: SSLv3 accepted"));
  EXPECT_EQ(status(a, "basic"), kFail);  // (no 3DES; B.1 itself says nothing of SSL 3.0)
}

TEST(Profiles, WeakSuitesForbidden) {
  auto a = audit({{"TLSv1.2",
                   {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_NULL_SHA",
                    "TLS_RSA_WITH_RC4_128_SHA"}}});
  const auto v = verdict(a, "bcp195");
  EXPECT_EQ(v.status, kFail);
  EXPECT_TRUE(mentions(v, "TLS_RSA_WITH_NULL_SHA (NULL)"));
  EXPECT_TRUE(mentions(v, "TLS_RSA_WITH_RC4_128_SHA (RC4)"));
  // 3DES is 112 bits: a "should not" in BCP 195, so not a failure of B.9 or B.12.
  auto des3 = audit(
      {{"TLSv1.2", {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"}}});
  EXPECT_EQ(status(des3, "bcp195"), kPass);
  EXPECT_EQ(status(des3, "bcp195-rfc8996"), kPass);
  EXPECT_EQ(status(des3, "bcp195-rfc8996-mod"), kFail);
}

TEST(Profiles, Bcp195NeedsOneAesGcmSuiteNonDowngradingAllFour) {
  auto ecdsa = audit({{"TLSv1.2", {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"}}});
  EXPECT_TRUE(mentions(verdict(ecdsa, "bcp195"), "none of"));
  auto ecdhe = audit({{"TLSv1.2", kEcdheGcm}});
  EXPECT_EQ(status(ecdhe, "bcp195"), kPass);
  const auto v = verdict(ecdhe, "bcp195-nd");
  EXPECT_EQ(v.status, kFail);
  EXPECT_TRUE(mentions(v, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"));
}

// storescp +pz: the extended profile keeps TLS 1.2 suites to (EC)DHE + AEAD.
TEST(Profiles, ExtendedForbidsCbc) {
  auto tls12 = kGcm4;
  tls12.push_back("TLS_DHE_RSA_WITH_AES_128_CBC_SHA");
  auto a = audit({{"TLSv1.2", tls12}});
  a.dh_bits = 2048;
  EXPECT_TRUE(mentions(verdict(a, "bcp195-ext"), "TLS_DHE_RSA_WITH_AES_128_CBC_SHA (not AEAD)"));
  EXPECT_EQ(status(a, "bcp195-nd"), kPass);
}

// ---- retired ------------------------------------------------------------------------------

TEST(Profiles, BasicNeedsRsa3Des) {
  auto a = audit({{"TLSv1.0", {"TLS_RSA_WITH_3DES_EDE_CBC_SHA"}}});
  EXPECT_EQ(status(a, "basic"), kPass);
  auto b = audit({{"TLSv1.2", kGcm4}});
  EXPECT_TRUE(mentions(verdict(b, "basic"), "TLS_RSA_WITH_3DES_EDE_CBC_SHA"));
  auto ssl3 = audit({{"SSLv3", {"TLS_RSA_WITH_3DES_EDE_CBC_SHA"}}});
  EXPECT_TRUE(mentions(verdict(ssl3, "basic"), "no TLS version (1.0 or newer)"));
}

TEST(Profiles, AesNeedsAesAndThreeDesAndPrefersAes) {
  auto only_aes = audit({{"TLSv1.2", {"TLS_RSA_WITH_AES_128_CBC_SHA"}}});
  const auto v = verdict(only_aes, "aes");
  EXPECT_EQ(v.status, kFail);
  EXPECT_TRUE(mentions(v, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"));
  auto both =
      audit({{"TLSv1.2", {"TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"}}});
  both.server_preference = true;
  EXPECT_EQ(status(both, "aes"), kPass);
  both.server_preference = false;  // the client decides: the server's choice is not seen
  EXPECT_EQ(status(both, "aes"), kUndecided);
  auto des_first =
      audit({{"TLSv1.2", {"TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA"}}});
  des_first.server_preference = true;
  EXPECT_TRUE(mentions(verdict(des_first, "aes"), "3DES before AES"));
}

TEST(Profiles, NullNeedsNullSha) {
  auto a = audit({{"TLSv1.2", {"TLS_RSA_WITH_NULL_SHA"}}});
  EXPECT_EQ(status(a, "null"), kPass);
  EXPECT_EQ(status(a, "bcp195"), kFail);
  auto b = audit({{"TLSv1.2", kGcm4}});
  EXPECT_TRUE(mentions(verdict(b, "null"), "TLS_RSA_WITH_NULL_SHA"));
}

// A forbidden suite seen is a fact even when the enumeration stopped early; a missing one is
// not.
TEST(Profiles, CutShortEnumerationDecidesOnlyWhatWasSeen) {
  auto a = audit({{"TLSv1.2", {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}}});
  a.complete = false;
  EXPECT_EQ(status(a, "bcp195-nd"), kUndecided);
  a.accepted[0].suites.push_back(find_suite_by_name("TLS_RSA_WITH_NULL_SHA")->id);
  EXPECT_EQ(status(a, "bcp195-nd"), kFail);
}
