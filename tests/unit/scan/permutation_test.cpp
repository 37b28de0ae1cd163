#include "scan/permutation.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace dicomsec::scan {
namespace {

// Every position maps into [0, n) and no value repeats.
void expect_bijection(std::uint64_t n, std::uint64_t seed) {
  const Permutation perm(n, seed);
  std::vector<bool> seen(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::uint64_t v = perm(i);
    ASSERT_LT(v, n) << "n=" << n << " i=" << i;
    ASSERT_FALSE(seen[v]) << "n=" << n << " value " << v << " repeated";
    seen[v] = true;
  }
}

TEST(Permutation, IsABijectionForAwkwardSizes) {
  for (std::uint64_t n : {1, 2, 3, 4, 5, 7, 15, 16, 17, 63, 64, 65, 1000, 4097, 65535, 65537})
    for (std::uint64_t seed : {0ULL, 1ULL, 0xdeadbeefULL}) expect_bijection(n, seed);
}

TEST(Permutation, DependsOnTheSeedAndIsDeterministic) {
  const Permutation a(100000, 1), a2(100000, 1), b(100000, 2);
  int same = 0, moved = 0;
  for (std::uint64_t i = 0; i < 1000; ++i) {
    EXPECT_EQ(a(i), a2(i));
    same += a(i) == b(i) ? 1 : 0;
    moved += a(i) != i ? 1 : 0;
  }
  EXPECT_LT(same, 10) << "different seeds give different orders";
  EXPECT_GT(moved, 990) << "the order is not the identity";
}

TEST(Permutation, ScattersConsecutivePositions) {
  // The point of permuting: consecutive probes should not hit neighbouring addresses.
  const Permutation perm(1 << 16, 42);
  int close = 0;
  for (std::uint64_t i = 0; i + 1 < 10000; ++i) {
    const std::uint64_t a = perm(i), b = perm(i + 1);
    close += (a > b ? a - b : b - a) < 256 ? 1 : 0;
  }
  EXPECT_LT(close, 200);  // ~1% expected by chance (2*256/65536 ~ 0.8%)
}

TEST(Permutation, HandlesTheLargestDomain) {
  const Permutation perm(Permutation::kMaxSize, 7);
  for (std::uint64_t i : {std::uint64_t{0}, std::uint64_t{1}, Permutation::kMaxSize - 1})
    EXPECT_LT(perm(i), Permutation::kMaxSize);
  const Permutation odd((std::uint64_t{1} << 32) * 5, 7);  // 0.0.0.0/0 x 5 ports
  for (std::uint64_t i = 0; i < 1000; ++i) EXPECT_LT(odd(i), (std::uint64_t{1} << 32) * 5);
}

TEST(ParseShard, AcceptsKOverN) {
  auto s = parse_shard("3/16");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(*s, (Shard{3, 16}));
  EXPECT_EQ(*parse_shard("1/1"), (Shard{1, 1}));
  EXPECT_EQ(*parse_shard("16/16"), (Shard{16, 16}));
}

TEST(ParseShard, RefusesNonsense) {
  auto e = parse_shard("0/4");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message.rfind("bad shard '0/4': K must be between 1 and N", 0), 0U)
      << e.error().message;
  for (const char* s : {"5/4", "1/0", "0/0", "3", "/4", "3/", "a/b", "-1/4", "3/16/2", " 3/16",
                        "1/99999999999999999999999", ""})
    EXPECT_FALSE(parse_shard(s).ok()) << s;
}

}  // namespace
}  // namespace dicomsec::scan
