#include "core/host_port.hpp"

#include <gtest/gtest.h>

namespace dicomsec {
namespace {

TEST(HostPort, SplitsNamesAndAddresses) {
  auto p = split_host_port("pacs.example:104");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->host, "pacs.example");
  EXPECT_EQ(p->port, "104");
  EXPECT_FALSE(p->bracketed);
  p = split_host_port("[::1]:11112");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->host, "::1");
  EXPECT_EQ(p->port, "11112");
  EXPECT_TRUE(p->bracketed);
  p = split_host_port("127.0.0.1:");  // the port is the caller's to check
  ASSERT_TRUE(p);
  EXPECT_EQ(p->port, "");
  p = split_host_port("[::1]:");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->port, "");
  p = split_host_port(":104");  // so is an empty host
  ASSERT_TRUE(p);
  EXPECT_EQ(p->host, "");
  // Unbracketed, the last ':' splits; callers that must refuse "::1:104" check the host.
  p = split_host_port("::1:104");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->host, "::1");
  EXPECT_EQ(p->port, "104");
}

TEST(HostPort, RefusesBrokenBrackets) {
  EXPECT_FALSE(split_host_port(""));
  EXPECT_FALSE(split_host_port("localhost"));
  EXPECT_FALSE(split_host_port("[::1"));
  EXPECT_FALSE(split_host_port("[::1]"));
  EXPECT_FALSE(split_host_port("[::1]104"));
}

TEST(HostPort, PortsAreDecimalDigitsOnly) {
  EXPECT_EQ(parse_port("0"), 0);
  EXPECT_EQ(parse_port("104"), 104);
  EXPECT_EQ(parse_port("065535"), 65535);
  EXPECT_FALSE(parse_port("65536"));
  EXPECT_FALSE(parse_port("99999999999999999999"));
  EXPECT_FALSE(parse_port(""));
  EXPECT_FALSE(parse_port("-1"));
  EXPECT_FALSE(parse_port("+1"));
  EXPECT_FALSE(parse_port(" 1"));
  EXPECT_FALSE(parse_port("1 "));
  EXPECT_FALSE(parse_port("0x10"));
}

TEST(HostPort, JoinBracketsIpv6Only) {
  EXPECT_EQ(join_host_port("127.0.0.1", 104U), "127.0.0.1:104");
  EXPECT_EQ(join_host_port("::1", 104U), "[::1]:104");
  EXPECT_EQ(join_host_port("pacs.example", "11112"), "pacs.example:11112");
  EXPECT_EQ(join_host_port("2001:db8::7", ""), "[2001:db8::7]:");
  // What join writes, split reads back.
  const auto joined = join_host_port("2001:db8::7", 2762U);
  const auto p = split_host_port(joined);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->host, "2001:db8::7");
  EXPECT_EQ(parse_port(p->port), 2762);
}

}  // namespace
}  // namespace dicomsec
