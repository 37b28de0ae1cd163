#include "gateway/server.hpp"

#include <fmt/format.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <charconv>
#include <optional>
#include <set>

#include "core/host_port.hpp"
#include "gateway/session.hpp"
#include "gateway/tls.hpp"
#include "net/connection.hpp"

namespace dicomsec::gateway {

using net::Clock;
using net::Millis;
using namespace asio::experimental::awaitable_operators;

Result<HostPort> parse_host_port(std::string_view text) {
  const bool bracketed = !text.empty() && text.front() == '[';
  const auto parts = split_host_port(text);
  if (!parts || (!bracketed && parts->host.empty()))
    return make_error("'" + std::string(text) +
                      (bracketed ? "': expected [ADDRESS]:PORT" : "': expected HOST:PORT"));
  const auto port = parse_port(parts->port);
  if (!port)
    return make_error("'" + std::string(text) + "': the port must be a number from 0 to 65535");
  return HostPort{std::string(parts->host), *port};
}

namespace {

// One direction's writes, serialised: the relay of one side and the other side's rare
// control PDUs (an A-ABORT after a violation) never interleave on the wire.
struct Writer {
  explicit Writer(const asio::any_io_executor& ex) : wake(ex) {}
  std::shared_ptr<net::Connection> conn;
  asio::steady_timer wake;
  bool busy = false;
  bool failed = false;

  asio::awaitable<bool> write(ByteView data, Millis timeout) {
    co_return co_await write(data, ByteView{}, timeout);
  }
  // Two pieces, in order, without another write between them.
  asio::awaitable<bool> write(ByteView data, ByteView more, Millis timeout) {
    while (busy) {
      wake.expires_at(Clock::time_point::max());
      co_await wake.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    }
    if (failed || !conn) co_return false;
    busy = true;
    auto r = co_await conn->write_all(data, more, timeout);
    busy = false;
    wake.cancel();
    if (!r.ok()) failed = true;
    co_return r.ok();
  }
};

// The client's address as it should be logged and matched (a v4-mapped v6 address unmapped).
std::optional<asio::ip::tcp::endpoint> client_endpoint(net::Connection& c) {
  std::error_code ec;
  auto ep = c.socket().remote_endpoint(ec);
  if (ec) return std::nullopt;
  if (ep.address().is_v6() && ep.address().to_v6().is_v4_mapped())
    ep.address(asio::ip::make_address_v4(asio::ip::v4_mapped, ep.address().to_v6()));
  return ep;
}

}  // namespace

struct ListenerState {
  ListenerConfig config;
  Policy policy;
  Capacity capacity;
  SessionOptions session;
  std::shared_ptr<ServerTls> server_tls;
  std::shared_ptr<asio::ssl::context> upstream_tls;
  asio::ip::tcp::endpoint upstream;
  std::string upstream_host;
  std::shared_ptr<net::Listener> listener;
};

struct Link;

struct Shared {
  std::shared_ptr<Metrics> metrics = std::make_shared<Metrics>();
  std::unique_ptr<audit::Logger> audit;
  std::FILE* log = nullptr;
  std::set<Link*> live;
  bool draining = false;
  std::function<void()> drained;
  std::uint64_t next_id = 1;
  std::uint64_t max_connections = 0;
  std::unique_ptr<asio::steady_timer> drain_timer;

  // Connections closed at accept because --max-connections was reached. A flood must not
  // become an audit flood (or 10,000 stderr lines): the first refusal raises one Security
  // Alert and one log line at once, later ones are counted and reported together at most
  // once per kFloodReport, naming the last address seen.
  static constexpr Millis kFloodReport{10'000};
  std::uint64_t flood_unreported = 0;
  std::string flood_last_ip;
  Clock::time_point flood_last_report{};
  std::unique_ptr<asio::steady_timer> flood_timer;

  void emit(audit::Event e) {
    if (audit) audit->emit(std::move(e));
  }
  void report_flood() {
    if (flood_unreported == 0) return;
    const auto n = flood_unreported;
    flood_unreported = 0;
    flood_last_report = Clock::now();
    const auto text = fmt::format(
        "connection limit ({}) reached: {} connection{} closed at accept, the last from {}",
        max_connections, n, n == 1 ? "" : "s", flood_last_ip);
    if (log != nullptr) {
      fmt::print(log, "gateway: {}\n", text);
      std::fflush(log);
    }
    audit::Event e;
    e.type = audit::EventType::SecurityAlert;
    e.time = std::chrono::system_clock::now();
    e.outcome = audit::MinorFailure;
    e.outcome_text = text;
    e.alert = audit::AlertKind::UseOfRestrictedFunction;
    e.source.ip = flood_last_ip;
    e.source.requestor = true;
    emit(std::move(e));
  }
  static void connection_limit_hit(const std::shared_ptr<Shared>& sh,
                                   const asio::any_io_executor& ex, std::string ip) {
    ++sh->flood_unreported;
    sh->flood_last_ip = std::move(ip);
    if (sh->flood_timer) return;  // a report is already scheduled
    const auto now = Clock::now();
    if (sh->flood_last_report == Clock::time_point{} ||
        now - sh->flood_last_report >= kFloodReport) {
      sh->report_flood();  // the first of an episode: reported at once
    }
    sh->flood_timer =
        std::make_unique<asio::steady_timer>(ex, sh->flood_last_report + kFloodReport);
    sh->flood_timer->async_wait([weak = std::weak_ptr<Shared>(sh)](const std::error_code& ec) {
      const auto s = weak.lock();
      if (!s) return;
      (void)ec;  // cancelled (stop) or expired: report what was counted either way
      s->flood_timer.reset();
      s->report_flood();
    });
  }
  void check_drained() {
    if (draining && live.empty() && drained) {
      auto d = std::move(drained);
      drained = nullptr;
      d();
    }
  }
};

struct Link : std::enable_shared_from_this<Link> {
  Link(const asio::any_io_executor& ex, std::shared_ptr<Shared> s, std::shared_ptr<ListenerState> l)
      : shared(std::move(s)), L(std::move(l)), cw(ex), uw(ex), started(Clock::now()) {}
  std::shared_ptr<Shared> shared;
  std::shared_ptr<ListenerState> L;
  std::uint64_t id = 0;
  std::shared_ptr<net::Connection> client, upstream;
  std::unique_ptr<Session> session;
  Writer cw, uw;
  Clock::time_point started;
  Clock::time_point last_activity = Clock::now();
  Clock::time_point upstream_deadline{};
  std::string ip;
  std::uint16_t port = 0;
  std::string cert_subject;
  bool tls = false;
  bool counted_active = false;
  bool logged = false;

  [[nodiscard]] std::string conn_id() const { return fmt::format("{}", id); }
  audit::Node source() const {
    audit::Node n;
    n.ae = session ? session->summary().calling_ae : "";
    n.ip = ip;
    n.port = port;
    n.cert_subject = cert_subject;
    n.requestor = true;
    return n;
  }
  audit::Node destination() const {
    audit::Node n;
    n.ae = session ? session->summary().upstream_called_ae : "";
    if (n.ae.empty() && session) n.ae = session->summary().called_ae;
    n.ip = L->upstream.address().to_string();
    n.port = L->upstream.port();
    return n;
  }
  audit::Event event(audit::EventType t, int outcome, std::string text) const {
    audit::Event e;
    e.type = t;
    e.time = std::chrono::system_clock::now();
    e.outcome = outcome;
    e.outcome_text = std::move(text);
    e.conn = conn_id();
    e.source = source();
    e.destination = destination();
    return e;
  }
};

namespace {

void log_line(Link& k, std::string_view outcome) {
  if (k.logged || k.shared->log == nullptr) return;
  k.logged = true;
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - k.started).count();
  std::string aes = "-";
  std::uint64_t in = 0, out = 0, stored = 0;
  if (k.session) {
    const auto& s = k.session->summary();
    if (!s.calling_ae.empty() || !s.called_ae.empty()) {
      aes = fmt::format("{}->{}", s.calling_ae, s.called_ae);
      if (!s.upstream_called_ae.empty() && s.upstream_called_ae != s.called_ae)
        aes += "=>" + s.upstream_called_ae;
    }
    in = s.bytes_from_client;
    out = s.bytes_from_upstream;
    for (const auto& [sop, n] : s.stored) stored += n;
  }
  std::fprintf(k.shared->log,
               "gateway: #%llu %s:%u%s %s %s %lld ms, %llu bytes in, %llu bytes out, %llu stored\n",
               static_cast<unsigned long long>(k.id), k.ip.c_str(), k.port, k.tls ? " tls" : "",
               aes.c_str(), std::string(outcome).c_str(), static_cast<long long>(ms),
               static_cast<unsigned long long>(in), static_cast<unsigned long long>(out),
               static_cast<unsigned long long>(stored));
  std::fflush(k.shared->log);
}

void on_event(Link& k, const SessionEvent& ev) {
  auto& m = *k.shared->metrics;
  if (const auto* d = std::get_if<sev::Decided>(&ev)) {
    if (d->refusal == Refusal::None) return;
    ++m.rejected[std::string(refusal_name(d->refusal))];
    if (d->refusal != Refusal::Upstream) {
      const auto rj = reject_for(d->refusal);
      auto e = k.event(audit::EventType::SecurityAlert, audit::MinorFailure,
                       fmt::format("association refused: {} ({}/{}/{})", refusal_name(d->refusal),
                                   rj.result, rj.source, rj.reason));
      e.alert = d->refusal == Refusal::CertBinding ? audit::AlertKind::NodeAuthentication
                                                   : audit::AlertKind::UseOfRestrictedFunction;
      k.shared->emit(std::move(e));
    }
  } else if (const auto* a = std::get_if<sev::UpstreamAnswered>(&ev)) {
    if (a->accepted) {
      ++m.accepted;
      ++m.active;
      k.counted_active = true;
    } else {
      ++m.rejected["upstream-rejected"];
    }
  } else if (std::get_if<sev::StoresBegin>(&ev) != nullptr) {
    k.shared->emit(k.event(audit::EventType::BeginTransferring, audit::Success, ""));
  } else if (const auto* q = std::get_if<sev::Query>(&ev)) {
    auto e = k.event(audit::EventType::Query, audit::Success, "");
    e.query_sop_class = q->sop_class;
    e.patient_ids = q->patient_ids;  // the logger writes them only with --audit-phi ids
    e.study_uids = q->study_uids;
    k.shared->emit(std::move(e));
  } else if (const auto* end = std::get_if<sev::Ended>(&ev)) {
    const auto name = std::string(end_reason_name(end->reason));
    ++m.ended[name];
    if (k.counted_active) {
      --m.active;
      k.counted_active = false;
    }
    const auto& s = k.session->summary();
    std::uint64_t stored = 0;
    for (const auto& [sop, n] : s.stored) stored += n;
    m.instances += stored;
    if (!s.stored.empty() || s.store_failures > 0) {
      auto e = k.event(audit::EventType::InstancesTransferred,
                       s.store_failures == 0 ? audit::Success : audit::MinorFailure,
                       s.store_failures == 0 ? "" : fmt::format("{} failed", s.store_failures));
      e.sop_classes = s.stored;
      e.patient_ids = s.patient_ids;
      e.study_uids = s.study_uids;
      k.shared->emit(std::move(e));
    }
    switch (end->reason) {
      case EndReason::ClientProtocolError:
      case EndReason::PduTooLarge:
      case EndReason::ArtimExpired: {
        auto e = k.event(audit::EventType::SecurityAlert, audit::MinorFailure,
                         fmt::format("{}: {}", name, end->detail));
        e.alert = audit::AlertKind::UseOfRestrictedFunction;
        k.shared->emit(std::move(e));
        break;
      }
      default:
        break;
    }
    auto e = k.event(audit::EventType::AssociationEnd,
                     end->reason == EndReason::Released ? audit::Success : audit::MinorFailure,
                     end->detail.empty() ? name : name + ": " + end->detail);
    e.sop_classes = s.stored;
    k.shared->emit(std::move(e));
    std::string outcome;
    if (s.refusal != Refusal::None) {
      const auto rj = reject_for(s.refusal);
      outcome = fmt::format("refused {} {}/{}/{}", refusal_name(s.refusal), rj.result, rj.source,
                            rj.reason);
    } else if (s.upstream_rj) {
      outcome = fmt::format("upstream-rejected {}/{}/{}", s.upstream_rj->result,
                            s.upstream_rj->source, s.upstream_rj->reason);
    } else {
      outcome = s.established ? "accepted, " + name : name;
    }
    if (!end->detail.empty() && s.refusal == Refusal::None) outcome += " (" + end->detail + ")";
    log_line(k, outcome);
  }
}

asio::awaitable<void> apply(std::shared_ptr<Link> k, SessionOutput out) {
  for (const auto& e : out.events) on_event(*k, e);
  const Millis wt(30000);
  if (!out.to_client.empty() || !out.to_client_tail.empty())
    co_await k->cw.write(out.to_client, out.to_client_tail, wt);
  if (k->upstream && (!out.to_upstream.empty() || !out.to_upstream_tail.empty()))
    co_await k->uw.write(out.to_upstream, out.to_upstream_tail, wt);
  if (out.close_client && k->client) k->client->close();
  if (out.close_upstream && k->upstream) k->upstream->close();
}

Millis until(Clock::time_point t) {
  const auto now = Clock::now();
  if (t <= now) return Millis(0);
  return std::chrono::ceil<Millis>(t - now);
}

asio::awaitable<void> relay(std::shared_ptr<Link> k, bool client_side) {
  auto conn = client_side ? k->client : k->upstream;
  // Taken only while bytes flow: an idle association holds no read buffer (10,000 idle TLS
  // associations, issue 15). It grows for bulk transfers and is given back once the socket
  // has nothing more to read.
  Bytes buf;
  std::size_t want = 16U << 10;
  bool drained = true;
  const auto& c = k->L->config;
  const Millis idle = c.idle_timeout_s > 0 ? Millis(c.idle_timeout_s * 1000LL) : Millis(3600000);
  for (;;) {
    if (k->session->done()) co_return;
    Millis timeout = idle;
    if (!client_side && k->session->awaiting_upstream())
      timeout = std::max(Millis(1), until(k->upstream_deadline));
    // After a short read the socket may be drained: if nothing more waits, the buffer goes
    // back while the association is quiet (a full read means more is on its way).
    if (!buf.empty() && drained && !conn->readable_now()) Bytes().swap(buf);
    net::IoResult r;
    if (buf.empty()) {
      r = co_await conn->wait_readable(timeout);
      if (r.ok()) buf.resize(want);
    }
    if (r.ok()) r = co_await conn->read_some(buf, timeout);
    if (k->session->done()) co_return;
    if (!r.ok()) {
      if (r.error == net::IoError::Timeout) {
        if (!client_side && k->session->awaiting_upstream()) {
          if (Clock::now() >= k->upstream_deadline) co_await apply(k, k->session->artim_expired());
          continue;
        }
        if (c.idle_timeout_s > 0 && Clock::now() - k->last_activity >= idle) {
          co_await apply(k, k->session->idle_timeout());
          co_return;
        }
        continue;
      }
      // (No conditional operator around these calls: GCC 12 evaluates both arms of a ?:
      // inside a co_await argument.)
      SessionOutput out;
      if (client_side)
        out = k->session->client_closed();
      else
        out = k->session->upstream_closed();
      co_await apply(k, std::move(out));
      co_return;
    }
    k->last_activity = Clock::now();
    auto& m = *k->shared->metrics;
    (client_side ? m.bytes_from_client : m.bytes_from_upstream) += r.bytes;
    const ByteView got(buf.data(), r.bytes);
    SessionOutput out;
    if (client_side)
      out = k->session->from_client(got);
    else
      out = k->session->from_upstream(got);
    co_await apply(k, std::move(out));
    drained = r.bytes < buf.size();
    // Grow the buffer for bulk transfers.
    if (r.bytes == buf.size() && want < (256U << 10)) {
      want *= 2;
      buf.resize(want);
    }
  }
}

std::array<std::uint8_t, 16> address_bytes(const asio::ip::address& a) {
  std::array<std::uint8_t, 16> out{};
  if (a.is_v4()) {
    out[10] = out[11] = 0xff;
    const auto b = a.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), out.begin() + 12);
  } else {
    out = a.to_v6().to_bytes();
  }
  return out;
}

asio::awaitable<void> serve(std::shared_ptr<Link> k) {
  auto& m = *k->shared->metrics;
  const auto& c = k->L->config;
  const Millis artim(c.artim_s * 1000LL);
  const auto deadline = Clock::now() + artim;
  PeerIdentity peer;
  if (const auto ep = client_endpoint(*k->client)) {
    k->ip = ep->address().to_string();
    k->port = ep->port();
    peer.address = address_bytes(ep->address());
  }
  if (k->L->policy.outside_all(peer.address)) {
    // Outside every @CIDR: no TLS, no PDU, just the close (docs/design.md "gateway").
    ++m.rejected["source-address-closed"];
    auto e = k->event(audit::EventType::SecurityAlert, audit::MinorFailure,
                      "connection from an address outside every --allow @CIDR closed");
    e.alert = audit::AlertKind::UseOfRestrictedFunction;
    k->shared->emit(std::move(e));
    log_line(*k, "closed: address outside every --allow @CIDR");
    k->client->close();
    co_return;
  }
  if (k->L->server_tls) {
    k->tls = true;
    auto r = co_await k->client->accept_tls(k->L->server_tls->current(), artim);
    if (!r.ok()) {
      ++m.tls_handshake_failures_in;
      const auto why =
          r.error == net::IoError::Timeout ? std::string("timed out") : net::error_text(r);
      k->shared->emit(k->event(audit::EventType::SecurityAlert, audit::MinorFailure,
                               "TLS handshake failed: " + why));
      log_line(*k, "TLS handshake failed: " + why);
      k->client->close();
      co_return;
    }
    peer.cert_names = peer_certificate_names(k->client->tls_handle(), &k->cert_subject);
    peer.has_certificate = !k->cert_subject.empty();
  }
  k->session =
      std::make_unique<Session>(k->L->policy, std::move(peer), k->L->session, &k->L->capacity);
  co_await apply(k, k->session->client_connected());
  {
    Bytes buf(4096);  // the RQ only: given back before the relay starts
    while (k->session->awaiting_request() && !k->session->done()) {
      const auto left = until(deadline);
      if (left.count() == 0) {
        co_await apply(k, k->session->artim_expired());
        break;
      }
      auto r = co_await k->client->read_some(buf, left);
      if (!r.ok()) {
        SessionOutput out;
        if (r.error == net::IoError::Timeout)
          out = k->session->artim_expired();
        else
          out = k->session->client_closed();
        co_await apply(k, std::move(out));
        break;
      }
      m.bytes_from_client += r.bytes;
      co_await apply(k, k->session->from_client(ByteView(buf.data(), r.bytes)));
    }
  }
  if (k->session->done() || !k->session->awaiting_upstream()) {
    k->client->close();
    co_return;
  }
  // Admitted: open the upstream (connect, TLS), then relay both ways.
  k->upstream_deadline = Clock::now() + artim;
  auto up = net::Connection::make(k->client->socket().get_executor());
  auto r = co_await up->connect(k->L->upstream, artim);
  if (r.ok() && k->L->upstream_tls) {
    // A named callback: GCC 12 destroys a lambda temporary inside co_await twice.
    const std::function<void(ssl_st*)> configure = [name = c.upstream_name](ssl_st* s) {
      configure_upstream(s, name);
    };
    auto t = co_await up->start_tls(k->L->upstream_tls, artim, configure);
    r = t;
    if (!r.ok()) ++m.tls_handshake_failures_out;
  }
  if (!r.ok()) {
    up->close();
    const auto why =
        r.error == net::IoError::Timeout ? std::string("timed out") : net::error_text(r);
    co_await apply(k, k->session->upstream_failed("upstream " + k->L->upstream_host + ": " + why));
    k->client->close();
    co_return;
  }
  k->upstream = up;
  k->uw.conn = up;
  co_await apply(k, k->session->upstream_connected());
  co_await (relay(k, true) && relay(k, false));
  k->client->close();
  k->upstream->close();
}

asio::awaitable<void> run_link(std::shared_ptr<Link> k) {
  auto& sh = *k->shared;
  sh.live.insert(k.get());
  ++sh.metrics->open_connections;
  co_await serve(k);
  if (k->session && !k->session->done()) co_await apply(k, k->session->shutdown());
  --sh.metrics->open_connections;
  sh.live.erase(k.get());
  k->session.reset();  // gives the --max-associations slot back now
  sh.check_drained();
}

asio::awaitable<void> accept_loop(std::shared_ptr<Shared> sh, std::shared_ptr<ListenerState> L) {
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer pause(ex);
  for (;;) {
    auto [r, conn] = co_await L->listener->accept(Millis(3600 * 1000));
    if (sh->draining) {
      if (conn) conn->close();
      co_return;
    }
    if (r.error == net::IoError::Timeout) continue;
    if (!r.ok() || !conn) {
      if (net::is_local_error(r.code)) {
        // Out of descriptors: let the live associations go on, try again shortly.
        pause.expires_after(Millis(100));
        co_await pause.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
        continue;
      }
      co_return;  // the listener was closed
    }
    ++sh->metrics->connections;
    if (sh->max_connections != 0 && sh->metrics->open_connections >= sh->max_connections) {
      ++sh->metrics->rejected["connection-limit"];
      std::string ip;
      if (const auto ep = client_endpoint(*conn)) ip = ep->address().to_string();
      Shared::connection_limit_hit(sh, ex, std::move(ip));
      conn->close();
      continue;
    }
    auto k = std::make_shared<Link>(ex, sh, L);
    k->id = sh->next_id++;
    k->client = conn;
    k->cw.conn = conn;
    asio::co_spawn(ex, run_link(std::move(k)), asio::detached);
  }
}

}  // namespace

struct Gateway::Impl {
  asio::io_context& io;
  GatewayConfig config;
  std::shared_ptr<Shared> shared = std::make_shared<Shared>();
  std::vector<std::shared_ptr<ListenerState>> listeners;
  std::optional<asio::ip::tcp::endpoint> metrics_ep;
  explicit Impl(asio::io_context& i) : io(i) {}
};

Gateway::Gateway(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Gateway::~Gateway() = default;

namespace {

Result<asio::ip::tcp::endpoint> resolve(asio::io_context& io, const HostPort& hp) {
  std::error_code ec;
  auto addr = asio::ip::make_address(hp.host, ec);
  if (!ec) return asio::ip::tcp::endpoint(addr, hp.port);
  asio::ip::tcp::resolver res(io);
  auto results = res.resolve(hp.host, std::to_string(hp.port), ec);
  if (ec || results.empty()) return make_error("cannot resolve '" + hp.host + "': " + ec.message());
  return results.begin()->endpoint();
}

Result<std::shared_ptr<ListenerState>> make_listener(asio::io_context& io, const ListenerConfig& c,
                                                     bool collect_ids) {
  auto L = std::make_shared<ListenerState>();
  L->config = c;
  const std::string where = "listener " + c.listen + ": ";
  if (c.listen.empty()) return make_error("--listen is required");
  if (c.upstream.empty()) return make_error(where + "--upstream is required");
  for (const auto& a : c.allow) {
    auto r = parse_allow(a);
    if (!r) return make_error(where + r.error().message);
    L->policy.rules.push_back(*r);
  }
  for (const auto& w : c.rewrite_called) {
    auto r = parse_rewrite(w);
    if (!r) return make_error(where + r.error().message);
    L->policy.rewrites.push_back(*r);
  }
  L->policy.bind_cert_ae = c.bind_cert_ae;
  L->policy.cert_ae_map = c.cert_ae;
  if (c.bind_cert_ae && (!c.tls_in || c.client_ca.empty()))
    return make_error(where + "--bind-cert-ae needs --tls-in and --client-ca");
  L->capacity.max = c.max_associations;
  if (c.max_pdu < 4096) return make_error(where + "--max-pdu must be at least 4096");
  L->session.max_pdu = c.max_pdu;
  L->session.collect_ids = collect_ids;
  if (c.artim_s == 0) return make_error(where + "--artim must be at least 1 second");
  if (!known_profile(c.profile)) return make_error(where + "unknown --profile '" + c.profile + "'");
  if (c.tls_in) {
    if (c.cert.empty() || c.key.empty())
      return make_error(where + "--tls-in needs --cert and --key");
    auto t =
        ServerTls::open(TlsFiles{c.cert, c.key, c.client_ca, c.require_client_cert}, c.profile);
    if (!t) return make_error(where + t.error().message);
    L->server_tls = *t;
  } else if (!c.cert.empty() || !c.key.empty() || !c.client_ca.empty() || c.require_client_cert) {
    return make_error(where + "--cert/--key/--client-ca/--require-client-cert need --tls-in");
  }
  if (c.tls_out) {
    auto t = make_upstream_context(
        UpstreamTls{c.upstream_ca, c.upstream_cert, c.upstream_key, c.upstream_name, c.profile});
    if (!t) return make_error(where + t.error().message);
    L->upstream_tls = *t;
  } else if (!c.upstream_ca.empty() || !c.upstream_cert.empty() || !c.upstream_key.empty()) {
    return make_error(where + "--upstream-ca/--upstream-cert/--upstream-key need --tls-out");
  }
  auto up = parse_host_port(c.upstream);
  if (!up) return make_error(where + "--upstream " + up.error().message);
  auto upep = resolve(io, *up);
  if (!upep) return make_error(where + "--upstream " + upep.error().message);
  L->upstream = *upep;
  L->upstream_host = c.upstream;
  auto lp = parse_host_port(c.listen);
  if (!lp) return make_error("--listen " + lp.error().message);
  auto lep = resolve(io, *lp);
  if (!lep) return make_error("--listen " + lep.error().message);
  std::error_code ec;
  L->listener = net::Listener::open(io.get_executor(), *lep, ec, 4096);
  if (!L->listener) return make_error("--listen " + c.listen + ": " + ec.message());
  return L;
}

}  // namespace

Result<std::unique_ptr<Gateway>> Gateway::create(asio::io_context& io, GatewayConfig config,
                                                 std::FILE* log) {
  auto impl = std::make_unique<Impl>(io);
  if (config.listeners.empty()) return make_error("no listener: give --listen and --upstream");
  std::uint64_t budget = 0;
  for (const auto& c : config.listeners) {
    auto L = make_listener(io, c, config.audit.phi_ids);
    if (!L) return L.error();
    impl->listeners.push_back(*L);
    budget += c.max_associations == 0 ? 10000 : c.max_associations;
  }
  impl->shared->log = log;
  impl->shared->max_connections =
      config.max_connections != 0 ? config.max_connections : budget * 2 + 64;
  if (!config.audit.jsonl_path.empty() || !config.audit.syslog_url.empty()) {
    auto a = audit::Logger::open(config.audit, io);
    if (!a) return make_error("audit: " + a.error().message);
    impl->shared->audit = std::move(*a);
  }
  if (!config.metrics.empty()) {
    auto hp = parse_host_port(config.metrics);
    if (!hp) return make_error("--metrics " + hp.error().message);
    auto ep = resolve(io, *hp);
    if (!ep) return make_error("--metrics " + ep.error().message);
    std::error_code ec;
    const auto bound = serve_metrics(io.get_executor(), *ep, impl->shared->metrics, ec);
    if (ec) return make_error("--metrics " + config.metrics + ": " + ec.message());
    impl->metrics_ep = bound;
  }
  impl->config = std::move(config);
  return std::unique_ptr<Gateway>(new Gateway(std::move(impl)));
}

namespace {

// A certificate reload of a --tls-in listener, polled or on SIGHUP: one stderr line and a
// Security Alert, Security Configuration (DCM 110129), success or refused.
void report_reload(Shared& sh, const std::string& listen, const CertStore& store,
                   const Result<void>& r) {
  audit::Event e;
  e.type = audit::EventType::SecurityAlert;
  e.alert = audit::AlertKind::SecurityConfiguration;
  e.time = std::chrono::system_clock::now();
  if (r) {
    e.outcome = audit::Success;
    e.outcome_text =
        fmt::format("certificates of {} reloaded (generation {})", listen, store.generation());
  } else {
    e.outcome = audit::MinorFailure;
    e.outcome_text = fmt::format("certificate reload of {} refused, keeping the old one: {}",
                                 listen, r.error().message);
  }
  if (sh.log != nullptr) {
    if (r)
      std::fprintf(sh.log, "gateway: %s\n", e.outcome_text.c_str());
    else
      std::fprintf(sh.log, "gateway: certificate reload failed, keeping the old one: %s\n",
                   r.error().message.c_str());
    std::fflush(sh.log);
  }
  sh.emit(std::move(e));
}

}  // namespace

void Gateway::start() {
  auto& im = *impl_;
  for (auto& L : im.listeners) {
    asio::co_spawn(im.io, accept_loop(im.shared, L), asio::detached);
    if (L->server_tls && L->server_tls->store()) {
      auto& store = L->server_tls->store();
      // The store owns this callback: a weak pointer back to it, no cycle.
      store->on_reload([sh = im.shared, listen = L->config.listen,
                        weak = std::weak_ptr<CertStore>(store)](const Result<void>& r) {
        if (auto st = weak.lock()) report_reload(*sh, listen, *st, r);
      });
      store->watch(im.io, Millis(im.config.cert_poll_ms));
    }
  }
  audit::Event e;
  e.type = audit::EventType::ApplicationStart;
  e.time = std::chrono::system_clock::now();
  im.shared->emit(std::move(e));
}

void Gateway::drain(std::function<void()> done) {
  auto& im = *impl_;
  auto sh = im.shared;
  if (sh->draining) return;
  sh->draining = true;
  for (auto& L : im.listeners) {
    L->listener->close();
    if (L->server_tls && L->server_tls->store()) L->server_tls->store()->stop();
  }
  sh->flood_timer.reset();
  sh->report_flood();  // connections refused since the last report, before the Stop
  audit::Event e;
  e.type = audit::EventType::ApplicationStop;
  e.time = std::chrono::system_clock::now();
  sh->emit(std::move(e));
  if (sh->log != nullptr && !sh->live.empty())
    std::fprintf(sh->log, "gateway: draining %zu connection(s), at most %u s\n", sh->live.size(),
                 im.config.drain_s);
  sh->drained = std::move(done);
  sh->drain_timer =
      std::make_unique<asio::steady_timer>(im.io, std::chrono::seconds(im.config.drain_s));
  sh->drain_timer->async_wait([sh](const std::error_code&) {
    std::vector<std::shared_ptr<Link>> links;
    for (auto* l : sh->live) links.push_back(l->shared_from_this());
    for (auto& l : links) {
      if (!l->session) {
        l->client->close();
        continue;
      }
      asio::co_spawn(l->client->socket().get_executor(), apply(l, l->session->shutdown()),
                     asio::detached);
    }
  });
  sh->check_drained();
}

const Metrics& Gateway::metrics() const { return *impl_->shared->metrics; }

std::vector<asio::ip::tcp::endpoint> Gateway::endpoints() const {
  std::vector<asio::ip::tcp::endpoint> out;
  for (const auto& L : impl_->listeners) out.push_back(L->listener->local_endpoint());
  return out;
}

std::optional<asio::ip::tcp::endpoint> Gateway::metrics_endpoint() const {
  return impl_->metrics_ep;
}

void Gateway::reload_certificates() {
  for (auto& L : impl_->listeners) {
    if (!L->server_tls || !L->server_tls->store()) continue;
    const auto& store = L->server_tls->store();
    report_reload(*impl_->shared, L->config.listen, *store, store->reload());
  }
}

}  // namespace dicomsec::gateway
