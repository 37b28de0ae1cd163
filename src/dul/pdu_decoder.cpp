// Incremental PDU decoder (PS3.8 9.3.1 framing). Bytes are buffered until a whole PDU is
// present; the header is judged as soon as its 6 bytes arrive, so an unknown type or an
// oversized length fails at once instead of waiting for (or buffering) the body.
#include <utility>

#include "dul/pdu.hpp"
#include "dul/pdu_decode.hpp"
#include "dul/wire.hpp"

namespace dicomsec::dul {

PduDecoder::PduDecoder(Limits limits) : limits_(limits) {}

DecodeStatus PduDecoder::fail(std::string message) {
  failed_ = true;
  error_ = std::move(message);
  buf_.clear();
  pos_ = 0;
  return DecodeStatus::Error;
}

void PduDecoder::feed(ByteView bytes) {
  if (failed_ || bytes.empty()) return;
  // Drop consumed bytes before growing, so the buffer holds at most one partial PDU plus
  // whatever the caller fed since the last next().
  if (pos_ > 0) {
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(pos_));
    pos_ = 0;
  }
  if (bytes.size() > limits_.max_buffered || buf_.size() > limits_.max_buffered - bytes.size()) {
    fail("buffered input exceeds " + std::to_string(limits_.max_buffered) + " bytes");
    return;
  }
  buf_.insert(buf_.end(), bytes.begin(), bytes.end());
}

std::optional<std::uint8_t> PduDecoder::pending_type() const noexcept {
  if (buffered() == 0) return std::nullopt;
  return buf_[pos_];
}

DecodeStatus PduDecoder::next() {
  if (failed_) return DecodeStatus::Error;
  ByteReader r(ByteView(buf_).subspan(pos_));
  auto type = r.u8();
  bool reserved = r.skip(1);
  auto len = r.u32be();
  if (!type || !reserved || !len) {
    if (type && !detail::known_pdu_type(*type))
      return fail("unknown PDU type " + wire::hex8(*type));
    return DecodeStatus::NeedMore;
  }
  if (!detail::known_pdu_type(*type)) return fail("unknown PDU type " + wire::hex8(*type));
  if (*len > limits_.max_pdu_length)
    return fail(std::string(pdu_type_name(*type)) + " length " + std::to_string(*len) +
                " exceeds the limit of " + std::to_string(limits_.max_pdu_length));
  auto body = r.take(*len);
  if (!body) return DecodeStatus::NeedMore;
  auto decoded = detail::decode_body(*type, *body, limits_);
  if (!decoded) return fail(decoded.error().message);
  pdu_ = std::move(decoded).value();
  pos_ += wire::kPduHeader + *len;
  if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  }
  return DecodeStatus::Ready;
}

}  // namespace dicomsec::dul
