// MDS2 rules (report/mds2.hpp) on constructed records: one test per rule, each with the case
// that must say Yes/No and the case that must say "not observed" instead.
#include "report/mds2.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dicomsec::report::mds2 {
namespace {

using nlohmann::json;

json cleartext_open(const std::string& ip = "192.0.2.10", int port = 11112) {
  return json{{"ip", ip},
              {"port", port},
              {"status", "success"},
              {"dicom", true},
              {"tls", false},
              {"tls_audit", nullptr},
              {"association",
               {{"result", "accepted"}, {"calling_ae", "DICOMSEC"}, {"called_ae", "ANY-SCP"}}},
              {"findings", json::array({{{"id", "DICOM-NO-TLS"}, {"severity", "high"}},
                                        {{"id", "DICOM-ANY-CALLED-AE"}, {"severity", "medium"}},
                                        {{"id", "DICOM-ANY-CALLING-AE"}, {"severity", "high"}}})}};
}

json tls_with_cert(bool dicom_inside, const std::string& ip = "192.0.2.10", int port = 2762) {
  return json{{"ip", ip},
              {"port", port},
              {"status", dicom_inside ? "success" : "tls-error"},
              {"dicom", dicom_inside},
              {"tls", dicom_inside},
              {"tls_audit",
               {{"versions", json::array({"TLSv1.2", "TLSv1.3"})}, {"client_cert_required", true}}},
              {"association", dicom_inside ? json{{"result", "accepted"},
                                                  {"calling_ae", "DICOMSEC"},
                                                  {"called_ae", "ANY-SCP"}}
                                           : json(nullptr)},
              {"findings", json::array()}};
}

json closed(const std::string& ip, int port) {
  return json{{"ip", ip},       {"port", port}, {"status", "connection-refused"},
              {"dicom", false}, {"tls", false}, {"findings", json::array()}};
}

const Answer& find(const std::vector<Answer>& answers, const std::string& device,
                   const std::string& id) {
  for (const auto& a : answers)
    if (a.device == device && a.mds2_id == id) return a;
  static const Answer none{};
  ADD_FAILURE() << "no " << id << " for " << device;
  return none;
}

std::vector<Answer> run(const std::vector<json>& records, std::vector<Sighting> extra = {},
                        std::string started = "2026-11-25T21:00:00Z") {
  return answer(records, extra, {.scan_started = std::move(started)});
}

TEST(Mds2, Conn3YesWhenAnAssociationWasAccepted) {
  const auto a = run({cleartext_open()});
  EXPECT_EQ(find(a, "192.0.2.10", "CONN-3").answer, "Yes");
  EXPECT_NE(find(a, "192.0.2.10", "CONN-3").evidence.find("port 11112"), std::string::npos);
  auto rejected = cleartext_open();
  rejected["association"]["result"] = "rejected";
  EXPECT_EQ(find(run({rejected}), "192.0.2.10", "CONN-3").answer, kNotObserved);
}

TEST(Mds2, Conn4YesOnlyForAFreshSightingFromAnImportRecord) {
  json lead{{"ip", "192.0.2.10"},
            {"port", 11112},
            {"source", "shodan"},
            {"observed_at", "2026-11-20T10:11:12.123456"}};
  auto a = run({cleartext_open(), lead});
  EXPECT_EQ(find(a, "192.0.2.10", "CONN-4").answer, "Yes");
  EXPECT_EQ(find(a, "192.0.2.10", "CONN-4").confidence, "medium");
  EXPECT_NE(find(a, "192.0.2.10", "CONN-4").evidence.find("shodan"), std::string::npos);
  // The import record is a lead, not a device of its own nor a measurement.
  EXPECT_EQ(a.size(), 11u + 2u);

  lead["observed_at"] = "2026-06-01T00:00:00Z";  // stale
  a = run({cleartext_open(), lead});
  EXPECT_EQ(find(a, "192.0.2.10", "CONN-4").answer, kNotObserved);
  EXPECT_NE(find(a, "192.0.2.10", "CONN-4").evidence.find("days before"), std::string::npos);

  lead["observed_at"] = "2026-11-20";
  lead["source"] = "nmap";  // not an import source: not a sighting
  EXPECT_EQ(find(run({cleartext_open(), lead}), "192.0.2.10", "CONN-4").answer, kNotObserved);

  // The shape `dicomsec import` writes: source and observed_at inside the `lead` object.
  const json import_record{{"ip", "192.0.2.10"},
                           {"port", 11112},
                           {"status", "not-probed"},
                           {"lead",
                            {{"source", "shodan"},
                             {"observed_at", "2026-11-20T10:11:12Z"},
                             {"matched_by", "netblock"}}}};
  ASSERT_TRUE(sighting(import_record).has_value());
  EXPECT_EQ(sighting(import_record)->source, "shodan");
  EXPECT_EQ(sighting(import_record)->observed_at, "2026-11-20T10:11:12Z");
  EXPECT_EQ(find(run({cleartext_open(), import_record}), "192.0.2.10", "CONN-4").answer, "Yes");

  // From --leads, for another host: does not count here.
  EXPECT_EQ(find(run({cleartext_open()}, {{"192.0.2.99", 104, "censys", "2026-11-24", {}, {}}}),
                 "192.0.2.10", "CONN-4")
                .answer,
            kNotObserved);
  EXPECT_EQ(find(run({cleartext_open()}, {{"192.0.2.10", 104, "censys", "2026-11-24", {}, {}}}),
                 "192.0.2.10", "CONN-4")
                .answer,
            "Yes");
  // No scan date to compare with: not fresh.
  EXPECT_EQ(find(run({cleartext_open()}, {{"192.0.2.10", 104, "csv", "2026-11-24", {}, {}}}, ""),
                 "192.0.2.10", "CONN-4")
                .answer,
            kNotObserved);
}

TEST(Mds2, Conn4FollowsALeadWhoseAddressMoved) {
  // Shodan saw 198.51.100.7 (outside the netblocks); the owned name it carried resolves to
  // 192.0.2.20 now, and the scan found that device open. The sighting is about the device
  // behind the name: it counts for the new address, and the evidence says where it was seen.
  const json moved_lead{{"ip", "198.51.100.7"},
                        {"port", 104},
                        {"status", "not-probed"},
                        {"lead",
                         {{"source", "shodan"},
                          {"observed_at", "2026-11-20T10:11:12Z"},
                          {"matched_by", "hostname"},
                          {"moved",
                           {{"name", "pacs.example.org"},
                            {"now", json::array({"192.0.2.20"})},
                            {"reverse", nullptr},
                            {"note", "address moved"}}}}}};
  const auto s = sighting(moved_lead);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->moved_name, "pacs.example.org");
  EXPECT_EQ(s->now, std::vector<std::string>{"192.0.2.20"});
  const auto answers = run({cleartext_open("192.0.2.20"), moved_lead});
  const auto& a = find(answers, "192.0.2.20", "CONN-4");
  EXPECT_EQ(a.answer, "Yes");
  EXPECT_NE(a.evidence.find("at 198.51.100.7, the address pacs.example.org had then"),
            std::string::npos)
      << a.evidence;
  // Another device is not credited with it.
  EXPECT_EQ(find(run({cleartext_open("192.0.2.21"), moved_lead}), "192.0.2.21", "CONN-4").answer,
            kNotObserved);
}

TEST(Mds2, Conn7AndTxcf5YesOnlyWhenDicomRanInsideTls) {
  auto a = run({tls_with_cert(true)});
  EXPECT_EQ(find(a, "192.0.2.10", "CONN-7").answer, "Yes");
  EXPECT_EQ(find(a, "192.0.2.10", "TXCF-5").answer, "Yes");
  // A handshake that failed (no client certificate given) is "not observed", never "No".
  a = run({tls_with_cert(false)});
  EXPECT_EQ(find(a, "192.0.2.10", "CONN-7").answer, kNotObserved);
  EXPECT_EQ(find(a, "192.0.2.10", "TXCF-5").answer, kNotObserved);
  EXPECT_NE(find(a, "192.0.2.10", "CONN-7").evidence.find("--cert"), std::string::npos);
  a = run({cleartext_open()});
  EXPECT_EQ(find(a, "192.0.2.10", "CONN-7").answer, kNotObserved);
  for (const auto& x : a) {  // only TXCF-4 may ever say No
    if (x.mds2_id != "TXCF-4") {
      EXPECT_NE(x.answer, "No") << x.mds2_id;
    }
  }
}

TEST(Mds2, Txig1OnlyWithTls) {
  EXPECT_EQ(find(run({tls_with_cert(true)}), "192.0.2.10", "TXIG-1").answer, "Yes");
  EXPECT_NE(find(run({tls_with_cert(true)}), "192.0.2.10", "TXIG-1").evidence.find("TLSv1.3"),
            std::string::npos);
  EXPECT_EQ(find(run({cleartext_open()}), "192.0.2.10", "TXIG-1").answer, kNotObserved);
}

TEST(Mds2, Naut1AndNaut3YesWhenAClientCertificateWasRequired) {
  for (bool inside : {true, false}) {
    const auto a = run({tls_with_cert(inside)});
    EXPECT_EQ(find(a, "192.0.2.10", "NAUT-1").answer, "Yes");
    EXPECT_EQ(find(a, "192.0.2.10", "NAUT-3").answer, "Yes");
  }
  auto no_cert = tls_with_cert(true);
  no_cert["tls_audit"]["client_cert_required"] = false;
  EXPECT_EQ(find(run({no_cert}), "192.0.2.10", "NAUT-3").answer, kNotObserved);
}

TEST(Mds2, Txcf4NoWhenAnUnknownCallerWithAnyCalledAeWasAcceptedWithoutCertificate) {
  EXPECT_EQ(find(run({cleartext_open()}), "192.0.2.10", "TXCF-4").answer, "No");
  // The called AE check did not show "any": not observed.
  auto calling_only = cleartext_open();
  calling_only["findings"].erase(1);
  EXPECT_EQ(find(run({calling_only}), "192.0.2.10", "TXCF-4").answer, kNotObserved);
  // Accepted, but only with a client certificate: not a No.
  auto with_cert = tls_with_cert(true);
  with_cert["findings"] = cleartext_open()["findings"];
  EXPECT_EQ(find(run({with_cert}), "192.0.2.10", "TXCF-4").answer, kNotObserved);
}

TEST(Mds2, Txcf2IsEvidenceOnlyWhenCleartextIsAccepted) {
  EXPECT_EQ(find(run({cleartext_open()}), "192.0.2.10", "TXCF-2").answer, "evidence only");
  EXPECT_EQ(find(run({tls_with_cert(true)}), "192.0.2.10", "TXCF-2").answer, kNotObserved);
}

TEST(Mds2, Conn2AndSahd8ListTheObservedPortsAndProtocols) {
  const auto a = run({cleartext_open(), tls_with_cert(true), closed("192.0.2.10", 104)});
  for (const auto* id : {"CONN-2", "SAHD-8"}) {
    const auto& x = find(a, "192.0.2.10", id);
    EXPECT_EQ(x.answer, "note");
    EXPECT_NE(x.evidence.find("2762/tcp DICOM over TLS"), std::string::npos) << x.evidence;
    EXPECT_NE(x.evidence.find("11112/tcp DICOM (cleartext)"), std::string::npos) << x.evidence;
    EXPECT_LT(x.evidence.find("2762/tcp"), x.evidence.find("11112/tcp"));  // port order
  }
  EXPECT_NE(find(a, "192.0.2.10", "CONN-2").evidence.find("1 other probed port(s) closed"),
            std::string::npos);
}

TEST(Mds2, OnlyDevicesWithAnOpenPortAndTheScopeLines) {
  const auto a =
      run({closed("192.0.2.20", 104), cleartext_open("192.0.2.9"), cleartext_open("192.0.2.10")});
  ASSERT_EQ(a.size(), 2u * 11u + 2u);
  EXPECT_EQ(a.front().device, "192.0.2.9");  // numeric address order
  EXPECT_EQ(a[11].device, "192.0.2.10");
  EXPECT_EQ(a[a.size() - 2].mds2_id, "SCOPE");
  EXPECT_NE(a[a.size() - 2].evidence.find("one deployment"), std::string::npos);
  EXPECT_EQ(a.back().mds2_id, "OMITTED");
  EXPECT_NE(a.back().evidence.find("PAUT"), std::string::npos);
  for (const auto& x : a) EXPECT_NE(x.device, "192.0.2.20");
}

TEST(Mds2, AgeInDays) {
  EXPECT_EQ(age_days("2026-11-20T10:00:00Z", "2026-11-25T21:00:00Z"), 5);
  EXPECT_EQ(age_days("2024-02-28", "2024-03-01"), 2);  // leap year
  EXPECT_EQ(age_days("2026-11-26", "2026-11-25"), -1);
  EXPECT_FALSE(age_days("last week", "2026-11-25"));
  EXPECT_FALSE(age_days("2026-13-01", "2026-11-25"));
  EXPECT_FALSE(age_days("", ""));
}

TEST(Mds2, CsvAndHtmlEscapeWhatThePeerSent) {
  auto r = cleartext_open();
  r["association"]["calling_ae"] = "=1+2<b>";
  r["hostname"] = "<script>x</script>";
  const auto a = run({r});
  const auto csv = to_csv(a);
  EXPECT_EQ(csv.rfind("device,mds2_id,question,answer,evidence,confidence\n", 0), 0u);
  EXPECT_EQ(csv.find("\n=1+2"), std::string::npos);
  const auto html = to_html_section(a);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
  EXPECT_NE(html.find("one deployment"), std::string::npos);
  EXPECT_NE(to_html_section(run({})).find("No device answered"), std::string::npos);
}

}  // namespace
}  // namespace dicomsec::report::mds2
