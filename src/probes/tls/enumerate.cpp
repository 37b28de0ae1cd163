#include "probes/tls/enumerate.hpp"

#include <fmt/format.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <asio/use_awaitable.hpp>
#include <memory>
#include <vector>

#include "probes/connect.hpp"
#include "probes/tls/audit_record.hpp"
#include "tlsinspect/profiles.hpp"
#include "tlsinspect/server_flight.hpp"

namespace dicomsec::probes::tls {

namespace {

using tlsinspect::Answer;
using tlsinspect::Outcome;

struct Shared {
  explicit Shared(const asio::any_io_executor& ex, tlsinspect::PlannerOptions po)
      : planner(std::move(po)), wake(ex), done(ex) {}
  tlsinspect::AuditPlanner planner;
  asio::steady_timer wake;  // cancelled whenever an answer arrives: idle workers re-check
  asio::steady_timer done;  // cancelled when the last worker ends
  unsigned workers = 0;
  net::Clock::time_point deadline;
  std::optional<net::IoResult> connect_failure;
  bool timed_out = false;
};

// One question on one connection: connect, send the ClientHello, read the flight.
asio::awaitable<Answer> ask(asio::any_io_executor ex, asio::ip::tcp::endpoint target,
                            const Bytes& hello, const EnumerateOptions& o, Shared& shared) {
  Answer a;
  auto conn = net::Connection::make(ex);
  auto c = co_await conn->connect(target, o.connect_timeout);
  if (!c.ok()) {
    if (!shared.connect_failure) shared.connect_failure = c;
    a.outcome = Outcome::ConnectFailed;
    a.detail = "connect: " + c.code.message();
    co_return a;
  }
  const auto until = std::min(net::Clock::now() + o.io_timeout, shared.deadline);
  auto w = co_await conn->write_all(hello, o.io_timeout);
  tlsinspect::ServerFlightParser parser;
  std::vector<std::uint8_t> buf(16 * 1024);
  net::IoResult r = w;
  while (r.ok()) {
    const auto now = net::Clock::now();
    if (now >= until) {
      r.error = net::IoError::Timeout;
      break;
    }
    r = co_await conn->read_some(buf, std::chrono::duration_cast<net::Millis>(until - now));
    if (!r.ok()) break;
    if (parser.feed(std::span(buf.data(), r.bytes)) != DecodeStatus::NeedMore) break;
  }
  conn->close();
  a.flight = parser.flight();
  switch (parser.status()) {
    case DecodeStatus::Ready:
      a.outcome = Outcome::Answered;
      co_return a;
    case DecodeStatus::Error:
      a.outcome = parser.not_tls() ? Outcome::NotTls : Outcome::Malformed;
      a.detail = parser.error();
      co_return a;
    case DecodeStatus::NeedMore:
      break;
  }
  const bool some = parser.bytes_seen() > 0;
  switch (r.error) {
    case net::IoError::Timeout:
      a.outcome = some ? Outcome::Truncated : Outcome::Timeout;
      a.detail = some
                     ? fmt::format("{} bytes of a server flight, then silence", parser.bytes_seen())
                     : "no answer to ClientHello";
      break;
    case net::IoError::Reset:
      a.outcome = some ? Outcome::Truncated : Outcome::Reset;
      a.detail = some ? fmt::format("connection reset after {} bytes of a server flight",
                                    parser.bytes_seen())
                      : "connection reset in answer to ClientHello";
      break;
    default:
      a.outcome = some ? Outcome::Truncated : Outcome::Closed;
      a.detail = some ? fmt::format("connection closed inside a record after {} bytes",
                                    parser.bytes_seen())
                      : "connection closed without an answer to ClientHello";
      break;
  }
  co_return a;
}

asio::awaitable<void> worker(asio::any_io_executor ex, asio::ip::tcp::endpoint target,
                             const EnumerateOptions& o, std::shared_ptr<Shared> shared) {
  auto& s = *shared;
  while (true) {
    if (net::Clock::now() >= s.deadline) {
      s.timed_out = !s.planner.done();
      break;
    }
    auto q = s.planner.next();
    if (!q) {
      if (s.planner.done() || s.planner.outstanding() == 0) break;
      // The wake timer expires at the deadline; answers cancel it (without re-arming, so
      // idle workers never wake each other in a loop).
      std::error_code ec;
      co_await s.wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    auto a = co_await ask(ex, target, q->client_hello, o, s);
    s.planner.answer(*q, a);
    s.wake.cancel();
  }
  if (--s.workers == 0) s.done.cancel();
}

}  // namespace

asio::awaitable<EnumerateResult> enumerate_tls(asio::any_io_executor ex,
                                               asio::ip::tcp::endpoint target,
                                               const EnumerateOptions& o) {
  tlsinspect::PlannerOptions po;
  po.max_handshakes = o.max_handshakes;
  po.sni = o.sni;
  po.seed = o.seed;
  auto strand = asio::any_io_executor(asio::make_strand(ex));
  auto shared = std::make_shared<Shared>(strand, std::move(po));
  shared->deadline = net::Clock::now() + o.total_timeout;
  shared->wake.expires_at(shared->deadline);
  shared->done.expires_at(net::Clock::time_point::max());
  const unsigned n = std::max(1U, o.in_flight);
  shared->workers = n;
  for (unsigned i = 0; i < n; ++i)
    asio::co_spawn(strand, worker(strand, target, o, shared), asio::detached);
  // Wait for the last worker. Every handler of this audit runs on one io_context thread
  // (the engine's lane, or the tls command's), so reading `workers` here is not a race.
  if (shared->workers != 0) {
    std::error_code ec;
    co_await shared->done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }

  EnumerateResult res;
  res.planner = shared->planner.result();
  res.timed_out = shared->timed_out;
  const auto& p = res.planner;
  if (p.any_tls) {
    bool any_version = false;
    for (const auto& v : p.versions) any_version = any_version || v.accepted == true;
    if (!any_version) {
      res.status = record::Status::TlsError;
      res.detail = p.last_alert ? fmt::format("no protocol version accepted (alert {})",
                                              tlsinspect::alert_name(p.last_alert->description))
                                : "no protocol version accepted";
    } else if (res.timed_out) {
      res.detail = "enumeration cut short by the total time limit";
    } else if (p.budget_exhausted) {
      res.detail = "enumeration cut short by the handshake budget";
    } else if (p.trouble) {
      res.detail = fmt::format("some questions failed: {}", p.trouble_detail);
    }
  } else if (p.not_tls) {
    res.status = record::Status::ProtocolError;
    res.detail = "not TLS: " + p.trouble_detail;
  } else if (shared->connect_failure && p.trouble == Outcome::ConnectFailed) {
    res.status = connect_failure_status(shared->connect_failure->error);
    res.detail = net::error_text(*shared->connect_failure);
  } else if (p.trouble == Outcome::Timeout || res.timed_out) {
    res.status = record::Status::IoTimeout;
    res.detail = p.trouble_detail.empty() ? "no answer to ClientHello" : p.trouble_detail;
  } else {
    res.status = record::Status::TlsError;
    res.detail = p.trouble_detail.empty() ? "no TLS answer" : p.trouble_detail;
  }
  co_return res;
}

namespace {
tlsinspect::AuditSummary summary_of(const EnumerateResult& result) {
  auto summary = tlsinspect::summarize(result.planner);
  if (result.timed_out) summary.complete = false;
  return summary;
}
}  // namespace

void fill_audit(const EnumerateResult& result, record::TlsAuditRecord& audit) {
  const auto summary = summary_of(result);
  to_record(summary, audit);
  audit.profiles = to_record(tlsinspect::evaluate_profiles(summary));
}

void refine_profiles(const EnumerateResult& result, std::optional<tlsinspect::Version> negotiated,
                     record::TlsAuditRecord& audit) {
  tlsinspect::ProfileFacts facts;
  facts.negotiated = negotiated;
  audit.profiles = to_record(tlsinspect::evaluate_profiles(summary_of(result), facts));
}

bool looks_like_tls(ByteView first_bytes) { return tlsinspect::looks_like_tls(first_bytes); }

}  // namespace dicomsec::probes::tls
