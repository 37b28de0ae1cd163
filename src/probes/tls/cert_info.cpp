#include "probes/tls/cert_info.hpp"

#include <arpa/inet.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <memory>

#include "core/time.hpp"

namespace dicomsec::probes::tls {

namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct NamesFree {
  void operator()(GENERAL_NAMES* n) const { GENERAL_NAMES_free(n); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 && data ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

// RFC 2253 one-line form (most specific RDN first, "CN=x,O=y"); bytes above 0x7f escaped.
std::string rfc2253(const X509_NAME* name) {
  if (!name) return {};
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return {};
  if (X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return {};
  return bio_text(bio.get());
}

std::string ip_text(const ASN1_OCTET_STRING* ip) {
  const auto* d = ASN1_STRING_get0_data(ip);
  const int n = ASN1_STRING_length(ip);
  std::array<char, INET6_ADDRSTRLEN> buf{};
  if (n == 4 && inet_ntop(AF_INET, d, buf.data(), buf.size())) return buf.data();
  if (n == 16 && inet_ntop(AF_INET6, d, buf.data(), buf.size())) return buf.data();
  return "(" + std::to_string(n) + " bytes)";
}

std::string ia5_text(const ASN1_IA5STRING* s) {
  const auto* d = ASN1_STRING_get0_data(s);
  const int n = ASN1_STRING_length(s);
  if (!d || n <= 0) return {};
  return std::string(reinterpret_cast<const char*>(d), static_cast<std::size_t>(n));
}

std::vector<std::string> subject_alt_names(X509* cert) {
  std::vector<std::string> out;
  std::unique_ptr<GENERAL_NAMES, NamesFree> names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return out;
  const int n = sk_GENERAL_NAME_num(names.get());
  // A certificate may carry thousands of names; the record keeps the first 256.
  for (int i = 0; i < n && out.size() < 256; ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names.get(), i);
    switch (g->type) {
      case GEN_DNS: out.push_back("DNS:" + ia5_text(g->d.dNSName)); break;
      case GEN_IPADD: out.push_back("IP:" + ip_text(g->d.iPAddress)); break;
      case GEN_EMAIL: out.push_back("email:" + ia5_text(g->d.rfc822Name)); break;
      case GEN_URI: out.push_back("URI:" + ia5_text(g->d.uniformResourceIdentifier)); break;
      case GEN_DIRNAME: out.push_back("DirName:" + rfc2253(g->d.directoryName)); break;
      default: out.emplace_back("othername"); break;
    }
  }
  return out;
}

std::string key_type_name(const EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA: return "RSA";
    case EVP_PKEY_RSA_PSS: return "RSA-PSS";
    case EVP_PKEY_EC: return "EC";
    case EVP_PKEY_ED25519: return "Ed25519";
    case EVP_PKEY_ED448: return "Ed448";
    case EVP_PKEY_DSA: return "DSA";
    case EVP_PKEY_DH: return "DH";
    default: break;
  }
  const char* name = EVP_PKEY_get0_type_name(key);
  return name ? name : "unknown";
}

std::string hex(const unsigned char* d, unsigned n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (unsigned i = 0; i < n; ++i) {
    out.push_back(kDigits[d[i] >> 4]);
    out.push_back(kDigits[d[i] & 0x0f]);
  }
  return out;
}

}  // namespace

std::string iso8601_utc(const ASN1_TIME* t) {
  if (!t) return {};
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return {};
  return dicomsec::iso8601_utc(tm);
}

record::TlsCertRecord cert_record(X509* cert, std::time_t now) {
  record::TlsCertRecord r;
  if (!cert) return r;
  r.subject = rfc2253(X509_get_subject_name(cert));
  r.issuer = rfc2253(X509_get_issuer_name(cert));
  r.sans = subject_alt_names(cert);
  const ASN1_TIME* nb = X509_get0_notBefore(cert);
  const ASN1_TIME* na = X509_get0_notAfter(cert);
  r.not_before = iso8601_utc(nb);
  r.not_after = iso8601_utc(na);
  // X509_cmp_time: -1 the time is before `now`, 1 after, 0 on a malformed time.
  std::time_t when = now;
  r.expired = na && X509_cmp_time(na, &when) < 0;
  r.not_yet_valid = nb && X509_cmp_time(nb, &when) > 0;
  if (const EVP_PKEY* key = X509_get0_pubkey(cert)) {
    r.key_type = key_type_name(key);
    const int bits = EVP_PKEY_get_bits(key);
    r.key_bits = bits > 0 ? static_cast<unsigned>(bits) : 0;
  } else {
    r.key_type = "unknown";
  }
  const int sig = X509_get_signature_nid(cert);
  const char* sig_name = sig != NID_undef ? OBJ_nid2ln(sig) : nullptr;
  r.sig_alg = sig_name ? sig_name : "unknown";
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned md_len = 0;
  if (X509_digest(cert, EVP_sha256(), md.data(), &md_len) == 1) r.sha256 = hex(md.data(), md_len);
  // Issued by itself: names (and key identifiers) match and its own key verifies the
  // signature.
  r.self_signed = X509_self_signed(cert, 1) == 1;
  return r;
}

std::vector<record::TlsCertRecord> certs_from_pem(std::string_view pem, std::time_t now) {
  std::vector<record::TlsCertRecord> out;
  if (pem.empty() || pem.size() > 16 * 1024 * 1024) return out;
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return out;
  while (out.size() < 64) {
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) break;
    out.push_back(cert_record(cert.get(), now));
  }
  ERR_clear_error();  // the end of the text reads as an error
  return out;
}

std::optional<record::TlsCertRecord> cert_from_der(std::span<const std::uint8_t> der,
                                                 std::time_t now) {
  if (der.empty() || der.size() > 1024 * 1024) return std::nullopt;
  const unsigned char* p = der.data();
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) {
    ERR_clear_error();
    return std::nullopt;
  }
  auto r = cert_record(cert.get(), now);
  ERR_clear_error();
  return r;
}

std::string version_name(std::string_view openssl_name) {
  if (openssl_name == "TLSv1") return "TLSv1.0";
  return std::string(openssl_name);
}

std::string alert_name(int description) {
  // RFC 8446 6 and RFC 5246 7.2 alert descriptions.
  switch (description) {
    case 0: return "close notify";
    case 10: return "unexpected message";
    case 20: return "bad record mac";
    case 21: return "decryption failed";
    case 22: return "record overflow";
    case 30: return "decompression failure";
    case 40: return "handshake failure";
    case 41: return "no certificate";
    case 42: return "bad certificate";
    case 43: return "unsupported certificate";
    case 44: return "certificate revoked";
    case 45: return "certificate expired";
    case 46: return "certificate unknown";
    case 47: return "illegal parameter";
    case 48: return "unknown ca";
    case 49: return "access denied";
    case 50: return "decode error";
    case 51: return "decrypt error";
    case 60: return "export restriction";
    case 70: return "protocol version";
    case 71: return "insufficient security";
    case 80: return "internal error";
    case 86: return "inappropriate fallback";
    case 90: return "user canceled";
    case 100: return "no renegotiation";
    case 109: return "missing extension";
    case 110: return "unsupported extension";
    case 112: return "unrecognized name";
    case 113: return "bad certificate status response";
    case 115: return "unknown psk identity";
    case 116: return "certificate required";
    case 120: return "no application protocol";
    default: return "alert " + std::to_string(description);
  }
}

}  // namespace dicomsec::probes::tls
