// The catalogue is the contract of docs/design.md §4: every id there exists with a checklist
// item that exists, a remediation, well-formed ATT&CK ids, and per-product rows only for the
// products we know.
#include "findings/catalogue.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <set>
#include <string>

namespace dicomsec::findings {
namespace {

// docs/design.md §4, in its order.
constexpr std::string_view kDesignIds[] = {
    "DICOM-EXPOSED",         "DICOM-NO-TLS",       "DICOM-ANY-CALLED-AE",
    "DICOM-ANY-CALLING-AE",  "DICOM-FIND-OPEN",    "DICOM-GET-OPEN",
    "DICOM-MOVE-OPEN",       "DICOM-STORE-OPEN",   "DICOM-OUTDATED",
    "DICOM-HONEYPOT-LIKELY", "DICOMWEB-NO-AUTH",   "DICOMWEB-DEFAULT-CREDS",
    "TLS-WEAK-PROTOCOL",     "TLS-WEAK-CIPHER",    "TLS-CERT-EXPIRED",
    "TLS-CERT-SELF-SIGNED",  "TLS-CERT-WEAK-KEY",  "TLS-NO-CLIENT-AUTH",
    "TLS-PLAINTEXT-ALSO",    "PCAP-CLEARTEXT-PHI", "PCAP-CLEARTEXT-CREDENTIALS",
    "PCAP-AE-MULTI-IP",
};

struct DesignSeverity {
  std::string_view id;
  Severity severity;
};
// The severities §4 fixes.
constexpr DesignSeverity kDesignSeverities[] = {
    {"DICOM-EXPOSED", Severity::Info},
    {"DICOM-NO-TLS", Severity::High},
    {"DICOM-ANY-CALLED-AE", Severity::Medium},
    {"DICOM-ANY-CALLING-AE", Severity::High},
    {"DICOM-FIND-OPEN", Severity::Critical},
    {"DICOM-GET-OPEN", Severity::Critical},
    {"DICOM-MOVE-OPEN", Severity::Critical},
    {"DICOM-STORE-OPEN", Severity::High},
    {"DICOM-OUTDATED", Severity::Medium},
    {"DICOM-HONEYPOT-LIKELY", Severity::Info},
    {"DICOMWEB-NO-AUTH", Severity::Critical},
    {"DICOMWEB-DEFAULT-CREDS", Severity::Critical},
    {"TLS-WEAK-PROTOCOL", Severity::High},
    {"TLS-WEAK-CIPHER", Severity::Medium},
    {"TLS-CERT-EXPIRED", Severity::High},
    {"TLS-CERT-SELF-SIGNED", Severity::Medium},
    {"TLS-CERT-WEAK-KEY", Severity::High},
    {"TLS-NO-CLIENT-AUTH", Severity::Low},
    {"TLS-PLAINTEXT-ALSO", Severity::High},
    {"PCAP-CLEARTEXT-PHI", Severity::High},
    {"PCAP-CLEARTEXT-CREDENTIALS", Severity::Critical},
    {"PCAP-AE-MULTI-IP", Severity::Medium},
};

TEST(Catalogue, EveryDesignIdExistsWithItsSeverity) {
  for (auto id : kDesignIds) EXPECT_NE(find(id), nullptr) << id;
  for (const auto& [id, severity] : kDesignSeverities) {
    const auto* d = find(id);
    ASSERT_NE(d, nullptr) << id;
    EXPECT_EQ(d->severity, severity) << id;
  }
  EXPECT_EQ(catalogue().size(), std::size(kDesignIds)) << "an id not in docs/design.md §4";
}

TEST(Catalogue, IdsAreUnique) {
  std::set<std::string_view> seen;
  for (const auto& d : catalogue()) EXPECT_TRUE(seen.insert(d.id).second) << d.id;
}

TEST(Catalogue, EveryFindingHasTextAndAnExistingChecklistItem) {
  for (const auto& d : catalogue()) {
    EXPECT_FALSE(d.title.empty()) << d.id;
    EXPECT_GT(d.remediation.size(), 20u) << d.id;
    EXPECT_NE(find_checklist_item(d.checklist), nullptr) << d.id << " -> " << d.checklist;
  }
}

TEST(Catalogue, ChecklistIsCl1ToCl8UnderMnpMilestones) {
  const auto items = checklist();
  ASSERT_EQ(items.size(), 8u);
  for (std::size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(items[i].id, "CL-" + std::to_string(i + 1));
    EXPECT_GE(items[i].milestone, 1);
    EXPECT_LE(items[i].milestone, 8);
    EXPECT_FALSE(items[i].milestone_name.empty());
    EXPECT_FALSE(items[i].text.empty());
  }
  // Milestones never go backwards: the checklist reads in the plan's order.
  EXPECT_TRUE(std::is_sorted(items.begin(), items.end(), [](const auto& a, const auto& b) {
    return a.milestone < b.milestone;
  }));
}

TEST(Catalogue, AttackIdsAreWellFormed) {
  const std::regex technique(R"(T\d{4}(\.\d{3})?)");
  for (const auto& d : catalogue()) {
    const auto ids = attack_ids(d);
    EXPECT_FALSE(ids.enterprise.empty() && ids.ics.empty()) << d.id;
    for (auto id : ids.enterprise) {
      EXPECT_TRUE(std::regex_match(std::string(id), technique)) << d.id << ": " << id;
      EXPECT_EQ(id[1], '1') << d.id << ": Enterprise ids are T1xxx, got " << id;
    }
    for (auto id : ids.ics) {
      EXPECT_TRUE(std::regex_match(std::string(id), technique)) << d.id << ": ICS:" << id;
      EXPECT_EQ(id.substr(0, 2), "T0") << d.id << ": ICS ids are T0xxx, got " << id;
    }
  }
}

TEST(Catalogue, AttackIdsSplitByMatrix) {
  const Definition d{"X", Severity::Info, "t", "r", "CL-1", "T1046,ICS:T0846,T1078.001"};
  const auto ids = attack_ids(d);
  ASSERT_EQ(ids.enterprise.size(), 2u);
  EXPECT_EQ(ids.enterprise[0], "T1046");
  EXPECT_EQ(ids.enterprise[1], "T1078.001");
  ASSERT_EQ(ids.ics.size(), 1u);
  EXPECT_EQ(ids.ics[0], "T0846");
}

TEST(Catalogue, ProductRowsNameKnownFindingsAndProducts) {
  std::set<std::pair<std::string_view, std::string_view>> seen;
  for (const auto& r : product_remediations()) {
    EXPECT_NE(find(r.finding), nullptr) << r.finding;
    EXPECT_NE(std::find(kProducts.begin(), kProducts.end(), r.product), kProducts.end())
        << r.finding << ": unknown product " << r.product;
    EXPECT_GT(r.text.size(), 20u) << r.finding << "/" << r.product;
    EXPECT_FALSE(r.source.empty()) << r.finding << "/" << r.product;
    EXPECT_TRUE(seen.insert({r.finding, r.product}).second)
        << "two rows for " << r.finding << "/" << r.product;
  }
}

TEST(Catalogue, EveryScanFindingHasAProductRowForDcmtkAndOrthanc) {
  // The lab's two products: a reader of a lab report always gets a concrete setting.
  for (const auto& d : catalogue()) {
    if (d.id.starts_with("PCAP-") || d.id.starts_with("DICOMWEB-")) continue;
    if (d.id == "DICOM-HONEYPOT-LIKELY") continue;  // not a setting of any product
    std::set<std::string_view> products;
    for (const auto* r : remediations_for(d.id)) products.insert(r->product);
    EXPECT_TRUE(products.count("DCMTK")) << d.id;
    EXPECT_TRUE(products.count("Orthanc")) << d.id;
  }
}

TEST(Catalogue, RemediationsForKeepsProductOrder) {
  const auto rows = remediations_for("DICOM-ANY-CALLING-AE");
  ASSERT_EQ(rows.size(), 4u);
  for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i]->product, kProducts[i]);
  EXPECT_TRUE(remediations_for("NO-SUCH-ID").empty());
}

TEST(Catalogue, FindingsForChecklistItem) {
  const auto cl4 = findings_for("CL-4");
  EXPECT_TRUE(std::any_of(cl4.begin(), cl4.end(),
                          [](const auto* d) { return d->id == "DICOM-ANY-CALLING-AE"; }));
  for (const auto* d : cl4) EXPECT_EQ(d->checklist, "CL-4");
}

TEST(Catalogue, SeverityNamesRoundTrip) {
  for (auto s :
       {Severity::Info, Severity::Low, Severity::Medium, Severity::High, Severity::Critical})
    EXPECT_EQ(parse_severity(severity_name(s)), s);
  EXPECT_FALSE(parse_severity("severe"));
}

}  // namespace
}  // namespace dicomsec::findings
