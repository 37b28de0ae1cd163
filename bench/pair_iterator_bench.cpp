// How fast the scan's target iterator hands out pairs: PairIterator::next over a /8 minus a
// /16 with the five default ports (shard 3/16), the shape of a large sweep. Prints ns per
// pair. This was a wall-clock bound in tests/unit/scan; timing lives here instead.
//   pair_iterator_bench [CALLS]   (default 2000000)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <variant>

#include "scan/target_set.hpp"

int main(int argc, char** argv) {
  using namespace dicomsec::scan;
  const long calls = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 2000000;
  if (calls <= 0) return 2;
  auto include = parse_target("10.0.0.0/8");
  auto exclude = parse_target("10.10.0.0/16");
  if (!include.ok() || !exclude.ok()) return 1;
  auto set = TargetSet::make({std::get<AddressRange>(*include)}, {std::get<AddressRange>(*exclude)},
                             {104, 11112, 4242, 2761, 2762});
  if (!set.ok()) return 1;
  PairIterator it(*set, 7, Shard{3, 16});
  std::uint64_t sink = 0;
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < calls; ++i)
    if (const auto p = it.next()) sink += p->second;
  const double ns =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  std::printf("PairIterator::next over a /8: %.1f ns per pair (%ld calls, checksum %llu)\n",
              ns / static_cast<double>(calls), calls, static_cast<unsigned long long>(sink));
  return 0;
}
