// `dicomsec gateway`: the DICOM-aware TLS gateway (issue 15). Options struct, CLI11 setup
// and run; everything else is in src/gateway/. --config FILE.yaml gives many listeners with
// the same keys as the command line (docs/dicomsec.1.md, "gateway").
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <cstdio>

#include "app/commands.hpp"
#include "gateway/server.hpp"
#include "gateway/tls.hpp"
#include "scan/fd_limit.hpp"

namespace dicomsec::app {

namespace {

struct GatewayOptions {
  gateway::ListenerConfig cli;
  std::string config_file;
  std::string audit_jsonl, audit_syslog, audit_phi = "none", audit_ca;
  std::string metrics;
  unsigned drain_s = 30;
  unsigned cert_poll_ms = 2000;
  unsigned max_connections = 0;
};

// One key of a listener, from the YAML node `n` (a listener entry or the top level).
void read_listener_keys(const YAML::Node& n, gateway::ListenerConfig& c) {
  auto str = [&](const char* key, std::string& to) {
    if (n[key]) to = n[key].as<std::string>();
  };
  auto flag = [&](const char* key, bool& to) {
    if (n[key]) to = n[key].as<bool>();
  };
  auto list = [&](const char* key, std::vector<std::string>& to) {
    if (!n[key]) return;
    if (n[key].IsSequence())
      to = n[key].as<std::vector<std::string>>();
    else
      to = {n[key].as<std::string>()};
  };
  str("listen", c.listen);
  str("upstream", c.upstream);
  flag("tls-in", c.tls_in);
  str("cert", c.cert);
  str("key", c.key);
  str("client-ca", c.client_ca);
  flag("require-client-cert", c.require_client_cert);
  flag("tls-out", c.tls_out);
  str("upstream-ca", c.upstream_ca);
  str("upstream-cert", c.upstream_cert);
  str("upstream-key", c.upstream_key);
  str("upstream-name", c.upstream_name);
  str("profile", c.profile);
  list("allow", c.allow);
  list("rewrite-called", c.rewrite_called);
  flag("bind-cert-ae", c.bind_cert_ae);
  if (n["cert-ae"]) c.cert_ae = n["cert-ae"].as<std::map<std::string, std::string>>();
  if (n["max-associations"]) c.max_associations = n["max-associations"].as<std::uint64_t>();
  if (n["max-pdu"]) c.max_pdu = n["max-pdu"].as<std::uint32_t>();
  if (n["artim"]) c.artim_s = n["artim"].as<unsigned>();
  if (n["idle-timeout"]) c.idle_timeout_s = n["idle-timeout"].as<unsigned>();
}

gateway::GatewayConfig build_config(const GatewayOptions& o) {
  gateway::GatewayConfig g;
  g.audit.jsonl_path = o.audit_jsonl;
  g.audit.syslog_url = o.audit_syslog;
  g.audit.phi_ids = o.audit_phi == "ids";
  g.audit.tls_ca = o.audit_ca;
  g.metrics = o.metrics;
  g.drain_s = o.drain_s;
  g.cert_poll_ms = o.cert_poll_ms;
  g.max_connections = o.max_connections;
  if (!o.config_file.empty()) {
    YAML::Node root;
    try {
      root = YAML::LoadFile(o.config_file);
    } catch (const YAML::Exception& e) {
      throw UsageError(fmt::format("--config {}: {}", o.config_file, e.what()));
    }
    try {
      auto str = [&](const char* key, std::string& to) {
        if (root[key]) to = root[key].as<std::string>();
      };
      str("audit-jsonl", g.audit.jsonl_path);
      str("audit-syslog", g.audit.syslog_url);
      str("audit-ca", g.audit.tls_ca);
      if (root["audit-phi"]) g.audit.phi_ids = root["audit-phi"].as<std::string>() == "ids";
      str("metrics", g.metrics);
      if (root["drain"]) g.drain_s = root["drain"].as<unsigned>();
      // Top-level listener keys are the defaults of every entry of `listeners:`.
      gateway::ListenerConfig defaults = o.cli;
      defaults.listen.clear();
      defaults.upstream.clear();
      read_listener_keys(root, defaults);
      if (root["listeners"]) {
        if (!root["listeners"].IsSequence())
          throw UsageError("--config " + o.config_file + ": 'listeners' must be a list");
        for (const auto& n : root["listeners"]) {
          auto c = defaults;
          read_listener_keys(n, c);
          g.listeners.push_back(std::move(c));
        }
      } else if (!defaults.listen.empty()) {
        g.listeners.push_back(defaults);
      }
    } catch (const YAML::Exception& e) {
      throw UsageError(fmt::format("--config {}: {}", o.config_file, e.what()));
    }
  }
  if (!o.cli.listen.empty() || !o.cli.upstream.empty()) g.listeners.push_back(o.cli);
  return g;
}

int run_gateway(const GatewayOptions& o) {
  auto config = build_config(o);
  if (config.listeners.empty())
    throw UsageError("give --listen ADDR:PORT and --upstream HOST:PORT (or --config FILE)");
  std::uint64_t wanted = 0;
  for (const auto& c : config.listeners) {
    if (c.listen.empty()) throw UsageError("a listener has no --listen");
    if (c.upstream.empty()) throw UsageError("listener " + c.listen + " has no --upstream");
    wanted += c.max_associations;
  }
  // Two descriptors per association (client and upstream), plus connections that have not
  // sent their A-ASSOCIATE-RQ yet: raise RLIMIT_NOFILE like the scanner does.
  (void)scan::fit_concurrency(static_cast<unsigned>(std::min<std::uint64_t>(wanted * 2, 1U << 20)),
                              2, stderr);
  asio::io_context io;
  auto gw = gateway::Gateway::create(io, config, stderr);
  if (!gw) throw UsageError(gw.error().message);
  auto& g = **gw;
  for (std::size_t i = 0; i < config.listeners.size(); ++i) {
    const auto& c = config.listeners[i];
    const auto ep = g.endpoints()[i];
    std::fprintf(stderr, "gateway: listening on %s:%u%s -> %s%s (profile %s)\n",
                 ep.address().to_string().c_str(), ep.port(), c.tls_in ? " (TLS)" : "",
                 c.upstream.c_str(), c.tls_out ? " (TLS)" : "", c.profile.c_str());
    if (c.allow.empty())
      std::fprintf(stderr,
                   "gateway: warning: no --allow on %s: any calling AE from any address reaches "
                   "the upstream\n",
                   c.listen.c_str());
  }
  if (const auto m = g.metrics_endpoint())
    std::fprintf(stderr, "gateway: metrics on http://%s:%u/metrics\n",
                 m->address().to_string().c_str(), m->port());
  std::fflush(stderr);
  g.start();
  asio::signal_set stop(io, SIGTERM, SIGINT);
  asio::signal_set hup(io, SIGHUP);
  // Each --tls-in listener's CertStore reloads (and audits) on SIGHUP itself; this handler
  // only keeps SIGHUP from ending a gateway without TLS listeners, and a second reload here
  // would report every SIGHUP twice.
  std::function<void(const std::error_code&, int)> on_hup = [&](const std::error_code& ec, int) {
    // Each TLS listener's certificate store reloads on SIGHUP itself (and audits it); this
    // handler only keeps SIGHUP from ending a gateway that has no TLS listener.
    if (ec) return;
    hup.async_wait(on_hup);
  };
  hup.async_wait(on_hup);
  stop.async_wait([&](const std::error_code& ec, int sig) {
    if (ec) return;
    std::fprintf(stderr, "gateway: %s: no new connections; draining\n",
                 sig == SIGTERM ? "SIGTERM" : "SIGINT");
    g.drain([&] {
      std::fprintf(stderr, "gateway: stopped\n");
      std::fflush(stderr);
      io.stop();
    });
    // A second signal stops at once.
    stop.async_wait([&](const std::error_code& e2, int) {
      if (!e2) io.stop();
    });
  });
  io.run();
  return kExitOk;
}

}  // namespace

Runner setup_gateway(CLI::App& app) {
  auto o = std::make_shared<GatewayOptions>();
  auto& c = o->cli;
  app.description(
      "A DICOM-aware TLS gateway in front of a legacy device: TLS in, TLS out, both, or\n"
      "neither (an AE-title firewall). Reads each A-ASSOCIATE-RQ and decides before the\n"
      "upstream is contacted; refusals are proper A-ASSOCIATE-RJ (calling AE 1/1/3, called\n"
      "AE 1/1/7, address 1/1/1, over --max-associations 2/3/2). One line per association on\n"
      "stderr; SIGTERM drains, SIGHUP reloads certificates.");
  app.add_option("--listen", c.listen, "Address and port to accept on (ADDR:PORT, [V6]:PORT)");
  app.add_option("--upstream", c.upstream, "The DICOM service to relay to (HOST:PORT)");
  app.add_flag("--tls-in", c.tls_in, "Terminate TLS from clients (needs --cert --key)");
  app.add_option("--cert", c.cert, "Server certificate chain (PEM) for --tls-in");
  app.add_option("--key", c.key, "Server private key (PEM) for --tls-in");
  app.add_option("--client-ca", c.client_ca, "CA bundle that verifies client certificates");
  app.add_flag("--require-client-cert", c.require_client_cert,
               "Refuse TLS clients without a certificate signed by --client-ca");
  app.add_flag("--tls-out", c.tls_out, "Speak TLS to the upstream");
  app.add_option("--upstream-ca", c.upstream_ca, "CA bundle that verifies the upstream");
  app.add_option("--upstream-cert", c.upstream_cert, "Client certificate for the upstream");
  app.add_option("--upstream-key", c.upstream_key, "Client key for the upstream");
  app.add_option("--upstream-name", c.upstream_name,
                 "Name (or address) the upstream certificate must carry; also the SNI");
  app.add_option("--profile", c.profile,
                 "PS3.15 profile: bcp195, bcp195-nd (default), bcp195-ext, bcp195-rfc8996, "
                 "bcp195-rfc8996-mod")
      ->check(CLI::IsMember(
          {"bcp195", "bcp195-nd", "bcp195-ext", "bcp195-rfc8996", "bcp195-rfc8996-mod"}));
  app.add_option("--allow", c.allow,
                 "CALLING[:CALLED][@CIDR], repeatable; '*' matches any AE title. None: any AE "
                 "(warned at start)");
  app.add_flag("--bind-cert-ae", c.bind_cert_ae,
               "The client certificate's CN or a SAN must equal the calling AE (else 1/1/3)");
  app.add_option("--rewrite-called", c.rewrite_called, "FROM:TO: called AE sent upstream");
  app.add_option("--max-associations", c.max_associations,
                 "Associations relayed at once; beyond it 2/3/2 (default 1000)")
      ->check(whole_number(1, 1000000));
  app.add_option("--max-pdu", c.max_pdu,
                 "Largest PDU relayed in either direction, bytes (default 1048576)")
      ->check(whole_number(4096, 1U << 30));
  app.add_option("--artim", c.artim_s,
                 "Seconds a connection may take to complete TLS and its A-ASSOCIATE-RQ, and the "
                 "upstream to answer (default 30)")
      ->check(whole_number(1, 3600));
  app.add_option("--idle-timeout", c.idle_timeout_s,
                 "Abort an association silent in both directions this long (0: never)")
      ->check(whole_number(0, 86400 * 7));
  app.add_option("--audit-jsonl", o->audit_jsonl, "Audit events as JSON lines to FILE");
  app.add_option("--audit-syslog", o->audit_syslog,
                 "DICOM audit messages over syslog: udp://H:P, tcp://H:P or tls://H:P");
  app.add_option("--audit-ca", o->audit_ca, "CA bundle that verifies a tls:// collector");
  app.add_option("--audit-phi", o->audit_phi, "none (default) or ids")
      ->check(CLI::IsMember({"none", "ids"}));
  app.add_option("--metrics", o->metrics, "Prometheus text metrics on ADDR:PORT");
  app.add_option("--config", o->config_file, "YAML file: many listeners, the same keys");
  app.add_option("--drain", o->drain_s, "SIGTERM: seconds live associations may finish (30)")
      ->check(whole_number(0, 3600));
  app.add_option("--max-connections", o->max_connections,
                 "Client connections open at once, RQ or not (default 2 x --max-associations + 64)")
      ->check(whole_number(0, 10000000));
  return [o] { return run_gateway(*o); };
}

}  // namespace dicomsec::app
