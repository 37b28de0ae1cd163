// PS3.8 9.2.3, Table 9-10: the state transition table, held as data.
#include "dul/state_machine.hpp"

#include <array>
#include <cstddef>
#include <variant>

namespace dicomsec::dul {

namespace {

constexpr std::size_t kStates = 13;
constexpr std::size_t kEvents = 19;
constexpr std::size_t kActions = 29;  // Invalid + 28 named actions

using S = State;
using P = PduType;

// PS3.8 Tables 9-6 (AE), 9-7 (DT), 9-8 (AR) and 9-9 (AA); indexed by Action.
constexpr std::array<ActionInfo, kActions> kActionTable{{
    {"invalid", "event not possible in this state", S::Sta1, std::nullopt, Artim::Keep, false},
    {"AE-1", "issue TRANSPORT CONNECT request", S::Sta4, std::nullopt, Artim::Keep, false},
    {"AE-2", "send A-ASSOCIATE-RQ PDU", S::Sta5, P::AssociateRq, Artim::Keep, false},
    {"AE-3", "issue A-ASSOCIATE confirmation (accept)", S::Sta6, std::nullopt, Artim::Keep, false},
    {"AE-4", "issue A-ASSOCIATE confirmation (reject) and close transport", S::Sta1, std::nullopt,
     Artim::Keep, true},
    {"AE-5", "issue transport connection response and start ARTIM", S::Sta2, std::nullopt,
     Artim::Start, false},
    {"AE-6", "stop ARTIM; issue A-ASSOCIATE indication if acceptable", S::Sta3, std::nullopt,
     Artim::Stop, false},
    {"AE-7", "send A-ASSOCIATE-AC PDU", S::Sta6, P::AssociateAc, Artim::Keep, false},
    {"AE-8", "send A-ASSOCIATE-RJ PDU and start ARTIM", S::Sta13, P::AssociateRj, Artim::Start,
     false},
    {"DT-1", "send P-DATA-TF PDU", S::Sta6, P::PData, Artim::Keep, false},
    {"DT-2", "issue P-DATA indication", S::Sta6, std::nullopt, Artim::Keep, false},
    {"AR-1", "send A-RELEASE-RQ PDU", S::Sta7, P::ReleaseRq, Artim::Keep, false},
    {"AR-2", "issue A-RELEASE indication", S::Sta8, std::nullopt, Artim::Keep, false},
    {"AR-3", "issue A-RELEASE confirmation and close transport", S::Sta1, std::nullopt, Artim::Keep,
     true},
    {"AR-4", "send A-RELEASE-RP PDU and start ARTIM", S::Sta13, P::ReleaseRp, Artim::Start, false},
    {"AR-5", "stop ARTIM", S::Sta1, std::nullopt, Artim::Stop, false},
    {"AR-6", "issue P-DATA indication", S::Sta7, std::nullopt, Artim::Keep, false},
    {"AR-7", "send P-DATA-TF PDU", S::Sta8, P::PData, Artim::Keep, false},
    {"AR-8", "issue A-RELEASE indication (release collision)", S::Sta9, std::nullopt, Artim::Keep,
     false},
    {"AR-9", "send A-RELEASE-RP PDU", S::Sta11, P::ReleaseRp, Artim::Keep, false},
    {"AR-10", "issue A-RELEASE confirmation", S::Sta12, std::nullopt, Artim::Keep, false},
    {"AA-1", "send A-ABORT PDU (service-user) and (re)start ARTIM", S::Sta13, P::Abort,
     Artim::Start, false},
    {"AA-2", "stop ARTIM and close transport", S::Sta1, std::nullopt, Artim::Stop, true},
    {"AA-3", "issue A-ABORT or A-P-ABORT indication and close transport", S::Sta1, std::nullopt,
     Artim::Keep, true},
    {"AA-4", "issue A-P-ABORT indication", S::Sta1, std::nullopt, Artim::Keep, false},
    {"AA-5", "stop ARTIM", S::Sta1, std::nullopt, Artim::Stop, false},
    {"AA-6", "ignore PDU", S::Sta13, std::nullopt, Artim::Keep, false},
    {"AA-7", "send A-ABORT PDU", S::Sta13, P::Abort, Artim::Keep, false},
    {"AA-8", "send A-ABORT PDU (service-provider), issue A-P-ABORT indication, start ARTIM",
     S::Sta13, P::Abort, Artim::Start, false},
}};

// PS3.8 Table 9-10: one row per event, one column per state (Sta1..Sta13).
using Row = std::array<Action, kStates>;
constexpr Action xx = Action::Invalid;
using enum Action;

// clang-format off
constexpr std::array<Row, kEvents> kTable{{
    //  Sta1  Sta2  Sta3  Sta4  Sta5  Sta6  Sta7  Sta8  Sta9  Sta10  Sta11 Sta12 Sta13
    {AE_1, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx},                      // Evt1
    {xx, xx, xx, AE_2, xx, xx, xx, xx, xx, xx, xx, xx, xx},                      // Evt2
    {xx, AA_1, AA_8, xx, AE_3, AA_8, AA_8, AA_8, AA_8, AA_8, AA_8, AA_8, AA_6},  // Evt3
    {xx, AA_1, AA_8, xx, AE_4, AA_8, AA_8, AA_8, AA_8, AA_8, AA_8, AA_8, AA_6},  // Evt4
    {AE_5, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx},                      // Evt5
    {xx, AE_6, AA_8, xx, AA_8, AA_8, AA_8, AA_8, AA_8, AA_8, AA_8, AA_8, AA_7},  // Evt6
    {xx, xx, AE_7, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx},                      // Evt7
    {xx, xx, AE_8, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx},                      // Evt8
    {xx, xx, xx, xx, xx, DT_1, xx, AR_7, xx, xx, xx, xx, xx},                    // Evt9
    {xx, AA_1, AA_8, xx, AA_8, DT_2, AR_6, AA_8, AA_8, AA_8, AA_8, AA_8, AA_6},  // Evt10
    {xx, xx, xx, xx, xx, AR_1, xx, xx, xx, xx, xx, xx, xx},                      // Evt11
    {xx, AA_1, AA_8, xx, AA_8, AR_2, AR_8, AA_8, AA_8, AA_8, AA_8, AA_8, AA_6},  // Evt12
    {xx, AA_1, AA_8, xx, AA_8, AA_8, AR_3, AA_8, AA_8, AR_10, AR_3, AA_8, AA_6}, // Evt13
    {xx, xx, xx, xx, xx, xx, xx, AR_4, AR_9, xx, xx, AR_4, xx},                  // Evt14
    {xx, xx, AA_1, AA_2, AA_1, AA_1, AA_1, AA_1, AA_1, AA_1, AA_1, AA_1, xx},    // Evt15
    {xx, AA_2, AA_3, xx, AA_3, AA_3, AA_3, AA_3, AA_3, AA_3, AA_3, AA_3, AA_2},  // Evt16
    {xx, AA_5, AA_4, AA_4, AA_4, AA_4, AA_4, AA_4, AA_4, AA_4, AA_4, AA_4, AR_5},// Evt17
    {xx, AA_2, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, AA_2},                    // Evt18
    {xx, AA_1, AA_8, xx, AA_8, AA_8, AA_8, AA_8, AA_8, AA_8, AA_8, AA_8, AA_7},  // Evt19
}};
// clang-format on

constexpr std::array<std::string_view, kStates> kStateNames{
    "Sta1", "Sta2", "Sta3",  "Sta4",  "Sta5",  "Sta6", "Sta7",
    "Sta8", "Sta9", "Sta10", "Sta11", "Sta12", "Sta13"};

constexpr std::array<std::string_view, kEvents> kEventNames{
    "Evt1",  "Evt2",  "Evt3",  "Evt4",  "Evt5",  "Evt6",  "Evt7",  "Evt8",  "Evt9", "Evt10",
    "Evt11", "Evt12", "Evt13", "Evt14", "Evt15", "Evt16", "Evt17", "Evt18", "Evt19"};

// Enum values are 1-based; anything outside the range maps to index kStates/kEvents.
constexpr std::size_t state_index(State s) { return static_cast<std::size_t>(s) - 1; }
constexpr std::size_t event_index(Event e) { return static_cast<std::size_t>(e) - 1; }

}  // namespace

const ActionInfo& action_info(Action action) noexcept {
  auto i = static_cast<std::size_t>(action);
  return i < kActions ? kActionTable[i] : kActionTable[0];
}

std::string_view action_name(Action action) noexcept { return action_info(action).name; }

std::string_view state_name(State state) noexcept {
  auto i = state_index(state);
  return i < kStates ? kStateNames[i] : "invalid";
}

std::string_view event_name(Event event) noexcept {
  auto i = event_index(event);
  return i < kEvents ? kEventNames[i] : "invalid";
}

Transition transition(State state, Event event, Role role) noexcept {
  auto si = state_index(state);
  auto ei = event_index(event);
  if (si >= kStates || ei >= kEvents) return {Action::Invalid, state};
  Action action = kTable[ei][si];
  if (action == Action::Invalid) return {Action::Invalid, state};
  if (action == Action::AR_8) return {action, role == Role::Requestor ? S::Sta9 : S::Sta10};
  return {action, action_info(action).next};
}

Event received_event(const Pdu& pdu) noexcept {
  switch (pdu_type(pdu)) {
    case PduType::AssociateRq: return Event::Evt6_AssociateRqReceived;
    case PduType::AssociateAc: return Event::Evt3_AssociateAcReceived;
    case PduType::AssociateRj: return Event::Evt4_AssociateRjReceived;
    case PduType::PData: return Event::Evt10_PDataReceived;
    case PduType::ReleaseRq: return Event::Evt12_ReleaseRqReceived;
    case PduType::ReleaseRp: return Event::Evt13_ReleaseRpReceived;
    case PduType::Abort: return Event::Evt16_AbortReceived;
  }
  return Event::Evt19_InvalidPduReceived;
}

Transition StateMachine::on(Event event) noexcept {
  auto t = transition(state_, event, role_);
  if (!t.valid()) return t;
  switch (action_info(t.action).artim) {
    case Artim::Start: artim_ = true; break;
    case Artim::Stop: artim_ = false; break;
    case Artim::Keep: break;
  }
  state_ = t.next;
  if (state_ == State::Sta1) artim_ = false;
  return t;
}

}  // namespace dicomsec::dul
