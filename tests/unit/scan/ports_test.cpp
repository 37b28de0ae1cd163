#include "scan/ports.hpp"

#include <gtest/gtest.h>

namespace dicomsec::scan {
namespace {

using Ports = std::vector<std::uint16_t>;

Ports ports(std::string_view spec) {
  auto p = parse_ports(spec);
  EXPECT_TRUE(p.ok()) << spec << ": " << (p.ok() ? "" : p.error().message);
  return p.ok() ? *p : Ports{};
}

std::string error_of(std::string_view spec) {
  auto p = parse_ports(spec);
  EXPECT_FALSE(p.ok()) << spec << " should be refused";
  return p.ok() ? "" : p.error().message;
}

TEST(ParsePorts, ListsRangesAndMixes) {
  EXPECT_EQ(ports("104,11112,4242"), (Ports{104, 11112, 4242}));
  EXPECT_EQ(ports("2760-2763"), (Ports{2760, 2761, 2762, 2763}));
  EXPECT_EQ(ports("104, 2761-2762 ,11112"), (Ports{104, 2761, 2762, 11112}));
  EXPECT_EQ(ports("1"), (Ports{1}));
  EXPECT_EQ(ports("65535"), (Ports{65535}));
  EXPECT_EQ(ports("7-7"), (Ports{7}));
  EXPECT_EQ(ports("1-65535").size(), 65535U);
  EXPECT_EQ(ports(kDefaultPorts), (Ports{104, 11112, 4242, 2761, 2762}));
}

TEST(ParsePorts, DropsDuplicatesKeepingFirstOrder) {
  EXPECT_EQ(ports("4242,104,4242,103-105"), (Ports{4242, 104, 103, 105}));
}

TEST(ParsePorts, RefusesBadInput) {
  EXPECT_EQ(error_of("70000"), "bad port list '70000': port '70000' is out of range 1-65535");
  EXPECT_NE(error_of("0").find("out of range 1-65535"), std::string::npos);
  EXPECT_NE(error_of("99999999999999999999999").find("out of range"), std::string::npos);
  EXPECT_NE(error_of("104,,11112").find("empty port"), std::string::npos);
  EXPECT_NE(error_of("").find("empty port"), std::string::npos);
  EXPECT_NE(error_of("104,").find("empty port"), std::string::npos);
  EXPECT_NE(error_of("2770-2760").find("start after its end"), std::string::npos);
  EXPECT_NE(error_of("dicom").find("not a number"), std::string::npos);
  EXPECT_NE(error_of("1-2-3").find("not a number"), std::string::npos);
  EXPECT_NE(error_of("-5").find("empty port"), std::string::npos);
  EXPECT_NE(error_of("+5").find("not a number"), std::string::npos);
}

}  // namespace
}  // namespace dicomsec::scan
