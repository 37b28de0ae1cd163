#include "dul/wire.hpp"

#include <cstddef>

namespace dicomsec::dul::wire {

namespace {
bool is_ae_pad(std::uint8_t c) { return c == ' ' || c == 0; }
}  // namespace

std::string to_string(ByteView raw) { return std::string(raw.begin(), raw.end()); }

std::string trim_ae(ByteView raw) {
  std::size_t begin = 0;
  std::size_t end = raw.size();
  while (begin < end && raw[begin] == ' ') ++begin;
  while (end > begin && is_ae_pad(raw[end - 1])) --end;
  return to_string(raw.subspan(begin, end - begin));
}

std::string trim_uid(ByteView raw) {
  std::size_t end = raw.size();
  while (end > 0 && is_ae_pad(raw[end - 1])) --end;
  return to_string(raw.first(end));
}

void Encoder::patch_u16be(std::size_t at) {
  if (w.size() - at - 2 > 0xFFFF) {
    if (error.empty())
      error = "item of " + std::to_string(w.size() - at - 2) +
              " bytes does not fit a 16-bit length field";
    return;
  }
  w.patch_u16be(at);
}

void Encoder::patch_u32be(std::size_t at) {
  if (w.size() - at - 4 > 0xFFFFFFFFULL) {
    if (error.empty()) error = "PDU does not fit a 32-bit length field";
    return;
  }
  w.patch_u32be(at);
}

void write_uid_item(Encoder& e, std::uint8_t type, std::string_view uid) {
  e.w.u8(type);
  e.w.u8(0);
  auto at = e.w.reserve_u16be();
  e.w.text(uid);
  e.patch_u16be(at);
}

void write_u16_prefixed(Encoder& e, ByteView value) {
  auto at = e.w.reserve_u16be();
  e.w.bytes(value);
  e.patch_u16be(at);
}

void write_u16_prefixed(Encoder& e, std::string_view value) {
  auto at = e.w.reserve_u16be();
  e.w.text(value);
  e.patch_u16be(at);
}

std::string hex8(std::uint8_t v) {
  constexpr std::string_view digits = "0123456789abcdef";
  std::string s = "0x";
  s.push_back(digits[v >> 4]);
  s.push_back(digits[v & 0xF]);
  return s;
}

}  // namespace dicomsec::dul::wire
