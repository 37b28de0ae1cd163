#include "core/bytes.hpp"

#include <limits>
#include <stdexcept>

namespace dicomsec {

std::optional<std::uint8_t> ByteReader::u8() noexcept {
  if (remaining() < 1) return std::nullopt;
  return data_[pos_++];
}

std::optional<std::uint16_t> ByteReader::u16be() noexcept {
  if (remaining() < 2) return std::nullopt;
  auto v = static_cast<std::uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
  pos_ += 2;
  return v;
}

std::optional<std::uint32_t> ByteReader::u32be() noexcept {
  if (remaining() < 4) return std::nullopt;
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | data_[pos_ + i];
  pos_ += 4;
  return v;
}

std::optional<std::uint16_t> ByteReader::u16le() noexcept {
  if (remaining() < 2) return std::nullopt;
  auto v = static_cast<std::uint16_t>(data_[pos_] | (data_[pos_ + 1] << 8));
  pos_ += 2;
  return v;
}

std::optional<std::uint32_t> ByteReader::u32le() noexcept {
  if (remaining() < 4) return std::nullopt;
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | data_[pos_ + i];
  pos_ += 4;
  return v;
}

std::optional<ByteView> ByteReader::take(std::size_t n) noexcept {
  if (remaining() < n) return std::nullopt;
  auto v = data_.subspan(pos_, n);
  pos_ += n;
  return v;
}

std::optional<ByteReader> ByteReader::sub(std::size_t n) noexcept {
  auto v = take(n);
  if (!v) return std::nullopt;
  return ByteReader(*v);
}

bool ByteReader::skip(std::size_t n) noexcept { return take(n).has_value(); }

ByteView ByteReader::peek(std::size_t n) const noexcept {
  return data_.subspan(pos_, std::min(n, remaining()));
}

void ByteWriter::u16be(std::uint16_t v) {
  out_.push_back(static_cast<std::uint8_t>(v >> 8));
  out_.push_back(static_cast<std::uint8_t>(v));
}

void ByteWriter::u32be(std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out_.push_back(static_cast<std::uint8_t>(v >> s));
}

void ByteWriter::u16le(std::uint16_t v) {
  out_.push_back(static_cast<std::uint8_t>(v));
  out_.push_back(static_cast<std::uint8_t>(v >> 8));
}

void ByteWriter::u32le(std::uint32_t v) {
  for (int s = 0; s <= 24; s += 8) out_.push_back(static_cast<std::uint8_t>(v >> s));
}

std::size_t ByteWriter::reserve_u16be() {
  auto at = out_.size();
  u16be(0);
  return at;
}

std::size_t ByteWriter::reserve_u32be() {
  auto at = out_.size();
  u32be(0);
  return at;
}

void ByteWriter::patch_u16be(std::size_t at) {
  auto len = out_.size() - at - 2;
  if (len > std::numeric_limits<std::uint16_t>::max())
    throw std::length_error("ByteWriter: item longer than a 16-bit length field");
  out_[at] = static_cast<std::uint8_t>(len >> 8);
  out_[at + 1] = static_cast<std::uint8_t>(len);
}

void ByteWriter::patch_u32be(std::size_t at) {
  auto len = out_.size() - at - 4;
  if (len > std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("ByteWriter: PDU longer than a 32-bit length field");
  for (int i = 0; i < 4; ++i) out_[at + i] = static_cast<std::uint8_t>(len >> (24 - 8 * i));
}

std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?');
  return out;
}

}  // namespace dicomsec
