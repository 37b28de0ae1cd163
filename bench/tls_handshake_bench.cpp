// Sequential latency of the TLS audit's OpenSSL handshake (openssl_handshake) or of the DICOM
// probe inside TLS (dicom_probe_tls) against one loopback peer, e.g. scripts/tls_lab.sh's.
//
//   tls_handshake_bench PORT N [handshake|dicom] [CA CERT KEY]
//
// Prints: mode, runs, mean and median milliseconds, and the last result's gist.
#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "probes/dicom_ul/dicom_probe.hpp"
#include "probes/tls/handshake.hpp"

int main(int argc, char** argv) {
  using namespace dicomsec;
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s PORT N [handshake|dicom] [CA CERT KEY]\n", argv[0]);
    return 2;
  }
  const long port = std::strtol(argv[1], nullptr, 10);
  const long n = std::strtol(argv[2], nullptr, 10);
  if (port < 1 || port > 65535 || port == 104 || port == 4242 || port == 8042 ||
      port == 11112 || n < 1 || n > 100000) {
    std::fprintf(stderr, "bad PORT or N\n");
    return 2;
  }
  const std::string mode = argc > 3 ? argv[3] : "handshake";
  probes::tls::HandshakeOptions t;
  if (argc > 6) {
    t.ca_file = argv[4];
    t.cert_file = argv[5];
    t.key_file = argv[6];
  }
  const asio::ip::tcp::endpoint ep(asio::ip::make_address_v4("127.0.0.1"),
                                   static_cast<unsigned short>(port));
  std::vector<double> ms;
  std::string gist;
  asio::io_context io;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        for (long i = 0; i < n; ++i) {
          const auto t0 = std::chrono::steady_clock::now();
          if (mode == "dicom") {
            probes::DicomProbeOptions o;
            o.check_called_ae = false;
            auto r = co_await probes::dicom_probe_tls(io.get_executor(), ep, o, t, 1);
            gist = std::string(record::status_name(r.status)) + " tls=" + std::to_string(r.tls) +
                   " echo=" + (r.echo ? std::to_string(r.echo->status) : "-");
          } else {
            auto r = co_await probes::tls::openssl_handshake(io.get_executor(), ep, t);
            gist = std::string(record::status_name(r.status)) + " " + r.version + " " + r.cipher +
                   " required=" + std::to_string(r.client_cert_required) +
                   " handshakes=" + std::to_string(r.handshakes);
          }
          ms.push_back(std::chrono::duration<double, std::milli>(
                           std::chrono::steady_clock::now() - t0).count());
        }
      },
      asio::detached);
  io.run();
  std::vector<double> sorted = ms;
  std::sort(sorted.begin(), sorted.end());
  double sum = 0;
  for (double v : ms) sum += v;
  std::printf("%s runs=%zu mean=%.2f ms median=%.2f ms last: %s\n", mode.c_str(), ms.size(),
              sum / static_cast<double>(ms.size()), sorted[sorted.size() / 2], gist.c_str());
  return 0;
}
