// What OpenSSL shows of one client connection, gathered through its callbacks: the server's
// handshake messages and alerts (msg callback) and its certificate chain with the verdict of
// verification (verify callback, which records and never rejects). Shared by the
// certificate handshake and by DICOM inside TLS.
#pragma once

#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/connection.hpp"
#include "record/record.hpp"

struct ssl_st;

namespace dicomsec::probes::tls {

struct Observed {
  std::time_t now = 0;  // for the certificates' expired / not yet valid
  bool server_hello = false;
  bool server_certificate = false;
  bool cert_requested = false;  // CertificateRequest received
  std::optional<std::uint8_t> first_record_type;  // of the first record the server sent
  std::optional<int> alert;  // last alert received, other than close_notify
  // After the handshake completed (set handshake_done then):
  bool handshake_done = false;
  bool ticket_after = false;       // NewSessionTicket received
  std::optional<int> alert_after;  // alert received
  // Verification (only with record_verification):
  bool verified = false;  // the verify callback ran
  std::vector<record::TlsCertRecord> chain;
  std::string verify_error;
};

// Hooks `ob` to the SSL object (msg callback; with record_verification also SSL_VERIFY_PEER
// with a callback that records and accepts). `ob` must outlive every operation on ssl until
// unobserve().
void observe(ssl_st* ssl, Observed* ob, bool record_verification);
void unobserve(ssl_st* ssl);

// TLS 1.3 servers judge the client's certificate (or its absence) after the client's
// Finished, so a completed handshake may still be refused. Listens for that verdict: ends on
// an alert (refused; ob.alert_after), data or a NewSessionTicket (accepted), or after
// `window` of silence. Marks ob.handshake_done.
asio::awaitable<void> await_verdict(std::shared_ptr<net::Connection> conn, Observed& ob,
                                    net::Millis window);

// The window for await_verdict: three times the handshake's own duration, at least 300 ms,
// at most the I/O timeout.
net::Millis verdict_window(net::Millis handshake_took, net::Millis io_timeout);

// True when the server's verdict is pending: TLS 1.3 and it asked for a client certificate.
bool verdict_pending(ssl_st* ssl, const Observed& ob);

}  // namespace dicomsec::probes::tls
