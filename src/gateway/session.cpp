#include "gateway/session.hpp"

#include <algorithm>
#include <functional>
#include <utility>

#include "core/bytes.hpp"
#include "dicom/dataset.hpp"
#include "dul/dimse.hpp"
#include "dul/wire.hpp"

namespace dicomsec::gateway {

namespace {

dul::AssociationOptions engine_options(dul::Role role, const SessionOptions& so) {
  dul::AssociationOptions o;
  o.role = role;
  o.limits.max_pdu_length = so.max_pdu;
  o.limits.max_buffered = std::size_t{so.max_pdu} + (64U << 10);
  // Auditing never changes what is relayed: no data set is buffered whole (a large query
  // identifier would hit a cap and abort the association); the IDs come from the first
  // fragment of each identifier or data set, as the walk in read_ids allows.
  return o;
}

// PatientID and StudyInstanceUID among the top-level elements that `bytes` holds (the first
// fragment of an identifier or data set: the walk stops where the bytes end).
void read_ids(ByteView bytes, dicom::VrEncoding enc, std::vector<std::string>& patients,
              std::vector<std::string>& studies) {
  dicom::ReaderLimits limits;
  limits.max_elements = 512;
  dicom::DatasetReader r(bytes, enc, limits);
  auto add = [](std::vector<std::string>& to, ByteView v) {
    std::string_view s(reinterpret_cast<const char*>(v.data()), v.size());
    while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.remove_suffix(1);
    if (s.empty() || to.size() >= 16) return;
    // Untrusted bytes: made printable ASCII before they reach a log or the audit trail.
    std::string p = printable(s);
    if (std::find(to.begin(), to.end(), p) == to.end()) to.push_back(std::move(p));
  };
  while (r.next() == DecodeStatus::Ready) {
    const auto& e = r.element();
    if (e.depth != 0) continue;
    if (e.tag == dicom::tag::kPatientId) add(patients, e.value);
    if (e.tag == dicom::tag::kStudyInstanceUid) add(studies, e.value);
    if (e.tag.group > 0x0020) break;
  }
}

void append(Bytes& to, ByteView bytes) { to.insert(to.end(), bytes.begin(), bytes.end()); }

constexpr std::uint8_t kPData = 0x04;
constexpr std::uint8_t kReleaseRq = 0x05;
constexpr std::uint8_t kReleaseRp = 0x06;

const dul::ind::Aborted* find_abort(const dul::Output& o) {
  for (const auto& i : o.indications)
    if (const auto* a = std::get_if<dul::ind::Aborted>(&i)) return a;
  return nullptr;
}

// A P-DATA-TF as the engine needs to see it while relaying with no identifiers to read:
// every PDV header and every command fragment, but of each data set fragment only its first
// byte. The engine still checks the context, the message phase and the last-fragment bits;
// the payload itself is forwarded unread (no copy into the decoder, none into a PDV), which
// is most of the relay's work on a bulk C-STORE. False when the PDV items do not tile the
// PDU: the engine then gets the PDU whole and reports the violation itself.
bool pdata_headers(ByteView pdu, Bytes& out) {
  if (pdu.size() < 6 || pdu[0] != kPData) return false;
  out.assign(pdu.begin(), pdu.begin() + 6);
  ByteReader r(pdu.subspan(6));
  while (!r.empty()) {
    const auto length = r.u32be();
    if (!length || *length < 2 || *length > r.remaining()) return false;
    const auto item = r.take(*length);
    if (!item) return false;
    const bool command = ((*item)[1] & 1U) != 0;
    const std::uint32_t keep = command ? *length : std::min<std::uint32_t>(*length, 3);
    for (int shift = 24; shift >= 0; shift -= 8)
      out.push_back(static_cast<std::uint8_t>(keep >> shift));
    out.insert(out.end(), item->begin(), item->begin() + keep);
  }
  const auto body = static_cast<std::uint32_t>(out.size() - 6);
  for (int i = 0; i < 4; ++i) out[2 + i] = static_cast<std::uint8_t>(body >> (24 - 8 * i));
  return true;
}

// PS3.8 9.3.2: the called AE title is bytes 11-26 of the A-ASSOCIATE-RQ PDU.
void patch_called(Bytes& rq, std::string_view ae) {
  constexpr std::size_t kCalledOffset = 10;
  if (rq.size() < kCalledOffset + 16) return;
  for (std::size_t i = 0; i < 16; ++i)
    rq[kCalledOffset + i] = i < ae.size() ? static_cast<std::uint8_t>(ae[i]) : ' ';
}

// PS3.8 9.3.2/9.3.3 and D.1: the Maximum Length sub-item (0x51) of the user information
// item of an A-ASSOCIATE-RQ/AC, patched in place to at most `max` (0, "no limit", counts as
// more). Every other byte stays as the peer sent it; a PDU without the sub-item, or one
// whose items do not add up, is left alone (the engine has already decoded it).
void clamp_max_length(Bytes& pdu, std::uint32_t max) {
  ByteReader r(pdu);
  if (!r.skip(dul::wire::kPduHeader + dul::wire::kAssocFixed)) return;
  while (!r.empty()) {
    const auto type = r.u8();
    const auto reserved = r.u8();
    const auto len = r.u16be();
    if (!type || !reserved || !len) return;
    if (*type != dul::wire::kUserInformationItem) {
      if (!r.skip(*len)) return;
      continue;
    }
    const std::size_t end = r.position() + *len;
    while (r.position() + 4 <= end) {
      const auto sub = r.u8();
      const auto sub_reserved = r.u8();
      const auto sub_len = r.u16be();
      if (!sub || !sub_reserved || !sub_len || r.position() + *sub_len > end) return;
      if (*sub == dul::wire::kMaxLengthItem && *sub_len == 4) {
        const std::size_t at = r.position();
        const auto value = r.u32be();
        if (value && (*value == 0 || *value > max)) {
          for (std::size_t i = 0; i < 4; ++i)
            pdu[at + i] = static_cast<std::uint8_t>(max >> (8 * (3 - i)));
        }
        return;
      }
      if (!r.skip(*sub_len)) return;
    }
    return;
  }
}

std::uint32_t clamped(std::optional<std::uint32_t> v, std::uint32_t max) {
  return !v || *v == 0 || *v > max ? max : *v;
}

}  // namespace

std::string_view end_reason_name(EndReason r) {
  switch (r) {
    case EndReason::Released:
      return "released";
    case EndReason::Refused:
      return "refused";
    case EndReason::UpstreamRejected:
      return "upstream-rejected";
    case EndReason::UpstreamUnavailable:
      return "upstream-unavailable";
    case EndReason::ClientAborted:
      return "client-aborted";
    case EndReason::UpstreamAborted:
      return "upstream-aborted";
    case EndReason::ClientProtocolError:
      return "client-protocol-error";
    case EndReason::UpstreamProtocolError:
      return "upstream-protocol-error";
    case EndReason::ClientClosed:
      return "client-closed";
    case EndReason::UpstreamClosed:
      return "upstream-closed";
    case EndReason::ArtimExpired:
      return "artim-expired";
    case EndReason::PduTooLarge:
      return "pdu-too-large";
    case EndReason::IdleTimeout:
      return "idle-timeout";
    case EndReason::Shutdown:
      return "shutdown";
  }
  return "?";
}

Session::Session(const Policy& policy, PeerIdentity peer, SessionOptions options,
                 Capacity* capacity)
    : policy_(policy),
      peer_(std::move(peer)),
      options_(options),
      capacity_(capacity),
      client_(engine_options(dul::Role::Acceptor, options)),
      upstream_(engine_options(dul::Role::Requestor, options)),
      client_framer_(options.max_pdu),
      upstream_framer_(options.max_pdu) {}

Session::~Session() {
  if (slot_held_ && capacity_ != nullptr) capacity_->release();
}

std::size_t Session::buffered_bytes() const noexcept {
  return client_framer_.buffered() + upstream_framer_.buffered() + client_.buffered_bytes() +
         upstream_.buffered_bytes() + request_raw_.size();
}

void Session::finish(SessionOutput& out, EndReason reason, std::string detail) {
  if (summary_.end) return;
  summary_.end = reason;
  summary_.end_detail = detail;
  phase_ = Phase::Done;
  out.close_client = true;
  out.close_upstream = true;
  if (slot_held_ && capacity_ != nullptr) capacity_->release();
  slot_held_ = false;
  for (const auto& [key, sop] : pending_stores_) {
    (void)key;
    (void)sop;
    ++summary_.store_failures;  // no response reached us: not transferred
  }
  pending_stores_.clear();
  out.events.emplace_back(sev::Ended{reason, std::move(detail)});
}

Bytes SessionOutput::client_bytes() const {
  Bytes b = to_client;
  append(b, to_client_tail);
  return b;
}

Bytes SessionOutput::upstream_bytes() const {
  Bytes b = to_upstream;
  append(b, to_upstream_tail);
  return b;
}

void Session::put(Bytes& owned, ByteView& tail, ByteView bytes) {
  if (bytes.empty()) return;
  if (!tail.empty()) {  // what follows the tail must come after it: it joins the copy
    append(owned, tail);
    tail = {};
  }
  append(owned, bytes);
}

void Session::forward(Bytes& owned, ByteView& tail, ByteView pdu) {
  // A PDU that lies in the caller's input, right after the tail (or first): no copy. A PDU the
  // framer assembled from several reads lives in the framer, which the next call reuses.
  const auto* in_begin = input_.data();
  const auto* in_end = input_.data() + input_.size();
  const bool in_input = !input_.empty() && std::less_equal<>()(in_begin, pdu.data()) &&
                        std::less_equal<>()(pdu.data() + pdu.size(), in_end);
  if (in_input && (tail.empty() || tail.data() + tail.size() == pdu.data())) {
    tail = tail.empty() ? pdu : ByteView(tail.data(), tail.size() + pdu.size());
    return;
  }
  put(owned, tail, pdu);
}

SessionOutput Session::client_connected() {
  SessionOutput out;
  if (phase_ != Phase::Idle) return out;
  phase_ = Phase::AwaitRq;
  put(out.to_client, out.to_client_tail, client_.transport_connected().send);
  return out;
}

SessionOutput Session::from_client(ByteView bytes) {
  SessionOutput out;
  if (done() || phase_ == Phase::Idle) return out;
  summary_.bytes_from_client += bytes.size();
  input_ = bytes;
  const bool ok = client_framer_.feed(bytes, [&](ByteView pdu) { return on_client_pdu(out, pdu); });
  input_ = {};
  if (!ok && !done()) {
    // The header arrived, its body will never be read: both sides are aborted.
    if (auto a = client_.abort(0); a) put(out.to_client, out.to_client_tail, a->send);
    abort_upstream(out);
    finish(out, EndReason::PduTooLarge, "client: " + client_framer_.error());
  }
  return out;
}

SessionOutput Session::from_upstream(ByteView bytes) {
  SessionOutput out;
  if (done() || (phase_ != Phase::AwaitAnswer && phase_ != Phase::Relaying)) return out;
  summary_.bytes_from_upstream += bytes.size();
  input_ = bytes;
  const bool ok =
      upstream_framer_.feed(bytes, [&](ByteView pdu) { return on_upstream_pdu(out, pdu); });
  input_ = {};
  if (!ok && !done()) {
    if (auto a = upstream_.abort(0); a) put(out.to_upstream, out.to_upstream_tail, a->send);
    abort_client(out);
    finish(out, EndReason::PduTooLarge, "upstream: " + upstream_framer_.error());
  }
  return out;
}

bool Session::on_client_pdu(SessionOutput& out, ByteView pdu) {
  ++summary_.pdus_from_client;
  const std::uint8_t type = pdu[0];
  const bool fast =
      phase_ == Phase::Relaying && !options_.collect_ids && pdata_headers(pdu, engine_view_);
  auto o = client_.receive(fast ? ByteView(engine_view_) : pdu);
  put(out.to_client, out.to_client_tail,
      o.send);  // the engine's own answer: an A-ABORT after a violation
  if (const auto* ab = find_abort(o)) {
    if (ab->by_peer) {
      if (upstream_.state() != dul::State::Sta1 && upstream_.state() != dul::State::Sta13) {
        if (auto a = upstream_.abort(ab->reason); a)
          put(out.to_upstream, out.to_upstream_tail, pdu);
      }
      finish(out, EndReason::ClientAborted, "");
    } else {
      abort_upstream(out);
      finish(out, EndReason::ClientProtocolError, ab->detail);
    }
    return false;
  }
  for (auto& i : o.indications) {
    if (auto* rq = std::get_if<dul::ind::AssociateRequested>(&i)) {
      on_request(out, *rq);
      return !done();
    }
    if (auto* c = std::get_if<dul::ind::Command>(&i)) note_command(out, true, *c);
    if (auto* d = std::get_if<dul::ind::DataChunk>(&i))
      note_data(out, client_, d->context_id, d->bytes, false);
    if (auto* d = std::get_if<dul::ind::DataSet>(&i))
      note_data(out, client_, d->context_id, d->bytes, true);
  }
  if (phase_ != Phase::Relaying) {
    // Anything else before the association is up: the engine answered with an A-ABORT
    // (AA-1, Sta13) or closed; either way this connection is over.
    const auto st = client_.state();
    if (o.close_transport || st == dul::State::Sta13 || st == dul::State::Sta1) {
      abort_upstream(out);
      finish(out, EndReason::ClientProtocolError,
             std::string(dul::pdu_type_name(type)) + " before the association was established");
    }
    return !done();
  }
  if (type == kPData) {
    forward(out.to_upstream, out.to_upstream_tail, pdu);
  } else if (type == kReleaseRq) {
    auto r = upstream_.release();
    if (!r) {
      abort_both(out, EndReason::ClientProtocolError, "A-RELEASE-RQ: " + r.error().message);
      return false;
    }
    put(out.to_upstream, out.to_upstream_tail, pdu);
  } else if (type == kReleaseRp) {
    auto r = upstream_.release_response();
    if (!r) {
      abort_both(out, EndReason::ClientProtocolError, "A-RELEASE-RP: " + r.error().message);
      return false;
    }
    put(out.to_upstream, out.to_upstream_tail, pdu);
    if (r->close_transport || upstream_.state() == dul::State::Sta13) {
      // Upstream-initiated release completed: the client closes, we close the upstream.
      finish(out, EndReason::Released, "");
      return false;
    }
  }
  return true;
}

void Session::on_request(SessionOutput& out, const dul::ind::AssociateRequested& rq) {
  // trim_ae does not check characters: a control byte in an AE title would forge log lines
  // and break the audit XML, so the titles are recorded in printable form (the policy
  // still decides on the wire bytes).
  summary_.calling_ae = printable(trim_ae(rq.rq.calling_ae));
  summary_.called_ae = printable(trim_ae(rq.rq.called_ae));
  const Refusal why = policy_.decide(rq.rq.calling_ae, rq.rq.called_ae, peer_);
  if (why != Refusal::None) {
    refuse(out, why, EndReason::Refused, std::string(refusal_name(why)));
    return;
  }
  if (capacity_ != nullptr) {
    if (!capacity_->acquire()) {
      refuse(out, Refusal::Capacity, EndReason::Refused, "--max-associations reached");
      return;
    }
    slot_held_ = true;
  }
  out.events.emplace_back(sev::Decided{Refusal::None});
  request_raw_.assign(rq.raw.begin(), rq.raw.end());
  summary_.upstream_called_ae = summary_.called_ae;
  if (const auto to = policy_.rewrite(rq.rq.called_ae)) {
    patch_called(request_raw_, *to);
    summary_.upstream_called_ae = *to;
  }
  // The upstream must not send PDUs larger than we relay (--max-pdu): its limit for us is
  // what the client announced, at most ours.
  clamp_max_length(request_raw_, options_.max_pdu);
  phase_ = Phase::Connecting;
  out.connect_upstream = true;
}

void Session::refuse(SessionOutput& out, Refusal why, EndReason reason, std::string detail) {
  summary_.refusal = why;
  out.events.emplace_back(sev::Decided{why});
  if (auto r = client_.reject(reject_for(why)); r) put(out.to_client, out.to_client_tail, r->send);
  finish(out, reason, std::move(detail));
}

SessionOutput Session::upstream_connected() {
  SessionOutput out;
  if (phase_ != Phase::Connecting || done()) return out;
  auto rq = *client_.request();
  if (!summary_.upstream_called_ae.empty()) rq.called_ae = summary_.upstream_called_ae;
  if (rq.user_info.max_length)
    rq.user_info.max_length = clamped(rq.user_info.max_length, options_.max_pdu);
  auto a = upstream_.associate(std::move(rq));
  if (!a) {
    refuse(out, Refusal::Upstream, EndReason::UpstreamUnavailable,
           "cannot forward the request: " + a.error().message);
    return out;
  }
  (void)upstream_.transport_connected();  // AE-2: the engine's own RQ bytes are not used
  put(out.to_upstream, out.to_upstream_tail, request_raw_);
  Bytes().swap(request_raw_);
  phase_ = Phase::AwaitAnswer;
  return out;
}

SessionOutput Session::upstream_failed(std::string detail) {
  SessionOutput out;
  if (done()) return out;
  if (phase_ == Phase::Connecting || phase_ == Phase::AwaitAnswer) {
    abort_upstream(out);
    refuse(out, Refusal::Upstream, EndReason::UpstreamUnavailable, std::move(detail));
  } else {
    abort_both(out, EndReason::UpstreamClosed, std::move(detail));
  }
  return out;
}

bool Session::on_upstream_pdu(SessionOutput& out, ByteView pdu) {
  ++summary_.pdus_from_upstream;
  const std::uint8_t type = pdu[0];
  const bool fast =
      phase_ == Phase::Relaying && !options_.collect_ids && pdata_headers(pdu, engine_view_);
  auto o = upstream_.receive(fast ? ByteView(engine_view_) : pdu);
  put(out.to_upstream, out.to_upstream_tail, o.send);
  if (const auto* ab = find_abort(o)) {
    if (ab->by_peer) {
      if (phase_ == Phase::AwaitAnswer) {
        // PS3.8 allows an abort instead of an answer: the client hears it as an abort too.
        if (auto a = client_.abort(ab->reason); a) put(out.to_client, out.to_client_tail, pdu);
      } else if (client_.state() != dul::State::Sta1 && client_.state() != dul::State::Sta13) {
        if (auto a = client_.abort(ab->reason); a) put(out.to_client, out.to_client_tail, pdu);
      }
      finish(out, EndReason::UpstreamAborted, "");
    } else {
      abort_client(out);
      finish(out, EndReason::UpstreamProtocolError, ab->detail);
    }
    return false;
  }
  for (auto& i : o.indications) {
    if (auto* ac = std::get_if<dul::ind::AssociateAccepted>(&i)) {
      // Likewise toward the client: an upstream announcing 0 (no limit) or more than
      // --max-pdu would let a compliant client send PDUs the framer refuses.
      if (ac->ac.user_info.max_length)
        ac->ac.user_info.max_length = clamped(ac->ac.user_info.max_length, options_.max_pdu);
      auto r = client_.accept(ac->ac);
      if (!r) {
        abort_both(out, EndReason::UpstreamProtocolError,
                   "A-ASSOCIATE-AC not relayable: " + r.error().message);
        return false;
      }
      Bytes answer(pdu.begin(), pdu.end());
      clamp_max_length(answer, options_.max_pdu);
      put(out.to_client, out.to_client_tail, answer);
      phase_ = Phase::Relaying;
      summary_.established = true;
      out.events.emplace_back(sev::UpstreamAnswered{true, {}});
      return true;
    }
    if (auto* rj = std::get_if<dul::ind::AssociateRejected>(&i)) {
      summary_.upstream_rj = rj->rj;
      if (auto r = client_.reject(rj->rj); r) put(out.to_client, out.to_client_tail, pdu);
      out.events.emplace_back(sev::UpstreamAnswered{false, rj->rj});
      finish(out, EndReason::UpstreamRejected, "");
      return false;
    }
    if (auto* c = std::get_if<dul::ind::Command>(&i)) note_command(out, false, *c);
    if (auto* d = std::get_if<dul::ind::DataChunk>(&i))
      note_data(out, upstream_, d->context_id, d->bytes, false);
  }
  if (phase_ != Phase::Relaying) {
    const auto st = upstream_.state();
    if (o.close_transport || st == dul::State::Sta13 || st == dul::State::Sta1) {
      refuse(out, Refusal::Upstream, EndReason::UpstreamProtocolError,
             std::string(dul::pdu_type_name(type)) + " instead of an A-ASSOCIATE answer");
    }
    return !done();
  }
  if (type == kPData) {
    forward(out.to_client, out.to_client_tail, pdu);
  } else if (type == kReleaseRq) {
    auto r = client_.release();
    if (!r) {
      abort_both(out, EndReason::UpstreamProtocolError, "A-RELEASE-RQ: " + r.error().message);
      return false;
    }
    put(out.to_client, out.to_client_tail, pdu);
  } else if (type == kReleaseRp) {
    auto r = client_.release_response();
    if (!r) {
      abort_both(out, EndReason::UpstreamProtocolError, "A-RELEASE-RP: " + r.error().message);
      return false;
    }
    put(out.to_client, out.to_client_tail, pdu);
    if (o.close_transport || upstream_.state() == dul::State::Sta1) {
      finish(out, EndReason::Released, "");
      return false;
    }
  }
  return true;
}

void Session::note_command(SessionOutput& out, bool from_client, const dul::ind::Command& c) {
  using F = dimse::CommandField;
  const auto& cmd = c.command;
  ++summary_.commands;
  switch (cmd.field) {
    case F::CStoreRq:
      if (!stores_begun_) {
        stores_begun_ = true;
        out.events.emplace_back(sev::StoresBegin{from_client});
      }
      if (pending_stores_.size() < 4096)
        pending_stores_[{from_client, cmd.message_id}] = printable(cmd.affected_sop_class_uid);
      store_first_chunk_ = options_.collect_ids;
      break;
    case F::CStoreRsp: {
      const auto it =
          pending_stores_.find({!from_client, cmd.message_id_being_responded_to.value_or(0)});
      if (it == pending_stores_.end()) break;
      const auto cat = dimse::status_category(cmd.status.value_or(0xFFFF));
      if (cat == dimse::StatusCategory::Success || cat == dimse::StatusCategory::Warning)
        ++summary_.stored[it->second];
      else
        ++summary_.store_failures;
      pending_stores_.erase(it);
      break;
    }
    case F::CFindRq:
      ++summary_.finds;
      if (options_.collect_ids && from_client && cmd.has_data_set()) {
        // The event waits for the first fragment of the identifier.
        pending_query_ = printable(cmd.affected_sop_class_uid);
        store_first_chunk_ = true;
      } else {
        out.events.emplace_back(sev::Query{printable(cmd.affected_sop_class_uid), {}, {}});
      }
      break;
    case F::CMoveRq:
      ++summary_.moves;
      store_first_chunk_ = options_.collect_ids && cmd.has_data_set();
      break;
    case F::CGetRq:
      ++summary_.gets;
      store_first_chunk_ = options_.collect_ids && cmd.has_data_set();
      break;
    case F::CEchoRq:
      ++summary_.echoes;
      break;
    default:
      break;
  }
}

void Session::note_data(SessionOutput& out, const dul::Association& side, std::uint8_t context_id,
                        ByteView bytes, bool whole) {
  if (!options_.collect_ids) return;
  if (!whole && !store_first_chunk_) return;
  store_first_chunk_ = false;
  const auto* ctx = side.contexts().find(context_id);
  if (ctx == nullptr) return;
  const auto& ts = ctx->transfer_syntax;
  dicom::VrEncoding enc;
  if (ts == "1.2.840.10008.1.2")
    enc = dicom::VrEncoding::Implicit;
  else if (ts == "1.2.840.10008.1.2.2")
    return;  // explicit big endian (retired): not read
  else
    enc = dicom::VrEncoding::Explicit;
  std::vector<std::string> patients, studies;
  read_ids(bytes, enc, patients, studies);
  auto merge = [](std::vector<std::string>& to, const std::vector<std::string>& from) {
    for (const auto& x : from)
      if (to.size() < 16 && std::find(to.begin(), to.end(), x) == to.end()) to.push_back(x);
  };
  if (pending_query_) {
    out.events.emplace_back(sev::Query{*pending_query_, patients, studies});
    pending_query_.reset();
    return;
  }
  merge(summary_.patient_ids, patients);
  merge(summary_.study_uids, studies);
}

void Session::abort_upstream(SessionOutput& out) {
  const auto s = upstream_.state();
  if (s == dul::State::Sta1 || s == dul::State::Sta13) return;
  if (auto a = upstream_.abort(0); a) put(out.to_upstream, out.to_upstream_tail, a->send);
}

void Session::abort_client(SessionOutput& out) {
  const auto s = client_.state();
  if (s == dul::State::Sta1 || s == dul::State::Sta13) return;
  if (auto a = client_.abort(0); a) put(out.to_client, out.to_client_tail, a->send);
}

void Session::abort_both(SessionOutput& out, EndReason reason, std::string detail) {
  abort_client(out);
  abort_upstream(out);
  finish(out, reason, std::move(detail));
}

SessionOutput Session::client_closed() {
  SessionOutput out;
  if (done()) return out;
  (void)client_.transport_closed();
  abort_upstream(out);
  finish(out, EndReason::ClientClosed,
         phase_ == Phase::AwaitRq ? "closed before a complete A-ASSOCIATE-RQ" : "");
  return out;
}

SessionOutput Session::upstream_closed() {
  SessionOutput out;
  if (done()) return out;
  (void)upstream_.transport_closed();
  if (phase_ == Phase::AwaitAnswer || phase_ == Phase::Connecting) {
    refuse(out, Refusal::Upstream, EndReason::UpstreamUnavailable,
           "upstream closed before answering");
    return out;
  }
  abort_client(out);
  finish(out, EndReason::UpstreamClosed, "");
  return out;
}

SessionOutput Session::artim_expired() {
  SessionOutput out;
  if (done()) return out;
  if (phase_ == Phase::AwaitRq || phase_ == Phase::Idle) {
    put(out.to_client, out.to_client_tail, client_.artim_expired().send);
    finish(out, EndReason::ArtimExpired,
           client_framer_.buffered() > 0 || client_.buffered_bytes() > 0
               ? "A-ASSOCIATE-RQ incomplete"
               : "no A-ASSOCIATE-RQ");
    return out;
  }
  if (phase_ == Phase::Connecting || phase_ == Phase::AwaitAnswer) {
    abort_upstream(out);
    refuse(out, Refusal::Upstream, EndReason::UpstreamUnavailable, "upstream did not answer");
  }
  return out;
}

SessionOutput Session::idle_timeout() {
  SessionOutput out;
  if (!done()) abort_both(out, EndReason::IdleTimeout, "");
  return out;
}

SessionOutput Session::shutdown() {
  SessionOutput out;
  if (!done()) abort_both(out, EndReason::Shutdown, "");
  return out;
}

}  // namespace dicomsec::gateway
