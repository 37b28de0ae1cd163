#include "pcap/flow_sink.hpp"

#include <arpa/inet.h>

namespace dicomsec::pcap {

std::string Endpoint::ip() const {
  char buf[INET6_ADDRSTRLEN] = {};
  // inet_ntop prints RFC 5952 text (compressed zeros, lower case).
  if (inet_ntop(v6 ? AF_INET6 : AF_INET, addr.data(), buf, sizeof buf) == nullptr) return "?";
  return buf;
}

const char* to_string(Side s) noexcept { return s == Side::Initiator ? "initiator" : "responder"; }

const char* to_string(CloseReason r) noexcept {
  switch (r) {
    case CloseReason::Fin:
      return "fin";
    case CloseReason::Rst:
      return "rst";
    case CloseReason::Idle:
      return "idle";
    case CloseReason::Evicted:
      return "evicted";
    case CloseReason::EndOfCapture:
      return "end-of-capture";
  }
  return "?";
}

}  // namespace dicomsec::pcap
