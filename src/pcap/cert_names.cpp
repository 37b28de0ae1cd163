// The few certificate fields a passive observer reports (issue 14 §5), parsed by OpenSSL
// from the DER bytes a TLS <= 1.2 server sent in cleartext. No verification: nothing here
// trusts or distrusts the certificate.
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/x509.h>

#include <ctime>
#include <memory>

#include "core/time.hpp"
#include "pcap/tls_flow.hpp"

namespace dicomsec::pcap {

namespace {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

std::string rfc2253(const X509_NAME* name) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio || !name || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return {};
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return n > 0 && data ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

std::string iso8601_utc(const ASN1_TIME* t) {
  std::tm tm{};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return {};
  return dicomsec::iso8601_utc(tm);
}

}  // namespace

std::optional<CertNames> cert_names(ByteView der) {
  const unsigned char* p = der.data();
  std::unique_ptr<X509, X509Free> cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) return std::nullopt;
  return CertNames{rfc2253(X509_get_subject_name(cert.get())),
                   rfc2253(X509_get_issuer_name(cert.get())),
                   iso8601_utc(X509_get0_notAfter(cert.get()))};
}

}  // namespace dicomsec::pcap
