// dul::Association, receive side above the PDU layer: streaming DIMSE assembly of PDVs
// (PS3.7 Annex E, PS3.8 Annex E.2) and the observer's handling of decoded PDUs.
#include <type_traits>
#include <utility>

#include "dul/association.hpp"

namespace dicomsec::dul {

namespace {

constexpr std::uint8_t kSourceProvider = 2;  // PS3.8 9.3.8
constexpr std::uint8_t kReasonInvalidParameter = 6;

}  // namespace

// ---------------------------------------------------------------------------------------
// DIMSE assembly of received PDVs (PS3.7 Annex E, PS3.8 Annex E.2).

void Association::lose_message(Output& out, std::string detail) {
  if (in_phase_ == InPhase::Command || in_phase_ == InPhase::DataSet) {
    out.indications.emplace_back(ind::MessageLost{in_context_, std::move(detail)});
    in_phase_ = InPhase::Skipping;
  } else if (in_phase_ == InPhase::Idle && options_.observer) {
    in_phase_ = InPhase::Skipping;  // the next data PDVs may belong to a message we missed
  }
  in_command_.clear();
  in_data_.clear();
}

bool Association::pdv_error(Output& out, std::string detail) {
  if (options_.observer) {
    note(detail);
    lose_message(out, std::move(detail));
    return true;
  }
  in_phase_ = InPhase::Idle;
  in_command_.clear();
  in_data_.clear();
  on_invalid(out, std::move(detail), kReasonInvalidParameter);
  return false;
}

bool Association::on_pdata(Output& out, PData& pd) {
  for (auto& pdv : pd.pdvs)
    if (!take_pdv(out, pdv, true)) return false;
  return true;
}

bool Association::take_pdv(Output& out, Pdv& pdv, bool may_retry) {
  // An observer that lost a message may see the next one start in this very PDV.
  auto fail = [&](std::string detail) {
    if (!pdv_error(out, std::move(detail))) return false;
    return may_retry && pdv.command ? take_pdv(out, pdv, false) : true;
  };
  const auto* ctx = contexts_->find(pdv.context_id);
  if (ctx == nullptr || !ctx->accepted()) {
    if (!options_.observer)
      return pdv_error(out, "PDV on presentation context " + std::to_string(pdv.context_id) +
                                " that is not accepted");
    if (ctx != nullptr && ctx->result)  // observer: only a known refusal is worth a note
      note("PDV on presentation context " + std::to_string(pdv.context_id) +
           " that was not accepted");
  }
  if (in_phase_ == InPhase::Skipping) {
    if (!pdv.command) return true;  // the rest of a message whose start we did not see
    in_phase_ = InPhase::Idle;
  }
  if (in_phase_ == InPhase::Idle) {
    if (!pdv.command) return pdv_error(out, "data set fragment without a preceding command");
    in_phase_ = InPhase::Command;
    in_context_ = pdv.context_id;
    in_command_.clear();
  } else if (pdv.context_id != in_context_) {
    return fail("fragment on presentation context " + std::to_string(pdv.context_id) +
                " inside a message on context " + std::to_string(in_context_));
  }

  if (in_phase_ == InPhase::Command) {
    if (!pdv.command) return pdv_error(out, "data set fragment before the command was complete");
    if (pdv.data.size() > options_.max_command_bytes - in_command_.size())
      return pdv_error(
          out, "command set exceeds " + std::to_string(options_.max_command_bytes) + " bytes");
    in_command_.insert(in_command_.end(), pdv.data.begin(), pdv.data.end());
    if (!pdv.last) return true;
    auto decoded = dimse::decode_command(in_command_);
    if (!decoded) return pdv_error(out, decoded.error().message);
    const bool has_data = decoded->has_data_set();
    in_buffer_whole_ =
        has_data && options_.buffer_data_set && options_.buffer_data_set(in_context_, *decoded);
    out.indications.emplace_back(
        ind::Command{in_context_, std::move(decoded).value(), std::exchange(in_command_, {})});
    in_phase_ = has_data ? InPhase::DataSet : InPhase::Idle;
    return true;
  }

  // InPhase::DataSet
  if (pdv.command) return fail("command fragment while a data set was expected");
  if (in_buffer_whole_) {
    if (pdv.data.size() > options_.max_buffered_data_set - in_data_.size())
      return pdv_error(out, "data set exceeds the buffer cap of " +
                                std::to_string(options_.max_buffered_data_set) + " bytes");
    in_data_.insert(in_data_.end(), pdv.data.begin(), pdv.data.end());
    if (pdv.last) {
      out.indications.emplace_back(ind::DataSet{in_context_, std::exchange(in_data_, {})});
      in_phase_ = InPhase::Idle;
    }
    return true;
  }
  out.indications.emplace_back(ind::DataChunk{in_context_, std::move(pdv.data), pdv.last});
  if (pdv.last) in_phase_ = InPhase::Idle;
  return true;
}

// ---------------------------------------------------------------------------------------
// Observer: the same indications, no table, no output.

void Association::observe_pdu(Output& out, Pdu pdu, ByteView raw) {
  Bytes raw_copy(raw.begin(), raw.end());
  const bool from_requestor = options_.role == Role::Requestor;
  auto odd = [&](std::string_view what) {
    note(std::string(what) + " sent by the " + (from_requestor ? "requestor" : "acceptor"));
  };
  std::visit(
      [&](auto& p) {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, AssociateRq>) {
          if (!from_requestor) odd("A-ASSOCIATE-RQ");
          note_repeated(contexts_->propose(p));
          rq_ = p;
          set_observed(State::Sta3);
          out.indications.emplace_back(ind::AssociateRequested{std::move(p), std::move(raw_copy)});
        } else if constexpr (std::is_same_v<T, AssociateAc>) {
          if (from_requestor) odd("A-ASSOCIATE-AC");
          note_answer(contexts_->accept(p));
          peer_max_pdu_ = p.user_info.max_length.value_or(0);
          ac_ = p;
          set_observed(State::Sta6);
          out.indications.emplace_back(ind::AssociateAccepted{std::move(p), std::move(raw_copy)});
        } else if constexpr (std::is_same_v<T, AssociateRj>) {
          if (from_requestor) odd("A-ASSOCIATE-RJ");
          set_observed(State::Sta13);
          out.indications.emplace_back(ind::AssociateRejected{p, std::move(raw_copy)});
        } else if constexpr (std::is_same_v<T, PData>) {
          if (observed_state_ == State::Sta13) note("P-DATA-TF after the association ended");
          if (observed_state_ != State::Sta7) set_observed(State::Sta6);
          on_pdata(out, p);
        } else if constexpr (std::is_same_v<T, ReleaseRq>) {
          set_observed(State::Sta7);
          out.indications.emplace_back(ind::ReleaseRequested{false, std::move(raw_copy)});
        } else if constexpr (std::is_same_v<T, ReleaseRp>) {
          set_observed(State::Sta13);
          out.indications.emplace_back(ind::ReleaseConfirmed{std::move(raw_copy)});
        } else {  // Abort
          set_observed(State::Sta13);
          out.indications.emplace_back(
              ind::Aborted{p.source == kSourceProvider, true, p.source, p.reason,
                           std::string(abort_source_name(p.source)), std::move(raw_copy)});
        }
      },
      pdu);
}

}  // namespace dicomsec::dul
