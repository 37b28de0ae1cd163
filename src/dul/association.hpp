// dul::Association: the one DICOM Upper Layer association engine, in the style of h11 and
// nghttp2. It performs no I/O and owns no clock: the caller feeds bytes received, local
// requests (PS3.8 primitives) and transport events (connected, closed, ARTIM expired), and
// each call returns an Output: the bytes to send, the indications for the user, the
// Table 9-10 steps taken and what to do with the ARTIM timer and the transport.
//
// The engine owns
//  - the streaming PduDecoder (with resync() after a gap),
//  - the PS3.8 Table 9-10 machine, which CHOOSES the action for every event: AE-1..AE-8,
//    DT-1/2, AR-1..AR-10 (release collision included) and AA-1..AA-8, Evt19 for undecodable
//    or unknown PDUs,
//  - the negotiated presentation-context table (ContextTable, shareable between the two
//    observers of one TCP flow),
//  - streaming DIMSE assembly: a command set is assembled whole (capped), a data set is
//    delivered as DataChunk indications and never buffered whole unless asked for.
//
// Observer mode watches ONE direction of traffic (pcap runs two per flow): it never sends,
// accepts no local requests, can start mid-stream, survives gaps, and reports protocol
// violations in conformance() instead of aborting.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "dul/dimse.hpp"
#include "dul/pdu.hpp"
#include "dul/state_machine.hpp"

namespace dicomsec::dul {

// ---------------------------------------------------------------------------------------
// Presentation-context table (PS3.8 9.3.2.2 proposal + 9.3.3.2 result).

struct NegotiatedContext {
  std::uint8_t id = 0;
  std::string abstract_syntax{};                 // from the RQ ("" if only the AC was seen)
  std::vector<std::string> proposed_transfer{};  // from the RQ
  std::optional<PcResult> result{};              // from the AC (none until then)
  std::string transfer_syntax{};                 // from the AC, significant if accepted
  [[nodiscard]] bool accepted() const noexcept { return result == PcResult::Acceptance; }
  bool operator==(const NegotiatedContext&) const = default;
};

// PS3.8 9.3.3.2: each presentation context item of an A-ASSOCIATE-AC answers the item of
// the A-ASSOCIATE-RQ with the same id. An answer that breaks this is a protocol error.
struct ContextAnswerError {
  enum class Kind : std::uint8_t {
    NotProposed,          // the id was not proposed in the RQ
    Repeated,             // the AC answers the id more than once
    TransferNotProposed,  // accepted with a transfer syntax not proposed for the id
  };
  Kind kind = Kind::NotProposed;
  std::uint8_t id = 0;
  bool operator==(const ContextAnswerError&) const = default;
};
// One line naming the id and the rule (no UIDs: they may be long and are not needed).
std::string describe(const ContextAnswerError& e);
// The first error's line, with a count of the others.
std::string describe(const std::vector<ContextAnswerError>& errors);

class ContextTable {
 public:
  // Records the proposal of an A-ASSOCIATE-RQ (replaces any earlier table). PS3.8 9.3.2.2
  // and 7.1.1.13: ids are unique within one RQ; the ids proposed more than once are
  // returned (the last proposal of each is kept).
  std::vector<std::uint8_t> propose(const AssociateRq& rq);
  // What is wrong with an AC's answers to the proposal (empty: nothing). Without a known
  // proposal (an observer that missed the RQ) only repeated ids can be judged.
  [[nodiscard]] std::vector<ContextAnswerError> check_answer(const AssociateAc& ac) const;
  // Records the results of an A-ASSOCIATE-AC, every item as received (an id not proposed
  // is kept with its abstract syntax unknown; for a repeated id the last answer wins), and
  // returns check_answer(ac) as judged before recording. Endpoints refuse such an AC
  // before calling this; observers record it so the rest of the flow still decodes.
  std::vector<ContextAnswerError> accept(const AssociateAc& ac);
  void clear() noexcept {
    contexts_.clear();
    proposed_ = false;
  }
  // An A-ASSOCIATE-RQ was recorded (the AC's answers can be judged against it).
  [[nodiscard]] bool proposed() const noexcept { return proposed_; }

  [[nodiscard]] const NegotiatedContext* find(std::uint8_t id) const noexcept;
  // First accepted context for an abstract syntax (and transfer syntax, if given).
  [[nodiscard]] std::optional<std::uint8_t> accepted_for(
      std::string_view abstract_syntax, std::string_view transfer_syntax = {}) const noexcept;
  [[nodiscard]] const std::vector<NegotiatedContext>& contexts() const noexcept {
    return contexts_;
  }

 private:
  NegotiatedContext& slot(std::uint8_t id);
  std::vector<NegotiatedContext> contexts_;
  bool proposed_ = false;
};

// ---------------------------------------------------------------------------------------
// Indications: what the engine tells its user. Every PDU-level indication keeps the raw
// PDU bytes beside the decoded value, so a proxy can forward what it received byte for
// byte (unknown items and sub-items included).
namespace ind {

struct AssociateRequested {  // A-ASSOCIATE indication (Evt6 / AE-6), acceptor and observer
  AssociateRq rq;
  Bytes raw;
};
struct AssociateAccepted {  // A-ASSOCIATE confirmation accept (Evt3 / AE-3)
  AssociateAc ac;
  Bytes raw;
};
struct AssociateRejected {  // A-ASSOCIATE confirmation reject (Evt4 / AE-4)
  AssociateRj rj;
  Bytes raw;
};
// A whole DIMSE command set received (P-DATA indication, DT-2 / AR-6). has_data_set: a
// data set follows as DataChunk (or one DataSet when buffering was asked for).
struct Command {
  std::uint8_t context_id = 0;
  dimse::Command command;
  Bytes raw;  // the command set bytes as received (all fragments joined)
};
// One fragment of a data set, exactly one PDV's value as received. last: the data set ends.
struct DataChunk {
  std::uint8_t context_id = 0;
  Bytes bytes;
  bool last = false;
};
// A whole data set, only when AssociationOptions::buffer_data_set asked for this message.
struct DataSet {
  std::uint8_t context_id = 0;
  Bytes bytes;
};
struct ReleaseRequested {  // A-RELEASE indication (AR-2), or AR-8 when collision is true
  bool collision = false;
  Bytes raw;
};
struct ReleaseConfirmed {  // A-RELEASE confirmation (AR-3 / AR-10)
  Bytes raw;
};
// A-ABORT indication (peer's A-ABORT PDU, AA-3) or A-P-ABORT indication (provider: AA-4
// transport closed, AA-8 protocol error found by us; then `detail` says what was wrong).
struct Aborted {
  bool provider = false;    // A-P-ABORT
  bool by_peer = false;     // an A-ABORT PDU was received
  std::uint8_t source = 0;  // PS3.8 9.3.8 (the received or the sent one)
  std::uint8_t reason = 0;
  std::string detail{};
  Bytes raw{};  // the received A-ABORT PDU, if any
};
// Observer/after-gap: a message in progress was lost (its remaining fragments are skipped).
struct MessageLost {
  std::uint8_t context_id = 0;
  std::string detail{};
};
// The association reached Sta1 (idle): nothing more will happen on this instance.
struct Closed {};

}  // namespace ind

using Indication =
    std::variant<ind::AssociateRequested, ind::AssociateAccepted, ind::AssociateRejected,
                 ind::Command, ind::DataChunk, ind::DataSet, ind::ReleaseRequested,
                 ind::ReleaseConfirmed, ind::Aborted, ind::MessageLost, ind::Closed>;

// One row of Table 9-10 that the engine executed.
struct Step {
  State from = State::Sta1;
  Event event = Event::Evt1_AssociateRequest;
  Action action = Action::Invalid;
  State next = State::Sta1;
  bool operator==(const Step&) const = default;
};

// Result of one call. Apply in this order: write `send`, deliver `indications`, then apply
// `artim` and `close_transport`.
struct Output {
  Bytes send{};  // bytes to write to the peer (empty for observers)
  std::vector<Indication> indications{};
  std::vector<Step> steps{};     // Table 9-10 cells executed, in order
  Artim artim = Artim::Keep;     // net instruction for the caller's ARTIM timer
  bool close_transport = false;  // AE-4, AR-3, AA-2, AA-3 (and AA-4/AR-5 done)
  // Requestor: AE-1 asks for a transport connection; call transport_connected() when open.
  bool connect_transport = false;

  void append(Output&& other);  // for callers that merge outputs
};

struct AssociationOptions {
  Role role = Role::Requestor;
  bool observer = false;          // watch one direction: never send, tolerate gaps
  bool start_mid_stream = false;  // observer: the first byte may not start a PDU (resync)
  Limits limits{};                // PDU decoder caps
  std::size_t max_command_bytes = 64U << 10;  // cap on one assembled command set
  // Called when a command announcing a data set is complete; true = deliver that data set
  // whole (one ind::DataSet) instead of DataChunks. Null = always stream.
  std::function<bool(std::uint8_t context_id, const dimse::Command&)> buffer_data_set{};
  std::size_t max_buffered_data_set = 16U << 20;  // cap for a data set buffered whole
  // Shared table (pcap: one table for the two observers of a flow). Null = own table.
  std::shared_ptr<ContextTable> contexts{};
};

class Association {
 public:
  explicit Association(AssociationOptions options = {});

  // --- transport events ------------------------------------------------------------------
  // Requestor: Evt2 (transport connect confirmation; sends the RQ given to associate()).
  // Acceptor: Evt5 (transport connection indication; starts ARTIM).
  Output transport_connected();
  Output transport_closed();  // Evt17
  Output artim_expired();     // Evt18

  // Bytes received from the peer (observer: bytes seen in the watched direction). Each
  // decoded PDU is an Evt3/4/6/10/12/13/16; an undecodable or unknown one is Evt19.
  Output receive(ByteView bytes);
  // Like receive(), but handles at most one PDU; the rest of the input stays buffered in
  // the decoder and input_pending() says so. Call again (empty bytes will do) while it is
  // true. For a user whose reaction to each PDU must be in the engine's state before the
  // next PDU is judged (the scanner's clients). Same framing, limits and errors as receive().
  Output receive_one(ByteView bytes);
  // receive_one() stopped after a PDU: more input may be buffered.
  [[nodiscard]] bool input_pending() const noexcept { return input_pending_; }
  // Observer: n bytes of the stream are missing (capture loss). The decoder resyncs on the
  // next plausible PDU boundary; a message in progress is reported as MessageLost.
  Output gap(std::size_t n);

  // --- local requests (PS3.8 primitives). Error: the cell of Table 9-10 is empty for the
  // current state, the instance is an observer, or an argument is invalid. ---------------
  Result<Output> associate(AssociateRq rq);      // Evt1 (then transport_connected(): Evt2)
  Result<Output> accept(AssociateAc ac);         // Evt7 (AE-7), acceptor in Sta3
  Result<Output> reject(const AssociateRj& rj);  // Evt8 (AE-8), acceptor in Sta3
  // Evt9: sends a command on an accepted context. If the command announces a data set,
  // send it next with send_data() (any chunking; each call is fragmented to the peer's
  // maximum PDU length and never buffered).
  Result<Output> send_command(std::uint8_t context_id, const dimse::Command& command);
  Result<Output> send_data(std::uint8_t context_id, ByteView chunk, bool last);
  // Convenience: command + whole data set (data_set empty and command without a data set
  // for messages that have none).
  Result<Output> send_message(std::uint8_t context_id, const dimse::Command& command,
                              ByteView data_set = {});
  Result<Output> release();           // Evt11 (AR-1)
  Result<Output> release_response();  // Evt14 (AR-4, or AR-9 in a collision)
  // Evt15 (AA-1: A-ABORT source 0 service-user; AA-2 before the transport is up).
  // reason: the byte sent in the A-ABORT (PS3.8 9.3.8: not significant for source 0).
  Result<Output> abort(std::uint8_t reason = 0);

  // Observer: learn the contexts from the other direction (when no shared table is used).
  void observe_request(const AssociateRq& rq);
  void observe_accept(const AssociateAc& ac);

  // --- state --------------------------------------------------------------------------------
  // Table 9-10 state. An observer has no machine: it reports the state the receiving side
  // of the watched bytes would be in as far as one direction shows it (Sta6 once data
  // flows, Sta13 after an A-ABORT, A-ASSOCIATE-RJ or A-RELEASE-RP, ...).
  [[nodiscard]] State state() const noexcept {
    return options_.observer ? observed_state_ : machine_.state();
  }
  [[nodiscard]] Role role() const noexcept { return options_.role; }
  [[nodiscard]] bool observer() const noexcept { return options_.observer; }
  [[nodiscard]] bool established() const noexcept { return state() == State::Sta6; }
  [[nodiscard]] bool artim_running() const noexcept { return machine_.artim_running(); }
  [[nodiscard]] const ContextTable& contexts() const noexcept { return *contexts_; }
  [[nodiscard]] std::shared_ptr<ContextTable> shared_contexts() const noexcept { return contexts_; }
  // Maximum PDU length the peer accepts (its max length sub-item; 0 = unlimited).
  [[nodiscard]] std::uint32_t peer_max_pdu() const noexcept { return peer_max_pdu_; }
  [[nodiscard]] const std::optional<AssociateRq>& request() const noexcept { return rq_; }
  [[nodiscard]] const std::optional<AssociateAc>& acceptance() const noexcept { return ac_; }
  // An A-ASSOCIATE-AC whose context answers were refused (AA-8: an id not proposed, answered
  // twice, or a transfer syntax not offered): the peer did accept, which a scanner reports.
  [[nodiscard]] const std::optional<AssociateAc>& refused_acceptance() const noexcept {
    return refused_ac_;
  }
  // Deviations tolerated on the way (unknown items, trailing bytes in a sub-item, an
  // over-long PDU, an observer's out-of-state PDU, ...): human-readable, no identifiers.
  [[nodiscard]] const std::vector<std::string>& conformance() const noexcept {
    return conformance_;
  }
  // Observer: PDUs that decoded but break a PS3.8 rule an endpoint aborts for (today: an
  // A-ASSOCIATE-AC answering a context that was not proposed, twice, or with a transfer
  // syntax not offered). Each is also a "protocol error: ..." line in conformance().
  // Undecodable bytes are not counted here: after a capture gap they need not be the
  // peer's fault (see bytes_skipped()). Endpoints abort instead (0 here).
  [[nodiscard]] std::uint64_t protocol_errors() const noexcept { return protocol_errors_; }
  // Bytes held inside the engine right now (decoder + command/data-set assembly).
  [[nodiscard]] std::size_t buffered_bytes() const noexcept;
  // Counters for reports and tests.
  [[nodiscard]] std::uint64_t bytes_received() const noexcept { return bytes_received_; }
  // Bytes not decoded: declared gaps plus bytes skipped while resynchronising.
  [[nodiscard]] std::uint64_t bytes_skipped() const noexcept {
    return bytes_skipped_ + decoder_.skipped();
  }

 private:
  enum class InPhase : std::uint8_t { Idle, Command, DataSet, Skipping };

  // Looks up Table 9-10 for `event`, executes the action's generic part (PDU sent, ARTIM,
  // transport, A-P-ABORT indication for AA-8) and records the Step.
  Transition apply(Output& out, Event event, std::uint8_t abort_reason = 0,
                   std::string detail = {});
  Output receive_pdus(ByteView bytes, std::size_t max_pdus);  // max_pdus 0: all
  void on_pdu(Output& out, Pdu pdu, ByteView raw);
  void observe_pdu(Output& out, Pdu pdu, ByteView raw);
  // Evt19 (undecodable PDU, or a P-DATA whose PDVs break PS3.7/PS3.8 rules).
  void on_invalid(Output& out, std::string detail, std::uint8_t reason);
  // DT-2 / AR-6: assembles PDVs; false = protocol error (already reported).
  bool on_pdata(Output& out, PData& pd);
  bool take_pdv(Output& out, Pdv& pdv, bool may_retry);
  bool pdv_error(Output& out, std::string detail);
  void lose_message(Output& out, std::string detail);
  Result<Output> local(Event event);
  Result<Output> check_send(std::uint8_t context_id) const;
  void note(std::string text);
  void note_answer(const std::vector<ContextAnswerError>& errors);
  void note_repeated(const std::vector<std::uint8_t>& ids);
  void take_decoder_notes();
  void set_observed(State s) noexcept { observed_state_ = s; }

  AssociationOptions options_;
  StateMachine machine_;
  PduDecoder decoder_;
  std::shared_ptr<ContextTable> contexts_;
  std::optional<AssociateRq> rq_;
  std::optional<AssociateAc> ac_;
  std::optional<AssociateAc> refused_ac_;
  Bytes rq_bytes_;  // encoded at associate(), sent by AE-2
  std::uint32_t peer_max_pdu_ = 0;
  std::uint32_t own_max_pdu_ = 0;
  bool noted_oversize_ = false;
  bool stream_broken_ = false;  // endpoint: decoder failed or a gap; input is ignored
  bool input_pending_ = false;  // receive_one() stopped after a PDU
  std::vector<std::string> conformance_;
  std::uint64_t bytes_received_ = 0;
  std::uint64_t bytes_skipped_ = 0;
  std::uint64_t protocol_errors_ = 0;
  State observed_state_ = State::Sta1;
  // receive side
  InPhase in_phase_ = InPhase::Idle;
  std::uint8_t in_context_ = 0;
  bool in_buffer_whole_ = false;
  Bytes in_command_;
  Bytes in_data_;
  // send side: a data set announced by the last command is still being sent
  bool out_data_pending_ = false;
  std::uint8_t out_context_ = 0;
};

}  // namespace dicomsec::dul
