#include "scan/targets.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace dicomsec::scan {
namespace {

Address addr(std::string_view s) {
  auto a = Address::parse(s);
  EXPECT_TRUE(a.has_value()) << s;
  return a.value_or(Address{});
}

AddressRange range_of(std::string_view token) {
  auto t = parse_target(token);
  EXPECT_TRUE(t.ok()) << token << ": " << (t.ok() ? "" : t.error().message);
  if (!t.ok() || !std::holds_alternative<AddressRange>(*t)) return {};
  return std::get<AddressRange>(*t);
}

std::string error_of(std::string_view token) {
  auto t = parse_target(token);
  EXPECT_FALSE(t.ok()) << token << " should be refused";
  return t.ok() ? "" : t.error().message;
}

TEST(Address, ParsesAndPrintsIpv4) {
  for (const char* s : {"0.0.0.0", "127.0.0.1", "10.1.2.3", "255.255.255.255"}) {
    const Address a = addr(s);
    EXPECT_TRUE(a.is_v4()) << s;
    EXPECT_EQ(a.to_string(), s);
  }
  EXPECT_EQ(addr("1.2.3.4").v4(), 0x01020304U);
  EXPECT_EQ(addr("1.2.3.4"), Address::from_v4(0x01020304U));
  EXPECT_EQ(addr("::ffff:1.2.3.4"), addr("1.2.3.4")) << "IPv4-mapped is the same address";
}

TEST(Address, ParsesAndPrintsIpv6Canonically) {
  EXPECT_EQ(addr("::1").to_string(), "::1");
  EXPECT_EQ(addr("::").to_string(), "::");
  EXPECT_FALSE(addr("::1").is_v4());
  EXPECT_EQ(addr("FE80:0:0:0:0:0:0:1").to_string(), "fe80::1");
  EXPECT_EQ(addr("2001:db8:0:0:1:0:0:1").to_string(), "2001:db8::1:0:0:1");     // first run wins
  EXPECT_EQ(addr("2001:db8:0:1:1:1:1:1").to_string(), "2001:db8:0:1:1:1:1:1");  // no :: for 1
  EXPECT_EQ(addr("2001:0db8::0001").to_string(), "2001:db8::1");
  EXPECT_EQ(addr("1:2:3:4:5:6:7::").to_string(), "1:2:3:4:5:6:7:0");
  EXPECT_EQ(addr("::1.2.3.4").to_string(), "::102:304");
  EXPECT_EQ(addr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").next(), std::nullopt);
  EXPECT_EQ(addr("::").prev(), std::nullopt);
}

TEST(Address, RefusesMalformed) {
  for (const char* s :
       {"", "1.2.3", "1.2.3.4.5", "1.2.3.256", "01.2.3.4", "1..2.3", "a.b.c.d", ":::", "1::2::3",
        "12345::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", ":1::", "1::2:3:4:5:6:7:8", "::1.2.3.4:5",
        "fe80::1%eth0", "[::1]", "g::1", "1.2.3.4/8"})
    EXPECT_FALSE(Address::parse(s).has_value()) << s;
}

TEST(Address, ArithmeticCarriesAcrossHalves) {
  EXPECT_EQ(addr("::ffff:ffff:ffff:ffff").next(), addr("0:0:0:1::"));
  EXPECT_EQ(addr("0:0:0:1::").prev(), addr("::ffff:ffff:ffff:ffff"));
  EXPECT_EQ(addr("::ffff:ffff:ffff:ffff").plus(2), addr("0:0:0:1::1"));
  EXPECT_EQ(addr("10.0.0.255").next(), addr("10.0.1.0"));
}

TEST(ParseTarget, SingleAddresses) {
  EXPECT_EQ(range_of("10.0.0.1"), AddressRange::single(addr("10.0.0.1")));
  EXPECT_EQ(range_of("::1"), AddressRange::single(addr("::1")));
  EXPECT_EQ(range_of("[::1]"), AddressRange::single(addr("::1")));
  EXPECT_EQ(range_of("0.0.0.0").size(), 1U);
  EXPECT_EQ(range_of("255.255.255.255").size(), 1U);
}

TEST(ParseTarget, Cidr) {
  const AddressRange r = range_of("10.0.0.0/16");
  EXPECT_EQ(r.first, addr("10.0.0.0"));
  EXPECT_EQ(r.last, addr("10.0.255.255"));
  EXPECT_EQ(r.size(), 65536U);
  EXPECT_EQ(r.at(257), addr("10.0.1.1"));
  EXPECT_TRUE(r.contains(addr("10.0.200.3")));
  EXPECT_FALSE(r.contains(addr("10.1.0.0")));
  EXPECT_EQ(range_of("10.0.0.7/24").first, addr("10.0.0.0")) << "host bits are ignored";
  EXPECT_EQ(range_of("10.0.0.7/32").size(), 1U);
  const AddressRange all = range_of("0.0.0.0/0");
  EXPECT_EQ(all.size(), std::uint64_t{1} << 32);
  EXPECT_EQ(all.last, addr("255.255.255.255"));
  EXPECT_TRUE(all.is_v4());
  const AddressRange v6 = range_of("fe80::/120");
  EXPECT_EQ(v6.size(), 256U);
  EXPECT_EQ(v6.last.to_string(), "fe80::ff");
  EXPECT_EQ(range_of("[fe80::]/88").size(), std::uint64_t{1} << 40) << "the /88 cap is inclusive";
  EXPECT_EQ(range_of("::1/128").size(), 1U);
}

TEST(ParseTarget, Ranges) {
  const AddressRange full = range_of("10.0.0.1-10.0.0.50");
  EXPECT_EQ(full.size(), 50U);
  EXPECT_EQ(range_of("10.0.0.1-50"), full);
  EXPECT_EQ(range_of("10.0.0.255-10.0.1.0").size(), 2U);
  EXPECT_EQ(range_of("fe80::1-fe80::ff").size(), 255U);
  EXPECT_EQ(range_of("[fe80::1]-[fe80::ff]").size(), 255U);
  EXPECT_EQ(range_of("10.0.0.5-5").size(), 1U);
}

TEST(ParseTarget, Hostnames) {
  for (const char* name : {"pacs.example.org", "pacs-01.hospital.local", "localhost",
                           "example.com.", "10-0-0-1.example.com", "cafe", "_dicom.example"}) {
    auto t = parse_target(name);
    ASSERT_TRUE(t.ok()) << name << ": " << t.error().message;
    ASSERT_TRUE(std::holds_alternative<Unresolved>(*t)) << name;
    EXPECT_EQ(std::get<Unresolved>(*t).hostname, name);
  }
}

TEST(ParseTarget, ErrorsNameTheTokenAndTheReason) {
  EXPECT_EQ(error_of("10.0.0.300"), "bad target '10.0.0.300': octet '300' is out of range 0-255");
  EXPECT_NE(error_of("10.0.0.50-10.0.0.1").find("start is after its end"), std::string::npos);
  EXPECT_NE(error_of("10.0.0.50-1").find("start is after its end"), std::string::npos);
  EXPECT_NE(error_of("10.0.0.1-300").find("out of range"), std::string::npos);
  EXPECT_EQ(error_of("fe80::/64"),
            "bad target 'fe80::/64': IPv6 range of 2^64 addresses is too large to scan (max /88)");
  EXPECT_NE(error_of("::/0").find("2^128 addresses is too large"), std::string::npos);
  EXPECT_NE(error_of("fe80::-fe80::1:0:0:0").find("~2^49 addresses is too large"),
            std::string::npos);
  EXPECT_NE(error_of("10.0.0.0/33").find("0-32"), std::string::npos);
  EXPECT_NE(error_of("fe80::/129").find("0-128"), std::string::npos);
  EXPECT_NE(error_of("10.0.0.1-::5").find("mixes IPv4 and IPv6"), std::string::npos);
  EXPECT_NE(error_of("::fffe:ffff:ffff-::1:0:0:0").find("IPv4-mapped"), std::string::npos);
  EXPECT_NE(error_of("[::1]:104").find("-p"), std::string::npos);
  EXPECT_NE(error_of("[10.0.0.1]").find("only for IPv6"), std::string::npos);
  EXPECT_NE(error_of("fe80::1%eth0").find("zone"), std::string::npos);
  EXPECT_NE(error_of("host.example/24").find("needs an IP address"), std::string::npos);
  EXPECT_NE(error_of("bad!host").find("0x21"), std::string::npos);
  EXPECT_NE(error_of("-leading.example").find("'-'"), std::string::npos);
  EXPECT_NE(error_of("a..b").find("empty label"), std::string::npos);
  EXPECT_NE(error_of(std::string(301, 'a')).find("longer than 300"), std::string::npos);
  EXPECT_NE(error_of("").find("empty"), std::string::npos);
  EXPECT_NE(error_of("123").find("4 dot-separated"), std::string::npos);
  EXPECT_NE(error_of("1.2.3.4-").find("range end"), std::string::npos);
  EXPECT_NE(error_of("bad\x01host").find("0x01"), std::string::npos);
  EXPECT_EQ(error_of("bad\x01host").find('\x01'), std::string::npos) << "quoted printably";
}

TEST(ParseExclude, AllowsHugeIpv6ButNotHostnames) {
  auto all = parse_exclude("::/0");
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_EQ(all->size(), ~std::uint64_t{0}) << "size() saturates";
  EXPECT_FALSE(parse_exclude("pacs.example.org").ok());
  EXPECT_FALSE(parse_exclude("10.0.0.256").ok());
}

TEST(ParseTargetList, TokensCommentsAndLineNumbers) {
  std::istringstream in(
      "# hospital A\n"
      "10.0.0.1, 10.0.0.2\t10.0.1.0/30  # trailing comment\n"
      "\n"
      "   \r\n"
      "pacs.example.org,,[::1]\r\n");
  auto list = parse_target_list(in, "targets.txt");
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->size(), 5U);
  EXPECT_EQ(std::get<AddressRange>((*list)[2]).size(), 4U);
  EXPECT_EQ(std::get<Unresolved>((*list)[3]).hostname, "pacs.example.org");
  EXPECT_EQ(std::get<AddressRange>((*list)[4]).first, addr("::1"));

  std::istringstream bad("10.0.0.1\n\n10.0.0.1 10.0.0.999\n");
  auto err = parse_target_list(bad, "targets.txt");
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.error().message.rfind("targets.txt:3: bad target '10.0.0.999'", 0), 0U)
      << err.error().message;

  std::istringstream empty("# nothing\n\n");
  auto none = parse_target_list(empty, "-");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  std::istringstream ex("10.0.0.0/8\nfe80::/10\n");
  auto excl = parse_exclude_list(ex, "exclude.txt");
  ASSERT_TRUE(excl.ok()) << excl.error().message;
  EXPECT_EQ(excl->size(), 2U);
}

}  // namespace
}  // namespace dicomsec::scan
