// The audit logger: a bounded queue in front of a writer thread of its own.
//
// emit() only takes a mutex, appends to a deque and (at most once per batch) posts a wake-up,
// so the relay never waits for a disk or a collector. The writer thread runs its own
// io_context: it writes the JSON lines, frames each DICOM audit message as RFC 5424 syslog
// and sends it over UDP (RFC 5426: one message per datagram), TCP (RFC 6587 3.4.1 octet
// counting: "LEN SP MSG") or TLS (RFC 5425, the same framing inside TLS, the collector's
// certificate verified against Options::tls_ca and its address or name). A collector that
// is down or stalls costs a reconnect with exponential back-off (250 ms doubling to 30 s);
// messages wait in a bounded outbox meanwhile, and anything beyond the bound is dropped and
// counted, never blocking.
#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/ssl/context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>

#include "audit/audit.hpp"
#include "core/host_port.hpp"
#include "net/connection.hpp"

namespace dicomsec::audit {
namespace {

enum class Transport { None, Udp, Tcp, Tls };

struct Target {
  Transport transport = Transport::None;
  std::string host;
  std::uint16_t port = 0;
};

Result<Target> parse_url(const std::string& url) {
  Target t;
  if (url.empty()) return t;
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos)
    return make_error(
        fmt::format("audit syslog '{}': expected udp://, tcp:// or tls://HOST:PORT", url));
  const std::string scheme = url.substr(0, scheme_end);
  if (scheme == "udp") {
    t.transport = Transport::Udp;
  } else if (scheme == "tcp") {
    t.transport = Transport::Tcp;
  } else if (scheme == "tls") {
    t.transport = Transport::Tls;
  } else {
    return make_error(
        fmt::format("audit syslog '{}': unknown scheme '{}' (udp, tcp or tls)", url, scheme));
  }
  std::string rest = url.substr(scheme_end + 3);
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  const bool bracketed = !rest.empty() && rest.front() == '[';
  const auto parts = split_host_port(rest);
  if (!parts || (!bracketed && parts->host.empty()))
    return make_error(
        fmt::format("audit syslog '{}': expected {}:PORT", url, bracketed ? "[IPv6]" : "HOST"));
  const auto port = parse_port(parts->port);
  if (!port || *port == 0)
    return make_error(fmt::format("audit syslog '{}': bad port '{}'", url, parts->port));
  t.host = std::string(parts->host);
  t.port = *port;
  return t;
}

std::string local_hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "-";
  return buf;
}

constexpr auto kConnectTimeout = std::chrono::seconds(3);
constexpr auto kWriteTimeout = std::chrono::seconds(5);
constexpr auto kBackoffFirst = std::chrono::milliseconds(250);
constexpr auto kBackoffMax = std::chrono::seconds(30);

}  // namespace

struct Logger::Impl : std::enable_shared_from_this<Logger::Impl> {
  Options options;
  Target target;
  std::string hostname = local_hostname();

  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> guard{io.get_executor()};
  asio::steady_timer wake{io};
  std::thread thread;

  // Shared between emit() and the writer.
  std::mutex mu;
  std::condition_variable idle_cv;
  std::deque<Event> queue;
  bool writer_busy = false;
  bool stopping = false;
  std::atomic<bool> wake_posted{false};
  std::atomic<std::uint64_t> dropped{0}, sent{0};

  // Writer thread only.
  std::ofstream jsonl;
  std::deque<std::string> outbox;
  std::shared_ptr<net::Connection> stream;  // TCP and TLS
  std::optional<asio::ip::udp::socket> udp;
  std::shared_ptr<asio::ssl::context> tls_ctx;
  std::chrono::steady_clock::time_point next_attempt{};
  std::chrono::milliseconds backoff = kBackoffFirst;

  bool idle_locked() const { return queue.empty() && outbox_size.load() == 0 && !writer_busy; }
  std::atomic<std::size_t> outbox_size{0};

  void notify() {
    if (wake_posted.exchange(true)) return;
    asio::post(io, [self = shared_from_this()] {
      self->wake_posted = false;
      self->wake.cancel();
    });
  }

  void disconnect() {
    if (stream) stream->close();
    stream.reset();
    udp.reset();
    next_attempt = std::chrono::steady_clock::now() + backoff;
    backoff = std::min<std::chrono::milliseconds>(backoff * 2, kBackoffMax);
  }

  asio::awaitable<bool> connect() {
    if (target.transport == Transport::Udp) {
      std::error_code ec;
      asio::ip::udp::resolver resolver(io);
      auto results = co_await resolver.async_resolve(target.host, std::to_string(target.port),
                                                     asio::redirect_error(asio::use_awaitable, ec));
      if (ec || results.empty()) co_return false;
      asio::ip::udp::socket s(io);
      s.open(results.begin()->endpoint().protocol(), ec);
      if (!ec) s.connect(results.begin()->endpoint(), ec);
      if (ec) co_return false;
      udp.emplace(std::move(s));
      co_return true;
    }
    std::error_code ec;
    asio::ip::tcp::resolver resolver(io);
    auto results = co_await resolver.async_resolve(target.host, std::to_string(target.port),
                                                   asio::redirect_error(asio::use_awaitable, ec));
    if (ec || results.empty()) co_return false;
    for (const auto& entry : results) {
      auto c = net::Connection::make(io.get_executor());
      auto r = co_await c->connect(entry.endpoint(), kConnectTimeout);
      if (!r.ok()) continue;
      if (target.transport == Transport::Tls) {
        // A named std::function, not a lambda temporary inside the co_await expression:
        // GCC 12 destroys such temporaries twice across the suspension.
        // The collector must prove it is the host named in the URL.
        std::function<void(ssl_st*)> verify_host = [host = target.host](ssl_st* ssl) {
          net::expect_peer_name(ssl, host);
        };
        auto h = co_await c->start_tls(tls_ctx, kConnectTimeout, verify_host);
        if (!h.ok()) {
          c->close();
          continue;
        }
      }
      stream = std::move(c);
      co_return true;
    }
    co_return false;
  }

  asio::awaitable<bool> send(const std::string& msg) {
    if (udp) {
      std::error_code ec;
      co_await udp->async_send(asio::buffer(msg), asio::redirect_error(asio::use_awaitable, ec));
      // A datagram refused by the collector's host (ICMP) is lost: UDP syslog promises no
      // more (RFC 5426 3.6). The socket stays.
      co_return true;
    }
    const std::string framed = fmt::format("{} {}", msg.size(), msg);
    auto r = co_await stream->write_all(
        std::span(reinterpret_cast<const std::uint8_t*>(framed.data()), framed.size()),
        std::chrono::duration_cast<net::Millis>(kWriteTimeout));
    co_return r.ok();
  }

  void write_jsonl(const Event& e) {
    if (!jsonl.is_open()) return;
    jsonl << to_jsonl(e, options) << '\n';
    jsonl.flush();
  }

  asio::awaitable<void> run() {
    for (;;) {
      std::deque<Event> batch;
      {
        std::lock_guard lock(mu);
        batch.swap(queue);
        writer_busy = !batch.empty() || !outbox.empty();
        if (stopping && batch.empty() && outbox.empty()) break;
      }
      for (const auto& e : batch) {
        write_jsonl(e);
        if (target.transport == Transport::None) continue;
        std::string xml = to_rfc3881_xml(e, options);
        if (xml.empty()) continue;
        if (outbox.size() >= options.queue_limit) {
          ++dropped;
          continue;
        }
        outbox.push_back(to_syslog(e, options, xml, hostname));
      }
      outbox_size = outbox.size();
      // Send what we can now; a collector that is down waits for its back-off.
      while (!outbox.empty() && std::chrono::steady_clock::now() >= next_attempt) {
        if (!stream && !udp && !co_await connect()) {
          disconnect();
          break;
        }
        if (!co_await send(outbox.front())) {
          disconnect();
          break;
        }
        outbox.pop_front();
        outbox_size = outbox.size();
        ++sent;
        backoff = kBackoffFirst;
      }
      bool more = false;
      {
        std::lock_guard lock(mu);
        writer_busy = false;
        more = !queue.empty();
        if (stopping && !more && outbox.empty()) break;
      }
      idle_cv.notify_all();
      if (more) continue;
      if (outbox.empty()) {
        wake.expires_at(std::chrono::steady_clock::time_point::max());
      } else {
        wake.expires_at(next_attempt);
      }
      std::error_code ec;
      co_await wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      {
        // Stopping with a collector still down: what cannot be sent now is dropped.
        std::lock_guard lock(mu);
        if (stopping && queue.empty() && std::chrono::steady_clock::now() < next_attempt) break;
      }
    }
    dropped += outbox.size();
    outbox.clear();
    outbox_size = 0;
    if (stream) stream->close();
    {
      std::lock_guard lock(mu);
      writer_busy = false;
    }
    idle_cv.notify_all();
    guard.reset();
  }
};

Logger::Logger(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Logger::~Logger() {
  if (!impl_) return;
  flush();
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  asio::post(impl_->io, [impl = impl_] { impl->wake.cancel(); });
  if (impl_->thread.joinable()) impl_->thread.join();
}

Result<std::unique_ptr<Logger>> Logger::open(const Options& options, asio::io_context& /*io*/) {
  // The relay's io_context is deliberately not used: file and socket writes run on the
  // logger's own thread so that a slow disk or collector never delays a PDU.
  auto impl = std::make_shared<Impl>();
  impl->options = options;
  if (impl->options.queue_limit == 0) impl->options.queue_limit = 1;
  auto target = parse_url(options.syslog_url);
  if (!target) return target.error();
  impl->target = *target;
  if (!options.jsonl_path.empty()) {
    impl->jsonl.open(options.jsonl_path, std::ios::app);
    if (!impl->jsonl)
      return make_error(fmt::format("audit: cannot open {} for appending", options.jsonl_path));
  }
  if (impl->target.transport == Transport::Tls) {
    impl->tls_ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    std::error_code ec;
    impl->tls_ctx->set_verify_mode(asio::ssl::verify_peer, ec);
    SSL_CTX_set_min_proto_version(impl->tls_ctx->native_handle(), TLS1_2_VERSION);
    if (!options.tls_ca.empty()) {
      impl->tls_ctx->load_verify_file(options.tls_ca, ec);
      if (ec)
        return make_error(
            fmt::format("audit: cannot load CA file {}: {}", options.tls_ca, ec.message()));
    } else {
      impl->tls_ctx->set_default_verify_paths(ec);
    }
    if (options.tls_cert.empty() != options.tls_key.empty())
      return make_error(
          "audit: a client certificate for the collector needs both the certificate and the key");
    if (!options.tls_cert.empty()) {
      impl->tls_ctx->use_certificate_chain_file(options.tls_cert, ec);
      if (ec)
        return make_error(
            fmt::format("audit: cannot load certificate {}: {}", options.tls_cert, ec.message()));
      impl->tls_ctx->use_private_key_file(options.tls_key, asio::ssl::context::pem, ec);
      if (ec)
        return make_error(
            fmt::format("audit: cannot load key {}: {}", options.tls_key, ec.message()));
    }
  }
  impl->thread = std::thread([impl] {
    asio::co_spawn(impl->io, impl->run(), asio::detached);
    impl->io.run();
  });
  return std::unique_ptr<Logger>(new Logger(std::move(impl)));
}

void Logger::emit(Event event) {
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopping || impl_->queue.size() >= impl_->options.queue_limit) {
      ++impl_->dropped;
      return;
    }
    impl_->queue.push_back(std::move(event));
  }
  impl_->notify();
}

std::uint64_t Logger::dropped() const { return impl_->dropped.load(); }
std::uint64_t Logger::sent() const { return impl_->sent.load(); }

void Logger::flush() {
  impl_->notify();
  std::unique_lock lock(impl_->mu);
  impl_->idle_cv.wait_for(lock, std::chrono::seconds(2), [this] { return impl_->idle_locked(); });
}

}  // namespace dicomsec::audit
