// A TCP connection with a deadline on every operation, for C++20 coroutines on Asio.
//
// Full duplex: one read and one write may be outstanding at the same time, and each
// direction has its own timer and its own cancellation signal, so a read that times out
// cancels only the read (Asio per-operation cancellation), never a write in flight, and the
// other way round. A generation counter per direction means a timer that fires just as its
// operation completes can never cancel the next one. Errors are returned, never thrown.
//
// Client side: make() then connect(); start_tls() turns it into an OpenSSL client
// connection (issue 5: DICOM inside TLS). Server side: Listener::accept() hands out
// connected Connections; accept_tls() runs the server handshake on one. From then on
// read_some/write_all carry TLS application data and the API stays the same.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <system_error>
#include <utility>

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

class Listener;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // The only way to make one: the timers' handlers hold a shared_ptr to it.
  static std::shared_ptr<Connection> make(const asio::any_io_executor& ex);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The endpoint is taken by value: a coroutine keeps its parameters in its frame, and a
  // reference to a caller's temporary would dangle at the first suspension.
  asio::awaitable<IoResult> connect(asio::ip::tcp::endpoint ep, Millis timeout);
  // Reads whatever arrives (at least one byte) into buf. At most one read at a time.
  asio::awaitable<IoResult> read_some(std::span<std::uint8_t> buf, Millis timeout);
  // True when a read would not wait: bytes (or EOF, or an error) are there to be read, in
  // the socket or already inside TLS. Never blocks.
  [[nodiscard]] bool readable_now() const;
  // Waits (bounded, like a read) until readable_now(), without taking a buffer: an idle
  // connection then needs no read buffer at all. Same direction as read_some.
  asio::awaitable<IoResult> wait_readable(Millis timeout);
  // Writes all of data. At most one write at a time; it may overlap a read.
  asio::awaitable<IoResult> write_all(std::span<const std::uint8_t> data, Millis timeout);
  // `first` then `second`, as one gathered send on a cleartext socket (a relay's copied bytes
  // and the bytes it forwards in place); one timeout for both.
  asio::awaitable<IoResult> write_all(std::span<const std::uint8_t> first,
                                      std::span<const std::uint8_t> second, Millis timeout);
  // Closes both directions now (outstanding operations end with an error); safe to call
  // twice.
  void close();

  // TLS client on the connected socket: creates the SSL object from `context`, lets
  // `configure` set it up (SNI, callbacks, verification) and runs the handshake. The
  // context is kept alive as long as the connection.
  asio::awaitable<IoResult> start_tls(std::shared_ptr<asio::ssl::context> context, Millis timeout,
                                      std::function<void(ssl_st*)> configure = {});
  // TLS server on an accepted socket (a server context: certificate, key, and the client
  // verification mode the caller chose); otherwise as start_tls.
  asio::awaitable<IoResult> accept_tls(std::shared_ptr<asio::ssl::context> context, Millis timeout,
                                       std::function<void(ssl_st*)> configure = {});
  // Sends close_notify and waits (bounded) for the peer's; alerts the peer sends meanwhile
  // are read and reported like any TLS error.
  asio::awaitable<IoResult> shutdown_tls(Millis timeout);
  // The SSL object once start_tls/accept_tls was called, else nullptr.
  [[nodiscard]] ssl_st* tls_handle() const;

  // The TCP socket (under the TLS layer once TLS started).
  asio::ip::tcp::socket& socket();

 private:
  friend class Listener;
  explicit Connection(const asio::any_io_executor& ex);

  // One direction's timeout machinery. Connect, handshake and shutdown use the read
  // direction's: they never overlap a read.
  enum Direction : std::size_t { kRead = 0, kWrite = 1 };
  struct Channel {
    explicit Channel(const asio::any_io_executor& ex) : timer(ex) {}
    asio::steady_timer timer;
    asio::cancellation_signal cancel;
    std::uint64_t generation = 0;
    bool timed_out = false;
  };
  struct TlsLayer;

  // Runs one OpenSSL call until it completes, waiting for the socket as it asks; `d`'s
  // timer and cancellation apply. ret > 0 is success and becomes IoResult::bytes.
  asio::awaitable<IoResult> tls_io(Direction d, std::function<int(ssl_st*)> op);

  void arm(Direction d, Millis timeout);
  IoResult finish(Direction d, const std::error_code& ec, std::size_t n);
  asio::awaitable<IoResult> handshake(bool server, std::shared_ptr<asio::ssl::context> context,
                                      Millis timeout, std::function<void(ssl_st*)> configure);

  asio::ip::tcp::socket socket_;
  Channel channels_[2];
  std::unique_ptr<TlsLayer> tls_;
};

// A listening socket that hands out accepted connections (the server side: the gateway,
// and tests that need a peer of their own). Bind to port 0 and ask local_endpoint().
class Listener {
 public:
  // Opens, binds (SO_REUSEADDR) and listens; nullptr and `error` set on failure.
  static std::shared_ptr<Listener> open(const asio::any_io_executor& ex,
                                        const asio::ip::tcp::endpoint& ep, std::error_code& error,
                                        int backlog = asio::socket_base::max_listen_connections);
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  [[nodiscard]] asio::ip::tcp::endpoint local_endpoint() const;
  // Waits (bounded) for the next connection. On success the connection is set and
  // connected; on timeout IoError::Timeout and no connection.
  asio::awaitable<std::pair<IoResult, std::shared_ptr<Connection>>> accept(Millis timeout);
  // Stops listening; a pending accept ends with an error. Safe to call twice.
  void close();

 private:
  explicit Listener(const asio::any_io_executor& ex) : acceptor_(ex) {}
  asio::ip::tcp::acceptor acceptor_;
};

// The TLS client's check of whom it reached, for start_tls's `configure`: the server must
// prove it is `name`. An IP address literal is matched against the certificate's IP SANs; a
// host name against its DNS names, and is sent as SNI (RFC 6066 3: SNI carries host names,
// never address literals). An empty name (or no SSL object) checks nothing beyond the
// context's verify mode. The scanner's probes, the gateway's upstream and the audit
// collector connection all use this one rule.
void expect_peer_name(ssl_st* ssl, const std::string& name);

}  // namespace dicomsec::net
