// The requestor side of one DICOM association, sans-IO: the caller sends what start() and
// on_bytes() return and feeds whatever the peer sends. It proposes the plan's contexts,
// records what the peer answers, runs one C-ECHO when Verification was accepted, and
// releases the association properly (PS3.8 7.2) — the honest scanner's manners.
//
// The protocol is dul::Association's (requestor role): it decodes, checks every PDU against
// PS3.8 Table 9-10, chooses the actions (AA-8 on a protocol error, the release collision)
// and assembles DIMSE messages. The clients here are only policies: what to ask, when to
// stop, and what the answers mean.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "dul/association.hpp"
#include "dul/dimse.hpp"
#include "dul/pdu.hpp"
#include "record/record.hpp"

namespace dicomsec::probes {

struct AssociationPlan {
  std::string calling_ae;
  std::string called_ae;
  std::vector<dul::PresentationContextRq> contexts;
  std::uint32_t max_pdu_receive = 64 * 1024;  // what we announce we accept
  bool echo = true;                           // C-ECHO when Verification is accepted
};

// The ~30 contexts of the safe probe: Verification, Q/R and the common storage classes,
// each with implicit and explicit VR little endian.
std::vector<dul::PresentationContextRq> default_contexts();
dul::AssociateRq make_associate_rq(const AssociationPlan& plan);

// What one association showed, in the protocol's terms: the clients' own result, which
// to_record() maps into the scan record.
struct AssociationSummary {
  enum class Answer { None, Accepted, Rejected, Aborted };
  Answer answer = Answer::None;
  std::string calling_ae, called_ae;
  std::optional<dul::AssociateRj> reject;
  std::optional<dul::Abort> peer_abort;  // the peer's A-ABORT PDU
  std::optional<std::uint32_t> max_pdu;
  std::optional<std::string> implementation_class_uid, implementation_version_name;
  struct Context {
    std::string abstract_syntax, transfer_syntax;
  };
  std::vector<Context> accepted;         // in the order of the A-ASSOCIATE-AC
  bool released = false;                 // A-RELEASE-RP received for our A-RELEASE-RQ
  std::vector<std::string> conformance;  // deviations tolerated (dul::Association)
};

// The one mapping from a client's association result to the scan record.
record::AssociationRecord to_record(const AssociationSummary& summary);

// What both clients share: a dul::Association in the requestor role, fed one PDU at a time
// (Association::receive_one: the engine's decoder frames them, so the reaction to each PDU is in
// the engine's state before the next one is judged), and the summary of what the peer answered.
// Indications about the association itself (AC, RJ, A-ABORT, release, protocol errors) are handled
// here; the client's policy sees every indication after that and returns the bytes of its reaction.
class Requestor {
 public:
  using Policy = std::function<Bytes(const dul::Indication&)>;
  // Called when a command announcing a data set is complete: deliver it whole?
  using BufferDataSet = std::function<bool(std::uint8_t, const dimse::Command&)>;

  Requestor(dul::AssociateRq rq, dul::Limits limits, BufferDataSet buffer = {},
            std::size_t max_data_set = 256U << 10);

  Bytes start();
  Bytes receive(ByteView data, const Policy& policy);
  // The transport closed; true when the association had not ended by then.
  bool closed();

  // Local requests; each returns the bytes to send. A request the engine refuses ends the
  // exchange with a protocol error naming it (it cannot happen on the clients' paths).
  Bytes send(std::uint8_t context, const dimse::Command& command, const Bytes* data_set);
  Bytes release();
  // Ends the exchange with an A-ABORT (nothing is sent to a peer that never spoke DICOM).
  Bytes abort();
  // Records a protocol error found by the policy and aborts.
  Bytes fail(std::string why);

  [[nodiscard]] bool started() const { return started_; }
  [[nodiscard]] bool done() const { return done_; }
  [[nodiscard]] bool releasing() const { return release_sent_; }
  [[nodiscard]] bool spoke_dicom() const { return spoke_; }
  [[nodiscard]] bool dicom() const { return dicom_; }
  [[nodiscard]] std::size_t partial_bytes() const { return engine_.buffered_bytes(); }
  [[nodiscard]] const std::optional<std::string>& protocol_error() const { return error_; }
  [[nodiscard]] const AssociationSummary& summary() const { return summary_; }
  [[nodiscard]] const dul::Association& engine() const { return engine_; }
  // The context's transfer syntax when the peer accepted it.
  [[nodiscard]] std::optional<std::string> accepted_transfer(std::uint8_t context) const;

 private:
  Bytes take(dul::Output&& out, const Policy* policy);
  Bytes local(Result<dul::Output>&& r, std::string_view what);
  void on_accept(const dul::AssociateAc& ac);
  void notice_first_bytes(ByteView data);

  dul::Association engine_;
  AssociationSummary summary_;
  dul::AssociateRq rq_;
  std::optional<std::string> error_;
  bool started_ = false;
  bool done_ = false;
  bool release_sent_ = false;
  bool spoke_ = false;
  bool dicom_ = false;
  Bytes first_bytes_;  // the peer's first 74 bytes: the AC/RJ fixed part
};

class AssociationClient {
 public:
  explicit AssociationClient(AssociationPlan plan, dul::Limits limits = {});

  // Bytes of the A-ASSOCIATE-RQ; call once, after the transport connected.
  Bytes start();
  // Feeds bytes from the peer; returns what to send now (possibly nothing).
  Bytes on_bytes(ByteView data);
  // The peer closed the connection (or it broke); finishes the exchange.
  void on_closed();

  [[nodiscard]] bool done() const { return session_.done(); }
  // True once the peer sent at least one well-formed PDU.
  [[nodiscard]] bool spoke_dicom() const { return session_.spoke_dicom(); }
  // True once a well-formed A-ASSOCIATE-AC/RJ fixed part was seen (the record's `dicom`),
  // whatever went wrong after it.
  [[nodiscard]] bool dicom() const { return session_.dicom(); }
  // Bytes the peer sent that do not yet form a whole PDU.
  [[nodiscard]] std::size_t partial_bytes() const { return session_.partial_bytes(); }
  [[nodiscard]] const std::optional<std::string>& protocol_error() const {
    return session_.protocol_error();
  }
  [[nodiscard]] const AssociationSummary& summary() const { return session_.summary(); }
  [[nodiscard]] record::AssociationRecord record() const { return to_record(summary()); }
  [[nodiscard]] const std::optional<record::EchoRecord>& echo() const { return echo_; }
  [[nodiscard]] dul::State state() const { return session_.engine().state(); }
  // The peer closed or aborted before the exchange finished.
  [[nodiscard]] bool cut_short() const { return cut_short_; }

 private:
  Bytes on_indication(const dul::Indication& ind);

  AssociationPlan plan_;
  Requestor session_;
  std::optional<record::EchoRecord> echo_;
  bool cut_short_ = false;
  bool echo_sent_ = false;
};

}  // namespace dicomsec::probes
