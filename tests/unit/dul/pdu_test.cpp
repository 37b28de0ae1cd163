#include "dul/pdu.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "samples.hpp"
#include "storescp_367_ac.inc"

namespace dicomsec::dul {
namespace {

struct Outcome {
  std::vector<Pdu> pdus;
  bool error = false;
  std::string message;
};

// Feeds the stream in the given chunk boundaries, draining the decoder after each feed.
Outcome decode_chunked(ByteView stream, const std::vector<std::size_t>& cuts, Limits limits = {}) {
  PduDecoder d(limits);
  Outcome out;
  std::size_t start = 0;
  auto drain = [&] {
    for (;;) {
      auto st = d.next();
      if (st == DecodeStatus::Ready) {
        out.pdus.push_back(d.take());
        continue;
      }
      if (st == DecodeStatus::Error) {
        out.error = true;
        out.message = d.error();
      }
      return;
    }
  };
  for (auto cut : cuts) {
    d.feed(stream.subspan(start, cut - start));
    start = cut;
    drain();
  }
  d.feed(stream.subspan(start));
  drain();
  return out;
}

Outcome decode_whole(ByteView stream) { return decode_chunked(stream, {}); }

// PS3.8 requires nothing of TCP segmentation: every split must decode identically.
void expect_any_chunking(const Bytes& stream, const Outcome& reference) {
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    auto got = decode_chunked(stream, {cut});
    ASSERT_EQ(got.pdus, reference.pdus) << "split at " << cut;
    ASSERT_EQ(got.error, reference.error) << "split at " << cut;
  }
  std::vector<std::size_t> every;
  for (std::size_t i = 1; i < stream.size(); ++i) every.push_back(i);
  auto bytewise = decode_chunked(stream, every);
  EXPECT_EQ(bytewise.pdus, reference.pdus);
  EXPECT_EQ(bytewise.error, reference.error);
}

TEST(dulPduCodec, EachSampleRoundTrips) {
  for (const auto& pdu : samples::all_pdus()) {
    auto bytes = encode(pdu).value();
    auto back = decode_pdu(bytes);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, pdu) << pdu_type_name(static_cast<std::uint8_t>(pdu_type(pdu)));
  }
}

TEST(dulPduCodec, StreamDecodesIdenticallyAtEverySplitAndByteByByte) {
  auto pdus = samples::all_pdus();
  auto stream = samples::concat(pdus);
  auto whole = decode_whole(stream);
  ASSERT_FALSE(whole.error) << whole.message;
  ASSERT_EQ(whole.pdus, pdus);
  expect_any_chunking(stream, whole);
}

TEST(dulPduCodec, EncodesRqLayout) {
  auto bytes = encode(samples::associate_rq()).value();
  ASSERT_GE(bytes.size(), 74U);
  EXPECT_EQ(bytes[0], 0x01);
  EXPECT_EQ(std::string(bytes.begin() + 10, bytes.begin() + 26), "ANY-SCP         ");
  EXPECT_EQ(std::string(bytes.begin() + 26, bytes.begin() + 42), "DICOMSEC        ");
  EXPECT_EQ(bytes[74], 0x10);  // PS3.8 9.3.2: application context item first
  // Odd-length UID written unpadded (PS3.8 9.3.2.2.1).
  EXPECT_EQ(bytes[77], 21);
}

TEST(dulPduCodec, DecodesDcmtk367StorescpAc) {
  const Bytes stream(std::begin(kStorescp367Ac), std::end(kStorescp367Ac));
  auto whole = decode_whole(stream);
  ASSERT_FALSE(whole.error) << whole.message;
  ASSERT_EQ(whole.pdus.size(), 1U);
  const auto& ac = std::get<AssociateAc>(whole.pdus[0]);
  EXPECT_EQ(ac.called_ae, "STORESCP");
  EXPECT_EQ(ac.calling_ae, "DICOMSEC");
  EXPECT_EQ(ac.application_context, "1.2.840.10008.3.1.1.1");
  ASSERT_EQ(ac.contexts.size(), 3U);
  EXPECT_EQ(ac.contexts[0], (PresentationContextAc{1, PcResult::Acceptance, "1.2.840.10008.1.2"}));
  EXPECT_EQ(ac.contexts[1],
            (PresentationContextAc{3, PcResult::Acceptance, "1.2.840.10008.1.2.1"}));
  EXPECT_EQ(ac.contexts[2].result, PcResult::AbstractSyntaxNotSupported);
  EXPECT_EQ(ac.user_info.max_length, 16384U);
  EXPECT_EQ(ac.user_info.implementation_class_uid, "1.2.276.0.7230010.3.0.3.6.7");
  EXPECT_EQ(ac.user_info.implementation_version_name, "OFFIS_DCMTK_367");
  EXPECT_TRUE(ac.user_info.unknown.empty());
  expect_any_chunking(stream, whole);
  // Our encoder reproduces DCMTK's bytes exactly.
  EXPECT_EQ(encode(ac).value(), stream);
}

TEST(dulPduCodec, TrimsAePaddingAndUidPadding) {
  AssociateRq rq = samples::associate_rq();
  rq.called_ae = "  PACS";
  rq.contexts = {{1, std::string("1.2.840.10008.1.1") + '\0', {"1.2.840.10008.1.2 "}}};
  auto back = decode_pdu(encode(rq).value());
  ASSERT_TRUE(back);
  const auto& got = std::get<AssociateRq>(*back);
  EXPECT_EQ(got.called_ae, "PACS");
  EXPECT_EQ(got.contexts[0].abstract_syntax, "1.2.840.10008.1.1");
  EXPECT_EQ(got.contexts[0].transfer_syntaxes[0], "1.2.840.10008.1.2");
}

TEST(dulPduDecoder, RejectsHugeLengthAsSoonAsHeaderArrives) {
  PduDecoder d;
  const Bytes header{0x02, 0x00, 0xFF, 0xFF, 0xFF, 0xFF};
  d.feed(ByteView(header).first(5));
  EXPECT_EQ(d.next(), DecodeStatus::NeedMore);
  d.feed(ByteView(header).subspan(5));
  EXPECT_EQ(d.next(), DecodeStatus::Error);
  EXPECT_NE(d.error().find("exceeds the limit"), std::string::npos) << d.error();
  d.feed(encode(ReleaseRq{}).value());  // stays in error
  EXPECT_EQ(d.next(), DecodeStatus::Error);
  EXPECT_EQ(d.buffered(), 0U);
}

TEST(dulPduDecoder, RejectsUnknownPduTypeFromFirstByte) {
  PduDecoder d;
  const Bytes one{0x09};
  d.feed(one);
  EXPECT_EQ(d.next(), DecodeStatus::Error);
  EXPECT_EQ(d.error(), "unknown PDU type 0x09");
}

TEST(dulPduDecoder, RejectsHttpAnswer) {
  const std::string http = "HTTP/1.1 400 Bad Request\r\n\r\n";
  auto out = decode_whole(Bytes(http.begin(), http.end()));
  EXPECT_TRUE(out.error);
}

TEST(dulPduDecoder, CapsBufferedBytes) {
  PduDecoder d(Limits{.max_pdu_length = 1U << 20, .max_items = 512, .max_buffered = 16});
  d.feed(Bytes(17, 0x04));
  EXPECT_EQ(d.next(), DecodeStatus::Error);
}

TEST(dulPduDecoder, ItemLengthBeyondPduIsError) {
  auto bytes = encode(samples::associate_rq()).value();
  bytes[76] = 0x7F;  // application context item length high byte
  auto out = decode_whole(bytes);
  ASSERT_TRUE(out.error);
  EXPECT_NE(out.message.find("exceeds"), std::string::npos) << out.message;
}

TEST(dulPduDecoder, CapsItemCount) {
  AssociateRq rq = samples::associate_rq();
  for (int i = 0; i < 40; ++i)
    rq.contexts.push_back({static_cast<std::uint8_t>(2 * i + 5), "1.2", {"1.2"}});
  auto ok = decode_pdu(encode(rq).value());
  EXPECT_TRUE(ok);
  auto capped = decode_pdu(
      encode(rq).value(), Limits{.max_pdu_length = 1U << 20, .max_items = 50, .max_buffered = 2U << 20});
  ASSERT_FALSE(capped);
  EXPECT_NE(capped.error().message.find("too many"), std::string::npos);
}

TEST(dulPduDecoder, KeepsUnknownUserInfoSubItems) {
  AssociateAc ac = samples::associate_ac_full();
  ac.user_info.unknown = {{0x70, Bytes{1, 2, 3}}, {0x5F, Bytes{}}};
  auto back = decode_pdu(encode(ac).value());
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(std::get<AssociateAc>(*back).user_info.unknown, ac.user_info.unknown);
}

TEST(dulPduDecoder, RejectsMalformedBodies) {
  // Every truncation of a valid PDU body (with its header's length patched to match)
  // must be rejected or decoded without reading outside the buffer.
  for (const auto& pdu : samples::all_pdus()) {
    auto bytes = encode(pdu).value();
    for (std::size_t n = 6; n < bytes.size(); ++n) {
      Bytes cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
      auto len = static_cast<std::uint32_t>(n - 6);
      cut[2] = static_cast<std::uint8_t>(len >> 24);
      cut[3] = static_cast<std::uint8_t>(len >> 16);
      cut[4] = static_cast<std::uint8_t>(len >> 8);
      cut[5] = static_cast<std::uint8_t>(len);
      auto r = decode_pdu(cut);
      if (r) {
        EXPECT_NE(*r, pdu);
      }
    }
  }
}

TEST(dulPduDecoder, FixedLengthPdusMustHaveFourByteBodies) {
  const Bytes release{0x05, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00};
  EXPECT_FALSE(decode_pdu(release));
  const Bytes empty_pdata{0x04, 0x00, 0x00, 0x00, 0x00, 0x00};
  EXPECT_FALSE(decode_pdu(empty_pdata));
}

TEST(dulPduDecoder, PdvShorterThanHeaderIsError) {
  const Bytes pdata{0x04, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x01, 0x01};
  auto r = decode_pdu(pdata);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("< 2"), std::string::npos);
}

TEST(dulNames, RejectAndAbort) {
  EXPECT_EQ(reject_result_name(1), "permanent");
  EXPECT_EQ(reject_result_name(2), "transient");
  EXPECT_EQ(reject_result_name(9), "unknown");
  EXPECT_EQ(reject_source_name(1), "service-user");
  EXPECT_EQ(reject_source_name(2), "acse");
  EXPECT_EQ(reject_source_name(3), "presentation");
  EXPECT_EQ(reject_reason_name(1, 1), "no-reason");
  EXPECT_EQ(reject_reason_name(1, 2), "application-context-not-supported");
  EXPECT_EQ(reject_reason_name(1, 3), "calling-ae-not-recognized");
  EXPECT_EQ(reject_reason_name(1, 7), "called-ae-not-recognized");
  EXPECT_EQ(reject_reason_name(1, 4), "unknown");
  EXPECT_EQ(reject_reason_name(2, 2), "protocol-version-not-supported");
  EXPECT_EQ(reject_reason_name(3, 1), "temporary-congestion");
  EXPECT_EQ(reject_reason_name(3, 2), "local-limit-exceeded");
  EXPECT_EQ(reject_reason_name(4, 1), "unknown");
  EXPECT_EQ(abort_source_name(0), "service-user");
  EXPECT_EQ(abort_source_name(2), "service-provider");
  EXPECT_EQ(abort_reason_name(2), "unexpected-pdu");
  EXPECT_EQ(pdu_type_name(4), "P-DATA-TF");
}

}  // namespace
}  // namespace dicomsec::dul
