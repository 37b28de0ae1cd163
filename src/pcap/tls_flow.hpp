// A TLS flow seen from outside (issue 14 §5): the client's ClientHello gives the SNI, the
// server's cleartext flight gives the version, the suite and (TLS <= 1.2) the certificate.
// Nothing is decrypted; after the server's flight every byte is only counted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/bytes.hpp"
#include "record/flow.hpp"
#include "tlsinspect/server_flight.hpp"

namespace dicomsec::pcap {

// The host_name of a ClientHello's server_name extension (RFC 6066 3), from the first
// handshake record(s) of a client. NeedMore until the ClientHello is whole; Error when the
// bytes are not one (the flow is then recorded without an SNI).
class ClientHelloSni {
 public:
  DecodeStatus feed(ByteView bytes);
  [[nodiscard]] const std::optional<std::string>& sni() const noexcept { return sni_; }

 private:
  DecodeStatus parse();
  Bytes records_;  // handshake record payloads joined (bounded)
  Bytes raw_;      // bytes not yet forming a whole record
  std::optional<std::string> sni_;
  DecodeStatus status_ = DecodeStatus::NeedMore;
};

// Subject, issuer (RFC 2253) and notAfter (ISO 8601 UTC) of a DER certificate; nullopt if
// OpenSSL cannot parse it (cert_names.cpp).
struct CertNames {
  std::string subject, issuer, not_after;
};
std::optional<CertNames> cert_names(ByteView der);

class TlsFlow {
 public:
  void client_bytes(ByteView bytes);
  void server_bytes(ByteView bytes);
  // The record's tls object as far as the handshake was visible.
  [[nodiscard]] record::FlowTlsRecord result() const;

 private:
  ClientHelloSni hello_;
  tlsinspect::ServerFlightParser flight_{false};
  bool client_done_ = false;
  bool server_done_ = false;
};

}  // namespace dicomsec::pcap
