// The requestor side of the access-check association (levels auth and intrusive), sans-IO
// like AssociationClient: the caller sends what start()/on_bytes() return and feeds what the
// peer sends. On one association it runs, in order and one at a time:
//   C-FIND Patient Root/PATIENT and Study Root/STUDY with universal matching, counting the
//   pending responses and sending C-CANCEL at the cap;
//   C-MOVE and C-GET (Study Root) of a study UID we just made up (it matches nothing) to a
//   destination the server cannot know (a random title, never a configured peer's);
//   at the intrusive level, C-STORE of one synthetic test object;
// then releases. Response identifiers are walked only to validate and count them: no value
// is copied out of them. A C-STORE sub-operation of the C-GET is never accepted: the
// association is aborted when its command arrives, before its data set is read.
// docs/design.md "Access checks" holds the evidence rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "dicom/identifiers.hpp"
#include "dul/dimse.hpp"
#include "dul/pdu.hpp"
#include "dul/state_machine.hpp"
#include "record/record.hpp"

namespace dicomsec::probes {

// The operations, in the order they run.
enum class AccessOp { FindPatient, FindStudy, Move, Get, Store };

struct AccessPlan {
  std::string calling_ae = "DICOMSEC";
  std::string called_ae = "ANY-SCP";
  std::uint32_t max_pdu_receive = 64 * 1024;
  std::uint32_t find_cap = 100;        // pending C-FIND responses counted before C-CANCEL
  std::vector<AccessOp> ops{AccessOp::FindPatient, AccessOp::FindStudy, AccessOp::Move,
                            AccessOp::Get};  // plus Store at the intrusive level
  std::string retrieve_study_uid;      // matches nothing (dicom::derived_uid kind 4)
  std::string move_destination = "DICOMSEC";  // an AE title the server cannot know
  std::optional<dicom::TestObject> store;  // intrusive level only
};

class AccessClient {
 public:
  // `so_far` carries the results of earlier associations (a peer that answers a refused
  // request with A-ABORT needs a new association for the next operation).
  AccessClient(AccessPlan plan, record::AccessRecord so_far, dul::Limits limits = {});

  Bytes start();
  Bytes on_bytes(ByteView data);
  void on_closed();

  [[nodiscard]] bool done() const { return done_; }
  [[nodiscard]] bool spoke_dicom() const { return spoke_dicom_; }
  [[nodiscard]] const std::optional<std::string>& protocol_error() const { return error_; }
  [[nodiscard]] const record::AssociationRecord& association() const { return association_; }
  // Counts and statuses only; store_cleanup and discovery are the driver's to fill.
  [[nodiscard]] const record::AccessRecord& access() const { return access_; }
  // The test object was accepted (C-STORE-RSP success or warning).
  [[nodiscard]] bool stored() const { return access_.store.state == record::Permission::Allowed; }
  // Operations not yet sent when the association ended (empty after a normal release).
  [[nodiscard]] std::vector<AccessOp> unfinished() const;

  // The presentation contexts this client proposes (for tests and docs).
  static std::vector<dul::PresentationContextRq> contexts(bool with_store);

 private:
  using Op = AccessOp;
  record::PermissionRecord* permission(Op op);
  Bytes handle(dul::Pdu&& pdu);
  Bytes on_associate_ac(const dul::AssociateAc& ac);
  Bytes on_pdata(const dul::PData& pd);
  Bytes on_command(const dimse::Command& cmd);
  Bytes on_data_set(const Bytes& data);
  Bytes on_final(const dimse::Command& cmd);
  Bytes next_op();  // sends the next request, or the release when none is left
  Bytes send(std::uint8_t context, const dimse::Command& cmd, const Bytes* data);
  Bytes fail(std::string why);
  Bytes abort_now();
  Bytes release_rq();
  void local(dul::Event e) { (void)machine_.on(e); }
  [[nodiscard]] dicom::VrEncoding encoding_of(std::uint8_t context) const;

  AccessPlan plan_;
  dul::PduDecoder decoder_;
  dul::StateMachine machine_{dul::Role::Requestor};
  dimse::MessageAssembler assembler_;
  record::AssociationRecord association_;
  record::AccessRecord access_;
  std::optional<std::string> error_;
  std::vector<Op> queue_;
  std::optional<Op> current_;
  std::uint16_t message_id_ = 0;
  std::uint32_t pending_ = 0;
  bool cancelled_ = false;
  bool awaiting_release_ = false;
  bool done_ = false;
  bool spoke_dicom_ = false;
  std::uint32_t peer_max_pdu_ = 0;
  std::vector<std::pair<std::uint8_t, std::string>> accepted_;  // context id -> transfer syntax
};

}  // namespace dicomsec::probes
