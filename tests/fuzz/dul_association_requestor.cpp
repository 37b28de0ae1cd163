// libFuzzer target: dul::Association as a requestor facing a hostile acceptor. After the
// A-ASSOCIATE-RQ is sent, the input (see dul_association_common.hpp) is what the peer
// answers. Checks: every step is a Table 9-10 cell, every byte sent decodes, buffers stay
// bounded, and the machine takes the same steps whatever the chunking (when the local
// user does not interleave requests).
#include <cstddef>
#include <cstdint>

#include "dul_association_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dicomsec;
  if (size < 2) return 0;
  ByteView input(data, size);
  const std::uint32_t seed = input[0];
  const std::uint8_t policy = input[1];
  ByteView stream = input.subspan(2);
  auto start = [](dul::Association& a) {
    auto r = a.associate(fuzz::fuzz_rq());
    if (!r) std::abort();
    fuzz::check_output(a, a.transport_connected());
  };
  dul::AssociationOptions opts{.role = dul::Role::Requestor, .limits = fuzz::fuzz_limits()};
  dul::Association whole(opts);
  start(whole);
  auto w = fuzz::feed(whole, stream, 0, policy, false);
  // Chunk size 1..97 from the seed; "whole" above used the same generator with seed 0, so
  // compare against a third run fed in one piece.
  dul::Association one(opts);
  start(one);
  std::vector<dul::Step> o;
  {
    auto out = one.receive(stream);
    fuzz::check_output(one, out);
    o = out.steps;
    auto closed = one.transport_closed();
    o.insert(o.end(), closed.steps.begin(), closed.steps.end());
  }
  if (w != o) std::abort();
  dul::Association active(opts);
  start(active);
  (void)fuzz::feed(active, stream, seed, policy, true);
  return 0;
}
