#include "scan/pipeline.hpp"

#include <algorithm>
#include <chrono>

#include "findings/honeypot.hpp"
#include "probes/dicom_ul/identify.hpp"
#include "probes/tls/enumerate.hpp"
#include "scan/ports.hpp"

namespace dicomsec::scan {

namespace {

asio::ip::tcp::endpoint endpoint_of(const Address& address, std::uint16_t port) {
  const auto ip = address.is_v4() ? asio::ip::address(asio::ip::address_v4(address.v4()))
                                  : asio::ip::address(asio::ip::address_v6(address.bytes));
  return {ip, port};
}

void adopt(record::ScanRecord& rec, probes::web::WebOutcome& w) {
  rec.web = std::move(w.web);
  rec.status = record::Status::Success;
  rec.detail.clear();
}

std::uint64_t ms_since(net::Clock::time_point started) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<net::Millis>(net::Clock::now() - started).count());
}

}  // namespace

FirstProbe first_probe(const PipelineConfig& config, std::uint16_t port) {
  if (config.tls_audit == TlsAuditMode::Forced ||
      (config.tls_audit == TlsAuditMode::Auto && port == kDicomTlsPort))
    return FirstProbe::TlsAudit;
  const auto& web_ports = config.plan.web_ports;
  if (config.plan.web_enabled &&
      std::find(web_ports.begin(), web_ports.end(), port) != web_ports.end())
    return FirstProbe::Web;
  return FirstProbe::Dicom;
}

bool should_sniff_tls(const PipelineConfig& config, const record::ScanRecord& record) {
  // A TLS server answers an A-ASSOCIATE-RQ at once (alert or close), so a peer that stayed
  // silent (io-timeout) is not a TLS server worth a second connection.
  return config.tls_audit == TlsAuditMode::Auto && record.port != kDicomTlsPort && !record.dicom &&
         !record.web && !record.answered_http && record::port_open(record.status) &&
         record.status != record::Status::IoTimeout;
}

probes::AccessProbeOptions access_options(const PipelineConfig& config,
                                          const record::ScanRecord& record) {
  auto options = config.access;
  // Access checks of a TLS service (record.tls) run inside TLS with the audit's client
  // setup: CA, client certificate, and the SNI of a target given by name.
  options.tls = config.tls.handshake;
  if (record.hostname) options.tls.sni = *record.hostname;
  return options;
}

probes::tls::AuditOptions audit_options(const PipelineConfig& config, const Address& address) {
  auto options = config.tls;
  if (const auto it = config.names.find(address); it != config.names.end()) {
    options.enumerate.sni = it->second;
    options.handshake.sni = it->second;
  }
  return options;
}

asio::awaitable<record::ScanRecord> probe_port(asio::any_io_executor ex,
                                               asio::ip::tcp::endpoint target, const PortPlan& plan,
                                               probes::web::WebRunner* runner, std::uint64_t seed) {
  const auto started = net::Clock::now();
  const bool web_port = runner != nullptr && plan.web_enabled &&
                        std::find(plan.web_ports.begin(), plan.web_ports.end(), target.port()) !=
                            plan.web_ports.end();
  if (web_port) {
    auto w = co_await probes::web::web_check(ex, target, plan.web, *runner);
    if (w.web || !record::port_open(w.status)) {
      record::ScanRecord rec;
      rec.ip = target.address().to_string();
      rec.port = target.port();
      rec.status = w.status;
      rec.detail = std::move(w.detail);
      rec.connect_ms = w.connect_ms;
      if (w.web) adopt(rec, w);
      rec.duration_ms = ms_since(started);
      co_return rec;
    }
    // Something listens but does not speak HTTP(S): maybe DICOM on a web-ish port.
    auto rec = co_await probes::dicom_probe(ex, target, plan.dicom, seed);
    if (!rec.dicom && !w.detail.empty()) rec.detail += "; web probe: " + w.detail;
    rec.duration_ms = ms_since(started);
    co_return rec;
  }
  auto rec = co_await probes::dicom_probe(ex, target, plan.dicom, seed);
  if (runner != nullptr && plan.web_enabled && rec.answered_http && !rec.dicom) {
    auto w = co_await probes::web::web_check(ex, target, plan.web, *runner);
    if (w.web) adopt(rec, w);
    rec.duration_ms = ms_since(started);
  }
  co_return rec;
}

Pipeline::Pipeline(PipelineConfig config) : config_(std::move(config)) {
  tls_sniff_ = config_.tls.enumerate;
  tls_sniff_.in_flight = 1;
  tls_sniff_.max_handshakes = 1;
  if (config_.plan.web_enabled) web_runner_.emplace(config_.web_threads);
}

asio::awaitable<record::ScanRecord> Pipeline::probe_pair(asio::any_io_executor ex, Address address,
                                                         std::uint16_t port) {
  const auto ep = endpoint_of(address, port);
  const auto n = ++probe_no_;
  const auto seed = config_.seed ^ (n * 0x9E3779B97F4A7C15ULL);
  record::ScanRecord rec;
  bool audited = false;
  if (first_probe(config_, port) == FirstProbe::TlsAudit) {
    rec = co_await probes::tls::tls_audit_probe(ex, ep, audit_options(config_, address), seed);
    // Forced (dicomsec tls): the audit's record is the answer whatever it says. Auto: a port
    // 2762 that did not speak TLS but listens gets the cleartext probes.
    audited =
        config_.tls_audit == TlsAuditMode::Forced || rec.tls || !record::port_open(rec.status);
  }
  if (!audited) {
    rec = co_await probe_port(ex, ep, config_.plan, web_runner_ ? &*web_runner_ : nullptr, seed);
    if (should_sniff_tls(config_, rec)) {
      auto sniff_options = tls_sniff_;
      sniff_options.sni = audit_options(config_, address).enumerate.sni;
      auto sniff = co_await probes::tls::enumerate_tls(ex, ep, sniff_options);
      if (sniff.planner.any_tls) {
        const auto connect_ms = rec.connect_ms;
        rec = co_await probes::tls::tls_audit_probe(ex, ep, audit_options(config_, address), seed);
        if (!rec.connect_ms) rec.connect_ms = connect_ms;
        if (rec.tls_audit) rec.tls_audit->handshakes += sniff.planner.handshakes;
      }
    }
  }
  if (const auto it = config_.names.find(address); it != config_.names.end())
    rec.hostname = it->second;
  probes::identify_product(rec);
  if (config_.level != Level::Safe)
    co_await probes::access_probe(ex, ep, access_options(config_, rec), config_.seed ^ n, rec);
  rec.honeypot = findings::assess_honeypot(rec);  // issue 12 §3
  rec.findings = findings::evaluate(rec, config_.findings);
  if (history_ && !config_.include_closed && !record::port_open(rec.status) &&
      rec.status != record::Status::LocalError)  // the engine writes local errors
    history_->done_without_record(address, port);
  co_return rec;
}

ProbeFn Pipeline::probe() {
  return [this](asio::any_io_executor ex, const Address& address, std::uint16_t port) {
    return probe_pair(std::move(ex), address, port);
  };
}

void Pipeline::attach_history(store::Store& store, store::ScanId id, PairIterator& pairs,
                              store::PositionSet done, std::function<void()> on_error,
                              unsigned shard_k, unsigned shard_n) {
  history_ = std::make_unique<store::ScanHistory>(store, id, std::move(on_error));
  if (shard_k > 0)
    history_->attach_shard(pairs, std::move(done), shard_k, shard_n);
  else
    history_->attach(pairs, std::move(done));
}

SinkFn Pipeline::sink() {
  return [this](const record::ScanRecord& rec) {
    for (const auto& s : sinks_) s(rec);
    if (history_) history_->add(rec);
  };
}

EngineStats Pipeline::run(Engine& engine, PairIterator& pairs, const ProgressFn& progress) {
  const auto probe_fn = probe();
  const auto sink_fn = sink();
  return engine.run(pairs, probe_fn, sink_fn, progress);
}

}  // namespace dicomsec::scan
