// TLS findings (design §4) from a tls_audit: which ids fire, and when they stay quiet.
#include <gtest/gtest.h>

#include <set>

#include "findings/rules.hpp"

using namespace dicomsec;

namespace {

record::ScanRecord tls_record() {
  record::ScanRecord r;
  r.ip = "127.0.0.1";
  r.port = 2762;
  r.tls = true;
  auto& a = r.tls_audit.emplace();
  a.versions = {"TLSv1.2", "TLSv1.3"};
  a.ciphers = {{"TLSv1.2", {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}},
               {"TLSv1.3", {"TLS_AES_128_GCM_SHA256"}}};
  a.client_cert_requested = true;
  record::TlsCertRecord leaf;
  leaf.subject = "CN=pacs";
  leaf.key_type = "RSA";
  leaf.key_bits = 2048;
  leaf.sig_alg = "sha256WithRSAEncryption";
  a.chain.push_back(leaf);
  return r;
}

std::set<std::string> ids(const record::ScanRecord& r) {
  std::set<std::string> out;
  for (const auto& f : findings::evaluate(r)) out.insert(f.id);
  return out;
}

}  // namespace

TEST(TlsRules, ModernServerWithClientAuthIsClean) { EXPECT_TRUE(ids(tls_record()).empty()); }

TEST(TlsRules, WeakProtocolAndCiphers) {
  auto r = tls_record();
  r.tls_audit->versions.insert(r.tls_audit->versions.begin(), "TLSv1.0");
  r.tls_audit->ciphers.push_back({"TLSv1.0", {"TLS_RSA_WITH_3DES_EDE_CBC_SHA"}});
  auto found = findings::evaluate(r);
  std::set<std::string> got;
  for (const auto& f : found) got.insert(f.id);
  EXPECT_EQ(got, (std::set<std::string>{"TLS-WEAK-PROTOCOL", "TLS-WEAK-CIPHER"}));
  for (const auto& f : found) {
    if (f.id == "TLS-WEAK-CIPHER") {
      EXPECT_EQ(f.severity, "medium");
      EXPECT_NE(f.evidence.find("3DES"), std::string::npos);
    }
  }
}

TEST(TlsRules, CbcNeedsEncryptThenMac) {
  auto r = tls_record();
  r.tls_audit->ciphers[0].ciphers.push_back("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA");
  r.tls_audit->encrypt_then_mac = true;
  EXPECT_TRUE(ids(r).empty());
  r.tls_audit->encrypt_then_mac = false;
  EXPECT_EQ(ids(r), std::set<std::string>{"TLS-WEAK-CIPHER"});
}

TEST(TlsRules, CertificateProblems) {
  auto r = tls_record();
  auto& leaf = r.tls_audit->chain.front();
  leaf.expired = true;
  leaf.self_signed = true;
  leaf.key_bits = 1024;
  EXPECT_EQ(ids(r), (std::set<std::string>{"TLS-CERT-EXPIRED", "TLS-CERT-SELF-SIGNED",
                                           "TLS-CERT-WEAK-KEY"}));
  leaf = record::TlsCertRecord{};
  leaf.key_type = "EC";
  leaf.key_bits = 256;
  leaf.sig_alg = "ecdsa-with-SHA1";
  EXPECT_EQ(ids(r), std::set<std::string>{"TLS-CERT-WEAK-KEY"});
}

TEST(TlsRules, ClientAuthAndPlaintext) {
  auto r = tls_record();
  r.tls_audit->client_cert_requested = false;
  r.tls_audit->plaintext_port = 104;
  EXPECT_EQ(ids(r), (std::set<std::string>{"TLS-NO-CLIENT-AUTH", "TLS-PLAINTEXT-ALSO"}));
}

TEST(TlsRules, NoVersionsNoTlsFindings) {
  auto r = tls_record();
  r.tls_audit->versions.clear();
  r.tls_audit->client_cert_requested = false;
  EXPECT_TRUE(ids(r).empty());
}
