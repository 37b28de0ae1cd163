#include "probes/tls/transport.hpp"

#include <chrono>

#include "probes/tls/cert_info.hpp"
#include "probes/tls/context.hpp"
#include "probes/tls/observer.hpp"

namespace dicomsec::probes::tls {

namespace {

using record::Status;

Status connect_status(net::IoError e) {
  switch (e) {
    case net::IoError::Refused:
      return Status::ConnectionRefused;
    case net::IoError::Timeout:
      return Status::ConnectionTimeout;
    case net::IoError::Unreachable:
      return Status::Unreachable;
    case net::IoError::Local:
      return Status::LocalError;
    default:
      return Status::ConnectionRefused;
  }
}

std::uint64_t ms_since(net::Clock::time_point t0) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<net::Millis>(net::Clock::now() - t0).count());
}

}  // namespace

std::optional<ClientTls> make_client_tls(const HandshakeOptions& o, std::string& error) {
  auto ctx = make_client_context(o, true, error);
  if (!ctx) return std::nullopt;
  return ClientTls{std::move(ctx), o.sni, !o.cert_file.empty()};
}

asio::awaitable<Transport> open_transport(asio::any_io_executor ex, asio::ip::tcp::endpoint target,
                                          const TransportOptions& o, const ClientTls* tls) {
  Transport t;
  std::shared_ptr<net::Connection> conn;
  net::IoResult c;
  const auto t0 = net::Clock::now();
  for (unsigned attempt = 0; attempt <= o.retries; ++attempt) {
    conn = net::Connection::make(ex);
    c = co_await conn->connect(target, o.connect_timeout);
    if (c.error != net::IoError::Timeout) break;
  }
  t.connect_ms = ms_since(t0);
  if (!c.ok()) {
    t.status = connect_status(c.error);
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
