// The pure decisions of scan::Pipeline's per-pair plan: which probe goes first, when an
// unknown talker is asked in TLS, SNI from the names map, and the access probe's options.
#include "scan/pipeline.hpp"

#include <gtest/gtest.h>

#include "scan/ports.hpp"

namespace dicomsec::scan {
namespace {

PipelineConfig web_config() {
  PipelineConfig c;
  c.level = Level::Auth;
  c.plan.web_enabled = true;
  c.plan.web_ports = {80, 8042};
  return c;
}

record::ScanRecord open_record(std::uint16_t port) {
  record::ScanRecord r;
  r.ip = "127.0.0.1";
  r.port = port;
  r.status = record::Status::Success;
  return r;
}

TEST(PipelineFirstProbe, Port2762GetsTheAuditUnlessItIsOff) {
  PipelineConfig c;
  EXPECT_EQ(first_probe(c, kDicomTlsPort), FirstProbe::TlsAudit);
  EXPECT_EQ(first_probe(c, 104), FirstProbe::Dicom);
  c.tls_audit = TlsAuditMode::Off;
  EXPECT_EQ(first_probe(c, kDicomTlsPort), FirstProbe::Dicom);
}

TEST(PipelineFirstProbe, ForcedAuditWinsOnEveryPortEvenAWebPort) {
  auto c = web_config();
  c.tls_audit = TlsAuditMode::Forced;
  for (std::uint16_t p : {104, 80, 8042, 2762, 11112})
    EXPECT_EQ(first_probe(c, p), FirstProbe::TlsAudit) << p;
}

TEST(PipelineFirstProbe, WebPortsGoToTheWebProbeOnlyWhenWebIsEnabled) {
  auto c = web_config();
  EXPECT_EQ(first_probe(c, 8042), FirstProbe::Web);
  EXPECT_EQ(first_probe(c, 80), FirstProbe::Web);
  EXPECT_EQ(first_probe(c, 4242), FirstProbe::Dicom);
  c.plan.web_enabled = false;  // level safe
  EXPECT_EQ(first_probe(c, 8042), FirstProbe::Dicom);
}

TEST(PipelineSniff, OnlyAnOpenUnknownTalkerThatAnsweredIsAskedInTls) {
  PipelineConfig c;
  auto r = open_record(5000);
  EXPECT_TRUE(should_sniff_tls(c, r));
  auto dicom = r;
  dicom.dicom = true;
  EXPECT_FALSE(should_sniff_tls(c, dicom));
  auto http = r;
  http.answered_http = true;
  EXPECT_FALSE(should_sniff_tls(c, http));
  auto web = r;
  web.web.emplace();
  EXPECT_FALSE(should_sniff_tls(c, web));
  auto tarpit = r;
  tarpit.status = record::Status::IoTimeout;
  EXPECT_FALSE(should_sniff_tls(c, tarpit)) << "a silent peer is not asked again";
  auto closed = r;
  closed.status = record::Status::ConnectionRefused;
  EXPECT_FALSE(should_sniff_tls(c, closed));
  auto tls_port = open_record(kDicomTlsPort);
  EXPECT_FALSE(should_sniff_tls(c, tls_port)) << "2762 had its audit already";
  auto protocol_error = r;
  protocol_error.status = record::Status::ProtocolError;
  EXPECT_TRUE(should_sniff_tls(c, protocol_error));
}

TEST(PipelineSniff, NeverWhenTheAuditIsOffOrAlreadyForced) {
  PipelineConfig c;
  c.tls_audit = TlsAuditMode::Off;
  EXPECT_FALSE(should_sniff_tls(c, open_record(5000)));
  c.tls_audit = TlsAuditMode::Forced;
  EXPECT_FALSE(should_sniff_tls(c, open_record(5000)));
}

TEST(PipelineAuditOptions, TheHostnameAnAddressCameFromIsTheSni) {
  PipelineConfig c;
  c.tls.handshake.ca_file = "ca.pem";
  const auto named = *Address::parse("127.0.0.2");
  const auto bare = *Address::parse("127.0.0.3");
  c.names.emplace(named, "pacs.example.org");
  const auto a = audit_options(c, named);
  EXPECT_EQ(a.enumerate.sni, "pacs.example.org");
  EXPECT_EQ(a.handshake.sni, "pacs.example.org");
  EXPECT_EQ(a.handshake.ca_file, "ca.pem");
  const auto b = audit_options(c, bare);
  EXPECT_EQ(b.enumerate.sni, "");
  EXPECT_EQ(b.handshake.sni, "");
}

TEST(PipelineAccessOptions, CarryTheConfiguredChecks) {
  PipelineConfig c;
  c.access.calling_ae = "MYSCU";
  c.access.find_cap = 7;
  c.access.intrusive = true;
  const auto a = access_options(c, open_record(104));
  EXPECT_EQ(a.calling_ae, "MYSCU");
  EXPECT_EQ(a.find_cap, 7U);
  EXPECT_TRUE(a.intrusive);
}

TEST(PipelineAccessOptions, CarryTheAuditsClientSetupForTls) {
  PipelineConfig c;
  c.tls.handshake.ca_file = "ca.pem";
  c.tls.handshake.cert_file = "client.pem";
  c.tls.handshake.key_file = "client.key";
  auto r = open_record(2762);
  r.tls = true;
  r.hostname = "pacs.example.org";
  const auto a = access_options(c, r);
  EXPECT_EQ(a.tls.ca_file, "ca.pem");
  EXPECT_EQ(a.tls.cert_file, "client.pem");
  EXPECT_EQ(a.tls.key_file, "client.key");
  EXPECT_EQ(a.tls.sni, "pacs.example.org");
}

}  // namespace
}  // namespace dicomsec::scan
