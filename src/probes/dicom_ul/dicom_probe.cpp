#include "probes/dicom_ul/dicom_probe.hpp"

#include <chrono>
#include <optional>
#include <vector>

#include "dicom/uids.hpp"
#include "dul/pdu.hpp"
#include "net/pump.hpp"
#include "probes/dicom_ul/access_client.hpp"  // random_ae_title
#include "probes/dicom_ul/association_client.hpp"
#include "probes/dicom_ul/follow_up.hpp"
#include "probes/dicom_ul/identify.hpp"
#include "probes/tls/transport.hpp"

namespace dicomsec::probes {

namespace {

using record::Status;
using tls::ClientTls;

// The surface net::pump drives (the client is rewritten elsewhere; this must keep holding).
static_assert(net::SansIoClient<AssociationClient>);

struct Exchange {
  Status status = Status::Success;
  bool tls = false;  // the TLS handshake completed
  std::string detail;
  std::optional<std::uint64_t> connect_ms;
  std::optional<AssociationClient> client;  // set once the transport connected
  bool answered_http = false;               // the peer's first bytes began "HTTP/"

  [[nodiscard]] bool spoke_dicom() const { return client && client->spoke_dicom(); }
  // Issue 11 §2: a well-formed A-ASSOCIATE-AC/RJ fixed part was seen; a quirk later in the
  // exchange does not take that back.
  [[nodiscard]] bool dicom() const { return client && client->dicom(); }
};

std::string describe(const net::IoResult& r) { return net::error_text(r); }

// How the pump's end reads in the record when the peer had not (or had) answered.
void map_end(const net::PumpResult& p, const AssociationClient& client, bool tls, Exchange& x) {
  const auto& io = p.io;
  switch (p.end) {
    case net::PumpEnd::Done:
      break;
    case net::PumpEnd::Deadline:
      x.status = Status::IoTimeout;
      x.detail = "exchange did not finish in time";
      break;
    case net::PumpEnd::WriteFailed:
      if (p.answered) break;
      if (tls && io.error != net::IoError::Timeout) {
        x.status = Status::TlsError;
        x.detail = "TLS connection failed under our A-ASSOCIATE-RQ: " + describe(io);
      } else {
        x.status = io.error == net::IoError::Timeout ? Status::IoTimeout : Status::ProtocolError;
        x.detail = "write failed: " + describe(io);
      }
      break;
    case net::PumpEnd::ReadTimeout:
      x.status = Status::IoTimeout;
      if (p.answered)
        x.detail = "peer stopped answering mid-association";
      else if (p.partial_bytes > 0)
        x.detail = "incomplete answer to A-ASSOCIATE-RQ (" + std::to_string(p.partial_bytes) +
                   " bytes of a PDU, then silence)";
      else
        x.detail = "no answer to A-ASSOCIATE-RQ";
      break;
    case net::PumpEnd::TlsError:
    case net::PumpEnd::PeerClosed:
    case net::PumpEnd::Reset:
      if (p.answered) break;
      if (tls && p.end == net::PumpEnd::TlsError) {
        // TLS 1.3 servers judge our client certificate after the handshake: their alert
        // (certificate required, unknown CA) arrives as the answer to A-ASSOCIATE-RQ.
        x.status = Status::TlsError;
        x.detail = "TLS error instead of a DICOM answer: " + describe(io);
      } else {
        x.status = Status::ProtocolError;
        x.detail = "connection closed without a DICOM answer (" + describe(io) + ")";
      }
      break;
  }
  if (client.protocol_error()) {
    x.status = Status::ProtocolError;
    x.detail = *client.protocol_error();
  }
}

// One connection (plain or TLS) carrying one association, driven to its end or to a
// deadline. The association plan is built only after the transport connected: in a sweep
// almost every target refuses, and that path must cost no more than the connect itself.
template <class MakePlan>
asio::awaitable<Exchange> exchange(asio::any_io_executor ex, asio::ip::tcp::endpoint target,
                                   const DicomProbeOptions& o, const ClientTls* tls,
                                   MakePlan make_plan) {
  Exchange x;
  auto t =
      co_await tls::open_transport(ex, target, {o.connect_timeout, o.io_timeout, o.retries}, tls);
  x.connect_ms = t.connect_ms;
  x.tls = t.tls;
  if (!t.ok()) {
    x.status = t.status;
    x.detail = std::move(t.detail);
    co_return x;
  }
  dul::Limits limits;
  limits.max_pdu_length = std::max<std::uint32_t>(o.max_pdu_receive, 16 * 1024);
  auto& client = x.client.emplace(make_plan(), limits);
  // Each read has its own timeout, and the whole exchange a deadline of four of them, so a
  // peer that drips one byte at a time cannot hold us.
  auto p = co_await net::pump(t.conn, client, {o.io_timeout, o.io_timeout, 4 * o.io_timeout});
  x.answered_http = p.head_starts_with("HTTP/");
  map_end(p, client, tls != nullptr, x);
  t.conn->close();
  co_return x;
}

}  // namespace

namespace {

asio::awaitable<record::ScanRecord> probe(asio::any_io_executor ex, asio::ip::tcp::endpoint target,
                                          const DicomProbeOptions& o, const ClientTls* tls,
                                          std::uint64_t seed) {
  const auto started = net::Clock::now();
  record::ScanRecord rec;
  rec.port = target.port();

  auto first = co_await exchange(ex, target, o, tls, [&] {
    return AssociationPlan{o.calling_ae, o.called_ae, default_contexts(), o.max_pdu_receive, true};
  });
  rec.ip = target.address().to_string();
  rec.status = first.status;
  rec.detail = std::move(first.detail);
  rec.connect_ms = first.connect_ms;
  rec.dicom = first.dicom();
  rec.answered_http = first.answered_http;
  rec.tls = first.tls;
  if (first.client) {
    rec.association = first.client->record();
    rec.echo = first.client->echo();
  }

  const bool accepted = rec.dicom && rec.association->result == record::AssociationResult::Accepted;
  if (accepted && o.check_called_ae) {
    std::mt19937_64 rng(seed);
    record::CalledAeCheckRecord check;
    check.called_ae = random_ae_title(rng);
    // Issue 12 §5: retried with back-off while it gets no DICOM answer or a transient
    // rejection (follow_up.hpp); inconclusive, with the last reason, when no try answered.
    follow_up::Backoff backoff;
    for (;;) {
      auto second = co_await exchange(ex, target, o, tls, [&] {
        return AssociationPlan{o.calling_ae,
                               check.called_ae,
                               {{1,
                                 std::string(dicom::uid::kVerification),
                                 {std::string(dicom::uid::kImplicitVrLittleEndian)}}},
                               o.max_pdu_receive,
                               false};
      });
      check.attempts = backoff.attempts();
      const bool answered = second.dicom();
      const auto& a = answered ? second.client->record() : record::AssociationRecord{};
      const bool busy = answered && a.result == record::AssociationResult::Rejected && a.reject &&
                        a.reject->result == 2;
      if (answered && !busy) {
        check.result = a.result;
        check.reject = a.reject;
        check.state = record::CheckState::Checked;
        check.reason.clear();
        break;
      }
      check.state = record::CheckState::Inconclusive;
      check.result = answered ? a.result : record::AssociationResult::None;
      check.reject = answered ? a.reject : std::nullopt;
      check.reason =
          busy ? "rejected-transient (" +
                     std::string(dul::reject_reason_name(a.reject->source, a.reject->reason)) + ")"
               : (second.detail.empty() ? std::string("no DICOM answer") : second.detail);
      if (!co_await backoff.again(ex)) {
        check.reason = "no DICOM answer to the follow-up association after " +
                       std::to_string(check.attempts) + " tries: " + check.reason;
        break;
      }
    }
    rec.called_ae_check = check;
  }
  rec.duration_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<net::Millis>(net::Clock::now() - started).count());
  co_return rec;
}

}  // namespace

asio::awaitable<record::ScanRecord> dicom_probe(asio::any_io_executor ex,
                                                asio::ip::tcp::endpoint target,
                                                const DicomProbeOptions& o, std::uint64_t seed) {
  co_return co_await probe(std::move(ex), target, o, nullptr, seed);
}

asio::awaitable<record::ScanRecord> dicom_probe_tls(asio::any_io_executor ex,
                                                    asio::ip::tcp::endpoint target,
                                                    const DicomProbeOptions& o,
                                                    const tls::HandshakeOptions& t,
                                                    std::uint64_t seed) {
  std::string error;
  const auto setup = tls::make_client_tls(t, error);
  if (!setup) {
    record::ScanRecord rec;
    rec.ip = target.address().to_string();
    rec.port = target.port();
    rec.status = Status::TlsError;
    rec.detail = error;
    co_return rec;
  }
  auto rec = co_await probe(std::move(ex), target, o, &*setup, seed);
  identify_product(rec);
  co_return rec;
}

}  // namespace dicomsec::probes
