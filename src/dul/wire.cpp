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

void write_uid_item(ByteWriter& w, std::uint8_t type, std::string_view uid) {
  w.u8(type);
  w.u8(0);
  auto at = w.reserve_u16be();
  w.text(uid);
  w.patch_u16be(at);
}

void write_u16_prefixed(ByteWriter& w, ByteView value) {
  auto at = w.reserve_u16be();
  w.bytes(value);
  w.patch_u16be(at);
}

void write_u16_prefixed(ByteWriter& w, std::string_view value) {
  auto at = w.reserve_u16be();
  w.text(value);
  w.patch_u16be(at);
}

std::string hex8(std::uint8_t v) {
  constexpr std::string_view digits = "0123456789abcdef";
  std::string s = "0x";
  s.push_back(digits[v >> 4]);
  s.push_back(digits[v & 0xF]);
  return s;
}

}  // namespace dicomsec::dul::wire
