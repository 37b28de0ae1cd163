// `dicomsec pcap`: passive inventory from capture files or a live interface (issue 14;
// docs/design.md "pcap: flow analysis"). libpcap frames -> pcap::Decoder -> Reassembler ->
// pcap::FlowAnalyser -> flow records -> findings -> sinks (and, with --db, one stored service
// row per server address:port so that `dicomsec diff` compares the wire with a scan).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "app/commands.hpp"
#include "app/output.hpp"
#include "findings/rules.hpp"
#include "pcap/analyser.hpp"
#include "pcap/capture.hpp"
#include "report/json.hpp"
#include "store/store.hpp"

namespace dicomsec::app {

namespace {

struct PcapOptions {
  std::vector<std::string> files;
  std::string iface;
  std::string filter;
  std::string duration;
  std::uint64_t max_packets = 0;
  std::string output;
  std::string format = "jsonl";
  std::string db;
  bool quiet = false;
};

// Ctrl-C: the first one stops reading (every flow is then closed and its record written);
// the capture source's break_loop wakes a blocked live read. Signal-safe by construction.
std::atomic<bool> g_stop{false};
std::atomic<pcap::CaptureSource*> g_source{nullptr};

extern "C" void on_interrupt(int) {
  g_stop.store(true);
  if (auto* s = g_source.load()) s->break_loop();
}

// "90", "90s", "250ms", "15m", "2h" -> microseconds.
std::int64_t parse_duration(const std::string& text) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  const std::string unit = text.substr(used);
  double scale = 0;
  if (unit.empty() || unit == "s")
    scale = 1e6;
  else if (unit == "ms")
    scale = 1e3;
  else if (unit == "m" || unit == "min")
    scale = 60e6;
  else if (unit == "h")
    scale = 3600e6;
  if (used == 0 || scale == 0 || !(value > 0) || value > 1e7)
    throw UsageError(fmt::format(
        "--duration '{}': give a positive time such as 90, 90s, 500ms, 15m or 2h", text));
  return static_cast<std::int64_t>(value * scale);
}

std::string human_bytes(std::uint64_t n) {
  if (n >= 1'000'000'000) return fmt::format("{:.2f} GB", n / 1e9);
  if (n >= 1'000'000) return fmt::format("{:.1f} MB", n / 1e6);
  if (n >= 1'000) return fmt::format("{:.1f} kB", n / 1e3);
  return fmt::format("{} B", n);
}

// What the stderr summary and --db need across all flows: never a value from a data set.
class Inventory {
 public:
  void add(const record::FlowRecord& r) {
    if (r.protocol == "tls") {
      ++tls_;
      return;
    }
    ++dicom_;
    if (r.midstream) ++midstream_;
    if (r.association)
      ++results_[std::string(record::association_result_name(r.association->result))];
    for (const auto& [name, c] : r.dimse) commands_[name] += c.count;
    if (r.user_identity && r.user_identity->cleartext_secret) secrets_.push_back(r.conn);
    if (!r.phi_elements.empty()) phi_.push_back(r.conn);
    for (const auto& f : r.findings) ++findings_[f.id];
  }
  void print(std::FILE* out, const findings::AeAddressBook& book) const {
    fmt::print(out, "  flows recorded: {} DICOM association{} ({} mid-stream), {} TLS", dicom_,
               dicom_ == 1 ? "" : "s", midstream_, tls_);
    if (dicom_ + tls_ > 0)
      fmt::print(out, " (TLS share {:.0f}%)",
                 100.0 * static_cast<double>(tls_) / static_cast<double>(dicom_ + tls_));
    fmt::print(out, "\n");
    if (!results_.empty()) {
      std::vector<std::string> parts;
      for (const auto& [k, v] : results_) parts.push_back(fmt::format("{} {}", v, k));
      fmt::print(out, "  associations: {}\n", fmt::join(parts, ", "));
    }
    if (!commands_.empty()) {
      std::vector<std::string> parts;
      for (const auto& [k, v] : commands_) parts.push_back(fmt::format("{} {}", k, v));
      fmt::print(out, "  DIMSE: {}\n", fmt::join(parts, ", "));
    }
    const auto dups = book.duplicates();
    if (dups.empty()) {
      fmt::print(out, "  AE titles at more than one address: none\n");
    } else {
      for (const auto& [ae, ips] : dups)
        fmt::print(out, "  AE title \"{}\" used from {} addresses: {}\n", ae, ips.size(),
                   fmt::join(ips, ", "));
    }
    fmt::print(out, "  cleartext passwords/tokens: {}{}\n", secrets_.size(),
               secrets_.empty() ? "" : fmt::format(" (flows {})", fmt::join(secrets_, ", ")));
    fmt::print(out, "  cleartext patient data: {} flow{}{}\n", phi_.size(),
               phi_.size() == 1 ? "" : "s",
               phi_.empty() ? "" : fmt::format(" ({})", fmt::join(phi_, ", ")));
    if (!findings_.empty()) {
      std::vector<std::string> parts;
      for (const auto& [k, v] : findings_) parts.push_back(fmt::format("{} x{}", k, v));
      fmt::print(out, "  findings: {}\n", fmt::join(parts, ", "));
    }
  }

 private:
  std::uint64_t dicom_ = 0, tls_ = 0, midstream_ = 0;
  std::map<std::string, std::uint64_t> results_, commands_, findings_;
  std::vector<std::string> secrets_, phi_;
};

// --db: one row per server address:port, the shape `dicomsec diff` compares with a scan's.
// Rows touched since the last batch are written again with it (the store replaces them).
class ServiceRows {
 public:
  void add(const nlohmann::json& flow) {
    const auto key = fmt::format("{} {}", flow.value("ip", ""), flow.value("port", 0));
    dirty_.insert(key);
    auto& s = rows_[key];
    if (s.is_null()) {
      s = {{"kind", "pcap-service"},
           {"ip", flow["ip"]},
           {"port", flow["port"]},
           {"status", "success"},
           {"dicom", flow["dicom"]},
           {"tls", flow["encrypted"]},
           {"association", nullptr},
           {"product", nullptr},
           {"flows", nlohmann::json::array()},
           {"clients", nlohmann::json::array()},
           {"findings", nlohmann::json::array()}};
    }
    if (s["flows"].size() < 1000) s["flows"].push_back(flow["conn"]);
    const auto client = flow["client"].value("ip", "");
    if (std::find(s["clients"].begin(), s["clients"].end(), client) == s["clients"].end())
      s["clients"].push_back(client);
    if (flow["association"].is_object() &&
        (s["association"].is_null() || flow["association"]["result"] == "accepted"))
      s["association"] = flow["association"];
    if (flow["product"].is_object()) s["product"] = flow["product"];
    for (const auto& f : flow["findings"]) {
      if (f.value("id", "") == "PCAP-AE-MULTI-IP") continue;  // about a client, not this service
      bool have = false;
      for (const auto& g : s["findings"]) have = have || g["id"] == f["id"];
      if (!have) s["findings"].push_back(f);
    }
  }
  // The rows changed since the previous call.
  [[nodiscard]] std::vector<nlohmann::json> take_dirty() {
    std::vector<nlohmann::json> out;
    for (const auto& k : dirty_) out.push_back(rows_.at(k));
    dirty_.clear();
    return out;
  }

 private:
  std::map<std::string, nlohmann::json> rows_;
  std::set<std::string> dirty_;
};

// --db: every flow record, written with the service rows it changed in batches of
// kFlowBatch (one transaction each), so memory stays bounded however long the capture.
class FlowWriter {
 public:
  static constexpr std::size_t kFlowBatch = 512;
  FlowWriter(store::Store& db, store::ScanId scan) : db_(db), scan_(scan) {}
  void add(const nlohmann::json& flow) {
    services_.add(flow);
    pending_.push_back(flow);
    if (pending_.size() >= kFlowBatch) flush();
  }
  void flush() {
    db_.append_flows(scan_, pending_, services_.take_dirty());
    pending_.clear();
  }

 private:
  store::Store& db_;
  store::ScanId scan_;
  ServiceRows services_;
  std::vector<nlohmann::json> pending_;
};

int run_pcap(const PcapOptions& o) {
  if (o.files.empty() == o.iface.empty())
    throw UsageError(o.iface.empty() ? "give one or more capture files, or -i IFACE"
                                     : "give capture files or -i IFACE, not both");
  if (o.iface.empty() && (!o.filter.empty() || !o.duration.empty()))
    throw UsageError("--filter and --duration apply to a live capture (-i IFACE)");
  const auto format = report::parse_format(o.format);
  if (!format)
    throw UsageError(fmt::format("--format '{}': use jsonl, csv, sarif or html", o.format));
  pcap::RunLimits limits;
  limits.max_packets = o.max_packets;
  if (!o.duration.empty()) limits.duration_us = parse_duration(o.duration);

  // Open every input first: a bad file is a usage error before anything is written.
  std::vector<pcap::CaptureSource> sources;
  const std::vector<std::string> inputs = o.iface.empty() ? o.files : std::vector{o.iface};
  for (const auto& in : inputs) {
    pcap::Failure why = pcap::Failure::None;
    auto s = o.iface.empty() ? pcap::CaptureSource::open_file(in, &why)
                             : pcap::CaptureSource::open_live(in, o.filter, 262144, &why);
    if (!s) {
      fmt::print(stderr, "dicomsec pcap: {}: {}\n", in, s.error().message);
      return pcap::exit_code(why) != 0 ? pcap::exit_code(why) : kExitUsage;
    }
    sources.push_back(std::move(s).value());
  }

  std::unique_ptr<store::Store> db;
  if (!o.db.empty()) db = store::open_store(o.db, true);
  auto sink = open_sink(o.output, *format);
  auto meta = start_meta("pcap");
  meta.pairs_total = inputs.size();
  std::optional<FlowWriter> stored;
  if (db) {
    const auto id = db->begin_scan(meta, {{"inputs", inputs}});
    meta.scan_id = std::to_string(id);
    stored.emplace(*db, id);
  }
  sink->begin(meta);

  g_stop.store(false);
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);

  findings::AeAddressBook book;
  Inventory inventory;
  std::size_t input_index = 0;
  pcap::FlowAnalyser analyser([&](record::FlowRecord&& r) {
    if (inputs.size() > 1) r.conn = fmt::format("{}.{}", input_index + 1, r.conn);
    r.findings = findings::evaluate(r);
    if (auto f = book.note(r)) r.findings.push_back(std::move(*f));
    inventory.add(r);
    const auto j = report::to_json(r);
    sink->write(j);
    if (stored) stored->add(j);
  });

  int exit = kExitOk;
  std::uint64_t packets = 0, bytes = 0;
  double seconds = 0;
  pcap::ReassemblyStats reassembly_total;
  for (; input_index < sources.size() && !g_stop.load(); ++input_index) {
    auto& source = sources[input_index];
    g_source.store(&source);
    pcap::Reassembler reassembler(analyser);
    auto stats = pcap::run(source, reassembler, g_stop, limits);
    g_source.store(nullptr);
    if (!stats) {
      fmt::print(stderr, "dicomsec pcap: {}: {}\n", inputs[input_index], stats.error().message);
      exit = kExitRuntime;
      continue;
    }
    packets += stats->capture.packets;
    bytes += stats->capture.bytes;
    seconds += stats->seconds;
    reassembly_total.gaps += stats->reassembly.gaps;
    reassembly_total.flows_opened += stats->reassembly.flows_opened;
    if (stats->failure != pcap::Failure::None) {
      fmt::print(stderr, "dicomsec pcap: {}: {}\n", inputs[input_index], stats->message);
      exit = std::max(exit, stats->exit_code());
    }
  }
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);

  meta.finished = utc_now();
  meta.pairs_done = input_index;
  meta.interrupted = g_stop.load();
  if (db) {
    stored->flush();
    db->finish(std::stoll(meta.scan_id), meta);
  }
  std::optional<std::string> output_error;
  try {
    sink->close(meta);
  } catch (const OutputError& e) {
    output_error = e.what();
  }
  if (!o.quiet) {
    const auto& a = analyser.stats();
    fmt::print(
        stderr,
        "dicomsec pcap: {} packet{}, {} in {:.2f} s; {} TCP flow{} ({} DICOM, {} TLS, {} other)\n",
        packets, packets == 1 ? "" : "s", human_bytes(bytes), seconds,
        reassembly_total.flows_opened, reassembly_total.flows_opened == 1 ? "" : "s", a.dicom,
        a.tls, a.other);
    inventory.print(stderr, book);
    if (a.protocol_errors > 0)
      fmt::print(stderr,
                 "dicomsec pcap: {} DICOM flow{} broke PS3.8 in a way an endpoint aborts for "
                 "(decoded anyway; see association.conformance)\n",
                 a.protocol_errors, a.protocol_errors == 1 ? "" : "s");
    if (db)
      fmt::print(stderr, "dicomsec: stored as scan {} in {}\n", meta.scan_id,
                 store::redact_location(o.db));
  }
  if (output_error) {
    fmt::print(stderr, "dicomsec: {}\n", *output_error);
    return kExitRuntime;
  }
  if (meta.interrupted) {
    fmt::print(stderr,
               "dicomsec pcap: interrupted; every flow was closed and its record written\n");
    return exit == kExitOk ? kExitOk : exit;
  }
  return exit;
}

}  // namespace

Runner setup_pcap(CLI::App& app) {
  auto o = std::make_shared<PcapOptions>();
  app.description(
      "Passive inventory from captured traffic, without sending a packet. Reads pcap and pcapng\n"
      "files, or a live interface (-i, needs root or CAP_NET_RAW). Every TCP flow is looked at\n"
      "on any port: DICOM associations (also ones the capture joined mid-stream) and TLS\n"
      "handshakes become one JSON record each: both AE titles and addresses, the product, the\n"
      "DIMSE operations and volumes, the user identity type (never its value), the tags of\n"
      "patient-identifying elements seen in cleartext (never their values), TLS version, suite,\n"
      "SNI and certificate names. A summary (AE titles at several addresses, cleartext\n"
      "passwords, TLS share) goes to stderr. Ctrl-C stops reading and keeps every record.\n\n"
      "Exit codes: 0 ok; 2 not a capture, unsupported link type, bad arguments; 3 truncated\n"
      "or corrupt capture (what was decoded is kept, the offset is named) or runtime error.");
  app.add_option("files", o->files, "Capture files (pcap or pcapng)");
  app.add_option("-i,--interface", o->iface, "Capture live on this interface");
  app.add_option("--filter", o->filter, "BPF filter for the live capture");
  app.add_option("--duration", o->duration, "Stop a live capture after this time (90s, 15m, 2h)");
  app.add_option("--max-packets", o->max_packets, "Stop after this many packets (0 = no limit)")
      ->check(whole_number(0, 1ULL << 62, "0 = no limit"));
  app.add_option("-o,--output", o->output, "Write records to FILE (default stdout)");
  app.add_option("--format", o->format, "jsonl (default), csv, sarif or html");
  app.add_option("--db", o->db,
                 "Also store every flow record and the services seen (SQLite file or postgresql:// "
                 "URL) for report and diff");
  app.add_flag("-q,--quiet", o->quiet, "No summary on stderr");
  return [o] { return run_pcap(*o); };
}

}  // namespace dicomsec::app
