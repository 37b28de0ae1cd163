#include "tlsinspect/profiles.hpp"

#include <gtest/gtest.h>

#include <map>

using namespace dicomsec;
using namespace dicomsec::tlsinspect;

namespace {

// Versions and suites by name, as an administrator (and the lab notes) spell them.
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
  return a;
}

std::map<std::string, bool> verdicts(const AuditSummary& a) {
  std::map<std::string, bool> out;
  for (const auto& v : evaluate_profiles(a)) out[std::string(v.id)] = v.pass();
  return out;
}

const std::vector<std::string> kGcm4 = {
    "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"};
const std::vector<std::string> kTls13Suites = {
    "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"};

}  // namespace

TEST(Profiles, EveryProfileHasAVerdict) {
  auto v = evaluate_profiles(AuditSummary{});
  ASSERT_EQ(v.size(), 8U);
  for (const auto& p : v) {
    EXPECT_EQ(p.status, VerdictStatus::Fail);
    EXPECT_EQ(p.reasons, std::vector<std::string>{"no TLS version accepted"});
  }
}

// What DCMTK 3.6.7 storescp +py (non-downgrading BCP 195) accepts, as measured in the lab.
TEST(Profiles, StorescpNonDowngrading) {
  auto v = verdicts(audit({{"TLSv1.2", kGcm4}, {"TLSv1.3", kTls13Suites}}));
  EXPECT_EQ(v, (std::map<std::string, bool>{{"bcp195", true},
                                            {"bcp195-nd", true},
                                            {"bcp195-ext", true},
                                            {"bcp195-rfc8996", true},
                                            {"bcp195-rfc8996-mod", true},
                                            {"basic", false},
                                            {"aes", false},
                                            {"null", false}}));
}

// storescp +px: TLS 1.0/1.1 with AES128-SHA as fallback.
TEST(Profiles, StorescpBcp195AllowsDowngrade) {
  auto tls12 = kGcm4;
  tls12.push_back("TLS_RSA_WITH_AES_128_CBC_SHA");
  auto a = audit({{"TLSv1.0", {"TLS_RSA_WITH_AES_128_CBC_SHA"}},
                  {"TLSv1.1", {"TLS_RSA_WITH_AES_128_CBC_SHA"}},
                  {"TLSv1.2", tls12},
                  {"TLSv1.3", kTls13Suites}});
  auto v = verdicts(a);
  EXPECT_TRUE(v["bcp195"]);
  EXPECT_FALSE(v["bcp195-nd"]);
  EXPECT_FALSE(v["bcp195-ext"]);
  EXPECT_FALSE(v["bcp195-rfc8996"]);
  EXPECT_FALSE(v["bcp195-rfc8996-mod"]);
  EXPECT_TRUE(v["aes"]);
  for (const auto& p : evaluate_profiles(a))
    if (p.id == "bcp195-nd") {
      EXPECT_EQ(p.reasons, (std::vector<std::string>{"TLSv1.0 accepted", "TLSv1.1 accepted"}));
    }
}

TEST(Profiles, NullAndWeakDh) {
  auto a = audit({{"TLSv1.2", {"TLS_RSA_WITH_NULL_SHA"}}});
  auto v = verdicts(a);
  EXPECT_TRUE(v["null"]);
  EXPECT_FALSE(v["bcp195"]);
  auto b = audit({{"TLSv1.2", kGcm4}});
  b.dh_bits = 1024;
  EXPECT_FALSE(verdicts(b)["bcp195-nd"]);
  b.dh_bits = 2048;
  EXPECT_TRUE(verdicts(b)["bcp195-nd"]);
}

TEST(Profiles, ModifiedNeedsTls13GcmSuites) {
  auto a = audit({{"TLSv1.2", kGcm4}, {"TLSv1.3", {"TLS_CHACHA20_POLY1305_SHA256"}}});
  auto v = verdicts(a);
  EXPECT_TRUE(v["bcp195-rfc8996"]);
  EXPECT_FALSE(v["bcp195-rfc8996-mod"]);
}

TEST(Profiles, ThreeDesFailsRfc9325ButNotBcp195) {
  auto tls12 = kGcm4;
  tls12.push_back("TLS_RSA_WITH_3DES_EDE_CBC_SHA");
  auto v = verdicts(audit({{"TLSv1.2", tls12}}));
  EXPECT_TRUE(v["bcp195"]);
  EXPECT_TRUE(v["basic"]);
  EXPECT_FALSE(v["bcp195-rfc8996"]);
}
