// The user's netblocks (--netblocks CIDR|FILE): thousands of IPv4 and IPv6 blocks, kept as
// sorted, merged intervals so that "is this address ours?" is one binary search, not a scan.
#pragma once

#include <istream>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "scan/targets.hpp"

namespace dicomsec::import {

class Netblocks {
 public:
  // Adds one block: "192.0.2.0/24", "2001:db8::/32", "198.51.100.7", a range "a-b".
  Result<bool> add(std::string_view token);
  // Adds every block of a file (one or more per line, '#' comments; scan's -iL syntax
  // without hostnames). Errors read "SOURCE:LINE: ...".
  Result<bool> add_list(std::istream& in, std::string_view source_name);
  // Sorts and merges; contains() is valid after it.
  void finish();

  [[nodiscard]] bool contains(const scan::Address& a) const;
  [[nodiscard]] bool empty() const { return ranges_.empty(); }
  // Merged intervals, sorted; IPv4 ones are IPv4-mapped, so they sort as one block.
  [[nodiscard]] const std::vector<scan::AddressRange>& ranges() const { return ranges_; }

 private:
  std::vector<scan::AddressRange> ranges_;
};

}  // namespace dicomsec::import
