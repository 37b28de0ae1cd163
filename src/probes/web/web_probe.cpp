#include "probes/web/web_probe.hpp"

#include <httplib.h>

#include <asio/co_spawn.hpp>
#include <asio/thread_pool.hpp>
#include <asio/use_awaitable.hpp>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "core/version.hpp"
#include "probes/connect.hpp"
#include "probes/web/body.hpp"
#include "probes/web/tables.hpp"

namespace dicomsec::probes::web {

using Clock = std::chrono::steady_clock;

// Shuts the socket of any client whose target passed its deadline. cpp-httplib's timeouts
// are per read; a peer dripping header lines could otherwise hold a worker thread for ever.
class WebRunner::Watchdog {
 public:
  Watchdog() : thread_([this] { loop(); }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  std::uint64_t watch(httplib::ClientImpl* client, Clock::time_point deadline,
                      std::atomic<bool>* fired) {
    std::lock_guard lock(mu_);
    const auto id = ++next_;
    entries_.emplace(id, Entry{client, deadline, fired});
    return id;
  }
  // After this returns the watchdog no longer touches the client.
  void unwatch(std::uint64_t id) {
    std::lock_guard lock(mu_);
    entries_.erase(id);
  }

 private:
  struct Entry {
    httplib::ClientImpl* client;
    Clock::time_point deadline;
    std::atomic<bool>* fired;
  };

  void loop() {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      cv_.wait_for(lock, std::chrono::milliseconds(50));
      const auto now = Clock::now();
      for (auto it = entries_.begin(); it != entries_.end();) {
        if (it->second.deadline <= now) {
          it->second.fired->store(true);
          it->second.client->stop();  // shuts the socket; the blocked read returns
          it = entries_.erase(it);
        } else {
          ++it;
        }
      }
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::uint64_t, Entry> entries_;
  std::uint64_t next_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

WebRunner::WebRunner(unsigned threads)
    : pool_(std::make_unique<asio::thread_pool>(std::max(1U, threads))),
      watchdog_(std::make_unique<Watchdog>()) {}

WebRunner::~WebRunner() {
  pool_->join();
  watchdog_.reset();
}

asio::thread_pool& WebRunner::pool() { return *pool_; }
WebRunner::Watchdog& WebRunner::watchdog() { return *watchdog_; }

namespace {

struct Answer {
  int status = 0;  // 0: no HTTP answer
  httplib::Error error = httplib::Error::Success;
  std::optional<std::string> server;
  std::string body;  // only for System and Count paths, at most kMaxBody
  bool truncated = false;
  std::chrono::milliseconds took{0};
};

struct Session {
  std::string host;
  std::uint16_t port = 0;
  bool https = false;
  const WebProbeOptions* o = nullptr;
  WebRunner::Watchdog* watchdog = nullptr;
  Clock::time_point deadline;
  std::atomic<bool> fired{false};
  std::size_t requests = 0;
  std::unique_ptr<httplib::ClientImpl> client;
  std::uint64_t watch_id = 0;

  void open() {
    close();
    if (https) {
      auto c = std::make_unique<httplib::SSLClient>(host, port);
      // Auditing, not trusting: self-signed certificates are the norm on PACS, and we send
      // no secret the server could not already have (its own vendor's default). The record
      // says verification was skipped.
      c->enable_server_certificate_verification(false);
      client = std::move(c);
    } else {
      client = std::make_unique<httplib::ClientImpl>(host, port);
    }
    const auto io = o->io_timeout.count();
    client->set_connection_timeout(std::chrono::milliseconds(o->connect_timeout));
    client->set_read_timeout(std::chrono::milliseconds(io));
    client->set_write_timeout(std::chrono::milliseconds(io));
    client->set_keep_alive(true);
    client->set_follow_location(false);
    watch_id = watchdog->watch(client.get(), deadline, &fired);
  }
  void close() {
    if (!client) return;
    watchdog->unwatch(watch_id);
    client->stop();
    client.reset();
  }
  ~Session() { close(); }

  Answer get(const PathEntry& p, const DefaultCredential* cred) {
    Answer a;
    // The hard bound of tables.hpp, whatever the loops above us do.
    if (fired || Clock::now() >= deadline || ++requests > max_requests_per_target()) {
      a.error = httplib::Error::Canceled;
      return a;
    }
    httplib::Headers headers{
        {"User-Agent", std::string("dicomsec/") + kVersion + " (security audit)"},
        {"Accept", "application/dicom+json, application/json"}};
    if (cred)
      headers.emplace(httplib::make_basic_authentication_header(std::string(cred->user),
                                                                std::string(cred->password)));
    const bool keep = p.kind != PathKind::Presence;
    const auto t0 = Clock::now();
    auto res = client->Get(
        std::string(p.path), headers,
        [&](const httplib::Response& r) {
          a.status = r.status;
          if (r.has_header("Server")) a.server = header_value(r.get_header_value("Server"));
          return true;
        },
        [&](const char* data, std::size_t n) {
          if (!keep) return true;  // read and dropped; the status is all we record
          const std::size_t cap = p.kind == PathKind::Page ? kMaxPage : kMaxBody;
          if (a.body.size() + n > cap) {
            a.body.append(data, cap - a.body.size());
            a.truncated = true;
            return false;
          }
          a.body.append(data, n);
          return true;
        });
    a.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
    a.error = res.error();
    if (a.error != httplib::Error::Success && !a.truncated) a.body.clear();
    return a;
  }
};

bool ok_status(int s) { return s >= 200 && s < 300; }

std::string error_name(httplib::Error e) {
  switch (e) {
    case httplib::Error::Connection:
      return "connect failed";
    case httplib::Error::ConnectionTimeout:
      return "connect timed out";
    case httplib::Error::Read:
      return "no parsable HTTP response";
    case httplib::Error::Write:
      return "request could not be sent";
    case httplib::Error::SSLConnection:
      return "TLS handshake failed";
    case httplib::Error::Canceled:
      return "stopped";
    default:
      return httplib::to_string(e);
  }
}

record::Status failure_status(const Answer& a, const WebProbeOptions& o) {
  switch (a.error) {
    case httplib::Error::Connection:
      return record::Status::ConnectionRefused;
    case httplib::Error::ConnectionTimeout:
      return record::Status::ConnectionTimeout;
    case httplib::Error::SSLConnection:
    case httplib::Error::SSLServerVerification:
      return record::Status::TlsError;
    case httplib::Error::Canceled:
      return record::Status::IoTimeout;
    default:
      break;
  }
  return a.took >= o.io_timeout ? record::Status::IoTimeout : record::Status::ProtocolError;
}

// Fills one endpoint row and folds its meaning into the record. Bodies die here.
void take(record::WebRecord& w, const PathEntry& p, const DefaultCredential* cred, Answer& a) {
  record::WebEndpointRecord e;
  e.url_path = std::string(p.path);
  e.http_status = a.status;
  e.auth = cred ? "default:" + std::string(cred->user) : "none";
  if (a.server && !w.server) w.server = a.server;
  if (ok_status(a.status)) {
    if (p.kind == PathKind::Count) {
      if (auto n = count_json_array(a.body, a.truncated)) {
        e.count = n->count;
        e.capped = n->capped;
        if (!cred)
          w.open = true;
        else
          w.default_credentials_user = std::string(cred->user);
      }
    } else if (p.kind == PathKind::System) {
      if (auto v = orthanc_version(a.body)) {
        w.product = "Orthanc " + *v;
        // Version disclosure alone is not data exposure: `open` needs a counted list.
        if (cred) w.default_credentials_user = std::string(cred->user);
      }
    }
  } else if (!cred && p.kind != PathKind::Presence && p.kind != PathKind::Page &&
             (a.status == 401 || a.status == 403)) {
    w.requires_auth = true;
  }
  if (p.kind == PathKind::Page && a.status != 0 && !cred) {
    // Issue 12 §3: the title (printable, capped) and whether a login form is shown.
    const auto facts = page_facts(a.body);
    w.title = facts.title;
    w.login_page = facts.login_form;
  }
  std::string().swap(a.body);
  w.endpoints.push_back(std::move(e));
}

// One scheme: every path without credentials; then, where a path asked for authentication
// (401), each default credential until one works. The first request decides whether the
// peer speaks HTTP at all over this scheme.
WebOutcome run_scheme(Session& s) {
  WebOutcome out;
  s.open();
  record::WebRecord w;
  w.https = s.https;
  if (s.https) w.tls_verification = "skipped";
  std::vector<const PathEntry*> challenged;
  bool first = true;
  for (const auto& p : paths()) {
    auto a = s.get(p, nullptr);
    if (a.status == 0) {
      if (first) {
        out.status = s.fired ? record::Status::IoTimeout : failure_status(a, *s.o);
        out.detail = std::string(s.https ? "https" : "http") + " (" +
                     (s.fired                                   ? std::string("deadline passed")
                      : out.status == record::Status::IoTimeout ? std::string("no answer in time")
                                                                : error_name(a.error)) +
                     ")";
        return out;
      }
      if (s.fired) break;
      s.open();  // the server closed on us; a fresh connection for the next path
    }
    first = false;
    if (a.status == 401 && p.kind != PathKind::Page) challenged.push_back(&p);
    take(w, p, nullptr, a);
  }
  if (s.o->try_default_credentials && !s.fired) {
    for (const auto& cred : default_credentials()) {
      for (const auto* p : challenged) {
        auto a = s.get(*p, &cred);
        if (a.status == 0) {
          if (s.fired) break;
          s.open();
        }
        take(w, *p, &cred, a);
      }
      if (w.default_credentials_user || s.fired) break;
    }
  }
  if (s.fired) out.detail = "web probe deadline passed; endpoints after it untested";
  out.web = std::move(w);
  s.close();
  return out;
}

WebOutcome run_blocking(const std::string& host, std::uint16_t port, const WebProbeOptions& o,
                        WebRunner::Watchdog& watchdog) {
  Session s;
  s.host = host;
  s.port = port;
  s.o = &o;
  s.watchdog = &watchdog;
  // The deadline starts when a worker picks the target up, not while it waits in the queue.
  s.deadline = Clock::now() + 4 * o.io_timeout;
  s.https = https_first(port);
  auto out = run_scheme(s);
  if (out.web) return out;
  if (s.fired || out.status == record::Status::ConnectionRefused ||
      out.status == record::Status::ConnectionTimeout) {
    out.detail = "no HTTP answer over " + out.detail;
    return out;
  }
  // No HTTP over the first scheme: try the other one once (TLS on 8042, plain HTTP on 443).
  s.https = !s.https;
  s.fired = false;
  auto other = run_scheme(s);
  if (other.web) return other;
  out.detail = "no HTTP answer over " + out.detail + " or " + other.detail;
  return out;
}

asio::awaitable<WebOutcome> offloaded(std::string host, std::uint16_t port, WebProbeOptions o,
                                      WebRunner::Watchdog* watchdog) {
  co_return run_blocking(host, port, o, *watchdog);
}

}  // namespace

asio::awaitable<WebOutcome> web_check(asio::any_io_executor ex, asio::ip::tcp::endpoint target,
                                      const WebProbeOptions& o, WebRunner& runner) {
  WebOutcome out;
  // The connect on the event loop: closed and filtered ports never reach the thread pool.
  auto connected = co_await connect_with_retries(ex, target, o.connect_timeout, o.retries);
  connected.conn->close();  // cpp-httplib opens its own; this one only proved the port listens
  const auto& c = connected.result;
  out.connect_ms = connected.connect_ms;
  if (!c.ok()) {
    out.status = connect_failure_status(c.error);
    out.detail = net::error_text(c);
    co_return out;
  }
  auto connect_ms = out.connect_ms;
  out = co_await asio::co_spawn(
      runner.pool(), offloaded(target.address().to_string(), target.port(), o, &runner.watchdog()),
      asio::use_awaitable);
  out.connect_ms = connect_ms;
  co_return out;
}

}  // namespace dicomsec::probes::web
