#include <gtest/gtest.h>

#include <random>
#include <set>

#include "store/store.hpp"

namespace dicomsec::store {
namespace {

using I = PositionSet::Interval;

TEST(PositionSet, MergesTouchingAndOverlapping) {
  PositionSet s;
  s.insert(5);
  s.insert(7);
  EXPECT_EQ(s.intervals(), (std::vector<I>{{5, 5}, {7, 7}}));
  s.insert(6);
  EXPECT_EQ(s.intervals(), (std::vector<I>{{5, 7}}));
  s.insert({0, 3});
  EXPECT_EQ(s.intervals(), (std::vector<I>{{0, 3}, {5, 7}}));
  s.insert(4);
  EXPECT_EQ(s.intervals(), (std::vector<I>{{0, 7}}));
  s.insert({2, 20});
  EXPECT_EQ(s.intervals(), (std::vector<I>{{0, 20}}));
  EXPECT_EQ(s.count(), 21U);
  EXPECT_TRUE(s.contains(0));
  EXPECT_TRUE(s.contains(20));
  EXPECT_FALSE(s.contains(21));
}

TEST(PositionSet, RandomInsertsMatchAStdSet) {
  std::mt19937_64 rng(7);
  PositionSet s;
  std::set<std::uint64_t> ref;
  for (int i = 0; i < 3000; ++i) {
    const auto p = rng() % 500;
    s.insert(p);
    ref.insert(p);
  }
  EXPECT_EQ(s.count(), ref.size());
  for (std::uint64_t p = 0; p < 520; ++p) EXPECT_EQ(s.contains(p), ref.contains(p)) << p;
  for (std::size_t i = 1; i < s.intervals().size(); ++i)
    EXPECT_GT(s.intervals()[i].first, s.intervals()[i - 1].last + 1);
}

}  // namespace
}  // namespace dicomsec::store
