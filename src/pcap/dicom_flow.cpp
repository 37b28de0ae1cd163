#include "pcap/dicom_flow.hpp"

#include <type_traits>
#include <variant>

#include "dicom/identifiers.hpp"
#include "dul/dimse.hpp"
#include "fingerprint/fingerprint.hpp"

namespace dicomsec::pcap {

namespace {

// SOP classes and move destinations listed per flow: a hostile capture can name any number;
// the record keeps the first ones (as it keeps 32 conformance notes).
constexpr std::size_t kMaxListed = 64;

Side other(Side s) noexcept { return s == Side::Initiator ? Side::Responder : Side::Initiator; }

std::optional<record::ProductRecord> product_of(const dul::UserInformation& ui,
                                                std::optional<std::uint32_t> max_pdu) {
  fingerprint::Observation obs;
  obs.implementation_class_uid = ui.implementation_class_uid;
  obs.implementation_version_name = ui.implementation_version_name;
  obs.max_pdu = max_pdu;
  auto p = fingerprint::identify_or_unknown(obs);
  if (!p) return std::nullopt;
  return record::ProductRecord{p->name,       p->version, p->toolkit,   p->confidence,
                               p->matched_by, p->vendor,  std::nullopt, p->version_name};
}

// PS3.7 D.3.3.7.1: a passcode (type 2) or a bearer token (Kerberos, SAML, JWT: whoever
// copies it can replay it) counts as a secret; a user name alone does not.
bool carries_secret(const dul::UserIdentityRq& u) noexcept {
  if (u.type == 2) return !u.secondary_field.empty();
  return u.type >= 3 && !u.primary_field.empty();
}

// PS3.7 C: Pending (0xFF00, 0xFF01) responses are not final.
bool final_status(std::uint16_t s) noexcept { return s != 0xFF00 && s != 0xFF01; }

}  // namespace

DicomFlow::DicomFlow(const FlowInfo& info, Side requestor, bool midstream,
                     const dul::Limits& limits)
    : info_(info),
      requestor_(requestor),
      midstream_(midstream),
      contexts_(std::make_shared<dul::ContextTable>()) {
  for (Side s : {Side::Initiator, Side::Responder}) {
    dul::AssociationOptions o;
    o.role = s == requestor ? dul::Role::Requestor : dul::Role::Acceptor;
    o.observer = true;
    o.start_mid_stream = midstream;
    o.limits = limits;
    o.contexts = contexts_;
    dir(s).observer = std::make_unique<dul::Association>(std::move(o));
  }
}

void DicomFlow::data(Side side, ByteView bytes) {
  handle(side, dir(side).observer->receive(bytes));
}

void DicomFlow::gap(Side side, std::uint64_t missing) {
  auto& d = dir(side);
  ++d.stats.gaps;
  d.stats.gap_bytes += missing;
  d.scanner.reset();
  handle(side, d.observer->gap(static_cast<std::size_t>(missing)));
}

std::size_t DicomFlow::buffered_bytes() const noexcept {
  return dirs_[0].observer->buffered_bytes() + dirs_[1].observer->buffered_bytes();
}

void DicomFlow::end_data_set(Direction& d) {
  if (d.scanner) phi_.insert(d.scanner->found().begin(), d.scanner->found().end());
  d.scanner.reset();
}

void DicomFlow::on_command(Side side, const dul::ind::Command& c) {
  auto& d = dir(side);
  const auto& cmd = c.command;
  if (d.scanner) end_data_set(d);  // a data set without its last fragment
  if (!dimse::is_response(cmd.field)) ++d.requests;
  auto& count = dimse_[std::string(dimse::command_name(cmd.field))];
  ++count.count;
  if (dimse::is_response(cmd.field) && cmd.status && final_status(*cmd.status))
    ++count.statuses[std::string(dimse::status_name(*cmd.status))];
  if (cmd.field == dimse::CommandField::CStoreRq) {
    ++stores_;
    if (!cmd.affected_sop_class_uid.empty() && sop_classes_.size() < kMaxListed)
      sop_classes_.insert(printable(cmd.affected_sop_class_uid));
  }
  if (cmd.field == dimse::CommandField::CMoveRq && cmd.move_destination &&
      move_destinations_.size() < kMaxListed)
    move_destinations_.insert(printable(*cmd.move_destination));
  if (cmd.has_data_set()) {
    const auto* ctx = contexts_->find(c.context_id);
    d.scanner.emplace(encoding_of(ctx && ctx->accepted() ? ctx->transfer_syntax : ""));
  }
}

void DicomFlow::handle(Side side, dul::Output&& out) {
  auto& d = dir(side);
  for (auto& indication : out.indications) {
    std::visit(
        [&](auto& i) {
          using T = std::decay_t<decltype(i)>;
          if constexpr (std::is_same_v<T, dul::ind::AssociateRequested>) {
            // i.raw may hold a password: it is never copied anywhere.
            saw_rq_ = true;
            rq_sender_ = side;
            association_.calling_ae = printable(i.rq.calling_ae);
            association_.called_ae = printable(i.rq.called_ae);
            client_product_ = product_of(i.rq.user_info, i.rq.user_info.max_length);
            if (const auto& u = i.rq.user_info.user_identity_rq) {
              record::UserIdentityRecord r;
              r.type = u->type;
              r.cleartext_secret = carries_secret(*u);
              r.positive_response_requested = u->positive_response_requested;
              identity_ = r;
            }
          } else if constexpr (std::is_same_v<T, dul::ind::AssociateAccepted>) {
            saw_ac_ = true;
            association_.result = record::AssociationResult::Accepted;
            if (association_.calling_ae.empty())
              association_.calling_ae = printable(i.ac.calling_ae);
            if (association_.called_ae.empty()) association_.called_ae = printable(i.ac.called_ae);
            association_.max_pdu = i.ac.user_info.max_length.value_or(0);
            association_.implementation_class_uid = i.ac.user_info.implementation_class_uid;
            association_.implementation_version_name = i.ac.user_info.implementation_version_name;
            product_ = product_of(i.ac.user_info, association_.max_pdu);
            if (identity_ && i.ac.user_info.user_identity_ac) identity_->server_response = true;
          } else if constexpr (std::is_same_v<T, dul::ind::AssociateRejected>) {
            saw_ac_ = true;
            association_.result = record::AssociationResult::Rejected;
            association_.reject = record::RejectRecord{i.rj.result, i.rj.source, i.rj.reason};
          } else if constexpr (std::is_same_v<T, dul::ind::Command>) {
            saw_data_ = true;
            on_command(side, i);
          } else if constexpr (std::is_same_v<T, dul::ind::DataChunk>) {
            saw_data_ = true;
            d.stats.bytes += i.bytes.size();
            if (d.scanner) d.scanner->feed(i.bytes);
            if (i.last) {
              ++d.stats.instances;
              end_data_set(d);
            }
          } else if constexpr (std::is_same_v<T, dul::ind::DataSet>) {
            d.stats.bytes += i.bytes.size();
            ++d.stats.instances;
          } else if constexpr (std::is_same_v<T, dul::ind::ReleaseConfirmed>) {
            association_.released = true;
          } else if constexpr (std::is_same_v<T, dul::ind::Aborted>) {
            association_.abort = record::AbortRecord{i.source, i.reason};
            if (association_.result == record::AssociationResult::None)
              association_.result = record::AssociationResult::Aborted;
          } else if constexpr (std::is_same_v<T, dul::ind::MessageLost>) {
            ++d.stats.messages_lost;
            d.scanner.reset();
          }
        },
        indication);
  }
}

Side DicomFlow::client_side() const noexcept {
  if (info_.saw_syn) return Side::Initiator;
  if (rq_sender_) return *rq_sender_;
  // Mid-stream: the requestor sends the requests (C-GET's C-STORE sub-operations aside).
  const auto a = dir(Side::Initiator).requests, b = dir(Side::Responder).requests;
  if (a != b) return a > b ? Side::Initiator : Side::Responder;
  return requestor_;
}

record::FlowRecord DicomFlow::result() const {
  record::FlowRecord r;
  const Side client = client_side();
  const auto& ce = client == Side::Initiator ? info_.initiator : info_.responder;
  const auto& se = client == Side::Initiator ? info_.responder : info_.initiator;
  r.client = {ce.ip(), ce.port};
  r.server = {se.ip(), se.port};
  r.protocol = "dicom";
  r.midstream = midstream_ && !saw_rq_;
  auto a = association_;
  if (a.result == record::AssociationResult::None && saw_data_)
    a.result = record::AssociationResult::Accepted;  // P-DATA flows only once accepted
  for (const auto& c : contexts_->contexts())
    if (c.accepted())
      a.accepted_contexts.push_back({printable(c.abstract_syntax), printable(c.transfer_syntax)});
  for (const auto* d : {&dir(client), &dir(other(client))})
    for (const auto& n : d->observer->conformance())
      if (a.conformance.size() < 32) a.conformance.push_back(printable(n));
  r.association = std::move(a);
  r.product = product_;
  r.client_product = client_product_;
  r.user_identity = identity_;
  r.dimse = dimse_;
  r.move_destinations.assign(move_destinations_.begin(), move_destinations_.end());
  r.sop_classes_stored.assign(sop_classes_.begin(), sop_classes_.end());
  r.to_server = dir(client).stats;
  r.to_client = dir(other(client)).stats;
  auto phi = phi_;
  for (const auto& d : dirs_)
    if (d.scanner) phi.insert(d.scanner->found().begin(), d.scanner->found().end());
  for (auto t : phi)
    r.phi_elements.push_back(dicom::tag_text(
        dicom::Tag{static_cast<std::uint16_t>(t >> 16), static_cast<std::uint16_t>(t & 0xFFFF)}));
  r.bytes_skipped = dir(Side::Initiator).observer->bytes_skipped() +
                    dir(Side::Responder).observer->bytes_skipped() + skipped_[0] + skipped_[1];
  return r;
}

}  // namespace dicomsec::pcap
