// pcap::PduChainHunter: PDU chains found from headers alone at any split, the decision at a
// PDU boundary, and the checks that kill false candidates.
#include "pcap/pdu_hunt.hpp"

#include <gtest/gtest.h>

#include <random>

#include "dul/dimse.hpp"
#include "dul/pdu.hpp"

namespace {

using namespace dicomsec;

// `n` P-DATA-TF PDUs of one data set on context 1, each `pdu` bytes long (one PDV each).
Bytes pdata_stream(std::size_t n, std::uint32_t pdu) {
  Bytes data((pdu - 6) * n, 0x00);
  for (std::size_t i = 0; i < data.size(); i += 7) data[i] = 0x04;  // header-looking bytes
  Bytes out;
  dimse::append_pdata(out, 1, data, false, true, pdu);
  return out;
}

TEST(PduChainHunter, FindsALargePduChainFromAnyCutAtAnySplit) {
  const std::uint32_t pdu = 200'000;
  const Bytes s = pdata_stream(4, pdu);
  for (std::size_t cut : {0UL, 1UL, 6UL, 11UL, 12UL, 99'999UL, 200'005UL, 200'006UL}) {
    for (std::size_t chunk : {1UL, 13UL, 1460UL, 65536UL}) {
      if (chunk == 1 && cut % 2 == 1) continue;  // keep the byte-at-a-time runs short
      pcap::PduChainHunter h;
      bool found = false;
      std::size_t at = cut;
      for (; at < s.size() && !found; at += chunk)
        found = h.feed(ByteView(s).subspan(at, std::min(chunk, s.size() - at)));
      ASSERT_TRUE(found) << cut << "/" << chunk;
      // The decision falls on a true boundary: a multiple of the PDU size in the stream.
      const std::uint64_t boundary = cut + h.boundary();
      EXPECT_EQ(boundary % (pdu + 6), 0U) << cut << "/" << chunk;
      // ...one PDU after the first whole one.
      const std::uint64_t first = (cut + pdu + 5) / (pdu + 6) * (pdu + 6);
      EXPECT_EQ(boundary, first + pdu + 6) << cut << "/" << chunk;
      ASSERT_GE(h.tail().size(), 12U);
      EXPECT_EQ(h.tail()[0], 0x04);
      EXPECT_LE(h.tail().size(), chunk + 12);
    }
  }
}

TEST(PduChainHunter, SmallPdusNeedThree) {
  const Bytes s = pdata_stream(5, 1000);  // under large_pdu: the chain rule applies
  pcap::PduChainHunter h;
  std::size_t at = 500;
  while (!h.feed(ByteView(s).subspan(at, 10))) at += 10;
  EXPECT_EQ(500 + h.boundary(), 4U * 1006);  // three whole PDUs, the fourth's header
}

TEST(PduChainHunter, HeadersThatDoNotChainAreRejected) {
  const std::uint32_t pdu = 100'000;
  Bytes s = pdata_stream(3, pdu);
  // The second PDU's item length one short: its items no longer end at the PDU's end.
  Bytes bad = s;
  bad[(pdu + 6) + 9] = static_cast<std::uint8_t>(bad[(pdu + 6) + 9] - 1);
  // An even context id, a message control header of 4, a data PDV turning into a command
  // within a message, a PDU length over the cap.
  Bytes even = s, control = s, kind = s, cap = s;
  even[(pdu + 6) + 10] = 2;
  control[(pdu + 6) + 11] = 4;
  kind[(pdu + 6) + 11] |= 1;
  for (Bytes* b : {&bad, &even, &control, &kind, &cap}) {
    pcap::HuntOptions o;
    if (b == &cap) o.max_pdu_length = pdu - 1;
    pcap::PduChainHunter h(o);
    // From just past the first header: the first PDU boundary seen is the (broken) second,
    // so no chain can complete before the third PDU's end.
    EXPECT_FALSE(h.feed(ByteView(*b).subspan(1, 2 * (pdu + 6) + 5)));
  }
}

TEST(PduChainHunter, RandomBytesFindNothingAndStayBounded) {
  std::mt19937_64 rng(1);
  Bytes r(8U << 20);
  for (auto& x : r) x = static_cast<std::uint8_t>(rng() % 8);  // many 0x04 0x00 pairs
  pcap::PduChainHunter h;
  std::size_t peak = 0;
  for (std::size_t at = 0; at < r.size(); at += 4096) {
    EXPECT_FALSE(h.feed(ByteView(r).subspan(at, 4096)));
    peak = std::max(peak, h.buffered());
  }
  EXPECT_LT(peak, 12U);
  EXPECT_LE(h.candidates(), 32U);
}

}  // namespace
