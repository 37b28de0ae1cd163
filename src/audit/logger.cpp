#include <asio/io_context.hpp>
#include <atomic>

#include "audit/audit.hpp"

namespace dicomsec::audit {

struct Logger::Impl {
  std::atomic<std::uint64_t> dropped{0}, sent{0};
};

Logger::Logger(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
Logger::~Logger() = default;

Result<std::unique_ptr<Logger>> Logger::open(const Options&, asio::io_context&) {
  return std::unique_ptr<Logger>(new Logger(std::make_shared<Impl>()));
}

void Logger::emit(Event) {}
std::uint64_t Logger::dropped() const { return impl_->dropped.load(); }
std::uint64_t Logger::sent() const { return impl_->sent.load(); }
void Logger::flush() {}

}  // namespace dicomsec::audit
