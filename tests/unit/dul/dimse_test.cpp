#include "dul/dimse.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "association_helpers.hpp"
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

// Reassembly belongs to dul::Association (the older dimse::MessageAssembler is gone):
// these feed an acceptor in Sta6 what append_pdata / encode_pdata produce.
dul::Association acceptor(dul::AssociationOptions options = {}) {
  options.role = dul::Role::Acceptor;
  dul::Association a(std::move(options));
  EXPECT_TRUE(dul::testing::drive(a, dul::State::Sta6));
  return a;
}

// The A-P-ABORT detail of an Output that ended the association by AA-8, or "".
std::string aa8_detail(const dul::Output& o) {
  if (o.steps.empty() || o.steps.back().action != dul::Action::AA_8) return "";
  auto aborts = dul::testing::all_of<dul::ind::Aborted>(o);
  return aborts.empty() ? "AA-8 without an indication" : aborts.back().detail;
}

TEST(dulDimsePData, CommandAndDataSetReassembleAcrossPdus) {
  const auto find = dul::samples::commands()[2];  // C-FIND-RQ with a data set
  Bytes ds(1000);
  for (std::size_t i = 0; i < ds.size(); ++i) ds[i] = static_cast<std::uint8_t>(i);
  const Bytes wire = encode_pdata(3, encode_command(find), &ds, 64);
  auto pdus = dul::testing::decode_all(wire);
  ASSERT_GT(pdus.size(), 10U);
  for (const auto& p : pdus) EXPECT_LE(dul::testing::bytes_of(p).size() - 6, 64U);

  for (bool whole : {false, true}) {
    dul::AssociationOptions o;
    if (whole) o.buffer_data_set = [](std::uint8_t, const Command&) { return true; };
    auto a = acceptor(std::move(o));
    auto got = a.receive(wire);
    auto cmds = dul::testing::all_of<dul::ind::Command>(got);
    ASSERT_EQ(cmds.size(), 1U);
    EXPECT_EQ(cmds[0].command, find);
    EXPECT_EQ(cmds[0].context_id, 3);
    Bytes joined;
    for (const auto& c : dul::testing::all_of<dul::ind::DataChunk>(got)) {
      EXPECT_EQ(c.context_id, 3);
      joined.insert(joined.end(), c.bytes.begin(), c.bytes.end());
    }
    for (const auto& d : dul::testing::all_of<dul::ind::DataSet>(got))
      joined.insert(joined.end(), d.bytes.begin(), d.bytes.end());
    EXPECT_EQ(joined, ds) << "whole=" << whole;
    EXPECT_EQ(dul::testing::all_of<dul::ind::DataSet>(got).size(), whole ? 1U : 0U);
    EXPECT_TRUE(a.established());
  }
}

TEST(dulDimsePData, CommandWithoutDataSetThenNextMessage) {
  auto a = acceptor();
  const auto echo = dul::samples::commands()[0];
  for (int round = 0; round < 2; ++round) {
    const Bytes wire = encode_pdata(1, encode_command(echo), nullptr, 0);
    ASSERT_EQ(dul::testing::decode_all(wire).size(), 1U);
    auto got = a.receive(wire);
    auto cmds = dul::testing::all_of<dul::ind::Command>(got);
    ASSERT_EQ(cmds.size(), 1U) << round;
    EXPECT_EQ(cmds[0].command, echo);
    EXPECT_TRUE(dul::testing::all_of<dul::ind::DataChunk>(got).empty());
  }
}

// PS3.8 E.2 / PS3.7 Annex E rules on the PDV sequence: a break is Evt19, AA-8.
TEST(dulDimsePData, BrokenPdvSequencesAreProviderAborts) {
  auto pdata = [](std::initializer_list<dul::Pdv> pdvs) {
    return dul::testing::bytes_of(dul::Pdu{dul::PData{pdvs}});
  };
  {
    auto a = acceptor();
    EXPECT_NE(aa8_detail(a.receive(pdata({dul::Pdv{1, false, true, {}}}))).find("without"),
              std::string::npos);
    EXPECT_TRUE(a.receive(pdata({dul::Pdv{1, true, true, {}}})).indications.empty())
        << "nothing is decoded after the abort";
  }
  {
    auto a = acceptor();
    EXPECT_EQ(aa8_detail(a.receive(pdata({dul::Pdv{1, true, false, {1}}}))), "");
    EXPECT_NE(aa8_detail(a.receive(pdata({dul::Pdv{3, true, true, {1}}}))).find("context 1"),
              std::string::npos);
  }
  {
    auto a = acceptor(dul::AssociationOptions{.max_command_bytes = 8});
    EXPECT_EQ(aa8_detail(a.receive(pdata({dul::Pdv{1, true, false, Bytes(8)}}))), "");
    EXPECT_NE(aa8_detail(a.receive(pdata({dul::Pdv{1, true, false, Bytes(1)}}))).find("exceeds"),
              std::string::npos);
  }
  {
    auto a = acceptor();
    auto find = encode_command(dul::samples::commands()[2]);
    EXPECT_EQ(aa8_detail(a.receive(pdata({dul::Pdv{3, true, true, find}}))), "");
    EXPECT_NE(aa8_detail(a.receive(pdata({dul::Pdv{3, true, true, find}}))).find("data set"),
              std::string::npos);
  }
}

TEST(dulDimsePData, EmptyPartsStillSendLastFragment) {
  Bytes empty;
  auto pdus = dul::testing::decode_all(encode_pdata(1, empty, &empty, 100));
  ASSERT_EQ(pdus.size(), 2U);
  const auto& pdv = std::get<dul::PData>(pdus[1]).pdvs.at(0);
  EXPECT_FALSE(pdv.command);
  EXPECT_TRUE(pdv.last);
}

TEST(dulDimsePData, PartsWithoutLastAreNotFlaggedAndStayWithinTheMaximum) {
  Bytes out;
  append_pdata(out, 5, Bytes(10, 1), false, false, 7);  // one byte per PDV
  append_pdata(out, 5, Bytes(3, 2), false, true, 0);    // unlimited: one PDV
  auto pdus = dul::testing::decode_all(out);
  ASSERT_EQ(pdus.size(), 11U);
  for (std::size_t i = 0; i < pdus.size(); ++i) {
    const auto& pdv = std::get<dul::PData>(pdus[i]).pdvs.at(0);
    EXPECT_EQ(pdv.context_id, 5);
    EXPECT_FALSE(pdv.command);
    EXPECT_EQ(pdv.last, i == 10);
    EXPECT_EQ(pdv.data.size(), i == 10 ? 3U : 1U);
  }
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
