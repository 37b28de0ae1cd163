// The DICOMweb / vendor REST probe of one host:port (levels auth and intrusive). The TCP
// connect runs on the Asio event loop (so a sweep's refused ports cost only the connect);
// the HTTP(S) exchange uses cpp-httplib, a blocking client, on a small bounded thread pool,
// and the coroutine awaits its result without blocking its event loop. Every target gets a
// bounded number of requests (tables.hpp), per-request timeouts, an overall deadline enforced
// by a watchdog that shuts the socket, and bodies capped at body.hpp's kMaxBody. Bodies are
// only counted, never kept; passwords never leave this file's requests.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "net/connection.hpp"
#include "record/record.hpp"

namespace asio {
class thread_pool;
}

namespace dicomsec::probes::web {

struct WebProbeOptions {
  net::Millis connect_timeout{3000};
  net::Millis io_timeout{5000};  // per request phase (connect, each read, each write)
  unsigned retries = 1;          // extra connect attempts after a timeout
  bool try_default_credentials = true;
};

// Owns the worker threads of the blocking HTTP client and the deadline watchdog. Create one
// per scan, before the engine, and destroy it after the engine has finished.
class WebRunner {
 public:
  explicit WebRunner(unsigned threads);
  ~WebRunner();
  WebRunner(const WebRunner&) = delete;
  WebRunner& operator=(const WebRunner&) = delete;

  class Watchdog;
  asio::thread_pool& pool();
  Watchdog& watchdog();

 private:
  std::unique_ptr<asio::thread_pool> pool_;
  std::unique_ptr<Watchdog> watchdog_;
};

struct WebOutcome {
  record::Status status = record::Status::Success;
  std::string detail;
  std::optional<std::uint64_t> connect_ms;
  std::optional<record::WebRecord> web;  // set when the peer answered HTTP
};

asio::awaitable<WebOutcome> web_check(asio::any_io_executor ex, asio::ip::tcp::endpoint target,
                                      const WebProbeOptions& options, WebRunner& runner);

}  // namespace dicomsec::probes::web
