// Prometheus text metrics of the gateway (issue 15 §5) and the tiny HTTP responder that
// serves them on --metrics ADDR:PORT (GET any path: the exposition text, version 0.0.4).
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/ip/tcp.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace dicomsec::gateway {

struct Metrics {
  std::uint64_t connections = 0;                  // TCP connections accepted
  std::uint64_t accepted = 0;                     // associations the upstream accepted
  std::map<std::string, std::uint64_t> rejected;  // by reason (refusal or upstream-rejected)
  std::map<std::string, std::uint64_t> ended;     // by end reason
  std::uint64_t bytes_from_client = 0, bytes_from_upstream = 0;
  std::uint64_t active = 0;  // associations relaying now
  std::uint64_t open_connections = 0;
  std::uint64_t tls_handshake_failures_in = 0, tls_handshake_failures_out = 0;
  std::uint64_t instances = 0;  // C-STORE instances transferred (success/warning)

  [[nodiscard]] std::string exposition() const;
};

// Serves `metrics` until the executor stops. Returns the bound endpoint (port 0: chosen).
asio::ip::tcp::endpoint serve_metrics(const asio::any_io_executor& ex,
                                      const asio::ip::tcp::endpoint& at,
                                      std::shared_ptr<const Metrics> metrics, std::error_code& ec);

}  // namespace dicomsec::gateway
