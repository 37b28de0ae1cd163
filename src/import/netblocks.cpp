#include "import/netblocks.hpp"

#include <algorithm>

namespace dicomsec::import {

Result<bool> Netblocks::add(std::string_view token) {
  auto r = scan::parse_exclude(token);  // CIDR, range or address; never a hostname
  if (!r) return r.error();
  ranges_.push_back(*r);
  return true;
}

Result<bool> Netblocks::add_list(std::istream& in, std::string_view source_name) {
  auto list = scan::parse_exclude_list(in, source_name);
  if (!list) return list.error();
  ranges_.insert(ranges_.end(), list->begin(), list->end());
  return true;
}

void Netblocks::finish() {
  std::sort(ranges_.begin(), ranges_.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<scan::AddressRange> merged;
  for (const auto& r : ranges_) {
    if (!merged.empty()) {
      auto& last = merged.back();
      const auto after = last.last.next();
      if (!after || r.first <= *after) {  // overlapping or adjacent
        if (last.last < r.last) last.last = r.last;
        continue;
      }
    }
    merged.push_back(r);
  }
  ranges_ = std::move(merged);
}

bool Netblocks::contains(const scan::Address& a) const {
  // The last interval starting at or before a is the only one that can hold it.
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), a,
                             [](const scan::Address& x, const auto& r) { return x < r.first; });
  if (it == ranges_.begin()) return false;
  return (it - 1)->contains(a);
}

}  // namespace dicomsec::import
