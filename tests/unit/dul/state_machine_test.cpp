#include "dul/state_machine.hpp"

#include <gtest/gtest.h>

#include "samples.hpp"

namespace dicomsec::dul {
namespace {

struct Step {
  Event event;
  Action action;
  State next;
};

void run(StateMachine& m, const std::vector<Step>& steps) {
  for (const auto& s : steps) {
    auto from = m.state();
    auto t = m.on(s.event);
    EXPECT_EQ(t.action, s.action) << state_name(from) << " + " << event_name(s.event) << " -> "
                                  << action_name(t.action);
    EXPECT_EQ(m.state(), s.next) << state_name(from) << " + " << event_name(s.event);
  }
}

TEST(dulStateMachine, RequestorHappyPath) {
  StateMachine m(Role::Requestor);
  run(m, {{Event::Evt1_AssociateRequest, Action::AE_1, State::Sta4},
          {Event::Evt2_TransportConnectConfirm, Action::AE_2, State::Sta5},
          {received_event(AssociateAc{}), Action::AE_3, State::Sta6},
          {Event::Evt9_PDataRequest, Action::DT_1, State::Sta6},
          {received_event(PData{}), Action::DT_2, State::Sta6},
          {Event::Evt11_ReleaseRequest, Action::AR_1, State::Sta7},
          {received_event(PData{}), Action::AR_6, State::Sta7},
          {received_event(ReleaseRp{}), Action::AR_3, State::Sta1}});
  EXPECT_EQ(action_info(Action::AE_2).sends, PduType::AssociateRq);
  EXPECT_TRUE(action_info(Action::AR_3).closes_transport);
}

TEST(dulStateMachine, Reject) {
  StateMachine m;
  run(m, {{Event::Evt1_AssociateRequest, Action::AE_1, State::Sta4},
          {Event::Evt2_TransportConnectConfirm, Action::AE_2, State::Sta5},
          {received_event(AssociateRj{}), Action::AE_4, State::Sta1}});
  EXPECT_TRUE(action_info(Action::AE_4).closes_transport);
}

TEST(dulStateMachine, PeerAbortAndLocalAbort) {
  StateMachine m;
  run(m, {{Event::Evt1_AssociateRequest, Action::AE_1, State::Sta4},
          {Event::Evt2_TransportConnectConfirm, Action::AE_2, State::Sta5},
          {Event::Evt3_AssociateAcReceived, Action::AE_3, State::Sta6},
          {received_event(Abort{}), Action::AA_3, State::Sta1}});
  StateMachine local;
  run(local, {{Event::Evt1_AssociateRequest, Action::AE_1, State::Sta4},
              {Event::Evt2_TransportConnectConfirm, Action::AE_2, State::Sta5},
              {Event::Evt15_AbortRequest, Action::AA_1, State::Sta13}});
  EXPECT_TRUE(local.artim_running());
  run(local, {{Event::Evt18_ArtimExpired, Action::AA_2, State::Sta1}});
  EXPECT_FALSE(local.artim_running());
}

TEST(dulStateMachine, UnexpectedPduInSta5IsProviderAbort) {
  for (Event e :
       {Event::Evt6_AssociateRqReceived, Event::Evt10_PDataReceived, Event::Evt12_ReleaseRqReceived,
        Event::Evt13_ReleaseRpReceived, Event::Evt19_InvalidPduReceived}) {
    auto t = transition(State::Sta5, e);
    EXPECT_EQ(t, (Transition{Action::AA_8, State::Sta13})) << event_name(e);
  }
  EXPECT_EQ(action_info(Action::AA_8).sends, PduType::Abort);
  EXPECT_EQ(action_info(Action::AA_8).artim, Artim::Start);
}

TEST(dulStateMachine, InvalidCellsLeaveStateUnchanged) {
  StateMachine m;
  auto t = m.on(Event::Evt9_PDataRequest);
  EXPECT_FALSE(t.valid());
  EXPECT_EQ(t.next, State::Sta1);
  EXPECT_EQ(m.state(), State::Sta1);
  EXPECT_EQ(action_name(t.action), "invalid");
}

TEST(dulStateMachine, AcceptorPathAndReleaseCollision) {
  StateMachine m(Role::Acceptor);
  run(m, {{Event::Evt5_TransportConnectIndication, Action::AE_5, State::Sta2}});
  EXPECT_TRUE(m.artim_running());
  run(m, {{Event::Evt6_AssociateRqReceived, Action::AE_6, State::Sta3}});
  EXPECT_FALSE(m.artim_running());
  run(m, {{Event::Evt7_AssociateResponseAccept, Action::AE_7, State::Sta6},
          {Event::Evt11_ReleaseRequest, Action::AR_1, State::Sta7},
          {Event::Evt12_ReleaseRqReceived, Action::AR_8, State::Sta10},
          {Event::Evt13_ReleaseRpReceived, Action::AR_10, State::Sta12},
          {Event::Evt14_ReleaseResponse, Action::AR_4, State::Sta13},
          {Event::Evt17_TransportClosed, Action::AR_5, State::Sta1}});
  EXPECT_EQ(transition(State::Sta7, Event::Evt12_ReleaseRqReceived, Role::Requestor).next,
            State::Sta9);
}

TEST(dulStateMachine, TableSpotChecks) {
  // A few cells of PS3.8 Table 9-10 written out independently of the table's layout.
  EXPECT_EQ(transition(State::Sta2, Event::Evt3_AssociateAcReceived).action, Action::AA_1);
  EXPECT_EQ(transition(State::Sta13, Event::Evt3_AssociateAcReceived).action, Action::AA_6);
  EXPECT_EQ(transition(State::Sta13, Event::Evt6_AssociateRqReceived).action, Action::AA_7);
  EXPECT_EQ(transition(State::Sta4, Event::Evt15_AbortRequest).action, Action::AA_2);
  EXPECT_EQ(transition(State::Sta2, Event::Evt17_TransportClosed).action, Action::AA_5);
  EXPECT_EQ(transition(State::Sta11, Event::Evt13_ReleaseRpReceived),
            (Transition{Action::AR_3, State::Sta1}));
  EXPECT_EQ(transition(State::Sta9, Event::Evt14_ReleaseResponse),
            (Transition{Action::AR_9, State::Sta11}));
  EXPECT_EQ(transition(State::Sta8, Event::Evt9_PDataRequest),
            (Transition{Action::AR_7, State::Sta8}));
  EXPECT_FALSE(transition(State::Sta1, Event::Evt3_AssociateAcReceived).valid());
  EXPECT_EQ(state_name(State::Sta13), "Sta13");
  EXPECT_EQ(event_name(Event::Evt19_InvalidPduReceived), "Evt19");
  EXPECT_EQ(action_name(Action::AR_10), "AR-10");
  EXPECT_EQ(action_name(Action::AA_8), "AA-8");
}

}  // namespace
}  // namespace dicomsec::dul
