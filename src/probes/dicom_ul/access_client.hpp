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
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "dicom/identifiers.hpp"
#include "dul/dimse.hpp"
#include "dul/pdu.hpp"
#include "probes/dicom_ul/association_client.hpp"
#include "record/record.hpp"

namespace dicomsec::probes {

// The operations, in the order they run.
enum class AccessOp { FindPatient, FindStudy, Move, Get, Store };

struct AccessPlan {
  std::string calling_ae = "DICOMSEC";
  std::string called_ae = "ANY-SCP";
  std::uint32_t max_pdu_receive = 64 * 1024;
  std::uint32_t find_cap = 100;  // pending C-FIND responses counted before C-CANCEL
  std::vector<AccessOp> ops{AccessOp::FindPatient, AccessOp::FindStudy, AccessOp::Move,
                            AccessOp::Get};  // plus Store at the intrusive level
  std::string retrieve_study_uid;            // matches nothing (dicom::derived_uid kind 4)
  // The C-MOVE destination: an AE title the server cannot know (design §6), never our own
  // calling AE. Empty (the default): random_ae_title drawn from `seed`, avoiding calling_ae.
  std::string move_destination;
  std::uint64_t seed = 0;                  // the probe's seed, for the random destination
  std::optional<dicom::TestObject> store;  // intrusive level only
};

// The one random AE title generator (the random-called-AE check and the C-MOVE destination):
// "DS" + 14 letters drawn from `rng`, a title no server is configured with, and never `avoid`
// (compared without trailing spaces, case-insensitively).
std::string random_ae_title(std::mt19937_64& rng, std::string_view avoid = {});

// The client's own result (issue 11 §5: clients return their own types, probes map them):
// what the checks showed, as counts, DIMSE statuses and one evidence line per check. Never
// an identifier, name or object from the peer.
struct AccessCheck {
  record::Permission state = record::Permission::Untested;
  std::optional<std::uint16_t> status{};  // the DIMSE status that decided it
  std::string evidence{};                 // one line: what was sent and what came back
  bool operator==(const AccessCheck&) const = default;
};
struct FindCheck {
  record::Permission state = record::Permission::Untested;  // Allowed: counts are meaningful
  std::optional<std::uint32_t> patient{};                   // pending responses counted (capped)
  std::optional<std::uint32_t> study{};
  bool capped = false;  // stopped with C-CANCEL at the cap
  std::optional<std::uint16_t> status{};
  std::string evidence{};
  // Tags and counts of the identifiers that came back, per query (issue 12 §3).
  std::optional<record::FindAnswerShape> patient_answers{};
  std::optional<record::FindAnswerShape> study_answers{};
  bool operator==(const FindCheck&) const = default;
};
struct AccessResult {
  FindCheck find;
  AccessCheck move, get, store;
};

// The one mapping from the access clients' result to the scan record: each check the
// clients reached replaces the record's; one they never reached (still default) leaves the
// record's line (the probe's "not tried ...") as it is. The other AccessRecord fields
// (called AE, associations, cleanup, error) are the probe's own.
void to_record(const AccessResult& result, record::AccessRecord& into);

class AccessClient {
 public:
  // `so_far` carries the results of earlier associations (a peer that answers a refused
  // request with A-ABORT needs a new association for the next operation).
  AccessClient(AccessPlan plan, AccessResult so_far, dul::Limits limits = {});

  Bytes start();
  Bytes on_bytes(ByteView data);
  void on_closed();

  [[nodiscard]] bool done() const { return session_.done(); }
  [[nodiscard]] bool spoke_dicom() const { return session_.spoke_dicom(); }
  // A well-formed A-ASSOCIATE-AC/RJ fixed part was seen.
  [[nodiscard]] bool dicom() const { return session_.dicom(); }
  [[nodiscard]] std::size_t partial_bytes() const { return session_.partial_bytes(); }
  [[nodiscard]] const std::optional<std::string>& protocol_error() const {
    return session_.protocol_error();
  }
  [[nodiscard]] const AssociationSummary& summary() const { return session_.summary(); }
  [[nodiscard]] const record::AssociationRecord& association() const { return association_; }
  // Counts and statuses only, so far (the earlier associations' included).
  [[nodiscard]] const AccessResult& access() const { return access_; }
  // The test object was accepted (C-STORE-RSP success or warning).
  [[nodiscard]] bool stored() const { return access_.store.state == record::Permission::Allowed; }
  // Operations not yet sent when the association ended (empty after a normal release).
  [[nodiscard]] std::vector<AccessOp> unfinished() const;
  // The C-MOVE destination this client uses.
  [[nodiscard]] const std::string& move_destination() const { return plan_.move_destination; }

  // The presentation contexts this client proposes (for tests and docs).
  static std::vector<dul::PresentationContextRq> contexts(bool with_store);

 private:
  using Op = AccessOp;
  AccessCheck* permission(Op op);
  Bytes on_indication(const dul::Indication& ind);
  void deny_current();  // the request in flight was answered by A-ABORT or a close
  Bytes on_accept();
  Bytes on_command(const dimse::Command& cmd);
  Bytes on_identifier(std::uint8_t context, ByteView data);
  Bytes on_final(const dimse::Command& cmd);
  void note_shape(record::FindAnswerShape& into, const dicom::IdentifierShape& shape);
  Bytes next_op();  // sends the next request, or the release when none is left
  Bytes send(std::uint8_t context, const dimse::Command& cmd, const Bytes* data);
  Bytes cancel(std::uint8_t context);
  void sync() { association_ = to_record(session_.summary()); }
  [[nodiscard]] dicom::VrEncoding encoding_of(std::uint8_t context) const;

  AccessPlan plan_;
  Requestor session_;
  record::AssociationRecord association_;
  AccessResult access_;
  std::vector<Op> queue_;
  std::optional<Op> current_;
  std::optional<dimse::Command> awaiting_data_;  // a response whose data set is arriving
  std::uint16_t message_id_ = 0;
  std::uint32_t pending_ = 0;
  bool cancelled_ = false;
  std::set<std::uint32_t> unrequested_;  // of the C-FIND in flight: tag numbers, no values
  std::set<std::size_t> key_hashes_;     // of the C-FIND in flight: hashes, dropped after it
};

}  // namespace dicomsec::probes
