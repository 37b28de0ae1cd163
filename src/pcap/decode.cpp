#include "pcap/decode.hpp"

namespace dicomsec::pcap {
struct Decoder::Fragments {};
bool link_type_supported(int) noexcept { return false; }
std::string link_type_name(int lt) { return "linktype " + std::to_string(lt); }
Decoder::Decoder(int link_type, FragmentLimits) : link_type_(link_type) {}
Decoder::~Decoder() = default;
Decoder::Decoder(Decoder&&) noexcept = default;
Decoder& Decoder::operator=(Decoder&&) noexcept = default;
Result<Decoded> Decoder::decode(std::span<const std::uint8_t>, std::int64_t) {
  return make_error("not implemented");
}
}  // namespace dicomsec::pcap
