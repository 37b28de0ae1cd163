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

}  // namespace
}  // namespace dicomsec::store
