// scan::Pipeline (docs/design.md "scan::Pipeline"): what happens to one (address, port) pair
// once the engine hands it out, and where its record goes afterwards. `dicomsec scan` and
// `dicomsec tls` both run it on the engine; they differ only in their config (tls forces the
// TLS audit on the HOST:PORTs it was given).
//
// Per pair: the TLS audit (port 2762, or every pair when forced), otherwise the probe the
// port plan chooses (DICOM or web first), a TLS sniff of a talker that spoke neither, the
// product identification, the access checks (level auth and above) and the findings.
// Records then go down the sink chain: the sinks the command added (output file, summary,
// per-target lines), in order, then the history writer (--db).
//
// Module scan_pipeline: above probes, findings and store; below app.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "findings/rules.hpp"
#include "probes/dicom_ul/access_probe.hpp"
#include "probes/dicom_ul/dicom_probe.hpp"
#include "probes/tls/audit.hpp"
#include "probes/web/web_probe.hpp"
#include "record/record.hpp"
#include "scan/engine.hpp"
#include "scan/target_set.hpp"
#include "store/history.hpp"

namespace dicomsec::scan {

// HTTP(S) ports added to the defaults at level auth and above: 80/443 (HTTP/HTTPS), 8042
// (Orthanc's default HttpPort), 8080/8443 (dcm4chee-arc-light's HTTP/HTTPS, Tomcat/WildFly).
inline constexpr std::string_view kDefaultWebPorts = "80,443,8042,8080,8443";

enum class Level { Safe, Auth, Intrusive };

// When the TLS audit runs instead of the cleartext probes.
enum class TlsAuditMode {
  Off,     // never (scan --no-tls-audit)
  Auto,    // port 2762 (PS3.15 "dicom-tls"), and an unknown talker that answers a ClientHello
  Forced,  // every pair, whatever it answers (dicomsec tls)
};

// Which probe a port gets (docs/design.md §3a "Which probe a port gets"), before anything
// has been learnt from the peer.
enum class FirstProbe { TlsAudit, Web, Dicom };

struct PortPlan {
  probes::DicomProbeOptions dicom;
  probes::web::WebProbeOptions web;
  bool web_enabled = false;  // level auth and above
  std::vector<std::uint16_t> web_ports;
};

struct PipelineConfig {
  Level level = Level::Safe;
  std::uint64_t seed = 0;  // per-pair probe seeds derive from it
  PortPlan plan;
  unsigned web_threads = 4;  // workers of the blocking HTTP client (level auth+)

  TlsAuditMode tls_audit = TlsAuditMode::Auto;
  // The audit: enumeration, the OpenSSL handshake (--ca/--cert/--key), the DICOM association
  // inside TLS and the cleartext look-out on plaintext_ports. SNI is set per pair from names.
  probes::tls::AuditOptions tls;

  // Level auth and above. Access checks of a service that spoke TLS (record.tls) must run
  // inside TLS: access_options() below is the one place that turns this and `tls.handshake`
  // into the options of that pair's access probe.
  probes::AccessProbeOptions access;

  findings::Context findings;
  // Address -> the hostname it was resolved from: the record's `hostname`, and the SNI.
  std::map<Address, std::string> names;
  // Records for closed, filtered and unreachable pairs too (scan --all; always for tls). The
  // engine gets the same flag; the pipeline needs it to mark unrecorded pairs done in --db.
  bool include_closed = false;
};

// Pure decisions of the per-pair plan (unit-tested).
FirstProbe first_probe(const PipelineConfig& config, std::uint16_t port);
// After the cleartext probes: something listened but spoke neither DICOM nor HTTP and did
// answer (a silent peer, io-timeout, is a tarpit and is not asked again): ask once in TLS.
bool should_sniff_tls(const PipelineConfig& config, const record::ScanRecord& record);
// The options of the access probe for a pair whose safe record is `record`.
probes::AccessProbeOptions access_options(const PipelineConfig& config,
                                          const record::ScanRecord& record);
// The audit options for one pair: the config's, with SNI = the address's hostname.
probes::tls::AuditOptions audit_options(const PipelineConfig& config, const Address& address);

// The web or DICOM probe, whichever the plan puts first, then the other when the first
// says so (docs/design.md §3a). `runner` null: no web probe.
asio::awaitable<record::ScanRecord> probe_port(asio::any_io_executor ex,
                                               asio::ip::tcp::endpoint target, const PortPlan& plan,
                                               probes::web::WebRunner* runner, std::uint64_t seed);

class Pipeline {
 public:
  explicit Pipeline(PipelineConfig config);
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  [[nodiscard]] const PipelineConfig& config() const { return config_; }

  // The per-pair probe the engine runs. The pipeline must outlive Engine::run.
  [[nodiscard]] ProbeFn probe();

  // Sinks run in the order added, before the history writer.
  void add_sink(SinkFn sink) { sinks_.push_back(std::move(sink)); }
  // --db: records and done marks go to `store` as scan `id`; pairs whose positions are in
  // `done` are skipped (resume). `on_error` runs once when a batch cannot be written (the
  // caller stops the engine).
  // `shard_k` > 0: shard k of `shard_n` of a named scan (--scan-id; `done` is shard-local).
  void attach_history(store::Store& store, store::ScanId id, PairIterator& pairs,
                      store::PositionSet done, std::function<void()> on_error, unsigned shard_k = 0,
                      unsigned shard_n = 1);
  [[nodiscard]] store::ScanHistory* history() { return history_.get(); }
  // The record sink chain the engine calls (one record at a time, under its sink mutex).
  [[nodiscard]] SinkFn sink();

  // Engine::run with probe() and sink().
  EngineStats run(Engine& engine, PairIterator& pairs, const ProgressFn& progress = {});

 private:
  asio::awaitable<record::ScanRecord> probe_pair(asio::any_io_executor ex, Address address,
                                                 std::uint16_t port);

  PipelineConfig config_;
  probes::tls::EnumerateOptions tls_sniff_;
  // Declared before history_ and destroyed after it; both outlive every probe because the
  // engine's run() returns only when its probes are done.
  std::optional<probes::web::WebRunner> web_runner_;
  std::vector<SinkFn> sinks_;
  std::unique_ptr<store::ScanHistory> history_;
  std::atomic<std::uint64_t> probe_no_{0};
};

}  // namespace dicomsec::scan
