// The level-safe DICOM probe of one host:port: association with our honest identity,
// C-ECHO, release; then a second association with a random called AE title to learn
// whether the peer checks it. Fills a scan record; evaluates no findings itself.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <cstdint>
#include <random>
#include <string>

#include "net/connection.hpp"
#include "probes/tls/handshake.hpp"
#include "record/record.hpp"

namespace dicomsec::probes {

struct DicomProbeOptions {
  std::string calling_ae = "DICOMSEC";
  std::string called_ae = "ANY-SCP";
  net::Millis connect_timeout{3000};
  net::Millis io_timeout{5000};
  unsigned retries = 1;                       // extra connect attempts after a timeout
  std::uint32_t max_pdu_receive = 64 * 1024;  // also caps what we buffer from the peer
  bool check_called_ae = true;                // the second association
};

// Runs the probe; never throws for network or protocol trouble (those are statuses).
asio::awaitable<record::ScanRecord> dicom_probe(asio::any_io_executor ex,
                                                asio::ip::tcp::endpoint target,
                                                const DicomProbeOptions& options,
                                                std::uint64_t seed);

// The same probe inside TLS (PS3.15 B.1 secure transport): each association runs over its
// own OpenSSL client connection made with `tls` (client certificate, CA, SNI; verification
// recorded by openssl_handshake, not enforced here). The record says tls=true when the
// handshake completed; a failed handshake is status tls-error with the alert in detail.
// Unlike dicom_probe it also identifies the product (identify_product), so the record is
// complete.
asio::awaitable<record::ScanRecord> dicom_probe_tls(asio::any_io_executor ex,
                                                    asio::ip::tcp::endpoint target,
                                                    const DicomProbeOptions& options,
                                                    const tls::HandshakeOptions& tls,
                                                    std::uint64_t seed);

}  // namespace dicomsec::probes
