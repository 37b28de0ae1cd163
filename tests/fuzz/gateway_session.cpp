// libFuzzer target: gateway::Session, the sans-IO relay between a hostile client and a
// hostile upstream. Input: byte 0 chooses the policy (allow rules, rewrite, capacity 1,
// certificate binding); then records [op][len hi][len lo][bytes...] where op & 1 picks the
// side (0 client, 1 upstream) and op >> 1 & 3 the event: 0 bytes, 1 transport closed,
// 2 ARTIM expired, 3 idle timeout. The upstream "connects" as soon as the session asks.
// Invariants:
//  - every byte written to either peer is a sequence of whole PDUs that decode (nothing
//    malformed is forwarded; our own RJ/ABORT PDUs are well-formed too);
//  - the session's buffers stay within two PDUs per direction;
//  - nothing is written after the session is done; the capacity slot is given back.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "dul/pdu.hpp"
#include "gateway/session.hpp"

namespace {

using namespace dicomsec;

constexpr std::uint32_t kMaxPdu = 64U << 10;

void check_pdus(ByteView bytes) {
  dul::Limits limits;
  limits.max_pdu_length = kMaxPdu;
  ByteReader r(bytes);
  while (!r.empty()) {
    const auto head = r.peek(6);
    if (head.size() < 6) std::abort();
    ByteReader h(head);
    h.skip(2);
    const auto len = *h.u32be();
    const auto pdu = r.take(6 + std::size_t{len});
    if (!pdu) std::abort();
    if (!dul::decode_pdu(*pdu, limits)) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  ByteView input(data, size);
  const std::uint8_t flags = input[0];
  gateway::Policy policy;
  if (flags & 1) policy.rules.push_back(gateway::parse_allow("ECHOSCU:ANY-SCP").value());
  if (flags & 2) policy.rules.push_back(gateway::parse_allow("*@127.0.0.0/8").value());
  if (flags & 4) policy.rewrites.push_back(gateway::parse_rewrite("ANY-SCP:UPSTREAM").value());
  if (flags & 16) policy.bind_cert_ae = true;
  gateway::Capacity capacity{(flags & 8) ? 1U : 0U, 0};
  gateway::PeerIdentity peer;
  peer.address = gateway::parse_address("127.0.0.1").value();
  peer.has_certificate = (flags & 32) != 0;
  peer.cert_names = {"ECHOSCU"};
  {
    gateway::Session s(policy, peer, gateway::SessionOptions{kMaxPdu}, &capacity);
    bool was_done = false;
    auto apply = [&](gateway::SessionOutput o) {
      const Bytes to_client = o.client_bytes(), to_upstream = o.upstream_bytes();
      if (was_done && (!to_client.empty() || !to_upstream.empty())) std::abort();
      check_pdus(to_client);
      check_pdus(to_upstream);
      if (s.buffered_bytes() > 4 * (kMaxPdu + 6) + (128U << 10)) std::abort();
      was_done = s.done();
      return o.connect_upstream;
    };
    if (apply(s.client_connected())) apply(s.upstream_connected());
    ByteReader r(input.subspan(1));
    while (!r.empty()) {
      const auto op = r.u8().value_or(0);
      const std::size_t len = (std::size_t{r.u8().value_or(0)} << 8) | r.u8().value_or(0);
      const auto bytes = r.take(std::min(len, r.remaining())).value_or(ByteView{});
      const bool upstream = (op & 1) != 0;
      gateway::SessionOutput o;
      switch ((op >> 1) & 3) {
        case 0:
          o = upstream ? s.from_upstream(bytes) : s.from_client(bytes);
          break;
        case 1:
          o = upstream ? s.upstream_closed() : s.client_closed();
          break;
        case 2:
          o = s.artim_expired();
          break;
        default:
          o = s.idle_timeout();
          break;
      }
      if (apply(std::move(o))) apply(s.upstream_connected());
    }
  }
  if (capacity.active != 0) std::abort();
  return 0;
}
