#include "pcap/pdu_hunt.hpp"

#include <algorithm>
#include <cstring>

namespace dicomsec::pcap {

namespace {

// A P-DATA-TF header (6) and its first PDV item header (6): the most judged at one offset.
constexpr std::size_t kWindow = 12;
constexpr std::uint8_t kPData = 0x04, kReleaseRq = 0x05, kReleaseRp = 0x06, kAbort = 0x07;

std::uint32_t be32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

}  // namespace

void PduChainHunter::reset() {
  Bytes().swap(buf_);
  base_ = fed_ = 0;
  candidates_.clear();
  refused_ = 0;
  found_ = false;
}

// PS3.8 9.3.5.1: PDV item = length (4), presentation context id (odd, 9.3.2.2), message
// control header (bit 0 command, bit 1 last fragment, E.2); items fill the PDU exactly.
bool PduChainHunter::pdv(Candidate& c, std::uint64_t at, const std::uint8_t* w) const {
  const std::uint32_t length = be32(w);
  const std::uint8_t context = w[4], control = w[5];
  if (length < 2 || at + 4 + length > c.pdu_end || (context & 1U) == 0 || control > 3) return false;
  const bool command = (control & 1U) != 0, last = (control & 2U) != 0;
  if (c.open_part && (c.open_part->first != context || c.open_part->second != command))
    return false;  // a message's fragments do not change context or kind (PS3.8 9.3.1)
  if (last)
    c.open_part.reset();
  else
    c.open_part = std::make_pair(context, command);
  c.next = at + 4 + length;
  if (c.next == c.pdu_end) {
    ++c.complete;
    if (c.pdu_end - c.pdu_start - 6 >= options_.large_pdu) c.large_seen = true;
    c.expect = Expect::PduHeader;
  } else {
    c.expect = Expect::PdvHeader;
  }
  return true;
}

bool PduChainHunter::step(Candidate& c, std::uint64_t at, const std::uint8_t* w) const {
  if (c.expect == Expect::PdvHeader) return pdv(c, at, w);
  if (w[1] != 0) return false;  // reserved
  const std::uint32_t length = be32(w + 2);
  switch (w[0]) {
    case kPData:
      // At least one item (PS3.8 9.3.5: one or more), each at least 4 + 2 bytes.
      if (length < 6 || length > options_.max_pdu_length) return false;
      c.pdu_start = at;
      c.pdu_end = at + 6 + length;
      return pdv(c, at + 6, w + 6);
    case kReleaseRq:
    case kReleaseRp:  // PS3.8 9.3.6/9.3.7: four reserved bytes
      if (length != 4 || w[6] != 0 || w[7] != 0 || w[8] != 0 || w[9] != 0) return false;
      break;
    case kAbort:  // PS3.8 9.3.8: reserved, reserved, source 0/2, reason 0..6
      if (length != 4 || w[6] != 0 || w[7] != 0 || (w[8] != 0 && w[8] != 2) || w[9] > 6)
        return false;
      break;
    default:
      return false;  // A-ASSOCIATE-* mid-stream are PduDecoder's resync's to find
  }
  c.pdu_start = at;
  c.pdu_end = c.next = at + 10;
  ++c.complete;
  return true;
}

bool PduChainHunter::feed(ByteView bytes) {
  fed_ += bytes.size();
  buf_.insert(buf_.end(), bytes.begin(), bytes.end());
  if (found_) return true;
  std::size_t i = 0;
  while (i + kWindow <= buf_.size()) {
    // Jump to the next offset that matters: a candidate's next header or a 0x04 byte (most
    // bytes are neither; memchr scans them many at a time).
    std::size_t stop = buf_.size() - kWindow + 1;
    for (const auto& c : candidates_) stop = std::min<std::uint64_t>(stop, c.next - base_);
    if (stop > i) {
      const void* hit = std::memchr(buf_.data() + i, kPData, stop - i);
      const std::size_t j =
          hit != nullptr
              ? static_cast<std::size_t>(static_cast<const std::uint8_t*>(hit) - buf_.data())
              : stop;
      if (j != i) {
        i = j;
        continue;
      }
    }
    const std::uint64_t at = base_ + i;
    const std::uint8_t* w = buf_.data() + i;
    bool header_here = false;
    for (std::size_t k = 0; k < candidates_.size();) {
      auto& c = candidates_[k];
      if (c.next != at) {
        ++k;
        continue;
      }
      // The chain so far counts PDUs whose items ended exactly here; it is accepted when
      // the header found here is valid too.
      const bool was_header = c.expect == Expect::PduHeader;
      const bool enough = was_header && accepted(c);
      if (!step(c, at, w)) {
        candidates_.erase(candidates_.begin() + static_cast<std::ptrdiff_t>(k));
        continue;
      }
      if (enough) {
        found_ = true;
        buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(i));
        base_ = at;
        candidates_.clear();
        return true;
      }
      header_here = header_here || was_header;
      ++k;
    }
    if (!header_here && w[0] == kPData && w[1] == 0) {
      Candidate c;
      if (step(c, at, w)) {
        if (candidates_.size() < options_.max_candidates)
          candidates_.push_back(c);
        else
          ++refused_;
      }
    }
    ++i;
  }
  buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(i));
  base_ += i;
  return false;
}

}  // namespace dicomsec::pcap
