// The requestor side of one DICOM association, sans-IO: the caller sends what start() and
// on_bytes() return and feeds whatever the peer sends. It proposes the plan's contexts,
// records what the peer answers, runs one C-ECHO when Verification was accepted, and
// releases the association properly (PS3.8 7.2) — the honest scanner's manners.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "dul/dimse.hpp"
#include "dul/pdu.hpp"
#include "dul/state_machine.hpp"
#include "record/record.hpp"

namespace dicomsec::probes {

struct AssociationPlan {
  std::string calling_ae;
  std::string called_ae;
  std::vector<dul::PresentationContextRq> contexts;
  std::uint32_t max_pdu_receive = 64 * 1024;  // what we announce we accept
  bool echo = true;                           // C-ECHO when Verification is accepted
};

// The ~30 contexts of the safe probe: Verification, Q/R and the common storage classes,
// each with implicit and explicit VR little endian.
std::vector<dul::PresentationContextRq> default_contexts();
dul::AssociateRq make_associate_rq(const AssociationPlan& plan);

class AssociationClient {
 public:
  enum class Phase { Idle, AwaitingAssociateResponse, AwaitingEcho, AwaitingRelease, Done };

  explicit AssociationClient(AssociationPlan plan, dul::Limits limits = {});

  // Bytes of the A-ASSOCIATE-RQ; call once, after the transport connected.
  Bytes start();
  // Feeds bytes from the peer; returns what to send now (possibly nothing).
  Bytes on_bytes(ByteView data);
  // The peer closed the connection (or it broke); finishes the exchange.
  void on_closed();

  [[nodiscard]] bool done() const { return phase_ == Phase::Done; }
  [[nodiscard]] Phase phase() const { return phase_; }
  // True once the peer sent at least one well-formed PDU.
  [[nodiscard]] bool spoke_dicom() const { return spoke_dicom_; }
  // Bytes the peer sent that do not yet form a whole PDU.
  [[nodiscard]] std::size_t partial_bytes() const { return decoder_.buffered(); }
  [[nodiscard]] const std::optional<std::string>& protocol_error() const { return error_; }
  [[nodiscard]] const record::AssociationRecord& record() const { return record_; }
  [[nodiscard]] const std::optional<record::EchoRecord>& echo() const { return echo_; }
  [[nodiscard]] dul::State state() const { return machine_.state(); }
  // The peer closed or aborted before the exchange finished.
  [[nodiscard]] bool cut_short() const { return cut_short_; }

 private:
  Bytes handle(dul::Pdu&& pdu);
  Bytes on_associate_ac(const dul::AssociateAc& ac);
  Bytes on_pdata(const dul::PData& pd);
  Bytes fail(std::string why);  // records a protocol error and returns an A-ABORT
  Bytes release_rq();
  // Applies a local primitive to the PS3.8 state machine (they are always valid where we
  // issue them; a test asserts the requestor path).
  void local(dul::Event event) { (void)machine_.on(event); }

  AssociationPlan plan_;
  dul::PduDecoder decoder_;
  // PS3.8 9.2: every received PDU is checked against the state table; one the table
  // answers with AA-1 or AA-8 (unexpected or unrecognised) is a protocol error.
  dul::StateMachine machine_{dul::Role::Requestor};
  Phase phase_ = Phase::Idle;
  record::AssociationRecord record_;
  std::optional<record::EchoRecord> echo_;
  std::optional<std::string> error_;
  bool spoke_dicom_ = false;
  bool cut_short_ = false;
  std::uint32_t peer_max_pdu_ = 0;
  std::uint8_t echo_context_ = 0;
  dimse::MessageAssembler assembler_{64 * 1024};  // the C-ECHO-RSP, across PDVs
};

}  // namespace dicomsec::probes
