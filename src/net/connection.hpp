// A TCP connection with a deadline on every operation, for C++20 coroutines on Asio.
// Timeouts are armed per operation with a generation counter, so a timer that fires just as
// an operation completes can never cancel the next one. Errors are returned, never thrown.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <system_error>

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
  Other,
};

struct IoResult {
  IoError error = IoError::None;
  std::size_t bytes = 0;
  std::error_code code;  // the system's own code, for the record's detail
  [[nodiscard]] bool ok() const { return error == IoError::None; }
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  explicit Connection(const asio::any_io_executor& ex) : socket_(ex), timer_(ex) {}

  static std::shared_ptr<Connection> make(const asio::any_io_executor& ex) {
    return std::make_shared<Connection>(ex);
  }

  asio::awaitable<IoResult> connect(const asio::ip::tcp::endpoint& ep, Millis timeout);
  // Reads whatever arrives (at least one byte) into buf.
  asio::awaitable<IoResult> read_some(std::span<std::uint8_t> buf, Millis timeout);
  asio::awaitable<IoResult> write_all(std::span<const std::uint8_t> data, Millis timeout);
  // Closes both directions now; safe to call twice.
  void close();

  asio::ip::tcp::socket& socket() { return socket_; }

 private:
  void arm(Millis timeout);
  IoResult finish(const std::error_code& ec, std::size_t n);

  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  std::uint64_t generation_ = 0;
  bool timed_out_ = false;
};

}  // namespace dicomsec::net
