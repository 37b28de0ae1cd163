// The (address, port) pairs of a scan and the order they are visited in.
//
// TargetSet merges the included ranges, subtracts the exclusions exactly and then indexes
// the remaining pairs 0..total()-1 without materialising them: memory is O(ranges + ports),
// so a /8 x 5 ports (84M pairs) costs the same few hundred bytes as a single host.
// PairIterator walks one shard of a seeded permutation of those indices (permutation.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "scan/permutation.hpp"
#include "scan/targets.hpp"

namespace dicomsec::scan {

using Pair = std::pair<Address, std::uint16_t>;

class TargetSet {
 public:
  // Includes must be single-family ranges with first <= last; overlapping or adjacent ones
  // are merged so every address is scanned once. Exclusions may be any ranges (an IPv6
  // exclusion never removes IPv4 targets, even "::/0"). Ports must be 1..65535; duplicates
  // are dropped. Refuses scans of more than 2^62 pairs. An empty result (everything
  // excluded, or no includes) is not an error: total() is 0.
  static Result<TargetSet> make(std::vector<AddressRange> include,
                                std::vector<AddressRange> exclude,
                                std::vector<std::uint16_t> ports);

  [[nodiscard]] std::uint64_t total() const { return total_; }          // pairs
  [[nodiscard]] std::uint64_t addresses() const { return addresses_; }  // distinct hosts
  // Pair number `index` (< total()) in un-permuted order: address-major, ports in the given
  // order. O(log ranges).
  [[nodiscard]] Pair at(std::uint64_t index) const;
  // Sorted, disjoint, non-adjacent within a family.
  [[nodiscard]] const std::vector<AddressRange>& ranges() const { return ranges_; }
  [[nodiscard]] const std::vector<std::uint16_t>& ports() const { return ports_; }
  [[nodiscard]] bool contains(const Address& a) const;

 private:
  TargetSet() = default;

  std::vector<AddressRange> ranges_;
  std::vector<std::uint64_t> starts_;  // starts_[i]: addresses in ranges_[0..i)
  std::vector<std::uint16_t> ports_;
  std::uint64_t addresses_ = 0;
  std::uint64_t total_ = 0;
};

// Visits this shard's pairs in permuted order. Every instance of a sharded scan must use
// the same seed (and the same targets and ports). The TargetSet must outlive the iterator.
// A shard outside 1 <= K <= N (which parse_shard never returns) visits nothing.
class PairIterator {
 public:
  PairIterator(const TargetSet& set, std::uint64_t seed, Shard shard);
  // Visits exactly `pairs`, in their order (positions are their indices): `dicomsec tls`
  // audits the HOST:PORTs it was given, not the product of their addresses and ports.
  explicit PairIterator(std::vector<Pair> pairs);

  // The next pair, or nullopt when this shard is done. O(log ranges), allocation-free.
  std::optional<Pair> next();
  [[nodiscard]] std::uint64_t size() const { return size_; }  // exact pairs in this shard
  [[nodiscard]] std::uint64_t done() const { return done_; }  // pairs returned so far

  // Resuming a stored scan (store/history.hpp): next() passes over the permutation
  // positions for which `skip` is true (they still count in done()), and tells `on_next`
  // the position of each pair it returns. Positions do not depend on the shard.
  void set_skip(std::function<bool(std::uint64_t position)> skip) { skip_ = std::move(skip); }
  void set_on_next(std::function<void(const Pair&, std::uint64_t position)> f) {
    on_next_ = std::move(f);
  }

 private:
  const TargetSet* set_ = nullptr;
  Permutation perm_;
  std::vector<Pair> list_;    // list mode when set_ is null
  std::uint64_t offset_ = 0;  // K - 1
  std::uint64_t stride_ = 1;  // N
  std::uint64_t size_ = 0;
  std::uint64_t done_ = 0;
  std::function<bool(std::uint64_t)> skip_;
  std::function<void(const Pair&, std::uint64_t)> on_next_;
};

}  // namespace dicomsec::scan
