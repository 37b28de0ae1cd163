// The visiting order of a scan: a keyed pseudo-random permutation of [0, n), and the
// --shard K/N split of that order between cooperating scanner instances.
//
// Why a permutation at all: sweeping addresses in order hammers one subnet (and its
// firewall / IDS) at a time; a random order spreads the load, as zmap and masscan do.
//
// Why a Feistel network with cycle-walking rather than zmap's cyclic group mod a prime:
// it works for any n up to 2^62 with no prime search or generator selection, it needs only
// a seed (no per-n tables), position -> value is O(1) with no state so sharding and
// resumption are just arithmetic on positions, and it is a bijection by construction.
// The network runs over 2^b >= n values (b = bits of n - 1), split into a left half of
// ceil(b/2) bits and a right half of floor(b/2) bits; rounds alternately XOR a keyed hash of
// one half into the other, and each such step is invertible whatever the hash, so the whole
// is a permutation of [0, 2^b) even for odd b. Values >= n are re-encrypted until they land
// in [0, n) ("cycle-walking", Black & Rogaway 2002), which stays a bijection on [0, n).
// Since 2^b < 2n, that takes fewer than 2 encryptions on average.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "core/result.hpp"

namespace dicomsec::scan {

class Permutation {
 public:
  // The largest domain supported; TargetSet refuses larger scans.
  static constexpr std::uint64_t kMaxSize = std::uint64_t{1} << 62;

  // n <= kMaxSize. The same (n, seed) always gives the same order.
  Permutation(std::uint64_t n, std::uint64_t seed);

  [[nodiscard]] std::uint64_t size() const { return n_; }
  // The value at position i, for i < size().
  [[nodiscard]] std::uint64_t operator()(std::uint64_t i) const;

 private:
  // Not a cipher: the order only has to look unstructured to a network, not resist an
  // attacker, so 4 rounds of a strong 64-bit mixer are plenty and keep next() cheap.
  static constexpr int kRounds = 4;
  static_assert(kRounds % 2 == 0, "rounds alternate left and right updates");

  [[nodiscard]] std::uint64_t encrypt(std::uint64_t x) const;

  std::uint64_t n_;
  unsigned right_bits_;
  std::uint64_t left_mask_;  // applied after shifting right by right_bits_
  std::uint64_t right_mask_;
  std::array<std::uint64_t, kRounds> keys_{};
};

// "--shard K/N" (1-based): shard K visits the permutation positions p with p % N == K - 1,
// so N instances with the same seed cover every pair exactly once between them.
struct Shard {
  std::uint64_t k = 1;
  std::uint64_t n = 1;
  bool operator==(const Shard&) const = default;
};

// "3/16"; requires 1 <= K <= N. Errors: "bad shard '0/4': K must be 1..N".
Result<Shard> parse_shard(std::string_view spec);

}  // namespace dicomsec::scan
