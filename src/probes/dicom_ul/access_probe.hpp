// The access checks of levels auth and intrusive for one host:port whose safe probe spoke
// DICOM (docs/design.md "Access checks"). Runs after dicom_probe() and adds record.access:
//  1. the called AE: the safe probe's if it was accepted; if it was rejected as "called AE
//     not recognised", the vendor defaults of called_ae_titles.hpp, one association each
//     (Verification only), rate-limited, until one is accepted;
//  2. the access association(s) of AccessClient (a new one after a peer aborts a refused
//     request), at most one per operation;
//  3. at the intrusive level, what to do to delete the test object.
// Every association runs inside TLS when record.tls says the service is TLS.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <cstdint>
#include <string>

#include "net/connection.hpp"
#include "probes/tls/handshake.hpp"
#include "record/record.hpp"

namespace dicomsec::probes {

struct AccessProbeOptions {
  std::string calling_ae = "DICOMSEC";
  net::Millis connect_timeout{3000};
  net::Millis io_timeout{5000};
  std::uint32_t max_pdu_receive = 64 * 1024;
  std::uint32_t find_cap = 100;
  bool intrusive = false;  // C-STORE of the test object
  bool discover_called_ae = true;
  net::Millis discovery_interval{250};  // between two discovery associations to one peer
  // When the record says the service is TLS: the client setup (--ca, --cert, --key, SNI),
  // as for dicom_probe_tls; timeouts come from the fields above.
  tls::HandshakeOptions tls;
};

// Fills record.access (and may add to record.association nothing: the safe probe's result
// stays as measured). Never throws for network or protocol trouble.
asio::awaitable<void> access_probe(asio::any_io_executor ex, asio::ip::tcp::endpoint target,
                                   const AccessProbeOptions& options, std::uint64_t seed,
                                   record::ScanRecord& record);

// How to delete the test object from a product (Orthanc, dcmqrscp, storescp, other).
std::vector<std::string> store_cleanup(const record::ScanRecord& record, std::string_view study_uid,
                                       std::string_view series_uid, std::string_view instance_uid);

}  // namespace dicomsec::probes
