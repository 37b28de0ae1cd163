#include "probes/dicom_ul/access_client.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <random>
#include <utility>
#include <variant>

#include "core/overloaded.hpp"
#include "core/version.hpp"
#include "dicom/uids.hpp"
#include "probes/dicom_ul/association_client.hpp"

namespace dicomsec::probes {

namespace {

using dimse::CommandField;
using record::Permission;

constexpr std::uint8_t kCtxVerification = 1;
constexpr std::uint8_t kCtxPatientFind = 3;
constexpr std::uint8_t kCtxStudyFind = 5;
constexpr std::uint8_t kCtxStudyMove = 7;
constexpr std::uint8_t kCtxStudyGet = 9;
constexpr std::uint8_t kCtxStorage = 11;
// PS3.7 9.1.1.1.9 / E.1: any value but 0x0101 announces a data set.
constexpr std::uint16_t kDataSetPresent = 0x0001;
// Identifiers in C-FIND responses are small; anything bigger is not an identifier.
constexpr std::size_t kMaxMessageBytes = 256 * 1024;

std::string status_text(std::uint16_t s) {
  return fmt::format("0x{:04X} {}", s, dimse::status_name(s));
}

// docs/design.md "Access checks": how a final C-MOVE/C-GET status for an identifier that
// matches nothing reads. Performed: the service ran to its end for us. Processed: the SCP
// looked for the study and failed because nothing matched (products check permission
// before the lookup: Orthanc answers a refused retrieve with A-ABORT). Refused: the status
// says no to us (not authorised, out of resources, unknown move destination).
enum class Verdict { Performed, Processed, Refused };
Verdict retrieve_verdict(bool move, std::uint16_t s) {
  const auto c = dimse::status_category(s);
  if (c == dimse::StatusCategory::Success || c == dimse::StatusCategory::Warning ||
      c == dimse::StatusCategory::Cancel)
    return Verdict::Performed;
  if (move && s == 0xA801) return Verdict::Refused;  // PS3.4 C.4.2.1.5: destination unknown
  if ((s >= 0xC000 && s <= 0xCFFF) || (s >= 0xA900 && s <= 0xA9FF)) return Verdict::Processed;
  return Verdict::Refused;
}

bool storage_ok(std::uint16_t s) {
  const auto c = dimse::status_category(s);
  return c == dimse::StatusCategory::Success || c == dimse::StatusCategory::Warning;
}

}  // namespace

std::vector<dul::PresentationContextRq> AccessClient::contexts(bool with_store) {
  (void)with_store;
  const std::vector<std::string> ts{std::string(dicom::uid::kImplicitVrLittleEndian),
                                    std::string(dicom::uid::kExplicitVrLittleEndian)};
  return {{kCtxVerification, std::string(dicom::uid::kVerification), ts},
          {kCtxPatientFind, std::string(dicom::uid::kPatientRootFind), ts},
          {kCtxStudyFind, std::string(dicom::uid::kStudyRootFind), ts},
          {kCtxStudyMove, std::string(dicom::uid::kStudyRootMove), ts},
          {kCtxStudyGet, std::string(dicom::uid::kStudyRootGet), ts},
          {kCtxStorage, std::string(dicom::kSecondaryCaptureStorage), ts}};
}

namespace {

// AE titles compare without trailing spaces, case-insensitively (PS3.5 6.2: AE is
// case-sensitive, but some products fold it; a destination must differ either way).
bool same_title(std::string_view a, std::string_view b) {
  while (!a.empty() && a.back() == ' ') a.remove_suffix(1);
  while (!b.empty() && b.back() == ' ') b.remove_suffix(1);
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::toupper(static_cast<unsigned char>(x)) ==
           std::toupper(static_cast<unsigned char>(y));
  });
}

}  // namespace

std::string random_ae_title(std::mt19937_64& rng, std::string_view avoid) {
  std::uniform_int_distribution<int> letter(0, 25);
  for (;;) {
    std::string ae = "DS";
    while (ae.size() < 16) ae.push_back(static_cast<char>('A' + letter(rng)));
    if (avoid.empty() || !same_title(ae, avoid)) return ae;
  }
}

namespace {

dul::AssociateRq access_rq(const AccessPlan& p) {
  AssociationPlan a{p.calling_ae, p.called_ae, AccessClient::contexts(p.store.has_value()),
                    p.max_pdu_receive, false};
  auto rq = make_associate_rq(a);
  // PS3.4 C.4.3.1 / PS3.7 D.3.3.4: for C-GET the requestor must offer the SCP role of the
  // storage class the sub-operations would use. We offer it only for Secondary Capture and
  // refuse every sub-operation anyway; the SCU role is offered only for the intrusive store.
  rq.user_info.roles.push_back(
      {std::string(dicom::kSecondaryCaptureStorage), p.store.has_value(), true});
  return rq;
}

// Design §6: the C-MOVE destination is a random title, never our own calling AE.
AccessPlan with_destination(AccessPlan p) {
  if (p.move_destination.find_first_not_of(' ') == std::string::npos ||
      same_title(p.move_destination, p.calling_ae)) {
    std::mt19937_64 rng(p.seed);
    p.move_destination = random_ae_title(rng, p.calling_ae);
  }
  return p;
}

}  // namespace

void to_record(const AccessResult& result, record::AccessRecord& into) {
  auto check = [](const AccessCheck& c, record::PermissionRecord& r) {
    if (c == AccessCheck{}) return;
    r.state = c.state;
    r.status = c.status;
    r.evidence = c.evidence;
  };
  if (result.find != FindCheck{}) {
    const auto& f = result.find;
    into.find.state = f.state;
    into.find.patient = f.patient;
    into.find.study = f.study;
    into.find.capped = f.capped;
    into.find.status = f.status;
    into.find.evidence = f.evidence;
    into.find.patient_answers = f.patient_answers;
    into.find.study_answers = f.study_answers;
  }
  check(result.move, into.move);
  check(result.get, into.get);
  check(result.store, into.store);
}

AccessClient::AccessClient(AccessPlan plan, AccessResult so_far, dul::Limits limits)
    : plan_(with_destination(std::move(plan))),
      // C-FIND identifiers are counted whole (they are small; kMaxMessageBytes caps them);
      // any other data set streams past in chunks and is never kept.
      session_(
          access_rq(plan_), limits,
          [](std::uint8_t, const dimse::Command& c) { return c.field == CommandField::CFindRsp; },
          kMaxMessageBytes),
      access_(std::move(so_far)) {
  queue_ = plan_.ops;
  if (!plan_.store) std::erase(queue_, Op::Store);
  sync();
}

std::vector<AccessOp> AccessClient::unfinished() const {
  if (association_.result != record::AssociationResult::Accepted) return plan_.ops;
  return queue_;
}

AccessCheck* AccessClient::permission(Op op) {
  switch (op) {
    case Op::Move:
      return &access_.move;
    case Op::Get:
      return &access_.get;
    case Op::Store:
      return &access_.store;
    default:
      return nullptr;
  }
}

Bytes AccessClient::start() {
  auto out = session_.start();
  sync();
  return out;
}

Bytes AccessClient::on_bytes(ByteView data) {
  auto out = session_.receive(data, [this](const dul::Indication& i) { return on_indication(i); });
  sync();
  return out;
}

void AccessClient::on_closed() {
  if (session_.closed()) deny_current();
  sync();
}

void AccessClient::deny_current() {
  if (!current_) return;
  // The request was answered by closing the connection (or an A-ABORT): the peer refused it.
  const auto& abort = session_.summary().peer_abort;
  const auto why = abort ? fmt::format("answered with A-ABORT (source {}, reason {})",
                                       abort->source, abort->reason)
                         : std::string("answered by closing the connection");
  if (auto* p = permission(*current_)) {
    if (p->state != Permission::Allowed) {
      p->state = Permission::Denied;
      const auto field = *current_ == Op::Move  ? CommandField::CMoveRq
                         : *current_ == Op::Get ? CommandField::CGetRq
                                                : CommandField::CStoreRq;
      p->evidence = fmt::format("{} {}", dimse::command_name(field), why);
    }
  } else if (access_.find.state != Permission::Allowed) {
    access_.find.state = Permission::Denied;
    access_.find.evidence += fmt::format(
        "{}C-FIND {} {}", access_.find.evidence.empty() ? "" : "; ",
        *current_ == Op::FindPatient ? "Patient Root PATIENT" : "Study Root STUDY", why);
  }
  current_.reset();
}

dicom::VrEncoding AccessClient::encoding_of(std::uint8_t context) const {
  const auto ts = session_.accepted_transfer(context);
  return ts && *ts == dicom::uid::kExplicitVrLittleEndian ? dicom::VrEncoding::Explicit
                                                          : dicom::VrEncoding::Implicit;
}

Bytes AccessClient::on_indication(const dul::Indication& ind) {
  return std::visit(Overloaded{
                        [&](const dul::ind::AssociateAccepted&) -> Bytes { return on_accept(); },
                        [&](const dul::ind::Command& c) -> Bytes {
                          // AR-6: responses after our A-RELEASE-RQ are valid; they change nothing.
                          if (session_.releasing()) return {};
                          return on_command(c.command);
                        },
                        [&](const dul::ind::DataSet& d) -> Bytes {
                          if (session_.releasing() || !awaiting_data_) return {};
                          return on_identifier(d.context_id, d.bytes);
                        },
                        [&](const dul::ind::DataChunk& d) -> Bytes {
                          // A data set we do not read (a C-MOVE/C-GET response's failed-instance
                          // list): its response is decided once it has passed.
                          if (session_.releasing() || !awaiting_data_ || !d.last) return {};
                          const auto cmd = *std::exchange(awaiting_data_, std::nullopt);
                          return on_final(cmd);
                        },
                        [&](const dul::ind::Aborted& a) -> Bytes {
                          // Answered with A-ABORT: the request in flight was refused (see
                          // on_closed).
                          if (a.by_peer) deny_current();
                          return {};
                        },
                        [&](const auto&) -> Bytes { return {}; },
                    },
                    ind);
}

Bytes AccessClient::on_accept() {
  sync();
  const auto& table = session_.engine().contexts();
  auto rejected = [&](std::uint8_t id) -> std::optional<std::string> {
    const auto* c = table.find(id);
    if (c == nullptr || !c->result) return std::string("not answered");
    switch (*c->result) {
      case dul::PcResult::Acceptance:
        return std::nullopt;
      case dul::PcResult::UserRejection:
        return std::string("user-rejection");
      case dul::PcResult::AbstractSyntaxNotSupported:
        return std::string("abstract-syntax-not-supported");
      case dul::PcResult::TransferSyntaxesNotSupported:
        return std::string("transfer-syntaxes-not-supported");
      default:
        return std::string("no-reason");
    }
  };
  // PS3.4 C.4: a query/retrieve context the SCP does not accept means the operation is not
  // offered to us; nothing is sent for it.
  auto gate = [&](std::uint8_t id, const char* what, AccessCheck* p, FindCheck* f) {
    auto why = rejected(id);
    if (!why) return true;
    const auto ev =
        fmt::format("{} presentation context not accepted ({}); nothing sent", what, *why);
    if (p) {
      p->state = Permission::Denied;
      p->evidence = ev;
    }
    if (f) {
      f->state = Permission::Denied;
      f->evidence = ev;
    }
    return false;
  };
  std::vector<Op> runnable;
  for (auto op : queue_) {
    switch (op) {
      case Op::FindPatient:
        if (!rejected(kCtxPatientFind)) runnable.push_back(op);
        break;
      case Op::FindStudy:
        // Find is denied only when neither model is offered.
        if (!rejected(kCtxStudyFind))
          runnable.push_back(op);
        else if (rejected(kCtxPatientFind))
          gate(kCtxStudyFind, "Patient Root and Study Root FIND", nullptr, &access_.find);
        break;
      case Op::Move:
        if (gate(kCtxStudyMove, "Study Root MOVE", &access_.move, nullptr)) runnable.push_back(op);
        break;
      case Op::Get:
        if (gate(kCtxStudyGet, "Study Root GET", &access_.get, nullptr)) runnable.push_back(op);
        break;
      case Op::Store:
        if (gate(kCtxStorage, "Secondary Capture Image Storage", &access_.store, nullptr))
          runnable.push_back(op);
        break;
    }
  }
  queue_ = std::move(runnable);
  return next_op();
}

Bytes AccessClient::send(std::uint8_t context, const dimse::Command& cmd, const Bytes* data) {
  return session_.send(context, cmd, data);
}

Bytes AccessClient::cancel(std::uint8_t context) {
  // PS3.7 9.3.2.3: C-CANCEL-RQ names the request by its message ID.
  dimse::Command c;
  c.field = CommandField::CCancelRq;
  c.message_id_being_responded_to = message_id_;
  return send(context, c, nullptr);
}

Bytes AccessClient::next_op() {
  if (queue_.empty()) {
    current_.reset();
    return session_.release();
  }
  const Op op = queue_.front();
  queue_.erase(queue_.begin());
  current_ = op;
  pending_ = 0;
  cancelled_ = false;
  unrequested_.clear();
  key_hashes_.clear();
  dimse::Command rq;
  rq.message_id = ++message_id_;
  rq.command_data_set_type = kDataSetPresent;
  switch (op) {
    case Op::FindPatient:
    case Op::FindStudy: {
      const auto ctx = op == Op::FindPatient ? kCtxPatientFind : kCtxStudyFind;
      rq.field = CommandField::CFindRq;
      rq.affected_sop_class_uid = std::string(op == Op::FindPatient ? dicom::uid::kPatientRootFind
                                                                    : dicom::uid::kStudyRootFind);
      const auto id = dicom::find_identifier(
          op == Op::FindPatient ? dicom::QueryLevel::Patient : dicom::QueryLevel::Study,
          encoding_of(ctx));
      return send(ctx, rq, &id);
    }
    case Op::Move:
    case Op::Get: {
      const auto ctx = op == Op::Move ? kCtxStudyMove : kCtxStudyGet;
      rq.field = op == Op::Move ? CommandField::CMoveRq : CommandField::CGetRq;
      rq.affected_sop_class_uid =
          std::string(op == Op::Move ? dicom::uid::kStudyRootMove : dicom::uid::kStudyRootGet);
      // A destination the server cannot know: never a configured peer's title, nor ours.
      if (op == Op::Move) rq.move_destination = plan_.move_destination;
      const auto id = dicom::retrieve_identifier(plan_.retrieve_study_uid, encoding_of(ctx));
      return send(ctx, rq, &id);
    }
    case Op::Store: {
      rq.field = CommandField::CStoreRq;
      rq.affected_sop_class_uid = std::string(dicom::kSecondaryCaptureStorage);
      rq.affected_sop_instance_uid = plan_.store->instance_uid;
      const auto data = dicom::test_object_data_set(*plan_.store, encoding_of(kCtxStorage));
      return send(kCtxStorage, rq, &data);
    }
  }
  return {};
}

Bytes AccessClient::on_command(const dimse::Command& cmd) {
  if (cmd.field == CommandField::CStoreRq) {
    // A C-GET sub-operation: we never accept data. Abort before its data set is read.
    access_.get.state = Permission::Allowed;
    access_.get.evidence =
        "C-GET started a C-STORE sub-operation towards us; association aborted before any data was "
        "read";
    return session_.abort();
  }
  if (!current_) return session_.fail(fmt::format("unexpected {}", dimse::command_name(cmd.field)));
  const auto expected = *current_ == Op::Move    ? CommandField::CMoveRsp
                        : *current_ == Op::Get   ? CommandField::CGetRsp
                        : *current_ == Op::Store ? CommandField::CStoreRsp
                                                 : CommandField::CFindRsp;
  if (cmd.field != expected)
    return session_.fail(fmt::format("expected {}, got {}", dimse::command_name(expected),
                                     dimse::command_name(cmd.field)));
  if (cmd.message_id_being_responded_to && *cmd.message_id_being_responded_to != message_id_)
    return session_.fail("response to a message we did not send");
  if (!cmd.status)
    return session_.fail(fmt::format("{} without a status", dimse::command_name(cmd.field)));
  if (cmd.has_data_set()) {
    awaiting_data_ = cmd;  // decided when its data set has arrived
    return {};
  }
  return on_final(cmd);
}

Bytes AccessClient::on_identifier(std::uint8_t context, ByteView data) {
  const auto cmd = *std::exchange(awaiting_data_, std::nullopt);
  if (cmd.field == CommandField::CFindRsp &&
      dimse::status_category(*cmd.status) == dimse::StatusCategory::Pending) {
    // Validate the identifier's structure and note its shape (tags, never values).
    const bool patient = current_ == Op::FindPatient;
    auto shape =
        dicom::identifier_shape(data, encoding_of(context),
                                patient ? dicom::QueryLevel::Patient : dicom::QueryLevel::Study);
    if (!shape)
      return session_.fail("malformed identifier in C-FIND response: " + shape.error().message);
    auto& slot = patient ? access_.find.patient_answers : access_.find.study_answers;
    if (!slot) slot.emplace();
    note_shape(*slot, *shape);
  }
  return on_final(cmd);
}

void AccessClient::note_shape(record::FindAnswerShape& into, const dicom::IdentifierShape& shape) {
  ++into.identifiers;
  if (shape.key_hash && !key_hashes_.insert(*shape.key_hash).second) ++into.duplicate_keys;
  const std::string level(shape.level);
  if (std::find(into.levels.begin(), into.levels.end(), level) == into.levels.end())
    into.levels.push_back(level);
  for (const auto t : shape.unrequested) unrequested_.insert(t.value());
  into.unrequested_count = static_cast<std::uint32_t>(unrequested_.size());
  into.unrequested_tags.clear();
  for (const auto v : unrequested_) {
    if (into.unrequested_tags.size() >= record::FindAnswerShape::kMaxTags) break;
    into.unrequested_tags.push_back(dicom::tag_text(
        {static_cast<std::uint16_t>(v >> 16), static_cast<std::uint16_t>(v & 0xFFFF)}));
  }
  into.lower_level_keys = into.lower_level_keys || shape.lower_level_keys;
  into.image_attributes = into.image_attributes || shape.image_attributes;
  into.pixel_data = into.pixel_data || shape.pixel_data;
}

Bytes AccessClient::on_final(const dimse::Command& cmd) {
  const std::uint16_t s = *cmd.status;
  const auto cat = dimse::status_category(s);
  const Op op = *current_;
  if (op == Op::FindPatient || op == Op::FindStudy) {
    auto& f = access_.find;
    auto& slot = op == Op::FindPatient ? f.patient : f.study;
    const char* what = op == Op::FindPatient ? "Patient Root PATIENT" : "Study Root STUDY";
    if (cat == dimse::StatusCategory::Pending) {
      if (pending_ < plan_.find_cap) ++pending_;
      if (pending_ >= plan_.find_cap && !cancelled_) {
        // PS3.7 9.3.2.3: C-CANCEL-RQ names the C-FIND by its message ID.
        cancelled_ = true;
        f.capped = true;
        return cancel(op == Op::FindPatient ? kCtxPatientFind : kCtxStudyFind);
      }
      return {};
    }
    key_hashes_.clear();  // nothing derived from a value outlives the query
    const bool executed = cat == dimse::StatusCategory::Success ||
                          cat == dimse::StatusCategory::Cancel ||
                          cat == dimse::StatusCategory::Warning;
    if (executed) {
      slot = pending_;
      f.state = Permission::Allowed;
      f.status = s;
      f.evidence = fmt::format("{}C-FIND {} universal match: {}{} pending response(s), final {}",
                               f.evidence.empty() ? "" : f.evidence + "; ", what, pending_,
                               cancelled_ ? " (C-CANCEL at the cap)" : "", status_text(s));
    } else {
      if (f.state != Permission::Allowed) {
        f.state = Permission::Denied;
        f.status = s;
      }
      f.evidence = fmt::format("{}C-FIND {} refused: {}",
                               f.evidence.empty() ? "" : f.evidence + "; ", what, status_text(s));
    }
    return next_op();
  }
  if (op == Op::Move || op == Op::Get) {
    auto& p = op == Op::Move ? access_.move : access_.get;
    const char* name = op == Op::Move ? "C-MOVE" : "C-GET";
    const auto counts =
        fmt::format("remaining {} completed {} failed {} warning {}", cmd.remaining.value_or(0),
                    cmd.completed.value_or(0), cmd.failed.value_or(0), cmd.warning.value_or(0));
    if (cat == dimse::StatusCategory::Pending) {
      // Sub-operations started although nothing can match: cancel them at once.
      if (!cancelled_) {
        cancelled_ = true;
        p.state = Permission::Allowed;
        p.status = s;
        p.evidence = fmt::format(
            "{} of a study that does not exist answered pending ({}); sent C-CANCEL", name, counts);
        return cancel(op == Op::Move ? kCtxStudyMove : kCtxStudyGet);
      }
      return {};
    }
    if (p.state == Permission::Allowed) return next_op();  // decided by a pending response
    p.status = s;
    switch (retrieve_verdict(op == Op::Move, s)) {
      case Verdict::Performed:
        p.state = Permission::Allowed;
        p.evidence = fmt::format("{} of a study that does not exist performed for us: {} ({}){}",
                                 name, status_text(s), counts,
                                 op == Op::Move ? fmt::format("; destination '{}' was never needed",
                                                              plan_.move_destination)
                                                : std::string());
        break;
      case Verdict::Processed:
        p.state = Permission::Allowed;
        p.evidence = fmt::format(
            "{} processed for us (inferred): the SCP searched for a study that does not exist and "
            "answered {} ({}); a refusal would be A-ABORT, a rejected context, 0x0124 or 0xA7xx{}",
            name, status_text(s), counts, op == Op::Move ? " or 0xA801" : "");
        break;
      case Verdict::Refused:
        p.state = Permission::Denied;
        p.evidence = fmt::format("{} refused: {} ({})", name, status_text(s), counts);
        break;
    }
    return next_op();
  }
  // Op::Store
  access_.store.status = s;
  if (storage_ok(s)) {
    access_.store.state = Permission::Allowed;
    access_.store.evidence =
        fmt::format("C-STORE of the dicomsec test object accepted: {}", status_text(s));
  } else {
    access_.store.state = Permission::Denied;
    access_.store.evidence =
        fmt::format("C-STORE of the dicomsec test object refused: {}", status_text(s));
  }
  return next_op();
}

}  // namespace dicomsec::probes
