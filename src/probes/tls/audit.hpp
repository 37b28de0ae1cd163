// The whole TLS audit of one host:port (issue 5): raw-handshake enumeration (versions,
// suites, preference, groups), one OpenSSL handshake for the certificate chain and the
// client-certificate policy, optionally the DICOM probe inside TLS, a look for cleartext
// DICOM on the same host, and the PS3.15 profile verdicts. One record out.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <cstdint>
#include <vector>

#include "probes/dicom_ul/dicom_probe.hpp"
#include "probes/tls/enumerate.hpp"
#include "probes/tls/handshake.hpp"
#include "record/record.hpp"

namespace dicomsec::probes::tls {

struct AuditOptions {
  EnumerateOptions enumerate;
  HandshakeOptions handshake;
  DicomProbeOptions dicom;
  bool dicom_inside = true;                    // run the DICOM probe inside TLS
  std::vector<std::uint16_t> plaintext_ports;  // same host: does one accept cleartext DICOM?
};

// Never throws for network or protocol trouble: those are statuses in the record.
asio::awaitable<record::ScanRecord> tls_audit_probe(asio::any_io_executor ex,
                                                  asio::ip::tcp::endpoint target,
                                                  const AuditOptions& options, std::uint64_t seed);

}  // namespace dicomsec::probes::tls
