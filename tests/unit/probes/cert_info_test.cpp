// Certificate facts (probes/tls/cert_info) from certificates made here with OpenSSL's API:
// names in RFC 2253 form, SANs, ISO 8601 validity, key type and size, signature algorithm,
// fingerprint, self-signed / expired / not yet valid judged at a given time.
#include "probes/tls/cert_info.hpp"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <vector>

namespace {

using namespace dicomsec::probes::tls;

struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertFree {
  void operator()(X509* x) const { X509_free(x); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

Key ec_key() { return Key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); }
Key ed25519_key() { return Key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")); }
Key rsa_key(std::size_t bits) { return Key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits)); }

void add_name(X509_NAME* n, const char* field, const std::string& value) {
  ASSERT_EQ(X509_NAME_add_entry_by_txt(n, field, MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(value.c_str()), -1,
                                       -1, 0),
            1);
}

struct Spec {
  std::string org = "dicomsec test";
  std::string cn = "leaf";
  std::string not_before = "20240102030405Z";
  std::string not_after = "20250102030405Z";
  std::string san;  // X509v3 config syntax, e.g. "DNS:a,IP:10.0.0.1"
};

// A certificate for `key`, signed by `issuer_key` under `issuer` (self-signed when null).
Cert make_cert(const Spec& s, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key) {
  Cert x(X509_new());
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 4711);
  ASN1_TIME_set_string_X509(X509_getm_notBefore(x.get()), s.not_before.c_str());
  ASN1_TIME_set_string_X509(X509_getm_notAfter(x.get()), s.not_after.c_str());
  X509_NAME* name = X509_get_subject_name(x.get());
  add_name(name, "O", s.org);
  add_name(name, "CN", s.cn);
  X509_set_issuer_name(x.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509_set_pubkey(x.get(), key);
  if (!s.san.empty()) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer : x.get(), x.get(), nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, s.san.c_str());
    EXPECT_NE(ext, nullptr);
    if (ext) {
      X509_add_ext(x.get(), ext, -1);
      X509_EXTENSION_free(ext);
    }
  }
  EVP_PKEY* signer = issuer_key ? issuer_key : key;
  const bool digestless = EVP_PKEY_get_base_id(signer) == EVP_PKEY_ED25519;
  EXPECT_GT(X509_sign(x.get(), signer, digestless ? nullptr : EVP_sha256()), 0);
  return x;
}

std::string to_pem(X509* x) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_X509(bio.get(), x);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::vector<std::uint8_t> to_der(X509* x) {
  unsigned char* buf = nullptr;
  const int n = i2d_X509(x, &buf);
  std::vector<std::uint8_t> out(buf, buf + n);
  OPENSSL_free(buf);
  return out;
}

// SHA-256 of the DER, computed independently of cert_record's X509_digest.
std::string der_sha256(const std::vector<std::uint8_t>& der) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  EVP_Digest(der.data(), der.size(), md, &n, EVP_sha256(), nullptr);
  std::string hex;
  static const char* d = "0123456789abcdef";
  for (unsigned i = 0; i < n; ++i) {
    hex += d[md[i] >> 4];
    hex += d[md[i] & 15];
  }
  return hex;
}

constexpr std::time_t k2024June = 1717200000;  // 2024-06-01T00:00:00Z
constexpr std::time_t k2026 = 1767225600;      // 2026-01-01T00:00:00Z
constexpr std::time_t k2023 = 1672531200;      // 2023-01-01T00:00:00Z

TEST(CertInfo, SelfSignedEcCertificateFromPem) {
  auto key = ec_key();
  Spec s;
  s.cn = "pacs.example.invalid";
  s.san = "DNS:pacs.example.invalid,IP:10.1.2.3,IP:::1,email:ops@example.invalid,"
          "URI:https://pacs.example.invalid/";
  auto cert = make_cert(s, key.get(), nullptr, nullptr);
  const auto records = certs_from_pem(to_pem(cert.get()), k2024June);
  ASSERT_EQ(records.size(), 1u);
  const auto& r = records[0];
  EXPECT_EQ(r.subject, "CN=pacs.example.invalid,O=dicomsec test");
  EXPECT_EQ(r.issuer, r.subject);
  EXPECT_EQ(r.sans, (std::vector<std::string>{"DNS:pacs.example.invalid", "IP:10.1.2.3", "IP:::1",
                                               "email:ops@example.invalid",
                                               "URI:https://pacs.example.invalid/"}));
  EXPECT_EQ(r.not_before, "2024-01-02T03:04:05Z");
  EXPECT_EQ(r.not_after, "2025-01-02T03:04:05Z");
  EXPECT_EQ(r.key_type, "EC");
  EXPECT_EQ(r.key_bits, 256u);
  EXPECT_EQ(r.sig_alg, "ecdsa-with-SHA256");
  EXPECT_EQ(r.sha256, der_sha256(to_der(cert.get())));
  EXPECT_TRUE(r.self_signed);
  EXPECT_FALSE(r.expired);
  EXPECT_FALSE(r.not_yet_valid);
}

TEST(CertInfo, ValidityIsJudgedAtTheGivenTime) {
  auto key = ec_key();
  auto cert = make_cert(Spec{}, key.get(), nullptr, nullptr);
  const auto later = cert_record(cert.get(), k2026);
  EXPECT_TRUE(later.expired);
  EXPECT_FALSE(later.not_yet_valid);
  const auto earlier = cert_record(cert.get(), k2023);
  EXPECT_FALSE(earlier.expired);
  EXPECT_TRUE(earlier.not_yet_valid);
}

TEST(CertInfo, CaSignedEd25519LeafAndRsaCa) {
  auto ca_key = rsa_key(1024);  // small: only the test's speed matters here
  Spec ca_spec;
  ca_spec.cn = "Test CA";
  ca_spec.not_after = "20510101000000Z";  // GeneralizedTime (after 2049)
  auto ca = make_cert(ca_spec, ca_key.get(), nullptr, nullptr);
  auto leaf_key = ed25519_key();
  Spec leaf_spec;
  leaf_spec.san = "DNS:a.invalid,DNS:b.invalid";
  auto leaf = make_cert(leaf_spec, leaf_key.get(), ca.get(), ca_key.get());

  const auto records = certs_from_pem(to_pem(leaf.get()) + to_pem(ca.get()), k2024June);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].subject, "CN=leaf,O=dicomsec test");
  EXPECT_EQ(records[0].issuer, "CN=Test CA,O=dicomsec test");
  EXPECT_EQ(records[0].sans, (std::vector<std::string>{"DNS:a.invalid", "DNS:b.invalid"}));
  EXPECT_EQ(records[0].key_type, "Ed25519");
  EXPECT_EQ(records[0].key_bits, 256u);  // EVP_PKEY_get_bits: the key size, not security bits
  EXPECT_EQ(records[0].sig_alg, "sha256WithRSAEncryption");
  EXPECT_FALSE(records[0].self_signed);

  EXPECT_EQ(records[1].key_type, "RSA");
  EXPECT_EQ(records[1].key_bits, 1024u);
  EXPECT_TRUE(records[1].self_signed);
  EXPECT_EQ(records[1].not_after, "2051-01-01T00:00:00Z");
  EXPECT_TRUE(records[1].sans.empty());

  // Ed25519 signing a certificate: the signature algorithm is the key's own.
  auto self = make_cert(Spec{}, leaf_key.get(), nullptr, nullptr);
  EXPECT_EQ(cert_record(self.get(), k2024June).sig_alg, "ED25519");
}

TEST(CertInfo, Rfc2253EscapesSpecialCharacters) {
  auto key = ec_key();
  Spec s;
  s.org = "Radiology, Inc.";
  s.cn = "a+b=c";  // RFC 2253 2.4: "+" and "," are escaped, "=" is not
  auto cert = make_cert(s, key.get(), nullptr, nullptr);
  const auto r = cert_record(cert.get(), k2024June);
  EXPECT_EQ(r.subject, "CN=a\\+b=c,O=Radiology\\, Inc.");
}

TEST(CertInfo, DerParsesAndRejectsTruncation) {
  auto key = ec_key();
  auto cert = make_cert(Spec{}, key.get(), nullptr, nullptr);
  auto der = to_der(cert.get());
  const auto r = cert_from_der(der, k2024June);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->subject, "CN=leaf,O=dicomsec test");
  EXPECT_EQ(r->sha256, der_sha256(der));
  der.resize(der.size() / 2);
  EXPECT_FALSE(cert_from_der(der, k2024June).has_value());
  EXPECT_FALSE(cert_from_der({}, k2024June).has_value());
}

TEST(CertInfo, PemWithoutCertificatesGivesNone) {
  EXPECT_TRUE(certs_from_pem("", k2024June).empty());
  EXPECT_TRUE(certs_from_pem("not a certificate", k2024June).empty());
  EXPECT_TRUE(certs_from_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                             k2024June)
                  .empty());
}

TEST(CertInfo, Iso8601) {
  EXPECT_EQ(iso8601_utc(static_cast<const ASN1_TIME*>(nullptr)), "");
  std::unique_ptr<ASN1_TIME, decltype(&ASN1_TIME_free)> t(ASN1_TIME_new(), &ASN1_TIME_free);
  ASSERT_EQ(ASN1_TIME_set_string(t.get(), "491231235959Z"), 1);  // UTCTime: 2049
  EXPECT_EQ(iso8601_utc(t.get()), "2049-12-31T23:59:59Z");
  ASSERT_EQ(ASN1_TIME_set_string(t.get(), "20500101000000Z"), 1);  // GeneralizedTime
  EXPECT_EQ(iso8601_utc(t.get()), "2050-01-01T00:00:00Z");
}

TEST(CertInfo, Names) {
  EXPECT_EQ(version_name("TLSv1"), "TLSv1.0");
  EXPECT_EQ(version_name("TLSv1.3"), "TLSv1.3");
  EXPECT_EQ(alert_name(116), "certificate required");
  EXPECT_EQ(alert_name(40), "handshake failure");
  EXPECT_EQ(alert_name(48), "unknown ca");
  EXPECT_EQ(alert_name(200), "alert 200");
}

}  // namespace
