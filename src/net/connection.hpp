// A TCP connection with a deadline on every operation, for C++20 coroutines on Asio.
// Timeouts are armed per operation with a generation counter, so a timer that fires just as
// an operation completes can never cancel the next one. Errors are returned, never thrown.
// start_tls() turns it into an OpenSSL client connection (issue 5: DICOM inside TLS); from
// then on read_some/write_all carry TLS application data and the API stays the same.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <system_error>

struct ssl_st;  // OpenSSL's SSL, kept out of this header

namespace asio::ssl {
class context;
}

namespace dicomsec::net {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

enum class IoError {
  None,
  Refused,      // RST to our SYN
  Timeout,      // the deadline passed
  Unreachable,  // ICMP unreachable, no route
  Closed,       // orderly FIN from the peer
  Reset,        // RST mid-stream
  Local,        // this machine ran out of something (see is_local_error): nothing was sent
  Other,        // anything else; TLS failures too (see is_tls_error)
};

struct IoResult {
  IoError error = IoError::None;
  std::size_t bytes = 0;
  std::error_code code;  // the system's own code, for the record's detail
  [[nodiscard]] bool ok() const { return error == IoError::None; }
};

// EMFILE, ENFILE, EADDRNOTAVAIL, ENOBUFS: socket() or connect() failed for want of a local
// resource (descriptors, ephemeral ports, buffers). Says nothing about the peer.
bool is_local_error(const std::error_code& ec);
// "EMFILE: Too many open files" for a local error, the system's message otherwise.
std::string error_text(const IoResult& r);

// The error came from OpenSSL (an alert, a malformed record, a failed verification), not
// from the socket; code.message() names OpenSSL's reason.
bool is_tls_error(const IoResult& r);

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  explicit Connection(const asio::any_io_executor& ex);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  static std::shared_ptr<Connection> make(const asio::any_io_executor& ex) {
    return std::make_shared<Connection>(ex);
  }

  asio::awaitable<IoResult> connect(const asio::ip::tcp::endpoint& ep, Millis timeout);
  // Reads whatever arrives (at least one byte) into buf.
  asio::awaitable<IoResult> read_some(std::span<std::uint8_t> buf, Millis timeout);
  asio::awaitable<IoResult> write_all(std::span<const std::uint8_t> data, Millis timeout);
  // Closes both directions now; safe to call twice.
  void close();

  // TLS client on the connected socket: creates the SSL object from `context`, lets
  // `configure` set it up (SNI, callbacks, verification) and runs the handshake. The
  // context is kept alive as long as the connection.
  asio::awaitable<IoResult> start_tls(std::shared_ptr<asio::ssl::context> context,
                                      Millis timeout,
                                      const std::function<void(ssl_st*)>& configure = {});
  // Sends close_notify and waits (bounded) for the peer's; alerts the peer sends meanwhile
  // are read and reported like any TLS error.
  asio::awaitable<IoResult> shutdown_tls(Millis timeout);
  // The SSL object once start_tls was called, else nullptr.
  [[nodiscard]] ssl_st* tls_handle() const;

  // The TCP socket (under the TLS layer once start_tls was called).
  asio::ip::tcp::socket& socket();

 private:
  struct TlsLayer;

  void arm(Millis timeout);
  IoResult finish(const std::error_code& ec, std::size_t n);

  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  std::uint64_t generation_ = 0;
  bool timed_out_ = false;
  std::unique_ptr<TlsLayer> tls_;
};

}  // namespace dicomsec::net
