// net::pump over loopback with a small line-protocol client (not DICOM: the pump knows no
// protocol) against a scripted server: every way an exchange ends, and the client's last
// bytes after a protocol error reaching the peer.
#include "net/pump.hpp"

#include <gtest/gtest.h>

#include <asio/experimental/awaitable_operators.hpp>
#include <chrono>
#include <optional>
#include <string>
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

Bytes bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

// Says HELLO, then reads lines: "BYE" ends it, "BAD" is a protocol error answered with
// ABORT, any other line is an answer.
class LineClient {
 public:
  explicit LineClient(Bytes first = bytes("HELLO\n")) : first_(std::move(first)) {}
  Bytes start() { return first_; }
  Bytes on_bytes(std::span<const std::uint8_t> in) {
    partial_.append(in.begin(), in.end());
    Bytes out;
    for (auto nl = partial_.find('\n'); nl != std::string::npos && !done_;
         nl = partial_.find('\n')) {
      const auto line = partial_.substr(0, nl);
      partial_.erase(0, nl + 1);
      answered_ = true;
      if (line == "BYE") done_ = true;
      if (line == "BAD") {
        error_ = "bad line";
        done_ = true;
        out = bytes("ABORT\n");
      }
    }
    return out;
  }
  void on_closed() {
    closed_ = true;
    done_ = true;
  }
  [[nodiscard]] bool done() const { return done_; }
  [[nodiscard]] bool spoke_dicom() const { return answered_; }
  [[nodiscard]] std::size_t partial_bytes() const { return partial_.size(); }
  [[nodiscard]] const std::optional<std::string>& protocol_error() const { return error_; }
  bool closed_ = false;

 private:
  Bytes first_;
  std::string partial_;
  bool done_ = false;
  bool answered_ = false;
  std::optional<std::string> error_;
};
static_assert(SansIoClient<LineClient>);

// A client without partial_bytes() is a client too.
struct Minimal {
  Bytes start() { return {}; }
  Bytes on_bytes(std::span<const std::uint8_t>) { return {}; }
  void on_closed() {}
  bool done() const { return true; }
  bool spoke_dicom() const { return false; }
  const std::optional<std::string>& protocol_error() const { return e; }
  std::optional<std::string> e;
};
static_assert(SansIoClient<Minimal>);
static_assert(!SansIoClient<int>);

// What the scripted server saw.
struct Seen {
  std::string got;
};

// Runs `server_script(conn, seen)` on the accepting side and the pump with `client` on the
// other; returns the pump's result.
template <class Script>
PumpResult exchange(LineClient& client, PumpOptions o, Script server_script, Seen& seen) {
  PumpResult res;
  run_test([&]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    auto l = loopback_listener(ex);
    auto server = [&]() -> asio::awaitable<void> {
      auto [r, conn] = co_await l->accept(2s);
      if (!conn) co_return;
      co_await server_script(conn, seen);
      conn->close();
    };
    auto run_client = [&]() -> asio::awaitable<void> {
      auto c = Connection::make(ex);
      const auto connected = co_await c->connect(l->local_endpoint(), 2s);
      EXPECT_TRUE(connected.ok());
      res = co_await pump(c, client, o);
      c->close();
    };
    co_await (server() && run_client());
  });
  return res;
}

asio::awaitable<std::string> read_line(std::shared_ptr<Connection> c) {
  std::string s;
  std::vector<std::uint8_t> buf(256);
  for (int i = 0; i < 100 && s.find('\n') == std::string::npos; ++i) {
    auto r = co_await c->read_some(buf, 2s);
    if (!r.ok()) break;
    s.append(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(r.bytes));
  }
  co_return s;
}

asio::awaitable<void> say(std::shared_ptr<Connection> c, std::string_view s) {
  co_await c->write_all(bytes(s), 2s);
}

TEST(Pump, DoneWhenTheClientFinishes) {
  LineClient client;
  Seen seen;
  auto r = exchange(
      client, {},
      [](auto c, Seen& s) -> asio::awaitable<void> {
        s.got = co_await read_line(c);
        co_await say(c, "HTTP/1.0 no\nBYE\n");
      },
      seen);
  EXPECT_EQ(r.end, PumpEnd::Done);
  EXPECT_EQ(seen.got, "HELLO\n");
  EXPECT_FALSE(client.closed_);
  EXPECT_TRUE(r.head_starts_with("HTTP/"));
  EXPECT_FALSE(r.head_starts_with("HTTP/1.1"));
}

TEST(Pump, ProtocolErrorFlushesTheClientsLastBytes) {
  LineClient client;
  Seen seen;
  auto r = exchange(
      client, {},
      [](auto c, Seen& s) -> asio::awaitable<void> {
        co_await read_line(c);
        co_await say(c, "BAD\n");
        s.got = co_await read_line(c);
      },
      seen);
  EXPECT_EQ(r.end, PumpEnd::Done);
  ASSERT_TRUE(client.protocol_error());
  EXPECT_EQ(seen.got, "ABORT\n");
}

TEST(Pump, PeerClosedBeforeAnswering) {
  LineClient client;
  Seen seen;
  auto r = exchange(
      client, {}, [](auto c, Seen&) -> asio::awaitable<void> { co_await read_line(c); }, seen);
  EXPECT_EQ(r.end, PumpEnd::PeerClosed);
  EXPECT_EQ(r.io.error, IoError::Closed);
  EXPECT_FALSE(r.answered);
  EXPECT_TRUE(client.closed_);
}

TEST(Pump, ReadTimeoutKeepsThePartialCount) {
  LineClient client;
  Seen seen;
  PumpOptions o;
  o.read_timeout = 100ms;
  auto r = exchange(
      client, o,
      [](auto c, Seen&) -> asio::awaitable<void> {
        co_await read_line(c);
        co_await say(c, "OK\nPAR");
        co_await sleep_for(400ms);
      },
      seen);
  EXPECT_EQ(r.end, PumpEnd::ReadTimeout);
  EXPECT_EQ(r.io.error, IoError::Timeout);
  EXPECT_TRUE(r.answered);
  EXPECT_EQ(r.partial_bytes, 3u);
  EXPECT_TRUE(client.closed_);
}

TEST(Pump, DeadlineHoldsADrippingPeer) {
  LineClient client;
  Seen seen;
  PumpOptions o;
  o.read_timeout = 300ms;
  o.deadline = 250ms;
  const auto t0 = Clock::now();
  auto r = exchange(
      client, o,
      [](auto c, Seen&) -> asio::awaitable<void> {
        co_await read_line(c);
        for (int i = 0; i < 40; ++i) {  // one byte every 40 ms, never a whole line
          co_await sleep_for(40ms);
          auto w = co_await c->write_all(bytes("x"), 1s);
          if (!w.ok()) break;
        }
      },
      seen);
  // Either the deadline check between reads or the read bounded by what is left of it.
  EXPECT_TRUE(r.end == PumpEnd::Deadline || r.end == PumpEnd::ReadTimeout);
  EXPECT_LT(Clock::now() - t0, 1200ms);
  EXPECT_TRUE(client.closed_);
}

TEST(Pump, WriteFailedWhenThePeerDoesNotRead) {
  LineClient client(Bytes(64 * 1024 * 1024, 'z'));
  Seen seen;
  PumpOptions o;
  o.write_timeout = 150ms;
  auto r = exchange(
      client, o, [](auto, Seen&) -> asio::awaitable<void> { co_await sleep_for(500ms); }, seen);
  EXPECT_EQ(r.end, PumpEnd::WriteFailed);
  EXPECT_EQ(r.io.error, IoError::Timeout);
  EXPECT_TRUE(client.closed_);
}

TEST(Pump, ResetByThePeer) {
  LineClient client;
  Seen seen;
  auto r = exchange(
      client, {},
      [](auto c, Seen&) -> asio::awaitable<void> {
        co_await read_line(c);
        // SO_LINGER 0: close sends RST.
        c->socket().set_option(asio::socket_base::linger(true, 0));
        c->socket().close();
      },
      seen);
  EXPECT_EQ(r.end, PumpEnd::Reset);
  EXPECT_EQ(r.io.error, IoError::Reset);
}

}  // namespace
}  // namespace dicomsec::net
