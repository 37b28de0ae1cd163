#include "pcap/reassembly.hpp"

namespace dicomsec::pcap {
struct Reassembler::Impl {
  Stats stats;
};
Reassembler::Reassembler(FlowSink&, Limits) : impl_(std::make_unique<Impl>()) {}
Reassembler::~Reassembler() = default;
void Reassembler::feed(const TcpSegment&) {}
void Reassembler::expire(std::int64_t) {}
void Reassembler::finish(std::int64_t) {}
const Reassembler::Stats& Reassembler::stats() const noexcept { return impl_->stats; }
}  // namespace dicomsec::pcap
