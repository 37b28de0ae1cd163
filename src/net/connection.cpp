#include "net/connection.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <asio/bind_cancellation_slot.hpp>
#include <asio/buffer.hpp>
#include <asio/error.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ssl/context.hpp>
#include <asio/ssl/error.hpp>
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

// OpenSSL's read-ahead buffer: one recv() takes up to four full records (a bulk transfer
// made two recv() calls per record without read-ahead). Freed while idle (RELEASE_BUFFERS).
constexpr std::size_t kTlsReadAhead = 64U << 10;

IoResult invalid() {
  return IoResult{IoError::Other, 0, std::make_error_code(std::errc::invalid_argument)};
}
}  // namespace

namespace {

// The socket BIO's state: the descriptor, and what the last recv()/send() saw.
struct BioState {
  int fd = -1;
  bool eof = false;    // recv() returned 0: BIO_eof, so OpenSSL reports an unexpected EOF
  int last_errno = 0;  // of the last failed recv()/send()
};

int bio_write(BIO* b, const char* data, int n) {
  auto* t = static_cast<BioState*>(BIO_get_data(b));
  BIO_clear_retry_flags(b);
  const auto r = ::send(t->fd, data, static_cast<std::size_t>(n), MSG_NOSIGNAL);
  if (r < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
      BIO_set_retry_write(b);
    else
      t->last_errno = errno;
    return -1;
  }
  return static_cast<int>(r);
}

int bio_read(BIO* b, char* data, int n) {
  auto* t = static_cast<BioState*>(BIO_get_data(b));
  BIO_clear_retry_flags(b);
  const auto r = ::recv(t->fd, data, static_cast<std::size_t>(n), 0);
  if (r < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
      BIO_set_retry_read(b);
    else
      t->last_errno = errno;
    return -1;
  }
  if (r == 0) t->eof = true;
  return static_cast<int>(r);
}

long bio_ctrl(BIO* b, int cmd, long /*num*/, void* ptr) {  // NOLINT(google-runtime-int)
  auto* t = static_cast<BioState*>(BIO_get_data(b));
  switch (cmd) {
    case BIO_CTRL_FLUSH:
    case BIO_CTRL_DUP:
      return 1;
    case BIO_CTRL_EOF:
      return t->eof ? 1 : 0;
    case BIO_C_GET_FD:
      if (ptr != nullptr) *static_cast<int*>(ptr) = t->fd;
      return t->fd;
    default:
      return 0;
  }
}

int bio_create(BIO* b) {
  BIO_set_init(b, 1);
  return 1;
}

const BIO_METHOD* socket_bio_method() {
  static BIO_METHOD* m = [] {
    auto* bm = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "dicomsec socket");
    BIO_meth_set_write(bm, bio_write);
    BIO_meth_set_read(bm, bio_read);
    BIO_meth_set_ctrl(bm, bio_ctrl);
    BIO_meth_set_create(bm, bio_create);
    return bm;
  }();
  return m;
}

// What an OpenSSL call that returned `ret` <= 0 means, as Asio's SSL stream reported it (so
// classify and is_tls_error keep their meaning).
std::error_code tls_failure(SSL* ssl, int ret, int sys_errno) {
  const int e = SSL_get_error(ssl, ret);
  if (e == SSL_ERROR_ZERO_RETURN) return asio::error::eof;
  if (e == SSL_ERROR_SSL) {
    const auto err = ERR_peek_error();
    if (ERR_GET_LIB(err) == ERR_LIB_SSL &&
        ERR_GET_REASON(err) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
      ERR_clear_error();
      return asio::ssl::error::stream_truncated;  // TCP closed without close_notify
    }
    return {static_cast<int>(ERR_get_error()), asio::error::get_ssl_category()};
  }
  if (e == SSL_ERROR_SYSCALL) {
    if (const auto err = ERR_get_error(); err != 0)
      return {static_cast<int>(err), asio::error::get_ssl_category()};
    if (sys_errno != 0) return {sys_errno, asio::error::get_system_category()};
    return asio::ssl::error::stream_truncated;
  }
  return asio::ssl::error::unexpected_result;
}

}  // namespace

// TLS straight on the socket: OpenSSL reads and writes the descriptor itself through a small
// BIO (recv/send with MSG_NOSIGNAL), and the coroutine waits for readiness with
// socket.async_wait when OpenSSL wants more. No asio::ssl::stream: it keeps two fixed ~17 KB
// buffers and a BIO pair (two more) per connection even when idle, and copies every record
// twice. With SSL_MODE_RELEASE_BUFFERS an idle TLS connection here holds only the SSL object.
struct Connection::TlsLayer {
  TlsLayer(int descriptor, std::shared_ptr<asio::ssl::context> ctx) : context(std::move(ctx)) {
    bio.fd = descriptor;
  }
  ~TlsLayer() {
    if (ssl != nullptr) SSL_free(ssl);  // frees the BIO too
  }
  TlsLayer(const TlsLayer&) = delete;
  TlsLayer& operator=(const TlsLayer&) = delete;

  std::shared_ptr<asio::ssl::context> context;
  SSL* ssl = nullptr;
  BioState bio;
};

Connection::Connection(const asio::any_io_executor& ex)
    : socket_(ex), channels_{Channel(ex), Channel(ex)} {}

Connection::~Connection() = default;

std::shared_ptr<Connection> Connection::make(const asio::any_io_executor& ex) {
  return std::shared_ptr<Connection>(new Connection(ex));
}

asio::ip::tcp::socket& Connection::socket() { return socket_; }

ssl_st* Connection::tls_handle() const { return tls_ ? tls_->ssl : nullptr; }

asio::awaitable<IoResult> Connection::tls_io(Direction d, std::function<int(SSL*)> op) {
  auto& cancel = channels_[d].cancel;
  for (;;) {
    ERR_clear_error();
    tls_->bio.last_errno = 0;
    const int ret = op(tls_->ssl);
    if (ret > 0) co_return finish(d, {}, static_cast<std::size_t>(ret));
    const int e = SSL_get_error(tls_->ssl, ret);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      auto [ec] =
          co_await socket_.async_wait(e == SSL_ERROR_WANT_READ ? asio::ip::tcp::socket::wait_read
                                                               : asio::ip::tcp::socket::wait_write,
                                      token(cancel));
      if (ec) co_return finish(d, ec, 0);
      continue;
    }
    co_return finish(d, tls_failure(tls_->ssl, ret, tls_->bio.last_errno), 0);
  }
}

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
    if (buf.empty()) co_return finish(kRead, {}, 0);
    // One record per SSL_read; records already read ahead are taken too, up to buf.size().
    co_return co_await tls_io(kRead, [buf](SSL* ssl) {
      std::size_t total = 0;
      while (total < buf.size()) {
        std::size_t n = 0;
        const int r = SSL_read_ex(ssl, buf.data() + total, buf.size() - total, &n);
        if (r <= 0) return total > 0 ? static_cast<int>(total) : r;
        total += n;
        if (SSL_has_pending(ssl) == 0) break;
      }
      return static_cast<int>(total);
    });
  }
  auto [ec, n] =
      co_await socket_.async_read_some(asio::buffer(buf.data(), buf.size()), token(cancel));
  co_return finish(kRead, ec, n);
}

bool Connection::readable_now() const {
  if (tls_ && SSL_has_pending(tls_->ssl) != 0) return true;
  std::uint8_t byte = 0;
  const auto n = ::recv(const_cast<asio::ip::tcp::socket&>(socket_).native_handle(), &byte, 1,
                        MSG_PEEK | MSG_DONTWAIT);
  return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

asio::awaitable<IoResult> Connection::wait_readable(Millis timeout) {
  // The peek saw EAGAIN just now, so the next edge of the (edge-triggered) reactor is ours.
  if (!socket_.is_open() || readable_now()) co_return IoResult{};
  arm(kRead, timeout);
  const ForwardCancel forward(co_await asio::this_coro::cancellation_state,
                              channels_[kRead].cancel);
  auto [ec] =
      co_await socket_.async_wait(asio::ip::tcp::socket::wait_read, token(channels_[kRead].cancel));
  co_return finish(kRead, ec, 0);
}

asio::awaitable<IoResult> Connection::write_all(std::span<const std::uint8_t> data,
                                                Millis timeout) {
  arm(kWrite, timeout);
  const ForwardCancel forward(co_await asio::this_coro::cancellation_state,
                              channels_[kWrite].cancel);
  auto& cancel = channels_[kWrite].cancel;
  if (tls_) {
    std::size_t done = 0;
    while (done < data.size()) {
      // SSL_MODE_ENABLE_PARTIAL_WRITE: each call returns after at least one record.
      const auto chunk = std::min<std::size_t>(data.size() - done, 1U << 30);
      auto r = co_await tls_io(kWrite, [p = data.data() + done, chunk](SSL* ssl) {
        std::size_t n = 0;
        const int ok = SSL_write_ex(ssl, p, chunk, &n);
        return ok > 0 ? static_cast<int>(n) : ok;
      });
      if (!r.ok()) {
        r.bytes = done;
        co_return r;
      }
      done += r.bytes;
      if (done < data.size()) arm(kWrite, timeout);
    }
    co_return IoResult{IoError::None, done, {}};
  }
  auto [ec, n] =
      co_await asio::async_write(socket_, asio::buffer(data.data(), data.size()), token(cancel));
  co_return finish(kWrite, ec, n);
}

asio::awaitable<IoResult> Connection::write_all(std::span<const std::uint8_t> first,
                                                std::span<const std::uint8_t> second,
                                                Millis timeout) {
  if (first.empty()) co_return co_await write_all(second, timeout);
  if (second.empty() || tls_) {
    // TLS writes record by record anyway: one after the other.
    auto r = co_await write_all(first, timeout);
    if (!r.ok() || second.empty()) co_return r;
    auto r2 = co_await write_all(second, timeout);
    r2.bytes += r.bytes;
    co_return r2;
  }
  arm(kWrite, timeout);
  const ForwardCancel forward(co_await asio::this_coro::cancellation_state,
                              channels_[kWrite].cancel);
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(first.data(), first.size()),
                                                  asio::buffer(second.data(), second.size())};
  auto [ec, n] = co_await asio::async_write(socket_, buffers, token(channels_[kWrite].cancel));
  co_return finish(kWrite, ec, n);
}

asio::awaitable<IoResult> Connection::handshake(bool server,
                                                std::shared_ptr<asio::ssl::context> context,
                                                Millis timeout,
                                                std::function<void(ssl_st*)> configure) {
  if (tls_ || !context || !socket_.is_open()) co_return invalid();
  std::error_code ec;
  socket_.native_non_blocking(true, ec);
  if (ec) co_return IoResult{IoError::Other, 0, ec};
  auto layer = std::make_unique<TlsLayer>(socket_.native_handle(), std::move(context));
  layer->ssl = SSL_new(layer->context->native_handle());
  BIO* bio = layer->ssl != nullptr ? BIO_new(socket_bio_method()) : nullptr;
  if (bio == nullptr)
    co_return IoResult{IoError::Local, 0, std::make_error_code(std::errc::not_enough_memory)};
  BIO_set_data(bio, &layer->bio);
  SSL_set_bio(layer->ssl, bio, bio);
  // Record buffers only while a record is in flight; write() may return after a record.
  SSL_set_mode(layer->ssl, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                               SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // Read whole socket chunks (several records per recv) instead of header, then body.
  SSL_set_read_ahead(layer->ssl, 1);
  SSL_set_default_read_buffer_len(layer->ssl, kTlsReadAhead);
  if (server)
    SSL_set_accept_state(layer->ssl);
  else
    SSL_set_connect_state(layer->ssl);
  tls_ = std::move(layer);
  if (configure) configure(tls_->ssl);
  arm(kRead, timeout);
  const ForwardCancel forward(co_await asio::this_coro::cancellation_state,
                              channels_[kRead].cancel);
  co_return co_await tls_io(kRead, [](SSL* ssl) { return SSL_do_handshake(ssl); });
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
  // 0: our close_notify went out, the peer's is still to come (call again, as Asio did).
  co_return co_await tls_io(kRead, [](SSL* ssl) {
    const int r = SSL_shutdown(ssl);
    return r == 0 ? SSL_shutdown(ssl) : r;
  });
}

void Connection::close() {
  std::error_code ignored;
  for (auto& ch : channels_) {
    ++ch.generation;
    ch.timer.cancel();
  }
  auto& s = socket_;
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

void expect_peer_name(ssl_st* ssl, const std::string& name) {
  if (!ssl || name.empty()) return;
  // set1_ip_asc accepts exactly the address literals OpenSSL can match, and nothing else.
  if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str()) != 1) {
    SSL_set_tlsext_host_name(ssl, name.c_str());
    SSL_set1_host(ssl, name.c_str());
  }
  ERR_clear_error();  // a refused literal or SNI leaves nothing for the handshake to report
}

}  // namespace dicomsec::net
