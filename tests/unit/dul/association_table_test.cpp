// Drives dul::Association, in both roles, through every cell of PS3.8 Table 9-10 that the
// role can reach: for each (state, event) the engine must choose the table's action, reach
// its next state, send exactly the PDU the action sends (A-ABORT with the right source),
// and give the ARTIM and transport instructions the action implies. Empty cells: a local
// primitive is refused and the state does not change.
#include <gtest/gtest.h>

#include <string>

#include "association_helpers.hpp"

namespace dicomsec::dul {
namespace {

using namespace dicomsec::dul::testing;

struct Fired {
  bool possible = true;  // the API can raise this event for this role
  bool refused = false;  // the local primitive returned an error
  Output out;
};

Fired fire(Association& a, Event e) {
  const bool req = a.role() == Role::Requestor;
  auto local = [](Result<Output> r) {
    Fired f;
    if (r.ok())
      f.out = std::move(r).value();
    else
      f.refused = true;
    return f;
  };
  auto in = [](Output o) { return Fired{true, false, std::move(o)}; };
  switch (e) {
    case Event::Evt1_AssociateRequest:
      if (!req) return Fired{false, false, {}};
      return local(a.associate(samples::associate_rq()));
    case Event::Evt2_TransportConnectConfirm:
      if (!req) return Fired{false, false, {}};
      return in(a.transport_connected());
    case Event::Evt3_AssociateAcReceived:
      return in(a.receive(bytes_of(Pdu{accept_all(samples::associate_rq())})));
    case Event::Evt4_AssociateRjReceived:
      return in(a.receive(bytes_of(Pdu{AssociateRj{1, 1, 3}})));
    case Event::Evt5_TransportConnectIndication:
      if (req) return Fired{false, false, {}};
      return in(a.transport_connected());
    case Event::Evt6_AssociateRqReceived:
      return in(a.receive(bytes_of(Pdu{samples::associate_rq()})));
    case Event::Evt7_AssociateResponseAccept:
      if (req) return Fired{false, false, {}};
      return local(a.accept(accept_all(samples::associate_rq())));
    case Event::Evt8_AssociateResponseReject:
      if (req) return Fired{false, false, {}};
      return local(a.reject(AssociateRj{1, 1, 7}));
    case Event::Evt9_PDataRequest:
      return local(a.send_command(1, echo_rq()));
    case Event::Evt10_PDataReceived:
      return in(a.receive(echo_pdata()));
    case Event::Evt11_ReleaseRequest:
      return local(a.release());
    case Event::Evt12_ReleaseRqReceived:
      return in(a.receive(bytes_of(Pdu{ReleaseRq{}})));
    case Event::Evt13_ReleaseRpReceived:
      return in(a.receive(bytes_of(Pdu{ReleaseRp{}})));
    case Event::Evt14_ReleaseResponse:
      return local(a.release_response());
    case Event::Evt15_AbortRequest:
      return local(a.abort());
    case Event::Evt16_AbortReceived:
      return in(a.receive(bytes_of(Pdu{Abort{0, 0}})));
    case Event::Evt17_TransportClosed:
      return in(a.transport_closed());
    case Event::Evt18_ArtimExpired:
      return in(a.artim_expired());
    case Event::Evt19_InvalidPduReceived:
      return in(a.receive(garbage()));
  }
  return Fired{false, false, {}};
}

bool is_local(Event e) {
  switch (e) {
    case Event::Evt1_AssociateRequest:
    case Event::Evt7_AssociateResponseAccept:
    case Event::Evt8_AssociateResponseReject:
    case Event::Evt9_PDataRequest:
    case Event::Evt11_ReleaseRequest:
    case Event::Evt14_ReleaseResponse:
    case Event::Evt15_AbortRequest:
      return true;
    default:
      return false;
  }
}

std::string where(Role role, State s, Event e) {
  return std::string(role == Role::Requestor ? "requestor " : "acceptor ") +
         std::string(state_name(s)) + " + " + std::string(event_name(e));
}

void check_cell(Role role, State s, Event e, int& cells) {
  Association a(AssociationOptions{.role = role});
  if (!drive(a, s)) return;
  ASSERT_EQ(a.state(), s) << "could not drive the " << where(role, s, e);
  const bool artim_before = a.artim_running();
  const Transition want = transition(s, e, role);
  Fired f = fire(a, e);
  if (!f.possible) return;
  const auto ctx = where(role, s, e);
  if (!want.valid()) {
    if (is_local(e)) {
      EXPECT_TRUE(f.refused) << ctx << ": empty cell must be refused";
    }
    EXPECT_TRUE(f.out.steps.empty()) << ctx;
    EXPECT_TRUE(f.out.send.empty()) << ctx;
    EXPECT_EQ(a.state(), s) << ctx;
    return;
  }
  ++cells;
  ASSERT_FALSE(f.refused) << ctx;
  ASSERT_EQ(f.out.steps.size(), 1U) << ctx;
  EXPECT_EQ(f.out.steps[0], (Step{s, e, want.action, want.next}))
      << ctx << " chose " << action_name(f.out.steps[0].action) << " -> "
      << state_name(f.out.steps[0].next) << ", table says " << action_name(want.action);
  EXPECT_EQ(a.state(), want.next) << ctx;

  // The PDU the action sends (PS3.8 Tables 9-6..9-9), and nothing else.
  const auto& info = action_info(want.action);
  auto sent = decode_all(f.out.send);
  if (info.sends) {
    ASSERT_FALSE(sent.empty()) << ctx << ": " << info.name << " sends nothing";
    EXPECT_EQ(pdu_type(sent[0]), *info.sends) << ctx;
    for (const auto& p : sent) EXPECT_EQ(pdu_type(p), *info.sends) << ctx;
    if (const auto* ab = std::get_if<Abort>(&sent[0])) {
      const std::uint8_t source = want.action == Action::AA_1 ? 0 : 2;
      EXPECT_EQ(ab->source, source) << ctx << ": " << info.name << " A-ABORT source";
    }
  } else {
    EXPECT_TRUE(sent.empty()) << ctx << ": " << info.name << " must not send";
  }

  // ARTIM and transport instructions.
  Artim artim = info.artim;
  if (artim == Artim::Keep && want.next == State::Sta1 && artim_before) artim = Artim::Stop;
  EXPECT_EQ(f.out.artim, artim) << ctx;
  EXPECT_EQ(f.out.close_transport, info.closes_transport) << ctx;
  EXPECT_EQ(f.out.connect_transport, want.action == Action::AE_1) << ctx;

  // Indications the standard names for the action.
  if (want.action == Action::AA_8) {
    auto ab = all_of<ind::Aborted>(f.out);
    ASSERT_EQ(ab.size(), 1U) << ctx;
    EXPECT_TRUE(ab[0].provider) << ctx << ": AA-8 issues an A-P-ABORT indication";
  }
  if (want.action == Action::AA_3) {
    EXPECT_TRUE(has<ind::Aborted>(f.out)) << ctx;
  }
  if (want.action == Action::AA_4) {
    EXPECT_TRUE(has<ind::Aborted>(f.out)) << ctx;
  }
  if (want.action == Action::AE_3) {
    EXPECT_TRUE(has<ind::AssociateAccepted>(f.out)) << ctx;
  }
  if (want.action == Action::AE_4) {
    EXPECT_TRUE(has<ind::AssociateRejected>(f.out)) << ctx;
  }
  if (want.action == Action::AE_6) {
    EXPECT_TRUE(has<ind::AssociateRequested>(f.out)) << ctx;
  }
  if (want.action == Action::DT_2 || want.action == Action::AR_6) {
    EXPECT_TRUE(has<ind::Command>(f.out)) << ctx;
  }
  if (want.action == Action::AR_2 || want.action == Action::AR_8) {
    auto r = all_of<ind::ReleaseRequested>(f.out);
    ASSERT_EQ(r.size(), 1U) << ctx;
    EXPECT_EQ(r[0].collision, want.action == Action::AR_8) << ctx;
  }
  if (want.action == Action::AR_3 || want.action == Action::AR_10) {
    EXPECT_TRUE(has<ind::ReleaseConfirmed>(f.out)) << ctx;
  }
  EXPECT_EQ(has<ind::Closed>(f.out), want.next == State::Sta1) << ctx;
}

int run_role(Role role) {
  int cells = 0;
  for (int s = 1; s <= 13; ++s)
    for (int e = 1; e <= 19; ++e)
      check_cell(role, static_cast<State>(s), static_cast<Event>(e), cells);
  return cells;
}

TEST(dulAssociationTable, RequestorEveryReachableCell) {
  // Requestor reaches Sta1,4,5,6,7,8,9,11,13.
  EXPECT_EQ(run_role(Role::Requestor), 79);
}

TEST(dulAssociationTable, AcceptorEveryReachableCell) {
  // Acceptor reaches Sta1,2,3,6,7,8,10,12,13.
  EXPECT_EQ(run_role(Role::Acceptor), 88);
}

TEST(dulAssociationTable, EveryNonEmptyCellIsCoveredByOneRole) {
  // Together the two roles exercise every non-empty cell of Table 9-10.
  for (int s = 1; s <= 13; ++s)
    for (int e = 1; e <= 19; ++e) {
      auto st = static_cast<State>(s);
      auto ev = static_cast<Event>(e);
      if (!transition(st, ev).valid()) continue;
      bool covered = false;
      for (Role role : {Role::Requestor, Role::Acceptor}) {
        Association a(AssociationOptions{.role = role});
        if (!drive(a, st)) continue;
        if (fire(a, ev).possible) covered = true;
      }
      EXPECT_TRUE(covered) << state_name(st) << " + " << event_name(ev);
    }
}

}  // namespace
}  // namespace dicomsec::dul
