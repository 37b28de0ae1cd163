#include "probes/tls/observer.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "probes/tls/cert_info.hpp"

namespace dicomsec::probes::tls {

namespace {

constexpr net::Millis kVerdictMin{300};
constexpr int kMaxChain = 16;  // certificates kept from one chain

int observed_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

// SSL_set_msg_callback: every protocol message in both directions, after decryption.
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
      else if (b[0] == SSL3_MT_NEWSESSION_TICKET && ob->handshake_done) ob->ticket_after = true;
      break;
    case SSL3_RT_ALERT:
      if (len >= 2 && b[1] != SSL_AD_CLOSE_NOTIFY) {
        ob->alert = b[1];
        if (ob->handshake_done) ob->alert_after = b[1];
      }
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

}  // namespace

void observe(ssl_st* ssl, Observed* ob, bool record_verification) {
  if (!ssl || !ob) return;
  SSL_set_ex_data(ssl, observed_index(), ob);
  SSL_set_msg_callback(ssl, on_message);
  SSL_set_msg_callback_arg(ssl, ob);
  if (record_verification) SSL_set_verify(ssl, SSL_VERIFY_PEER, on_verify);
}

void unobserve(ssl_st* ssl) {
  if (!ssl) return;
  SSL_set_msg_callback(ssl, nullptr);
  SSL_set_msg_callback_arg(ssl, nullptr);
  SSL_set_ex_data(ssl, observed_index(), nullptr);
}

net::Millis verdict_window(net::Millis handshake_took, net::Millis io_timeout) {
  return std::min(io_timeout, std::max(kVerdictMin, 3 * handshake_took));
}

bool verdict_pending(ssl_st* ssl, const Observed& ob) {
  return ssl && SSL_version(ssl) == TLS1_3_VERSION && ob.cert_requested;
}

asio::awaitable<void> await_verdict(std::shared_ptr<net::Connection> conn, Observed& ob,
                                    net::Millis window) {
  using namespace asio::experimental::awaitable_operators;
  ob.handshake_done = true;
  std::array<std::uint8_t, 256> buf{};
  bool done = false;
  // A NewSessionTicket does not end a read (OpenSSL goes on waiting for data): a watcher
  // looks for one and cancels the read.
  auto watch = [&]() -> asio::awaitable<void> {
    asio::steady_timer tick(co_await asio::this_coro::executor);
    while (!done && !ob.ticket_after) {
      tick.expires_after(net::Millis(5));
      auto [ec] = co_await tick.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
      if (ec) co_return;
    }
    if (done) co_return;  // the read ended by itself
    std::error_code ignored;
    conn->socket().cancel(ignored);
  };
  auto read = [&]() -> asio::awaitable<void> {
    co_await conn->read_some(buf, window);
    done = true;
  };
  co_await (read() && watch());
}

}  // namespace dicomsec::probes::tls
