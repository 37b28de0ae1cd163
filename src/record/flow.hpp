// One flow record per association seen on the wire (`dicomsec pcap`, issue 14 §6;
// docs/design.md "pcap: flow analysis"; schemas/flow-record.schema.json). A second record
// kind beside the scan record: it reuses the scan record's association and product parts and
// adds what only a passive observer knows. It never holds a patient value or a secret: PHI is
// named by tag, a password only by "there was one".
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "record/record.hpp"

namespace dicomsec::record {

struct FlowEndpoint {
  std::string ip;
  std::uint16_t port = 0;
};

// PS3.7 D.3.3.7.1 user identity negotiation: what kind, and whether a secret crossed in
// cleartext. The user name and the secret themselves are never kept.
struct UserIdentityRecord {
  std::uint8_t type = 0;  // 1 username, 2 username+passcode, 3 Kerberos, 4 SAML, 5 JWT
  bool cleartext_secret = false;
  bool positive_response_requested = false;
  bool server_response = false;  // the A-ASSOCIATE-AC carried a user identity response
};

// Per DIMSE command name ("C-STORE-RQ"): how many, and for responses the final statuses
// by status name ("success", "move-destination-unknown", ...).
struct DimseCount {
  std::uint64_t count = 0;
  std::map<std::string, std::uint64_t> statuses;
};

// Data-set traffic of one direction.
struct FlowDirection {
  std::uint64_t instances = 0;  // data sets that ended (last fragment seen)
  std::uint64_t bytes = 0;      // data-set bytes (PDV values), commands excluded
  std::uint64_t gaps = 0;       // capture gaps announced by the reassembler
  std::uint64_t gap_bytes = 0;
  std::uint64_t messages_lost = 0;  // DIMSE messages cut by a gap or a resync
};

struct FlowTlsRecord {
  std::optional<std::string> version;  // "TLSv1.2" from the ServerHello
  std::optional<std::string> suite;    // IANA name
  std::optional<std::string> sni;
  std::optional<std::string> cert_subject;  // leaf, TLS <= 1.2 only (1.3 encrypts it)
  std::optional<std::string> cert_issuer;
  std::optional<std::string> cert_not_after;  // ISO 8601 UTC
  std::optional<std::string> alert;           // a handshake alert in cleartext
};

struct FlowRecord {
  std::string conn;  // stable flow id: "F" + reassembler id, plus "-N" per association
  FlowEndpoint client;
  FlowEndpoint server;
  std::int64_t start_us = 0;  // capture timestamps, microseconds since the epoch
  std::int64_t end_us = 0;
  std::string close;               // fin, rst, idle, evicted, end-of-capture
  std::string protocol = "dicom";  // "dicom" or "tls"
  bool encrypted = false;
  bool midstream = false;  // decoding started inside the association (no A-ASSOCIATE-RQ)
  std::optional<AssociationRecord> association;
  std::optional<ProductRecord> product;         // the acceptor's, from its A-ASSOCIATE-AC
  std::optional<ProductRecord> client_product;  // the requestor's, from its A-ASSOCIATE-RQ
  std::optional<UserIdentityRecord> user_identity;
  std::map<std::string, DimseCount> dimse;
  std::vector<std::string> move_destinations;   // AE titles, sorted, unique
  std::vector<std::string> sop_classes_stored;  // UIDs of C-STORE-RQ affected SOP classes
  FlowDirection to_server;                      // client -> server
  FlowDirection to_client;                      // server -> client
  // Tags ("(0010,0010)") of patient-identifying elements seen with a value in cleartext.
  std::vector<std::string> phi_elements;
  std::optional<FlowTlsRecord> tls;
  std::uint64_t bytes_skipped = 0;  // stream bytes not decoded (gaps, resync hunting)
  std::vector<FindingRef> findings;
};

}  // namespace dicomsec::record
