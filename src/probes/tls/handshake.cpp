#include "probes/tls/handshake.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <ctime>

#include "probes/connect.hpp"
#include "probes/tls/cert_info.hpp"
#include "probes/tls/context.hpp"
#include "probes/tls/observer.hpp"

namespace dicomsec::probes::tls {

namespace {

using record::Status;

// Our close_notify is sent without waiting for the peer's (storescp never answers it).
constexpr net::Millis kCloseNotify{200};

struct Attempt {
  net::IoResult connect;
  net::IoResult handshake;
  Observed ob;
  std::string version;
  std::string cipher;
  std::string openssl_reason;  // OpenSSL's reason for a failed handshake
  // The server ended the connection with an alert after a completed handshake (TLS 1.3:
  // its verdict on our client certificate).
  [[nodiscard]] bool refused_after_handshake() const {
    return handshake.ok() && ob.alert_after.has_value();
  }
  [[nodiscard]] bool completed() const { return handshake.ok() && !refused_after_handshake(); }
};

asio::awaitable<void> run_attempt(asio::any_io_executor ex, asio::ip::tcp::endpoint target,
                                  const HandshakeOptions& o,
                                  std::shared_ptr<asio::ssl::context> ctx, Attempt& a) {
  a.ob.now = std::time(nullptr);
  auto conn = net::Connection::make(ex);
  a.connect = co_await conn->connect(target, o.connect_timeout);
  if (!a.connect.ok()) co_return;
  ERR_clear_error();
  const auto t0 = net::Clock::now();
  a.handshake = co_await conn->start_tls(std::move(ctx), o.io_timeout, [&](SSL* ssl) {
    observe(ssl, &a.ob, true);
    configure_client(ssl, o.sni);
  });
  const auto took = std::chrono::duration_cast<net::Millis>(net::Clock::now() - t0);
  if (!a.handshake.ok() && net::is_tls_error(a.handshake)) {
    const char* reason =
        ERR_reason_error_string(static_cast<unsigned long>(a.handshake.code.value()));
    a.openssl_reason = reason ? reason : a.handshake.code.message();
  }
  SSL* ssl = conn->tls_handle();
  if (ssl && a.ob.server_hello) {
    a.version = version_name(SSL_get_version(ssl));
    const SSL_CIPHER* c = SSL_get_current_cipher(ssl);
    if (!c) c = SSL_get_pending_cipher(ssl);
    if (c)
      a.cipher = SSL_CIPHER_standard_name(c) ? SSL_CIPHER_standard_name(c) : SSL_CIPHER_get_name(c);
  }
  if (a.handshake.ok() && ssl) {
    a.ob.handshake_done = true;
    if (verdict_pending(ssl, a.ob))
      co_await await_verdict(conn, a.ob, verdict_window(took, o.io_timeout));
    if (!a.ob.alert_after) {
      // close_notify, one way: mark the peer's as received so OpenSSL does not wait for it.
      SSL_set_shutdown(ssl, SSL_get_shutdown(ssl) | SSL_RECEIVED_SHUTDOWN);
      co_await conn->shutdown_tls(std::min(o.io_timeout, kCloseNotify));
    }
  }
  // The callbacks point into this frame: unhook them before the connection outlives it.
  unobserve(ssl);
  conn->close();
  ERR_clear_error();
}

bool is_tls_record_type(std::uint8_t t) { return t >= 20 && t <= 24; }  // RFC 8446 5.1

// Why a handshake did not complete: status and one line (the caller keeps success when a
// certificate arrived all the same).
void describe_failure(const Attempt& a, HandshakeResult& r) {
  const auto& h = a.handshake;
  const bool answered = a.ob.first_record_type.has_value();
  if (answered && !is_tls_record_type(*a.ob.first_record_type)) {
    r.status = Status::ProtocolError;
    r.detail = fmt::format(
        "not TLS: the server answered the ClientHello with a record of "
        "type 0x{:02x}",
        *a.ob.first_record_type);
    return;
  }
  if (h.error == net::IoError::Timeout) {
    r.status = Status::IoTimeout;
    r.detail =
        answered ? "the server stopped answering mid-handshake" : "no answer to the ClientHello";
    return;
  }
  r.status = Status::TlsError;
  if (a.ob.alert) {
    r.detail = "the server ended the handshake with alert \"" + alert_name(*a.ob.alert) + "\"";
  } else if (h.error == net::IoError::Closed || h.error == net::IoError::Reset) {
    r.detail =
        std::string(h.error == net::IoError::Reset ? "connection reset" : "connection closed") +
        (answered ? " by the server during the handshake"
                  : " by the server without answering the ClientHello");
  } else if (!a.openssl_reason.empty()) {
    r.detail = "handshake failed: " + a.openssl_reason;
  } else {
    r.detail = "handshake failed: " + h.code.message();
  }
}

}  // namespace

void fill_audit(const HandshakeResult& r, record::TlsAuditRecord& audit) {
  audit.chain = r.chain;
  audit.trusted = r.trusted;
  audit.verify_error = r.verify_error;
  audit.client_cert_requested = r.client_cert_requested;
  audit.client_cert_required = r.client_cert_required;
  audit.handshakes += r.handshakes;
}

asio::awaitable<HandshakeResult> openssl_handshake(asio::any_io_executor ex,
                                                   asio::ip::tcp::endpoint target,
                                                   const HandshakeOptions& o) {
  HandshakeResult r;
  std::string error;
  auto ctx = make_client_context(o, false, error);
  if (!ctx) {
    r.status = Status::TlsError;
    r.detail = error;
    co_return r;
  }
  Attempt first;
  co_await run_attempt(ex, target, o, std::move(ctx), first);
  if (!first.connect.ok()) {
    r.status = connect_failure_status(first.connect.error);
    r.detail = net::error_text(first.connect);
    co_return r;
  }
  r.handshakes = 1;
  r.version = first.version;
  r.cipher = first.cipher;
  r.chain = std::move(first.ob.chain);
  if (first.ob.verified) {
    r.trusted = first.ob.verify_error.empty();
    r.verify_error = first.ob.verify_error;
  }
  r.client_cert_requested = first.ob.cert_requested;
  if (first.ob.alert) r.alert = alert_name(*first.ob.alert);
  if (first.ob.alert_after) r.alert = alert_name(*first.ob.alert_after);
  r.completed = first.completed();
  // We sent no certificate; a server that asked for one and then ended the connection
  // (TLS 1.2: alert in the handshake; TLS 1.3: alert after it) requires one.
  const bool refused = first.refused_after_handshake() ||
                       (!first.handshake.ok() && first.handshake.error != net::IoError::Timeout);
  r.client_cert_required = first.ob.cert_requested && refused;

  if (!r.completed) describe_failure(first, r);
  // The server spoke TLS and showed its certificate: the audit has what it came for, even
  // when the handshake then stopped (the detail says why).
  if (r.completed || !r.chain.empty()) r.status = Status::Success;
  if (r.client_cert_required)
    r.detail = "the server requires a client certificate" +
               (r.alert.empty() ? std::string() : " (alert \"" + r.alert + "\")");

  if (r.client_cert_required && !o.cert_file.empty()) {
    auto ctx2 = make_client_context(o, true, error);
    if (!ctx2) {
      r.detail += "; " + error;
      co_return r;
    }
    Attempt second;
    co_await run_attempt(ex, target, o, std::move(ctx2), second);
    if (second.connect.ok()) ++r.handshakes;
    r.client_cert_accepted = second.connect.ok() && second.completed();
    if (*r.client_cert_accepted) {
      r.completed = true;
      r.version = second.version;
      r.cipher = second.cipher;
      r.detail.clear();
    } else {
      const auto& alert = second.ob.alert_after ? second.ob.alert_after : second.ob.alert;
      r.detail = "the server refused our client certificate" +
                 (alert ? " (alert \"" + alert_name(*alert) + "\")" : std::string());
      if (alert) r.alert = alert_name(*alert);
    }
  }
  co_return r;
}

}  // namespace dicomsec::probes::tls
