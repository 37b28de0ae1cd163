// net::pump: drives one sans-IO client over one Connection until the client is done, the
// peer goes away, or a deadline passes. It is the only loop between a socket and a protocol
// client in dicomsec (the level-safe DICOM probe and the access checks both use it); net/
// knows nothing about DICOM: a client is anything with the SansIoClient surface below.
//
// Loop: send what start() returned; then read (each read bounded by read_timeout and by
// what is left of the whole-exchange deadline), feed the bytes, send what the client
// answers, until done(). Whatever the client returns is written before the loop looks at
// done(), so the final bytes of a client that met a protocol error (its A-ABORT) reach the
// peer. On any transport end the client hears on_closed(). The result says how it ended,
// with the failing operation's IoResult, so callers map it onto their record statuses.
#pragma once

#include <algorithm>
#include <asio/awaitable.hpp>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/connection.hpp"

namespace dicomsec::net {

// What the pump needs of a client (probes::AssociationClient, probes::AccessClient).
// partial_bytes() (bytes that do not yet form a whole message) is optional.
template <class C>
concept SansIoClient = requires(C& c, const C& cc, std::span<const std::uint8_t> in) {
  { c.start() } -> std::convertible_to<std::vector<std::uint8_t>>;
  { c.on_bytes(in) } -> std::convertible_to<std::vector<std::uint8_t>>;
  c.on_closed();
  { cc.done() } -> std::convertible_to<bool>;
  // The peer sent at least one well-formed message: the protocol answered.
  { cc.spoke_dicom() } -> std::convertible_to<bool>;
  { cc.protocol_error() } -> std::convertible_to<const std::optional<std::string>&>;
};

struct PumpOptions {
  Millis read_timeout{5000};   // per read
  Millis write_timeout{5000};  // per write
  // The whole exchange, from the first write: a peer that drips one byte per read_timeout
  // cannot hold us longer.
  Millis deadline{20000};
  std::size_t read_buffer = 16 * 1024;
};

enum class PumpEnd {
  Done,         // the client finished (normally or after a protocol error: see the client)
  PeerClosed,   // the peer closed (FIN; under TLS also a close without close_notify)
  Reset,        // the connection broke (RST, or another socket error)
  ReadTimeout,  // a read saw nothing for read_timeout
  Deadline,     // the whole-exchange deadline passed
  WriteFailed,  // a write failed (timeout, reset, TLS error: see io)
  TlsError,     // a read failed inside TLS (an alert, a bad record)
};

struct PumpResult {
  PumpEnd end = PumpEnd::Done;
  IoResult io;  // of the operation that ended the exchange (empty for Done and Deadline)
  // Taken when the transport ended, before on_closed():
  bool answered = false;          // client.spoke_dicom()
  std::size_t partial_bytes = 0;  // client.partial_bytes(), when it has one
  // The first bytes of the first read (up to 16), e.g. to tell an HTTP server apart.
  std::vector<std::uint8_t> head;
  [[nodiscard]] bool head_starts_with(std::string_view prefix) const {
    return head.size() >= prefix.size() &&
           std::equal(prefix.begin(), prefix.end(), head.begin(),
                      [](char a, std::uint8_t b) { return static_cast<std::uint8_t>(a) == b; });
  }
};

template <SansIoClient Client>
asio::awaitable<PumpResult> pump(std::shared_ptr<Connection> conn, Client& client, PumpOptions o) {
  PumpResult res;
  auto transport_ended = [&](PumpEnd end, const IoResult& io) {
    res.end = end;
    res.io = io;
    res.answered = client.spoke_dicom();
    if constexpr (requires { client.partial_bytes(); }) res.partial_bytes = client.partial_bytes();
    client.on_closed();
  };
  std::vector<std::uint8_t> out = client.start();
  std::vector<std::uint8_t> buf(std::max<std::size_t>(o.read_buffer, 1));
  const auto deadline = Clock::now() + o.deadline;
  while (true) {
    if (!out.empty()) {
      auto w = co_await conn->write_all(out, o.write_timeout);
      out.clear();
      if (!w.ok()) {
        transport_ended(PumpEnd::WriteFailed, w);
        co_return res;
      }
    }
    // A client that met a protocol error has just sent its last bytes (A-ABORT).
    if (client.done() || client.protocol_error()) co_return res;
    const auto now = Clock::now();
    if (now >= deadline) {
      transport_ended(PumpEnd::Deadline, IoResult{});
      co_return res;
    }
    const auto left = std::chrono::ceil<Millis>(deadline - now);
    auto r = co_await conn->read_some(buf, std::min(o.read_timeout, left));
    if (!r.ok()) {
      const auto end = r.error == IoError::Timeout  ? PumpEnd::ReadTimeout
                       : is_tls_error(r)            ? PumpEnd::TlsError
                       : r.error == IoError::Closed ? PumpEnd::PeerClosed
                                                    : PumpEnd::Reset;
      transport_ended(end, r);
      co_return res;
    }
    if (res.head.empty())
      res.head.assign(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(
                                                     std::min<std::size_t>(r.bytes, 16)));
    out = client.on_bytes(std::span<const std::uint8_t>(buf.data(), r.bytes));
  }
}

}  // namespace dicomsec::net
