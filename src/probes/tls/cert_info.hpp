// Certificate facts for the record (record::TlsCertRecord), read from OpenSSL's X509 objects.
// Pure functions of the certificate and a given "now": no I/O, no clock of their own.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/types.h>

#include "record/record.hpp"

namespace dicomsec::probes::tls {

// "2026-11-25T21:00:00Z", or empty when the time does not parse.
std::string iso8601_utc(const ASN1_TIME* t);

// The record's facts about one certificate, judged at `now` (seconds since the epoch).
record::TlsCertRecord cert_record(X509* cert, std::time_t now);

// Every certificate in a PEM text (leaf first, as written); stops at the first bad block.
std::vector<record::TlsCertRecord> certs_from_pem(std::string_view pem, std::time_t now);
// One DER-encoded certificate; nullopt when it does not parse (the fuzz target's entry).
std::optional<record::TlsCertRecord> cert_from_der(std::span<const std::uint8_t> der,
                                                 std::time_t now);

// "TLSv1" (OpenSSL's name) -> "TLSv1.0"; others unchanged.
std::string version_name(std::string_view openssl_name);
// TLS alert description code -> "certificate required", "handshake failure", ...
std::string alert_name(int description);

}  // namespace dicomsec::probes::tls
