#include "probes/dicom_ul/dicom_probe.hpp"

#include <optional>
#include <vector>
#include <chrono>

#include "dicom/uids.hpp"
#include "probes/dicom_ul/association_client.hpp"
#include "probes/dicom_ul/identify.hpp"
#include "probes/tls/cert_info.hpp"
#include "probes/tls/context.hpp"
#include "probes/tls/observer.hpp"

namespace dicomsec::probes {

namespace {

using record::Status;

// DICOM inside TLS: the context every connection of one probe shares, and the server name.
struct TlsSetup {
  std::shared_ptr<asio::ssl::context> context;
  std::string sni;
  bool client_cert = false;  // the context presents one
};

struct Exchange {
  Status status = Status::Success;
  bool tls = false;  // the TLS handshake completed
  std::string detail;
  std::optional<std::uint64_t> connect_ms;
  std::optional<AssociationClient> client;  // set once the transport connected
  bool answered_http = false;               // the peer's first bytes began "HTTP/"

  [[nodiscard]] bool spoke_dicom() const { return client && client->spoke_dicom(); }
  [[nodiscard]] bool clean_dicom() const { return spoke_dicom() && !client->protocol_error(); }
};

Status connect_status(net::IoError e) {
  switch (e) {
    case net::IoError::Refused: return Status::ConnectionRefused;
    case net::IoError::Timeout: return Status::ConnectionTimeout;
    case net::IoError::Unreachable: return Status::Unreachable;
    case net::IoError::Local: return Status::LocalError;
    default: return Status::ConnectionRefused;
  }
}

std::string describe(const net::IoResult& r) { return net::error_text(r); }

// One TCP connection carrying one association, driven to its end or to a deadline. The
// association plan is built only after the transport connected: in a sweep almost every
// target refuses, and that path must cost no more than the connect itself.
template <class MakePlan>
asio::awaitable<Exchange> exchange(asio::any_io_executor ex, asio::ip::tcp::endpoint target,
                                   const DicomProbeOptions& o, const TlsSetup* tls,
                                   MakePlan make_plan) {
  Exchange x;
  auto conn = net::Connection::make(ex);
  net::IoResult c;
  const auto t0 = net::Clock::now();
  for (unsigned attempt = 0; attempt <= o.retries; ++attempt) {
    if (attempt > 0) conn = net::Connection::make(ex);
    c = co_await conn->connect(target, o.connect_timeout);
    if (c.error != net::IoError::Timeout) break;
  }
  x.connect_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<net::Millis>(net::Clock::now() - t0).count());
  if (!c.ok()) {
    x.status = connect_status(c.error);
    x.detail = describe(c);
    co_return x;
  }
  // DICOM inside TLS. A TLS 1.3 server that asked for our certificate judges it after the
  // handshake: we wait for that verdict first, so that a refusal reads as its alert rather
  // than as a reset under our A-ASSOCIATE-RQ.
  tls::Observed ob;
  struct Unhook {
    std::shared_ptr<net::Connection> c;
    ~Unhook() { tls::unobserve(c->tls_handle()); }
  } unhook{conn};
  if (tls) {
    const auto t0 = net::Clock::now();
    auto h = co_await conn->start_tls(tls->context, o.io_timeout, [&](ssl_st* ssl) {
      tls::observe(ssl, &ob, false);
      tls::configure_client(ssl, tls->sni);
    });
    const auto took = std::chrono::duration_cast<net::Millis>(net::Clock::now() - t0);
    if (h.ok() && tls::verdict_pending(conn->tls_handle(), ob))
      co_await tls::await_verdict(conn, ob, tls::verdict_window(took, o.io_timeout));
    if (!h.ok() || ob.alert_after) {
      x.status = h.error == net::IoError::Timeout ? Status::IoTimeout : Status::TlsError;
      if (ob.alert)
        x.detail = "TLS handshake failed: alert \"" + tls::alert_name(*ob.alert) + "\"";
      else
        x.detail = "TLS handshake failed: " + describe(h);
      if (ob.cert_requested && !tls->client_cert)
        x.detail += " (the server asked for a client certificate; none was given)";
      conn->close();
      co_return x;
    }
    x.tls = true;
  }

  dul::Limits limits;
  limits.max_pdu_length = std::max<std::uint32_t>(o.max_pdu_receive, 16 * 1024);
  auto& client = x.client.emplace(make_plan(), limits);
  auto out = client.start();
  std::vector<std::uint8_t> buf(16 * 1024);
  // Each read has its own timeout, and the whole exchange a deadline of four of them, so a
  // peer that drips one byte at a time cannot hold us.
  const auto deadline = net::Clock::now() + 4 * o.io_timeout;
  bool read_any = false;
  while (true) {
    if (!out.empty()) {
      auto w = co_await conn->write_all(out, o.io_timeout);
      out.clear();
      if (!w.ok()) {
        const bool answered = client.spoke_dicom();
        client.on_closed();
        if (!answered && tls && w.error != net::IoError::Timeout) {
          x.status = Status::TlsError;
          x.detail = "TLS connection failed under our A-ASSOCIATE-RQ: " + describe(w);
        } else if (!answered) {
          x.status = w.error == net::IoError::Timeout ? Status::IoTimeout : Status::ProtocolError;
          x.detail = "write failed: " + describe(w);
        }
        break;
      }
    }
    if (client.done()) break;
    const auto now = net::Clock::now();
    if (now >= deadline) {
      x.status = Status::IoTimeout;
      x.detail = "exchange did not finish in time";
      break;
    }
    const auto left = std::chrono::duration_cast<net::Millis>(deadline - now);
    auto r = co_await conn->read_some(buf, std::min(o.io_timeout, left));
    if (!r.ok()) {
      const bool answered = client.spoke_dicom();
      client.on_closed();
      if (r.error == net::IoError::Timeout) {
        x.status = Status::IoTimeout;
        if (answered) x.detail = "peer stopped answering mid-association";
        else if (client.partial_bytes() > 0)
          x.detail = "incomplete answer to A-ASSOCIATE-RQ (" + std::to_string(client.partial_bytes()) +
                     " bytes of a PDU, then silence)";
        else x.detail = "no answer to A-ASSOCIATE-RQ";
      } else if (!answered && tls && net::is_tls_error(r)) {
        // TLS 1.3 servers judge our client certificate after the handshake: their alert
        // (certificate required, unknown CA) arrives as the answer to A-ASSOCIATE-RQ.
        x.status = Status::TlsError;
        x.detail = "TLS error instead of a DICOM answer: " + describe(r);
      } else if (!answered) {
        x.status = Status::ProtocolError;
        x.detail = "connection closed without a DICOM answer (" + describe(r) + ")";
      }
      break;
    }
    if (!read_any) x.answered_http = std::string_view(reinterpret_cast<const char*>(buf.data()), r.bytes).starts_with("HTTP/");
    read_any = true;
    out = client.on_bytes(std::span(buf.data(), r.bytes));
  }
  if (client.protocol_error()) {
    x.status = Status::ProtocolError;
    x.detail = *client.protocol_error();
    if (!out.empty()) co_await conn->write_all(out, o.io_timeout);  // our A-ABORT
  }
  conn->close();
  co_return x;
}

}  // namespace

std::string random_ae_title(std::mt19937_64& rng) {
  std::string ae = "DS";
  std::uniform_int_distribution<int> letter(0, 25);
  while (ae.size() < 16) ae.push_back(static_cast<char>('A' + letter(rng)));
  return ae;
}

namespace {

asio::awaitable<record::ScanRecord> probe(asio::any_io_executor ex, asio::ip::tcp::endpoint target,
                                        const DicomProbeOptions& o, const TlsSetup* tls,
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
  rec.dicom = first.clean_dicom();
  rec.answered_http = first.answered_http;
  rec.tls = first.tls;
  if (first.client) {
    rec.association = first.client->record();
    rec.echo = first.client->echo();
  }

  const bool accepted = rec.dicom && rec.association->result == record::AssociationResult::Accepted;
  if (accepted && o.check_called_ae) {
    std::mt19937_64 rng(seed);
    const auto called = random_ae_title(rng);
    auto second = co_await exchange(ex, target, o, tls, [&] {
      return AssociationPlan{o.calling_ae, called,
                             {{1, std::string(dicom::uid::kVerification),
                               {std::string(dicom::uid::kImplicitVrLittleEndian)}}},
                             o.max_pdu_receive, false};
    });
    record::CalledAeCheckRecord check;
    check.called_ae = called;
    if (second.clean_dicom()) {
      check.result = second.client->record().result;
      check.reject = second.client->record().reject;
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
  TlsSetup setup{tls::make_client_context(t, true, error), t.sni, !t.cert_file.empty()};
  if (!setup.context) {
    record::ScanRecord rec;
    rec.ip = target.address().to_string();
    rec.port = target.port();
    rec.status = Status::TlsError;
    rec.detail = error;
    co_return rec;
  }
  auto rec = co_await probe(std::move(ex), target, o, &setup, seed);
  identify_product(rec);
  co_return rec;
}

}  // namespace dicomsec::probes
