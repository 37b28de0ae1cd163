// TLS for the gateway (issue 15 §2): the PS3.15 profile names of --profile turned into
// OpenSSL 3 settings, the upstream (client) context of --tls-out, the server context source
// of --tls-in (through CertStore, which reloads it), and the names a client certificate
// carries for --bind-cert-ae.
//
// The settings are chosen so that `dicomsec tls`, which judges with the verdict table of
// src/tlsinspect/profiles.cpp, passes the profile the gateway claims (integration test
// gateway_test "ProfilePassesTlsAudit"); docs/design.md "gateway" lists them.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "gateway/cert_store.hpp"

struct ssl_st;

namespace asio::ssl {
class context;
}

namespace dicomsec::gateway {

// bcp195, bcp195-nd, bcp195-ext, bcp195-rfc8996, bcp195-rfc8996-mod.
std::span<const std::string_view> profile_names();
[[nodiscard]] bool known_profile(std::string_view name);

// Versions, TLS 1.2 suites, TLS 1.3 suites, groups and DH parameters of `profile` on ctx
// (either side). Also SSL_MODE_RELEASE_BUFFERS: an idle connection keeps no record buffers.
Result<void> apply_profile(asio::ssl::context& ctx, std::string_view profile);

struct UpstreamTls {
  std::string ca;         // verifies the upstream (empty: system store)
  std::string cert, key;  // our client certificate (optional)
  std::string name;       // expected name in the upstream certificate, and SNI
  std::string profile = "bcp195-nd";
};
Result<std::shared_ptr<asio::ssl::context>> make_upstream_context(const UpstreamTls& options);
// Per connection: SNI (not for IP literals) and host-name verification when a name is set.
void configure_upstream(ssl_st* ssl, const std::string& name);

// The server context of --tls-in, reloaded on SIGHUP/file change by CertStore.
class ServerTls {
 public:
  static Result<std::shared_ptr<ServerTls>> open(TlsFiles files, std::string profile);
  [[nodiscard]] std::shared_ptr<asio::ssl::context> current() const;
  [[nodiscard]] const std::shared_ptr<CertStore>& store() const { return store_; }

 private:
  std::shared_ptr<CertStore> store_;  // the only source of the context: reloads take effect
};

// Subject CN first, then DNS, URI and e-mail SANs of the peer certificate (none: empty).
std::vector<std::string> peer_certificate_names(ssl_st* ssl, std::string* subject = nullptr);

// OpenSSL's queued errors as one line; clears the queue.
std::string tls_errors();

}  // namespace dicomsec::gateway
