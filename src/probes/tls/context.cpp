#include "probes/tls/context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <asio/ssl/context.hpp>

#include "net/connection.hpp"

namespace dicomsec::probes::tls {

namespace {

// TLS 1.3 suites: OpenSSL's default three and the two CCM ones, so that a CCM-only server
// still completes.
constexpr const char* kTls13Suites =
    "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:"
    "TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256";
// TLS <= 1.2: everything (ALL, in OpenSSL's strength order), then the NULL-encryption suites
// (COMPLEMENTOFALL) last, so a server of the retired PS3.15 null profile still answers
// while any other server picks a real cipher first.
constexpr const char* kLegacySuites = "ALL:COMPLEMENTOFALL:@SECLEVEL=0";

// The system trust store, parsed once per process (~60 ms for Debian's ~140 roots) and
// shared by every context: X509_STORE lookups are thread-safe, and it is never modified
// after this.
X509_STORE* system_store() {
  static X509_STORE* const store = [] {
    X509_STORE* s = X509_STORE_new();
    if (s && X509_STORE_set_default_paths(s) != 1) {
      X509_STORE_free(s);
      s = nullptr;
    }
    ERR_clear_error();
    return s;
  }();
  return store;
}

}  // namespace

std::string openssl_errors() {
  std::string out;
  unsigned long e = 0;
  int guard = 0;
  while ((e = ERR_get_error()) != 0 && guard++ < 16) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    const char* reason = ERR_reason_error_string(e);
    out += reason ? reason : buf;
  }
  ERR_clear_error();
  return out;
}

std::shared_ptr<asio::ssl::context> make_client_context(const HandshakeOptions& o,
                                                        bool with_client_cert,
                                                        std::string& error) {
  ERR_clear_error();
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  SSL_CTX* c = ctx->native_handle();
  SSL_CTX_set_security_level(c, 0);
  // 0: the lowest version this OpenSSL build implements (TLS 1.0 on Debian 12).
  SSL_CTX_set_min_proto_version(c, 0);
  int max_version = 0;  // the highest
  if (o.max_version == "TLSv1.0") max_version = TLS1_VERSION;
  else if (o.max_version == "TLSv1.1") max_version = TLS1_1_VERSION;
  else if (o.max_version == "TLSv1.2") max_version = TLS1_2_VERSION;
  else if (o.max_version == "TLSv1.3" || o.max_version.empty()) max_version = 0;
  else {
    error = "unknown TLS version '" + o.max_version + "' (TLSv1.0 ... TLSv1.3)";
    return nullptr;
  }
  SSL_CTX_set_max_proto_version(c, max_version);
  // Old servers without RFC 5746 renegotiation info: connect anyway (we renegotiate never).
  SSL_CTX_set_options(c, SSL_OP_LEGACY_SERVER_CONNECT);
  if (SSL_CTX_set_cipher_list(c, kLegacySuites) != 1 ||
      SSL_CTX_set_ciphersuites(c, kTls13Suites) != 1) {
    error = "cipher list rejected: " + openssl_errors();
    return nullptr;
  }
  if (!o.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(c, o.ca_file.c_str(), nullptr) != 1) {
      error = "cannot load CA file " + o.ca_file + ": " + openssl_errors();
      return nullptr;
    }
  } else if (X509_STORE* store = system_store()) {
    SSL_CTX_set1_cert_store(c, store);
  } else {
    error = "cannot load the system trust store";
    return nullptr;
  }
  if (with_client_cert && !o.cert_file.empty()) {
    const std::string& key = o.key_file.empty() ? o.cert_file : o.key_file;
    if (SSL_CTX_use_certificate_chain_file(c, o.cert_file.c_str()) != 1) {
      error = "cannot load client certificate " + o.cert_file + ": " + openssl_errors();
      return nullptr;
    }
    if (SSL_CTX_use_PrivateKey_file(c, key.c_str(), SSL_FILETYPE_PEM) != 1) {
      error = "cannot load client key " + key + ": " + openssl_errors();
      return nullptr;
    }
    if (SSL_CTX_check_private_key(c) != 1) {
      error = "client key does not match its certificate: " + openssl_errors();
      return nullptr;
    }
  }
  ERR_clear_error();
  return ctx;
}

void configure_client(ssl_st* ssl, const std::string& sni) { net::expect_peer_name(ssl, sni); }

}  // namespace dicomsec::probes::tls
