#include "gateway/cert_store.hpp"

#include <asio/io_context.hpp>
#include <asio/ssl/context.hpp>
#include <mutex>

namespace dicomsec::gateway {

struct CertStore::Impl {
  TlsFiles files;
  Configure configure;
  mutable std::mutex mu;
  std::shared_ptr<asio::ssl::context> ctx;
  std::uint64_t generation = 0;
  std::string last_error;
};

CertStore::CertStore() : impl_(std::make_unique<Impl>()) {}
CertStore::~CertStore() = default;

Result<std::shared_ptr<CertStore>> CertStore::open(TlsFiles files, Configure configure) {
  std::shared_ptr<CertStore> store(new CertStore());
  store->impl_->files = std::move(files);
  store->impl_->configure = std::move(configure);
  auto r = store->reload();
  if (!r) return r.error();
  return store;
}

std::shared_ptr<asio::ssl::context> CertStore::current() const {
  std::lock_guard lock(impl_->mu);
  return impl_->ctx;
}

Result<void> CertStore::reload() {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  std::lock_guard lock(impl_->mu);
  impl_->ctx = std::move(ctx);
  ++impl_->generation;
  return {};
}

void CertStore::watch(asio::io_context&, std::chrono::milliseconds) {}
void CertStore::stop() {}
std::uint64_t CertStore::generation() const {
  std::lock_guard lock(impl_->mu);
  return impl_->generation;
}
std::string CertStore::last_error() const {
  std::lock_guard lock(impl_->mu);
  return impl_->last_error;
}

}  // namespace dicomsec::gateway
