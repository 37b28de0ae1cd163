#include "pcap/bad_record.hpp"

#include <array>
#include <cstdio>
#include <memory>
#include <optional>

#include "core/bytes.hpp"

namespace dicomsec::pcap::detail {

namespace {

struct FileCloser {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// Reads up to N bytes at `offset`; returns how many were read.
template <std::size_t N>
std::size_t read_at(std::FILE* f, std::uint64_t offset, std::array<std::uint8_t, N>& out) {
  if (fseeko(f, static_cast<off_t>(offset), SEEK_SET) != 0) return 0;
  return std::fread(out.data(), 1, N, f);
}

std::optional<std::uint32_t> u32(ByteReader& r, bool little) {
  return little ? r.u32le() : r.u32be();
}

// Classic pcap (and the 24-byte-header variant 0xa1b2cd34): records one after another.
std::uint64_t walk_pcap(std::FILE* f, bool little, std::size_t record_header, std::uint64_t good) {
  std::uint64_t offset = 24;
  std::array<std::uint8_t, 16> h{};
  for (std::uint64_t i = 0; i < good; ++i) {
    if (read_at(f, offset, h) < h.size()) return offset;
    ByteReader r(h);
    r.skip(8);
    auto caplen = u32(r, little);
    offset += record_header + *caplen;
  }
  return offset;
}

bool is_packet_block(std::uint32_t type) {
  return type == 6 || type == 3 || type == 2;  // EPB, SPB, obsolete PB
}

std::uint64_t walk_pcapng(std::FILE* f, std::uint64_t good) {
  std::fseek(f, 0, SEEK_END);
  const auto size = static_cast<std::uint64_t>(ftello(f));
  std::uint64_t offset = 0;
  std::uint64_t packets = 0;
  bool little = true;
  std::array<std::uint8_t, 12> h{};
  for (;;) {
    if (read_at(f, offset, h) < 8) return offset;
    ByteReader r(h);
    auto type = r.u32le();  // 0x0A0D0D0A reads the same in both orders
    if (*type == 0x0A0D0D0A) {
      ByteReader bom{ByteView(h).subspan(8)};
      little = bom.u32le() == 0x1A2B3C4DU;
    }
    ByteReader rt(h);
    const auto block_type = *u32(rt, little);
    const auto length = *u32(rt, little);
    const bool whole = length >= 12 && length % 4 == 0 && offset + length <= size;
    if (packets == good && (is_packet_block(block_type) || !whole)) return offset;
    if (!whole) return offset;
    if (is_packet_block(block_type)) ++packets;
    offset += length;
  }
}

}  // namespace

std::uint64_t locate_bad_record(const std::string& path, std::uint64_t good_packets) {
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) return 0;
  std::array<std::uint8_t, 4> magic{};
  if (read_at(f.get(), 0, magic) < 4) return 0;
  ByteReader le(magic);
  switch (*le.u32le()) {
    case 0xA1B2C3D4U:
    case 0xA1B23C4DU:
      return walk_pcap(f.get(), true, 16, good_packets);
    case 0xD4C3B2A1U:
    case 0x4D3CB2A1U:
      return walk_pcap(f.get(), false, 16, good_packets);
    case 0xA1B2CD34U:
      return walk_pcap(f.get(), true, 24, good_packets);
    case 0x34CDB2A1U:
      return walk_pcap(f.get(), false, 24, good_packets);
    case 0x0A0D0D0AU:
      return walk_pcapng(f.get(), good_packets);
    default:
      return 0;
  }
}

}  // namespace dicomsec::pcap::detail
