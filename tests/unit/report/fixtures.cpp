#include "fixtures.hpp"

#include <sstream>

#include "report/json.hpp"

namespace dicomsec::report::testing {

namespace {

using namespace dicomsec::record;

FindingRef finding(std::string id, std::string severity, std::string evidence) {
  return {std::move(id), std::move(severity), std::move(evidence)};
}

AssociationRecord accepted(std::string impl_uid, std::string impl_version) {
  AssociationRecord a;
  a.result = AssociationResult::Accepted;
  a.calling_ae = "DICOMSEC";
  a.called_ae = "ANY-SCP";
  a.max_pdu = 16384;
  a.implementation_class_uid = std::move(impl_uid);
  a.implementation_version_name = std::move(impl_version);
  a.accepted_contexts = {{"1.2.840.10008.1.1", "1.2.840.10008.1.2"},
                         {"1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.1.2.1"}};
  a.released = true;
  return a;
}

ScanRecord dcmtk_cleartext() {
  ScanRecord r;
  r.ip = "192.0.2.10";
  r.port = 11112;
  r.hostname = "pacs-main.example";
  r.dicom = true;
  r.association = accepted("1.2.276.0.7230010.3.0.3.6.2", "OFFIS_DCMTK_362");
  r.product = ProductRecord{"DCMTK", "3.6.2", "DCMTK", "high", "implementation-uid", "OFFIS", "storescp"};
  r.echo = EchoRecord{0};
  r.called_ae_check = CalledAeCheckRecord{"QZX81JD0", AssociationResult::Accepted, std::nullopt, CheckState::Checked, "", 1};
  r.honeypot = HoneypotRecord{false, "none", {}};
  r.findings = {finding("DICOM-EXPOSED", "info", "DCMTK 3.6.2 answered A-ASSOCIATE-AC"),
                finding("DICOM-NO-TLS", "high", "association accepted without TLS"),
                finding("DICOM-ANY-CALLED-AE", "medium", "accepted random called AE QZX81JD0"),
                finding("DICOM-ANY-CALLING-AE", "high", "accepted calling AE DICOMSEC"),
                finding("DICOM-OUTDATED", "medium", "DCMTK 3.6.2 (2017) predates CVE-2022-2119 fixes")};
  r.duration_ms = 12;
  return r;
}

ScanRecord tls_service() {
  ScanRecord r;
  r.ip = "192.0.2.11";
  r.port = 2762;
  r.dicom = true;
  r.tls = true;
  r.association = accepted("1.2.826.0.1.3680043.2.1396.999", "dcm4che-5.31.0");
  r.association->called_ae = "DCM4CHEE";
  r.product = ProductRecord{"dcm4chee-arc", "5.31.0", "dcm4che", "medium", "implementation-version",
                            std::nullopt, std::nullopt};
  r.echo = EchoRecord{0};
  r.called_ae_check = CalledAeCheckRecord{"R4ND0MAE", AssociationResult::Rejected, RejectRecord{1, 1, 7}, CheckState::Checked, "", 1};
  r.honeypot = HoneypotRecord{
      false, "low", {"go-netdicom-max-pdu: maximum PDU length 4194304, go-netdicom's default"}};
  TlsAuditRecord t;
  t.versions = {"TLSv1.0", "TLSv1.2"};
  t.ciphers = {{"TLSv1.0", {"TLS_RSA_WITH_AES_128_CBC_SHA"}},
               {"TLSv1.2", {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"}}};
  t.server_preference = true;
  t.groups = {"x25519", "secp256r1"};
  TlsCertRecord cert;
  cert.subject = "CN=pacs.example,O=Radiology \"North\", Inc.";
  cert.issuer = cert.subject;
  cert.sans = {"DNS:pacs.example", "IP:192.0.2.11"};
  cert.not_before = "2023-01-01T00:00:00Z";
  cert.not_after = "2025-01-01T00:00:00Z";
  cert.key_type = "RSA";
  cert.key_bits = 1024;
  cert.sig_alg = "sha1WithRSAEncryption";
  cert.sha256 = "3f2a7c9e0b1d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccdde";
  cert.self_signed = true;
  cert.expired = true;
  t.chain = {cert};
  t.trusted = false;
  t.verify_error = "self-signed certificate";
  t.plaintext_port = 104;
  t.profiles = {{"bcp195", "BCP195 TLS Secure Transport Connection Profile (PS3.15 B.9)", false,
                 "fail", {"B.9: SSLv3 accepted"}},
                {"bcp195-rfc8996",
                 "BCP 195 RFC 8996, 9325 TLS Secure Transport Connection Profile (PS3.15 B.12)",
                 false,
                 "not-determinable",
                 {"not determinable: B.12: no handshake offered TLSv1.3 and TLSv1.2 together"}},
                {"aes", "AES TLS Secure Transport Connection Profile (PS3.15 B.3)", true, "pass", {}}};
  t.handshakes = 23;
  r.tls_audit = t;
  r.findings = {finding("DICOM-EXPOSED", "info", "dcm4chee-arc 5.31.0 answered over TLS"),
                finding("TLS-WEAK-PROTOCOL", "high", "TLSv1.0 accepted"),
                finding("TLS-WEAK-CIPHER", "medium", "TLS_RSA_WITH_3DES_EDE_CBC_SHA accepted"),
                finding("TLS-CERT-EXPIRED", "high", "not after 2025-01-01T00:00:00Z"),
                finding("TLS-CERT-SELF-SIGNED", "medium", "issuer equals subject"),
                finding("TLS-CERT-WEAK-KEY", "high", "RSA 1024 bits"),
                finding("TLS-NO-CLIENT-AUTH", "low", "no CertificateRequest"),
                finding("TLS-PLAINTEXT-ALSO", "high", "cleartext DICOM on port 104")};
  r.duration_ms = 840;
  return r;
}

ScanRecord open_archive() {
  ScanRecord r;
  r.ip = "192.0.2.12";
  r.port = 104;
  r.dicom = true;
  r.association = accepted("1.2.276.0.7230010.3.0.3.6.4", "ORTHANC_1_9_7");
  r.association->conformance = {"A-ASSOCIATE-AC: 1 trailing byte in user-information sub-item 0x55"};
  r.product = ProductRecord{"Orthanc", "1.9.7", "DCMTK", "high", "behaviour", "Orthanc project", "Orthanc"};
  r.echo = EchoRecord{0};
  r.called_ae_check = CalledAeCheckRecord{"XK2P0Q", AssociationResult::Accepted, std::nullopt, CheckState::Checked, "", 1};
  AccessRecord a;
  a.find = {Permission::Allowed, 12, 30, false, 0, "C-FIND PATIENT level: 12 pending responses",
            FindAnswerShape{12, {"PATIENT"}, 0, {}, 0, false, false, false},
            FindAnswerShape{30, {"STUDY"}, 0, {"(0008,0020)"}, 1, false, false, false}};
  a.move = {Permission::Denied, 0xA801, "C-MOVE to DICOMSEC: move destination unknown"};
  a.get = {Permission::Allowed, 0, "C-GET: 1 sub-operation completed"};
  a.store = {Permission::Allowed, 0, "C-STORE of a synthetic Secondary Capture accepted"};
  a.discovered_called_ae = "ORTHANC";
  a.store_cleanup = {"Delete SOP Instance 2.25.1234 (dicomsec test object) via the Orthanc UI"};
  a.called_ae = "ORTHANC";
  a.called_ae_tried = {"ORTHANC"};
  a.association = AssociationResult::Accepted;
  a.associations = 2;
  r.access = a;
  r.findings = {finding("DICOM-EXPOSED", "info", "Orthanc 1.9.7 answered A-ASSOCIATE-AC"),
                finding("DICOM-NO-TLS", "high", "association accepted without TLS"),
                finding("DICOM-FIND-OPEN", "critical", "12 patients, 30 studies matched"),
                finding("DICOM-GET-OPEN", "critical", "C-GET retrieval completed"),
                finding("DICOM-STORE-OPEN", "high", "C-STORE accepted")};
  r.duration_ms = 231;
  return r;
}

ScanRecord web_api() {
  ScanRecord r;
  r.ip = "192.0.2.13";
  r.port = 8080;
  WebRecord w;
  w.server = "Orthanc/1.9.7";
  w.product = "Orthanc 1.9.7";
  w.open = true;
  w.default_credentials_user = "orthanc";
  w.endpoints = {{"/dicom-web/studies?limit=1", 200, "none", 1},
                 {"/patients", 200, "none", 42},
                 {"/system", 200, "default:orthanc", std::nullopt}};
  r.web = w;
  r.findings = {finding("DICOMWEB-NO-AUTH", "critical", "GET /dicom-web/studies answered 200 without credentials"),
                finding("DICOMWEB-DEFAULT-CREDS", "critical", "user orthanc with the vendor default password")};
  r.duration_ms = 95;
  return r;
}

ScanRecord hostile() {
  ScanRecord r;
  r.ip = "192.0.2.66";
  r.port = 104;
  r.hostname = "@evil,host";
  r.status = Status::ProtocolError;
  r.detail = "line one\nline two, \"quoted\" <b>bold</b>";
  r.dicom = true;
  AssociationRecord a;
  a.result = AssociationResult::Rejected;
  a.calling_ae = "DICOMSEC";
  a.called_ae = "=1+2";
  a.reject = RejectRecord{1, 1, 7};
  a.implementation_class_uid = "=HYPERLINK(\"x\")";
  a.implementation_version_name = "<script>x</script>";
  r.association = a;
  r.product = ProductRecord{"Evil \"PACS\", <script>alert(1)</script>", "=cmd|' /C calc'!A0",
                            "-2+3", "low", "@SUM(A1)", "+vendor", std::nullopt};
  r.findings = {finding("DICOM-EXPOSED", "info", "peer said: <img src=x onerror=alert(1)>, \"hi\"\r\n=2*3"),
                finding("X-NEW-CHECK", "low", "an id the catalogue does not know yet")};
  r.duration_ms = 7;
  return r;
}

ScanRecord closed() {
  ScanRecord r;
  r.ip = "192.0.2.20";
  r.port = 104;
  r.status = Status::ConnectionRefused;
  r.detail = "connection refused";
  r.duration_ms = 1;
  return r;
}

ScanRecord ipv6_rejected() {
  ScanRecord r;
  r.ip = "2001:db8::5";
  r.port = 11112;
  r.dicom = true;
  AssociationRecord a;
  a.result = AssociationResult::Rejected;
  a.calling_ae = "DICOMSEC";
  a.called_ae = "ANY-SCP";
  a.reject = RejectRecord{1, 1, 3};
  r.association = a;
  r.findings = {finding("DICOM-EXPOSED", "info", "A-ASSOCIATE-RJ calling-ae-not-recognized")};
  r.duration_ms = 4;
  return r;
}

}  // namespace

std::vector<nlohmann::json> fixture_records() {
  // The order a scan might deliver them in (not sorted), so the HTML's own ordering shows.
  return {to_json(hostile()), to_json(dcmtk_cleartext()), to_json(closed()), to_json(ipv6_rejected()),
          to_json(web_api()),  to_json(open_archive()),    to_json(tls_service())};
}

ScanMeta fixture_meta() {
  ScanMeta m;
  m.scan_id = "";
  m.command = "scan";
  m.arguments = "dicomsec scan 192.0.2.0/24 2001:db8::5 -p 104,2762,8080,11112 --all --format html -o \"r.html\"";
  m.started = "2026-11-25T21:00:00Z";
  m.finished = "2026-11-25T21:00:07Z";
  m.version = "0.0.0-golden";
  m.level = "auth";
  m.ports = "104,2762,8080,11112";
  m.pairs_total = 1028;
  m.pairs_done = 1028;
  return m;
}

std::string render(Format format, const std::vector<nlohmann::json>& records, const ScanMeta& meta) {
  std::ostringstream out;
  auto sink = make_sink(format, out);
  sink->begin(meta);
  for (const auto& r : records) sink->write(r);
  sink->end(meta);
  return out.str();
}

}  // namespace dicomsec::report::testing
