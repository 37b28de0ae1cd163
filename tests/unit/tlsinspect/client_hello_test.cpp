#include "tlsinspect/client_hello.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/bytes.hpp"

using namespace dicomsec;
using namespace dicomsec::tlsinspect;

namespace {

struct Parsed {
  std::uint16_t record_version = 0, legacy_version = 0;
  std::vector<std::uint16_t> suites;
  std::vector<std::uint16_t> extensions;
  Bytes supported_versions, key_share;
  bool has_extensions = false;
};

// Minimal independent reading of the record (RFC 8446 4.1.2), to check the builder.
Parsed parse(const Bytes& b) {
  Parsed p;
  ByteReader r(b);
  EXPECT_EQ(*r.u8(), 22);
  p.record_version = *r.u16be();
  const auto record_len = *r.u16be();
  EXPECT_EQ(record_len, r.remaining());
  EXPECT_EQ(*r.u8(), 1);
  const auto len = (*r.u8() << 16) | *r.u16be();
  EXPECT_EQ(static_cast<std::size_t>(len), r.remaining());
  p.legacy_version = *r.u16be();
  r.skip(32);
  r.skip(*r.u8());
  auto n = *r.u16be();
  for (unsigned i = 0; i < n / 2; ++i) p.suites.push_back(*r.u16be());
  r.skip(*r.u8());
  if (r.empty()) return p;
  p.has_extensions = true;
  auto ext = *r.sub(*r.u16be());
  EXPECT_TRUE(r.empty());
  while (!ext.empty()) {
    auto type = *ext.u16be();
    auto body = *ext.take(*ext.u16be());
    p.extensions.push_back(type);
    if (type == 43) p.supported_versions.assign(body.begin(), body.end());
    if (type == 51) p.key_share.assign(body.begin(), body.end());
  }
  return p;
}

bool has(const std::vector<std::uint16_t>& v, std::uint16_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

TEST(ClientHello, Tls12) {
  ClientHelloSpec s;
  s.version = Version::Tls12;
  s.suites = {0xC02F, 0x002F};
  s.groups = default_groups(Version::Tls12);
  s.sni = "pacs.example";
  auto p = parse(build_client_hello(s, 1));
  EXPECT_EQ(p.record_version, 0x0301);
  EXPECT_EQ(p.legacy_version, 0x0303);
  EXPECT_EQ(p.suites, (std::vector<std::uint16_t>{0xC02F, 0x002F}));
  for (std::uint16_t e : {0, 10, 11, 13, 22, 23, 0xFF01}) EXPECT_TRUE(has(p.extensions, e)) << e;
  EXPECT_FALSE(has(p.extensions, 43));
}

TEST(ClientHello, Tls13WithShares) {
  ClientHelloSpec s;
  s.version = Version::Tls13;
  s.suites = {0x1301};
  s.groups = {kGroupX25519, kGroupSecp256r1};
  s.key_shares = {kGroupX25519, kGroupSecp256r1};
  s.sni = "127.0.0.1";  // an address is never sent as SNI (RFC 6066 3)
  auto p = parse(build_client_hello(s, 2));
  EXPECT_EQ(p.legacy_version, 0x0303);
  EXPECT_FALSE(has(p.extensions, 0));
  EXPECT_EQ(p.supported_versions, (Bytes{2, 3, 4}));
  // client_shares: x25519 (2+2+32) and secp256r1 (2+2+65)
  ASSERT_EQ(p.key_share.size(), 2U + 36 + 69);
  EXPECT_EQ(p.key_share[2], 0x00);
  EXPECT_EQ(p.key_share[3], 0x1D);
  EXPECT_EQ(p.key_share[2 + 36 + 4], 0x04);  // uncompressed point
}

TEST(ClientHello, Ssl3HasNoExtensionsButTheScsv) {
  ClientHelloSpec s;
  s.version = Version::Ssl3;
  s.suites = {0x000A};
  auto p = parse(build_client_hello(s, 3));
  EXPECT_EQ(p.record_version, 0x0300);
  EXPECT_EQ(p.legacy_version, 0x0300);
  EXPECT_FALSE(p.has_extensions);
  EXPECT_EQ(p.suites, (std::vector<std::uint16_t>{0x000A, 0x00FF}));
}

TEST(ClientHello, SeedMakesItDeterministic) {
  ClientHelloSpec s;
  s.suites = {0xC02F};
  EXPECT_EQ(build_client_hello(s, 7), build_client_hello(s, 7));
  EXPECT_NE(build_client_hello(s, 7), build_client_hello(s, 8));
}
