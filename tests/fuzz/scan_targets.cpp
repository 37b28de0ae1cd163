// Fuzzes the TARGET / -iL / -p / --shard parsers of src/scan and checks their invariants:
// a parsed range is non-empty, single-family, prints and re-parses to itself, and a
// TargetSet built from parsed input indexes exactly total() pairs.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>

#include "scan/permutation.hpp"
#include "scan/ports.hpp"
#include "scan/target_set.hpp"
#include "scan/targets.hpp"

namespace {

using namespace dicomsec::scan;

void check(bool ok) {
  if (!ok) std::abort();
}

void check_range(const AddressRange& r) {
  check(!(r.last < r.first) && r.size() >= 1 && r.first.is_v4() == r.last.is_v4());
  for (const Address& a : {r.first, r.last}) {
    const auto again = Address::parse(a.to_string());
    check(again.has_value() && *again == a);
  }
  if (r.size() != ~std::uint64_t{0}) check(r.at(r.size() - 1) == r.last);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto t = parse_target(text); t.ok()) {
    if (const auto* r = std::get_if<AddressRange>(&*t)) {
      check_range(*r);
      check(r->is_v4() || r->size() <= kMaxIpv6RangeSize);
      check(r->single_family());
    } else {
      check(!std::get<Unresolved>(*t).hostname.empty());
    }
  }
  if (auto e = parse_exclude(text); e.ok()) check_range(*e);
  (void)parse_ports(text);
  if (auto s = parse_shard(text); s.ok()) check(s->k >= 1 && s->k <= s->n);

  // The whole input as an -iL file; if it parses, scan it with two ports and two shards.
  std::istringstream in{std::string(text)};
  auto list = parse_target_list(in, "fuzz");
  if (!list.ok()) return 0;
  std::vector<AddressRange> include;
  for (const auto& t : *list)
    if (const auto* r = std::get_if<AddressRange>(&t)) include.push_back(*r);
  std::vector<AddressRange> exclude;
  if (!include.empty()) exclude.push_back(AddressRange::single(include.front().last));
  auto set = TargetSet::make(include, exclude, {104, 11112});
  if (!set.ok()) return 0;
  check(set->total() == set->addresses() * 2);
  std::uint64_t sum = 0;
  for (std::uint64_t k = 1; k <= 2; ++k) {
    PairIterator it(*set, size, Shard{k, 2});
    sum += it.size();
    for (int i = 0; i < 64; ++i) {  // bounded: a /0 must not make one input take minutes
      const auto p = it.next();
      if (!p) break;
      check(set->contains(p->first));
    }
  }
  check(sum == set->total());
  return 0;
}
