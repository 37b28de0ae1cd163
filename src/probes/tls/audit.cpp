#include "probes/tls/audit.hpp"

#include <ctime>

#include "probes/tls/cert_info.hpp"

namespace dicomsec::probes::tls {

asio::awaitable<record::ScanRecord> tls_audit_probe(asio::any_io_executor ex,
                                                    asio::ip::tcp::endpoint target,
                                                    const AuditOptions& o, std::uint64_t seed) {
  const auto started = net::Clock::now();
  record::ScanRecord rec;
  rec.ip = target.address().to_string();
  rec.port = target.port();

  auto eo = o.enumerate;
  eo.seed = seed;
  auto en = co_await enumerate_tls(ex, target, eo);
  rec.status = en.status;
  rec.detail = en.detail;
  rec.tls = en.planner.any_tls;
  if (!rec.tls) {
    rec.duration_ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<net::Millis>(net::Clock::now() - started).count());
    co_return rec;
  }
  auto& audit = rec.tls_audit.emplace();
  fill_audit(en, audit);

  // The certificate and the client-certificate policy, from OpenSSL.
  auto hs = co_await openssl_handshake(ex, target, o.handshake);
  const bool requested_raw = audit.client_cert_requested;
  fill_audit(hs, audit);
  // A CertificateRequest seen in any raw TLS <= 1.2 flight counts too.
  audit.client_cert_requested = audit.client_cert_requested || requested_raw;
  // The profiles again, now that the OpenSSL handshake (it offers TLS 1.3 and 1.2 together)
  // shows which version the server prefers (PS3.15 B.12, B.13).
  if (o.handshake.max_version.empty() || o.handshake.max_version == "TLSv1.3")
    refine_profiles(en, tlsinspect::version_from_name(hs.version), audit);
  if (audit.chain.empty() && !en.planner.certificates.empty()) {
    // OpenSSL could not talk to it (e.g. SSLv3 or suites it no longer has): the raw
    // flight still carried the chain.
    const auto now = std::time(nullptr);
    for (const auto& der : en.planner.certificates)
      if (auto c = cert_from_der(der, now)) audit.chain.push_back(std::move(*c));
  }

  if (o.dicom_inside && (hs.completed || !hs.client_cert_required)) {
    auto d =
        co_await dicom_probe_tls(ex, target, o.dicom, o.handshake, seed ^ 0x5A5A5A5A5A5A5A5AULL);
    rec.dicom = d.dicom;
    rec.association = std::move(d.association);
    rec.echo = d.echo;
    rec.product = std::move(d.product);
    rec.called_ae_check = std::move(d.called_ae_check);
    audit.handshakes += d.called_ae_check ? 2 : 1;
  }

  for (auto port : o.plaintext_ports) {
    if (port == target.port()) continue;
    auto plain_opts = o.dicom;
    plain_opts.check_called_ae = false;
    auto p = co_await dicom_probe(ex, asio::ip::tcp::endpoint(target.address(), port), plain_opts,
                                  seed + port);
    if (p.dicom && p.association && p.association->result == record::AssociationResult::Accepted) {
      audit.plaintext_port = port;
      break;
    }
  }
  rec.duration_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<net::Millis>(net::Clock::now() - started).count());
  co_return rec;
}

}  // namespace dicomsec::probes::tls
