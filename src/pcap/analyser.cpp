#include "pcap/analyser.hpp"

#include <optional>
#include <variant>

#include "pcap/dicom_flow.hpp"
#include "pcap/pdu_hunt.hpp"
#include "pcap/tls_flow.hpp"

namespace dicomsec::pcap {

namespace {

constexpr std::uint8_t kAssociateRq = 0x01, kAssociateRj = 0x03, kTlsHandshake = 0x16;

Side other(Side s) noexcept { return s == Side::Initiator ? Side::Responder : Side::Initiator; }

// A TLS record header (RFC 5246 6.2.1): handshake, major version 3, minor 0 (SSLv3) to 4.
bool tls_start(ByteView b) noexcept {
  return b.size() >= 3 && b[0] == kTlsHandshake && b[1] == 0x03 && b[2] <= 0x04;
}

enum class Kind : std::uint8_t { Undecided, Dicom, Tls, Other };

HuntOptions hunt_options(const AnalyserOptions& o) {
  HuntOptions h;
  h.max_pdu_length = o.limits.max_pdu_length;
  h.large_pdu = o.midstream_large_pdu;
  h.chain_pdus = o.midstream_pdus;
  return h;
}

// How far a mid-stream direction is scanned for a PDU chain: the first boundary is at most
// one PDU away, the PDU after it at most one more.
std::uint64_t hunt_limit(const AnalyserOptions& o) {
  return 2 * (std::uint64_t{o.limits.max_pdu_length} + 6) + o.decide_bytes;
}

// One direction while the flow is undecided.
struct Pending {
  Bytes held;                            // contiguous bytes since the stream start or the last gap
  bool start_seen = false;               // held[0] is the first byte of the TCP stream
  dul::PduDecoder probe{dul::Limits{}};  // mid-stream chain hunt over the same bytes
  bool hunting = false;
  std::size_t chain = 0;  // consecutive consistent PDUs
  // The message part (command or data set) in progress at the end of the chain.
  std::optional<std::pair<std::uint8_t, bool>> open_part;
  // Header-only hunt over the same bytes (large PDUs); once `streaming`, held is empty and
  // only the hunter reads this direction.
  PduChainHunter hunter;
  bool streaming = false;
};

// Frees what an undecided direction held once the flow is decided.
std::size_t release(Pending& p) {
  const auto n = p.held.size();
  Bytes().swap(p.held);
  p.probe.reset();
  p.hunting = false;
  p.hunter.reset();
  p.streaming = false;
  return n;
}

// How far a direction's first bytes tell the protocol when the stream start is known.
enum class StartVerdict { NeedMore, Dicom, Tls, Other };

StartVerdict judge_start(ByteView held, const dul::Limits& limits) {
  if (held.empty()) return StartVerdict::NeedMore;
  if (held[0] == kTlsHandshake) {
    if (held.size() < 3) return StartVerdict::NeedMore;
    return tls_start(held) ? StartVerdict::Tls : StartVerdict::Other;
  }
  if (held[0] < kAssociateRq || held[0] > kAssociateRj) return StartVerdict::Other;
  ByteReader r(held);
  r.skip(2);
  const auto length = r.u32be();
  if (!length) return StartVerdict::NeedMore;
  if (*length > limits.max_pdu_length) return StartVerdict::Other;
  if (held.size() < 6 + std::size_t{*length}) return StartVerdict::NeedMore;
  if (dul::decode_pdu(held.first(6 + std::size_t{*length}), limits)) return StartVerdict::Dicom;
  // Past our caps but plainly an A-ASSOCIATE-RQ/AC fixed part (PS3.8 9.3.2: protocol version
  // 1, reserved 0): still DICOM; the observer notes what it could not decode.
  ByteReader fixed(held.subspan(6));
  const auto version = fixed.u16be();
  const auto reserved = fixed.u16be();
  const bool associate =
      held[0] != kAssociateRj && version && (*version & 1U) != 0 && reserved && *reserved == 0;
  return associate ? StartVerdict::Dicom : StartVerdict::Other;
}

}  // namespace

struct FlowAnalyser::Flow {
  FlowInfo info;
  Kind kind = Kind::Undecided;
  std::array<Pending, 2> pending;
  std::unique_ptr<DicomFlow> dicom;
  std::unique_ptr<TlsFlow> tls;
  Side tls_client = Side::Initiator;
  std::int64_t last_ts = 0;
  Pending& side(Side s) { return pending[static_cast<std::size_t>(s)]; }
};

FlowAnalyser::FlowAnalyser(Emit emit, AnalyserOptions options)
    : emit_(std::move(emit)), options_(options) {}

FlowAnalyser::~FlowAnalyser() = default;

void FlowAnalyser::on_open(const FlowInfo& info) {
  auto f = std::make_unique<Flow>();
  f->info = info;
  f->last_ts = info.first_ts_us;
  for (auto& p : f->pending) {
    p.start_seen = info.saw_syn;
    p.probe = dul::PduDecoder(options_.limits);
    p.hunter = PduChainHunter(hunt_options(options_));
  }
  ++stats_.flows;
  flows_[info.id] = std::move(f);
}

void FlowAnalyser::on_data(FlowId id, Side side, std::span<const std::uint8_t> bytes,
                           std::int64_t ts_us) {
  const auto it = flows_.find(id);
  if (it == flows_.end()) return;
  auto& f = *it->second;
  f.last_ts = std::max(f.last_ts, ts_us);  // data may be delivered at an earlier packet's time
  stats_.bytes += bytes.size();
  switch (f.kind) {
    case Kind::Dicom:
      f.dicom->data(side, bytes);
      return;
    case Kind::Tls:
      if (side == f.tls_client)
        f.tls->client_bytes(bytes);
      else
        f.tls->server_bytes(bytes);
      return;
    case Kind::Other:
      return;
    case Kind::Undecided:
      break;
  }
  auto& p = f.side(side);
  if (!p.start_seen && !p.streaming && p.held.size() + bytes.size() > options_.decide_bytes) {
    // More than decide_bytes without a decision: stop holding this direction (its PDUs may
    // be larger than what we hold) and let the header-only hunter go on alone.
    held_ -= p.held.size();
    Bytes().swap(p.held);
    p.probe.reset();
    p.hunting = false;
    p.chain = 0;  // what the held bytes showed is gone with them: only the hunter decides
    p.open_part.reset();
    p.streaming = true;
  }
  if (p.streaming) {
    if (p.hunter.feed(bytes)) {
      commit_dicom(f, true, guess_requestor(f, side));
    } else if (p.hunter.fed() > hunt_limit(options_)) {
      commit_other(f);
    }
    return;
  }
  if (held_ + bytes.size() > options_.decide_budget) {
    ++stats_.over_budget;
    commit_other(f);
    return;
  }
  p.held.insert(p.held.end(), bytes.begin(), bytes.end());
  held_ += bytes.size();
  if (!p.start_seen) {
    if (!p.hunting) {
      p.probe.resync();
      p.hunting = true;
    }
    p.probe.feed(bytes);
    if (p.hunter.feed(bytes)) {  // held is whole: the replay starts at its first byte
      commit_dicom(f, true, guess_requestor(f, side));
      return;
    }
  }
  decide(f, false);
}

void FlowAnalyser::on_gap(FlowId id, Side side, std::uint64_t missing_bytes, std::int64_t ts_us) {
  const auto it = flows_.find(id);
  if (it == flows_.end()) return;
  auto& f = *it->second;
  f.last_ts = std::max(f.last_ts, ts_us);  // data may be delivered at an earlier packet's time
  if (f.kind == Kind::Dicom) {
    f.dicom->gap(side, missing_bytes);
    return;
  }
  if (f.kind != Kind::Undecided) return;
  // Undecided: what was held before the hole can no longer be decoded in order; hunt for a
  // PDU boundary after it.
  auto& p = f.side(side);
  held_ -= p.held.size();
  p.held.clear();
  p.start_seen = false;
  p.probe = dul::PduDecoder(options_.limits);
  p.hunting = false;
  p.chain = 0;
  p.open_part.reset();
  p.hunter.reset();
  p.streaming = false;
}

void FlowAnalyser::on_close(FlowId id, CloseReason reason, std::int64_t ts_us) {
  const auto it = flows_.find(id);
  if (it == flows_.end()) return;
  auto flow = std::move(it->second);
  flows_.erase(it);
  auto& f = *flow;
  if (f.kind == Kind::Undecided) decide(f, true);
  std::optional<record::FlowRecord> r;
  if (f.kind == Kind::Dicom) {
    r = f.dicom->result();
    stats_.c_stores += f.dicom->stores();
    if (f.dicom->protocol_errors() > 0) ++stats_.protocol_errors;
  } else if (f.kind == Kind::Tls) {
    r.emplace();
    const auto& c = f.tls_client == Side::Initiator ? f.info.initiator : f.info.responder;
    const auto& s = f.tls_client == Side::Initiator ? f.info.responder : f.info.initiator;
    r->client = {c.ip(), c.port};
    r->server = {s.ip(), s.port};
    r->protocol = "tls";
    r->encrypted = true;
    r->tls = f.tls->result();
  } else {
    if (f.kind == Kind::Undecided) ++stats_.other;
    return;
  }
  r->conn = "F" + std::to_string(f.info.id);
  r->start_us = f.info.first_ts_us;
  r->end_us = std::max(ts_us, f.last_ts);
  r->close = to_string(reason);
  ++stats_.records;
  emit_(std::move(*r));
}

std::size_t FlowAnalyser::buffered_bytes() const noexcept {
  std::size_t n = 0;
  for (const auto& [id, f] : flows_) {
    for (const auto& p : f->pending) n += p.held.size() + p.probe.buffered() + p.hunter.buffered();
    if (f->dicom) n += f->dicom->buffered_bytes();
  }
  return n;
}

void FlowAnalyser::decide(Flow& f, bool closing) {
  for (Side s : {Side::Initiator, Side::Responder}) {
    auto& p = f.side(s);
    if (p.start_seen) {
      switch (judge_start(p.held, options_.limits)) {
        case StartVerdict::Dicom:
          commit_dicom(f, false, p.held[0] == kAssociateRq ? s : other(s));
          return;
        case StartVerdict::Tls:
          f.tls_client = p.held.size() > 5 && p.held[5] == 0x01 ? s : other(s);  // ClientHello
          commit_tls(f);
          return;
        case StartVerdict::Other:
          commit_other(f);
          return;
        case StartVerdict::NeedMore:
          break;
      }
      continue;
    }
    // Mid-stream: extend the chain of consecutive PDUs that decode and continue each other.
    while (p.hunting) {
      const auto status = p.probe.next();
      if (status == DecodeStatus::NeedMore) break;
      if (status == DecodeStatus::Error) {
        p.chain = 0;
        p.open_part.reset();
        p.probe.resync();
        continue;
      }
      bool consistent = true;
      if (const auto* pd = std::get_if<dul::PData>(&p.probe.pdu())) {
        for (const auto& pdv : pd->pdvs) {
          if (p.open_part &&
              (p.open_part->first != pdv.context_id || p.open_part->second != pdv.command))
            consistent = false;
          if (pdv.last)
            p.open_part.reset();
          else
            p.open_part = std::make_pair(pdv.context_id, pdv.command);
        }
      }
      p.chain = consistent ? p.chain + 1 : 0;
      if (!consistent) p.open_part.reset();
    }
    const std::size_t need = closing && options_.midstream_pdus > 2 ? options_.midstream_pdus - 1
                                                                    : options_.midstream_pdus;
    if (p.chain >= need) {
      commit_dicom(f, true, guess_requestor(f, s));
      return;
    }
  }
  if (f.side(Side::Initiator).held.size() > options_.decide_bytes ||
      f.side(Side::Responder).held.size() > options_.decide_bytes || closing)
    commit_other(f);
}

// Which side requested the association is unknown mid-stream; the ephemeral (higher) port
// is the better guess, refined from the commands by DicomFlow.
Side FlowAnalyser::guess_requestor(const Flow& f, Side sender) const {
  const auto& mine = sender == Side::Initiator ? f.info.initiator : f.info.responder;
  const auto& theirs = sender == Side::Initiator ? f.info.responder : f.info.initiator;
  return mine.port >= theirs.port ? sender : other(sender);
}

void FlowAnalyser::commit_dicom(Flow& f, bool midstream, Side requestor) {
  const bool any_midstream =
      midstream || !f.side(Side::Initiator).start_seen || !f.side(Side::Responder).start_seen;
  f.kind = Kind::Dicom;
  ++stats_.dicom;
  if (any_midstream) ++stats_.dicom_midstream;
  f.dicom = std::make_unique<DicomFlow>(f.info, requestor, any_midstream, options_.limits);
  // Replay what was held, the requestor's direction first (its A-ASSOCIATE-RQ proposes the
  // contexts the acceptor's AC answers).
  for (Side s : {requestor, other(requestor)}) {
    auto& p = f.side(s);
    if (p.streaming) {
      // Only the hunter read this direction: decoding starts at the boundary it found.
      f.dicom->skipped(s, p.hunter.found() ? p.hunter.boundary() : p.hunter.fed());
      if (p.hunter.found()) f.dicom->data(s, p.hunter.tail());
    } else if (!p.held.empty()) {
      f.dicom->data(s, p.held);
    }
    held_ -= release(p);
  }
}

void FlowAnalyser::commit_tls(Flow& f) {
  f.kind = Kind::Tls;
  ++stats_.tls;
  f.tls = std::make_unique<TlsFlow>();
  f.tls->client_bytes(f.side(f.tls_client).held);
  f.tls->server_bytes(f.side(other(f.tls_client)).held);
  for (auto& p : f.pending) held_ -= release(p);
}

void FlowAnalyser::commit_other(Flow& f) {
  f.kind = Kind::Other;
  ++stats_.other;
  for (auto& p : f.pending) held_ -= release(p);
}

}  // namespace dicomsec::pcap
