#include "scan/target_set.hpp"

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace dicomsec::scan {
namespace {

AddressRange r(std::string_view token) {
  auto t = parse_target(token);
  EXPECT_TRUE(t.ok()) << token;
  return t.ok() ? std::get<AddressRange>(*t) : AddressRange{};
}

Address a(std::string_view s) { return Address::parse(s).value_or(Address{}); }

TargetSet make(std::vector<AddressRange> inc, std::vector<AddressRange> exc,
               std::vector<std::uint16_t> ports) {
  auto set = TargetSet::make(std::move(inc), std::move(exc), std::move(ports));
  EXPECT_TRUE(set.ok()) << set.error().message;
  return std::move(set).value();
}

// Index of a pair inside a set made of one IPv4 range, for coverage bitmaps.
std::uint64_t index_in(const TargetSet& set, const Pair& p) {
  const AddressRange& range = set.ranges().front();
  std::uint64_t port_index = 0;
  while (set.ports()[port_index] != p.second) ++port_index;
  return (p.first.v4() - range.first.v4()) * set.ports().size() + port_index;
}

TEST(TargetSet, IteratesASlash16TimesTwoPortsExactlyOnce) {
  const TargetSet set = make({r("10.1.0.0/16")}, {}, {104, 11112});
  ASSERT_EQ(set.total(), 131072U);
  PairIterator it(set, /*seed=*/12345, Shard{});
  EXPECT_EQ(it.size(), 131072U);
  std::vector<bool> seen(set.total());
  std::uint64_t count = 0, sequential = 0;
  std::uint64_t previous = 0;
  while (auto p = it.next()) {
    ASSERT_TRUE(set.ranges().front().contains(p->first));
    const std::uint64_t i = index_in(set, *p);
    ASSERT_FALSE(seen[i]) << p->first.to_string() << ":" << p->second << " visited twice";
    seen[i] = true;
    sequential += (count > 0 && i == previous + 1) ? 1 : 0;
    previous = i;
    ++count;
  }
  EXPECT_EQ(count, 131072U);
  EXPECT_EQ(it.done(), 131072U);
  EXPECT_FALSE(it.next().has_value()) << "stays exhausted";
  EXPECT_LT(sequential, 100U) << "the visiting order is shuffled";
}

TEST(TargetSet, FourShardsCoverEverythingOnce) {
  const TargetSet set = make({r("172.16.0.0/20")}, {}, {104, 4242, 11112});
  ASSERT_EQ(set.total(), 4096U * 3);
  std::vector<int> hits(set.total());
  std::uint64_t sizes = 0;
  for (std::uint64_t k = 1; k <= 4; ++k) {
    PairIterator it(set, 99, Shard{k, 4});
    EXPECT_EQ(it.size(), set.total() / 4);
    std::uint64_t n = 0;
    while (auto p = it.next()) {
      ++hits[index_in(set, *p)];
      ++n;
    }
    EXPECT_EQ(n, it.size());
    sizes += it.size();
  }
  EXPECT_EQ(sizes, set.total());
  for (std::size_t i = 0; i < hits.size(); ++i) ASSERT_EQ(hits[i], 1) << "pair " << i;
}

TEST(TargetSet, ShardSizesAreExactWhenUneven) {
  const TargetSet set = make({r("10.0.0.1-10.0.0.3")}, {}, {104});
  std::vector<std::uint64_t> sizes;
  for (std::uint64_t k = 1; k <= 5; ++k) sizes.push_back(PairIterator(set, 1, {k, 5}).size());
  EXPECT_EQ(sizes, (std::vector<std::uint64_t>{1, 1, 1, 0, 0}));
  EXPECT_EQ(PairIterator(set, 1, {0, 4}).size(), 0U) << "invalid shard visits nothing";
  EXPECT_EQ(PairIterator(set, 1, {5, 4}).size(), 0U);
  const TargetSet seven = make({r("10.0.0.0/29")}, {}, {104});
  EXPECT_EQ(PairIterator(seven, 1, {1, 3}).size() + PairIterator(seven, 1, {2, 3}).size() +
                PairIterator(seven, 1, {3, 3}).size(),
            8U);
}

TEST(TargetSet, SameSeedSameOrderOtherSeedOtherOrder) {
  const TargetSet set = make({r("10.0.0.0/24")}, {}, {104});
  PairIterator x(set, 5, {}), y(set, 5, {}), z(set, 6, {});
  int differ = 0;
  for (int i = 0; i < 256; ++i) {
    const auto px = x.next(), py = y.next(), pz = z.next();
    ASSERT_EQ(px, py);
    differ += px != pz ? 1 : 0;
  }
  EXPECT_GT(differ, 200);
}

TEST(TargetSet, Slash8StaysTiny) {
  // 16M addresses x 5 ports: nothing per address is stored.
  const TargetSet set =
      make({r("10.0.0.0/8")}, {r("10.10.0.0/16")}, {104, 11112, 4242, 2761, 2762});
  EXPECT_EQ(set.ranges().size(), 2U);
  EXPECT_EQ(set.total(), (16777216U - 65536U) * 5);
  PairIterator it(set, 7, Shard{3, 16});
  EXPECT_EQ(it.size(), set.total() / 16);
  static_assert(sizeof(PairIterator) <= 192, "a few words of state plus the two resume hooks");
  const AddressRange hole = r("10.10.0.0/16");
  for (int i = 0; i < 20000; ++i) {
    const auto p = it.next();
    ASSERT_TRUE(p.has_value());
    ASSERT_TRUE(set.contains(p->first));
    ASSERT_FALSE(hole.contains(p->first)) << "exclusions are honoured";
  }
  // The iterator keeps going far past the checked prefix (200000 more pairs, each in the
  // set). How fast next() is belongs to bench/pair_iterator_bench, not to a wall-clock bound.
  std::uint64_t seen = 0;
  for (int i = 0; i < 200000; ++i) seen += it.next().has_value() ? 1 : 0;
  EXPECT_EQ(seen, 200000U);
}

TEST(TargetSet, WholeIpv4SpaceNeedsSixtyFourBits) {
  const TargetSet set = make({r("0.0.0.0/0")}, {}, {104, 11112, 4242, 2761, 2762});
  EXPECT_EQ(set.total(), (std::uint64_t{1} << 32) * 5);
  EXPECT_EQ(set.at(0), (Pair{a("0.0.0.0"), 104}));
  EXPECT_EQ(set.at(set.total() - 1), (Pair{a("255.255.255.255"), 2762}));
  EXPECT_EQ(set.at(5 * 0x01020304ULL + 1), (Pair{a("1.2.3.4"), 11112}));
  PairIterator it(set, 1, Shard{16, 16});
  EXPECT_EQ(it.size(), set.total() / 16);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(it.next().has_value());
}

TEST(TargetSet, EdgeAddresses) {
  const TargetSet set = make({r("255.255.255.255"), r("0.0.0.0"), r("::1")}, {}, {104});
  ASSERT_EQ(set.total(), 3U);
  EXPECT_EQ(set.at(0).first, a("::1")) << "numeric order: :: < ::ffff:0:0/96";
  EXPECT_EQ(set.at(1).first, a("0.0.0.0"));
  EXPECT_EQ(set.at(2).first, a("255.255.255.255"));
  const TargetSet edges = make({r("0.0.0.0/0")}, {r("0.0.0.0"), r("255.255.255.255")}, {1});
  EXPECT_EQ(edges.total(), (std::uint64_t{1} << 32) - 2);
  EXPECT_EQ(edges.at(0).first, a("0.0.0.1"));
}

TEST(TargetSet, MergesOverlappingAndAdjacentIncludes) {
  const TargetSet set =
      make({r("10.0.0.128-10.0.1.10"), r("10.0.0.0/24"), r("10.0.0.5"), r("10.0.1.11-10.0.1.20")},
           {}, {104});
  ASSERT_EQ(set.ranges().size(), 1U);
  EXPECT_EQ(set.ranges()[0], r("10.0.0.0-10.0.1.20"));
  EXPECT_EQ(set.total(), 256U + 21U);
  // An IPv6 range ending just below the IPv4-mapped block is not glued to IPv4 targets.
  const TargetSet mixed = make({r("::fffe:ffff:ff00-::fffe:ffff:ffff"), r("0.0.0.0/24")}, {}, {1});
  EXPECT_EQ(mixed.ranges().size(), 2U);
}

TEST(TargetSet, SubtractsExclusionsExactly) {
  const TargetSet set =
      make({r("10.0.0.0/24"), r("10.0.2.0/24")},
           {r("10.0.0.10-10.0.0.20"), r("10.0.0.255-10.0.2.0"), r("10.0.0.15")}, {104, 104, 11112});
  EXPECT_EQ(set.ports(), (std::vector<std::uint16_t>{104, 11112})) << "duplicate ports dropped";
  EXPECT_EQ(set.addresses(), 10U + 234U + 255U);
  EXPECT_EQ(set.total(), set.addresses() * 2);
  EXPECT_EQ(set.ranges().size(), 3U);
  EXPECT_TRUE(set.contains(a("10.0.0.9")));
  EXPECT_FALSE(set.contains(a("10.0.0.10")));
  EXPECT_FALSE(set.contains(a("10.0.0.20")));
  EXPECT_TRUE(set.contains(a("10.0.0.21")));
  EXPECT_FALSE(set.contains(a("10.0.0.255")));
  EXPECT_FALSE(set.contains(a("10.0.2.0")));
  EXPECT_TRUE(set.contains(a("10.0.2.1")));
  EXPECT_FALSE(set.contains(a("10.0.1.1")));
  PairIterator it(set, 3, {});
  std::uint64_t n = 0;
  while (auto p = it.next()) {
    ASSERT_TRUE(set.contains(p->first));
    ++n;
  }
  EXPECT_EQ(n, set.total());
}

TEST(TargetSet, ExcludingEverythingLeavesNothing) {
  const TargetSet set = make({r("10.0.0.0/24"), r("10.0.0.7")}, {r("10.0.0.0/8")}, {104});
  EXPECT_EQ(set.total(), 0U);
  EXPECT_TRUE(set.ranges().empty());
  PairIterator it(set, 1, {2, 4});
  EXPECT_EQ(it.size(), 0U);
  EXPECT_FALSE(it.next().has_value());
  EXPECT_EQ(make({}, {}, {104}).total(), 0U);
}

TEST(TargetSet, Ipv6ExclusionsLeaveIpv4Alone) {
  auto everything6 = parse_exclude("::/0");
  ASSERT_TRUE(everything6.ok());
  const TargetSet set = make({r("10.0.0.0/30"), r("::1"), r("fe80::/126")}, {*everything6}, {104});
  EXPECT_EQ(set.total(), 4U);
  EXPECT_TRUE(set.at(0).first.is_v4());
}

TEST(TargetSet, RefusesInvalidInput) {
  EXPECT_FALSE(TargetSet::make({r("10.0.0.1")}, {}, {}).ok());
  EXPECT_FALSE(TargetSet::make({r("10.0.0.1")}, {}, {0}).ok());
  EXPECT_FALSE(TargetSet::make({{a("10.0.0.2"), a("10.0.0.1")}}, {}, {104}).ok());
  EXPECT_FALSE(TargetSet::make({{a("::1"), a("10.0.0.1")}}, {}, {104}).ok());
  EXPECT_FALSE(
      TargetSet::make({{a("10.0.0.1"), a("10.0.0.2")}}, {{a("10.0.0.2"), a("10.0.0.1")}}, {104})
          .ok());
  auto huge = TargetSet::make({{a("2001::"), a("2001::ffff:ffff:ffff:ffff")}}, {}, {104});
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.error().message.find("too many targets"), std::string::npos);
  std::vector<std::uint16_t> all_ports;
  for (unsigned p = 1; p <= 65535; ++p) all_ports.push_back(static_cast<std::uint16_t>(p));
  auto wide = TargetSet::make({{a("2001::"), a("2001::7fff:ffff:ffff")}}, {}, all_ports);
  ASSERT_FALSE(wide.ok()) << "2^47 addresses x 65535 ports exceeds 2^62 pairs";
  EXPECT_NE(wide.error().message.find("exceeds 2^62 pairs"), std::string::npos);
  EXPECT_TRUE(TargetSet::make({r("0.0.0.0/0")}, {}, all_ports).ok()) << "2^32 x 65535 fits";
}

}  // namespace
}  // namespace dicomsec::scan

namespace dicomsec::scan {
namespace {

// Resume: a second iterator with the same seed that skips the positions the first one
// handed out visits exactly the rest, and reports the same positions for the same pairs.
TEST(PairIterator, SkipResumesWithTheSamePositions) {
  const TargetSet set = make({r("10.2.0.0/24")}, {}, {104, 2761});
  std::map<std::uint64_t, Pair> first_run;
  PairIterator a(set, 77, Shard{2, 3});
  a.set_on_next([&](const Pair& p, std::uint64_t pos) { first_run.emplace(pos, p); });
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(a.next());
  ASSERT_EQ(first_run.size(), 50U);
  for (const auto& [pos, p] : first_run) EXPECT_EQ(pos % 3, 1U) << "shard 2/3 positions";

  std::map<std::uint64_t, Pair> second_run;
  PairIterator b(set, 77, Shard{2, 3});
  b.set_skip([&](std::uint64_t pos) { return first_run.contains(pos); });
  b.set_on_next([&](const Pair& p, std::uint64_t pos) { second_run.emplace(pos, p); });
  std::uint64_t n = 0;
  while (b.next()) ++n;
  EXPECT_EQ(n, b.size() - 50);
  std::map<std::uint64_t, Pair> full;
  PairIterator c(set, 77, Shard{2, 3});
  c.set_on_next([&](const Pair& p, std::uint64_t pos) { full.emplace(pos, p); });
  while (c.next()) {
  }
  auto together = first_run;
  together.insert(second_run.begin(), second_run.end());
  EXPECT_EQ(together, full);
}

}  // namespace
}  // namespace dicomsec::scan
