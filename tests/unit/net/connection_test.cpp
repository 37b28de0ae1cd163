// net::Connection on loopback (port 0): a timeout in one direction leaves the other
// direction's operation alone (full duplex), Listener::accept with its deadline, and
// accept_tls against our own start_tls, with and without a client certificate.
#include "net/connection.hpp"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <asio/ssl/context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <chrono>
#include <exception>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "test_support.hpp"

namespace dicomsec::net {
namespace {

using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;
using test::Bytes;
using test::loopback_listener;
using test::run_test;
using test::sleep_for;

// Reads until `want` bytes arrived or the peer stopped; returns how many.
asio::awaitable<std::size_t> read_all(std::shared_ptr<Connection> c, std::size_t want) {
  std::vector<std::uint8_t> buf(64 * 1024);
  std::size_t got = 0;
  for (int i = 0; i < 100000 && got < want; ++i) {
    auto r = co_await c->read_some(buf, 5s);
    if (!r.ok()) break;
    got += r.bytes;
  }
  co_return got;
}

// Only make(): the timers' handlers keep a shared_ptr to the connection.
static_assert(!std::is_constructible_v<Connection, const asio::any_io_executor&>);

TEST(Connection, ReadTimeoutLeavesAnOutstandingWriteAlone) {
  run_test([]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    auto l = loopback_listener(ex);
    auto client = Connection::make(ex);
    // More than loopback's socket buffers hold: the write stays outstanding until the
    // server starts reading, 400 ms later.
    const Bytes big(16 * 1024 * 1024, 0x5A);
    std::size_t server_got = 0;
    IoResult read, write;
    auto server = [&]() -> asio::awaitable<void> {
      auto [r, conn] = co_await l->accept(2s);
      EXPECT_TRUE(r.ok());
      if (!conn) co_return;
      co_await sleep_for(400ms);
      server_got = co_await read_all(conn, big.size());
      conn->close();
    };
    auto run_client = [&]() -> asio::awaitable<void> {
      const auto connected = co_await client->connect(l->local_endpoint(), 2s);
      EXPECT_TRUE(connected.ok());
      std::vector<std::uint8_t> buf(16);
      auto reader = [&]() -> asio::awaitable<void> {
        read = co_await client->read_some(buf, 100ms);
      };
      auto writer = [&]() -> asio::awaitable<void> {
        write = co_await client->write_all(big, 10s);
      };
      co_await (reader() && writer());
      client->close();
    };
    co_await (server() && run_client());
    EXPECT_EQ(read.error, IoError::Timeout);
    EXPECT_TRUE(write.ok()) << write.code.message();
    EXPECT_EQ(write.bytes, big.size());
    EXPECT_EQ(server_got, big.size());
  });
}

TEST(Connection, WriteTimeoutLeavesAnOutstandingReadAlone) {
  run_test([]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    auto l = loopback_listener(ex);
    auto client = Connection::make(ex);
    const Bytes big(64 * 1024 * 1024, 0xA5);  // the server never reads it
    const std::string hello = "hello";
    IoResult read, write;
    std::string got;
    auto server = [&]() -> asio::awaitable<void> {
      auto [r, conn] = co_await l->accept(2s);
      if (!conn) co_return;
      co_await sleep_for(600ms);  // after the client's write timed out
      co_await conn->write_all(
          std::span(reinterpret_cast<const std::uint8_t*>(hello.data()), hello.size()), 2s);
      co_await sleep_for(200ms);
      conn->close();
    };
    auto run_client = [&]() -> asio::awaitable<void> {
      const auto connected = co_await client->connect(l->local_endpoint(), 2s);
      EXPECT_TRUE(connected.ok());
      std::vector<std::uint8_t> buf(16);
      auto reader = [&]() -> asio::awaitable<void> {
        read = co_await client->read_some(buf, 3s);
        got.assign(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(read.bytes));
      };
      auto writer = [&]() -> asio::awaitable<void> {
        write = co_await client->write_all(big, 200ms);
      };
      co_await (reader() && writer());
      client->close();
    };
    co_await (server() && run_client());
    EXPECT_EQ(write.error, IoError::Timeout);
    EXPECT_LT(write.bytes, big.size());
    EXPECT_TRUE(read.ok()) << read.code.message();
    EXPECT_EQ(got, hello);
  });
}

TEST(Connection, ReadTimeoutThenTheNextReadWorks) {
  run_test([]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    auto l = loopback_listener(ex);
    auto client = Connection::make(ex);
    auto server = [&]() -> asio::awaitable<void> {
      auto [r, conn] = co_await l->accept(2s);
      if (!conn) co_return;
      co_await sleep_for(300ms);
      const Bytes one{1};
      co_await conn->write_all(one, 1s);
      co_await sleep_for(100ms);
      conn->close();
    };
    IoResult first, second, third;
    auto run_client = [&]() -> asio::awaitable<void> {
      co_await client->connect(l->local_endpoint(), 2s);
      std::vector<std::uint8_t> buf(4);
      first = co_await client->read_some(buf, 50ms);
      second = co_await client->read_some(buf, 2s);
      third = co_await client->read_some(buf, 2s);
      client->close();
    };
    co_await (server() && run_client());
    EXPECT_EQ(first.error, IoError::Timeout);
    EXPECT_TRUE(second.ok());
    EXPECT_EQ(second.bytes, 1u);
    EXPECT_EQ(third.error, IoError::Closed);
  });
}

TEST(Listener, AcceptTimesOutWhenNobodyConnects) {
  run_test([]() -> asio::awaitable<void> {
    auto l = loopback_listener(co_await asio::this_coro::executor);
    const auto t0 = Clock::now();
    auto [r, conn] = co_await l->accept(100ms);
    EXPECT_EQ(r.error, IoError::Timeout);
    EXPECT_EQ(conn, nullptr);
    EXPECT_GE(Clock::now() - t0, 90ms);
  });
}

TEST(Listener, BindsPortZeroAndRefusesAfterClose) {
  run_test([]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    auto l = loopback_listener(ex);
    const auto ep = l->local_endpoint();
    EXPECT_NE(ep.port(), 0);
    l->close();
    auto c = Connection::make(ex);
    auto r = co_await c->connect(ep, 1s);
    EXPECT_EQ(r.error, IoError::Refused);
  });
}

// --- TLS -------------------------------------------------------------------------------

struct Identity {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{nullptr, EVP_PKEY_free};
  std::unique_ptr<X509, decltype(&X509_free)> cert{nullptr, X509_free};
};

// A fresh self-signed EC P-256 certificate, valid for an hour, in memory.
Identity make_identity(const char* cn) {
  Identity id;
  id.key.reset(EVP_EC_gen("P-256"));
  id.cert.reset(X509_new());
  X509* x = id.cert.get();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -60);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, id.key.get());
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509_sign(x, id.key.get(), EVP_sha256());
  return id;
}

std::shared_ptr<asio::ssl::context> server_context(const Identity& id,
                                                   const Identity* trusted_client) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  SSL_CTX_use_certificate(ctx->native_handle(), id.cert.get());
  SSL_CTX_use_PrivateKey(ctx->native_handle(), id.key.get());
  if (trusted_client) {
    X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx->native_handle()), trusted_client->cert.get());
    ctx->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
  }
  return ctx;
}

std::shared_ptr<asio::ssl::context> client_context(const Identity& server, const Identity* mine) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx->native_handle()), server.cert.get());
  ctx->set_verify_mode(asio::ssl::verify_peer);
  if (mine) {
    SSL_CTX_use_certificate(ctx->native_handle(), mine->cert.get());
    SSL_CTX_use_PrivateKey(ctx->native_handle(), mine->key.get());
  }
  return ctx;
}

struct TlsRun {
  IoResult server_handshake, client_handshake;
  std::string server_got, client_got;
  bool client_cert_seen = false;
};

// Server: accept, accept_tls, read "ping", answer "pong". Client: connect, start_tls,
// "ping", read the answer. TLS 1.2 so both handshakes end with the client certificate
// verdict (TLS 1.3 would judge it after the client's handshake returned).
asio::awaitable<TlsRun> tls_round_trip(std::shared_ptr<asio::ssl::context> sctx,
                                       std::shared_ptr<asio::ssl::context> cctx) {
  auto ex = co_await asio::this_coro::executor;
  auto l = loopback_listener(ex);
  TlsRun run;
  auto server = [&]() -> asio::awaitable<void> {
    auto [r, conn] = co_await l->accept(2s);
    if (!conn) co_return;
    run.server_handshake = co_await conn->accept_tls(sctx, 2s);
    if (run.server_handshake.ok()) {
      run.client_cert_seen = SSL_get0_peer_certificate(conn->tls_handle()) != nullptr;
      std::vector<std::uint8_t> buf(16);
      auto r2 = co_await conn->read_some(buf, 2s);
      run.server_got.assign(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(r2.bytes));
      const std::string pong = "pong";
      co_await conn->write_all(std::span(reinterpret_cast<const std::uint8_t*>(pong.data()), 4),
                               2s);
    }
    co_await sleep_for(100ms);
    conn->close();
  };
  auto client = [&]() -> asio::awaitable<void> {
    auto c = Connection::make(ex);
    co_await c->connect(l->local_endpoint(), 2s);
    run.client_handshake = co_await c->start_tls(
        cctx, 2s, [](ssl_st* ssl) { SSL_set_max_proto_version(ssl, TLS1_2_VERSION); });
    if (run.client_handshake.ok()) {
      const std::string ping = "ping";
      co_await c->write_all(std::span(reinterpret_cast<const std::uint8_t*>(ping.data()), 4), 2s);
      std::vector<std::uint8_t> buf(16);
      auto r = co_await c->read_some(buf, 2s);
      run.client_got.assign(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(r.bytes));
    }
    c->close();
  };
  co_await (server() && client());
  co_return run;
}

TEST(Connection, AcceptTlsServesOurOwnClient) {
  const auto server_id = make_identity("localhost");
  run_test([&]() -> asio::awaitable<void> {
    auto run = co_await tls_round_trip(server_context(server_id, nullptr),
                                       client_context(server_id, nullptr));
    EXPECT_TRUE(run.server_handshake.ok()) << run.server_handshake.code.message();
    EXPECT_TRUE(run.client_handshake.ok()) << run.client_handshake.code.message();
    EXPECT_EQ(run.server_got, "ping");
    EXPECT_EQ(run.client_got, "pong");
    EXPECT_FALSE(run.client_cert_seen);
  });
}

// write_all(first, second): both pieces, in order, as one write's result (a gathered send
// in cleartext, two record runs in TLS); an empty piece is allowed on either side.
void two_piece_write(bool tls) {
  const auto id = make_identity("localhost");
  run_test([&]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    auto l = loopback_listener(ex);
    Bytes first(100'000), second(300'001);
    for (std::size_t i = 0; i < first.size(); ++i) first[i] = static_cast<std::uint8_t>(i * 7);
    for (std::size_t i = 0; i < second.size(); ++i) second[i] = static_cast<std::uint8_t>(i * 13);
    Bytes want = first;
    want.insert(want.end(), second.begin(), second.end());
    want.insert(want.end(), second.begin(), second.begin() + 10);
    Bytes got;
    IoResult wrote, wrote_empty_first, wrote_empty_second;
    auto server = [&]() -> asio::awaitable<void> {
      auto [r, conn] = co_await l->accept(2s);
      if (!conn) co_return;
      if (tls && !(co_await conn->accept_tls(server_context(id, nullptr), 2s)).ok()) co_return;
      std::vector<std::uint8_t> buf(64 * 1024);
      for (int i = 0; i < 10000 && got.size() < want.size(); ++i) {
        auto rr = co_await conn->read_some(buf, 5s);
        if (!rr.ok()) break;
        got.insert(got.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(rr.bytes));
      }
      conn->close();
    };
    auto client = [&]() -> asio::awaitable<void> {
      auto c = Connection::make(ex);
      co_await c->connect(l->local_endpoint(), 2s);
      if (tls && !(co_await c->start_tls(client_context(id, nullptr), 2s, nullptr)).ok()) co_return;
      wrote = co_await c->write_all(first, second, 5s);
      wrote_empty_first = co_await c->write_all({}, std::span(second).first(4), 5s);
      wrote_empty_second = co_await c->write_all(std::span(second).subspan(4, 6), {}, 5s);
      co_await sleep_for(200ms);
      c->close();
    };
    co_await (server() && client());
    EXPECT_TRUE(wrote.ok());
    EXPECT_EQ(wrote.bytes, first.size() + second.size());
    EXPECT_EQ(wrote_empty_first.bytes, 4U);
    EXPECT_EQ(wrote_empty_second.bytes, 6U);
    EXPECT_TRUE(got == want) << got.size() << " of " << want.size() << " bytes";
  });
}

TEST(Connection, TwoPieceWriteArrivesInOrderInCleartext) { two_piece_write(false); }
TEST(Connection, TwoPieceWriteArrivesInOrderInTls) { two_piece_write(true); }

TEST(Connection, AcceptTlsWithMutualAuthentication) {
  const auto server_id = make_identity("localhost");
  const auto client_id = make_identity("DICOMSEC client");
  const auto rogue = make_identity("rogue");
  run_test([&]() -> asio::awaitable<void> {
    // The client presents the certificate the server trusts.
    auto ok = co_await tls_round_trip(server_context(server_id, &client_id),
                                      client_context(server_id, &client_id));
    EXPECT_TRUE(ok.server_handshake.ok()) << ok.server_handshake.code.message();
    EXPECT_TRUE(ok.client_cert_seen);
    EXPECT_EQ(ok.client_got, "pong");
    // No certificate, and one the server does not trust: the server's handshake fails
    // with a TLS error, and so does the client's (the server's alert).
    for (const Identity* mine : {static_cast<const Identity*>(nullptr), &rogue}) {
      auto no = co_await tls_round_trip(server_context(server_id, &client_id),
                                        client_context(server_id, mine));
      EXPECT_FALSE(no.server_handshake.ok());
      EXPECT_TRUE(is_tls_error(no.server_handshake)) << no.server_handshake.code.message();
      EXPECT_FALSE(no.client_handshake.ok());
      EXPECT_TRUE(no.server_got.empty());
    }
  });
}

TEST(Connection, TlsReadTimeoutLeavesAnOutstandingWriteAlone) {
  const auto server_id = make_identity("localhost");
  run_test([&]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    auto l = loopback_listener(ex);
    const Bytes big(16 * 1024 * 1024, 0x3C);
    std::size_t server_got = 0;
    IoResult read, write, hs;
    auto server = [&]() -> asio::awaitable<void> {
      auto [r, conn] = co_await l->accept(2s);
      if (!conn) co_return;
      if (!(co_await conn->accept_tls(server_context(server_id, nullptr), 2s)).ok()) co_return;
      co_await sleep_for(400ms);
      server_got = co_await read_all(conn, big.size());
      conn->close();
    };
    auto client = [&]() -> asio::awaitable<void> {
      auto c = Connection::make(ex);
      co_await c->connect(l->local_endpoint(), 2s);
      hs = co_await c->start_tls(client_context(server_id, nullptr), 2s);
      if (!hs.ok()) co_return;
      std::vector<std::uint8_t> buf(16);
      auto reader = [&]() -> asio::awaitable<void> { read = co_await c->read_some(buf, 100ms); };
      auto writer = [&]() -> asio::awaitable<void> { write = co_await c->write_all(big, 10s); };
      co_await (reader() && writer());
      c->close();
    };
    co_await (server() && client());
    EXPECT_TRUE(hs.ok()) << hs.code.message();
    EXPECT_EQ(read.error, IoError::Timeout);
    EXPECT_TRUE(write.ok()) << write.code.message();
    EXPECT_EQ(server_got, big.size());
  });
}

TEST(Connection, AcceptTlsTimesOutOnASilentClient) {
  const auto server_id = make_identity("localhost");
  run_test([&]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    auto l = loopback_listener(ex);
    IoResult hs;
    auto server = [&]() -> asio::awaitable<void> {
      auto [r, conn] = co_await l->accept(2s);
      if (!conn) co_return;
      hs = co_await conn->accept_tls(server_context(server_id, nullptr), 150ms);
      conn->close();
    };
    auto client = [&]() -> asio::awaitable<void> {
      auto c = Connection::make(ex);
      co_await c->connect(l->local_endpoint(), 2s);
      co_await sleep_for(500ms);  // never sends a ClientHello
      c->close();
    };
    co_await (server() && client());
    EXPECT_EQ(hs.error, IoError::Timeout);
  });
}

// One peer-name rule for every TLS client (probes, gateway upstream, audit collector): an
// address literal becomes an IP check and no SNI; a name becomes a DNS check and the SNI.
TEST(ExpectPeerName, AddressesAreCheckedAsIpsAndNamesAsHosts) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()),
                                                        &SSL_CTX_free);
  ASSERT_TRUE(ctx);
  auto fresh = [&] {
    return std::unique_ptr<SSL, decltype(&SSL_free)>(SSL_new(ctx.get()), &SSL_free);
  };
  auto ip_of = [](SSL* ssl) {
    char* ip = X509_VERIFY_PARAM_get1_ip_asc(SSL_get0_param(ssl));
    std::string out = ip ? ip : "";
    OPENSSL_free(ip);
    return out;
  };
  auto host_of = [](SSL* ssl) {
    const char* h = X509_VERIFY_PARAM_get0_host(SSL_get0_param(ssl), 0);
    return std::string(h ? h : "");
  };
  auto sni_of = [](SSL* ssl) {
    const char* n = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    return std::string(n ? n : "");
  };

  auto v4 = fresh();
  expect_peer_name(v4.get(), "127.0.0.1");
  EXPECT_EQ(ip_of(v4.get()), "127.0.0.1");
  EXPECT_EQ(host_of(v4.get()), "");
  EXPECT_EQ(sni_of(v4.get()), "");

  auto v6 = fresh();
  expect_peer_name(v6.get(), "::1");
  EXPECT_EQ(ip_of(v6.get()), "0:0:0:0:0:0:0:1");
  EXPECT_EQ(sni_of(v6.get()), "");

  auto name = fresh();
  ERR_clear_error();
  expect_peer_name(name.get(), "localhost");
  EXPECT_EQ(ERR_peek_error(), 0UL);  // nothing left for the handshake to misreport
  EXPECT_EQ(ip_of(name.get()), "");
  EXPECT_EQ(host_of(name.get()), "localhost");
  EXPECT_EQ(sni_of(name.get()), "localhost");

  auto none = fresh();
  expect_peer_name(none.get(), "");
  EXPECT_EQ(ip_of(none.get()), "");
  EXPECT_EQ(host_of(none.get()), "");
  EXPECT_EQ(sni_of(none.get()), "");
  expect_peer_name(nullptr, "localhost");  // no SSL object: nothing to do, no crash
}

}  // namespace
}  // namespace dicomsec::net
