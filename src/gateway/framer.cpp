#include "gateway/framer.hpp"

namespace dicomsec::gateway {

std::optional<std::size_t> PduFramer::whole_length(ByteView header) {
  ByteReader r(header.first(6));
  r.skip(2);
  const std::uint32_t length = r.u32be().value_or(0);
  if (length > max_length_) {
    failed_ = true;
    error_ = "PDU (type 0x" + std::string(1, "0123456789abcdef"[header[0] >> 4]) +
             std::string(1, "0123456789abcdef"[header[0] & 15]) + ") claims " +
             std::to_string(length) + " bytes, more than the limit of " +
             std::to_string(max_length_);
    clear();
    return std::nullopt;
  }
  return std::size_t{6} + length;
}

void PduFramer::clear() {
  buf_.clear();
  // A large PDU's buffer is given back, so an idle association holds next to nothing.
  if (buf_.capacity() > (64U << 10)) Bytes().swap(buf_);
}

}  // namespace dicomsec::gateway
