// The gateway's audit trail (issue 15 §3): DICOM audit messages (PS3.15 A.5, the RFC 3881
// schema) sent as RFC 5424 syslog over UDP (RFC 5426), TCP (RFC 6587 octet counting) or TLS
// (RFC 5425), and JSON lines to a file.
//
// emit() never blocks the relay: events go into a bounded queue that a strand on the
// caller's io_context drains; when the queue is full the event is dropped and counted.
// With phi_ids false (the default, `--audit-phi none`) no patient or study identifier is
// written anywhere, whatever the Event carries.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace asio {
class io_context;
}

namespace dicomsec::audit {

enum class EventType {
  ApplicationStart,      // Application Activity (DCM 110100), Application Start (DCM 110120)
  ApplicationStop,       // Application Activity (DCM 110100), Application Stop (DCM 110121)
  BeginTransferring,     // Begin Transferring DICOM Instances (DCM 110102)
  InstancesTransferred,  // DICOM Instances Transferred (DCM 110104)
  Query,                 // Query (DCM 110112)
  SecurityAlert,         // Security Alert (DCM 110113)
  AssociationEnd,        // JSONL only: the association's summary line; no DICOM message
};

// What a Security Alert is about: its EventTypeCode (PS3.15 A.5.3.11, codes of PS3.16 CID 403).
enum class AlertKind {
  NodeAuthentication,       // DCM 110126: TLS or certificate failure, certificate-to-AE mismatch
  UseOfRestrictedFunction,  // DCM 110132: an AE title, address or association limit refused
  SecurityConfiguration,    // DCM 110129: certificates reloaded (or a reload refused)
};

// RFC 3881 EventOutcomeIndicator.
enum Outcome : int { Success = 0, MinorFailure = 4, SeriousFailure = 8, MajorFailure = 12 };

struct Node {
  std::string ae;
  std::string ip;
  std::uint16_t port = 0;
  std::string cert_subject;  // TLS peer certificate subject, when there is one
  bool requestor = false;    // UserIsRequestor
};

struct Event {
  EventType type = EventType::ApplicationStart;
  std::chrono::system_clock::time_point time = std::chrono::system_clock::now();
  int outcome = Success;  // RFC 3881: 0 success, 4 minor, 8 serious, 12 major
  std::string outcome_text;
  std::string conn;  // the gateway's connection id, ties the events of one association
  Node source, destination;
  std::map<std::string, std::uint64_t> sop_classes;  // SOP class UID -> instances
  std::string query_sop_class;
  AlertKind alert = AlertKind::NodeAuthentication;  // SecurityAlert only
  // Written only with Options::phi_ids (`--audit-phi ids`); dropped otherwise.
  std::vector<std::string> patient_ids, study_uids;
};

struct Options {
  std::string jsonl_path;  // empty: no JSON lines
  std::string syslog_url;  // empty, or udp://H:P | tcp://H:P | tls://H:P
  bool phi_ids = false;    // --audit-phi ids
  std::string app_name = "dicomsec-gateway";
  std::string tls_ca;  // CA bundle that verifies a tls:// collector (empty: system store)
  // This node's certificate and key for a tls:// collector that authenticates its senders
  // (IHE ATNA's Secure Node authenticates both ends); both or neither.
  std::string tls_cert, tls_key;
  std::size_t queue_limit = 4096;  // events waiting; beyond this they are dropped
};

class Logger {
 public:
  // Opens the JSONL file and starts the syslog sender on io. Fails on a bad URL or an
  // unwritable file; a collector that is down is not an error (the sender retries).
  static Result<std::unique_ptr<Logger>> open(const Options& options, asio::io_context& io);
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  void emit(Event event);  // thread-safe, never blocks; a full queue drops and counts
  [[nodiscard]] std::uint64_t dropped() const;
  [[nodiscard]] std::uint64_t sent() const;  // syslog messages written to the transport
  // Waits (bounded, up to two seconds) until the queue is written; for stop and tests.
  // Must not be called from the io_context's own thread.
  void flush();

  struct Impl;

 private:
  explicit Logger(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

// The DICOM audit message (PS3.15 A.5) for an event, one XML document without declaration
// noise. AssociationEnd has none: it returns an empty string.
std::string to_rfc3881_xml(const Event& event, const Options& options);
// One JSON object, no newline.
std::string to_jsonl(const Event& event, const Options& options);
// The RFC 5424 syslog message that carries msg (facility authpriv/10, severity by outcome).
std::string to_syslog(const Event& event, const Options& options, const std::string& msg,
                      const std::string& hostname);

const char* to_string(EventType type);

}  // namespace dicomsec::audit
