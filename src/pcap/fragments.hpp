// IPv4 fragment reassembly for the Decoder (RFC 791 §3.2, RFC 815), bounded in datagrams,
// fragments per datagram, bytes and time. Overlapping fragments that are not exact
// duplicates drop the whole datagram (RFC 5722 makes the same choice for IPv6): overlaps
// are how IDS-evasion tools make two readers see different bytes.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "pcap/decode.hpp"

namespace dicomsec::pcap::detail {

struct FragmentKey {
  std::array<std::uint8_t, 4> src{}, dst{};
  std::uint16_t id = 0;
  std::uint8_t proto = 0;
  friend bool operator==(const FragmentKey&, const FragmentKey&) = default;
};

class Ipv4Defragmenter {
 public:
  explicit Ipv4Defragmenter(FragmentLimits limits) : limits_(limits) {}

  // One fragment's payload (after the IPv4 header), at byte offset `offset` of its datagram,
  // `more` = the MF flag. Returns the whole datagram payload when this fragment completes
  // it; the view stays valid until the next add(). Updates the fragment counters in stats.
  std::optional<std::span<const std::uint8_t>> add(const FragmentKey& key, std::size_t offset,
                                                   bool more, std::span<const std::uint8_t> data,
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
  };
  void drop(std::size_t index, DecodeStats& stats);
  [[nodiscard]] std::size_t held_bytes() const noexcept;

  FragmentLimits limits_;
  std::vector<Datagram> datagrams_;  // few at once: a linear scan is cheaper than a map
  std::vector<std::uint8_t> done_;   // the last completed datagram
};

}  // namespace dicomsec::pcap::detail
