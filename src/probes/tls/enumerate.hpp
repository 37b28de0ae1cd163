// Async driver of the raw-handshake TLS enumeration (issue 5): asks the sans-IO planner
// (src/tlsinspect/planner.hpp) for ClientHellos and sends each on its own TCP connection,
// a few at a time per target, every read capped and every connection bounded by a
// deadline, the whole audit by a handshake budget and a total time.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "core/bytes.hpp"
#include "net/connection.hpp"
#include "record/record.hpp"
#include "tlsinspect/planner.hpp"

namespace dicomsec::probes::tls {

struct EnumerateOptions {
  net::Millis connect_timeout{3000};
  net::Millis io_timeout{3000};      // per question: from connect to the end of the flight
  net::Millis total_timeout{60000};  // the whole enumeration of one target
  unsigned in_flight = 4;            // questions in flight to one target at most
  unsigned max_handshakes = 600;
  std::string sni;
  std::uint64_t seed = 0;
};

struct EnumerateResult {
  tlsinspect::PlannerResult planner;
  // success: the server spoke TLS; otherwise the shared status vocabulary (design §3):
  // connection-refused/-timeout/unreachable, io-timeout (never answered), protocol-error
  // (not TLS), tls-error (alerts only, resets, truncated or malformed records).
  record::Status status = record::Status::Success;
  std::string detail;
  bool timed_out = false;  // total_timeout cut the enumeration short
};

asio::awaitable<EnumerateResult> enumerate_tls(asio::any_io_executor ex,
                                               asio::ip::tcp::endpoint target,
                                               const EnumerateOptions& options);

// Fills versions, ciphers, server_preference, groups, dh_bits, encrypt_then_mac, handshakes,
// complete and the profile verdicts of the record from the enumeration.
void fill_audit(const EnumerateResult& result, record::TlsAuditRecord& audit);

// Re-judges the profiles once an ordinary handshake offering TLS 1.3 and 1.2 together showed
// the version the server chose (nullopt: it did not get that far).
void refine_profiles(const EnumerateResult& result, std::optional<tlsinspect::Version> negotiated,
                     record::TlsAuditRecord& audit);

// The first bytes a peer sent are a TLS record (for the scan's port classification).
bool looks_like_tls(ByteView first_bytes);

}  // namespace dicomsec::probes::tls
