// gateway::Session: the sans-IO heart of `dicomsec gateway` (issue 15 §1). One instance per
// client connection. It holds two dul::Association engines, an Acceptor facing the client
// and a Requestor facing the upstream, with the admission Policy between them, and decides
// what goes where; the caller (server.cpp) owns the sockets, the timers and the TLS.
//
//   client bytes ─► PduFramer ─► Acceptor engine ─┐   policy, rewrite,   ┌─► upstream
//   client     ◄──────────────────────────────────┤   raw PDU relay,    ├── Requestor engine
//                                                  └── DIMSE bookkeeping ┘   ◄─ PduFramer ◄─
//
// Every PDU is cut whole by the framer (length capped by SessionOptions::max_pdu), fed to
// the engine of its side, and, only when that engine found it valid for its state, its
// exact bytes are written to the other side: nothing malformed is forwarded, unknown items
// and user-identity sub-items pass byte for byte, and a data set is never assembled (memory
// per association: one PDU per direction). The A-ASSOCIATE-RQ is judged before the
// upstream is contacted; a refusal is a proper A-ASSOCIATE-RJ (policy.hpp has the codes).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/bytes.hpp"
#include "dul/association.hpp"
#include "gateway/framer.hpp"
#include "gateway/policy.hpp"

namespace dicomsec::gateway {

struct SessionOptions {
  std::uint32_t max_pdu = 1U << 20;  // largest PDU length field relayed, either direction
  // --audit-phi ids: read the Patient ID and Study Instance UID of C-FIND/C-MOVE/C-GET
  // identifiers and C-STORE data sets from their first fragment only (never buffered: they
  // stream whatever their size, as without auditing). Off: no identifier is ever read.
  bool collect_ids = false;
};

// The --max-associations budget shared by every session of one listener set.
struct Capacity {
  std::uint64_t max = 0;  // 0: unlimited
  std::uint64_t active = 0;
  bool acquire() {
    if (max != 0 && active >= max) return false;
    ++active;
    return true;
  }
  void release() {
    if (active > 0) --active;
  }
};

enum class EndReason {
  Released,             // A-RELEASE completed on both sides
  Refused,              // we sent the A-ASSOCIATE-RJ (policy or capacity)
  UpstreamRejected,     // the upstream's A-ASSOCIATE-RJ was relayed
  UpstreamUnavailable,  // connect/TLS/answer failed: we rejected 2/2/1
  ClientAborted,        // the client's A-ABORT was relayed
  UpstreamAborted,      // the upstream's A-ABORT was relayed
  ClientProtocolError,  // the client broke PS3.8 (we aborted both)
  UpstreamProtocolError,
  ClientClosed,  // the client's transport went away mid-association
  UpstreamClosed,
  ArtimExpired,  // no (complete) A-ASSOCIATE-RQ in time
  PduTooLarge,   // a PDU header over --max-pdu
  IdleTimeout,
  Shutdown,  // the drain limit passed on SIGTERM
};
std::string_view end_reason_name(EndReason r);

namespace sev {
// The policy's verdict on the A-ASSOCIATE-RQ (refusal None: forwarded upstream).
struct Decided {
  Refusal refusal = Refusal::None;
};
// The upstream answered the forwarded RQ.
struct UpstreamAnswered {
  bool accepted = false;
  dul::AssociateRj rj{};
};
// The first C-STORE of the association (audit: Begin Transferring).
struct StoresBegin {
  bool from_client = true;
};
// A C-FIND request (audit: Query); ids only with SessionOptions::collect_ids.
struct Query {
  std::string sop_class;
  std::vector<std::string> patient_ids, study_uids;
};
struct Ended {
  EndReason reason = EndReason::Released;
  std::string detail;
};
}  // namespace sev
using SessionEvent =
    std::variant<sev::Decided, sev::UpstreamAnswered, sev::StoresBegin, sev::Query, sev::Ended>;

struct SessionOutput {
  Bytes to_client;
  Bytes to_upstream;
  // Whole, validated PDUs relayed straight from the bytes given to from_client() or
  // from_upstream(), without a copy. Each is written after its side's Bytes above, and is
  // valid only until the caller reuses the buffer it passed (the relay writes it first).
  ByteView to_client_tail;
  ByteView to_upstream_tail;
  bool connect_upstream = false;  // the RQ was admitted: open the upstream connection now
  bool close_client = false;      // after writing to_client
  bool close_upstream = false;    // after writing to_upstream
  std::vector<SessionEvent> events;

  // One side's bytes in order (the Bytes, then the tail): for tests and the fuzz target.
  [[nodiscard]] Bytes client_bytes() const;
  [[nodiscard]] Bytes upstream_bytes() const;
};

struct SessionSummary {
  std::string calling_ae, called_ae, upstream_called_ae;  // trimmed
  Refusal refusal = Refusal::None;
  std::optional<dul::AssociateRj> upstream_rj;
  bool established = false;
  std::optional<EndReason> end;
  std::string end_detail;
  std::uint64_t bytes_from_client = 0, bytes_from_upstream = 0;
  std::uint64_t pdus_from_client = 0, pdus_from_upstream = 0;
  std::uint64_t commands = 0, finds = 0, moves = 0, gets = 0, echoes = 0;
  // Instances whose C-STORE got a success or warning response, per SOP class UID.
  std::map<std::string, std::uint64_t> stored;
  std::uint64_t store_failures = 0;
  // Only with SessionOptions::collect_ids (at most 16 of each): for the audit, never logged.
  std::vector<std::string> patient_ids, study_uids;
};

class Session {
 public:
  Session(const Policy& policy, PeerIdentity peer, SessionOptions options,
          Capacity* capacity = nullptr);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  SessionOutput client_connected();  // starts waiting for the RQ (ARTIM)
  SessionOutput from_client(ByteView bytes);
  SessionOutput upstream_connected();                 // sends the (rewritten) RQ bytes
  SessionOutput upstream_failed(std::string detail);  // rejects the client 2/2/1
  SessionOutput from_upstream(ByteView bytes);
  SessionOutput client_closed();
  SessionOutput upstream_closed();
  // ARTIM (PS3.8 9.1.5): no whole RQ yet, or (while connecting) no answer from upstream.
  SessionOutput artim_expired();
  SessionOutput idle_timeout();
  SessionOutput shutdown();  // aborts both sides (drain limit reached)

  [[nodiscard]] bool done() const noexcept { return summary_.end.has_value(); }
  // Waiting for a complete A-ASSOCIATE-RQ (ARTIM applies).
  [[nodiscard]] bool awaiting_request() const noexcept { return phase_ == Phase::AwaitRq; }
  // Waiting for the upstream (connect, TLS, A-ASSOCIATE-AC/RJ).
  [[nodiscard]] bool awaiting_upstream() const noexcept {
    return phase_ == Phase::Connecting || phase_ == Phase::AwaitAnswer;
  }
  [[nodiscard]] const SessionSummary& summary() const noexcept { return summary_; }
  [[nodiscard]] const PeerIdentity& peer() const noexcept { return peer_; }
  // Bytes buffered in the session (framers + engines): the per-association memory bound.
  [[nodiscard]] std::size_t buffered_bytes() const noexcept;
  [[nodiscard]] const dul::Association& client_side() const noexcept { return client_; }
  [[nodiscard]] const dul::Association& upstream_side() const noexcept { return upstream_; }

 private:
  enum class Phase { Idle, AwaitRq, Connecting, AwaitAnswer, Relaying, Done };

  bool on_client_pdu(SessionOutput& out, ByteView pdu);
  bool on_upstream_pdu(SessionOutput& out, ByteView pdu);
  void on_request(SessionOutput& out, const dul::ind::AssociateRequested& rq);
  void refuse(SessionOutput& out, Refusal why, EndReason reason, std::string detail);
  void note_command(SessionOutput& out, bool from_client, const dul::ind::Command& c);
  // collect_ids: identifiers from the first fragment of an identifier or data set.
  void note_data(SessionOutput& out, const dul::Association& side, std::uint8_t context_id,
                 ByteView bytes, bool whole);
  // Ends the association: aborts whichever side is still associated, closes both.
  void abort_both(SessionOutput& out, EndReason reason, std::string detail);
  void abort_upstream(SessionOutput& out);
  void abort_client(SessionOutput& out);
  void finish(SessionOutput& out, EndReason reason, std::string detail);

  const Policy& policy_;
  PeerIdentity peer_;
  SessionOptions options_;
  Capacity* capacity_;
  bool slot_held_ = false;
  Phase phase_ = Phase::Idle;
  dul::Association client_;
  dul::Association upstream_;
  // Output to one side: bytes the session made (or had to keep), and the tail of PDUs
  // forwarded in place from input_ (the bytes of the from_client/from_upstream call).
  void put(Bytes& owned, ByteView& tail, ByteView bytes);
  void forward(Bytes& owned, ByteView& tail, ByteView pdu);
  ByteView input_;

  PduFramer client_framer_;
  PduFramer upstream_framer_;
  Bytes engine_view_;  // a P-DATA-TF cut to its PDV headers (pdata_headers in session.cpp)
  Bytes request_raw_;  // the RQ as received, with --rewrite-called applied
  SessionSummary summary_;
  bool stores_begun_ = false;
  bool store_first_chunk_ = false;  // the next DataChunk starts a data set whose IDs we read
  std::optional<std::string> pending_query_;  // C-FIND SOP class awaiting its identifier
  // C-STORE requests awaiting their response: (direction, message id) -> SOP class UID.
  std::map<std::pair<bool, std::uint16_t>, std::string> pending_stores_;
};

}  // namespace dicomsec::gateway
