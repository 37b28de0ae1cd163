// Known vulnerabilities by product and fixed-in release, for DICOM-OUTDATED. Data, not code:
// every row names the public record it was checked against (docs/vulnerabilities.md lists
// the table with what each source confirmed). A row is only as good as its source; rows we
// could not source are left out, not guessed.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "findings/version.hpp"
#include "record/record.hpp"

namespace dicomsec::findings {

struct KnownVulnerability {
  // The product as dicomsec names it: record.product.name from the fingerprint ("DCMTK",
  // "Conquest"), or the web probe's product ("Orthanc" from GET /system).
  std::string_view product;
  std::string_view cve;       // "CVE-2022-2119"
  std::string_view fixed_in;  // first upstream release with the fix; older ones are affected
  // CVSS v3.x base score as given by the source (NVD, CNA or CISA advisory); 0 when no
  // source we read gave one. Used only to order the evidence, never to change the severity.
  double cvss;
  std::string_view summary;  // one line, our words
  std::string_view source;   // where the CVE, the product and the fixed-in release were checked
};

std::span<const KnownVulnerability> known_vulnerabilities();

// The rows of `product` (case-insensitive) whose fix came after `observed`, most severe
// first (CVSS descending, unknown scores last, then newest CVE first). Rows whose fixed_in
// does not parse are never returned (a unit test keeps the table free of them).
std::vector<const KnownVulnerability*> vulnerabilities_fixed_after(std::string_view product,
                                                                   const Version& observed);

// A product and version seen on the wire, and where it came from.
struct ObservedProduct {
  std::string product;
  std::string version;  // as announced, before parsing
  std::string from;     // "implementation version name", "GET /system"
};

// What the record tells about the product's version: the DICOM fingerprint
// (record.product, only when it carries a version) first, then the web probe's product
// string ("Orthanc 1.10.1"). Empty when neither names a version.
std::vector<ObservedProduct> observed_products(const record::ScanRecord& record);

// DICOM-OUTDATED for one record, or nullopt: the observed version is older than the fixed-in
// release of at least one table row. The evidence names the most severe CVEs (at most
// kOutdatedCveCap, then "and N more") and says that distributions backport fixes without
// changing the version. An unknown or unparsable version gives no finding.
inline constexpr std::size_t kOutdatedCveCap = 3;
std::optional<record::FindingRef> outdated_finding(const record::ScanRecord& record);

}  // namespace dicomsec::findings
