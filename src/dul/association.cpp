// dul::Association (see association.hpp): the PS3.8 Table 9-10 machine chooses the action
// for every event; this file executes it. Local primitives and transport events enter
// through the public methods; received PDUs through receive() -> on_pdu().
#include "dul/association.hpp"

#include <algorithm>
#include <utility>

#include "dul/wire.hpp"

namespace dicomsec::dul {

namespace {

// PS3.8 9.3.8, Table 9-26: A-ABORT source and reason codes used by the engine.
constexpr std::uint8_t kSourceUser = 0;
constexpr std::uint8_t kSourceProvider = 2;
constexpr std::uint8_t kReasonNotSpecified = 0;
constexpr std::uint8_t kReasonUnrecognizedPdu = 1;
constexpr std::uint8_t kReasonUnexpectedPdu = 2;
constexpr std::uint8_t kReasonInvalidParameter = 6;
constexpr std::size_t kMaxNotes = 256;

Bytes encode_known(const Pdu& pdu) {
  auto b = encode(pdu);  // fixed-size PDUs always encode
  return b ? std::move(b).value() : Bytes{};
}

}  // namespace

std::string describe(const std::vector<ContextAnswerError>& errors) {
  if (errors.empty()) return {};
  std::string text = describe(errors.front());
  if (errors.size() > 1) text += " (and " + std::to_string(errors.size() - 1) + " more)";
  return text;
}

void Output::append(Output&& other) {
  send.insert(send.end(), other.send.begin(), other.send.end());
  for (auto& i : other.indications) indications.push_back(std::move(i));
  steps.insert(steps.end(), other.steps.begin(), other.steps.end());
  if (other.artim != Artim::Keep) artim = other.artim;
  close_transport = close_transport || other.close_transport;
  connect_transport = connect_transport || other.connect_transport;
}

Association::Association(AssociationOptions options)
    : options_(std::move(options)),
      machine_(options_.role),
      decoder_(options_.limits),
      contexts_(options_.contexts ? options_.contexts : std::make_shared<ContextTable>()) {
  // Mid-stream the first data PDVs belong to a message whose command was not seen: skip
  // them quietly until the next command starts (not a conformance deviation of the peer).
  if (options_.observer && options_.start_mid_stream) {
    decoder_.resync();
    in_phase_ = InPhase::Skipping;
  }
}

void Association::note(std::string text) {
  if (conformance_.size() < kMaxNotes) conformance_.push_back(std::move(text));
}

void Association::take_decoder_notes() {
  for (auto& n : decoder_.take_notes()) note(std::move(n));
}

std::size_t Association::buffered_bytes() const noexcept {
  return decoder_.buffered() + in_command_.size() + in_data_.size();
}

void Association::observe_request(const AssociateRq& rq) {
  note_repeated(contexts_->propose(rq));
  if (rq.user_info.max_length) peer_max_pdu_ = *rq.user_info.max_length;
}

void Association::observe_accept(const AssociateAc& ac) { note_answer(contexts_->accept(ac)); }

void Association::note_answer(const std::vector<ContextAnswerError>& errors) {
  // An endpoint would abort (Evt19); an observer records the answers anyway, so the rest of
  // the flow still decodes, and counts the violation.
  for (const auto& e : errors) note("protocol error: " + describe(e));
  protocol_errors_ += errors.size();
}

void Association::note_repeated(const std::vector<std::uint8_t>& ids) {
  for (auto id : ids)
    note("A-ASSOCIATE-RQ proposes presentation context " + std::to_string(id) +
         " more than once (the last proposal counts)");
}

// ---------------------------------------------------------------------------------------
// The table and the generic part of each action.

Transition Association::apply(Output& out, Event event, std::uint8_t abort_reason,
                              std::string detail) {
  const State from = machine_.state();
  const bool artim_was = machine_.artim_running();
  auto t = machine_.on(event);
  if (!t.valid()) return t;
  out.steps.push_back(Step{from, event, t.action, t.next});
  const auto& info = action_info(t.action);
  switch (t.action) {
    case Action::AE_1:
      out.connect_transport = true;
      break;
    case Action::AE_2:
      out.send.insert(out.send.end(), rq_bytes_.begin(), rq_bytes_.end());
      break;
    case Action::AR_1: {
      auto b = encode_known(Pdu{ReleaseRq{}});
      out.send.insert(out.send.end(), b.begin(), b.end());
      break;
    }
    case Action::AR_4:
    case Action::AR_9: {
      auto b = encode_known(Pdu{ReleaseRp{}});
      out.send.insert(out.send.end(), b.begin(), b.end());
      break;
    }
    case Action::AA_1: {  // PS3.8 9.2.2 AA-1: service-user source
      auto b = encode_known(Pdu{Abort{kSourceUser, abort_reason}});
      out.send.insert(out.send.end(), b.begin(), b.end());
      break;
    }
    case Action::AA_7: {  // AA-7: A-ABORT in Sta13 for an unexpected RQ or invalid PDU
      auto b = encode_known(Pdu{Abort{kSourceProvider, abort_reason}});
      out.send.insert(out.send.end(), b.begin(), b.end());
      break;
    }
    case Action::AA_8: {  // service-provider A-ABORT + A-P-ABORT indication
      auto b = encode_known(Pdu{Abort{kSourceProvider, abort_reason}});
      out.send.insert(out.send.end(), b.begin(), b.end());
      out.indications.emplace_back(
          ind::Aborted{true, false, kSourceProvider, abort_reason, std::move(detail), {}});
      break;
    }
    case Action::AA_4:
      out.indications.emplace_back(ind::Aborted{
          true, false, kSourceProvider, kReasonNotSpecified, "transport connection closed", {}});
      break;
    default:
      break;  // AE-7, AE-8, DT-1, AR-7 send what their caller adds below
  }
  if (info.closes_transport) out.close_transport = true;
  if (info.artim != Artim::Keep) out.artim = info.artim;
  if (t.next == State::Sta1) {
    if (artim_was && out.artim != Artim::Stop) out.artim = Artim::Stop;
    out.indications.emplace_back(ind::Closed{});
  }
  return t;
}

Result<Output> Association::local(Event event) {
  if (options_.observer) return make_error("an observer sends nothing");
  auto t = transition(machine_.state(), event, options_.role);
  if (!t.valid())
    return make_error(std::string(event_name(event)) + " is not possible in " +
                      std::string(state_name(machine_.state())));
  return Output{};
}

// ---------------------------------------------------------------------------------------
// Transport events.

Output Association::transport_connected() {
  Output out;
  if (options_.observer) {
    set_observed(State::Sta2);
    return out;
  }
  apply(out, options_.role == Role::Requestor ? Event::Evt2_TransportConnectConfirm
                                              : Event::Evt5_TransportConnectIndication);
  return out;
}

Output Association::transport_closed() {
  Output out;
  if (options_.observer) {
    if (observed_state_ != State::Sta1) out.indications.emplace_back(ind::Closed{});
    set_observed(State::Sta1);
    return out;
  }
  apply(out, Event::Evt17_TransportClosed);
  return out;
}

Output Association::artim_expired() {
  Output out;
  if (!options_.observer) apply(out, Event::Evt18_ArtimExpired);  // stale timers: no cell
  return out;
}

// ---------------------------------------------------------------------------------------
// Local primitives.

Result<Output> Association::associate(AssociateRq rq) {
  if (options_.role != Role::Requestor) return make_error("only a requestor associates");
  auto ok = local(Event::Evt1_AssociateRequest);
  if (!ok) return ok;
  // PS3.8 7.1.1.13: the AC answers by id, so an id proposed twice could not be told apart.
  if (auto repeated = ContextTable{}.propose(rq); !repeated.empty())
    return make_error("presentation context " + std::to_string(repeated.front()) +
                      " is proposed more than once");
  auto bytes = encode(Pdu{rq});
  if (!bytes) return bytes.error();
  rq_bytes_ = std::move(bytes).value();
  contexts_->propose(rq);
  own_max_pdu_ = rq.user_info.max_length.value_or(0);
  rq_ = std::move(rq);
  Output out;
  apply(out, Event::Evt1_AssociateRequest);
  return out;
}

Result<Output> Association::accept(AssociateAc ac) {
  if (options_.role != Role::Acceptor) return make_error("only an acceptor accepts");
  auto ok = local(Event::Evt7_AssociateResponseAccept);
  if (!ok) return ok;
  // PS3.8 9.3.3.2: our AC may answer only what the requestor proposed, each id once.
  if (auto errors = contexts_->check_answer(ac); !errors.empty())
    return make_error(describe(errors));
  auto bytes = encode(Pdu{ac});
  if (!bytes) return bytes.error();
  contexts_->accept(ac);
  own_max_pdu_ = ac.user_info.max_length.value_or(0);
  ac_ = std::move(ac);
  Output out;
  apply(out, Event::Evt7_AssociateResponseAccept);  // AE-7
  out.send = std::move(bytes).value();
  return out;
}

Result<Output> Association::reject(const AssociateRj& rj) {
  if (options_.role != Role::Acceptor) return make_error("only an acceptor rejects");
  auto ok = local(Event::Evt8_AssociateResponseReject);
  if (!ok) return ok;
  Output out;
  apply(out, Event::Evt8_AssociateResponseReject);  // AE-8
  out.send = encode_known(Pdu{rj});
  return out;
}

Result<Output> Association::check_send(std::uint8_t context_id) const {
  if (options_.observer) return make_error("an observer sends nothing");
  auto t = transition(machine_.state(), Event::Evt9_PDataRequest, options_.role);
  if (!t.valid())
    return make_error("P-DATA request is not possible in " +
                      std::string(state_name(machine_.state())));
  const auto* ctx = contexts_->find(context_id);
  if (ctx == nullptr || !ctx->accepted())
    return make_error("presentation context " + std::to_string(context_id) + " is not accepted");
  return Output{};
}

Result<Output> Association::send_command(std::uint8_t context_id, const dimse::Command& command) {
  auto ok = check_send(context_id);
  if (!ok) return ok;
  if (out_data_pending_) return make_error("the data set of the previous message is not finished");
  Output out;
  apply(out, Event::Evt9_PDataRequest);  // DT-1 or AR-7
  // PS3.8 9.3.5 / D.1: every P-DATA-TF length field stays within the peer's maximum.
  dimse::append_pdata(out.send, context_id, dimse::encode_command(command), true, true,
                      peer_max_pdu_);
  out_data_pending_ = command.has_data_set();
  out_context_ = context_id;
  return out;
}

Result<Output> Association::send_data(std::uint8_t context_id, ByteView chunk, bool last) {
  auto ok = check_send(context_id);
  if (!ok) return ok;
  if (!out_data_pending_) return make_error("no command announced a data set");
  if (context_id != out_context_)
    return make_error("data set on context " + std::to_string(context_id) +
                      " for a command sent on context " + std::to_string(out_context_));
  Output out;
  if (chunk.empty() && !last) return out;
  apply(out, Event::Evt9_PDataRequest);
  dimse::append_pdata(out.send, context_id, chunk, false, last, peer_max_pdu_);
  if (last) out_data_pending_ = false;
  return out;
}

Result<Output> Association::send_message(std::uint8_t context_id, const dimse::Command& command,
                                         ByteView data_set) {
  if (!command.has_data_set() && !data_set.empty())
    return make_error("a data set given for a command that announces none");
  auto out = send_command(context_id, command);
  if (!out || !command.has_data_set()) return out;
  auto data = send_data(context_id, data_set, true);
  if (!data) return data;
  out->append(std::move(data).value());
  return out;
}

Result<Output> Association::release() {
  auto ok = local(Event::Evt11_ReleaseRequest);
  if (!ok) return ok;
  Output out;
  apply(out, Event::Evt11_ReleaseRequest);  // AR-1
  return out;
}

Result<Output> Association::release_response() {
  auto ok = local(Event::Evt14_ReleaseResponse);
  if (!ok) return ok;
  Output out;
  apply(out, Event::Evt14_ReleaseResponse);  // AR-4 or AR-9
  return out;
}

Result<Output> Association::abort(std::uint8_t reason) {
  auto ok = local(Event::Evt15_AbortRequest);
  if (!ok) return ok;
  Output out;
  apply(out, Event::Evt15_AbortRequest, reason);  // AA-1, or AA-2 in Sta4
  return out;
}

// ---------------------------------------------------------------------------------------
// Received bytes.

Output Association::receive(ByteView bytes) { return receive_pdus(bytes, 0); }

Output Association::receive_one(ByteView bytes) { return receive_pdus(bytes, 1); }

Output Association::receive_pdus(ByteView bytes, std::size_t max_pdus) {
  Output out;
  bytes_received_ += bytes.size();
  input_pending_ = false;
  if (!options_.observer) {
    // Sta1 (closed or never opened) and Sta4 (not connected) have no receive cells.
    const State s = machine_.state();
    if (s == State::Sta1 || s == State::Sta4) return out;
  }
  if (stream_broken_) return out;  // framing lost after Evt19: nothing more is read
  decoder_.feed(bytes);
  std::size_t handled = 0;
  for (;;) {
    if (!options_.observer && machine_.state() == State::Sta1) break;
    if (max_pdus != 0 && handled == max_pdus) {
      input_pending_ = true;  // the next call (empty bytes will do) goes on from here
      break;
    }
    auto st = decoder_.next();
    if (st == DecodeStatus::NeedMore) break;
    take_decoder_notes();
    if (st == DecodeStatus::Error) {
      const bool unknown =
          decoder_.error_type() != 0 && (decoder_.error_type() < 1 || decoder_.error_type() > 7);
      std::string detail = "undecodable PDU: " + decoder_.error();
      if (options_.observer) {
        note(detail + " (resynchronising)");
        lose_message(out, "stream resynchronised");
        decoder_.resync();
        continue;
      }
      stream_broken_ = true;
      on_invalid(out, std::move(detail),
                 unknown ? kReasonUnrecognizedPdu : kReasonInvalidParameter);
      break;
    }
    Pdu pdu = decoder_.take();
    ++handled;
    if (options_.observer)
      observe_pdu(out, std::move(pdu), decoder_.raw());
    else
      on_pdu(out, std::move(pdu), decoder_.raw());
  }
  return out;
}

Output Association::gap(std::size_t n) {
  Output out;
  if (!options_.observer) {
    stream_broken_ = true;
    on_invalid(out, "gap of " + std::to_string(n) + " bytes in the stream", kReasonNotSpecified);
    return out;
  }
  note("capture gap of " + std::to_string(n) + " bytes");
  decoder_.reset();
  decoder_.resync();
  lose_message(out, "capture gap");
  bytes_skipped_ += n;
  return out;
}

void Association::on_invalid(Output& out, std::string detail, std::uint8_t reason) {
  if (machine_.state() == State::Sta1) return;
  note(detail);
  apply(out, Event::Evt19_InvalidPduReceived, reason, std::move(detail));
}

void Association::on_pdu(Output& out, Pdu pdu, ByteView raw) {
  const Event event = received_event(pdu);
  const auto t = transition(machine_.state(), event, options_.role);
  if (own_max_pdu_ != 0 && raw.size() > wire::kPduHeader + own_max_pdu_ && !noted_oversize_) {
    noted_oversize_ = true;  // PS3.8 D.1: tolerated up to Limits::max_pdu_length
    note(std::string(pdu_type_name(static_cast<std::uint8_t>(pdu_type(pdu)))) + " of " +
         std::to_string(raw.size() - wire::kPduHeader) + " bytes exceeds our maximum of " +
         std::to_string(own_max_pdu_));
  }
  const std::string unexpected =
      std::string(pdu_type_name(static_cast<std::uint8_t>(pdu_type(pdu)))) + " unexpected in " +
      std::string(state_name(machine_.state()));
  Bytes raw_copy(raw.begin(), raw.end());
  switch (t.action) {
    case Action::AE_3: {  // A-ASSOCIATE-AC: confirmation (accept)
      auto& ac = std::get<AssociateAc>(pdu);
      // PS3.8 9.3.3.2: the AC's items answer our proposal by id. An answer for an id we did
      // not propose, a second answer for one id, or an acceptance with a transfer syntax we
      // did not offer is an invalid PDU parameter: Evt19 (AA-8 in Sta5). The PDU itself was
      // framed correctly, so later PDUs are still read (and met by Sta13's cells).
      if (auto errors = contexts_->check_answer(ac); !errors.empty()) {
        refused_ac_ = ac;
        on_invalid(out, describe(errors), kReasonInvalidParameter);
        return;
      }
      contexts_->accept(ac);
      peer_max_pdu_ = ac.user_info.max_length.value_or(0);
      ac_ = ac;
      apply(out, event);
      out.indications.emplace_back(ind::AssociateAccepted{std::move(ac), std::move(raw_copy)});
      return;
    }
    case Action::AE_4:
      apply(out, event);
      out.indications.insert(
          out.indications.end() - 1,  // before Closed
          ind::AssociateRejected{std::get<AssociateRj>(pdu), std::move(raw_copy)});
      return;
    case Action::AE_6: {  // A-ASSOCIATE-RQ: indication; the user accepts or rejects
      auto& rq = std::get<AssociateRq>(pdu);
      note_repeated(contexts_->propose(rq));  // tolerated: the last proposal counts
      peer_max_pdu_ = rq.user_info.max_length.value_or(0);
      rq_ = rq;
      apply(out, event);
      out.indications.emplace_back(ind::AssociateRequested{std::move(rq), std::move(raw_copy)});
      return;
    }
    case Action::DT_2:
    case Action::AR_6: {  // P-DATA indication (AR-6: still delivered after our RELEASE-RQ)
      // Validate first so that a broken PDV turns into Evt19 instead of DT-2.
      Output tmp;
      if (!on_pdata(tmp, std::get<PData>(pdu))) {
        out.append(std::move(tmp));  // Evt19 was applied instead
        return;
      }
      apply(out, event);
      for (auto& i : tmp.indications) out.indications.push_back(std::move(i));
      return;
    }
    case Action::AR_2:
    case Action::AR_8:
      apply(out, event);
      out.indications.emplace_back(ind::ReleaseRequested{t.action == Action::AR_8, raw_copy});
      return;
    case Action::AR_3:
    case Action::AR_10: {
      apply(out, event);
      auto at = t.action == Action::AR_3 ? out.indications.end() - 1 : out.indications.end();
      out.indications.insert(at, ind::ReleaseConfirmed{raw_copy});
      return;
    }
    case Action::AA_3: {  // A-ABORT (user) or A-P-ABORT (provider) indication
      const auto& ab = std::get<Abort>(pdu);
      apply(out, event);
      out.indications.insert(
          out.indications.end() - 1,
          ind::Aborted{ab.source == kSourceProvider, true, ab.source, ab.reason,
                       std::string(abort_source_name(ab.source)), std::move(raw_copy)});
      return;
    }
    case Action::AA_1:  // Sta2: anything but an RQ
    case Action::AA_7:  // Sta13: an RQ
    case Action::AA_8:  // a PDU the state does not allow
      note(unexpected);
      apply(out, event, kReasonUnexpectedPdu, unexpected);
      return;
    default:  // AA-2 (A-ABORT in Sta2/Sta13), AA-6 (ignored in Sta13)
      apply(out, event);
      return;
  }
}

}  // namespace dicomsec::dul
