// One scan record per host:port (docs/design.md §3). Probes fill it; findings rules read it;
// every sink (JSONL, CSV, SQLite) derives its fields from it. It never holds patient data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dicomsec::record {

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
  // This machine ran out of something (descriptors, ephemeral ports, socket buffers) before
  // the pair could be probed: says nothing about the port (docs/design.md, "Engine:
  // failures and local errors").
  LocalError,
  // Not probed by dicomsec at all: an import lead (issue 16), what an internet scanner
  // said it saw; see LeadRecord.
  NotProbed,
};

inline std::string_view status_name(Status s) {
  switch (s) {
    case Status::Success:
      return "success";
    case Status::ConnectionRefused:
      return "connection-refused";
    case Status::ConnectionTimeout:
      return "connection-timeout";
    case Status::IoTimeout:
      return "io-timeout";
    case Status::ProtocolError:
      return "protocol-error";
    case Status::TlsError:
      return "tls-error";
    case Status::Unreachable:
      return "unreachable";
    case Status::Aborted:
      return "aborted";
    case Status::LocalError:
      return "local-error";
    case Status::NotProbed:
      return "not-probed";
  }
  return "unknown";
}

// True when the TCP handshake completed, i.e. something listens there. An `aborted` record
// does not say so: the engine makes it afresh when a probe is cut off (second Ctrl-C) or fails
// inside dicomsec, possibly before the connect finished, and it keeps nothing the probe learnt.
inline bool port_open(Status s) {
  return s != Status::ConnectionRefused && s != Status::ConnectionTimeout &&
         s != Status::Unreachable && s != Status::LocalError && s != Status::Aborted &&
         s != Status::NotProbed;
}

// The same for a record's JSON `status` word, which the report sinks read; an unknown or
// missing word is not open.
inline bool port_open(std::string_view status) {
  for (auto s : {Status::Success, Status::ConnectionRefused, Status::ConnectionTimeout,
                 Status::IoTimeout, Status::ProtocolError, Status::TlsError, Status::Unreachable,
                 Status::Aborted, Status::LocalError, Status::NotProbed})
    if (status == status_name(s)) return port_open(s);
  return false;
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
    case AssociationResult::None:
      return "none";
    case AssociationResult::Accepted:
      return "accepted";
    case AssociationResult::Rejected:
      return "rejected";
    case AssociationResult::Aborted:
      return "aborted";
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
  // What the peer did that PS3.8 does not allow but we tolerated (an unknown item, a
  // trailing byte in a user-information sub-item, ...): one line each, no identifiers.
  std::vector<std::string> conformance;
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
  // The peer's Implementation Version Name, escaped and capped (fingerprint::shown_version_name);
  // what the summaries show as `unknown ("<name>")` when name is "unknown".
  std::optional<std::string> version_name = std::nullopt;
};

struct EchoRecord {
  std::uint16_t status = 0;
};

// Whether a follow-up check got a clear DICOM answer (issue 12 §5). Inconclusive: every try
// (with back-off) was refused, reset, closed, timed out or rejected-transient, so the check
// says nothing either way; findings and `diff` treat it as "not checked".
enum class CheckState { Checked, Inconclusive };
inline std::string_view check_state_name(CheckState s) {
  return s == CheckState::Inconclusive ? "inconclusive" : "checked";
}

// Result of the second association, proposed with a random called AE title: tells whether
// the peer checks the called AE title at all (PS3.8 7.1.1.8).
struct CalledAeCheckRecord {
  std::string called_ae;
  AssociationResult result = AssociationResult::None;
  std::optional<RejectRecord> reject;
  CheckState state = CheckState::Checked;
  std::string reason;          // Inconclusive: what the last try got, one line
  std::uint32_t attempts = 1;  // associations tried (retries after no DICOM answer)
};

// ---- tls_audit (issue 5; docs/design.md §3). Filled by the TLS audit (src/tlsinspect for
// raw handshakes, OpenSSL for the certificate); one per TLS host:port.
struct TlsCertRecord {
  std::string subject;  // RFC 2253 one-line form
  std::string issuer;
  std::vector<std::string> sans;  // "DNS:x", "IP:1.2.3.4"
  std::string not_before;         // ISO 8601 UTC, e.g. 2026-11-25T21:00:00Z
  std::string not_after;
  std::string key_type;  // RSA, EC, Ed25519, Ed448, DSA
  unsigned key_bits = 0;
  std::string sig_alg;  // OpenSSL long name, e.g. sha256WithRSAEncryption
  std::string sha256;   // fingerprint, lower-case hex
  bool self_signed = false;
  bool expired = false;
  bool not_yet_valid = false;
};

struct TlsVersionCiphers {
  std::string version;               // "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"
  std::vector<std::string> ciphers;  // IANA names, in the server's preference order
};

struct TlsProfileVerdict {
  std::string id;    // "bcp195", "bcp195-nd", "bcp195-ext", "rfc8996-9325", ...
  std::string name;  // "BCP195 TLS Secure Transport Connection Profile (PS3.15 B.9)"
  bool retired = false;
  // "pass" | "fail" | "not-determinable" (tlsinspect::status_name): fail when a requirement
  // of the profile fails, else not-determinable when one cannot be seen from outside.
  std::string status = "fail";
  std::vector<std::string> reasons;  // failed rows, then "not determinable: ..." rows
};

struct TlsAuditRecord {
  std::vector<std::string> versions;  // accepted, oldest first
  std::vector<TlsVersionCiphers> ciphers;
  std::optional<bool> server_preference;        // the server chooses the suite, not the client
  std::vector<std::string> groups;              // key exchange groups accepted (IANA names)
  std::optional<unsigned> dh_bits;              // smallest DHE prime the server sent (TLS <= 1.2)
  std::optional<bool> encrypt_then_mac;         // RFC 7366 acknowledged on every CBC handshake
  std::vector<TlsCertRecord> chain;             // as sent, leaf first
  std::optional<bool> trusted;                  // chain verified against --ca or the system store
  std::string verify_error;                     // OpenSSL's reason when not trusted
  bool client_cert_requested = false;           // CertificateRequest seen
  bool client_cert_required = false;            // handshake fails without one
  std::optional<std::uint16_t> plaintext_port;  // same host accepts cleartext DICOM here
  std::vector<TlsProfileVerdict> profiles;
  std::uint32_t handshakes = 0;  // how many connections the audit made
  bool complete = false;         // the raw enumeration ran to the server's refusal everywhere
};

// ---- access (issue 6; levels auth and intrusive). Counts and statuses only: never an
// identifier, name or object from the peer.
enum class Permission { Untested, Allowed, Denied, Error };
inline std::string_view permission_name(Permission p) {
  switch (p) {
    case Permission::Untested:
      return "untested";
    case Permission::Allowed:
      return "allowed";
    case Permission::Denied:
      return "denied";
    case Permission::Error:
      return "error";
  }
  return "untested";
}

struct PermissionRecord {
  Permission state = Permission::Untested;
  std::optional<std::uint16_t> status;  // the DIMSE status that decided it
  std::string evidence;                 // one line: what was sent and what came back
};

// Issue 12 §3, level auth: what the response identifiers of one C-FIND carried, as tags and
// counts. Never a value: the Query/Retrieve Level is kept only as one of PS3.4's level names.
struct FindAnswerShape {
  std::uint32_t identifiers = 0;  // response identifiers walked
  // Distinct (0008,0052) values: PATIENT|STUDY|SERIES|IMAGE|empty|other|absent.
  std::vector<std::string> levels;
  // Identifiers whose unique key (Patient ID, Study Instance UID) repeats an earlier one of the
  // same query: one row per stored instance instead of one per patient or study. Counted by
  // hashes that live only while the query runs.
  std::uint32_t duplicate_keys = 0;
  // Distinct top-level tags neither asked for nor allowed by PS3.4 C.4.1.1.3.2, "(gggg,eeee)",
  // sorted, at most kMaxTags; unrequested_count counts them all.
  std::vector<std::string> unrequested_tags;
  std::uint32_t unrequested_count = 0;
  bool lower_level_keys = false;  // a lower level's unique key (e.g. study UIDs at PATIENT level)
  bool image_attributes = false;  // Image Pixel module attributes (group 0028)
  bool pixel_data = false;        // (7FE0,0010) in a C-FIND answer
  static constexpr std::size_t kMaxTags = 32;
  bool operator==(const FindAnswerShape&) const = default;
};

struct FindAccessRecord {
  Permission state = Permission::Untested;  // Allowed: counts below are meaningful
  std::optional<std::uint32_t> patient;     // pending responses counted (capped)
  std::optional<std::uint32_t> study;
  bool capped = false;  // stopped with C-CANCEL at the cap
  std::optional<std::uint16_t> status;
  std::string evidence;
  std::optional<FindAnswerShape> patient_answers;  // set when identifiers came back
  std::optional<FindAnswerShape> study_answers;
};

struct AccessRecord {
  FindAccessRecord find;
  PermissionRecord move;
  PermissionRecord get;
  PermissionRecord store;
  std::optional<std::string> discovered_called_ae;  // vendor default AE title that worked
  std::vector<std::string> store_cleanup;           // how to delete the test object we stored
  std::optional<std::string> called_ae;             // the called AE the checks used
  std::vector<std::string> called_ae_tried;         // vendor defaults tried, in order
  std::uint32_t associations = 0;                   // associations the checks opened
  AssociationResult association = AssociationResult::None;  // of the (first) access association
  std::string error;                                        // protocol error that ended the checks
};

// ---- web (issue 6): DICOMweb / vendor REST on HTTP(S) ports at level >= auth.
struct WebEndpointRecord {
  std::string url_path;                // e.g. /dicom-web/studies?limit=1
  int http_status = 0;                 // 0 = no HTTP answer
  std::string auth;                    // "none", "default:orthanc" (user name only, never password)
  std::optional<std::uint32_t> count;  // items counted (never their content)
  bool capped = false;                 // the body hit the size cap: count is a lower bound
};

struct WebRecord {
  bool https = false;
  std::optional<std::string> tls_verification;          // "skipped" over https: we audit, not trust
  std::optional<std::string> server;                    // Server header, printable
  std::optional<std::string> product;                   // "Orthanc 1.10.1", "dcm4chee-arc", ...
  bool requires_auth = false;                           // answered 401/403 without credentials
  bool open = false;                                    // answered data without credentials
  std::optional<std::string> default_credentials_user;  // user name that worked
  std::vector<WebEndpointRecord> endpoints;
  // Issue 12 §3: GET /'s HTML <title> (printable ASCII, at most 80 characters) and whether
  // the page has a password field.
  std::optional<std::string> title;
  bool login_page = false;
};

// Issue 12 §3: does the peer behave like a public DICOM honeypot (dicompot, DICOMHawk, small
// pynetdicom honeypots)? Computed from the rest of the record by findings::assess_honeypot;
// docs/honeypots.md lists every signal with its source. A honeypot is still an exposed
// service: this never removes a finding.
struct HoneypotRecord {
  bool likely = false;
  std::string confidence = "none";    // "none" | "low" | "medium" | "high"
  std::vector<std::string> evidence;  // one line per signal that fired: "<signal-id>: why"
};

// ---- lead (issue 16): what an internet scanner's export (Shodan, Censys, a CSV) says it saw
// at ip:port, kept by `dicomsec import` because the address is in the user's netblocks (or
// the name is theirs). A lead, not a measurement: the record's status is NotProbed and
// `dicomsec scan -iL` re-checks it. Banner text is the vendor's, printable and capped.
struct LeadBannerFacts {
  std::optional<std::string> ae_title;
  std::optional<std::string> implementation_class_uid;
  std::optional<std::string> implementation_version;
};

struct LeadMove {
  std::string name;                    // the owned hostname the entry carried
  std::vector<std::string> now;        // where the name resolves today, inside the netblocks
  std::optional<std::string> reverse;  // PTR name of the first of `now`
  std::string note;                    // one line: what happened, in the user's words
};

struct LeadRecord {
  std::string source;                      // "shodan" | "censys" | "csv"
  std::optional<std::string> observed_at;  // ISO 8601 UTC (YYYY-MM-DDTHH:MM:SSZ)
  std::string transport = "tcp";           // "tcp" | "udp"
  std::optional<std::string> service;      // _shodan.module, Censys service_name/protocol
  std::optional<std::string> product;
  std::optional<std::string> org;
  std::optional<std::string> asn;  // "AS64500"
  std::vector<std::string> hostnames;
  std::vector<std::string> domains;
  std::vector<std::string> tags;
  bool tls = false;                   // the scanner saw TLS (Shodan `ssl`, Censys tls)
  std::optional<std::string> banner;  // raw vendor banner, capped
  bool banner_truncated = false;
  LeadBannerFacts facts;
  std::string matched_by = "netblock";  // "netblock" | "hostname"
  std::optional<LeadMove> moved;        // matched_by hostname: the address left the netblocks
  std::string file;                     // the export it came from, and its line
  std::uint64_t line = 0;
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
  bool dicom = false;  // a well-formed A-ASSOCIATE-AC/RJ fixed part was seen
  bool tls = false;
  std::optional<AssociationRecord> association;
  std::optional<ProductRecord> product;
  std::optional<EchoRecord> echo;
  std::optional<CalledAeCheckRecord> called_ae_check;
  std::optional<TlsAuditRecord> tls_audit;
  std::optional<AccessRecord> access;
  std::optional<WebRecord> web;
  std::optional<HoneypotRecord> honeypot;  // set when a DICOM association answer was seen
  std::optional<LeadRecord> lead;          // import leads only (status NotProbed)
  std::vector<FindingRef> findings;
  std::uint64_t duration_ms = 0;
  // Not reported: how long the first TCP connect took, for the engine's adaptive back-off.
  std::optional<std::uint64_t> connect_ms;
  // Not reported: the peer's first bytes to our A-ASSOCIATE-RQ began "HTTP/" (a web server
  // on a DICOM port); the scan then runs the web probe there too.
  bool answered_http = false;
};

}  // namespace dicomsec::record
