#include "findings/vulnerabilities.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>

#include "core/bytes.hpp"
#include "findings/catalogue.hpp"

namespace dicomsec::findings {

namespace {

// Sources, named once. NVD/CVE records hold the description and the affected range; the
// advisories and distribution changelogs pin the release that carries the fix.
constexpr std::string_view kIcsma22174 =
    "https://www.cisa.gov/news-events/ics-medical-advisories/icsma-22-174-01 (DCMTK < 3.6.7)";
constexpr std::string_view kDcmtk369 =
    "https://lists.opensuse.org/archives/list/security-announce@lists.opensuse.org/thread/"
    "WGCW42LVEP5RLYCJ2ZF4ZZWGFA4Y2VOK/ (openSUSE-SU-2025:0053-1: the update to 3.6.9 fixes it)";
constexpr std::string_view kIcsma26181 =
    "https://www.cisa.gov/news-events/ics-medical-advisories/icsma-26-181-01 (DCMTK <= 3.7.0, fix "
    "in 3.7.1)";
constexpr std::string_view kCertOrthanc =
    "https://kb.cert.org/vuls/id/536588 (CERT/CC, Orthanc <= 1.12.10, fixed in 1.12.11)";

// clang-format off
constexpr std::array kTable{
  // ---- DCMTK (OFFIS). The version comes from the implementation version name
  // (OFFIS_DCMTK_367 -> 3.6.7). Debian and Ubuntu patch their 3.6.7 without changing it.
  KnownVulnerability{"DCMTK", "CVE-2021-41687", "3.6.7", 7.5,
      "dcmqrscp frees request memory incorrectly; repeated crafted requests exhaust memory (denial of service)",
      "https://nvd.nist.gov/vuln/detail/CVE-2021-41687 (through 3.6.6); Mageia and Debian DLA-3847-1 advisories"},
  KnownVulnerability{"DCMTK", "CVE-2021-41688", "3.6.7", 7.5,
      "dcmqrscp frees memory incorrectly while handling crafted requests (denial of service)",
      "https://nvd.nist.gov/vuln/detail/CVE-2021-41688 (through 3.6.6); Ubuntu USN-5882-1"},
  KnownVulnerability{"DCMTK", "CVE-2021-41689", "3.6.7", 7.5,
      "dcmqrscp's database code copies from a NULL pointer on crafted requests and crashes (denial of service)",
      "https://nvd.nist.gov/vuln/detail/CVE-2021-41689 (through 3.6.6); Ubuntu USN-5882-1"},
  KnownVulnerability{"DCMTK", "CVE-2021-41690", "3.6.7", 7.5,
      "file information kept in a global list is never freed; crafted requests exhaust memory (denial of service)",
      "https://osv.dev/vulnerability/CVE-2021-41690 (through 3.6.6, CVSS 7.5); Ubuntu USN-5882-1"},
  KnownVulnerability{"DCMTK", "CVE-2022-2119", "3.6.7", 7.5,
      "path traversal in the storage SCP: a sender can make the server write files outside its output directory",
      kIcsma22174},
  KnownVulnerability{"DCMTK", "CVE-2022-2120", "3.6.7", 7.5,
      "relative path traversal in the SCU: a server can make the client write files outside its output directory",
      kIcsma22174},
  KnownVulnerability{"DCMTK", "CVE-2022-2121", "3.6.7", 6.5,
      "NULL pointer dereference while processing crafted DICOM files (denial of service)",
      kIcsma22174},
  KnownVulnerability{"DCMTK", "CVE-2022-43272", "3.6.8", 0,
      "memory leak per association (T_ASC_Association) in single-process servers; many associations exhaust memory",
      "https://nvd.nist.gov/vuln/detail/CVE-2022-43272 (reported against 3.6.7); Ubuntu USN-5882-1, Mageia advisory"},
  KnownVulnerability{"DCMTK", "CVE-2024-27628", "3.6.9", 8.1,
      "buffer overflow in dcmect's EctEnhancedCT on crafted Enhanced CT objects (code execution)",
      kDcmtk369},
  KnownVulnerability{"DCMTK", "CVE-2024-28130", "3.6.9", 7.5,
      "incorrect type conversion in dcmpstat (DVPSSoftcopyVOI_PList) on crafted presentation states (memory corruption)",
      "https://nvd.nist.gov/vuln/detail/CVE-2024-28130 (Talos TALOS-2024-1957, 3.6.8); Debian DLA-3847-1"},
  KnownVulnerability{"DCMTK", "CVE-2024-34508", "3.6.9", 0,
      "an invalid DIMSE message crashes a C-STORE SCP in dcmnet (segmentation fault, denial of service)",
      "https://github.com/conan-io/conan-center-index/pull/26008 (upstream fix c78e434, released in 3.6.9); openSUSE-SU-2025:0053-1"},
  KnownVulnerability{"DCMTK", "CVE-2024-34509", "3.6.9", 5.3,
      "an invalid DIMSE message makes dcmdata crash (segmentation fault, denial of service)",
      "https://github.com/conan-io/conan-center-index/pull/26008 (upstream fix c78e434, released in 3.6.9); openSUSE-SU-2025:0053-1"},
  KnownVulnerability{"DCMTK", "CVE-2024-47796", "3.7.0", 0,
      "out-of-bounds write in dcmimgle's nowindow handling on crafted images",
      "https://nvd.nist.gov/vuln/detail/CVE-2024-47796; ALT Linux dcmtk 3.6.9-alt2 changelog "
      "backports the fix onto 3.6.9, its 3.7.0 carries no patch for it"},
  KnownVulnerability{"DCMTK", "CVE-2024-52333", "3.7.0", 0,
      "out-of-bounds write in dcmimgle's determineMinMax on crafted images",
      "https://nvd.nist.gov/vuln/detail/CVE-2024-52333; ALT Linux dcmtk 3.6.9-alt2 changelog "
      "backports the fix onto 3.6.9, its 3.7.0 carries no patch for it"},
  KnownVulnerability{"DCMTK", "CVE-2025-2357", "3.7.0", 0,
      "memory corruption on crafted input (reported against 3.6.9)",
      "https://nvd.nist.gov/vuln/detail/CVE-2025-2357; ALT Linux dcmtk 3.6.9-alt2 changelog "
      "backports the fix onto 3.6.9, its 3.7.0 carries no patch for it"},
  KnownVulnerability{"DCMTK", "CVE-2025-25472", "3.7.0", 0,
      "a crafted DICOM file crashes the parser (denial of service)",
      "https://nvd.nist.gov/vuln/detail/CVE-2025-25472; ALT Linux dcmtk 3.6.9-alt2 changelog "
      "backports the fix onto 3.6.9, its 3.7.0 carries no patch for it"},
  KnownVulnerability{"DCMTK", "CVE-2025-25474", "3.7.0", 0,
      "buffer overflow when processing an invalid DICOM image",
      "https://nvd.nist.gov/vuln/detail/CVE-2025-25474; ALT Linux dcmtk 3.6.9-alt2 changelog "
      "backports the fix onto 3.6.9, its 3.7.0 carries no patch for it"},
  KnownVulnerability{"DCMTK", "CVE-2025-25475", "3.7.0", 0,
      "crafted DICOM files crash the parser (denial of service)",
      "https://nvd.nist.gov/vuln/detail/CVE-2025-25475; ALT Linux dcmtk 3.6.9-alt2 changelog "
      "backports the fix onto 3.6.9, its 3.7.0 carries no patch for it"},
  KnownVulnerability{"DCMTK", "CVE-2025-9732", "3.7.0", 0,
      "out-of-bounds write on crafted image data",
      "https://nvd.nist.gov/vuln/detail/CVE-2025-9732; ALT Linux dcmtk 3.6.9-alt3 changelog backports the fix "
      "onto 3.6.9, its 3.7.0 carries no patch for it"},
  KnownVulnerability{"DCMTK", "CVE-2026-50003", "3.7.1", 9.8,
      "a server can make a C-GET client in bit-preserving mode write files outside its output directory (path traversal)",
      kIcsma26181},
  KnownVulnerability{"DCMTK", "CVE-2026-52868", "3.7.1", 8.2,
      "unauthenticated callers can read worklist records outside the configured storage area (path traversal)",
      kIcsma26181},
  KnownVulnerability{"DCMTK", "CVE-2026-50254", "3.7.1", 0,
      "memory leak on repeated association requests; a single-process server runs out of memory",
      kIcsma26181},
  KnownVulnerability{"DCMTK", "CVE-2026-35505", "3.7.1", 0,
      "memory exhaustion through repeated requests (missing release of memory)",
      kIcsma26181},
  KnownVulnerability{"DCMTK", "CVE-2026-44628", "3.7.1", 0,
      "one crafted query crashes the worklist server (denial of service)",
      kIcsma26181},

  // ---- Orthanc. The version comes from GET /system (web probe, level auth); its DICOM
  // port shows the DCMTK inside it, not Orthanc's own version.
  KnownVulnerability{"Orthanc", "CVE-2025-0896", "1.5.8", 9.8,
      "with remote access enabled, the REST API does not require authentication by default",
      "https://www.cisa.gov/news-events/ics-medical-advisories/icsma-25-037-02 (Orthanc < 1.5.8)"},
  KnownVulnerability{"Orthanc", "CVE-2023-33466", "1.12.0", 8.8,
      "authenticated API users can overwrite arbitrary files, including the configuration, leading to code execution",
      "https://nvd.nist.gov/vuln/detail/CVE-2023-33466 (Orthanc before 1.12.0); Shielder advisory 2023-10"},
  KnownVulnerability{"Orthanc", "CVE-2026-5437", "1.12.11", 0,
      "out-of-bounds read in the DICOM meta-header parser (DicomStreamReader)", kCertOrthanc},
  KnownVulnerability{"Orthanc", "CVE-2026-5438", "1.12.11", 0,
      "gzip decompression bomb in HTTP requests exhausts memory", kCertOrthanc},
  KnownVulnerability{"Orthanc", "CVE-2026-5439", "1.12.11", 0,
      "ZIP uploads whose metadata is trusted exhaust memory during extraction", kCertOrthanc},
  KnownVulnerability{"Orthanc", "CVE-2026-5440", "1.12.11", 0,
      "an unbounded Content-Length header makes the HTTP server allocate until it terminates", kCertOrthanc},
  KnownVulnerability{"Orthanc", "CVE-2026-5441", "1.12.11", 0,
      "out-of-bounds read in the Philips compression decoder", kCertOrthanc},
  KnownVulnerability{"Orthanc", "CVE-2026-5442", "1.12.11", 0,
      "heap buffer overflow from an integer overflow in the frame size computation", kCertOrthanc},
  KnownVulnerability{"Orthanc", "CVE-2026-5443", "1.12.11", 0,
      "heap buffer overflow while decoding PALETTE COLOR images", kCertOrthanc},
  KnownVulnerability{"Orthanc", "CVE-2026-5444", "1.12.11", 0,
      "heap buffer overflow while parsing PAM images", kCertOrthanc},
  KnownVulnerability{"Orthanc", "CVE-2026-5445", "1.12.11", 9.1,
      "out-of-bounds read in lookup-table decoding (palette indices not checked)", kCertOrthanc},

  // ---- GDCM. The version comes from the version name ("GDCM 3.0.22"); its network layer is
  // small, but an SCP built on it decodes what it receives with these codecs. Fedora patched
  // its 3.0.23 for all three, then dropped the patches with the update to 3.0.24.
  KnownVulnerability{"GDCM", "CVE-2024-22373", "3.0.24", 0,
      "out-of-bounds write in the JPEG 2000 decoder (JPEG2000Codec::DecodeByStreamsCommon) on crafted files",
      "https://talosintelligence.com/vulnerability_reports/TALOS-2024-1935; Fedora gdcm changelog 3.0.23-5, 3.0.24-1"},
  KnownVulnerability{"GDCM", "CVE-2024-22391", "3.0.24", 0,
      "heap overflow in LookupTable::SetLUT on crafted palette lookup tables",
      "https://talosintelligence.com/vulnerability_reports/TALOS-2024-1924; Fedora gdcm changelog 3.0.23-5, 3.0.24-1"},
  KnownVulnerability{"GDCM", "CVE-2024-25569", "3.0.24", 0,
      "out-of-bounds read in RAWCodec::DecodeBytes when the image geometry and pixel data disagree",
      "https://talosintelligence.com/vulnerability_reports/TALOS-2024-1944; Fedora gdcm changelog 3.0.23-5, 3.0.24-1"},

  // ---- Conquest DICOM server. The version comes from the implementation version name
  // ("1.4.19b/WIN32" -> 1.4.19b; the letter is a later patch release).
  KnownVulnerability{"Conquest", "CVE-2020-35308", "1.5.0", 0,
      "code execution vulnerability in the server before 1.5.0",
      "https://nvd.nist.gov/vuln/detail/CVE-2020-35308 (CONQUEST DICOM SERVER before 1.5.0); VulDB"},
};
// clang-format on

bool same_product(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto l = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
    if (l(a[i]) != l(b[i])) return false;
  }
  return true;
}

// A backport we have seen, per product, for the evidence: the lab's own Debian packages
// (dcmtk 3.6.7-9~deb12u4 and orthanc 1.10.1+dfsg-2+deb12u1 list them in changelog.Debian).
std::string_view backport_example(std::string_view product) {
  if (same_product(product, "Orthanc")) return "Debian's Orthanc 1.10.1 does for CVE-2023-33466";
  if (same_product(product, "DCMTK")) return "Debian's DCMTK 3.6.7 does";
  return "as Debian's DCMTK 3.6.7 does";
}

// "CVE-2026-5437" < "CVE-2026-50003": by year, then by the number's value.
bool newer_cve(std::string_view a, std::string_view b) {
  const auto year_a = a.substr(4, 4), year_b = b.substr(4, 4);
  if (year_a != year_b) return year_a > year_b;
  const auto num_a = a.substr(9), num_b = b.substr(9);
  if (num_a.size() != num_b.size()) return num_a.size() > num_b.size();
  return num_a > num_b;
}

std::string cve_label(const KnownVulnerability& v) {
  return v.cvss > 0 ? fmt::format("{} (CVSS {:.1f}, fixed in {})", v.cve, v.cvss, v.fixed_in)
                    : fmt::format("{} (fixed in {})", v.cve, v.fixed_in);
}

}  // namespace

std::span<const KnownVulnerability> known_vulnerabilities() { return kTable; }

std::vector<const KnownVulnerability*> vulnerabilities_fixed_after(std::string_view product,
                                                                   const Version& observed) {
  std::vector<const KnownVulnerability*> out;
  for (const auto& row : kTable) {
    if (!same_product(row.product, product)) continue;
    const auto fixed = parse_version(row.fixed_in);
    if (fixed && compare(observed, *fixed) < 0) out.push_back(&row);
  }
  std::stable_sort(out.begin(), out.end(), [](const auto* a, const auto* b) {
    if (a->cvss != b->cvss) return a->cvss > b->cvss;
    return newer_cve(a->cve, b->cve);
  });
  return out;
}

std::vector<ObservedProduct> observed_products(const record::ScanRecord& r) {
  std::vector<ObservedProduct> out;
  if (r.product && r.product->version && !r.product->version->empty())
    out.push_back({r.product->name, *r.product->version, "the DICOM fingerprint"});
  if (r.web && r.web->product) {
    // "Orthanc 1.10.1": the name, a space, the version (web probe, GET /system).
    const auto& p = *r.web->product;
    if (auto space = p.rfind(' '); space != std::string::npos && space > 0 && space + 1 < p.size())
      out.push_back({p.substr(0, space), p.substr(space + 1), "GET /system"});
  }
  return out;
}

std::optional<record::FindingRef> outdated_finding(const record::ScanRecord& r) {
  for (const auto& seen : observed_products(r)) {
    const auto version = parse_version(seen.version);
    if (!version) continue;  // unknown version: no verdict
    const auto rows = vulnerabilities_fixed_after(seen.product, *version);
    if (rows.empty()) continue;
    std::vector<std::string> named;
    for (std::size_t i = 0; i < rows.size() && i < kOutdatedCveCap; ++i)
      named.push_back(cve_label(*rows[i]));
    const auto more = rows.size() > named.size()
                          ? fmt::format(" and {} more", rows.size() - named.size())
                          : std::string();
    const auto* def = find("DICOM-OUTDATED");
    return record::FindingRef{
        "DICOM-OUTDATED", std::string(severity_name(def ? def->severity : Severity::Medium)),
        fmt::format(
            "{} {} (from {}) is older than the release that fixed {} known vulnerabilit{}: {}{}; "
            "version older than the fix; confirm the patch level: distributions backport fixes "
            "without changing the version ({})",
            printable(seen.product), printable(seen.version), seen.from, rows.size(),
            rows.size() == 1 ? "y" : "ies", fmt::join(named, ", "), more,
            backport_example(seen.product))};
  }
  return std::nullopt;
}

}  // namespace dicomsec::findings
