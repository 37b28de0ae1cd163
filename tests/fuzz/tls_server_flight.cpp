// libFuzzer target for the TLS server-flight parser (src/tlsinspect/server_flight.hpp).
// Input: byte 0 seeds the chunk sizes and picks stop-after-hello, the rest is what a server
// sent. Checks that chunked parsing ends exactly as one-shot parsing (status, error text,
// decoded ServerHello, certificates), that the caps hold, and feeds every answer through
// the planner so its bookkeeping sees hostile flights too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "tlsinspect/planner.hpp"
#include "tlsinspect/profiles.hpp"
#include "tlsinspect/server_flight.hpp"
#include "tlsinspect/summary.hpp"

namespace {

using namespace dicomsec;
using namespace dicomsec::tlsinspect;

template <class NextChunk>
ServerFlightParser parse(ByteView stream, bool stop_after_hello, const FlightLimits& limits,
                         NextChunk next) {
  ServerFlightParser p(stop_after_hello, limits);
  std::size_t pos = 0;
  while (pos < stream.size() && p.status() == DecodeStatus::NeedMore) {
    const std::size_t n = next(stream.size() - pos);
    p.feed(stream.subspan(pos, n));
    pos += n;
  }
  return p;
}

bool same_hello(const std::optional<ServerHello>& a, const std::optional<ServerHello>& b) {
  if (a.has_value() != b.has_value()) return false;
  if (!a) return true;
  return a->version == b->version && a->cipher_suite == b->cipher_suite &&
         a->hello_retry == b->hello_retry && a->key_share_group == b->key_share_group &&
         a->extensions == b->extensions;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  ByteView input(data, size);
  std::uint32_t seed = input[0];
  const bool stop_after_hello = (input[0] & 0x80) != 0;
  ByteView stream = input.subspan(1);
  FlightLimits limits;
  limits.max_total = 1U << 16;
  limits.max_message = 1U << 14;
  limits.max_certificates = 4;

  auto whole = parse(stream, stop_after_hello, limits, [](std::size_t left) { return left; });
  auto chunked = parse(stream, stop_after_hello, limits, [&seed](std::size_t left) {
    seed = seed * 1103515245U + 12345U;
    const std::size_t n = 1 + (seed >> 16) % 23;
    return n < left ? n : left;
  });
  if (whole.status() != chunked.status() || whole.error() != chunked.error()) std::abort();
  if (whole.status() != DecodeStatus::Error) {
    if (!same_hello(whole.flight().server_hello, chunked.flight().server_hello)) std::abort();
    if (whole.flight().certificates != chunked.flight().certificates) std::abort();
  }
  if (whole.flight().certificates.size() > limits.max_certificates) std::abort();
  if (whole.bytes_seen() > limits.max_total) std::abort();

  // The planner must accept any answer without breaking its own bounds.
  PlannerOptions po;
  po.max_handshakes = 20;
  AuditPlanner planner(po);
  for (int i = 0; i < 40 && !planner.done(); ++i) {
    auto q = planner.next();
    if (!q) break;
    Answer a;
    a.outcome = whole.status() == DecodeStatus::Ready ? Outcome::Answered
                : whole.not_tls()                     ? Outcome::NotTls
                                                      : Outcome::Malformed;
    a.flight = whole.flight();
    planner.answer(*q, a);
  }
  if (planner.result().handshakes > po.max_handshakes) std::abort();
  const auto summary = summarize(planner.result());
  if (summary.handshakes > po.max_handshakes) std::abort();
  if (evaluate_profiles(summary).size() != profile_rules().size()) std::abort();
  return 0;
}
