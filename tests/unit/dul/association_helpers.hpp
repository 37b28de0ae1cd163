// Helpers shared by the dul::Association tests: drive an engine into a given Table 9-10
// state through its public API, and decode what it sends.
#pragma once

#include <gtest/gtest.h>

#include <variant>
#include <vector>

#include "dul/association.hpp"
#include "samples.hpp"

namespace dicomsec::dul::testing {

inline Bytes bytes_of(const Pdu& pdu) { return encode(pdu).value(); }

inline std::vector<Pdu> decode_all(const Bytes& b) {
  PduDecoder d(Limits{.max_pdu_length = 1U << 24, .max_items = 4096, .max_buffered = 1U << 26});
  d.feed(b);
  std::vector<Pdu> out;
  while (d.next() == DecodeStatus::Ready) out.push_back(d.take());
  EXPECT_EQ(d.buffered(), 0U) << d.error();
  return out;
}

inline AssociateAc accept_all(const AssociateRq& rq, std::uint32_t max_pdu = 16384) {
  AssociateAc ac;
  ac.called_ae = rq.called_ae;
  ac.calling_ae = rq.calling_ae;
  ac.application_context = rq.application_context;
  for (const auto& pc : rq.contexts)
    ac.contexts.push_back({pc.id, PcResult::Acceptance, pc.transfer_syntaxes.front()});
  ac.user_info.max_length = max_pdu;
  ac.user_info.implementation_class_uid = "1.2.3.4";
  return ac;
}

inline dimse::Command echo_rq() { return samples::commands()[0]; }

// P-DATA carrying a whole C-ECHO-RQ on context 1.
inline Bytes echo_pdata() {
  return bytes_of(Pdu{PData{{Pdv{1, true, true, dimse::encode_command(echo_rq())}}}});
}

// Bytes that are not a PDU (type 0x09 is undefined in PS3.8 9.3.1).
inline Bytes garbage() { return Bytes{0x09, 0x00, 0x00, 0x00, 0x00, 0x04, 1, 2, 3, 4}; }

template <class T>
std::vector<T> all_of(const Output& out) {
  std::vector<T> v;
  for (const auto& i : out.indications)
    if (const auto* p = std::get_if<T>(&i)) v.push_back(*p);
  return v;
}

template <class T>
bool has(const Output& out) {
  return !all_of<T>(out).empty();
}

inline Output must(Result<Output> r) {
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(r).value() : Output{};
}

// Drives a fresh engine of `role` into `target` through its public API. Returns false when
// the role never reaches that state.
inline bool drive(Association& a, State target) {
  const bool req = a.role() == Role::Requestor;
  auto rq = samples::associate_rq();
  auto to_sta6 = [&] {
    if (req) {
      must(a.associate(rq));
      a.transport_connected();
      a.receive(bytes_of(Pdu{accept_all(rq)}));
    } else {
      a.transport_connected();
      a.receive(bytes_of(Pdu{rq}));
      must(a.accept(accept_all(rq)));
    }
  };
  switch (target) {
    case State::Sta1:
      return true;
    case State::Sta2:
      if (req) return false;
      a.transport_connected();
      return true;
    case State::Sta3:
      if (req) return false;
      a.transport_connected();
      a.receive(bytes_of(Pdu{rq}));
      return true;
    case State::Sta4:
      if (!req) return false;
      must(a.associate(rq));
      return true;
    case State::Sta5:
      if (!req) return false;
      must(a.associate(rq));
      a.transport_connected();
      return true;
    case State::Sta6:
      to_sta6();
      return true;
    case State::Sta7:
      to_sta6();
      must(a.release());
      return true;
    case State::Sta8:
      to_sta6();
      a.receive(bytes_of(Pdu{ReleaseRq{}}));
      return true;
    case State::Sta9:
      if (!req) return false;
      to_sta6();
      must(a.release());
      a.receive(bytes_of(Pdu{ReleaseRq{}}));
      return true;
    case State::Sta10:
      if (req) return false;
      to_sta6();
      must(a.release());
      a.receive(bytes_of(Pdu{ReleaseRq{}}));
      return true;
    case State::Sta11:
      if (!req) return false;
      drive(a, State::Sta9);
      must(a.release_response());
      return true;
    case State::Sta12:
      if (req) return false;
      drive(a, State::Sta10);
      a.receive(bytes_of(Pdu{ReleaseRp{}}));
      return true;
    case State::Sta13:
      if (req) {
        to_sta6();
        must(a.abort());
      } else {
        a.transport_connected();
        a.receive(bytes_of(Pdu{rq}));
        must(a.reject(AssociateRj{1, 1, 7}));
      }
      return true;
  }
  return false;
}

}  // namespace dicomsec::dul::testing
