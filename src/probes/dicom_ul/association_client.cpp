#include "probes/dicom_ul/association_client.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>
#include <variant>

#include "core/overloaded.hpp"
#include "core/version.hpp"
#include "dicom/uids.hpp"

namespace dicomsec::probes {

namespace {

constexpr std::uint16_t kEchoMessageId = 1;
// PS3.8 9.3.3: PDU header (6) + protocol version, reserved, two AE titles, reserved (68).
constexpr std::size_t kAssociateFixedPart = 74;

// An event raised by a PDU that decoded (Evt19 is the undecodable or unknown one).
bool well_formed_pdu_event(dul::Event e) {
  using dul::Event;
  return e == Event::Evt3_AssociateAcReceived || e == Event::Evt4_AssociateRjReceived ||
         e == Event::Evt6_AssociateRqReceived || e == Event::Evt10_PDataReceived ||
         e == Event::Evt12_ReleaseRqReceived || e == Event::Evt13_ReleaseRpReceived ||
         e == Event::Evt16_AbortReceived;
}

// `dicom: true` means a well-formed A-ASSOCIATE-AC or -RJ fixed part was seen (issue 11
// §2): the PDU type, the length the type requires and, for an AC, a protocol version with
// bit 0 set (PS3.8 9.3.3.1). Used when the rest of the PDU did not decode.
bool associate_answer_fixed_part(ByteView b) {
  if (b.size() < 6 || b[1] != 0) return false;
  const std::uint32_t len =
      (std::uint32_t{b[2]} << 24) | (std::uint32_t{b[3]} << 16) | (std::uint32_t{b[4]} << 8) | b[5];
  if (b[0] == 0x03)
    return len == 4 && b.size() >= 10 && b[7] >= 1 && b[7] <= 2 && b[8] >= 1 && b[8] <= 3;
  if (b[0] != 0x02 || len < kAssociateFixedPart - 6 || b.size() < kAssociateFixedPart) return false;
  return (b[7] & 0x01) != 0;
}

}  // namespace

std::vector<dul::PresentationContextRq> default_contexts() {
  std::vector<dul::PresentationContextRq> out;
  std::uint8_t id = 1;
  for (const auto& sop : dicom::kSopClasses) {
    out.push_back({id,
                   std::string(sop.uid),
                   {std::string(dicom::uid::kImplicitVrLittleEndian),
                    std::string(dicom::uid::kExplicitVrLittleEndian)}});
    id = static_cast<std::uint8_t>(id + 2);  // PS3.8 9.3.2.2: odd identifiers
  }
  // Issue 12 §3: one context no SCP can support; accepting it is a honeypot signal
  // (findings::assess_honeypot). It comes last so the contexts a peer really uses keep their ids.
  out.push_back({id,
                 std::string(kUnknownAbstractSyntaxUid),
                 {std::string(dicom::uid::kImplicitVrLittleEndian)}});
  return out;
}

dul::AssociateRq make_associate_rq(const AssociationPlan& plan) {
  dul::AssociateRq rq;
  rq.called_ae = plan.called_ae;
  rq.calling_ae = plan.calling_ae;
  rq.contexts = plan.contexts;
  rq.user_info.max_length = plan.max_pdu_receive;
  rq.user_info.implementation_class_uid = std::string(kImplementationClassUid);
  rq.user_info.implementation_version_name = std::string(kImplementationVersionName);
  return rq;
}

record::AssociationRecord to_record(const AssociationSummary& s) {
  record::AssociationRecord r;
  using A = AssociationSummary::Answer;
  switch (s.answer) {
    case A::None:
      r.result = record::AssociationResult::None;
      break;
    case A::Accepted:
      r.result = record::AssociationResult::Accepted;
      break;
    case A::Rejected:
      r.result = record::AssociationResult::Rejected;
      break;
    case A::Aborted:
      r.result = record::AssociationResult::Aborted;
      break;
  }
  r.calling_ae = s.calling_ae;
  r.called_ae = s.called_ae;
  if (s.reject)
    r.reject = record::RejectRecord{s.reject->result, s.reject->source, s.reject->reason};
  if (s.peer_abort) r.abort = record::AbortRecord{s.peer_abort->source, s.peer_abort->reason};
  r.max_pdu = s.max_pdu;
  r.implementation_class_uid = s.implementation_class_uid;
  r.implementation_version_name = s.implementation_version_name;
  for (const auto& c : s.accepted)
    r.accepted_contexts.push_back({c.abstract_syntax, c.transfer_syntax});
  r.released = s.released;
  r.conformance = s.conformance;
  return r;
}

// ---- Requestor ---------------------------------------------------------------------------

namespace {

dul::AssociationOptions requestor_options(dul::Limits limits, Requestor::BufferDataSet buffer,
                                          std::size_t max_data_set) {
  dul::AssociationOptions o;
  o.role = dul::Role::Requestor;
  o.limits = limits;
  o.buffer_data_set = std::move(buffer);
  o.max_buffered_data_set = max_data_set;
  return o;
}

}  // namespace

Requestor::Requestor(dul::AssociateRq rq, dul::Limits limits, BufferDataSet buffer,
                     std::size_t max_data_set)
    : engine_(requestor_options(limits, std::move(buffer), max_data_set)), rq_(std::move(rq)) {
  summary_.calling_ae = rq_.calling_ae;
  summary_.called_ae = rq_.called_ae;
}

Bytes Requestor::start() {
  if (started_) return {};
  started_ = true;
  auto out = local(engine_.associate(rq_), "A-ASSOCIATE request");  // AE-1
  if (done_) return out;
  auto rq = take(engine_.transport_connected(), nullptr);  // AE-2: the A-ASSOCIATE-RQ
  out.insert(out.end(), rq.begin(), rq.end());
  return out;
}

void Requestor::notice_first_bytes(ByteView data) {
  const auto want = kAssociateFixedPart - std::min(first_bytes_.size(), kAssociateFixedPart);
  const auto n = std::min(want, data.size());
  first_bytes_.insert(first_bytes_.end(), data.begin(),
                      data.begin() + static_cast<std::ptrdiff_t>(n));
}

Bytes Requestor::receive(ByteView data, const Policy& policy) {
  if (!started_ || done_) return {};
  notice_first_bytes(data);
  // One PDU at a time (dul's decoder frames them, with its length checks and limits), so
  // that the policy's reaction to each PDU is in the engine's state before the next one is
  // judged.
  Bytes out = take(engine_.receive_one(data), &policy);
  while (!done_ && engine_.input_pending()) {
    auto reply = take(engine_.receive_one({}), &policy);
    out.insert(out.end(), reply.begin(), reply.end());
  }
  return out;
}

bool Requestor::closed() {
  if (!started_ || done_) {
    done_ = true;
    return false;
  }
  // Evt17: the engine's AA-4 (or AR-5 after a release) ends it; that is no protocol error.
  done_ = true;
  (void)engine_.transport_closed();
  return true;
}

void Requestor::on_accept(const dul::AssociateAc& ac) {
  summary_.answer = AssociationSummary::Answer::Accepted;
  const auto& ui = ac.user_info;
  summary_.max_pdu = ui.max_length;
  summary_.implementation_class_uid = ui.implementation_class_uid;
  summary_.implementation_version_name = ui.implementation_version_name;
  // PS3.8 9.3.3.2: the AC names contexts by id only; the abstract syntax is ours.
  for (const auto& pc : ac.contexts) {
    if (pc.result != dul::PcResult::Acceptance) continue;
    const auto* c = engine_.contexts().find(pc.id);
    if (c == nullptr || c->abstract_syntax.empty()) continue;  // not one we proposed
    summary_.accepted.push_back({c->abstract_syntax, pc.transfer_syntax});
  }
}

Bytes Requestor::take(dul::Output&& out, const Policy* policy) {
  Bytes send = std::move(out.send);
  for (const auto& s : out.steps)
    if (well_formed_pdu_event(s.event)) spoke_ = true;
  for (const auto& ind : out.indications) {
    const bool was_done = done_;
    std::visit(Overloaded{
                   [&](const dul::ind::AssociateAccepted& a) {
                     dicom_ = true;
                     on_accept(a.ac);
                   },
                   [&](const dul::ind::AssociateRejected& r) {
                     dicom_ = true;
                     summary_.answer = AssociationSummary::Answer::Rejected;
                     summary_.reject = r.rj;
                     done_ = true;
                   },
                   [&](const dul::ind::ReleaseRequested& r) {
                     // PS3.8 7.2.2: answer the peer's release; in a collision (AR-8) the engine
                     // sends our A-RELEASE-RP (AR-9) and then waits for the peer's (AR-3).
                     auto rp = local(engine_.release_response(), "A-RELEASE response");
                     send.insert(send.end(), rp.begin(), rp.end());
                     if (!r.collision) done_ = true;
                   },
                   [&](const dul::ind::ReleaseConfirmed&) {
                     summary_.released = release_sent_;
                     done_ = true;
                   },
                   [&](const dul::ind::Aborted& a) {
                     if (a.by_peer) {
                       summary_.peer_abort = dul::Abort{a.source, a.reason};
                       if (summary_.answer == AssociationSummary::Answer::None)
                         summary_.answer = AssociationSummary::Answer::Aborted;
                     } else if (!error_) {
                       // AA-8 / Evt19: what the engine found wrong, with the state it happened in.
                       std::string why =
                           a.detail.empty() ? std::string("protocol error") : a.detail;
                       for (const auto& s : out.steps)
                         if (s.action == dul::Action::AA_8 ||
                             s.event == dul::Event::Evt19_InvalidPduReceived) {
                           if (why.find(dul::state_name(s.from)) == std::string::npos)
                             why += fmt::format(" in {} (PS3.8 9.2: {})", dul::state_name(s.from),
                                                dul::action_name(s.action));
                           break;
                         }
                       error_ = std::move(why);
                       if (!dicom_ && associate_answer_fixed_part(first_bytes_)) dicom_ = true;
                       // An AC whose context answers we refused: the peer accepted the
                       // association all the same (no TLS, any calling AE are still true;
                       // issue 11 §2). The record says accepted, with the protocol error.
                       if (const auto& rac = engine_.refused_acceptance();
                           rac && summary_.answer == AssociationSummary::Answer::None) {
                         dicom_ = true;
                         on_accept(*rac);
                       }
                     }
                     done_ = true;
                   },
                   [&](const dul::ind::Closed&) { done_ = true; },
                   [&](const auto&) {},
               },
               ind);
    if (policy != nullptr && !was_done) {
      auto reply = (*policy)(ind);
      send.insert(send.end(), reply.begin(), reply.end());
    }
  }
  // Nothing is sent back to a peer that never spoke DICOM (an HTTP or SSH server): the
  // engine's A-ABORT after an undecodable first PDU stays unsent. A peer whose answer has a
  // well-formed A-ASSOCIATE-AC/RJ fixed part (dicom_) gets the AA-8 A-ABORT PS3.8 asks for,
  // e.g. after an AC that answers a presentation context we did not propose.
  if (error_ && !spoke_ && !dicom_) send.clear();
  const auto& notes = engine_.conformance();
  if (notes.size() > summary_.conformance.size())
    summary_.conformance.assign(notes.begin(), notes.end());
  return send;
}

Bytes Requestor::local(Result<dul::Output>&& r, std::string_view what) {
  if (!r) return fail(fmt::format("{} refused by the association: {}", what, r.error().message));
  return take(std::move(r).value(), nullptr);
}

Bytes Requestor::send(std::uint8_t context, const dimse::Command& command, const Bytes* data_set) {
  if (done_) return {};
  const ByteView data = data_set != nullptr ? ByteView(*data_set) : ByteView();
  return local(engine_.send_message(context, command, data), dimse::command_name(command.field));
}

Bytes Requestor::release() {
  if (done_) return {};
  release_sent_ = true;
  return local(engine_.release(), "A-RELEASE request");  // AR-1
}

Bytes Requestor::abort() {
  if (done_) return {};
  done_ = true;
  if (!spoke_) return {};
  // PS3.8 7.3.1 / AA-1: service-user initiated abort; the peer can free the association.
  auto r = engine_.abort(0);
  return r ? std::move(r.value().send) : Bytes{};
}

Bytes Requestor::fail(std::string why) {
  const bool already = done_;
  if (!error_) error_ = std::move(why);
  if (already) return {};
  return abort();
}

std::optional<std::string> Requestor::accepted_transfer(std::uint8_t context) const {
  const auto* c = engine_.contexts().find(context);
  if (c == nullptr || !c->accepted()) return std::nullopt;
  return c->transfer_syntax;
}

// ---- AssociationClient -------------------------------------------------------------------

AssociationClient::AssociationClient(AssociationPlan plan, dul::Limits limits)
    : plan_(std::move(plan)), session_(make_associate_rq(plan_), limits) {}

Bytes AssociationClient::start() { return session_.start(); }

Bytes AssociationClient::on_bytes(ByteView data) {
  return session_.receive(data, [this](const dul::Indication& i) { return on_indication(i); });
}

void AssociationClient::on_closed() {
  // A close right after our A-RELEASE-RQ is what many servers do instead of an RP.
  if (session_.closed() && !session_.releasing()) cut_short_ = true;
}

Bytes AssociationClient::on_indication(const dul::Indication& ind) {
  return std::visit(
      Overloaded{
          [&](const dul::ind::AssociateAccepted&) -> Bytes {
            const auto& contexts = session_.engine().contexts();
            const auto echo_context = contexts.accepted_for(dicom::uid::kVerification);
            if (!plan_.echo || !echo_context) return session_.release();
            dimse::Command rq;
            rq.field = dimse::CommandField::CEchoRq;
            rq.affected_sop_class_uid = std::string(dicom::uid::kVerification);
            rq.message_id = kEchoMessageId;
            echo_sent_ = true;
            return session_.send(*echo_context, rq, nullptr);
          },
          [&](const dul::ind::Command& c) -> Bytes {
            // AR-6: a P-DATA after our A-RELEASE-RQ is valid; it changes nothing.
            if (session_.releasing()) return {};
            if (!echo_sent_ || echo_ || c.command.field != dimse::CommandField::CEchoRsp)
              return session_.fail(
                  fmt::format("expected C-ECHO-RSP, got {}", dimse::command_name(c.command.field)));
            if (c.command.has_data_set())
              return session_.fail("unexpected data set in C-ECHO response");
            echo_ = record::EchoRecord{c.command.status.value_or(0xFFFF)};
            return session_.release();
          },
          [&](const dul::ind::DataChunk&) -> Bytes {
            if (session_.releasing()) return {};
            return session_.fail("unexpected data set in C-ECHO response");
          },
          [&](const dul::ind::DataSet&) -> Bytes {
            if (session_.releasing()) return {};
            return session_.fail("unexpected data set in C-ECHO response");
          },
          [&](const dul::ind::Aborted& a) -> Bytes {
            if (a.by_peer) cut_short_ = true;
            return {};
          },
          [&](const auto&) -> Bytes { return {}; },
      },
      ind);
}

}  // namespace dicomsec::probes
