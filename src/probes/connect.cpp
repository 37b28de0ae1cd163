#include "probes/connect.hpp"

#include <chrono>

namespace dicomsec::probes {

record::Status connect_failure_status(net::IoError error) {
  switch (error) {
    case net::IoError::Timeout:
      return record::Status::ConnectionTimeout;
    case net::IoError::Unreachable:
      return record::Status::Unreachable;
    case net::IoError::Local:
      return record::Status::LocalError;
    default:
      return record::Status::ConnectionRefused;
  }
}

asio::awaitable<Connected> connect_with_retries(asio::any_io_executor ex,
                                                asio::ip::tcp::endpoint target, net::Millis timeout,
                                                unsigned retries) {
  Connected out;
  const auto t0 = net::Clock::now();
  for (unsigned attempt = 0; attempt <= retries; ++attempt) {
    out.conn = net::Connection::make(ex);
    out.result = co_await out.conn->connect(target, timeout);
    if (out.result.error != net::IoError::Timeout) break;
  }
  out.connect_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<net::Millis>(net::Clock::now() - t0).count());
  co_return out;
}

}  // namespace dicomsec::probes
