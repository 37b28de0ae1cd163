#include "audit/audit.hpp"

namespace dicomsec::audit {

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

std::string to_rfc3881_xml(const Event&, const Options&) { return {}; }
std::string to_jsonl(const Event&, const Options&) { return {}; }
std::string to_syslog(const Event&, const Options&, const std::string& msg, const std::string&) {
  return msg;
}

}  // namespace dicomsec::audit
