#include "probes/dicom_ul/association_client.hpp"

#include <utility>
#include <variant>

#include <fmt/format.h>

#include "core/overloaded.hpp"
#include "core/version.hpp"
#include "dicom/uids.hpp"

namespace dicomsec::probes {

namespace {

constexpr std::uint16_t kEchoMessageId = 1;

}  // namespace

std::vector<dul::PresentationContextRq> default_contexts() {
  std::vector<dul::PresentationContextRq> out;
  std::uint8_t id = 1;
  for (const auto& sop : dicom::kSopClasses) {
    out.push_back({id, std::string(sop.uid),
                   {std::string(dicom::uid::kImplicitVrLittleEndian),
                    std::string(dicom::uid::kExplicitVrLittleEndian)}});
    id = static_cast<std::uint8_t>(id + 2);  // PS3.8 9.3.2.2: odd identifiers
  }
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

AssociationClient::AssociationClient(AssociationPlan plan, dul::Limits limits)
    : plan_(std::move(plan)), decoder_(limits) {
  record_.calling_ae = plan_.calling_ae;
  record_.called_ae = plan_.called_ae;
}

Bytes AssociationClient::start() {
  local(dul::Event::Evt1_AssociateRequest);      // AE-1: Sta1 -> Sta4
  local(dul::Event::Evt2_TransportConnectConfirm);  // AE-2: send the RQ, Sta4 -> Sta5
  phase_ = Phase::AwaitingAssociateResponse;
  return dul::encode(dul::Pdu{make_associate_rq(plan_)}).value();
}

Bytes AssociationClient::on_bytes(ByteView data) {
  if (done()) return {};
  decoder_.feed(data);
  Bytes out;
  while (!done()) {
    auto st = decoder_.next();
    if (st == DecodeStatus::NeedMore) break;
    if (st == DecodeStatus::Error) {
      auto abort = fail("malformed PDU: " + decoder_.error());
      out.insert(out.end(), abort.begin(), abort.end());
      break;
    }
    spoke_dicom_ = true;
    auto reply = handle(decoder_.take());
    out.insert(out.end(), reply.begin(), reply.end());
  }
  return out;
}

void AssociationClient::on_closed() {
  if (done()) return;
  // A close right after our A-RELEASE-RQ is what many servers do instead of an RP.
  if (phase_ != Phase::AwaitingRelease) cut_short_ = true;
  phase_ = Phase::Done;
}

Bytes AssociationClient::handle(dul::Pdu&& pdu) {
  const auto before = machine_.state();
  const auto t = machine_.on(dul::received_event(pdu));
  const bool is_abort = std::holds_alternative<dul::Abort>(pdu);
  if (!is_abort && (!t.valid() || t.action == dul::Action::AA_1 || t.action == dul::Action::AA_8))
    return fail(fmt::format("unexpected {} in {} (PS3.8 9.2: {})",
                            dul::pdu_type_name(static_cast<std::uint8_t>(dul::pdu_type(pdu))),
                            dul::state_name(before), dul::action_name(t.action)));
  return std::visit(
      Overloaded{
          [&](const dul::AssociateAc& ac) -> Bytes {
            if (phase_ != Phase::AwaitingAssociateResponse)
              return fail("unexpected A-ASSOCIATE-AC");
            return on_associate_ac(ac);
          },
          [&](const dul::AssociateRj& rj) -> Bytes {
            if (phase_ != Phase::AwaitingAssociateResponse)
              return fail("unexpected A-ASSOCIATE-RJ");
            record_.result = record::AssociationResult::Rejected;
            record_.reject = record::RejectRecord{rj.result, rj.source, rj.reason};
            phase_ = Phase::Done;
            return {};
          },
          [&](const dul::PData& pd) -> Bytes {
            if (phase_ != Phase::AwaitingEcho) return fail("unexpected P-DATA-TF");
            return on_pdata(pd);
          },
          [&](const dul::ReleaseRp&) -> Bytes {
            if (phase_ != Phase::AwaitingRelease) return fail("unexpected A-RELEASE-RP");
            record_.released = true;
            phase_ = Phase::Done;
            return {};
          },
          [&](const dul::ReleaseRq&) -> Bytes {
            // PS3.8 7.2.2: a release collision or a peer that wants to end; answer it.
            if (phase_ == Phase::AwaitingAssociateResponse) return fail("unexpected A-RELEASE-RQ");
            local(dul::Event::Evt14_ReleaseResponse);
            phase_ = Phase::Done;
            return dul::encode(dul::Pdu{dul::ReleaseRp{}}).value();
          },
          [&](const dul::Abort& ab) -> Bytes {
            record_.abort = record::AbortRecord{ab.source, ab.reason};
            if (record_.result == record::AssociationResult::None)
              record_.result = record::AssociationResult::Aborted;
            cut_short_ = true;
            phase_ = Phase::Done;
            return {};
          },
          [&](const dul::AssociateRq&) -> Bytes { return fail("peer sent an A-ASSOCIATE-RQ"); },
      },
      pdu);
}

Bytes AssociationClient::on_associate_ac(const dul::AssociateAc& ac) {
  record_.result = record::AssociationResult::Accepted;
  const auto& ui = ac.user_info;
  record_.max_pdu = ui.max_length;
  peer_max_pdu_ = ui.max_length.value_or(0);
  record_.implementation_class_uid = ui.implementation_class_uid;
  record_.implementation_version_name = ui.implementation_version_name;
  for (const auto& pc : ac.contexts) {
    if (pc.result != dul::PcResult::Acceptance) continue;
    // PS3.8 9.3.3.2: the AC names contexts by id only; the abstract syntax is ours.
    for (const auto& rq : plan_.contexts) {
      if (rq.id != pc.id) continue;
      record_.accepted_contexts.push_back({rq.abstract_syntax, pc.transfer_syntax});
      if (rq.abstract_syntax == dicom::uid::kVerification && echo_context_ == 0)
        echo_context_ = pc.id;
    }
  }
  if (!plan_.echo || echo_context_ == 0) return release_rq();

  dimse::Command rq;
  rq.field = dimse::CommandField::CEchoRq;
  rq.affected_sop_class_uid = std::string(dicom::uid::kVerification);
  rq.message_id = kEchoMessageId;
  const auto command = dimse::encode_command(rq);
  Bytes out;
  for (const auto& pdu : dimse::make_pdata(echo_context_, command, nullptr, peer_max_pdu_)) {
    auto b = dul::encode(pdu).value();
    out.insert(out.end(), b.begin(), b.end());
  }
  local(dul::Event::Evt9_PDataRequest);  // DT-1
  phase_ = Phase::AwaitingEcho;
  return out;
}

Bytes AssociationClient::on_pdata(const dul::PData& pd) {
  for (const auto& pdv : pd.pdvs) {
    switch (assembler_.add(pdv)) {
      case dimse::MessageAssembler::Status::NeedMore:
        continue;
      case dimse::MessageAssembler::Status::Error:
        return fail("malformed DIMSE message: " + assembler_.error());
      case dimse::MessageAssembler::Status::DataSetReady:
        return fail("unexpected data set in C-ECHO response");
      case dimse::MessageAssembler::Status::CommandReady: {
        const auto& cmd = assembler_.command();
        if (cmd.field != dimse::CommandField::CEchoRsp)
          return fail("expected C-ECHO-RSP");
        echo_ = record::EchoRecord{cmd.status.value_or(0xFFFF)};
        return release_rq();
      }
    }
  }
  return {};
}

Bytes AssociationClient::release_rq() {
  local(dul::Event::Evt11_ReleaseRequest);  // AR-1: Sta6 -> Sta7
  phase_ = Phase::AwaitingRelease;
  return dul::encode(dul::Pdu{dul::ReleaseRq{}}).value();
}

Bytes AssociationClient::fail(std::string why) {
  if (!error_) error_ = std::move(why);
  phase_ = Phase::Done;
  // Nothing is sent back to a peer that never spoke DICOM (an HTTP or SSH server).
  if (!spoke_dicom_) return {};
  local(dul::Event::Evt15_AbortRequest);  // AA-1
  // PS3.8 7.3.1: service-user initiated abort; the peer can free the association at once.
  return dul::encode(dul::Pdu{dul::Abort{0, 0}}).value();
}

}  // namespace dicomsec::probes
