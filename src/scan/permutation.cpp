#include "scan/permutation.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <string>

#include "core/bytes.hpp"

namespace dicomsec::scan {
namespace {

// SplitMix64's output function (Steele, Lea & Flood 2014): a fast full-avalanche 64-bit
// mixer, used both to derive round keys from the seed and as the Feistel round function.
std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

Permutation::Permutation(std::uint64_t n, std::uint64_t seed) : n_(n) {
  // b = bits of n - 1, at least 2 so both halves are non-empty; b <= 62 as n <= 2^62.
  const unsigned bits = std::max(2U, static_cast<unsigned>(std::bit_width(n > 0 ? n - 1 : 0)));
  right_bits_ = bits / 2;
  right_mask_ = (std::uint64_t{1} << right_bits_) - 1;
  left_mask_ = (std::uint64_t{1} << (bits - right_bits_)) - 1;
  std::uint64_t state = seed;
  for (auto& key : keys_) {
    state += 0x9e3779b97f4a7c15ULL;  // SplitMix64 increment (golden ratio)
    key = mix64(state);
  }
}

std::uint64_t Permutation::encrypt(std::uint64_t x) const {
  std::uint64_t left = x >> right_bits_;
  std::uint64_t right = x & right_mask_;
  // Alternating (unbalanced) Feistel: each step changes one half from the other only, so it
  // is undone by repeating it; halves may differ in width by one bit.
  for (std::size_t round = 0; round < keys_.size(); round += 2) {
    left ^= mix64(right ^ keys_[round]) & left_mask_;
    right ^= mix64(left ^ keys_[round + 1]) & right_mask_;
  }
  return (left << right_bits_) | right;
}

std::uint64_t Permutation::operator()(std::uint64_t i) const {
  // Cycle-walking: i < n, so following i's cycle under encrypt() must come back into
  // [0, n) before returning to i; the first such value is i's image.
  std::uint64_t v = encrypt(i);
  while (v >= n_) v = encrypt(v);
  return v;
}

Result<Shard> parse_shard(std::string_view spec) {
  const std::string shown =
      spec.size() > 40 ? printable(spec.substr(0, 37)) + "..." : printable(spec);
  auto bad = [&](const char* why) {
    return Error{"bad shard '" + shown + "': " + why +
                 " (expected K/N with 1 <= K <= N, e.g. 3/16)"};
  };
  const std::size_t slash = spec.find('/');
  if (slash == std::string_view::npos) return bad("missing '/'");
  auto number = [](std::string_view s, std::uint64_t& out) {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return !s.empty() && ec == std::errc{} && end == s.data() + s.size();
  };
  Shard shard;
  if (!number(spec.substr(0, slash), shard.k) || !number(spec.substr(slash + 1), shard.n))
    return bad("K and N must be decimal numbers");
  if (shard.n == 0) return bad("N must be at least 1");
  if (shard.k == 0 || shard.k > shard.n) return bad("K must be between 1 and N");
  return shard;
}

}  // namespace dicomsec::scan
