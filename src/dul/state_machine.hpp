// PS3.8 9.2: the DICOM Upper Layer association state machine, as data. States, events
// and actions carry the standard's names (Sta1..Sta13, Evt1..Evt19, AE-1..AA-8) so the
// table below can be checked line by line against PS3.8 Table 9-10. The machine performs
// no I/O and owns no timer: the caller executes each action and feeds ARTIM expiry
// (Evt18) and transport events itself.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "dul/pdu.hpp"

namespace dicomsec::dul {

// PS3.8 Table 9-10 states.
enum class State : std::uint8_t {
  Sta1 = 1,  // Idle
  Sta2,      // Transport connection open (awaiting A-ASSOCIATE-RQ PDU)
  Sta3,      // Awaiting local A-ASSOCIATE response primitive
  Sta4,      // Awaiting transport connection opening to complete
  Sta5,      // Awaiting A-ASSOCIATE-AC or A-ASSOCIATE-RJ PDU
  Sta6,      // Association established and ready for data transfer
  Sta7,      // Awaiting A-RELEASE-RP PDU
  Sta8,      // Awaiting local A-RELEASE response primitive
  Sta9,      // Release collision requestor side; awaiting A-RELEASE response
  Sta10,     // Release collision acceptor side; awaiting A-RELEASE-RP PDU
  Sta11,     // Release collision requestor side; awaiting A-RELEASE-RP PDU
  Sta12,     // Release collision acceptor side; awaiting A-RELEASE response primitive
  Sta13      // Awaiting transport connection close indication
};

// PS3.8 Table 9-10 events.
enum class Event : std::uint8_t {
  Evt1_AssociateRequest = 1,        // A-ASSOCIATE request (local user)
  Evt2_TransportConnectConfirm,     // transport connect confirmation
  Evt3_AssociateAcReceived,         // A-ASSOCIATE-AC PDU received
  Evt4_AssociateRjReceived,         // A-ASSOCIATE-RJ PDU received
  Evt5_TransportConnectIndication,  // transport connection indication (acceptor)
  Evt6_AssociateRqReceived,         // A-ASSOCIATE-RQ PDU received
  Evt7_AssociateResponseAccept,     // A-ASSOCIATE response primitive (accept)
  Evt8_AssociateResponseReject,     // A-ASSOCIATE response primitive (reject)
  Evt9_PDataRequest,                // P-DATA request primitive
  Evt10_PDataReceived,              // P-DATA-TF PDU received
  Evt11_ReleaseRequest,             // A-RELEASE request primitive
  Evt12_ReleaseRqReceived,          // A-RELEASE-RQ PDU received
  Evt13_ReleaseRpReceived,          // A-RELEASE-RP PDU received
  Evt14_ReleaseResponse,            // A-RELEASE response primitive
  Evt15_AbortRequest,               // A-ABORT request primitive
  Evt16_AbortReceived,              // A-ABORT PDU received
  Evt17_TransportClosed,            // transport connection closed indication
  Evt18_ArtimExpired,               // ARTIM timer expired
  Evt19_InvalidPduReceived          // unrecognized or invalid PDU received
};

// PS3.8 9.2.2 actions. Invalid marks an empty cell of Table 9-10 (event not possible in
// that state); the machine then stays where it is.
// clang-format off
enum class Action : std::uint8_t {
  Invalid = 0,
  AE_1, AE_2, AE_3, AE_4, AE_5, AE_6, AE_7, AE_8,
  DT_1, DT_2,
  AR_1, AR_2, AR_3, AR_4, AR_5, AR_6, AR_7, AR_8, AR_9, AR_10,
  AA_1, AA_2, AA_3, AA_4, AA_5, AA_6, AA_7, AA_8
};
// clang-format on

enum class Role : std::uint8_t { Requestor, Acceptor };

// What an action asks of the ARTIM timer (PS3.8 9.1.5, 9.2.2).
enum class Artim : std::uint8_t { Keep, Start, Stop };

struct ActionInfo {
  std::string_view name;         // "AE-3"
  std::string_view description;  // paraphrase of PS3.8 Tables 9-6..9-9
  State next = State::Sta1;      // AR-8: requestor's side; see transition()
  std::optional<PduType> sends;  // PDU the action transmits, if any
  Artim artim = Artim::Keep;
  bool closes_transport = false;
};

struct Transition {
  Action action = Action::Invalid;
  State next = State::Sta1;
  [[nodiscard]] bool valid() const noexcept { return action != Action::Invalid; }
  bool operator==(const Transition&) const = default;
};

// Looks up Table 9-10. Two actions have a next state that depends on context:
//  - AE-6 (A-ASSOCIATE-RQ received in Sta2) yields Sta3; a caller that finds the request
//    unacceptable then feeds Evt8, whose AE-8 sends the A-ASSOCIATE-RJ and goes to Sta13.
//  - AR-8 (release collision) yields Sta9 for the requestor and Sta10 for the acceptor.
// An empty cell yields {Action::Invalid, state}.
Transition transition(State state, Event event, Role role = Role::Requestor) noexcept;

const ActionInfo& action_info(Action action) noexcept;
std::string_view action_name(Action action) noexcept;  // "AE-3", "invalid"
std::string_view state_name(State state) noexcept;     // "Sta6"
std::string_view event_name(Event event) noexcept;     // "Evt3"

// Event raised by receiving a decoded PDU (Evt3, 4, 6, 10, 12, 13 or 16).
Event received_event(const Pdu& pdu) noexcept;

// Convenience wrapper that tracks the current state and whether ARTIM should run.
class StateMachine {
 public:
  explicit StateMachine(Role role = Role::Requestor) noexcept : role_(role) {}

  // Applies the event; on an invalid event the state is unchanged.
  Transition on(Event event) noexcept;
  [[nodiscard]] State state() const noexcept { return state_; }
  [[nodiscard]] Role role() const noexcept { return role_; }
  [[nodiscard]] bool artim_running() const noexcept { return artim_; }
  [[nodiscard]] bool established() const noexcept { return state_ == State::Sta6; }

 private:
  Role role_;
  State state_ = State::Sta1;
  bool artim_ = false;
};

}  // namespace dicomsec::dul
