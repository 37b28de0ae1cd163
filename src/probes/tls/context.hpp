// The OpenSSL client context of the TLS audit: it offers every protocol version and suite
// OpenSSL 3 still implements (security level 0, TLS 1.0 up, NULL suites last) so that a
// legacy server still shows its certificate, and it never enforces verification.
#pragma once

#include <memory>
#include <string>

#include "probes/tls/handshake.hpp"

struct ssl_st;

namespace asio::ssl {
class context;
}

namespace dicomsec::probes::tls {

// A fresh client context: CA bundle from options.ca_file (or the system store), and, when
// with_client_cert, the client certificate and key from options. On failure returns nullptr
// and says why in `error` (a file that does not load, a key that does not match).
std::shared_ptr<asio::ssl::context> make_client_context(const HandshakeOptions& options,
                                                        bool with_client_cert,
                                                        std::string& error);

// Per-connection settings: SNI (when given; never for IP literals) and host-name check.
void configure_client(ssl_st* ssl, const std::string& sni);

// OpenSSL's queued errors as one line (and clears the queue).
std::string openssl_errors();

}  // namespace dicomsec::probes::tls
