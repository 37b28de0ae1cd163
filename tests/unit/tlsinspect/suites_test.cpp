#include "tlsinspect/suites.hpp"

#include <gtest/gtest.h>

#include <set>

using namespace dicomsec::tlsinspect;

TEST(Suites, TableIsSortedAndUnique) {
  auto all = cipher_suites();
  ASSERT_GT(all.size(), 200U);
  std::set<std::string> names;
  for (std::size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].id, all[i].id);
  for (const auto& s : all) EXPECT_TRUE(names.insert(s.iana).second) << s.iana;
}

TEST(Suites, Lookup) {
  const auto* s = find_suite(0xC02F);
  ASSERT_NE(s, nullptr);
  EXPECT_STREQ(s->iana, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
  EXPECT_STREQ(s->openssl, "ECDHE-RSA-AES128-GCM-SHA256");
  EXPECT_EQ(find_suite_by_name("ECDHE-RSA-AES128-GCM-SHA256"), s);
  EXPECT_EQ(find_suite_by_name("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"), s);
  EXPECT_EQ(find_suite(0xFFFF), nullptr);
  EXPECT_EQ(suite_name(0xFFFF), "0xFFFF");
}

TEST(Suites, Flags) {
  auto flags = [](std::uint16_t id) { return find_suite(id)->flags; };
  EXPECT_EQ(flags(0xC02F), kAead | kPfs);
  EXPECT_EQ(flags(0x1301), kAead | kPfs | kTls13);
  EXPECT_EQ(flags(0x002F), kCbc);               // static RSA, AES-CBC
  EXPECT_EQ(flags(0x000A), kCbc | kTripleDes);  // 3DES
  EXPECT_EQ(flags(0x0002), kNull);              // RSA NULL SHA
  EXPECT_EQ(flags(0x0004), kRc4 | kWeakMac);    // RC4-MD5
  EXPECT_NE(flags(0x0003) & kExport, 0U);       // EXP-RC4-MD5
  EXPECT_NE(flags(0x0018) & kAnon, 0U);         // ADH-RC4-MD5
  EXPECT_NE(flags(0x0009) & kDes, 0U);          // DES-CBC-SHA
  EXPECT_NE(flags(0x008C) & kPsk, 0U);          // PSK-AES128-CBC-SHA
  EXPECT_EQ(flags(0x0033), kCbc | kPfs);        // DHE-RSA-AES128-SHA
}

TEST(Suites, UsableInVersion) {
  EXPECT_TRUE(suite_usable_in(*find_suite(0x1301), Version::Tls13));
  EXPECT_FALSE(suite_usable_in(*find_suite(0x1301), Version::Tls12));
  EXPECT_FALSE(suite_usable_in(*find_suite(0xC02F), Version::Tls13));
  EXPECT_TRUE(suite_usable_in(*find_suite(0xC02F), Version::Tls12));
  EXPECT_FALSE(suite_usable_in(*find_suite(0xC02F), Version::Tls11));
  EXPECT_TRUE(suite_usable_in(*find_suite(0x002F), Version::Ssl3));
}

TEST(Suites, VersionsAndGroups) {
  EXPECT_EQ(version_name(Version::Tls10), "TLSv1.0");
  EXPECT_EQ(version_from_name("TLSv1.3"), Version::Tls13);
  EXPECT_EQ(version_from_wire(0x0303), Version::Tls12);
  EXPECT_FALSE(version_from_wire(0x0305));
  EXPECT_EQ(group_name(0x001D), "x25519");
  EXPECT_EQ(group_name(0x0100), "ffdhe2048");
  EXPECT_EQ(group_name(0x4242), "0x4242");
}
