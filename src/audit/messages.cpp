// The DICOM audit messages of PS3.15 A.5.3 for the gateway's events, written with
// libxml2's xmlTextWriter (escaping and well-formedness are the writer's job), and the
// same events as JSON lines and as RFC 5424 syslog messages.
//
// PHI rule: patient IDs and study UIDs leave this file only when Options::phi_ids is set.
// With `--audit-phi none` the study and patient participant objects that A.5.3.3/A.5.3.5
// ask for are still present (a repository's parser expects them), but their IDs read
// "withheld"; the per-SOP-class counts stay, because counts are not identifiers.
#include <fmt/format.h>
#include <libxml/xmlwriter.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <array>
#include <nlohmann/json.hpp>

#include "audit/audit.hpp"
#include "core/host_port.hpp"
#include "core/time.hpp"

namespace dicomsec::audit {
namespace {

constexpr const char* kWithheld = "withheld";

// A coded value (EV(code, scheme, meaning) in PS3.15's tables).
struct Code {
  const char* code;
  const char* scheme;
  const char* meaning;
};

// PS3.16 CID 400 (audit event IDs), CID 401/403 (event type codes), CID 402 (role IDs),
// CID 404 (participant object ID types); RFC 3881 for the patient number.
constexpr Code kApplicationActivity{"110100", "DCM", "Application Activity"};
constexpr Code kBeginTransferring{"110102", "DCM", "Begin Transferring DICOM Instances"};
constexpr Code kInstancesTransferred{"110104", "DCM", "DICOM Instances Transferred"};
constexpr Code kQuery{"110112", "DCM", "Query"};
constexpr Code kSecurityAlert{"110113", "DCM", "Security Alert"};
constexpr Code kApplicationStart{"110120", "DCM", "Application Start"};
constexpr Code kApplicationStop{"110121", "DCM", "Application Stop"};
constexpr Code kNodeAuthentication{"110126", "DCM", "Node Authentication"};
constexpr Code kSecurityConfiguration{"110129", "DCM", "Security Configuration"};
constexpr Code kUseOfRestrictedFunction{"110132", "DCM", "Use of Restricted Function"};
constexpr Code kRoleApplication{"110150", "DCM", "Application"};
constexpr Code kRoleDestination{"110152", "DCM", "Destination Role ID"};
constexpr Code kRoleSource{"110153", "DCM", "Source Role ID"};
constexpr Code kStudyInstanceUid{"110180", "DCM", "Study Instance UID"};
constexpr Code kSopClassUid{"110181", "DCM", "SOP Class UID"};
constexpr Code kNodeId{"110182", "DCM", "Node ID"};
constexpr Code kPatientNumber{"2", "RFC-3881", "Patient Number"};
// PS3.15 A.5.1.2.1 (after RFC 3881): audit source type 4, an application server process.
constexpr const char* kSourceApplicationServer = "4";

// RFC 3881 participant object type codes and roles.
constexpr int kTypePerson = 1, kTypeSystemObject = 2;
constexpr int kRolePatient = 1, kRoleReport = 3, kRoleSecurityResource = 13;

const char* action_code(EventType type) {
  switch (type) {
    // PS3.15 A.5.3.5: C when the receiver creates the instances; the gateway relays
    // C-STOREs whose receiver stores them.
    case EventType::InstancesTransferred:
      return "C";
    default:
      return "E";
  }
}

const Code& event_id(EventType type) {
  switch (type) {
    case EventType::ApplicationStart:
    case EventType::ApplicationStop:
      return kApplicationActivity;
    case EventType::BeginTransferring:
      return kBeginTransferring;
    case EventType::InstancesTransferred:
      return kInstancesTransferred;
    case EventType::Query:
      return kQuery;
    case EventType::SecurityAlert:
    case EventType::AssociationEnd:
      return kSecurityAlert;
  }
  return kSecurityAlert;
}

const Code& alert_code(AlertKind kind) {
  switch (kind) {
    case AlertKind::NodeAuthentication:
      return kNodeAuthentication;
    case AlertKind::UseOfRestrictedFunction:
      return kUseOfRestrictedFunction;
    case AlertKind::SecurityConfiguration:
      return kSecurityConfiguration;
  }
  return kNodeAuthentication;
}

const char* alert_name(AlertKind kind) {
  switch (kind) {
    case AlertKind::NodeAuthentication:
      return "node-authentication";
    case AlertKind::UseOfRestrictedFunction:
      return "use-of-restricted-function";
    case AlertKind::SecurityConfiguration:
      return "security-configuration";
  }
  return "unknown";
}

// The process id, asked once (a system call per message is not free under a sandboxing
// kernel such as gVisor).
long process_id() {
  static const long pid = static_cast<long>(getpid());
  return pid;
}

std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

std::string node_address(const Node& n) {
  if (n.ip.empty()) return {};
  return join_host_port(n.ip, n.port);
}

// Text as XML 1.0 may carry it: valid UTF-8 made only of XML Chars (2.2: U+0020-D7FF,
// U+E000-FFFD, U+10000-10FFFF; tab, LF and CR too, but libxml2 writes them raw and a syslog
// message is one line, so they are replaced as well). Anything else (a control byte in an
// AE title, a stray 0xFF, a surrogate, an overlong form) becomes U+FFFD, so a message about
// a stranger stays well-formed and reaches the collector. libxml2 escapes but does not check.
std::string xml_text(std::string_view in) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(in.size());
  std::size_t i = 0;
  while (i < in.size()) {
    const auto b0 = static_cast<unsigned char>(in[i]);
    std::size_t len = 0;
    char32_t cp = 0;
    if (b0 < 0x80) {
      len = 1;
      cp = b0;
    } else if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
      cp = b0 & 0x1FU;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      cp = b0 & 0x0FU;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      cp = b0 & 0x07U;
    }
    bool ok = len != 0 && i + len <= in.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      const auto b = static_cast<unsigned char>(in[i + k]);
      if ((b & 0xC0U) != 0x80U) ok = false;
      cp = (cp << 6U) | (b & 0x3FU);
    }
    static constexpr std::array<char32_t, 5> kMin{0, 0, 0x80, 0x800, 0x10000};
    if (ok && len > 1 && cp < kMin[len]) ok = false;  // overlong
    const bool xml_char = (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
                          (cp >= 0x10000 && cp <= 0x10FFFF);
    if (ok && xml_char) {
      out.append(in.substr(i, len));
      i += len;
    } else {
      out.append(kReplacement);
      i += ok ? len : 1;  // a broken sequence: resynchronise on the next byte
    }
  }
  return out;
}

// Thin RAII wrapper over xmlTextWriter writing into an xmlBuffer. Every call's return
// value is folded into ok_, so a failed write yields an empty document, never a half one.
class Writer {
 public:
  Writer()
      : buf_(xmlBufferCreate()), w_(buf_ != nullptr ? xmlNewTextWriterMemory(buf_, 0) : nullptr) {
    ok_ = w_ != nullptr;
  }
  ~Writer() {
    if (w_ != nullptr) xmlFreeTextWriter(w_);
    if (buf_ != nullptr) xmlBufferFree(buf_);
  }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void start(const char* name) { check(xmlTextWriterStartElement(w_, x(name))); }
  void end() { check(xmlTextWriterEndElement(w_)); }
  void attr(const char* name, const std::string& value) {
    check(xmlTextWriterWriteAttribute(w_, x(name), x(xml_text(value).c_str())));
  }
  void text_element(const char* name, const std::string& value) {
    check(xmlTextWriterWriteElement(w_, x(name), x(xml_text(value).c_str())));
  }
  // An element whose content is the base64 of bytes (empty bytes: an empty element).
  void base64_element(const char* name, const std::string& bytes) {
    start(name);
    if (!bytes.empty())
      check(xmlTextWriterWriteBase64(w_, bytes.data(), 0, static_cast<int>(bytes.size())));
    end();
  }
  void coded(const char* name, const Code& c) {
    start(name);
    attr("csd-code", c.code);
    attr("codeSystemName", c.scheme);
    attr("originalText", c.meaning);
    end();
  }
  std::string finish() {
    if (!ok_) return {};
    if (xmlTextWriterFlush(w_) < 0) return {};
    return std::string(reinterpret_cast<const char*>(xmlBufferContent(buf_)),
                       static_cast<std::size_t>(xmlBufferLength(buf_)));
  }

 private:
  static const xmlChar* x(const char* s) { return reinterpret_cast<const xmlChar*>(s); }
  void check(int rc) {
    if (rc < 0) ok_ = false;
  }
  xmlBufferPtr buf_;
  xmlTextWriterPtr w_;
  bool ok_ = false;
};

// ActiveParticipant for a DICOM node: UserID is the AE title (or the address when the AE is
// not known yet), AlternativeUserID lists the AE titles as PS3.15 A.5.2.2 asks.
void write_node(Writer& w, const Node& n, const Code& role) {
  w.start("ActiveParticipant");
  const std::string addr = node_address(n);
  w.attr("UserID", !n.ae.empty() ? n.ae : (!addr.empty() ? addr : std::string("unknown")));
  if (!n.ae.empty()) w.attr("AlternativeUserID", "AETITLES=" + n.ae);
  if (!n.cert_subject.empty()) w.attr("UserName", n.cert_subject);
  w.attr("UserIsRequestor", n.requestor ? "true" : "false");
  if (!n.ip.empty()) {
    w.attr("NetworkAccessPointID", n.ip);
    w.attr("NetworkAccessPointTypeCode", "2");  // RFC 3881: an IP address
  }
  w.coded("RoleIDCode", role);
  w.end();
}

void write_application(Writer& w, const Options& o, bool requestor) {
  w.start("ActiveParticipant");
  w.attr("UserID", o.app_name);
  w.attr("AlternativeUserID", std::to_string(process_id()));
  w.attr("UserIsRequestor", requestor ? "true" : "false");
  w.coded("RoleIDCode", kRoleApplication);
  w.end();
}

void write_source(Writer& w, const Options& o) {
  w.start("AuditSourceIdentification");
  w.attr("AuditSourceID", o.app_name);
  // A.5.1.2.1's bare form: the code alone means the value of its own table.
  w.start("AuditSourceTypeCode");
  w.attr("csd-code", kSourceApplicationServer);
  w.end();
  w.end();
}

// Study participant objects (A.5.3.3/A.5.3.5). The per-SOP-class counts describe the whole
// association; they go on the first study object.
void write_studies(Writer& w, const Event& e, const Options& o) {
  std::vector<std::string> ids;
  if (o.phi_ids && !e.study_uids.empty()) {
    ids = e.study_uids;
  } else {
    ids.emplace_back(kWithheld);
  }
  bool first = true;
  for (const auto& id : ids) {
    w.start("ParticipantObjectIdentification");
    w.attr("ParticipantObjectID", id);
    w.attr("ParticipantObjectTypeCode", std::to_string(kTypeSystemObject));
    w.attr("ParticipantObjectTypeCodeRole", std::to_string(kRoleReport));
    w.coded("ParticipantObjectIDTypeCode", kStudyInstanceUid);
    if (first && !e.sop_classes.empty()) {
      // A.5.1: the SOP classes of a study, with their instance counts, are part of the
      // object's DICOM description.
      w.start("ParticipantObjectDescription");
      for (const auto& [uid, count] : e.sop_classes) {
        w.start("SOPClass");
        w.attr("UID", uid);
        w.attr("NumberOfInstances", std::to_string(count));
        w.end();
      }
      w.end();
    }
    first = false;
    w.end();
  }
}

void write_patients(Writer& w, const Event& e, const Options& o) {
  std::vector<std::string> ids;
  if (o.phi_ids && !e.patient_ids.empty()) {
    ids = e.patient_ids;
  } else {
    ids.emplace_back(kWithheld);
  }
  for (const auto& id : ids) {
    w.start("ParticipantObjectIdentification");
    w.attr("ParticipantObjectID", id);
    w.attr("ParticipantObjectTypeCode", std::to_string(kTypePerson));
    w.attr("ParticipantObjectTypeCodeRole", std::to_string(kRolePatient));
    w.coded("ParticipantObjectIDTypeCode", kPatientNumber);
    w.end();
  }
}

}  // namespace

const char* to_string(EventType type) {
  switch (type) {
    case EventType::ApplicationStart:
      return "application-start";
    case EventType::ApplicationStop:
      return "application-stop";
    case EventType::BeginTransferring:
      return "begin-transferring";
    case EventType::InstancesTransferred:
      return "instances-transferred";
    case EventType::Query:
      return "query";
    case EventType::SecurityAlert:
      return "security-alert";
    case EventType::AssociationEnd:
      return "association-end";
  }
  return "unknown";
}

std::string to_rfc3881_xml(const Event& e, const Options& o) {
  if (e.type == EventType::AssociationEnd) return {};
  Writer w;
  w.start("AuditMessage");

  w.start("EventIdentification");
  w.attr("EventActionCode", action_code(e.type));
  w.attr("EventDateTime", iso8601_utc_ms(e.time));
  w.attr("EventOutcomeIndicator", std::to_string(e.outcome));
  w.coded("EventID", event_id(e.type));
  if (e.type == EventType::ApplicationStart) w.coded("EventTypeCode", kApplicationStart);
  if (e.type == EventType::ApplicationStop) w.coded("EventTypeCode", kApplicationStop);
  if (e.type == EventType::SecurityAlert) w.coded("EventTypeCode", alert_code(e.alert));
  if (!e.outcome_text.empty()) w.text_element("EventOutcomeDescription", e.outcome_text);
  w.end();

  switch (e.type) {
    case EventType::ApplicationStart:
    case EventType::ApplicationStop:
      // A.5.3.1: the application started or stopped.
      write_application(w, o, false);
      write_source(w, o);
      break;
    case EventType::BeginTransferring:
    case EventType::InstancesTransferred:
      // A.5.3.3 / A.5.3.5: the sending process, the receiving process, the gateway between.
      write_node(w, e.source, kRoleSource);
      write_node(w, e.destination, kRoleDestination);
      write_application(w, o, false);
      write_source(w, o);
      write_studies(w, e, o);
      write_patients(w, e, o);
      break;
    case EventType::Query: {
      // A.5.3.10: the querying and the queried process; the SOP class queried. The query
      // data set (ParticipantObjectQuery) holds patient matching keys: the element is there,
      // as the table asks, but empty.
      write_node(w, e.source, kRoleSource);
      write_node(w, e.destination, kRoleDestination);
      write_application(w, o, false);
      write_source(w, o);
      w.start("ParticipantObjectIdentification");
      w.attr("ParticipantObjectID",
             e.query_sop_class.empty() ? std::string("unknown") : e.query_sop_class);
      w.attr("ParticipantObjectTypeCode", std::to_string(kTypeSystemObject));
      w.attr("ParticipantObjectTypeCodeRole", std::to_string(kRoleReport));
      w.coded("ParticipantObjectIDTypeCode", kSopClassUid);
      w.base64_element("ParticipantObjectQuery", "");
      w.end();
      break;
    }
    case EventType::SecurityAlert: {
      // A.5.3.11: the reporting process (the gateway), the performing node, and the node
      // the alert is about as the alert subject.
      write_application(w, o, false);
      const bool has_peer = !e.source.ip.empty() || !e.source.ae.empty();
      if (has_peer) write_node(w, e.source, kRoleSource);
      write_source(w, o);
      w.start("ParticipantObjectIdentification");
      const std::string addr = node_address(e.source);
      w.attr("ParticipantObjectID", !addr.empty() ? addr : o.app_name);
      w.attr("ParticipantObjectTypeCode", std::to_string(kTypeSystemObject));
      w.attr("ParticipantObjectTypeCodeRole", std::to_string(kRoleSecurityResource));
      w.coded("ParticipantObjectIDTypeCode", kNodeId);
      // A.5.3.11: what the alert is about, as an "Alert Description" detail (a ValuePair:
      // the value is base64, so no text of a peer's can become markup).
      if (!e.outcome_text.empty()) {
        w.start("ParticipantObjectDetail");
        w.attr("type", "Alert Description");
        w.attr("value", base64(e.outcome_text));
        w.end();
      }
      w.end();
      break;
    }
    case EventType::AssociationEnd:
      break;
  }
  w.end();  // AuditMessage
  return w.finish();
}

std::string to_jsonl(const Event& e, const Options& o) {
  auto node = [](const Node& n) {
    nlohmann::json j = {{"ae", n.ae}, {"ip", n.ip}, {"port", n.port}, {"requestor", n.requestor}};
    if (!n.cert_subject.empty()) j["cert_subject"] = n.cert_subject;
    return j;
  };
  nlohmann::json j;
  j["time"] = iso8601_utc_ms(e.time);
  j["event"] = to_string(e.type);
  if (e.type != EventType::AssociationEnd) {
    const Code& id = event_id(e.type);
    j["event_id"] = {{"code", id.code}, {"scheme", id.scheme}, {"meaning", id.meaning}};
  }
  if (e.type == EventType::SecurityAlert) j["alert"] = alert_name(e.alert);
  j["outcome"] = e.outcome;
  if (!e.outcome_text.empty()) j["outcome_text"] = e.outcome_text;
  if (!e.conn.empty()) j["conn"] = e.conn;
  j["app"] = o.app_name;
  const bool has_nodes =
      e.type != EventType::ApplicationStart && e.type != EventType::ApplicationStop;
  if (has_nodes) {
    j["source"] = node(e.source);
    if (!e.destination.ip.empty() || !e.destination.ae.empty())
      j["destination"] = node(e.destination);
  }
  if (!e.sop_classes.empty()) {
    nlohmann::json classes = nlohmann::json::object();
    std::uint64_t total = 0;
    for (const auto& [uid, count] : e.sop_classes) {
      classes[uid] = count;
      total += count;
    }
    j["sop_classes"] = classes;
    j["instances"] = total;
  }
  if (!e.query_sop_class.empty()) j["query_sop_class"] = e.query_sop_class;
  if (o.phi_ids) {
    if (!e.patient_ids.empty()) j["patient_ids"] = e.patient_ids;
    if (!e.study_uids.empty()) j["study_uids"] = e.study_uids;
  } else {
    // Counted, never copied.
    if (!e.patient_ids.empty()) j["patients"] = e.patient_ids.size();
    if (!e.study_uids.empty()) j["studies"] = e.study_uids.size();
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string to_syslog(const Event& e, const Options& o, const std::string& msg,
                      const std::string& hostname) {
  // RFC 5424 6.2.1: PRI = facility * 8 + severity. Facility 10 (security/authorization,
  // authpriv) as ATNA collectors expect; severity by outcome and event.
  int severity = 5;                                      // notice
  if (e.type == EventType::SecurityAlert) severity = 4;  // warning
  if (e.outcome >= SeriousFailure) severity = 3;         // error
  const int pri = 10 * 8 + severity;
  const std::string host = hostname.empty() ? std::string("-") : hostname.substr(0, 255);
  // MSGID "IHE+RFC-3881" (IHE ITI TF-2 3.20.4.2), no structured data, MSG in UTF-8 with
  // its BOM (RFC 5424 6.4).
  return fmt::format("<{}>1 {} {} {} {} IHE+RFC-3881 - \xEF\xBB\xBF{}", pri, iso8601_utc_ms(e.time),
                     host, o.app_name.substr(0, 48), process_id(), msg);
}

}  // namespace dicomsec::audit
