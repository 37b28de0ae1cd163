#include "findings/catalogue.hpp"

#include <array>

namespace dicomsec::findings {

namespace {

// NSA Manageable Network Plan v2.2 milestones: 2 Map, 3 Protect (architecture), 4 Reach
// (device accessibility), 5 Control (user access), 6 Manage I (patches), 7 Manage II
// (baselines), 8 Document.
constexpr std::array kChecklist{
    ChecklistItem{"CL-1", 2, "Map Your Network",
                  "Keep an inventory of every DICOM node: AE title, address, port, product and version."},
    ChecklistItem{"CL-2", 3, "Protect Your Network",
                  "Keep DICOM services off the internet; put imaging devices in their own segment behind a firewall."},
    ChecklistItem{"CL-3", 4, "Reach Your Network",
                  "Encrypt DICOM in transit: TLS on port 2762, or a TLS gateway in front of legacy devices."},
    ChecklistItem{"CL-4", 5, "Control Your Network",
                  "Accept associations only from known AE titles at known addresses; check the called AE title."},
    ChecklistItem{"CL-5", 5, "Control Your Network",
                  "Require authentication on DICOMweb and vendor REST APIs; remove default credentials."},
    ChecklistItem{"CL-6", 6, "Manage Your Network I",
                  "Patch DICOM software; replace versions with known vulnerabilities."},
    ChecklistItem{"CL-7", 7, "Manage Your Network II",
                  "Baseline TLS: TLS 1.2+ only, strong suites, valid certificates from a managed CA."},
    ChecklistItem{"CL-8", 8, "Document Your Network",
                  "Log and review DICOM traffic and associations (ATNA audit); know where patient data flows."},
};

constexpr std::array kCatalogue{
    Definition{"DICOM-EXPOSED", Severity::Info, "DICOM service reachable",
               "Confirm this service is meant to be reachable from where the scan ran; restrict it with a firewall to the nodes that need it.",
               "CL-1", "T1046,ICS:T0846,ICS:T0883"},
    Definition{"DICOM-NO-TLS", Severity::High, "DICOM association accepted in cleartext",
               "Enable DICOM TLS (DCMTK: +tls with +px/+py; Orthanc: DicomTlsEnabled; dcm4chee: a TLS connection on 2762) and disable the cleartext port, or put the device behind a TLS gateway (dicomsec gateway).",
               "CL-3", "T1040,T1557,ICS:T0842,ICS:T0830"},
    Definition{"DICOM-ANY-CALLED-AE", Severity::Medium, "Any called AE title accepted",
               "Make the server check the called AE title (Orthanc: DicomCheckCalledAet true; DCMTK storescp: run dcmqrscp or --fork with an AE config; dcm4chee: bind the AE to its title).",
               "CL-4", "T1190,ICS:T0883,ICS:T0886"},
    Definition{"DICOM-ANY-CALLING-AE", Severity::High, "Unknown calling AE title accepted",
               "Accept associations only from configured peers (Orthanc: DicomAlwaysAllowEcho/Store false and DicomModalities; dcmqrscp: AETable/HostTable; dcm4chee: accept only known AEs).",
               "CL-4", "T1190,T1078,ICS:T0886,ICS:T0859"},
    Definition{"DICOM-FIND-OPEN", Severity::Critical, "C-FIND returns matches to an unknown AE",
               "Restrict query to known AE titles and addresses; require TLS with client certificates for remote query.",
               "CL-4", "T1213,ICS:T0811,ICS:T0882"},
    Definition{"DICOM-GET-OPEN", Severity::Critical, "C-GET retrieval allowed to an unknown AE",
               "Restrict retrieval to known AE titles; disable C-GET where no client needs it.",
               "CL-4", "T1213,T1005,ICS:T0811,ICS:T0882"},
    Definition{"DICOM-MOVE-OPEN", Severity::Critical, "C-MOVE retrieval allowed to an unknown AE",
               "Restrict C-MOVE to known AE titles and only to configured destinations.",
               "CL-4", "T1213,T1005,ICS:T0811,ICS:T0882"},
    Definition{"DICOM-STORE-OPEN", Severity::High, "Storage accepted from an unknown AE",
               "Accept C-STORE only from known modalities; delete the dicomsec test object the report names.",
               "CL-4", "T1565.001,ICS:T0832"},
    Definition{"DICOM-OUTDATED", Severity::Medium, "Outdated DICOM implementation",
               "Update the product to a supported release; ask the vendor for its patch status (MDS2).",
               "CL-6", "T1190,ICS:T0819,ICS:T0866"},
    Definition{"DICOMWEB-NO-AUTH", Severity::Critical, "DICOMweb/REST answers without credentials",
               "Enable authentication on the web API (Orthanc: AuthenticationEnabled true, RemoteAccessAllowed false unless needed) and serve it over HTTPS only.",
               "CL-5", "T1190,T1213,ICS:T0811"},
    Definition{"DICOMWEB-DEFAULT-CREDS", Severity::Critical, "Vendor default credentials work",
               "Change or remove the default account; use unique credentials per installation.",
               "CL-5", "T1078.001,ICS:T0812"},
    Definition{"TLS-WEAK-PROTOCOL", Severity::High, "Obsolete TLS protocol accepted",
               "Allow TLS 1.2 and 1.3 only (RFC 8996; DICOM PS3.15 B.12/B.13 profiles).",
               "CL-7", "T1557,ICS:T0830"},
    Definition{"TLS-WEAK-CIPHER", Severity::Medium, "Weak TLS cipher suite accepted",
               "Allow only the suites of the BCP 195 profiles: ECDHE/DHE with AES-GCM or ChaCha20-Poly1305.",
               "CL-7", "T1557,ICS:T0830"},
    Definition{"TLS-CERT-EXPIRED", Severity::High, "TLS certificate expired",
               "Renew the certificate; automate renewal (ACME) so it cannot lapse again.",
               "CL-7", "T1557"},
    Definition{"TLS-CERT-SELF-SIGNED", Severity::Medium, "Self-signed TLS certificate",
               "Issue the certificate from the organisation's CA (or ACME) so peers can verify it.",
               "CL-7", "T1557"},
    Definition{"TLS-CERT-WEAK-KEY", Severity::High, "Weak TLS certificate key",
               "Use RSA 2048+ or ECDSA P-256+ keys with SHA-256+ signatures.",
               "CL-7", "T1557"},
    Definition{"TLS-NO-CLIENT-AUTH", Severity::Low, "Server does not ask for a client certificate",
               "Require client certificates from known nodes (DICOM node authentication, PS3.15 B.9).",
               "CL-4", "T1078,ICS:T0886"},
    Definition{"TLS-PLAINTEXT-ALSO", Severity::High, "Cleartext DICOM offered beside TLS",
               "Close the cleartext port once all peers use TLS.",
               "CL-3", "T1040,T1557,ICS:T0842"},
    Definition{"PCAP-CLEARTEXT-PHI", Severity::High, "Patient data seen in cleartext",
               "Encrypt the link (DICOM TLS or a TLS gateway); restrict who can capture on this segment.",
               "CL-3", "T1040,ICS:T0842"},
    Definition{"PCAP-CLEARTEXT-CREDENTIALS", Severity::Critical, "Credentials sent in cleartext",
               "Use User Identity negotiation only inside TLS; change the exposed password.",
               "CL-3", "T1040,T1552,ICS:T0842"},
};

}  // namespace

std::string_view severity_name(Severity s) {
  switch (s) {
    case Severity::Info: return "info";
    case Severity::Low: return "low";
    case Severity::Medium: return "medium";
    case Severity::High: return "high";
    case Severity::Critical: return "critical";
  }
  return "info";
}

std::optional<Severity> parse_severity(std::string_view s) {
  for (auto v : {Severity::Info, Severity::Low, Severity::Medium, Severity::High,
                 Severity::Critical})
    if (severity_name(v) == s) return v;
  return std::nullopt;
}

std::span<const Definition> catalogue() { return kCatalogue; }
std::span<const ChecklistItem> checklist() { return kChecklist; }

const Definition* find(std::string_view id) {
  for (const auto& d : kCatalogue)
    if (d.id == id) return &d;
  return nullptr;
}

}  // namespace dicomsec::findings
