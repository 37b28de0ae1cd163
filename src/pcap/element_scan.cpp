#include "pcap/element_scan.hpp"

#include <algorithm>

#include "dicom/identifiers.hpp"

namespace dicomsec::pcap {

namespace {

constexpr std::size_t kMaxElements = 100'000;  // a bound on work per data set

bool upper(std::uint8_t c) noexcept { return c >= 'A' && c <= 'Z'; }

// PS3.5 6.2: the VRs a well-formed explicit data set can carry.
bool known_vr(std::string_view vr) noexcept {
  static constexpr std::string_view kVrs[] = {"AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL",
                                              "IS", "LO", "LT", "OB", "OD", "OF", "OL", "OV", "OW",
                                              "PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC",
                                              "UI", "UL", "UN", "UR", "US", "UT", "UV"};
  return std::find(std::begin(kVrs), std::end(kVrs), vr) != std::end(kVrs);
}

}  // namespace

SetEncoding encoding_of(std::string_view ts) noexcept {
  if (ts.empty()) return SetEncoding::Unknown;
  if (ts == "1.2.840.10008.1.2") return SetEncoding::ImplicitLe;
  if (ts == "1.2.840.10008.1.2.1.99" || ts == "1.2.840.10008.1.2.2") return SetEncoding::Opaque;
  return SetEncoding::ExplicitLe;  // PS3.5 A.2 and the encapsulated syntaxes of A.4
}

std::size_t ElementScanner::header_size() const noexcept {
  if (have_ < 6) return 8;
  const bool item = header_[0] == 0xFE && header_[1] == 0xFF;
  if (item || encoding_ != SetEncoding::ExplicitLe) return 8;
  const std::string_view vr(reinterpret_cast<const char*>(header_.data() + 4), 2);
  return dicom::has_long_length(vr) ? 12 : 8;
}

void ElementScanner::feed(ByteView bytes) {
  ByteReader in(bytes);
  while (!stopped_ && !in.empty()) {
    if (skip_ > 0) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(skip_, in.remaining()));
      in.skip(n);
      skip_ -= n;
      continue;
    }
    const auto want = header_size();
    const auto n = std::min(want - have_, in.remaining());
    const auto part = in.take(n).value_or(ByteView{});
    std::copy(part.begin(), part.end(), header_.begin() + static_cast<std::ptrdiff_t>(have_));
    have_ += n;
    if (have_ == header_size()) on_header();
  }
}

void ElementScanner::on_header() {
  const std::size_t size = have_;
  have_ = 0;
  if (++elements_ > kMaxElements) {
    stopped_ = true;
    return;
  }
  ByteReader r(ByteView(header_.data(), size));
  const dicom::Tag tag{r.u16le().value_or(0), r.u16le().value_or(0)};
  if (encoding_ == SetEncoding::Unknown) {
    // Mid-stream: the first element tells the syntax (PS3.5 7.1.2: two upper-case letters
    // of a known VR after the tag).
    const std::string_view vr(reinterpret_cast<const char*>(header_.data() + 4), 2);
    encoding_ = upper(header_[4]) && upper(header_[5]) && known_vr(vr) ? SetEncoding::ExplicitLe
                                                                       : SetEncoding::ImplicitLe;
    if (header_size() != size) {  // re-read this header with the longer explicit form
      have_ = size;
      return;
    }
  }
  if (encoding_ == SetEncoding::Opaque) {
    stopped_ = true;
    return;
  }
  std::uint32_t length = 0;
  std::string_view vr;
  if (tag.group == 0xFFFE || encoding_ == SetEncoding::ImplicitLe) {
    length = r.u32le().value_or(0);
  } else {
    vr = std::string_view(reinterpret_cast<const char*>(header_.data() + 4), 2);
    if (!known_vr(vr)) {
      stopped_ = true;  // not an element: the syntax guess or the bytes are wrong
      return;
    }
    r.skip(2);
    if (size == 12) {
      r.skip(2);
      length = r.u32le().value_or(0);
    } else {
      length = r.u16le().value_or(0);
    }
  }
  if (tag.group == 0xFFFE) return;  // item or delimiter: the item's elements follow
  if (tag == dicom::tag::kPixelData) {
    stopped_ = true;  // patient attributes sort before pixel data; the rest is image
    return;
  }
  if (length != dicom::kUndefinedLength && length > 0 && dicom::patient_identifying(tag))
    found_.insert(tag.value());
  // Sequences are entered (their items hold elements); every other value is skipped.
  if (length == dicom::kUndefinedLength || vr == "SQ") return;
  skip_ = length;
}

}  // namespace dicomsec::pcap
