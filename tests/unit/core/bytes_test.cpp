#include "core/bytes.hpp"

#include <gtest/gtest.h>

namespace dicomsec {
namespace {

TEST(ByteReader, ReadsBigAndLittleEndian) {
  const Bytes data{0x01, 0x02, 0x03, 0x04, 0x05, 0x06};
  ByteReader r(data);
  EXPECT_EQ(r.u16be(), 0x0102);
  EXPECT_EQ(r.u16le(), 0x0403);
  EXPECT_EQ(r.remaining(), 2U);
  EXPECT_FALSE(r.u32be().has_value());
  EXPECT_EQ(r.remaining(), 2U) << "a failed read consumes nothing";
}

TEST(ByteReader, SubReaderIsBounded) {
  const Bytes data{1, 2, 3, 4};
  ByteReader r(data);
  auto s = r.sub(2);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->u16be(), 0x0102);
  EXPECT_FALSE(s->u8().has_value());
  EXPECT_EQ(r.u16be(), 0x0304);
  EXPECT_FALSE(r.sub(1).has_value());
}

TEST(ByteWriter, PatchesLengths) {
  ByteWriter w;
  auto at = w.reserve_u32be();
  w.text("abc");
  w.patch_u32be(at);
  EXPECT_EQ(w.data(), (Bytes{0, 0, 0, 3, 'a', 'b', 'c'}));
}

TEST(Printable, ReplacesControlBytes) { EXPECT_EQ(printable("A\x01" "B\n"), "A?B?"); }

}  // namespace
}  // namespace dicomsec
