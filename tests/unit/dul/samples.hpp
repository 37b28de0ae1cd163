// Sample PDUs and command sets shared by the dul unit tests and the corpus writer.
#pragma once

#include <vector>

#include "dul/dimse.hpp"
#include "dul/pdu.hpp"

namespace dicomsec::dul::samples {

inline Bytes text_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

inline AssociateRq associate_rq() {
  AssociateRq rq;
  rq.called_ae = "ANY-SCP";
  rq.calling_ae = "DICOMSEC";
  rq.contexts = {
      {1, "1.2.840.10008.1.1", {"1.2.840.10008.1.2"}},
      {3, "1.2.840.10008.5.1.4.1.2.1.1", {"1.2.840.10008.1.2.1", "1.2.840.10008.1.2"}},
  };
  rq.user_info.max_length = 16384;
  rq.user_info.implementation_class_uid = "1.2.826.0.1.3680043.10.1";
  rq.user_info.implementation_version_name = "DICOMSEC_010";
  rq.user_info.user_identity_rq =
      UserIdentityRq{2, true, text_bytes("admin"), text_bytes("secret")};
  return rq;
}

// An A-ASSOCIATE-AC with several contexts and every user-information sub-item.
inline AssociateAc associate_ac_full() {
  AssociateAc ac;
  ac.called_ae = "ANY-SCP";
  ac.calling_ae = "DICOMSEC";
  ac.application_context = "1.2.840.10008.3.1.1.1";
  ac.contexts = {
      {1, PcResult::Acceptance, "1.2.840.10008.1.2"},
      {3, PcResult::Acceptance, "1.2.840.10008.1.2.1"},
      {5, PcResult::AbstractSyntaxNotSupported, "1.2.840.10008.1.2"},
      {7, PcResult::TransferSyntaxesNotSupported, ""},
  };
  auto& ui = ac.user_info;
  ui.max_length = 32768;
  ui.implementation_class_uid = "1.2.276.0.7230010.3.0.3.6.7";
  ui.implementation_version_name = "OFFIS_DCMTK_367";
  ui.async_ops = AsyncOperationsWindow{4, 2};
  ui.roles = {{"1.2.840.10008.5.1.4.1.1.2", true, false},
              {"1.2.840.10008.5.1.4.1.1.4", false, true}};
  ui.extended = {{"1.2.840.10008.5.1.4.1.2.1.1", Bytes{1, 1, 0}}};
  ui.common_extended = {{"1.2.840.10008.5.1.4.1.1.2",
                         "1.2.840.10008.4.2",
                         {"1.2.840.10008.5.1.4.1.1.2.1", "1.2.840.10008.5.1.4.1.1.2.2"}}};
  ui.user_identity_ac = UserIdentityAc{text_bytes("token")};
  ui.unknown = {{0x5A, Bytes{0xDE, 0xAD}}};
  return ac;
}

inline PData pdata_multi() {
  PData pd;
  pd.pdvs = {{1, true, false, Bytes{1, 2, 3}},
             {1, true, true, Bytes{4, 5}},
             {1, false, false, Bytes(300, 0xAB)},
             {1, false, true, Bytes{}}};
  return pd;
}

// One of each PDU type, in a plausible conversation order.
inline std::vector<Pdu> all_pdus() {
  return {associate_rq(), associate_ac_full(), AssociateRj{1, 1, 7}, pdata_multi(),
          ReleaseRq{},    ReleaseRp{},         Abort{2, 6}};
}

inline Bytes concat(const std::vector<Pdu>& pdus) {
  Bytes out;
  for (const auto& p : pdus) {
    auto b = encode(p).value();
    out.insert(out.end(), b.begin(), b.end());
  }
  return out;
}

inline std::vector<dimse::Command> commands() {
  using dimse::CommandField;
  dimse::Command echo_rq{.field = CommandField::CEchoRq,
                         .affected_sop_class_uid = "1.2.840.10008.1.1",
                         .message_id = 7};
  dimse::Command echo_rsp{.field = CommandField::CEchoRsp,
                          .affected_sop_class_uid = "1.2.840.10008.1.1",
                          .message_id_being_responded_to = 7,
                          .status = 0x0000};
  dimse::Command find_rq{.field = CommandField::CFindRq,
                         .affected_sop_class_uid = "1.2.840.10008.5.1.4.1.2.1.1",
                         .message_id = 8,
                         .command_data_set_type = 0x0000};
  dimse::Command move_rq{.field = CommandField::CMoveRq,
                         .affected_sop_class_uid = "1.2.840.10008.5.1.4.1.2.2.2",
                         .message_id = 9,
                         .priority = 2,
                         .command_data_set_type = 0x0000,
                         .move_destination = "DICOMSEC"};
  dimse::Command move_rsp{.field = CommandField::CMoveRsp,
                          .affected_sop_class_uid = "1.2.840.10008.5.1.4.1.2.2.2",
                          .message_id_being_responded_to = 9,
                          .status = 0xA801,
                          .remaining = 0,
                          .completed = 1,
                          .failed = 2,
                          .warning = 3};
  dimse::Command store_rq{.field = CommandField::CStoreRq,
                          .affected_sop_class_uid = "1.2.840.10008.5.1.4.1.1.7",
                          .message_id = 10,
                          .command_data_set_type = 0x0000,
                          .affected_sop_instance_uid = "1.2.3.4.5"};
  dimse::Command cancel{.field = CommandField::CCancelRq, .message_id_being_responded_to = 8};
  return {echo_rq, echo_rsp, find_rq, move_rq, move_rsp, store_rq, cancel};
}

}  // namespace dicomsec::dul::samples
