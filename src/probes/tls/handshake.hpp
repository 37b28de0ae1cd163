// The certificate half of the TLS audit (issue 5): one full handshake through OpenSSL 3 with
// every version and suite OpenSSL can still speak (SECLEVEL 0, TLS 1.0 up), so that even a
// legacy-only server yields its certificate. Verification is recorded, never enforced: the
// chain is kept whatever the verdict. The server's chain is captured as it arrives, so it is
// known even when the server then ends the handshake because we sent no client certificate
// (TLS 1.2: Certificate precedes CertificateRequest; TLS 1.3: the server's Certificate
// precedes our empty one). Every operation has a deadline; nothing throws.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <optional>
#include <string>
#include <vector>

#include "net/connection.hpp"
#include "record/record.hpp"

namespace dicomsec::probes::tls {

struct HandshakeOptions {
  net::Millis connect_timeout{3000};
  net::Millis io_timeout{5000};  // per TLS operation (handshake, shutdown, read)
  std::string ca_file;    // PEM bundle to verify the server against; empty = system store
  std::string cert_file;  // optional client certificate (PEM, may carry the chain)
  std::string key_file;   // its private key (PEM, unencrypted); empty = in cert_file
  std::string sni;        // server name to send; also checked against the certificate
  std::string max_version;  // "" = the highest OpenSSL speaks; "TLSv1.2" caps the offer
};

struct HandshakeResult {
  // success: the server spoke TLS and sent its certificate (even if it then refused us for
  // want of a client certificate: see completed / client_cert_required);
  // connection-refused / connection-timeout / unreachable: no TCP connection;
  // io-timeout: the server went silent mid-handshake;
  // protocol-error: the server answered with bytes that are not TLS (e.g. cleartext DICOM);
  // tls-error: TLS failed before a certificate arrived (alert, reset, truncation, no common
  // version or suite), or our client certificate/CA file could not be loaded.
  record::Status status = record::Status::Success;
  std::string detail;      // one line on why, when the handshake did not complete
  bool completed = false;  // the handshake finished (with our certificate if one was given)
  std::string version;     // negotiated: "TLSv1.0" … "TLSv1.3" (also when not completed)
  std::string cipher;      // negotiated suite, IANA name (TLS_AES_128_GCM_SHA256)
  std::vector<record::TlsCertRecord> chain;  // as the server sent it, leaf first
  std::optional<bool> trusted;             // chain verifies against ca_file / system store
  std::string verify_error;                // OpenSSL's first reason when not trusted
  bool client_cert_requested = false;      // the server sent CertificateRequest
  bool client_cert_required = false;       // it ended the handshake when we sent none
  // Only when cert_file was given and the server requires a client certificate: the
  // handshake with ours completed (false: the server refused it, e.g. unknown CA).
  std::optional<bool> client_cert_accepted;
  std::string alert;   // last alert the server sent, e.g. "certificate required" (or empty)
  unsigned handshakes = 0;  // TCP connections made (1, or 2 when a client cert was retried)
};

// Runs the handshake(s) against one endpoint. The first handshake never presents a client
// certificate, so that "required" is measured; when the server requires one and
// options.cert_file is set, a second handshake presents it. Never throws for network or TLS
// trouble (those are statuses).
asio::awaitable<HandshakeResult> openssl_handshake(asio::any_io_executor ex,
                                                   asio::ip::tcp::endpoint target,
                                                   const HandshakeOptions& options);

// Copies the certificate half into the record's tls_audit: chain, trusted, verify_error,
// client_cert_requested/required; adds the handshakes made. Leaves versions, ciphers and
// profiles (the raw enumerator's) alone.
void fill_audit(const HandshakeResult& result, record::TlsAuditRecord& audit);

}  // namespace dicomsec::probes::tls
