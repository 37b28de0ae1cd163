// Retrying follow-up associations (issue 12 §5). A server that serves one association at a
// time (many modalities, storescp without --fork) may refuse, reset, drop or leave
// unanswered the association we open right after releasing the previous one. Every
// follow-up association (the random called AE check, the access checks) is therefore tried
// again with back-off when it got no DICOM answer (refused, reset, closed, timed out) or a
// rejected-transient answer (PS3.8 9.3.4 result 2): up to kTries tries, a new try starting
// only while less than kWindow has passed since the first. A clear accept or reject is never
// retried. When no try got an answer, the check is inconclusive, with the last reason.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include "net/connection.hpp"

namespace dicomsec::probes::follow_up {

inline constexpr unsigned kTries = 4;
inline constexpr net::Millis kWindow{2000};
inline constexpr net::Millis kFirstPause{200};  // then 400, 800 ms: 1.4 s of pauses in all

class Backoff {
 public:
  Backoff() : started_(net::Clock::now()) {}
  // Called after try number `attempts()` got no answer: true (after pausing) when another
  // try fits in the budget.
  asio::awaitable<bool> again(asio::any_io_executor ex) {
    if (attempts_ >= kTries || net::Clock::now() - started_ >= kWindow) co_return false;
    asio::steady_timer t(ex);
    t.expires_after(kFirstPause * (1U << (attempts_ - 1)));
    co_await t.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    ++attempts_;
    co_return true;
  }
  [[nodiscard]] unsigned attempts() const { return attempts_; }

 private:
  net::Clock::time_point started_;
  unsigned attempts_ = 1;
};

}  // namespace dicomsec::probes::follow_up
