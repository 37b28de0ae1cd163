#include "scan/target_set.hpp"

#include <algorithm>
#include <bitset>
#include <string>

namespace dicomsec::scan {
namespace {

constexpr AddressRange kMapped{Address::from_v4(0), Address::from_v4(0xffffffffU)};

// Sorts and merges overlapping or adjacent ranges. With same_family_only, ranges of
// different families are never joined (they can only touch at the ::ffff:0:0/96 edges), so
// every output range stays single-family.
std::vector<AddressRange> normalise(std::vector<AddressRange> in, bool same_family_only) {
  std::sort(in.begin(), in.end(),
            [](const AddressRange& a, const AddressRange& b) { return a.first < b.first; });
  std::vector<AddressRange> out;
  for (const AddressRange& r : in) {
    if (!out.empty()) {
      AddressRange& back = out.back();
      const auto after = back.last.next();
      const bool touches = !after || r.first <= *after;  // !after: back reaches the top
      if (touches && (!same_family_only || back.is_v4() == r.is_v4())) {
        back.last = std::max(back.last, r.last);
        continue;
      }
    }
    out.push_back(r);
  }
  return out;
}

// An exclusion written in IPv6 terms ("::/0", "::/64") is about IPv6 hosts; it must not
// silently drop IPv4 targets just because we store IPv4 inside ::ffff:0:0/96.
void add_exclusion(const AddressRange& r, std::vector<AddressRange>& out) {
  if (r.is_v4() || !(r.first < kMapped.first && kMapped.last < r.last)) {
    out.push_back(r);
    return;
  }
  out.push_back({r.first, *kMapped.first.prev()});
  out.push_back({*kMapped.last.next(), r.last});
}

// include minus exclude; both sorted and disjoint. O(|include| + |exclude|).
std::vector<AddressRange> subtract(const std::vector<AddressRange>& include,
                                   const std::vector<AddressRange>& exclude) {
  std::vector<AddressRange> out;
  std::size_t j = 0;
  for (const AddressRange& inc : include) {
    while (j < exclude.size() && exclude[j].last < inc.first) ++j;
    Address cur = inc.first;
    bool left = true;  // part of inc at or after cur remains
    for (std::size_t k = j; k < exclude.size() && exclude[k].first <= inc.last; ++k) {
      if (cur < exclude[k].first) out.push_back({cur, *exclude[k].first.prev()});
      if (!(exclude[k].last < inc.last)) {
        left = false;
        break;
      }
      cur = std::max(cur, *exclude[k].last.next());  // exists: last < inc.last
    }
    if (left) out.push_back({cur, inc.last});
  }
  return out;
}

std::string describe(const AddressRange& r) {
  return "'" + r.first.to_string() + "-" + r.last.to_string() + "'";
}

}  // namespace

Result<TargetSet> TargetSet::make(std::vector<AddressRange> include,
                                  std::vector<AddressRange> exclude,
                                  std::vector<std::uint16_t> ports) {
  TargetSet set;
  std::bitset<65536> seen;
  for (const std::uint16_t p : ports) {
    if (p == 0) return Error{"port 0 cannot be scanned"};
    if (!seen.test(p)) set.ports_.push_back(p);
    seen.set(p);
  }
  if (set.ports_.empty()) return Error{"no ports to scan"};

  for (const AddressRange& r : include) {
    if (r.last < r.first) return Error{"target range " + describe(r) + " starts after its end"};
    if (!r.single_family()) return Error{"target range " + describe(r) + " mixes IPv4 and IPv6"};
  }
  std::vector<AddressRange> excluded;
  for (const AddressRange& r : exclude) {
    if (r.last < r.first) return Error{"excluded range " + describe(r) + " starts after its end"};
    if (r.first.is_v4() != r.last.is_v4())
      return Error{"excluded range " + describe(r) + " mixes IPv4 and IPv6"};
    add_exclusion(r, excluded);
  }

  set.ranges_ =
      subtract(normalise(std::move(include), true), normalise(std::move(excluded), false));
  set.starts_.reserve(set.ranges_.size());
  for (const AddressRange& r : set.ranges_) {
    set.starts_.push_back(set.addresses_);
    const std::uint64_t n = r.size();  // saturates, so the check below also catches 2^64+
    if (n > Permutation::kMaxSize - set.addresses_)
      return Error{"too many targets: more than 2^62 addresses"};
    set.addresses_ += n;
  }
  if (set.addresses_ > Permutation::kMaxSize / set.ports_.size())
    return Error{"too many targets: " + std::to_string(set.addresses_) + " addresses x " +
                 std::to_string(set.ports_.size()) + " ports exceeds 2^62 pairs"};
  set.total_ = set.addresses_ * set.ports_.size();
  return set;
}

Pair TargetSet::at(std::uint64_t index) const {
  const std::uint64_t host = index / ports_.size();
  const std::uint16_t port = ports_[index % ports_.size()];
  // Last range starting at or before `host`.
  const auto it = std::upper_bound(starts_.begin(), starts_.end(), host) - 1;
  const auto r = static_cast<std::size_t>(it - starts_.begin());
  return {ranges_[r].at(host - *it), port};
}

bool TargetSet::contains(const Address& a) const {
  const auto it =
      std::upper_bound(ranges_.begin(), ranges_.end(), a,
                       [](const Address& x, const AddressRange& r) { return x < r.first; });
  return it != ranges_.begin() && std::prev(it)->contains(a);
}

PairIterator::PairIterator(const TargetSet& set, std::uint64_t seed, Shard shard)
    : set_(&set), perm_(set.total(), seed) {
  if (shard.n == 0 || shard.k == 0 || shard.k > shard.n) return;  // size_ stays 0
  offset_ = shard.k - 1;
  stride_ = shard.n;
  // Positions p < total with p % N == K - 1, counted without overflow.
  const std::uint64_t total = set.total();
  size_ = total / stride_ + (offset_ < total % stride_ ? 1 : 0);
}

PairIterator::PairIterator(std::vector<Pair> pairs)
    : perm_(0, 0), list_(std::move(pairs)), size_(list_.size()) {}

std::optional<Pair> PairIterator::next() {
  while (done_ < size_) {
    // offset + done * stride < total <= 2^62, so no overflow.
    const std::uint64_t position = offset_ + done_ * stride_;
    ++done_;
    if (skip_ && skip_(position)) continue;
    auto pair = set_ != nullptr ? set_->at(perm_(position)) : list_[position];
    if (on_next_) on_next_(pair, position);
    return pair;
  }
  return std::nullopt;
}

}  // namespace dicomsec::scan
