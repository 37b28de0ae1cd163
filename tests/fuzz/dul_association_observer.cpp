// libFuzzer target: two dul::Association observers (one per direction) sharing a context
// table, as pcap runs them. Input: byte 0 seeds chunk sizes and gap positions, byte 1 bit 0
// starts mid-stream; the rest is split in two halves, one per direction. The observers
// must never send, never crash, keep buffers bounded and resynchronise after every gap.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "dul_association_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dicomsec;
  if (size < 2) return 0;
  ByteView input(data, size);
  std::uint32_t seed = input[0];
  const bool mid = (input[1] & 1) != 0;
  ByteView stream = input.subspan(2);
  auto table = std::make_shared<dul::ContextTable>();
  dul::Association up(dul::AssociationOptions{.role = dul::Role::Requestor,
                                              .observer = true,
                                              .start_mid_stream = mid,
                                              .limits = fuzz::fuzz_limits(),
                                              .contexts = table});
  dul::Association down(dul::AssociationOptions{.role = dul::Role::Acceptor,
                                                .observer = true,
                                                .start_mid_stream = mid,
                                                .limits = fuzz::fuzz_limits(),
                                                .contexts = table});
  ByteView halves[2] = {stream.first(stream.size() / 2), stream.subspan(stream.size() / 2)};
  dul::Association* who[2] = {&up, &down};
  std::size_t pos[2] = {0, 0};
  while (pos[0] < halves[0].size() || pos[1] < halves[1].size()) {
    seed = seed * 1103515245U + 12345U;
    const int side = static_cast<int>((seed >> 8) & 1);
    if (pos[side] >= halves[side].size()) continue;
    std::size_t n = 1 + (seed >> 16) % 61;
    if (n > halves[side].size() - pos[side]) n = halves[side].size() - pos[side];
    dul::Output out;
    if ((seed >> 24) % 13 == 0) {
      out = who[side]->gap(n);  // these bytes are "lost"
    } else {
      out = who[side]->receive(halves[side].subspan(pos[side], n));
    }
    pos[side] += n;
    fuzz::check_output(*who[side], out);
    if (who[side]->buffered_bytes() > (1U << 17) + (64U << 10)) std::abort();
  }
  fuzz::check_output(up, up.transport_closed());
  fuzz::check_output(down, down.transport_closed());
  return 0;
}
