// PairIterator over an explicit list (dicomsec tls): exactly the given pairs, in order, with
// their indices as positions for --db.
#include <gtest/gtest.h>

#include <vector>

#include "scan/target_set.hpp"

namespace dicomsec::scan {
namespace {

Address addr(const char* text) { return *Address::parse(text); }

TEST(PairList, VisitsExactlyTheGivenPairsInOrderNotTheirProduct) {
  const std::vector<Pair> list{{addr("127.0.0.1"), 2762},
                               {addr("127.0.0.2"), 11112},
                               {addr("::1"), 443},
                               {addr("127.0.0.1"), 2762}};
  PairIterator it(list);
  EXPECT_EQ(it.size(), 4U);
  std::vector<Pair> seen;
  while (auto p = it.next()) seen.push_back(*p);
  EXPECT_EQ(seen, list);
  EXPECT_EQ(it.done(), 4U);
  EXPECT_FALSE(it.next());
}

TEST(PairList, PositionsAreIndicesAndSkipWorks) {
  const std::vector<Pair> list{
      {addr("127.0.0.1"), 1}, {addr("127.0.0.1"), 2}, {addr("127.0.0.1"), 3}};
  PairIterator it(list);
  it.set_skip([](std::uint64_t p) { return p == 1; });
  std::vector<std::uint64_t> positions;
  it.set_on_next([&](const Pair&, std::uint64_t p) { positions.push_back(p); });
  std::vector<std::uint16_t> ports;
  while (auto p = it.next()) ports.push_back(p->second);
  EXPECT_EQ(ports, (std::vector<std::uint16_t>{1, 3}));
  EXPECT_EQ(positions, (std::vector<std::uint64_t>{0, 2}));
  EXPECT_EQ(it.done(), 3U);
}

TEST(PairList, EmptyListVisitsNothing) {
  PairIterator it(std::vector<Pair>{});
  EXPECT_EQ(it.size(), 0U);
  EXPECT_FALSE(it.next());
}

}  // namespace
}  // namespace dicomsec::scan
