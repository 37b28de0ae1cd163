// The TCP connect every probe starts with, in one place (issue 11 §3 follow-up): retried after
// a timeout only (a refusal or an unreachable network will not change in a second), and its
// failure named in the shared status vocabulary (design §3).
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <cstdint>
#include <memory>

#include "net/connection.hpp"
#include "record/record.hpp"

namespace dicomsec::probes {

// connection-timeout, unreachable, local-error; connection-refused for every other failure.
record::Status connect_failure_status(net::IoError error);

struct Connected {
  std::shared_ptr<net::Connection> conn;  // the last connection tried (open when result.ok())
  net::IoResult result;
  std::uint64_t connect_ms = 0;  // all tries together
};

// Up to 1 + `retries` connects, a new one after each timeout.
asio::awaitable<Connected> connect_with_retries(asio::any_io_executor ex,
                                                asio::ip::tcp::endpoint target, net::Millis timeout,
                                                unsigned retries);

}  // namespace dicomsec::probes
