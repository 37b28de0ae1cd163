#include "dicom/dataset.hpp"

#include <fmt/format.h>

#include <array>
#include <stdexcept>

namespace dicomsec::dicom {

// Without fmt: the pcap analyser names a tag for every patient element it meets.
std::string tag_text(Tag t) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "(0000,0000)";
  for (int i = 0; i < 4; ++i) {
    out[static_cast<std::size_t>(4 - i)] = kHex[(t.group >> (4 * i)) & 0xF];
    out[static_cast<std::size_t>(9 - i)] = kHex[(t.element >> (4 * i)) & 0xF];
  }
  return out;
}

namespace {

bool is_vr_letter(std::uint8_t c) { return c >= 'A' && c <= 'Z'; }

}  // namespace

bool has_long_length(std::string_view vr) noexcept {
  // PS3.5 Table 7.1-1: OB OD OF OL OV OW SQ SV UC UN UR UT UV.
  constexpr std::array kLong{"OB", "OD", "OF", "OL", "OV", "OW", "SQ",
                             "SV", "UC", "UN", "UR", "UT", "UV"};
  for (const auto* v : kLong)
    if (vr == v) return true;
  return false;
}

void DatasetWriter::header(Tag t, std::string_view vr, std::uint32_t length) {
  if (last_ && !(*last_ < t))
    throw std::logic_error("DatasetWriter: tag " + tag_text(t) + " out of ascending order");
  if (vr.size() != 2) throw std::logic_error("DatasetWriter: a VR has two letters");
  last_ = t;
  out_.u16le(t.group);
  out_.u16le(t.element);
  if (encoding_ == VrEncoding::Implicit) {
    out_.u32le(length);
    return;
  }
  out_.text(vr);
  if (has_long_length(vr)) {
    out_.u16le(0);
    out_.u32le(length);
  } else {
    if (length > 0xFFFF) throw std::logic_error("DatasetWriter: value too long for its VR");
    out_.u16le(static_cast<std::uint16_t>(length));
  }
}

void DatasetWriter::text(Tag t, std::string_view vr, std::string_view value) {
  const bool odd = value.size() % 2 != 0;
  header(t, vr, static_cast<std::uint32_t>(value.size() + (odd ? 1 : 0)));
  out_.text(value);
  if (odd) out_.u8(vr == "UI" ? 0 : ' ');
}

void DatasetWriter::us(Tag t, std::uint16_t value) {
  header(t, "US", 2);
  out_.u16le(value);
}

void DatasetWriter::binary(Tag t, std::string_view vr, ByteView value) {
  if (value.size() % 2 != 0) throw std::logic_error("DatasetWriter: binary value of odd length");
  header(t, vr, static_cast<std::uint32_t>(value.size()));
  out_.bytes(value);
}

DatasetReader::DatasetReader(ByteView data, VrEncoding encoding, ReaderLimits limits)
    : data_(data), r_(data), encoding_(encoding), limits_(limits) {}

DecodeStatus DatasetReader::fail(std::string message) {
  failed_ = true;
  error_ = fmt::format("data set at byte {}: {}", r_.position(), std::move(message));
  return DecodeStatus::Error;
}

std::size_t DatasetReader::limit() const noexcept {
  for (auto it = open_.rbegin(); it != open_.rend(); ++it)
    if (it->end) return *it->end;
  return data_.size();
}

DecodeStatus DatasetReader::item_or_delimiter(Tag t, std::uint32_t length) {
  element_.vr.clear();
  element_.value = {};
  element_.length = length;
  if (t == tag::kItem) {
    if (open_.empty() || open_.back().kind == Frame::Item) return fail("item outside a sequence");
    if (open_.back().kind == Frame::Fragments) {
      // PS3.5 A.4: encapsulated pixel data fragments have defined lengths and raw content.
      if (length == kUndefinedLength) return fail("pixel data fragment of undefined length");
      if (length > limit() - r_.position()) return fail("fragment longer than its container");
      auto v = r_.take(length);
      if (!v) return fail("truncated fragment");
      element_.value = *v;
      return DecodeStatus::Ready;
    }
    if (open_.size() >= 2 * limits_.max_depth) return fail("sequences nested too deeply");
    if (length == kUndefinedLength) {
      open_.push_back({Frame::Item, std::nullopt});
    } else {
      if (length > limit() - r_.position()) return fail("item longer than its sequence");
      open_.push_back({Frame::Item, r_.position() + length});
    }
    return DecodeStatus::Ready;
  }
  if (length != 0) return fail(tag_text(t) + " delimiter with non-zero length");
  if (t == tag::kItemDelimitation) {
    if (open_.empty() || open_.back().kind != Frame::Item || open_.back().end)
      return fail("item delimiter without an open undefined-length item");
    open_.pop_back();
    return DecodeStatus::Ready;
  }
  if (t == tag::kSequenceDelimitation) {
    if (open_.empty() || open_.back().kind == Frame::Item || open_.back().end)
      return fail("sequence delimiter without an open undefined-length sequence");
    open_.pop_back();
    return DecodeStatus::Ready;
  }
  return fail("unknown item tag " + tag_text(t));
}

DecodeStatus DatasetReader::next() {
  if (failed_) return DecodeStatus::Error;
  // Close defined-length frames that end here.
  while (!open_.empty() && open_.back().end) {
    if (r_.position() < *open_.back().end) break;
    if (r_.position() > *open_.back().end) return fail("element crosses its container's end");
    open_.pop_back();
  }
  if (r_.empty()) {
    if (!open_.empty()) return fail("data set ends inside an undefined-length sequence or item");
    return DecodeStatus::NeedMore;
  }
  if (++count_ > limits_.max_elements)
    return fail(fmt::format("more than {} elements", limits_.max_elements));
  element_.depth = open_.size() / 2;
  const auto group = r_.u16le();
  const auto elem = r_.u16le();
  if (!group || !elem) return fail("truncated tag");
  const Tag t{*group, *elem};
  element_.tag = t;
  if (t.group == 0xFFFE) {
    const auto length = r_.u32le();
    if (!length) return fail("truncated item header");
    return item_or_delimiter(t, *length);
  }
  if (!open_.empty() && open_.back().kind != Frame::Item)
    return fail(tag_text(t) + " directly inside a sequence (items expected)");

  std::uint32_t length = 0;
  element_.vr.clear();
  if (encoding_ == VrEncoding::Explicit) {
    auto vr = r_.take(2);
    if (!vr) return fail("truncated VR");
    if (!is_vr_letter((*vr)[0]) || !is_vr_letter((*vr)[1]))
      return fail(tag_text(t) + " has no valid explicit VR");
    element_.vr.assign(vr->begin(), vr->end());
    if (has_long_length(element_.vr)) {
      if (!r_.skip(2)) return fail("truncated element header");
      auto l = r_.u32le();
      if (!l) return fail("truncated element length");
      length = *l;
    } else {
      auto l = r_.u16le();
      if (!l) return fail("truncated element length");
      length = *l;
    }
  } else {
    auto l = r_.u32le();
    if (!l) return fail("truncated element length");
    length = *l;
  }
  element_.length = length;
  element_.value = {};

  const bool sequence = element_.vr == "SQ" ||
                        (element_.vr.empty() && length == kUndefinedLength) ||
                        (element_.vr == "UN" && length == kUndefinedLength);
  if (length == kUndefinedLength) {
    if (open_.size() >= 2 * limits_.max_depth) return fail("sequences nested too deeply");
    if (sequence) {
      open_.push_back({Frame::Sequence, std::nullopt});
      return DecodeStatus::Ready;
    }
    if (t == tag::kPixelData && (element_.vr == "OB" || element_.vr == "OW")) {
      open_.push_back({Frame::Fragments, std::nullopt});
      return DecodeStatus::Ready;
    }
    return fail(tag_text(t) + " has undefined length but is no sequence");
  }
  if (length > limit() - r_.position())
    return fail(tag_text(t) + " value longer than its container");
  if (sequence) {
    if (open_.size() >= 2 * limits_.max_depth) return fail("sequences nested too deeply");
    open_.push_back({Frame::Sequence, r_.position() + length});
    return DecodeStatus::Ready;
  }
  auto v = r_.take(length);
  if (!v) return fail("truncated value");
  element_.value = *v;
  return DecodeStatus::Ready;
}

Result<std::size_t> count_top_level(ByteView data, VrEncoding encoding, ReaderLimits limits) {
  DatasetReader reader(data, encoding, limits);
  std::size_t n = 0;
  while (true) {
    switch (reader.next()) {
      case DecodeStatus::NeedMore:
        return n;
      case DecodeStatus::Error:
        return make_error(reader.error());
      case DecodeStatus::Ready:
        if (reader.element().depth == 0 && !reader.element().is_item_or_delimiter()) ++n;
        break;
    }
  }
}

}  // namespace dicomsec::dicom
