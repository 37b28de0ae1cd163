// Certificate hot reload (issue 15 §4). See cert_store.hpp for the contract.
//
// A reload builds a whole new asio::ssl::context (the gateway's profile first, then the
// chain, the key, the key-matches-certificate check, the CA and the verification mode) and
// publishes it with one pointer swap under a mutex. Connections that already hold the old
// context's shared_ptr keep it, and the OpenSSL SSL objects of live sessions hold their
// own reference to the old SSL_CTX anyway, so nothing in flight is touched.
#include "gateway/cert_store.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/stat.h>

#include <array>
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/ssl/context.hpp>
#include <asio/steady_timer.hpp>
#include <mutex>

namespace dicomsec::gateway {
namespace {

// What we compare between polls: a renewal tool that writes in place changes mtime and
// size, one that renames a new file over the old changes the inode.
struct Stamp {
  bool exists = false;
  dev_t dev = 0;
  ino_t ino = 0;
  off_t size = 0;
  std::int64_t mtime_ns = 0;
  bool operator==(const Stamp&) const = default;
};

Stamp stamp_of(const std::string& path) {
  Stamp s;
  if (path.empty()) return s;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return s;
  s.exists = true;
  s.dev = st.st_dev;
  s.ino = st.st_ino;
  s.size = st.st_size;
  s.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return s;
}

std::string openssl_reason(const std::error_code& ec) {
  // asio's ssl category carries OpenSSL's reason; fall back to the queue.
  std::string text = ec.message();
  if (const unsigned long e = ERR_peek_last_error(); e != 0) {
    std::array<char, 256> buf{};
    ERR_error_string_n(e, buf.data(), buf.size());
    text = buf.data();
  }
  ERR_clear_error();
  return text;
}

}  // namespace

struct CertStore::Impl {
  TlsFiles files;
  Configure configure;
  mutable std::mutex mu;
  std::shared_ptr<asio::ssl::context> ctx;
  std::uint64_t generation = 0;
  std::string last_error;
  std::array<Stamp, 3> stamps{};
  std::function<void(const Result<void>&)> on_reload;

  // Watching (only on the io_context's thread).
  std::unique_ptr<asio::steady_timer> timer;
  std::unique_ptr<asio::signal_set> signals;
  std::chrono::milliseconds poll{1000};
  bool watching = false;
  std::function<void(const std::error_code&, int)> on_signal;
  std::function<void(const std::error_code&)> on_tick;

  std::array<Stamp, 3> current_stamps() const {
    return {stamp_of(files.cert), stamp_of(files.key), stamp_of(files.ca)};
  }
};

CertStore::CertStore() : impl_(std::make_unique<Impl>()) {}
CertStore::~CertStore() = default;

Result<std::shared_ptr<CertStore>> CertStore::open(TlsFiles files, Configure configure) {
  std::shared_ptr<CertStore> store(new CertStore());
  store->impl_->files = std::move(files);
  store->impl_->configure = std::move(configure);
  if (auto r = store->reload(); !r) return r.error();
  return store;
}

std::shared_ptr<asio::ssl::context> CertStore::current() const {
  std::lock_guard lock(impl_->mu);
  return impl_->ctx;
}

Result<void> CertStore::reload() {
  const TlsFiles& f = impl_->files;
  // Taken before reading, so a file that changes while we read triggers another reload.
  const auto stamps = impl_->current_stamps();
  auto fail = [&](std::string why) -> Result<void> {
    std::lock_guard lock(impl_->mu);
    impl_->last_error = why;
    impl_->stamps = stamps;
    return make_error(std::move(why));
  };

  ERR_clear_error();
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  if (impl_->configure) {
    if (auto r = impl_->configure(*ctx); !r) return fail("TLS profile: " + r.error().message);
  }
  std::error_code ec;
  ctx->use_certificate_chain_file(f.cert, ec);
  if (ec) return fail(fmt::format("certificate {}: {}", f.cert, openssl_reason(ec)));
  ctx->use_private_key_file(f.key, asio::ssl::context::pem, ec);
  if (ec) {
    const std::string why = openssl_reason(ec);
    // OpenSSL checks the key against the certificate already loaded: name the pair.
    if (why.find("key values mismatch") != std::string::npos)
      return fail(fmt::format("key {} does not match certificate {}", f.key, f.cert));
    return fail(fmt::format("key {}: {}", f.key, why));
  }
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    ERR_clear_error();
    return fail(fmt::format("key {} does not match certificate {}", f.key, f.cert));
  }
  if (!f.ca.empty()) {
    ctx->load_verify_file(f.ca, ec);
    if (ec) return fail(fmt::format("CA {}: {}", f.ca, openssl_reason(ec)));
    // The CA's subjects are what the server names in its CertificateRequest.
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(f.ca.c_str()); names != nullptr)
      SSL_CTX_set_client_CA_list(ctx->native_handle(), names);
  }
  if (f.require_client_cert) {
    if (f.ca.empty()) return fail("a client certificate is required but no CA file verifies it");
    ctx->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert, ec);
  } else if (!f.ca.empty()) {
    ctx->set_verify_mode(asio::ssl::verify_peer, ec);  // asked for, verified if given
  } else {
    ctx->set_verify_mode(asio::ssl::verify_none, ec);
  }
  if (ec) return fail(fmt::format("verification mode: {}", openssl_reason(ec)));

  std::lock_guard lock(impl_->mu);
  impl_->ctx = std::move(ctx);
  ++impl_->generation;
  impl_->last_error.clear();
  impl_->stamps = stamps;
  return {};
}

void CertStore::on_reload(std::function<void(const Result<void>&)> callback) {
  impl_->on_reload = std::move(callback);
}

void CertStore::watch(asio::io_context& io, std::chrono::milliseconds poll) {
  impl_->poll = poll.count() > 0 ? poll : std::chrono::milliseconds(1000);
  impl_->watching = true;
  impl_->timer = std::make_unique<asio::steady_timer>(io);
  impl_->signals = std::make_unique<asio::signal_set>(io, SIGHUP);
  std::weak_ptr<CertStore> weak = weak_from_this();

  auto reload_and_report = [weak] {
    auto self = weak.lock();
    if (!self) return;
    auto r = self->reload();
    if (self->impl_->on_reload) self->impl_->on_reload(r);
  };

  // SIGHUP: reload at once, then listen again. The handlers live in Impl and hold only a
  // weak pointer to the store, so a store that is destroyed stops watching.
  impl_->on_signal = [weak, reload_and_report](const std::error_code& ec, int) {
    auto self = weak.lock();
    if (ec || !self || !self->impl_->watching) return;
    reload_and_report();
    self->impl_->signals->async_wait(self->impl_->on_signal);
  };
  impl_->signals->async_wait(impl_->on_signal);

  // Polling: reload when any of the three files changed since the last attempt.
  impl_->on_tick = [weak, reload_and_report](const std::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || !self->impl_->watching) return;
    const auto now = self->impl_->current_stamps();
    bool changed = false;
    {
      std::lock_guard lock(self->impl_->mu);
      changed = now != self->impl_->stamps;
    }
    if (changed) reload_and_report();
    self->impl_->timer->expires_after(self->impl_->poll);
    self->impl_->timer->async_wait(self->impl_->on_tick);
  };
  impl_->timer->expires_after(impl_->poll);
  impl_->timer->async_wait(impl_->on_tick);
}

void CertStore::stop() {
  impl_->watching = false;
  if (impl_->timer) impl_->timer->cancel();
  if (impl_->signals) {
    std::error_code ec;
    impl_->signals->cancel(ec);
  }
}

std::uint64_t CertStore::generation() const {
  std::lock_guard lock(impl_->mu);
  return impl_->generation;
}

std::string CertStore::last_error() const {
  std::lock_guard lock(impl_->mu);
  return impl_->last_error;
}

}  // namespace dicomsec::gateway
