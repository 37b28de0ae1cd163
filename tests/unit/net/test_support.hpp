// Helpers for the net tests: run one coroutine on a fresh io_context with a hard time
// bound, a loopback listener on port 0, a coroutine sleep.
#pragma once

#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <vector>

#include "net/connection.hpp"

namespace dicomsec::net::test {

using Bytes = std::vector<std::uint8_t>;

// Runs `body()` to its end; fails the test when it throws or takes longer than `limit`.
template <class Body>
void run_test(Body body, std::chrono::seconds limit = std::chrono::seconds(20)) {
  asio::io_context io;
  bool finished = false;
  std::exception_ptr error;
  asio::co_spawn(io, body(), [&](std::exception_ptr e) {
    finished = true;
    error = e;
  });
  io.run_for(limit);
  ASSERT_TRUE(finished) << "the test coroutine did not finish in time";
  if (error) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      FAIL() << "exception: " << e.what();
    }
  }
}

inline std::shared_ptr<Listener> loopback_listener(const asio::any_io_executor& ex) {
  std::error_code ec;
  auto l = Listener::open(ex, {asio::ip::make_address("127.0.0.1"), 0}, ec);
  EXPECT_TRUE(l) << ec.message();
  return l;
}

inline asio::awaitable<void> sleep_for(Millis d) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(d);
  co_await t.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
}

}  // namespace dicomsec::net::test
