#include "gateway/tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <array>
#include <asio/ssl/context.hpp>

#include "net/connection.hpp"

namespace dicomsec::gateway {

namespace {

constexpr std::array<std::string_view, 5> kProfiles = {"bcp195", "bcp195-nd", "bcp195-ext",
                                                       "bcp195-rfc8996", "bcp195-rfc8996-mod"};

// TLS 1.2: (EC)DHE with RSA or ECDSA and AES-GCM only, the four BCP 195 suites included
// (B.9 needs one, B.10 all four; B.11 allows only such AEAD suites; DH groups follow the
// key size, 2048 bits for a 2048-bit RSA key: the B.11 DHE row).
constexpr const char* kTls12Bcp195 =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384";
// B.13: no DHE at all (its "DHE only where the key length can be set" row cannot be shown
// on the wire: any DHE suite leaves the verdict undecided), ECDHE with AES-GCM or ChaCha20.
constexpr const char* kTls12Mod =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
// The five TLS 1.3 suites B.13 lists; the other profiles take the same set.
constexpr const char* kTls13 =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:"
    "TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256";
// B.11/B.13: ECDHE groups of 256 bits or more.
constexpr const char* kGroups = "X25519:P-256:P-384:P-521";

}  // namespace

std::span<const std::string_view> profile_names() { return kProfiles; }

bool known_profile(std::string_view name) {
  for (auto p : kProfiles)
    if (p == name) return true;
  return false;
}

std::string tls_errors() {
  std::string out;
  while (const unsigned long e = ERR_get_error()) {
    std::array<char, 256> buf{};
    ERR_error_string_n(e, buf.data(), buf.size());
    if (!out.empty()) out += "; ";
    out += buf.data();
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

Result<void> apply_profile(asio::ssl::context& ctx, std::string_view profile) {
  if (!known_profile(profile))
    return make_error("unknown --profile '" + std::string(profile) + "'");
  SSL_CTX* c = ctx.native_handle();
  // Every profile here refuses SSL 3.0, TLS 1.0 and 1.1 (RFC 8996; B.9 permits 1.0/1.1 but
  // offering them gains nothing and fails B.10 to B.13).
  if (SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION) != 1)
    return make_error("cannot set TLS versions: " + tls_errors());
  const bool mod = profile == "bcp195-rfc8996-mod";
  if (SSL_CTX_set_cipher_list(c, mod ? kTls12Mod : kTls12Bcp195) != 1)
    return make_error("cannot set TLS 1.2 suites: " + tls_errors());
  if (SSL_CTX_set_ciphersuites(c, kTls13) != 1)
    return make_error("cannot set TLS 1.3 suites: " + tls_errors());
  if (SSL_CTX_set1_groups_list(c, kGroups) != 1)
    return make_error("cannot set groups: " + tls_errors());
  if (!mod) SSL_CTX_set_dh_auto(c, 1);
  SSL_CTX_set_options(
      c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
  // No server-side session cache: TLS 1.3 resumption uses stateless tickets, and a cache of
  // 20,000 sessions would grow with every connection of a busy gateway.
  SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
  return {};
}

Result<std::shared_ptr<asio::ssl::context>> make_upstream_context(const UpstreamTls& o) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  if (auto r = apply_profile(*ctx, o.profile); !r) return r.error();
  SSL_CTX* c = ctx->native_handle();
  if (!o.ca.empty()) {
    if (SSL_CTX_load_verify_locations(c, o.ca.c_str(), nullptr) != 1)
      return make_error("--upstream-ca " + o.ca + ": " + tls_errors());
  } else if (SSL_CTX_set_default_verify_paths(c) != 1) {
    return make_error("system CA store: " + tls_errors());
  }
  if (!o.cert.empty() || !o.key.empty()) {
    if (o.cert.empty() || o.key.empty())
      return make_error("--upstream-cert and --upstream-key go together");
    if (SSL_CTX_use_certificate_chain_file(c, o.cert.c_str()) != 1)
      return make_error("--upstream-cert " + o.cert + ": " + tls_errors());
    if (SSL_CTX_use_PrivateKey_file(c, o.key.c_str(), SSL_FILETYPE_PEM) != 1)
      return make_error("--upstream-key " + o.key + ": " + tls_errors());
    if (SSL_CTX_check_private_key(c) != 1)
      return make_error("--upstream-key does not match --upstream-cert: " + tls_errors());
  }
  SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
  return ctx;
}

void configure_upstream(ssl_st* ssl, const std::string& name) { net::expect_peer_name(ssl, name); }

Result<std::shared_ptr<ServerTls>> ServerTls::open(TlsFiles files, std::string profile) {
  if (!known_profile(profile)) return make_error("unknown --profile '" + profile + "'");
  auto self = std::make_shared<ServerTls>();
  auto store = CertStore::open(files, [profile](asio::ssl::context& ctx) -> Result<void> {
    return apply_profile(ctx, profile);
  });
  if (!store) return store.error();
  self->store_ = *store;  // CertStore::open has loaded the files or failed: one loader
  return self;
}

std::shared_ptr<asio::ssl::context> ServerTls::current() const { return store_->current(); }

std::vector<std::string> peer_certificate_names(ssl_st* ssl, std::string* subject) {
  std::vector<std::string> names;
  if (ssl == nullptr) return names;
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) return names;
  X509_NAME* sn = X509_get_subject_name(cert);
  if (subject != nullptr) {
    std::array<char, 512> buf{};
    X509_NAME_oneline(sn, buf.data(), static_cast<int>(buf.size()));
    *subject = buf.data();
  }
  const int idx = X509_NAME_get_index_by_NID(sn, NID_commonName, -1);
  if (idx >= 0) {
    ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(sn, idx));
    unsigned char* utf8 = nullptr;
    const int n = ASN1_STRING_to_UTF8(&utf8, s);
    if (n > 0) names.emplace_back(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(n));
    OPENSSL_free(utf8);
  }
  auto* sans =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (sans != nullptr) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
      const GENERAL_NAME* g = sk_GENERAL_NAME_value(sans, i);
      if (g->type != GEN_DNS && g->type != GEN_URI && g->type != GEN_EMAIL) continue;
      const ASN1_IA5STRING* s = g->d.ia5;
      names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                         static_cast<std::size_t>(ASN1_STRING_length(s)));
    }
    GENERAL_NAMES_free(sans);
  }
  X509_free(cert);
  return names;
}

}  // namespace dicomsec::gateway
