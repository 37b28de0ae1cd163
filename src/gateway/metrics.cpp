#include "gateway/metrics.hpp"

#include <fmt/format.h>

#include <array>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "net/connection.hpp"

namespace dicomsec::gateway {

std::string Metrics::exposition() const {
  std::string o;
  auto counter = [&](const char* name, const char* help, std::uint64_t v) {
    o += fmt::format("# HELP {0} {1}\n# TYPE {0} counter\n{0} {2}\n", name, help, v);
  };
  auto gauge = [&](const char* name, const char* help, std::uint64_t v) {
    o += fmt::format("# HELP {0} {1}\n# TYPE {0} gauge\n{0} {2}\n", name, help, v);
  };
  counter("dicomsec_gateway_connections_total", "TCP connections accepted.", connections);
  counter("dicomsec_gateway_associations_accepted_total",
          "Associations accepted by the upstream and relayed.", accepted);
  o += "# HELP dicomsec_gateway_associations_rejected_total Associations refused, by reason.\n"
       "# TYPE dicomsec_gateway_associations_rejected_total counter\n";
  for (const auto& [reason, n] : rejected)
    o += fmt::format("dicomsec_gateway_associations_rejected_total{{reason=\"{}\"}} {}\n", reason,
                     n);
  o += "# HELP dicomsec_gateway_associations_ended_total Connections ended, by how.\n"
       "# TYPE dicomsec_gateway_associations_ended_total counter\n";
  for (const auto& [reason, n] : ended)
    o += fmt::format("dicomsec_gateway_associations_ended_total{{reason=\"{}\"}} {}\n", reason, n);
  o += "# HELP dicomsec_gateway_bytes_total Bytes received, by side.\n"
       "# TYPE dicomsec_gateway_bytes_total counter\n";
  o += fmt::format("dicomsec_gateway_bytes_total{{from=\"client\"}} {}\n", bytes_from_client);
  o += fmt::format("dicomsec_gateway_bytes_total{{from=\"upstream\"}} {}\n", bytes_from_upstream);
  gauge("dicomsec_gateway_active_associations", "Associations relaying now.", active);
  gauge("dicomsec_gateway_open_connections", "Client connections open now.", open_connections);
  o += "# HELP dicomsec_gateway_tls_handshake_failures_total TLS handshakes that failed.\n"
       "# TYPE dicomsec_gateway_tls_handshake_failures_total counter\n";
  o += fmt::format("dicomsec_gateway_tls_handshake_failures_total{{side=\"client\"}} {}\n",
                   tls_handshake_failures_in);
  o += fmt::format("dicomsec_gateway_tls_handshake_failures_total{{side=\"upstream\"}} {}\n",
                   tls_handshake_failures_out);
  counter("dicomsec_gateway_instances_transferred_total",
          "C-STORE instances answered with success or warning.", instances);
  return o;
}

namespace {

asio::awaitable<void> answer(std::shared_ptr<net::Connection> conn,
                             std::shared_ptr<const Metrics> m) {
  std::array<std::uint8_t, 2048> buf{};
  std::string request;
  // Read the request head (bounded: 8 KiB, 2 s per read); the path is not looked at.
  for (int i = 0; i < 4 && request.find("\r\n\r\n") == std::string::npos; ++i) {
    auto r = co_await conn->read_some(buf, net::Millis(2000));
    if (!r.ok()) break;
    request.append(reinterpret_cast<const char*>(buf.data()), r.bytes);
  }
  const std::string body = m->exposition();
  const std::string text = fmt::format(
      "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\n"
      "Connection: close\r\n\r\n{}",
      body.size(), body);
  co_await conn->write_all(
      std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()),
      net::Millis(2000));
  conn->close();
}

asio::awaitable<void> accept_loop(std::shared_ptr<net::Listener> l,
                                  std::shared_ptr<const Metrics> m) {
  asio::steady_timer pause(co_await asio::this_coro::executor);
  for (;;) {
    auto [r, conn] = co_await l->accept(net::Millis(3600 * 1000));
    if (r.error == net::IoError::Timeout) continue;
    if (!r.ok() || !conn) {
      if (net::is_local_error(r.code)) {
        // Out of descriptors (EMFILE) for a moment: the scrape endpoint must outlive it,
        // as the gateway's own accept loop does.
        pause.expires_after(net::Millis(100));
        co_await pause.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
        continue;
      }
      co_return;  // the listener was closed
    }
    asio::co_spawn(conn->socket().get_executor(), answer(conn, m), asio::detached);
  }
}

}  // namespace

asio::ip::tcp::endpoint serve_metrics(const asio::any_io_executor& ex,
                                      const asio::ip::tcp::endpoint& at,
                                      std::shared_ptr<const Metrics> metrics, std::error_code& ec) {
  auto l = net::Listener::open(ex, at, ec);
  if (!l) return {};
  const auto ep = l->local_endpoint();
  asio::co_spawn(ex, accept_loop(l, std::move(metrics)), asio::detached);
  return ep;
}

}  // namespace dicomsec::gateway
