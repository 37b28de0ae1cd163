// Incremental PDU decoder (PS3.8 9.3.1 framing). Bytes are buffered until a whole PDU is
// present; the header is judged as soon as its 6 bytes arrive, so an unknown type or an
// oversized length fails at once instead of waiting for (or buffering) the body.
// resync() hunts for the next plausible PDU boundary (heuristic documented in pdu.hpp).
#include <algorithm>
#include <utility>

#include "dul/pdu.hpp"
#include "dul/pdu_decode.hpp"
#include "dul/wire.hpp"

namespace dicomsec::dul {

namespace {

constexpr std::uint8_t kPData = static_cast<std::uint8_t>(PduType::PData);

bool fixed_size_type(std::uint8_t type) {
  return type == static_cast<std::uint8_t>(PduType::AssociateRj) ||
         type == static_cast<std::uint8_t>(PduType::ReleaseRq) ||
         type == static_cast<std::uint8_t>(PduType::ReleaseRp) ||
         type == static_cast<std::uint8_t>(PduType::Abort);
}

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

}  // namespace

PduDecoder::PduDecoder(Limits limits) : limits_(limits) {}

DecodeStatus PduDecoder::fail(std::string message, std::uint8_t type) {
  failed_ = true;
  error_ = std::move(message);
  error_type_ = type;
  raw_ = {};
  // The input stays buffered (buffered() reports 0) so that resync() can hunt in it.
  return DecodeStatus::Error;
}

void PduDecoder::reset() {
  buf_.clear();
  pos_ = 0;
  raw_ = {};
  failed_ = false;
  hunting_ = false;
  error_.clear();
  error_type_ = 0;
}

void PduDecoder::resync() {
  if (failed_ && pos_ < buf_.size()) {  // the failed PDU did not start here after all
    ++pos_;
    ++skipped_;
  }
  failed_ = false;
  error_.clear();
  error_type_ = 0;
  hunting_ = true;
  raw_ = {};
}

void PduDecoder::feed(ByteView bytes) {
  if (failed_ || bytes.empty()) return;
  raw_ = {};
  // Drop consumed bytes before growing, so the buffer holds at most one partial PDU plus
  // whatever the caller fed since the last next().
  if (pos_ > 0) {
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(pos_));
    pos_ = 0;
  }
  if (bytes.size() > limits_.max_buffered || buf_.size() > limits_.max_buffered - bytes.size()) {
    if (hunting_) {
      pos_ = 0;  // keep the newest bytes: the boundary we look for is ahead
      skipped_ += buf_.size();
      buf_.clear();
      if (bytes.size() > limits_.max_buffered) {
        skipped_ += bytes.size() - limits_.max_buffered;
        bytes = bytes.last(limits_.max_buffered);
      }
    } else {
      fail("buffered input exceeds " + std::to_string(limits_.max_buffered) + " bytes");
      return;
    }
  }
  buf_.insert(buf_.end(), bytes.begin(), bytes.end());
}

std::optional<std::uint8_t> PduDecoder::pending_type() const noexcept {
  if (buffered() == 0) return std::nullopt;
  return buf_[pos_];
}

int PduDecoder::plausible_at(std::size_t at) const noexcept {
  const std::size_t have = buf_.size() - at;
  const std::uint8_t* p = buf_.data() + at;
  if (have < 1) return -1;
  if (!detail::known_pdu_type(p[0])) return 0;
  if (have < 2) return -1;
  if (p[1] != 0) return 0;
  if (have < wire::kPduHeader) return -1;
  const std::uint8_t type = p[0];
  const std::uint32_t len = be32(p + 2);
  if (len > limits_.max_pdu_length) return 0;
  if (fixed_size_type(type)) {
    if (len != 4) return 0;
    if (have < wire::kPduHeader + 4) return -1;
    const std::uint8_t* q = p + wire::kPduHeader;
    switch (static_cast<PduType>(type)) {
      case PduType::AssociateRj:  // PS3.8 9.3.4: result 1-2, source 1-3
        return q[0] == 0 && (q[1] == 1 || q[1] == 2) && q[2] >= 1 && q[2] <= 3 && q[3] <= 7 ? 1
                                                                                           : 0;
      case PduType::Abort:  // PS3.8 9.3.8: source 0-2, reason 0-6
        return q[0] == 0 && q[1] == 0 && q[2] <= 2 && q[3] <= 6 ? 1 : 0;
      default:  // A-RELEASE-RQ/RP: four reserved zero bytes
        return q[0] == 0 && q[1] == 0 && q[2] == 0 && q[3] == 0 ? 1 : 0;
    }
  }
  if (type != kPData) {  // A-ASSOCIATE-RQ / -AC: judge each fixed-part byte once present
    if (len < wire::kAssocFixed + 4) return 0;
    const std::size_t fixed_end = wire::kPduHeader + wire::kAssocFixed;  // first item
    for (std::size_t i = wire::kPduHeader; i < std::min(have, fixed_end + 2); ++i) {
      const std::uint8_t c = p[i];
      bool ok = true;
      if (i == 6) ok = c == 0;                        // protocol version, high byte
      else if (i == 7) ok = (c & 1) != 0;             // PS3.8 9.3.2: bit 0 set
      else if (i < 10) ok = c == 0;                   // reserved
      else if (i < 42) ok = c >= 0x20 && c < 0x7F;    // called and calling AE titles
      else if (i < fixed_end) ok = true;              // reserved (echoed, not checked)
      else if (i == fixed_end) ok = c == wire::kApplicationContextItem;
      else ok = c == 0;                               // item reserved byte
      if (!ok) return 0;
    }
    return have >= fixed_end + 2 ? 1 : -1;
  }
  // P-DATA-TF: walk the PDV item chain as far as it is buffered.
  if (len < 6) return 0;
  std::size_t off = 0;  // within the body
  const std::uint8_t* body = p + wire::kPduHeader;
  const std::size_t body_have = have - wire::kPduHeader;
  bool checked_one = false;
  while (off < len) {
    if (len - off < 6) return 0;
    if (body_have < off + 6) return checked_one ? 1 : -1;
    const std::uint32_t item = be32(body + off);
    if (item < 2 || item > len - off - 4) return 0;
    const std::uint8_t ctx = body[off + 4];
    const std::uint8_t mch = body[off + 5];
    if ((ctx & 1) == 0 || mch > 3) return 0;  // PS3.8 9.3.2.2 odd ids; E.2 bits 0-1
    checked_one = true;
    off += 4 + std::size_t{item};
  }
  return 1;
}

DecodeStatus PduDecoder::next() {
  if (failed_) return DecodeStatus::Error;
  raw_ = {};
  if (hunting_) {
    while (pos_ < buf_.size()) {
      int v = plausible_at(pos_);
      if (v == 1) {
        hunting_ = false;
        break;
      }
      if (v == -1) return DecodeStatus::NeedMore;
      ++pos_;
      ++skipped_;
    }
    if (hunting_) return DecodeStatus::NeedMore;
  }
  ByteReader r(ByteView(buf_).subspan(pos_));
  auto type = r.u8();
  bool reserved = r.skip(1);
  auto len = r.u32be();
  if (!type || !reserved || !len) {
    if (type && !detail::known_pdu_type(*type))
      return fail("unknown PDU type " + wire::hex8(*type), *type);
    return DecodeStatus::NeedMore;
  }
  if (!detail::known_pdu_type(*type)) return fail("unknown PDU type " + wire::hex8(*type), *type);
  if (*len > limits_.max_pdu_length)
    return fail(std::string(pdu_type_name(*type)) + " length " + std::to_string(*len) +
                    " exceeds the limit of " + std::to_string(limits_.max_pdu_length),
                *type);
  auto body = r.take(*len);
  if (!body) return DecodeStatus::NeedMore;
  auto decoded = detail::decode_body(*type, *body, limits_, &notes_);
  if (!decoded) return fail(decoded.error().message, *type);
  pdu_ = std::move(decoded).value();
  raw_ = ByteView(buf_).subspan(pos_, wire::kPduHeader + *len);
  pos_ += wire::kPduHeader + *len;
  // The buffer is compacted on the next feed(), so raw_ stays valid until then.
  return DecodeStatus::Ready;
}

}  // namespace dicomsec::dul
