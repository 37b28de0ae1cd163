#include "probes/tls/handshake.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

#include "probes/tls/cert_info.hpp"
#include "probes/tls/context.hpp"

namespace dicomsec::probes::tls {

namespace {

using scan::Status;

// After a completed handshake we say goodbye with close_notify. When the server still has
// to judge our (absent) client certificate — TLS 1.3, where its verdict follows our
// Finished — we wait the full I/O timeout for its answer; otherwise only this long, so a
// server that ignores close_notify costs little.
constexpr net::Millis kPoliteShutdown{500};
constexpr int kMaxChain = 16;  // certificates kept from one chain

// What OpenSSL's callbacks saw on one connection.
struct Observed {
  std::time_t now = 0;
  bool server_hello = false;
  bool server_certificate = false;
  bool cert_requested = false;
  std::optional<std::uint8_t> first_record_type;  // of the first record the server sent
  std::optional<int> alert;                        // last alert received other than close_notify
  bool verified = false;                           // the verify callback ran
  std::vector<scan::TlsCertRecord> chain;
  std::string verify_error;
};

int observed_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

// SSL_CTX_set_msg_callback: every protocol message, in both directions, after decryption.
void on_message(int write_p, int /*version*/, int content_type, const void* buf,
                std::size_t len, SSL* /*ssl*/, void* arg) {
  auto* ob = static_cast<Observed*>(arg);
  if (!ob || !buf || len == 0 || write_p) return;
  const auto* b = static_cast<const unsigned char*>(buf);
  switch (content_type) {
    case SSL3_RT_HEADER:
      if (!ob->first_record_type) ob->first_record_type = b[0];
      break;
    case SSL3_RT_HANDSHAKE:
      // RFC 8446 4 / RFC 5246 7.4: the first byte is the handshake message type.
      if (b[0] == SSL3_MT_SERVER_HELLO) ob->server_hello = true;
      else if (b[0] == SSL3_MT_CERTIFICATE) ob->server_certificate = true;
      else if (b[0] == SSL3_MT_CERTIFICATE_REQUEST) ob->cert_requested = true;
      break;
    case SSL3_RT_ALERT:
      if (len >= 2 && b[1] != SSL_AD_CLOSE_NOTIFY) ob->alert = b[1];
      break;
    default: break;
  }
}

// Records the chain as sent and the first verification error; never rejects (returns 1).
int on_verify(int ok, X509_STORE_CTX* store) {
  auto* ssl = static_cast<SSL*>(
      X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* ob = ssl ? static_cast<Observed*>(SSL_get_ex_data(ssl, observed_index())) : nullptr;
  if (!ob) return 1;
  if (!ob->verified) {
    ob->verified = true;
    // The untrusted stack is the server's Certificate message, leaf first.
    if (STACK_OF(X509)* sent = X509_STORE_CTX_get0_untrusted(store)) {
      const int n = std::min(sk_X509_num(sent), kMaxChain);
      for (int i = 0; i < n; ++i) ob->chain.push_back(cert_record(sk_X509_value(sent, i), ob->now));
    } else if (X509* leaf = X509_STORE_CTX_get0_cert(store)) {
      ob->chain.push_back(cert_record(leaf, ob->now));
    }
  }
  if (!ok && ob->verify_error.empty())
    ob->verify_error = X509_verify_cert_error_string(X509_STORE_CTX_get_error(store));
  return 1;
}

struct Attempt {
  net::IoResult connect;
  net::IoResult handshake;
  net::IoResult shutdown;
  Observed ob;
  std::string version;
  std::string cipher;
  std::string openssl_reason;  // OpenSSL's reason for a failed handshake
  // The server ended the connection with an alert after a completed handshake (TLS 1.3:
  // its verdict on our client certificate).
  [[nodiscard]] bool refused_after_handshake() const {
    return handshake.ok() && !shutdown.ok() && ob.alert.has_value();
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
  a.handshake = co_await conn->start_tls(std::move(ctx), o.io_timeout, [&](SSL* ssl) {
    SSL_set_ex_data(ssl, observed_index(), &a.ob);
    SSL_set_msg_callback(ssl, on_message);
    SSL_set_msg_callback_arg(ssl, &a.ob);
    SSL_set_verify(ssl, SSL_VERIFY_PEER, on_verify);
    configure_client(ssl, o.sni);
  });
  if (!a.handshake.ok() && net::is_tls_error(a.handshake)) {
    const char* reason = ERR_reason_error_string(static_cast<unsigned long>(a.handshake.code.value()));
    a.openssl_reason = reason ? reason : a.handshake.code.message();
  }
  SSL* ssl = conn->tls_handle();
  if (ssl && a.ob.server_hello) {
    a.version = version_name(SSL_get_version(ssl));
    const SSL_CIPHER* c = SSL_get_current_cipher(ssl);
    if (!c) c = SSL_get_pending_cipher(ssl);
    if (c) a.cipher = SSL_CIPHER_standard_name(c) ? SSL_CIPHER_standard_name(c) : SSL_CIPHER_get_name(c);
  }
  if (a.handshake.ok() && ssl) {
    const bool verdict_pending = SSL_version(ssl) == TLS1_3_VERSION && a.ob.cert_requested;
    a.shutdown = co_await conn->shutdown_tls(verdict_pending ? o.io_timeout
                                                             : std::min(o.io_timeout, kPoliteShutdown));
  }
  if (ssl) {
    // The callbacks point into this frame: unhook them before the connection outlives it.
    SSL_set_msg_callback(ssl, nullptr);
    SSL_set_msg_callback_arg(ssl, nullptr);
    SSL_set_ex_data(ssl, observed_index(), nullptr);
  }
  conn->close();
  ERR_clear_error();
}

Status connect_status(net::IoError e) {
  switch (e) {
    case net::IoError::Timeout: return Status::ConnectionTimeout;
    case net::IoError::Unreachable: return Status::Unreachable;
    default: return Status::ConnectionRefused;
  }
}

bool is_tls_record_type(std::uint8_t t) { return t >= 20 && t <= 24; }  // RFC 8446 5.1

// Why a handshake that yielded no certificate failed: status and one line.
void describe_failure(const Attempt& a, HandshakeResult& r) {
  const auto& h = a.handshake;
  const bool answered = a.ob.first_record_type.has_value();
  if (answered && !is_tls_record_type(*a.ob.first_record_type)) {
    r.status = Status::ProtocolError;
    r.detail = fmt::format("not TLS: the server answered the ClientHello with a record of "
                           "type 0x{:02x}", *a.ob.first_record_type);
    return;
  }
  if (h.error == net::IoError::Timeout) {
    r.status = Status::IoTimeout;
    r.detail = answered ? "the server stopped answering mid-handshake"
                        : "no answer to the ClientHello";
    return;
  }
  r.status = Status::TlsError;
  if (a.ob.alert) {
    r.detail = "the server ended the handshake with alert \"" + alert_name(*a.ob.alert) + "\"";
  } else if (h.error == net::IoError::Closed || h.error == net::IoError::Reset) {
    r.detail = std::string(h.error == net::IoError::Reset ? "connection reset" : "connection closed") +
               (answered ? " by the server during the handshake"
                         : " by the server without answering the ClientHello");
  } else if (!a.openssl_reason.empty()) {
    r.detail = "handshake failed: " + a.openssl_reason;
  } else {
    r.detail = "handshake failed: " + h.code.message();
  }
}

}  // namespace

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
    r.status = connect_status(first.connect.error);
    r.detail = first.connect.code.message();
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
  r.completed = first.completed();
  // We sent no certificate; a server that asked for one and then ended the connection
  // (TLS 1.2: alert in the handshake; TLS 1.3: alert after it) requires one.
  const bool refused =
      first.refused_after_handshake() ||
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
      r.detail = "the server refused our client certificate" +
                 (second.ob.alert ? " (alert \"" + alert_name(*second.ob.alert) + "\")"
                                  : std::string());
      if (second.ob.alert) r.alert = alert_name(*second.ob.alert);
    }
  }
  co_return r;
}

}  // namespace dicomsec::probes::tls
