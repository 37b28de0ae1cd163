// A small TLS echo server on gateway::CertStore, for the reload and ACME tests (issue 15
// §4): every new connection takes the store's current context, live ones keep theirs.
//   certstore_echo PORT CERT KEY [CA] [POLL_MS]
// Prints "ready PORT" on stdout once listening (PORT 0 picks one); on stderr one line per
// reload: "reload ok generation N" or "reload failed: WHY". SIGHUP reloads at once, the files
// are polled every POLL_MS (default 200); SIGTERM ends it.
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/signal_set.hpp>
#include <asio/ssl.hpp>
#include <asio/use_awaitable.hpp>
#include <cstdio>
#include <string>

#include "gateway/cert_store.hpp"

namespace {

using dicomsec::gateway::CertStore;
constexpr auto use_nothrow = asio::experimental::as_tuple(asio::use_awaitable);

asio::awaitable<void> echo(asio::ip::tcp::socket socket, std::shared_ptr<asio::ssl::context> ctx) {
  // The session keeps the context it started with for its whole life.
  asio::ssl::stream<asio::ip::tcp::socket> tls(std::move(socket), *ctx);
  auto [hs] = co_await tls.async_handshake(asio::ssl::stream_base::server, use_nothrow);
  if (hs) co_return;
  char buf[4096];
  for (int i = 0; i < 100000; ++i) {
    auto [ec, n] = co_await tls.async_read_some(asio::buffer(buf), use_nothrow);
    if (ec) co_return;
    auto [wec, w] = co_await asio::async_write(tls, asio::buffer(buf, n), use_nothrow);
    if (wec) co_return;
  }
}

asio::awaitable<void> serve(asio::ip::tcp::acceptor& acceptor, std::shared_ptr<CertStore> store) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(use_nothrow);
    if (ec) co_return;
    asio::co_spawn(acceptor.get_executor(), echo(std::move(socket), store->current()),
                   asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: certstore_echo PORT CERT KEY [CA] [POLL_MS]\n");
    return 2;
  }
  dicomsec::gateway::TlsFiles files{argv[2], argv[3], argc > 4 ? argv[4] : "", false};
  const long poll = argc > 5 ? std::stol(argv[5]) : 200;
  auto store = CertStore::open(files, [](asio::ssl::context& ctx) -> dicomsec::Result<void> {
    SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
    return {};
  });
  if (!store) {
    std::fprintf(stderr, "certstore_echo: %s\n", store.error().message.c_str());
    return 1;
  }
  asio::io_context io;
  (*store)->on_reload([s = *store](const dicomsec::Result<void>& r) {
    if (r) {
      std::fprintf(stderr, "reload ok generation %llu\n",
                   static_cast<unsigned long long>(s->generation()));
    } else {
      std::fprintf(stderr, "reload failed: %s\n", r.error().message.c_str());
    }
    std::fflush(stderr);
  });
  (*store)->watch(io, std::chrono::milliseconds(poll));
  asio::ip::tcp::acceptor acceptor(
      io, {asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(std::stoi(argv[1]))});
  asio::signal_set stop(io, SIGTERM, SIGINT);
  stop.async_wait([&](const std::error_code&, int) {
    (*store)->stop();
    io.stop();
  });
  std::printf("ready %u\n", acceptor.local_endpoint().port());
  std::fflush(stdout);
  asio::co_spawn(io, serve(acceptor, *store), asio::detached);
  io.run();
  return 0;
}
