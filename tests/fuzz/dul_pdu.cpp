// libFuzzer target for the incremental PDU decoder (PS3.8 9.3).
// Input: byte 0 seeds the chunk sizes, the rest is a PDU stream. Checks that
//  - chunked decoding yields exactly what one-shot decoding yields (masscan-style
//    "any split" property, STYLE.md), including the error/no-error outcome;
//  - every decoded PDU re-encodes and decodes back to itself.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "dul/pdu.hpp"

namespace {

using namespace dicomsec;

struct Run {
  std::vector<dul::Pdu> pdus;
  bool error = false;
};

template <class NextChunk>
Run decode(ByteView stream, const dul::Limits& limits, NextChunk next_chunk) {
  dul::PduDecoder d(limits);
  Run run;
  std::size_t pos = 0;
  while (pos < stream.size() && !run.error) {
    std::size_t n = next_chunk(stream.size() - pos);
    d.feed(stream.subspan(pos, n));
    pos += n;
    for (;;) {
      auto st = d.next();
      if (st == DecodeStatus::Ready) {
        run.pdus.push_back(d.take());
        continue;
      }
      run.error = st == DecodeStatus::Error;
      break;
    }
  }
  return run;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  ByteView input(data, size);
  std::uint32_t seed = input[0];
  ByteView stream = input.subspan(1);
  // Small limits so the fuzzer reaches the caps quickly.
  const dul::Limits limits{.max_pdu_length = 1U << 16, .max_items = 64, .max_buffered = 1U << 17};

  Run whole = decode(stream, limits, [](std::size_t left) { return left; });
  Run chunked = decode(stream, limits, [&seed](std::size_t left) {
    seed = seed * 1103515245U + 12345U;
    std::size_t n = 1 + (seed >> 16) % 17;
    return n < left ? n : left;
  });
  if (whole.pdus != chunked.pdus || whole.error != chunked.error) std::abort();

  const dul::Limits roomy{
      .max_pdu_length = 1U << 20, .max_items = 1U << 16, .max_buffered = 2U << 20};
  for (const auto& pdu : whole.pdus) {
    auto again = dul::decode_pdu(dul::encode(pdu).value(), roomy);
    if (!again || *again != pdu) std::abort();
  }
  return 0;
}
