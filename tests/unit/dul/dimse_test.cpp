#include "dul/dimse.hpp"

#include <gtest/gtest.h>

#include "samples.hpp"

namespace dicomsec::dimse {
namespace {

TEST(dulDimseCommand, SamplesRoundTrip) {
  for (const auto& c : dul::samples::commands()) {
    auto bytes = encode_command(c);
    auto back = decode_command(bytes);
    ASSERT_TRUE(back) << back.error().message;
    Command expected = c;
    if (is_response(c.field) || c.field == CommandField::CCancelRq) expected.message_id = 0;
    if (c.field == CommandField::CEchoRq || is_response(c.field) ||
        c.field == CommandField::CCancelRq)
      expected.priority = 0;
    EXPECT_EQ(*back, expected) << command_name(c.field);
  }
}

TEST(dulDimseCommand, EchoRqMatchesPs37Layout) {
  Command c{.field = CommandField::CEchoRq,
            .affected_sop_class_uid = "1.2.840.10008.1.1",
            .message_id = 1};
  auto b = encode_command(c);
  // (0000,0000) UL 4 = 56: 18+10+10+10 bytes of the elements that follow.
  const Bytes head{0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 56, 0x00, 0x00, 0x00};
  ASSERT_EQ(b.size(), 12U + 56U);
  EXPECT_TRUE(std::equal(head.begin(), head.end(), b.begin()));
  // UID of odd length 17 is padded with one NUL to 18.
  EXPECT_EQ(b[16], 18);
  EXPECT_EQ(b[12 + 8 + 17], 0x00);
}

TEST(dulDimseCommand, MoveDestinationPaddedWithSpace) {
  Command c{.field = CommandField::CMoveRq,
            .message_id = 1,
            .command_data_set_type = 0,
            .move_destination = "ABC"};
  auto b = encode_command(c);
  auto back = decode_command(b);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->move_destination, "ABC");
  const std::string padded = "ABC ";
  EXPECT_NE(std::search(b.begin(), b.end(), padded.begin(), padded.end()), b.end());
}

TEST(dulDimseCommand, RejectsBadInput) {
  auto good = encode_command(dul::samples::commands()[1]);
  EXPECT_FALSE(decode_command(Bytes{}));
  EXPECT_FALSE(decode_command(ByteView(good).first(good.size() - 1)));  // group length mismatch
  Bytes wrong_us = good;
  wrong_us.push_back(0);
  EXPECT_FALSE(decode_command(wrong_us));
  // An element claiming more bytes than remain.
  Bytes huge = encode_command(Command{});
  huge.insert(huge.end(), {0x00, 0x00, 0x00, 0x50, 0xFF, 0xFF, 0xFF, 0xFF});
  auto len = static_cast<std::uint32_t>(huge.size() - 12);
  huge[8] = static_cast<std::uint8_t>(len);
  auto r = decode_command(huge);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("exceeds"), std::string::npos) << r.error().message;
}

TEST(dulDimseCommand, SkipsUnknownElementsAndCapsCount) {
  ByteWriter w;
  for (int i = 0; i < 10; ++i) {  // (0000,0902) ErrorComment, not interpreted
    w.u16le(0);
    w.u16le(0x0902);
    w.u32le(2);
    w.text("ok");
  }
  auto base = encode_command(Command{.field = CommandField::CEchoRsp, .status = 0x0110});
  Bytes b = base;
  b.insert(b.end(), w.data().begin(), w.data().end());
  auto len = static_cast<std::uint32_t>(b.size() - 12);
  b[8] = static_cast<std::uint8_t>(len);
  auto r = decode_command(b);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 0x0110);
  EXPECT_FALSE(decode_command(b, CommandLimits{.max_elements = 8}));
}

TEST(dulMessageAssembler, ReassemblesCommandAndDataSetAcrossPdus) {
  auto cmd = encode_command(dul::samples::commands()[2]);  // C-FIND-RQ with data set
  Bytes ds(1000);
  for (std::size_t i = 0; i < ds.size(); ++i) ds[i] = static_cast<std::uint8_t>(i);
  auto pdus = make_pdata(3, cmd, &ds, 64);
  ASSERT_GT(pdus.size(), 10U);
  MessageAssembler m;
  int commands = 0;
  int datasets = 0;
  for (const auto& p : pdus) {
    auto bytes = dul::encode(p).value();
    ASSERT_LE(bytes.size() - 6, 64U);
    for (const auto& pdv : std::get<dul::PData>(p).pdvs) {
      auto st = m.add(pdv);
      ASSERT_NE(st, MessageAssembler::Status::Error) << m.error();
      if (st == MessageAssembler::Status::CommandReady) {
        ++commands;
        EXPECT_EQ(m.command(), dul::samples::commands()[2]);
        EXPECT_TRUE(m.awaiting_data_set());
      }
      if (st == MessageAssembler::Status::DataSetReady) {
        ++datasets;
        EXPECT_EQ(m.data_set(), ds);
        EXPECT_EQ(m.context_id(), 3);
      }
    }
  }
  EXPECT_EQ(commands, 1);
  EXPECT_EQ(datasets, 1);
}

TEST(dulMessageAssembler, CommandWithoutDataSetThenNextMessage) {
  MessageAssembler m;
  auto echo = encode_command(dul::samples::commands()[1]);
  for (int round = 0; round < 2; ++round) {
    auto pdus = make_pdata(1, echo, nullptr, 0);
    ASSERT_EQ(pdus.size(), 1U);
    EXPECT_EQ(m.add(std::get<dul::PData>(pdus[0]).pdvs.at(0)),
              MessageAssembler::Status::CommandReady);
    EXPECT_FALSE(m.awaiting_data_set());
  }
}

TEST(dulMessageAssembler, Errors) {
  {
    MessageAssembler m;
    EXPECT_EQ(m.add(dul::Pdv{1, false, true, {}}), MessageAssembler::Status::Error);
    EXPECT_EQ(m.add(dul::Pdv{1, true, true, {}}), MessageAssembler::Status::Error) << "sticky";
  }
  {
    MessageAssembler m;
    EXPECT_EQ(m.add(dul::Pdv{1, true, false, {1}}), MessageAssembler::Status::NeedMore);
    EXPECT_EQ(m.add(dul::Pdv{3, true, true, {1}}), MessageAssembler::Status::Error);
  }
  {
    MessageAssembler m(8);
    EXPECT_EQ(m.add(dul::Pdv{1, true, false, Bytes(8)}), MessageAssembler::Status::NeedMore);
    EXPECT_EQ(m.add(dul::Pdv{1, true, false, Bytes(1)}), MessageAssembler::Status::Error);
  }
  {
    MessageAssembler m;
    auto find = encode_command(dul::samples::commands()[2]);
    EXPECT_EQ(m.add(dul::Pdv{1, true, true, find}), MessageAssembler::Status::CommandReady);
    EXPECT_EQ(m.add(dul::Pdv{1, true, true, find}), MessageAssembler::Status::Error);
  }
}

TEST(dulMakePData, EmptyPartsStillSendLastFragment) {
  Bytes empty;
  auto pdus = make_pdata(1, empty, &empty, 100);
  ASSERT_EQ(pdus.size(), 2U);
  const auto& pdv = std::get<dul::PData>(pdus[1]).pdvs.at(0);
  EXPECT_FALSE(pdv.command);
  EXPECT_TRUE(pdv.last);
}

TEST(dulStatus, Names) {
  EXPECT_EQ(status_name(0x0000), "success");
  EXPECT_EQ(status_name(0xFF00), "pending");
  EXPECT_EQ(status_name(0xFF01), "pending");
  EXPECT_EQ(status_name(0xFE00), "cancel");
  EXPECT_EQ(status_name(0xA700), "out-of-resources");
  EXPECT_EQ(status_name(0xA702), "out-of-resources");
  EXPECT_EQ(status_name(0x0122), "sop-class-not-supported");
  EXPECT_EQ(status_name(0x0124), "refused-not-authorized");
  EXPECT_EQ(status_name(0xA801), "move-destination-unknown");
  EXPECT_EQ(status_name(0xC001), "unable-to-process");
  EXPECT_EQ(status_name(0xB000), "warning");
  EXPECT_EQ(status_name(0xD123), "failure");
  EXPECT_EQ(status_category(0x0001), StatusCategory::Warning);
  EXPECT_EQ(status_category(0xA900), StatusCategory::Failure);
}

}  // namespace
}  // namespace dicomsec::dimse
