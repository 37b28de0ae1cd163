#include "store/diff.hpp"

#include <gtest/gtest.h>

namespace dicomsec::store {
namespace {

ServiceRow row(std::string ip, std::uint16_t port, std::vector<std::string> findings,
               std::string product = "DCMTK 3.6.7") {
  ServiceRow r;
  r.ip = std::move(ip);
  r.port = port;
  r.status = "success";
  r.dicom = true;
  r.association = "accepted";
  r.product = std::move(product);
  for (auto& f : findings) r.findings.push_back({std::move(f), "high"});
  return r;
}

TEST(Diff, GoneServiceFixedFindingNewAndChanged) {
  const std::vector<ServiceRow> a{row("127.0.0.1", 1000, {"DICOM-NO-TLS", "DICOM-ANY-CALLING-AE"}),
                                  row("127.0.0.1", 2000, {"DICOM-NO-TLS"})};
  const std::vector<ServiceRow> b{row("127.0.0.1", 1000, {"DICOM-NO-TLS"}, "Orthanc 1.10.1"),
                                  row("127.0.0.2", 3000, {"DICOM-EXPOSED"})};
  const auto d = diff(a, b);
  ASSERT_EQ(d.services.size(), 3U);
  EXPECT_EQ(d.services[0].kind, ServiceChange::Kind::Changed);
  ASSERT_EQ(d.services[0].fields.size(), 1U);
  EXPECT_EQ(d.services[0].fields[0].name, "product");
  EXPECT_EQ(d.services[0].fields[0].after, "Orthanc 1.10.1");
  EXPECT_EQ(d.services[1].kind, ServiceChange::Kind::Gone);
  EXPECT_EQ(d.services[1].port, 2000);
  EXPECT_EQ(d.services[2].kind, ServiceChange::Kind::New);
  EXPECT_EQ(d.services[2].ip, "127.0.0.2");

  std::map<std::string, std::string> seen;  // "port id" -> change
  for (const auto& f : d.findings) seen[std::to_string(f.port) + " " + f.id] = kind_name(f.kind);
  EXPECT_EQ(seen, (std::map<std::string, std::string>{{"1000 DICOM-ANY-CALLING-AE", "fixed"},
                                                      {"1000 DICOM-NO-TLS", "open"},
                                                      {"2000 DICOM-NO-TLS", "fixed"},
                                                      {"3000 DICOM-EXPOSED", "new"}}));
  for (const auto& f : d.findings) {
    if (f.kind == FindingChange::Kind::Fixed) {
      EXPECT_EQ(f.service_gone, f.port == 2000);
    }
  }

  const auto j = to_json(d);
  ASSERT_EQ(j.size(), 7U);
  EXPECT_EQ(j[1]["change"], "gone");
  EXPECT_EQ(j[0]["fields"]["product"]["before"], "DCMTK 3.6.7");
}

TEST(Diff, IdenticalScansHaveOnlyOpenFindings) {
  const std::vector<ServiceRow> a{row("127.0.0.1", 1000, {"DICOM-NO-TLS"})};
  const auto d = diff(a, a);
  EXPECT_TRUE(d.services.empty());
  ASSERT_EQ(d.findings.size(), 1U);
  EXPECT_EQ(d.findings[0].kind, FindingChange::Kind::Open);
}

// ---- "not checked" (issues 12 §5, 13 §5) ----

ScanInfo info(std::string level, std::string ports, std::vector<std::string> targets,
              ScanState state = ScanState::Finished) {
  ScanInfo i;
  i.state = state;
  i.options = {{"level", level},
               {"ports", ports},
               {"targets", targets},
               {"input_lists", nlohmann::json::array()},
               {"excludes", nlohmann::json::array()}};
  return i;
}

nlohmann::json record(std::string ip, std::uint16_t port) {
  return {{"ip", ip},
          {"port", port},
          {"status", "success"},
          {"tls", false},
          {"called_ae_check",
           {{"called_ae", "DSXYZ"},
            {"result", "accepted"},
            {"state", "checked"},
            {"reason", nullptr},
            {"attempts", 1}}},
          {"access", nullptr}};
}

std::map<std::string, std::string> changes(const Diff& d) {
  std::map<std::string, std::string> out;  // "port id" -> change
  for (const auto& f : d.findings) out[std::to_string(f.port) + " " + f.id] = kind_name(f.kind);
  for (const auto& s : d.services) out[std::to_string(s.port) + " service"] = kind_name(s.kind);
  return out;
}

TEST(DiffCoverage, InconclusiveCalledAeCheckIsNotCheckedEitherWay) {
  auto checked = record("127.0.0.1", 1000);
  auto inconclusive = checked;
  inconclusive["called_ae_check"]["state"] = "inconclusive";
  inconclusive["called_ae_check"]["result"] = "none";
  inconclusive["called_ae_check"]["reason"] = "connection refused (4 tries)";
  const auto found = std::vector<ServiceRow>{row("127.0.0.1", 1000, {"DICOM-ANY-CALLED-AE"})};
  const auto missing = std::vector<ServiceRow>{row("127.0.0.1", 1000, {})};
  const auto cf = coverage(info("safe", "1000", {"127.0.0.1"}), {checked});
  const auto ci = coverage(info("safe", "1000", {"127.0.0.1"}), {inconclusive});

  // Found, then inconclusive: not "fixed".
  auto d = diff(found, missing, &cf, &ci);
  ASSERT_EQ(d.findings.size(), 1U);
  EXPECT_EQ(d.findings[0].kind, FindingChange::Kind::NotChecked);
  EXPECT_NE(d.findings[0].reason.find("the later scan random called AE check inconclusive: "
                                      "connection refused (4 tries)"),
            std::string::npos)
      << d.findings[0].reason;
  EXPECT_EQ(to_json(d)[0]["change"], "not-checked");
  EXPECT_EQ(to_json(d)[0]["reason"], d.findings[0].reason);
  // Inconclusive, then found: not "new" (so no --fail-on alert).
  d = diff(missing, found, &ci, &cf);
  ASSERT_EQ(d.findings.size(), 1U);
  EXPECT_EQ(d.findings[0].kind, FindingChange::Kind::NotChecked);
  EXPECT_NE(d.findings[0].reason.find("the earlier scan"), std::string::npos);
  // Checked both times, and accepted no more: really fixed.
  auto rejected = checked;
  rejected["called_ae_check"]["result"] = "rejected";
  const auto cr = coverage(info("safe", "1000", {"127.0.0.1"}), {rejected});
  d = diff(found, missing, &cf, &cr);
  ASSERT_EQ(d.findings.size(), 1U);
  EXPECT_EQ(d.findings[0].kind, FindingChange::Kind::Fixed);
}

TEST(DiffCoverage, LowerLevelLeavesAccessFindingsNotChecked) {
  const auto rec = record("127.0.0.1", 1000);
  const auto auth = coverage(info("auth", "1000", {"127.0.0.1"}), {rec});
  const auto safe = coverage(info("safe", "1000", {"127.0.0.1"}), {rec});
  const std::vector<ServiceRow> a{row("127.0.0.1", 1000, {"DICOM-FIND-OPEN", "DICOM-NO-TLS"})};
  const std::vector<ServiceRow> b{row("127.0.0.1", 1000, {})};
  const auto d = diff(a, b, &auth, &safe);
  EXPECT_EQ(changes(d), (std::map<std::string, std::string>{{"1000 DICOM-FIND-OPEN", "not-checked"},
                                                            {"1000 DICOM-NO-TLS", "fixed"}}));
  for (const auto& f : d.findings)
    if (f.id == "DICOM-FIND-OPEN") {
      EXPECT_EQ(f.reason, "the later scan ran at level safe; DICOM-FIND-OPEN needs level auth");
    }
}

TEST(DiffCoverage, UntestedAccessCheckIsNotChecked) {
  auto busy = record("127.0.0.1", 1000);
  busy["access"] = {{"find", {{"state", "untested"}, {"evidence", "not tested: busy"}}},
                    {"move", {{"state", "denied"}, {"evidence", "refused"}}}};
  const auto ca = coverage(info("auth", "1000", {"127.0.0.1"}), {record("127.0.0.1", 1000)});
  const auto cb = coverage(info("auth", "1000", {"127.0.0.1"}), {busy});
  const std::vector<ServiceRow> a{row("127.0.0.1", 1000, {"DICOM-FIND-OPEN", "DICOM-MOVE-OPEN"})};
  const std::vector<ServiceRow> b{row("127.0.0.1", 1000, {})};
  EXPECT_EQ(changes(diff(a, b, &ca, &cb)),
            (std::map<std::string, std::string>{{"1000 DICOM-FIND-OPEN", "not-checked"},
                                                {"1000 DICOM-MOVE-OPEN", "fixed"}}));
}

TEST(DiffCoverage, OtherPortsOrAddressesOrAnUnfinishedScanAreNotChecked) {
  const std::vector<ServiceRow> a{row("127.0.0.1", 1000, {"DICOM-NO-TLS"}),
                                  row("127.0.0.1", 2000, {"DICOM-NO-TLS"}),
                                  row("127.0.0.2", 1000, {"DICOM-NO-TLS"})};
  const auto ca =
      coverage(info("safe", "1000,2000", {"127.0.0.1-2"}),
               {record("127.0.0.1", 1000), record("127.0.0.1", 2000), record("127.0.0.2", 1000)});
  // Later: only port 1000 of 127.0.0.1, where the service is gone.
  const auto cb = coverage(info("safe", "1000", {"127.0.0.1"}), {});
  auto d = diff(a, {}, &ca, &cb);
  std::map<std::string, std::string> by_where;
  for (const auto& f : d.findings)
    by_where[f.ip + ":" + std::to_string(f.port)] = std::string(kind_name(f.kind)) + " " + f.reason;
  EXPECT_EQ(by_where["127.0.0.1:1000"], "fixed ");
  EXPECT_EQ(by_where["127.0.0.1:2000"], "not-checked the later scan did not probe port 2000");
  EXPECT_EQ(by_where["127.0.0.2:1000"],
            "not-checked the later scan did not probe address 127.0.0.2");
  // The same later scan, interrupted: a service without a record was perhaps never reached.
  const auto cu = coverage(info("safe", "1000", {"127.0.0.1"}, ScanState::Interrupted), {});
  d = diff({a[0]}, {}, &ca, &cu);
  ASSERT_EQ(d.findings.size(), 1U);
  EXPECT_EQ(d.findings[0].kind, FindingChange::Kind::NotChecked);
  EXPECT_EQ(d.findings[0].reason, "the later scan did not finish (no record of this service)");
  ASSERT_EQ(d.services.size(), 1U);
  EXPECT_EQ(d.services[0].kind, ServiceChange::Kind::NotChecked);
}

TEST(DiffCoverage, WithoutCoverageEverythingIsObserved) {
  const std::vector<ServiceRow> a{row("127.0.0.1", 1000, {"DICOM-ANY-CALLED-AE"})};
  const auto d = diff(a, {});
  EXPECT_EQ(changes(d), (std::map<std::string, std::string>{{"1000 DICOM-ANY-CALLED-AE", "fixed"},
                                                            {"1000 service", "gone"}}));
}

}  // namespace
}  // namespace dicomsec::store
