#include "pcap/fragments.hpp"

#include <algorithm>

namespace dicomsec::pcap::detail {

namespace {
// The largest reassembled payload: IPv4 total length minus a minimal header; IPv6 payload
// length (the fragmentable part follows the 8-byte Fragment header; jumbograms are never
// fragmented, RFC 2675 §3).
constexpr std::size_t kMaxDatagramV4 = 65535 - 20;
constexpr std::size_t kMaxDatagramV6 = 65535 - 8;
}  // namespace

std::size_t Defragmenter::held_bytes() const noexcept {
  std::size_t n = 0;
  for (const auto& d : datagrams_) n += d.data.size();
  return n;
}

void Defragmenter::drop(std::size_t index, DecodeStats& stats) {
  stats.ip_fragments_dropped += datagrams_[index].pieces.size();
  datagrams_.erase(datagrams_.begin() + static_cast<std::ptrdiff_t>(index));
}

std::optional<Reassembled> Defragmenter::add(const FragmentKey& key, std::size_t offset, bool more,
                                             std::span<const std::uint8_t> data,
                                             std::uint8_t next_header, std::int64_t ts_us,
                                             DecodeStats& stats) {
  ++stats.ip_fragments;
  // Expire old partial datagrams first (capture time).
  for (std::size_t i = 0; i < datagrams_.size();) {
    if (ts_us - datagrams_[i].first_ts_us > limits_.timeout_us) {
      drop(i, stats);
    } else {
      ++i;
    }
  }
  const std::size_t end = offset + data.size();
  // Only the last fragment may have a length that is not a multiple of 8 (RFC 791; RFC 8200
  // §4.5 says the same of IPv6).
  if (end > (key.v6 ? kMaxDatagramV6 : kMaxDatagramV4) || (more && data.size() % 8 != 0) ||
      (more && data.empty())) {
    ++stats.ip_fragments_dropped;
    return std::nullopt;
  }
  auto it = std::find_if(datagrams_.begin(), datagrams_.end(),
                         [&](const Datagram& d) { return d.key == key; });
  if (it == datagrams_.end()) {
    if (datagrams_.size() >= limits_.max_datagrams) drop(0, stats);  // the oldest
    datagrams_.push_back(Datagram{key, ts_us, {}, {}, 0, false, std::nullopt});
    it = datagrams_.end() - 1;
  }
  auto index = static_cast<std::size_t>(it - datagrams_.begin());
  Datagram& d = *it;
  for (const Piece& p : d.pieces) {
    if (p.begin == offset && p.end == end &&
        std::equal(data.begin(), data.end(),
                   d.data.begin() + static_cast<std::ptrdiff_t>(offset))) {
      ++stats.ip_fragments_dropped;  // exact duplicate: nothing new
      return std::nullopt;
    }
    if (offset < p.end && p.begin < end) {  // overlap with different extent or bytes
      ++stats.ip_fragments_dropped;
      drop(index, stats);
      return std::nullopt;
    }
  }
  if (!more) {
    if (d.have_last || std::any_of(d.pieces.begin(), d.pieces.end(),
                                   [&](const Piece& p) { return p.end > end; })) {
      ++stats.ip_fragments_dropped;  // two different ends, or data past the end
      drop(index, stats);
      return std::nullopt;
    }
    d.have_last = true;
    d.total = end;
  } else if (d.have_last && end > d.total) {
    ++stats.ip_fragments_dropped;
    drop(index, stats);
    return std::nullopt;
  }
  if (d.pieces.size() >= limits_.max_fragments ||
      held_bytes() + (end > d.data.size() ? end - d.data.size() : 0) > limits_.max_bytes) {
    ++stats.ip_fragments_dropped;
    drop(index, stats);
    return std::nullopt;
  }
  if (d.data.size() < end) d.data.resize(end);
  std::copy(data.begin(), data.end(), d.data.begin() + static_cast<std::ptrdiff_t>(offset));
  d.pieces.push_back(Piece{offset, end});
  if (offset == 0) d.next_header = key.v6 ? next_header : key.proto;
  if (!d.have_last) return std::nullopt;
  // Pieces do not overlap, so they cover [0, total) exactly when their sizes add up.
  std::size_t covered = 0;
  for (const Piece& p : d.pieces) covered += p.end - p.begin;
  if (covered != d.total) return std::nullopt;
  // Complete: the offset-0 piece is among them, so next_header is known.
  const std::uint8_t nh = d.next_header.value_or(key.proto);
  done_ = std::move(d.data);
  done_.resize(d.total);
  datagrams_.erase(datagrams_.begin() + static_cast<std::ptrdiff_t>(index));
  ++stats.ip_fragments_reassembled;
  return Reassembled{std::span<const std::uint8_t>(done_), nh};
}

}  // namespace dicomsec::pcap::detail
