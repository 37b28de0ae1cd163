// Shared by the dul_association_* fuzz targets: invariants every Output must satisfy.
// Input format of the endpoint targets: byte 0 seeds the chunk sizes, byte 1 holds policy
// bits (how the local user answers indications), the rest is what the peer sends.
#pragma once

#include <cstdlib>
#include <variant>

#include "dul/association.hpp"

namespace dicomsec::fuzz {

// Every Step is a cell of Table 9-10, and everything the engine sends decodes as PDUs.
inline void check_output(const dul::Association& a, const dul::Output& out) {
  for (const auto& s : out.steps) {
    auto t = dul::transition(s.from, s.event, a.role());
    if (!t.valid() || t.action != s.action || t.next != s.next) std::abort();
  }
  if (a.observer() && !out.send.empty()) std::abort();
  dul::PduDecoder d(
      dul::Limits{.max_pdu_length = 1U << 24, .max_items = 1U << 16, .max_buffered = 1U << 26});
  d.feed(out.send);
  while (d.next() == DecodeStatus::Ready) {
  }
  if (d.buffered() != 0 || !d.error().empty()) std::abort();
}

inline dul::AssociateRq fuzz_rq() {
  dul::AssociateRq rq;
  rq.called_ae = "ANY-SCP";
  rq.calling_ae = "DICOMSEC";
  rq.contexts = {{1, "1.2.840.10008.1.1", {"1.2.840.10008.1.2"}},
                 {3, "1.2.840.10008.5.1.4.1.1.7", {"1.2.840.10008.1.2"}}};
  rq.user_info.max_length = 4096;
  return rq;
}

inline dul::AssociateAc accept_all(const dul::AssociateRq& rq) {
  dul::AssociateAc ac;
  ac.called_ae = rq.called_ae;
  ac.calling_ae = rq.calling_ae;
  ac.application_context = rq.application_context;
  for (const auto& pc : rq.contexts)
    ac.contexts.push_back(
        {pc.id, dul::PcResult::Acceptance,
         pc.transfer_syntaxes.empty() ? std::string() : pc.transfer_syntaxes.front()});
  ac.user_info.max_length = 4096;
  return ac;
}

// Answers the indications of one Output as a simple user would, chosen by `policy` bits.
inline void answer(dul::Association& a, const dul::Output& out, std::uint8_t policy) {
  for (const auto& i : out.indications) {
    dul::Output more;
    if (const auto* rq = std::get_if<dul::ind::AssociateRequested>(&i)) {
      auto r = (policy & 1) ? a.reject(dul::AssociateRj{1, 1, 7}) : a.accept(accept_all(rq->rq));
      if (r) more = std::move(r).value();
    } else if (std::holds_alternative<dul::ind::ReleaseRequested>(i)) {
      if (auto r = a.release_response()) more = std::move(r).value();
    } else if (const auto* c = std::get_if<dul::ind::Command>(&i)) {
      if ((policy & 2) && !dimse::is_response(c->command.field)) {
        dimse::Command rsp{.field = static_cast<dimse::CommandField>(
                               static_cast<std::uint16_t>(c->command.field) | 0x8000),
                           .message_id_being_responded_to = c->command.message_id,
                           .status = 0};
        if (auto r = a.send_command(c->context_id, rsp)) more = std::move(r).value();
      }
    }
    check_output(a, more);
  }
  if (policy & 4) {
    if (auto r = a.release()) check_output(a, r.value());
  }
}

// Feeds `stream` in pseudo-random chunks; returns the concatenated outputs' steps.
inline std::vector<dul::Step> feed(dul::Association& a, ByteView stream, std::uint32_t seed,
                                   std::uint8_t policy, bool answer_indications) {
  std::vector<dul::Step> steps;
  std::size_t pos = 0;
  while (pos < stream.size()) {
    seed = seed * 1103515245U + 12345U;
    std::size_t n = 1 + (seed >> 16) % 97;
    if (n > stream.size() - pos) n = stream.size() - pos;
    auto out = a.receive(stream.subspan(pos, n));
    pos += n;
    check_output(a, out);
    steps.insert(steps.end(), out.steps.begin(), out.steps.end());
    if (answer_indications) answer(a, out, policy);
    // Bounded: one PDU under decoding plus one command set and one buffered data set.
    if (a.buffered_bytes() > (2U << 20) + (64U << 10) + (16U << 20)) std::abort();
  }
  auto closed = a.transport_closed();
  check_output(a, closed);
  steps.insert(steps.end(), closed.steps.begin(), closed.steps.end());
  return steps;
}

inline dul::Limits fuzz_limits() {
  return dul::Limits{.max_pdu_length = 1U << 16, .max_items = 64, .max_buffered = 1U << 17};
}

}  // namespace dicomsec::fuzz
