#include "pcap/capture.hpp"

namespace dicomsec::pcap {
int exit_code(Failure f) noexcept {
  switch (f) {
    case Failure::None:
      return 0;
    case Failure::Truncated:
    case Failure::Io:
      return 3;
    default:
      return 2;
  }
}
struct CaptureSource::Impl {
  Stats stats;
  std::string error;
  Failure failure = Failure::None;
};
CaptureSource::CaptureSource(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CaptureSource::CaptureSource(CaptureSource&&) noexcept = default;
CaptureSource& CaptureSource::operator=(CaptureSource&&) noexcept = default;
CaptureSource::~CaptureSource() = default;
Result<CaptureSource> CaptureSource::open_file(const std::string&, Failure*) {
  return make_error("not implemented");
}
Result<CaptureSource> CaptureSource::open_live(const std::string&, const std::string&, int,
                                               Failure*) {
  return make_error("not implemented");
}
CaptureSource::Next CaptureSource::next(Packet&) { return Next::End; }
int CaptureSource::link_type() const noexcept { return 0; }
bool CaptureSource::live() const noexcept { return false; }
const CaptureSource::Stats& CaptureSource::stats() const noexcept { return impl_->stats; }
const std::string& CaptureSource::error() const noexcept { return impl_->error; }
Failure CaptureSource::failure() const noexcept { return impl_->failure; }
void CaptureSource::break_loop() noexcept {}
Result<RunStats> run(CaptureSource&, Reassembler&, const std::atomic<bool>&, const RunLimits&) {
  return make_error("not implemented");
}
}  // namespace dicomsec::pcap
