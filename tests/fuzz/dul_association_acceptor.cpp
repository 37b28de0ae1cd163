// libFuzzer target: dul::Association as an acceptor facing a hostile requestor. The input
// (see dul_association_common.hpp) is what the peer sends after the transport opens; the
// local user accepts or rejects the A-ASSOCIATE-RQ, answers commands and releases as the
// policy byte says. Same invariants as the requestor target.
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
  dul::AssociationOptions opts{.role = dul::Role::Acceptor, .limits = fuzz::fuzz_limits()};
  if (policy & 8) opts.buffer_data_set = [](std::uint8_t, const dimse::Command&) { return true; };
  dul::Association passive(opts);
  fuzz::check_output(passive, passive.transport_connected());
  auto a = fuzz::feed(passive, stream, 0, policy, false);
  dul::Association one(opts);
  fuzz::check_output(one, one.transport_connected());
  auto out = one.receive(stream);
  fuzz::check_output(one, out);
  auto closed = one.transport_closed();
  out.steps.insert(out.steps.end(), closed.steps.begin(), closed.steps.end());
  if (a != out.steps) std::abort();
  dul::Association active(opts);
  fuzz::check_output(active, active.transport_connected());
  (void)fuzz::feed(active, stream, seed, policy, true);
  return 0;
}
