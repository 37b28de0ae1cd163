// Bounded incremental parser of a server's first flight (RFC 5246 7.4, RFC 8446 4.1.3):
// records are reassembled into handshake messages across any split of bytes; ServerHello
// (and HelloRetryRequest), Certificate, ServerKeyExchange, CertificateRequest,
// ServerHelloDone and Alert are decoded. Sans-IO: the caller feeds bytes and tells it when
// the connection ended. Nothing past the cleartext part of the flight is read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "tlsinspect/suites.hpp"

namespace dicomsec::tlsinspect {

struct FlightLimits {
  std::size_t max_record = 16384 + 2048;  // TLSCiphertext bound (RFC 5246 6.2.3)
  std::size_t max_message = 128 * 1024;   // one handshake message
  std::size_t max_total = 256 * 1024;     // everything we are willing to read
  std::size_t max_certificates = 16;
};

struct ServerHello {
  std::uint16_t legacy_version = 0;
  std::optional<Version> version;  // negotiated: supported_versions when present
  std::uint16_t cipher_suite = 0;
  std::uint8_t compression = 0;
  bool hello_retry = false;                      // HelloRetryRequest (RFC 8446 4.1.4)
  std::optional<std::uint16_t> key_share_group;  // TLS 1.3 key_share / HRR selected_group
  bool encrypt_then_mac = false;                 // RFC 7366 acknowledged
  bool extended_master_secret = false;           // RFC 7627 acknowledged
  bool secure_renegotiation = false;             // RFC 5746 renegotiation_info present
  bool downgrade_sentinel = false;               // RFC 8446 4.1.3 DOWNGRD in the random
  std::vector<std::uint16_t> extensions;         // types, in order
};

struct ServerKeyExchange {
  std::optional<std::uint16_t> named_group;  // ECDHE (RFC 8422 5.4)
  std::optional<unsigned> dh_prime_bits;     // DHE (RFC 5246 7.4.3)
};

struct Alert {
  std::uint8_t level = 0;
  std::uint8_t description = 0;
};
std::string alert_name(std::uint8_t description);  // "handshake_failure", ...

struct Flight {
  std::optional<ServerHello> server_hello;
  std::vector<Bytes> certificates;  // DER, leaf first (TLS <= 1.2 only; 1.3 encrypts them)
  std::optional<ServerKeyExchange> server_key_exchange;
  bool certificate_request = false;
  bool server_hello_done = false;
  std::optional<Alert> alert;
};

class ServerFlightParser {
 public:
  // stop_after_hello: the flight counts as complete once ServerHello is decoded (enough for
  // version and suite questions); otherwise it runs to ServerHelloDone (TLS <= 1.2).
  explicit ServerFlightParser(bool stop_after_hello = false, FlightLimits limits = {});

  // NeedMore until the flight is complete (Ready) or broken (Error; see error()).
  DecodeStatus feed(ByteView data);
  [[nodiscard]] DecodeStatus status() const { return status_; }
  [[nodiscard]] const Flight& flight() const { return flight_; }
  [[nodiscard]] const std::string& error() const { return error_; }
  // True when the first bytes were not a TLS record at all (e.g. a DICOM A-ASSOCIATE-RJ).
  [[nodiscard]] bool not_tls() const { return not_tls_; }
  [[nodiscard]] std::size_t bytes_seen() const { return total_; }
  // Anything decoded so far that answers a question (ServerHello or Alert).
  [[nodiscard]] bool answered() const { return flight_.server_hello || flight_.alert; }

 private:
  DecodeStatus fail(std::string why);
  DecodeStatus on_record(std::uint8_t type, ByteView payload);
  DecodeStatus on_handshake(std::uint8_t type, ByteView body);
  DecodeStatus on_server_hello(ByteView body);
  DecodeStatus on_certificate(ByteView body);
  DecodeStatus on_server_key_exchange(ByteView body);

  bool stop_after_hello_;
  FlightLimits limits_;
  DecodeStatus status_ = DecodeStatus::NeedMore;
  std::string error_;
  bool not_tls_ = false;
  std::size_t total_ = 0;
  std::size_t records_seen_ = 0;
  Bytes records_;    // bytes not yet forming a whole record
  Bytes handshake_;  // handshake bytes not yet forming a whole message
  Bytes alert_;      // alert bytes (an alert may be split across records)
  Flight flight_;
};

// Looks at the first bytes a server sent: a TLS record header (handshake or alert, version
// 3.x). Used by the scan to recognise a TLS port from any answer.
bool looks_like_tls(ByteView first_bytes);

}  // namespace dicomsec::tlsinspect
