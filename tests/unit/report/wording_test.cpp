// The shared words of every summary (report/wording.hpp) and the checklist states
// (report/coverage.hpp): what the terminal, HTML, CSV and SARIF all say (issue 13).
#include "report/wording.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "report/coverage.hpp"
#include "report/fields.hpp"

namespace dicomsec::report {
namespace {

using nlohmann::json;

json open_record(json extra = json::object()) {
  json r = {{"ip", "127.0.0.1"},
            {"port", 4100},
            {"status", "success"},
            {"dicom", false},
            {"findings", json::array()}};
  r.update(extra);
  return r;
}

TEST(Words, AssociationInEveryCase) {
  EXPECT_EQ(
      association_words(open_record({{"dicom", true}, {"association", {{"result", "accepted"}}}})),
      "accepted");
  EXPECT_EQ(
      association_words(open_record(
          {{"dicom", true},
           {"association",
            {{"result", "rejected"}, {"reject", {{"reason", "called-ae-not-recognized"}}}}}})),
      "rejected (called-ae-not-recognized)");
  // Rejected, then accepted at level auth under a vendor default called AE title.
  EXPECT_EQ(association_words(open_record({{"dicom", true},
                                           {"association", {{"result", "rejected"}}},
                                           {"access", {{"discovered_called_ae", "ORTHANC"}}}})),
            "accepted as ORTHANC");
  // A port that is not DICOM says what it is, not the decoder's complaint.
  const auto non_dicom = [](std::string status, std::string detail) {
    return association_words(open_record(
        {{"status", status}, {"detail", detail}, {"association", {{"result", "none"}}}}));
  };
  EXPECT_EQ(non_dicom("protocol-error", "undecodable PDU: unknown PDU type 0x48 in Sta5"),
            "not DICOM: HTTP");
  EXPECT_EQ(non_dicom("protocol-error", "undecodable PDU: unknown PDU type 0x53"),
            "not DICOM: SSH banner");
  EXPECT_EQ(non_dicom("protocol-error", "undecodable PDU: unknown PDU type 0x16"),
            "not DICOM: TLS");
  EXPECT_EQ(non_dicom("io-timeout", ""), "not DICOM: silent (no answer to an A-ASSOCIATE-RQ)");
  // TLS that wanted a client certificate we did not have.
  EXPECT_EQ(association_words(open_record(
                {{"tls", true},
                 {"tls_audit", {{"client_cert_required", true}, {"versions", {"TLSv1.3"}}}}})),
            "DICOM layer not tested: pass --cert/--key");
  EXPECT_EQ(association_words(open_record({{"status", "connection-refused"}})),
            "closed: connection refused");
}

TEST(Words, CsvSummaryColumnUsesTheSameWords) {
  const auto r = open_record({{"dicom", true},
                              {"association", {{"result", "rejected"}}},
                              {"access", {{"discovered_called_ae", "ORTHANC"}}}});
  bool found = false;
  for (const auto& f : fields())
    if (f.column == "summary") {
      found = true;
      EXPECT_EQ(cell(f, r), association_words(r));
    }
  EXPECT_TRUE(found);
}

TEST(Words, ProductSpecificRemediation) {
  const auto orthanc = open_record({{"product", {{"name", "Orthanc"}, {"version", "1.10.1"}}}});
  EXPECT_TRUE(remediation_for(orthanc, "DICOM-NO-TLS").starts_with("Orthanc: "));
  const auto dcm4chee = open_record({{"product", {{"name", "dcm4chee-arc"}}}});
  EXPECT_TRUE(remediation_for(dcm4chee, "TLS-WEAK-PROTOCOL").starts_with("dcm4chee: "));
  const auto unknown = open_record();
  EXPECT_FALSE(remediation_for(unknown, "DICOM-NO-TLS").empty());
  EXPECT_EQ(remediation_for(unknown, "DICOM-NO-TLS").find(':'), std::string::npos);
  EXPECT_EQ(remediation_for(unknown, "NO-SUCH-ID"), "");
}

TEST(Words, Plural) {
  EXPECT_EQ(plural(1, "host"), "1 host");
  EXPECT_EQ(plural(2, "host"), "2 hosts");
  EXPECT_EQ(plural(0, "study", "studies"), "0 studies");
}

TEST(Words, AddressOrder) {
  EXPECT_LT(address_key("10.0.0.9", 104), address_key("10.0.0.10", 104));
  EXPECT_LT(address_key("10.0.0.9", 104), address_key("10.0.0.9", 2762));
  EXPECT_LT(address_key("192.168.0.1", 104), address_key("::1", 104));
}

const ChecklistState& item(const Coverage& c, std::string_view id) {
  for (const auto& i : c.items)
    if (i.id == id) return i;
  throw std::runtime_error("no item");
}

TEST(Coverage, NothingReachableIsNoCoverage) {
  ScanMeta meta;
  meta.command = "scan";
  meta.level = "auth";
  for (const auto& records :
       {std::vector<json>{}, std::vector<json>{open_record({{"status", "connection-refused"}})}}) {
    const auto c = coverage(records, meta);
    EXPECT_FALSE(c.covered);
    EXPECT_EQ(c.headline(), "no coverage: nothing was reachable");
    EXPECT_EQ(c.count(CheckState::NotMeasured), c.items.size());
    EXPECT_EQ(c.to_json()["covered"], false);
  }
}

TEST(Coverage, LevelDecidesWebAuthentication) {
  const std::vector<json> records{
      open_record({{"dicom", true}, {"association", {{"result", "accepted"}}}})};
  ScanMeta meta;
  meta.command = "scan";
  meta.level = "safe";
  auto c = coverage(records, meta);
  EXPECT_EQ(item(c, "CL-5").state, CheckState::NotAtLevel);
  EXPECT_NE(item(c, "CL-5").reason.find("--level auth"), std::string::npos);
  EXPECT_EQ(item(c, "CL-2").state, CheckState::NotMeasured);
  EXPECT_EQ(item(c, "CL-8").state, CheckState::NotMeasured);
  EXPECT_EQ(item(c, "CL-6").state, CheckState::NotMeasured);  // no version known
  EXPECT_EQ(item(c, "CL-7").state, CheckState::NotMeasured);  // no TLS service
  EXPECT_EQ(item(c, "CL-3").state, CheckState::Ok);
  meta.level = "auth";
  c = coverage(records, meta);
  EXPECT_EQ(item(c, "CL-5").state, CheckState::Ok);
  EXPECT_EQ(c.to_json()["items"][4]["state"], "ok");
  meta.command = "tls";
  meta.level = "";
  c = coverage(records, meta);
  EXPECT_EQ(item(c, "CL-3").state, CheckState::NotAtLevel);
  EXPECT_EQ(item(c, "CL-5").state, CheckState::NotAtLevel);
}

TEST(Coverage, FindingsMakeAction) {
  const std::vector<json> records{
      open_record({{"dicom", true},
                   {"product", {{"name", "DCMTK"}, {"version", "3.6.2"}}},
                   {"findings",
                    {{{"id", "DICOM-OUTDATED"}, {"severity", "medium"}},
                     {{"id", "DICOM-EXPOSED"}, {"severity", "info"}}}}})};
  ScanMeta meta;
  meta.command = "scan";
  meta.level = "safe";
  const auto c = coverage(records, meta);
  EXPECT_EQ(item(c, "CL-6").state, CheckState::Action);
  EXPECT_EQ(item(c, "CL-6").findings, 1U);
  EXPECT_EQ(item(c, "CL-1").state, CheckState::Ok);  // info findings are notes
  EXPECT_EQ(item(c, "CL-1").notes, 1U);
  EXPECT_EQ(check_state_label(CheckState::NotAtLevel), "Not checked at this level");
  EXPECT_EQ(check_state_name(CheckState::NotMeasured), "not-measured");
}

}  // namespace
}  // namespace dicomsec::report
