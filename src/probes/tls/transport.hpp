// The transport of every DICOM probe: TCP connect (with retries after a timeout), then,
// when the service is TLS, the client handshake with the --ca/--cert/--key setup and the
// wait for a TLS 1.3 server's verdict on our certificate. The level-safe probe
// (dicom_probe / dicom_probe_tls) and the access checks (access_probe) both open their
// connections here, so a TLS service gets its access checks inside TLS too.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "net/connection.hpp"
#include "probes/tls/handshake.hpp"
#include "record/record.hpp"

namespace asio::ssl {
class context;
}

namespace dicomsec::probes::tls {

// DICOM inside TLS (PS3.15 B.1 secure transport): the client context every connection of
// one probe shares, and the server name.
struct ClientTls {
  std::shared_ptr<asio::ssl::context> context;
  std::string sni;
  bool client_cert = false;  // the context presents one
};

// The client setup from HandshakeOptions (CA file, client certificate and key, SNI, version
// cap). nullopt, with `error` saying why, when a file does not load.
std::optional<ClientTls> make_client_tls(const HandshakeOptions& options, std::string& error);

struct TransportOptions {
  net::Millis connect_timeout{3000};
  net::Millis io_timeout{5000};  // the TLS handshake, and the verdict wait within it
  unsigned retries = 0;          // extra connect attempts after a connect timeout
};

struct Transport {
  std::shared_ptr<net::Connection> conn;  // set when connected (and in TLS when asked)
  // When conn is not set: connection-refused / connection-timeout / unreachable, or
  // tls-error / io-timeout for a failed handshake, with detail saying why.
  record::Status status = record::Status::Success;
  std::string detail;
  std::optional<std::uint64_t> connect_ms;  // connect time, all attempts
  bool tls = false;                         // the TLS handshake completed
  [[nodiscard]] bool ok() const { return conn != nullptr; }
};

// Connects to target; with `tls`, runs the handshake and waits for a TLS 1.3 server's
// verdict on our client certificate, so that a refusal reads as its alert rather than as a
// reset under our first PDU. Never throws for network or TLS trouble.
asio::awaitable<Transport> open_transport(asio::any_io_executor ex, asio::ip::tcp::endpoint target,
                                          const TransportOptions& options, const ClientTls* tls);

}  // namespace dicomsec::probes::tls
