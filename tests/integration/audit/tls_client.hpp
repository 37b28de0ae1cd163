// A blocking TLS client for the certificate tests: connect, read the server certificate's
// serial, send a line and read the echo. Failures come back as empty strings / false.
#pragma once

#include <openssl/bn.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/ssl.hpp>
#include <asio/write.hpp>
#include <memory>
#include <string>

#include "pki.hpp"

namespace dicomsec::test_support {

class TlsClient {
 public:
  bool connect(int port) {
    std::error_code ec;
    stream_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket>>(io_, ctx_);
    stream_->lowest_layer().connect(
        {asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)}, ec);
    if (ec) return false;
    stream_->handshake(asio::ssl::stream_base::client, ec);
    return !ec;
  }
  // The server certificate's serial in upper-case hex, "" without one.
  [[nodiscard]] std::string serial() const {
    X509* cert = SSL_get1_peer_certificate(stream_->native_handle());
    if (cert == nullptr) return {};
    BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get_serialNumber(cert), nullptr);
    char* hex = BN_bn2hex(bn);
    std::string out = hex != nullptr ? hex : "";
    OPENSSL_free(hex);
    BN_free(bn);
    X509_free(cert);
    return out;
  }
  // Sends text and reads the same number of bytes back; "" on any error.
  std::string echo(const std::string& text) {
    std::error_code ec;
    asio::write(*stream_, asio::buffer(text), ec);
    if (ec) return {};
    std::string back(text.size(), '\0');
    asio::read(*stream_, asio::buffer(back), ec);
    return ec ? std::string() : back;
  }

 private:
  asio::io_context io_;
  asio::ssl::context ctx_{asio::ssl::context::tls_client};
  std::unique_ptr<asio::ssl::stream<asio::ip::tcp::socket>> stream_;
};

// What `openssl s_client` sees: the serial of the server certificate ("" on failure).
inline std::string s_client_serial(const TempDir& dir, int port) {
  const int rc = shell(dir,
                       fmt::format("openssl s_client -connect 127.0.0.1:{} </dev/null 2>/dev/null "
                                   "| openssl x509 -noout -serial > s_client.serial",
                                   port),
                       std::chrono::seconds(20));
  if (rc != 0) return {};
  std::string s = slurp(dir / "s_client.serial");  // "serial=B2\n"
  const auto eq = s.find('=');
  if (eq == std::string::npos) return {};
  s = s.substr(eq + 1);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace dicomsec::test_support
