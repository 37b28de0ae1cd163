// Hot certificate reload for the gateway (issue 15 §4). The store holds the current
// asio::ssl::context; a new connection takes current() and keeps that shared_ptr for its
// life, so reloading never touches a live TLS session. reload() builds a complete new
// context first and swaps it in only when the certificate, key and CA all load and the
// key matches the certificate; on failure the old context stays and the error says why.
// watch() polls the files' mtime/inode/size and listens for SIGHUP.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/result.hpp"

namespace asio {
class io_context;
namespace ssl {
class context;
}
}  // namespace asio

namespace dicomsec::gateway {

struct TlsFiles {
  std::string cert, key, ca;  // PEM; ca may be empty (no client certificates verified)
  bool require_client_cert = false;
};

class CertStore : public std::enable_shared_from_this<CertStore> {
 public:
  using Configure = std::function<Result<void>(asio::ssl::context&)>;

  static Result<std::shared_ptr<CertStore>> open(TlsFiles files, Configure configure);
  ~CertStore();

  [[nodiscard]] std::shared_ptr<asio::ssl::context> current() const;
  Result<void> reload();
  // Polls the three files every `poll` and reloads on a change; SIGHUP reloads at once.
  // Runs until stop() or until io stops.
  void watch(asio::io_context& io, std::chrono::milliseconds poll);
  void stop();
  // Called after every reload that watch() triggers (file change or SIGHUP), with its
  // outcome: the gateway audits it (Security Alert, Security Configuration) and logs it.
  void on_reload(std::function<void(const Result<void>&)> callback);
  [[nodiscard]] std::uint64_t generation() const;  // successful loads so far (1 after open)
  [[nodiscard]] std::string last_error() const;    // why the last reload failed, or empty

  struct Impl;

 private:
  CertStore();
  std::unique_ptr<Impl> impl_;
};

}  // namespace dicomsec::gateway
