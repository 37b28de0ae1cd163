// The gateway's I/O half (issue 15 §1, §2, §5): listeners, TLS in and out, one coroutine
// per client connection that drives a gateway::Session, the audit trail, metrics, the
// one-line-per-association log on stderr and the graceful drain.
#pragma once

#include <asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit.hpp"
#include "core/result.hpp"
#include "gateway/metrics.hpp"
#include "gateway/policy.hpp"

namespace dicomsec::gateway {

// One listener: the keys of the command line (and of each `listeners:` entry of --config).
struct ListenerConfig {
  std::string listen;    // ADDR:PORT ([v6]:PORT)
  std::string upstream;  // HOST:PORT
  bool tls_in = false;
  std::string cert, key, client_ca;
  bool require_client_cert = false;
  bool tls_out = false;
  std::string upstream_ca, upstream_cert, upstream_key, upstream_name;
  std::string profile = "bcp195-nd";
  std::vector<std::string> allow;
  std::vector<std::string> rewrite_called;
  bool bind_cert_ae = false;
  std::map<std::string, std::string> cert_ae;  // certificate name -> calling AE (config only)
  std::uint64_t max_associations = 1000;
  std::uint32_t max_pdu = 1U << 20;
  unsigned artim_s = 30;
  unsigned idle_timeout_s = 0;  // 0: none
};

struct GatewayConfig {
  std::vector<ListenerConfig> listeners;
  audit::Options audit;
  std::string metrics;                // ADDR:PORT, empty: none
  unsigned drain_s = 30;              // SIGTERM: how long live associations may finish
  unsigned cert_poll_ms = 2000;       // file watch of the --cert/--key/--client-ca files
  std::uint64_t max_connections = 0;  // open client connections (0: 4 x the sum of limits)
};

// A parsed HOST:PORT / [V6]:PORT.
struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};
Result<HostPort> parse_host_port(std::string_view text);

class Gateway {
 public:
  // Checks the whole configuration (files, rules, addresses) and binds every listener; the
  // error names the key at fault.
  static Result<std::unique_ptr<Gateway>> create(asio::io_context& io, GatewayConfig config,
                                                 std::FILE* log);
  ~Gateway();
  // Starts accepting, the metrics responder, the certificate watch, the audit trail.
  void start();
  // SIGTERM: stop accepting, let live associations end for drain_s, then abort them; calls
  // done() once nothing is left.
  void drain(std::function<void()> done);
  [[nodiscard]] const Metrics& metrics() const;
  [[nodiscard]] std::vector<asio::ip::tcp::endpoint> endpoints() const;
  [[nodiscard]] std::optional<asio::ip::tcp::endpoint> metrics_endpoint() const;
  // Reloads the certificates of every --tls-in listener now. Like a reload on SIGHUP or a
  // file change, it is audited (Security Alert, Security Configuration) and logged.
  void reload_certificates();

  struct Impl;

 private:
  explicit Gateway(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dicomsec::gateway
