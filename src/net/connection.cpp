#include "net/connection.hpp"

#include <asio/buffer.hpp>
#include <asio/error.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ssl/context.hpp>
#include <asio/ssl/error.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <cerrno>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace dicomsec::net {

namespace {
constexpr auto kNoThrow = asio::experimental::as_tuple(asio::use_awaitable);
}

struct Connection::TlsLayer {
  TlsLayer(asio::ip::tcp::socket&& socket, std::shared_ptr<asio::ssl::context> ctx)
      : context(std::move(ctx)), stream(std::move(socket), *context) {}
  std::shared_ptr<asio::ssl::context> context;
  asio::ssl::stream<asio::ip::tcp::socket> stream;
};

Connection::Connection(const asio::any_io_executor& ex) : socket_(ex), timer_(ex) {}

Connection::~Connection() = default;

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

void Connection::arm(Millis timeout) {
  const auto gen = ++generation_;
  timed_out_ = false;
  timer_.expires_after(timeout);
  timer_.async_wait([self = shared_from_this(), gen](const std::error_code& ec) {
    if (ec || gen != self->generation_) return;  // cancelled, or a later operation owns it
    self->timed_out_ = true;
    std::error_code ignored;
    self->socket().cancel(ignored);
  });
}

IoResult Connection::finish(const std::error_code& ec, std::size_t n) {
  ++generation_;
  timer_.cancel();
  IoResult r{IoError::None, n, ec};
  if (!ec) return r;
  if (timed_out_ && ec == asio::error::operation_aborted) r.error = IoError::Timeout;
  else if (ec == asio::error::connection_refused) r.error = IoError::Refused;
  else if (ec == asio::error::eof) r.error = IoError::Closed;
  // The peer closed the TCP connection under TLS without close_notify.
  else if (ec == asio::ssl::error::stream_truncated) r.error = IoError::Closed;
  else if (ec == asio::error::connection_reset || ec == asio::error::broken_pipe)
    r.error = IoError::Reset;
  else if (ec == asio::error::host_unreachable || ec == asio::error::network_unreachable)
    r.error = IoError::Unreachable;
  else if (ec == asio::error::timed_out) r.error = IoError::Timeout;
  else if (is_local_error(ec)) r.error = IoError::Local;
  else r.error = IoError::Other;
  return r;
}

asio::awaitable<IoResult> Connection::connect(const asio::ip::tcp::endpoint& ep,
                                              Millis timeout) {
  std::error_code ec;
  socket_.open(ep.protocol(), ec);
  if (ec) co_return IoResult{is_local_error(ec) ? IoError::Local : IoError::Other, 0, ec};
  arm(timeout);
  auto [cec] = co_await socket_.async_connect(ep, kNoThrow);
  auto r = finish(cec, 0);
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
  arm(timeout);
  if (tls_) {
    auto [ec, n] =
        co_await tls_->stream.async_read_some(asio::buffer(buf.data(), buf.size()), kNoThrow);
    co_return finish(ec, n);
  }
  auto [ec, n] = co_await socket_.async_read_some(asio::buffer(buf.data(), buf.size()), kNoThrow);
  co_return finish(ec, n);
}

asio::awaitable<IoResult> Connection::write_all(std::span<const std::uint8_t> data,
                                                Millis timeout) {
  arm(timeout);
  if (tls_) {
    auto [ec, n] = co_await asio::async_write(tls_->stream,
                                              asio::buffer(data.data(), data.size()), kNoThrow);
    co_return finish(ec, n);
  }
  auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(data.data(), data.size()),
                                            kNoThrow);
  co_return finish(ec, n);
}

asio::awaitable<IoResult> Connection::start_tls(std::shared_ptr<asio::ssl::context> context,
                                                Millis timeout,
                                                const std::function<void(ssl_st*)>& configure) {
  if (tls_ || !context || !socket_.is_open())
    co_return IoResult{IoError::Other, 0, std::make_error_code(std::errc::invalid_argument)};
  tls_ = std::make_unique<TlsLayer>(std::move(socket_), std::move(context));
  if (configure) configure(tls_->stream.native_handle());
  arm(timeout);
  auto [ec] = co_await tls_->stream.async_handshake(asio::ssl::stream_base::client, kNoThrow);
  co_return finish(ec, 0);
}

asio::awaitable<IoResult> Connection::shutdown_tls(Millis timeout) {
  if (!tls_)
    co_return IoResult{IoError::Other, 0, std::make_error_code(std::errc::invalid_argument)};
  arm(timeout);
  auto [ec] = co_await tls_->stream.async_shutdown(kNoThrow);
  co_return finish(ec, 0);
}

void Connection::close() {
  std::error_code ignored;
  ++generation_;
  timer_.cancel();
  auto& s = socket();
  if (s.is_open()) {
    s.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    s.close(ignored);
  }
}

}  // namespace dicomsec::net
