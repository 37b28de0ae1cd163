#include "net/connection.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/buffer.hpp>
#include <asio/error.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ssl/context.hpp>
#include <asio/ssl/error.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <cerrno>

namespace dicomsec::net {

namespace {
constexpr auto kNoThrow = asio::experimental::as_tuple(asio::use_awaitable);

// The completion token of one direction's operation: its own cancellation slot (the timer
// emits on it), errors as values.
auto token(asio::cancellation_signal& s) {
  return asio::bind_cancellation_slot(s.slot(), kNoThrow);
}

// While one operation runs, a cancellation of the calling coroutine (the engine aborting
// probes at a second Ctrl-C) is passed on to the operation's own signal: the operation's
// token binds that signal's slot, so the coroutine's would never reach it otherwise.
class ForwardCancel {
 public:
  ForwardCancel(const asio::cancellation_state& state, asio::cancellation_signal& own)
      : slot_(state.slot()) {
    if (slot_.is_connected())
      slot_.assign([&own](asio::cancellation_type type) { own.emit(type); });
  }
  ~ForwardCancel() {
    if (slot_.is_connected()) slot_.clear();
  }
  ForwardCancel(const ForwardCancel&) = delete;
  ForwardCancel& operator=(const ForwardCancel&) = delete;

 private:
  asio::cancellation_slot slot_;
};

IoResult classify(const std::error_code& ec, std::size_t n, bool timed_out) {
  IoResult r{IoError::None, n, ec};
  if (!ec) return r;
  if (timed_out && ec == asio::error::operation_aborted)
    r.error = IoError::Timeout;
  else if (ec == asio::error::connection_refused)
    r.error = IoError::Refused;
  else if (ec == asio::error::eof)
    r.error = IoError::Closed;
  // The peer closed the TCP connection under TLS without close_notify.
  else if (ec == asio::ssl::error::stream_truncated)
    r.error = IoError::Closed;
  else if (ec == asio::error::connection_reset || ec == asio::error::broken_pipe)
    r.error = IoError::Reset;
  else if (ec == asio::error::host_unreachable || ec == asio::error::network_unreachable)
    r.error = IoError::Unreachable;
  else if (ec == asio::error::timed_out)
    r.error = IoError::Timeout;
  else if (is_local_error(ec))
    r.error = IoError::Local;
  else
    r.error = IoError::Other;
  return r;
}

IoResult invalid() {
  return IoResult{IoError::Other, 0, std::make_error_code(std::errc::invalid_argument)};
}
}  // namespace

struct Connection::TlsLayer {
  TlsLayer(asio::ip::tcp::socket&& socket, std::shared_ptr<asio::ssl::context> ctx)
      : context(std::move(ctx)), stream(std::move(socket), *context) {}
  std::shared_ptr<asio::ssl::context> context;
  asio::ssl::stream<asio::ip::tcp::socket> stream;
};

Connection::Connection(const asio::any_io_executor& ex)
    : socket_(ex), channels_{Channel(ex), Channel(ex)} {}

Connection::~Connection() = default;

std::shared_ptr<Connection> Connection::make(const asio::any_io_executor& ex) {
  return std::shared_ptr<Connection>(new Connection(ex));
}

asio::ip::tcp::socket& Connection::socket() { return tls_ ? tls_->stream.next_layer() : socket_; }

ssl_st* Connection::tls_handle() const { return tls_ ? tls_->stream.native_handle() : nullptr; }

bool is_tls_error(const IoResult& r) {
  return r.code && (r.code.category() == asio::error::get_ssl_category() ||
                    r.code.category() == asio::ssl::error::get_stream_category());
}

bool is_local_error(const std::error_code& ec) {
  // Asio reports socket errors in its own "asio.system" category, with errno values.
  if (ec.category() != asio::error::get_system_category() &&
      ec.category() != std::system_category() && ec.category() != std::generic_category())
    return false;
  const int e = ec.value();
  return e == EMFILE || e == ENFILE || e == EADDRNOTAVAIL || e == ENOBUFS;
}

std::string error_text(const IoResult& r) {
  if (r.error != IoError::Local) return r.code.message();
  const char* name = r.code.value() == EMFILE          ? "EMFILE"
                     : r.code.value() == ENFILE        ? "ENFILE"
                     : r.code.value() == EADDRNOTAVAIL ? "EADDRNOTAVAIL"
                                                       : "ENOBUFS";
  return std::string(name) + ": " + r.code.message();
}

void Connection::arm(Direction d, Millis timeout) {
  auto& ch = channels_[d];
  const auto gen = ++ch.generation;
  ch.timed_out = false;
  ch.timer.expires_after(timeout);
  ch.timer.async_wait([self = shared_from_this(), d, gen](const std::error_code& ec) {
    auto& c = self->channels_[d];
    if (ec || gen != c.generation) return;  // cancelled, or a later operation owns it
    c.timed_out = true;
    // Only this direction's operation: the other one goes on.
    c.cancel.emit(asio::cancellation_type::terminal);
  });
}

IoResult Connection::finish(Direction d, const std::error_code& ec, std::size_t n) {
  auto& ch = channels_[d];
  ++ch.generation;
  ch.timer.cancel();
  return classify(ec, n, ch.timed_out);
}

asio::awaitable<IoResult> Connection::connect(asio::ip::tcp::endpoint ep, Millis timeout) {
  std::error_code ec;
  socket_.open(ep.protocol(), ec);
  if (ec) co_return IoResult{is_local_error(ec) ? IoError::Local : IoError::Other, 0, ec};
  arm(kRead, timeout);
  const ForwardCancel forward(co_await asio::this_coro::cancellation_state,
                              channels_[kRead].cancel);
  auto [cec] = co_await socket_.async_connect(ep, token(channels_[kRead].cancel));
  auto r = finish(kRead, cec, 0);
  // Our PDUs are small request/response turns: send each at once (after the connect, so a
  // refused connect in a sweep costs one system call less).
  if (r.ok()) socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  co_return r;
}

asio::awaitable<IoResult> Connection::read_some(std::span<std::uint8_t> buf, Millis timeout) {
#ifdef TCP_QUICKACK
  // Acknowledge at once: DCMTK sends a response as two segments and the second waits for
  // our ACK, which Linux would delay ~40 ms — per C-ECHO. Linux clears the flag itself, so
  // it is set before every read.
  const int one = 1;
  ::setsockopt(socket().native_handle(), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
#endif
  arm(kRead, timeout);
  const ForwardCancel forward(co_await asio::this_coro::cancellation_state,
                              channels_[kRead].cancel);
  auto& cancel = channels_[kRead].cancel;
  if (tls_) {
    auto [ec, n] =
        co_await tls_->stream.async_read_some(asio::buffer(buf.data(), buf.size()), token(cancel));
    co_return finish(kRead, ec, n);
  }
  auto [ec, n] =
      co_await socket_.async_read_some(asio::buffer(buf.data(), buf.size()), token(cancel));
  co_return finish(kRead, ec, n);
}

asio::awaitable<IoResult> Connection::write_all(std::span<const std::uint8_t> data,
                                                Millis timeout) {
  arm(kWrite, timeout);
  const ForwardCancel forward(co_await asio::this_coro::cancellation_state,
                              channels_[kWrite].cancel);
  auto& cancel = channels_[kWrite].cancel;
  if (tls_) {
    auto [ec, n] = co_await asio::async_write(tls_->stream, asio::buffer(data.data(), data.size()),
                                              token(cancel));
    co_return finish(kWrite, ec, n);
  }
  auto [ec, n] =
      co_await asio::async_write(socket_, asio::buffer(data.data(), data.size()), token(cancel));
  co_return finish(kWrite, ec, n);
}

asio::awaitable<IoResult> Connection::handshake(bool server,
                                                std::shared_ptr<asio::ssl::context> context,
                                                Millis timeout,
                                                std::function<void(ssl_st*)> configure) {
  if (tls_ || !context || !socket_.is_open()) co_return invalid();
  tls_ = std::make_unique<TlsLayer>(std::move(socket_), std::move(context));
  if (configure) configure(tls_->stream.native_handle());
  arm(kRead, timeout);
  const ForwardCancel forward(co_await asio::this_coro::cancellation_state,
                              channels_[kRead].cancel);
  auto [ec] = co_await tls_->stream.async_handshake(
      server ? asio::ssl::stream_base::server : asio::ssl::stream_base::client,
      token(channels_[kRead].cancel));
  co_return finish(kRead, ec, 0);
}

asio::awaitable<IoResult> Connection::start_tls(std::shared_ptr<asio::ssl::context> context,
                                                Millis timeout,
                                                std::function<void(ssl_st*)> configure) {
  co_return co_await handshake(false, std::move(context), timeout, std::move(configure));
}

asio::awaitable<IoResult> Connection::accept_tls(std::shared_ptr<asio::ssl::context> context,
                                                 Millis timeout,
                                                 std::function<void(ssl_st*)> configure) {
  co_return co_await handshake(true, std::move(context), timeout, std::move(configure));
}

asio::awaitable<IoResult> Connection::shutdown_tls(Millis timeout) {
  if (!tls_) co_return invalid();
  arm(kRead, timeout);
  const ForwardCancel forward(co_await asio::this_coro::cancellation_state,
                              channels_[kRead].cancel);
  auto [ec] = co_await tls_->stream.async_shutdown(token(channels_[kRead].cancel));
  co_return finish(kRead, ec, 0);
}

void Connection::close() {
  std::error_code ignored;
  for (auto& ch : channels_) {
    ++ch.generation;
    ch.timer.cancel();
  }
  auto& s = socket();
  if (s.is_open()) {
    s.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    s.close(ignored);
  }
}

// --- Listener --------------------------------------------------------------------------------

std::shared_ptr<Listener> Listener::open(const asio::any_io_executor& ex,
                                         const asio::ip::tcp::endpoint& ep, std::error_code& error,
                                         int backlog) {
  std::shared_ptr<Listener> l(new Listener(ex));
  auto& a = l->acceptor_;
  a.open(ep.protocol(), error);
  if (!error) a.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) a.bind(ep, error);
  if (!error) a.listen(backlog, error);
  return error ? nullptr : l;
}

asio::ip::tcp::endpoint Listener::local_endpoint() const {
  std::error_code ignored;
  return acceptor_.local_endpoint(ignored);
}

asio::awaitable<std::pair<IoResult, std::shared_ptr<Connection>>> Listener::accept(Millis timeout) {
  auto conn = Connection::make(acceptor_.get_executor());
  conn->arm(Connection::kRead, timeout);
  auto [ec] = co_await acceptor_.async_accept(conn->socket_,
                                              token(conn->channels_[Connection::kRead].cancel));
  auto r = conn->finish(Connection::kRead, ec, 0);
  if (!r.ok()) {
    conn->close();
    co_return std::pair{r, std::shared_ptr<Connection>()};
  }
  std::error_code ignored;
  conn->socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
  co_return std::pair{r, std::move(conn)};
}

void Listener::close() {
  std::error_code ignored;
  if (acceptor_.is_open()) acceptor_.close(ignored);
}

}  // namespace dicomsec::net
