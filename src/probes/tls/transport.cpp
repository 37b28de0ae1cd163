#include "probes/tls/transport.hpp"

#include <chrono>

#include "probes/connect.hpp"
#include "probes/tls/cert_info.hpp"
#include "probes/tls/context.hpp"
#include "probes/tls/observer.hpp"

namespace dicomsec::probes::tls {

using record::Status;

std::optional<ClientTls> make_client_tls(const HandshakeOptions& o, std::string& error) {
  auto ctx = make_client_context(o, true, error);
  if (!ctx) return std::nullopt;
  return ClientTls{std::move(ctx), o.sni, !o.cert_file.empty()};
}

asio::awaitable<Transport> open_transport(asio::any_io_executor ex, asio::ip::tcp::endpoint target,
                                          const TransportOptions& o, const ClientTls* tls) {
  Transport t;
  auto connected = co_await connect_with_retries(ex, target, o.connect_timeout, o.retries);
  auto conn = std::move(connected.conn);
  const auto& c = connected.result;
  t.connect_ms = connected.connect_ms;
  if (!c.ok()) {
    t.status = connect_failure_status(c.error);
    t.detail = net::error_text(c);
    co_return t;
  }
  if (!tls) {
    t.conn = std::move(conn);
    co_return t;
  }
  // A TLS 1.3 server that asked for our certificate judges it after the handshake: wait for
  // that verdict first.
  Observed ob;
  const auto h0 = net::Clock::now();
  auto h = co_await conn->start_tls(tls->context, o.io_timeout, [&](ssl_st* ssl) {
    observe(ssl, &ob, false);
    configure_client(ssl, tls->sni);
  });
  const auto took = std::chrono::duration_cast<net::Millis>(net::Clock::now() - h0);
  if (h.ok() && verdict_pending(conn->tls_handle(), ob))
    co_await await_verdict(conn, ob, verdict_window(took, o.io_timeout));
  // The callbacks point into this frame.
  unobserve(conn->tls_handle());
  if (!h.ok() || ob.alert_after) {
    t.status = h.error == net::IoError::Timeout ? Status::IoTimeout : Status::TlsError;
    if (ob.alert)
      t.detail = "TLS handshake failed: alert \"" + alert_name(*ob.alert) + "\"";
    else
      t.detail = "TLS handshake failed: " + h.code.message();
    if (ob.cert_requested && !tls->client_cert)
      t.detail += " (the server asked for a client certificate; none was given)";
    conn->close();
    co_return t;
  }
  t.tls = true;
  t.conn = std::move(conn);
  co_return t;
}

}  // namespace dicomsec::probes::tls
