#include "probes/dicom_ul/dicom_probe.hpp"

#include <array>
#include <chrono>

#include "dicom/uids.hpp"
#include "probes/dicom_ul/association_client.hpp"

namespace dicomsec::probes {

namespace {

using scan::Status;

struct Exchange {
  Status status = Status::Success;
  std::string detail;
  AssociationClient client;
};

Status connect_status(net::IoError e) {
  switch (e) {
    case net::IoError::Refused: return Status::ConnectionRefused;
    case net::IoError::Timeout: return Status::ConnectionTimeout;
    case net::IoError::Unreachable: return Status::Unreachable;
    default: return Status::ConnectionRefused;
  }
}

std::string describe(const net::IoResult& r) { return r.code.message(); }

// One TCP connection carrying one association, driven to its end or to a deadline.
asio::awaitable<Exchange> exchange(asio::any_io_executor ex, asio::ip::tcp::endpoint target,
                                   const DicomProbeOptions& o, AssociationPlan plan) {
  dul::Limits limits;
  limits.max_pdu_length = std::max<std::uint32_t>(o.max_pdu_receive, 16 * 1024);
  Exchange x{Status::Success, {}, AssociationClient(std::move(plan), limits)};

  auto conn = net::Connection::make(ex);
  net::IoResult c;
  for (unsigned attempt = 0; attempt <= o.retries; ++attempt) {
    if (attempt > 0) conn = net::Connection::make(ex);
    c = co_await conn->connect(target, o.connect_timeout);
    if (c.error != net::IoError::Timeout) break;
  }
  if (!c.ok()) {
    x.status = connect_status(c.error);
    x.detail = describe(c);
    co_return x;
  }

  auto out = x.client.start();
  std::array<std::uint8_t, 16 * 1024> buf{};
  // The whole exchange has one deadline per read; a peer that drips bytes is still bounded
  // by the total: at most 4 reads' worth of io_timeout.
  const auto deadline = net::Clock::now() + 4 * o.io_timeout;
  while (true) {
    if (!out.empty()) {
      auto w = co_await conn->write_all(out, o.io_timeout);
      out.clear();
      if (!w.ok()) {
        x.client.on_closed();
        if (!x.client.spoke_dicom()) {
          x.status = w.error == net::IoError::Timeout ? Status::IoTimeout : Status::ProtocolError;
          x.detail = "write failed: " + describe(w);
        }
        break;
      }
    }
    if (x.client.done()) break;
    const auto now = net::Clock::now();
    if (now >= deadline) {
      x.status = Status::IoTimeout;
      x.detail = "exchange did not finish in time";
      break;
    }
    const auto left = std::chrono::duration_cast<net::Millis>(deadline - now);
    auto r = co_await conn->read_some(buf, std::min(o.io_timeout, left));
    if (!r.ok()) {
      const bool answered = x.client.spoke_dicom();
      x.client.on_closed();
      if (r.error == net::IoError::Timeout) {
        x.status = Status::IoTimeout;
        x.detail = answered ? "peer stopped answering mid-association" : "no answer to A-ASSOCIATE-RQ";
      } else if (!answered) {
        x.status = Status::ProtocolError;
        x.detail = "connection closed without a DICOM answer (" + describe(r) + ")";
      }
      break;
    }
    out = x.client.on_bytes(std::span(buf.data(), r.bytes));
  }
  if (x.client.protocol_error()) {
    x.status = Status::ProtocolError;
    x.detail = *x.client.protocol_error();
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

asio::awaitable<scan::ScanRecord> dicom_probe(asio::any_io_executor ex,
                                              asio::ip::tcp::endpoint target,
                                              const DicomProbeOptions& o, std::uint64_t seed) {
  const auto started = net::Clock::now();
  scan::ScanRecord rec;
  rec.ip = target.address().to_string();
  rec.port = target.port();

  AssociationPlan plan{o.calling_ae, o.called_ae, default_contexts(), o.max_pdu_receive, true};
  auto first = co_await exchange(ex, target, o, std::move(plan));
  rec.status = first.status;
  rec.detail = first.detail;
  rec.dicom = first.client.spoke_dicom() && !first.client.protocol_error();
  if (first.client.spoke_dicom()) rec.association = first.client.record();
  rec.echo = first.client.echo();

  const bool accepted = rec.dicom && rec.association &&
                        rec.association->result == scan::AssociationResult::Accepted;
  if (accepted && o.check_called_ae) {
    std::mt19937_64 rng(seed);
    AssociationPlan probe{o.calling_ae, random_ae_title(rng),
                          {{1, std::string(dicom::uid::kVerification),
                            {std::string(dicom::uid::kImplicitVrLittleEndian)}}},
                          o.max_pdu_receive, false};
    auto second = co_await exchange(ex, target, o, std::move(probe));
    scan::CalledAeCheckRecord check;
    check.called_ae = second.client.record().called_ae;
    if (second.client.spoke_dicom() && !second.client.protocol_error()) {
      check.result = second.client.record().result;
      check.reject = second.client.record().reject;
    }
    rec.called_ae_check = check;
  }
  rec.duration_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<net::Millis>(net::Clock::now() - started).count());
  co_return rec;
}

}  // namespace dicomsec::probes
