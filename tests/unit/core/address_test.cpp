#include "core/address.hpp"

#include <gtest/gtest.h>

namespace dicomsec {
namespace {

Address addr(std::string_view text) { return parse_address(text).value(); }

TEST(CoreAddress, ParsesBothFamiliesStrictly) {
  EXPECT_TRUE(addr("10.0.0.1").is_v4());
  EXPECT_EQ(addr("10.0.0.1").to_string(), "10.0.0.1");
  EXPECT_EQ(addr("::ffff:10.0.0.1"), addr("10.0.0.1"));  // one form for IPv4
  EXPECT_EQ(addr("2001:DB8::1").to_string(), "2001:db8::1");
  EXPECT_EQ(parse_address("10.0.0.300").error().message, "octet '300' is out of range 0-255");
  EXPECT_FALSE(parse_address("010.0.0.1"));  // octal or decimal?
  EXPECT_FALSE(parse_address("[::1]"));      // brackets are the caller's
  EXPECT_FALSE(parse_address("fe80::1%eth0"));
  EXPECT_FALSE(parse_address(""));
}

TEST(CoreAddress, CidrIsTheBlockItCovers) {
  auto r = parse_cidr("10.0.0.7", "24");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->to_string(), "10.0.0.0-10.0.0.255");  // host bits ignored
  r = parse_cidr("2001:db8::", "32");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->contains(addr("2001:db8:ffff::1")));
  EXPECT_FALSE(r->contains(addr("2001:db9::")));
  r = parse_cidr("0.0.0.0", "0");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->contains(addr("255.255.255.255")));
  EXPECT_FALSE(r->contains(addr("::1")));
  r = parse_cidr("127.0.0.1", "32");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->size(), 1U);
  // Past the IPv4-mapped block's start: the caller decides whether that is allowed.
  r = parse_cidr("::", "80");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->first.is_v4());
  EXPECT_TRUE(r->last.is_v4());
}

TEST(CoreAddress, CidrErrorsNameThePart) {
  EXPECT_EQ(parse_cidr("10.0.0.0", "33").error().message, "prefix '33' is not a number 0-32");
  EXPECT_EQ(parse_cidr("::", "129").error().message, "prefix '129' is not a number 0-128");
  EXPECT_EQ(parse_cidr("10.0.0.0", "").error().message, "prefix '' is not a number 0-32");
  EXPECT_EQ(parse_cidr("10.0.0.0", "-1").error().message, "prefix '-1' is not a number 0-32");
  EXPECT_EQ(parse_cidr("10.0.0.256", "8").error().message, "octet '256' is out of range 0-255");
}

TEST(CoreAddress, SmallDecimal) {
  EXPECT_EQ(parse_small_decimal("0"), 0U);
  EXPECT_EQ(parse_small_decimal("999"), 999U);
  EXPECT_FALSE(parse_small_decimal("1000"));
  EXPECT_FALSE(parse_small_decimal(""));
  EXPECT_FALSE(parse_small_decimal("1a"));
}

}  // namespace
}  // namespace dicomsec
