// One scan record per host:port (docs/design.md §3). Probes fill it; findings rules read it;
// every sink (JSONL, CSV, SQLite) derives its fields from it. It never holds patient data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dicomsec::scan {

// Shared status vocabulary of every probe (design §3).
enum class Status {
  Success,
  ConnectionRefused,
  ConnectionTimeout,
  IoTimeout,
  ProtocolError,
  TlsError,
  Unreachable,
  Aborted,
};

inline std::string_view status_name(Status s) {
  switch (s) {
    case Status::Success: return "success";
    case Status::ConnectionRefused: return "connection-refused";
    case Status::ConnectionTimeout: return "connection-timeout";
    case Status::IoTimeout: return "io-timeout";
    case Status::ProtocolError: return "protocol-error";
    case Status::TlsError: return "tls-error";
    case Status::Unreachable: return "unreachable";
    case Status::Aborted: return "aborted";
  }
  return "unknown";
}

// True when the TCP handshake completed, i.e. something listens there.
inline bool port_open(Status s) {
  return s != Status::ConnectionRefused && s != Status::ConnectionTimeout &&
         s != Status::Unreachable;
}

struct RejectRecord {
  std::uint8_t result = 0, source = 0, reason = 0;  // raw PS3.8 9.3.4 codes
};

struct AbortRecord {
  std::uint8_t source = 0, reason = 0;  // raw PS3.8 9.3.8 codes
};

struct ContextRecord {
  std::string abstract_syntax;
  std::string transfer_syntax;
};

enum class AssociationResult { None, Accepted, Rejected, Aborted };
inline std::string_view association_result_name(AssociationResult r) {
  switch (r) {
    case AssociationResult::None: return "none";
    case AssociationResult::Accepted: return "accepted";
    case AssociationResult::Rejected: return "rejected";
    case AssociationResult::Aborted: return "aborted";
  }
  return "none";
}

struct AssociationRecord {
  AssociationResult result = AssociationResult::None;
  std::string calling_ae;
  std::string called_ae;
  std::optional<RejectRecord> reject;
  std::optional<AbortRecord> abort;
  std::optional<std::uint32_t> max_pdu;  // the peer's maximum length received, 0 = unlimited
  std::optional<std::string> implementation_class_uid;
  std::optional<std::string> implementation_version_name;
  std::vector<ContextRecord> accepted_contexts;
  bool released = false;  // A-RELEASE-RP received for our A-RELEASE-RQ
};

struct ProductRecord {
  std::string name;
  std::optional<std::string> version;
  std::string toolkit;
  std::string confidence;
  std::string matched_by;
  std::optional<std::string> vendor;
  // The application on top of the toolkit when behaviour tells it (storescp, dcmqrscp).
  std::optional<std::string> application;
};

struct EchoRecord {
  std::uint16_t status = 0;
};

// Result of the second association, proposed with a random called AE title: tells whether
// the peer checks the called AE title at all (PS3.8 7.1.1.8).
struct CalledAeCheckRecord {
  std::string called_ae;
  AssociationResult result = AssociationResult::None;
  std::optional<RejectRecord> reject;
};

struct FindingRef {
  std::string id;
  std::string severity;
  std::string evidence;
};

struct ScanRecord {
  std::string ip;
  std::uint16_t port = 0;
  std::optional<std::string> hostname;  // when the target was given by name
  Status status = Status::Success;
  std::string detail;  // one line on why, for non-success statuses
  bool dicom = false;  // the peer answered with a well-formed DICOM UL PDU
  bool tls = false;
  std::optional<AssociationRecord> association;
  std::optional<ProductRecord> product;
  std::optional<EchoRecord> echo;
  std::optional<CalledAeCheckRecord> called_ae_check;
  std::vector<FindingRef> findings;
  std::uint64_t duration_ms = 0;
  // Not reported: how long the first TCP connect took, for the engine's adaptive back-off.
  std::optional<std::uint64_t> connect_ms;
};

}  // namespace dicomsec::scan
