// IP fragment reassembly for the Decoder, one table for both families: IPv4 (RFC 791 §3.2,
// RFC 815) and IPv6 (RFC 8200 §4.5), bounded in datagrams, fragments per datagram, bytes and
// time. Overlapping fragments that are not exact duplicates drop the whole datagram (RFC 5722
// requires this for IPv6; we do the same for IPv4): overlaps are how IDS-evasion tools make
// two readers see different bytes.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "pcap/decode.hpp"

namespace dicomsec::pcap::detail {

// IPv4: (src, dst, identification, protocol). IPv6: (src, dst, identification); the next
// header is not part of the key (RFC 8200 §4.5: only the first fragment's counts).
struct FragmentKey {
  bool v6 = false;
  std::array<std::uint8_t, 16> src{}, dst{};  // IPv4 uses the first 4 bytes
  std::uint32_t id = 0;
  std::uint8_t proto = 0;  // IPv4 only
  friend bool operator==(const FragmentKey&, const FragmentKey&) = default;
};

struct Reassembled {
  std::span<const std::uint8_t> payload;  // valid until the next add()
  // IPv6: the Next Header of the offset-0 fragment's Fragment header (what the payload
  // starts with). IPv4: the key's protocol.
  std::uint8_t next_header = 0;
};

class Defragmenter {
 public:
  explicit Defragmenter(FragmentLimits limits) : limits_(limits) {}

  // One fragment's payload (IPv4: after the IPv4 header; IPv6: after the Fragment header),
  // at byte offset `offset` of its datagram, `more` = the MF/M flag; `next_header` is the
  // IPv6 Fragment header's Next Header (ignored for IPv4). Returns the whole datagram when
  // this fragment completes it. Updates the fragment counters in stats.
  std::optional<Reassembled> add(const FragmentKey& key, std::size_t offset, bool more,
                                 std::span<const std::uint8_t> data, std::uint8_t next_header,
                                 std::int64_t ts_us, DecodeStats& stats);
  [[nodiscard]] std::size_t pending() const noexcept { return datagrams_.size(); }

 private:
  struct Piece {
    std::size_t begin, end;
  };
  struct Datagram {
    FragmentKey key;
    std::int64_t first_ts_us = 0;
    std::vector<std::uint8_t> data;  // sized to the highest end seen
    std::vector<Piece> pieces;       // received ranges, unsorted
    std::size_t total = 0;           // known once the last fragment (MF=0) arrived
    bool have_last = false;
    std::optional<std::uint8_t> next_header;  // IPv6: from the offset-0 fragment
  };
  void drop(std::size_t index, DecodeStats& stats);
  [[nodiscard]] std::size_t held_bytes() const noexcept;

  FragmentLimits limits_;
  std::vector<Datagram> datagrams_;  // few at once: a linear scan is cheaper than a map
  std::vector<std::uint8_t> done_;   // the last completed datagram
};

}  // namespace dicomsec::pcap::detail
