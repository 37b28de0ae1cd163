#include "findings/catalogue.hpp"

#include <array>

namespace dicomsec::findings {

namespace {

// NSA Manageable Network Plan v2.2 milestones: 2 Map, 3 Protect (architecture), 4 Reach
// (device accessibility), 5 Control (user access), 6 Manage I (patches), 7 Manage II
// (baselines), 8 Document. docs/checklist.md is the one-page print of this table.
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

// ATT&CK ids, checked against attack.mitre.org (Enterprise and ICS matrices). Only ids whose
// description matches what the finding lets an adversary do: e.g. T1005 (Data from Local
// System) does not fit a retrieval over the network, T1213/ICS:T0811 (Data from Information
// Repositories) does.
constexpr std::array kCatalogue{
    Definition{"DICOM-EXPOSED", Severity::Info, "DICOM service reachable",
               "Confirm the service is meant to be reachable from where the scan ran, record it in the inventory, and limit it with a firewall to the nodes that need it.",
               "CL-1", "T1046,T1596.005,ICS:T0846,ICS:T0883,ICS:T0888"},
    Definition{"DICOM-NO-TLS", Severity::High, "DICOM association accepted in cleartext",
               "Enable DICOM TLS (port 2762) and close the cleartext port once the peers use it; put a TLS gateway (for example stunnel) in front of devices that cannot speak TLS.",
               "CL-3", "T1040,T1557,T1565.002,ICS:T0842,ICS:T0830"},
    Definition{"DICOM-ANY-CALLED-AE", Severity::Medium, "Any called AE title accepted",
               "Make the server answer only to its own AE title(s), so a caller must know the title before it can talk to the service.",
               "CL-4", "T1190,ICS:T0886"},
    Definition{"DICOM-ANY-CALLING-AE", Severity::High, "Unknown calling AE title accepted",
               "Accept associations only from configured peers (AE title and address); refuse every other calling AE title.",
               "CL-4", "T1190,ICS:T0886"},
    Definition{"DICOM-FIND-OPEN", Severity::Critical, "C-FIND returns matches to an unknown AE",
               "Allow query only to configured AE titles at known addresses; require TLS with client certificates for query from other sites.",
               "CL-4", "T1213,T1190,ICS:T0811,ICS:T0882"},
    Definition{"DICOM-GET-OPEN", Severity::Critical, "C-GET retrieval allowed to an unknown AE",
               "Allow retrieval only to configured AE titles; disable C-GET where no client needs it.",
               "CL-4", "T1213,T1190,ICS:T0811,ICS:T0882"},
    Definition{"DICOM-MOVE-OPEN", Severity::Critical, "C-MOVE retrieval allowed to an unknown AE",
               "Allow C-MOVE only from configured AE titles and only to configured destinations.",
               "CL-4", "T1213,T1190,ICS:T0811,ICS:T0882"},
    Definition{"DICOM-STORE-OPEN", Severity::High, "Storage accepted from an unknown AE",
               "Accept C-STORE only from known modalities and peers; delete the dicomsec test object the report names.",
               "CL-4", "T1565.001,T1190,ICS:T0832"},
    Definition{"DICOM-OUTDATED", Severity::Medium, "Outdated DICOM implementation",
               "Confirm the patch level first: distributions backport fixes without changing the version, so compare the package's changelog with the CVEs named. Where a fix is missing, update to a supported release; ask the vendor for its patch status (MDS2 form) where you cannot update yourself.",
               "CL-6", "T1190,T1210,ICS:T0819,ICS:T0866"},
    // Issue 12 §3: an inventory fact, not a fault of the server; it never replaces the exposure
    // findings. T1596.005: honeypots are what inflates the scan databases an adversary searches.
    Definition{"DICOM-HONEYPOT-LIKELY", Severity::Info, "DICOM service behaves like a known honeypot",
               "Check the inventory: if the address is not a honeypot your organisation runs on purpose, treat it as an unknown DICOM service and find its owner. Keep deliberate honeypots out of exposure counts and out of segments where clinical peers could send it real studies.",
               "CL-1", "T1596.005"},
    Definition{"DICOMWEB-NO-AUTH", Severity::Critical, "DICOMweb/REST answers without credentials",
               "Require authentication on the web API, serve it over HTTPS only, and do not expose it beyond the clients that need it.",
               "CL-5", "T1190,T1213,ICS:T0811,ICS:T0882"},
    Definition{"DICOMWEB-DEFAULT-CREDS", Severity::Critical, "Vendor default credentials work",
               "Change or remove the default account; use unique credentials per installation.",
               "CL-5", "T1078.001,ICS:T0812,ICS:T0859"},
    Definition{"TLS-WEAK-PROTOCOL", Severity::High, "Obsolete TLS protocol accepted",
               "Allow TLS 1.2 and 1.3 only (RFC 8996 retires TLS 1.0 and 1.1; DICOM PS3.15 BCP 195 profiles).",
               "CL-7", "T1557,ICS:T0830"},
    Definition{"TLS-WEAK-CIPHER", Severity::Medium, "Weak TLS cipher suite accepted",
               "Allow only the suites of the BCP 195 profiles: ECDHE with AES-GCM or ChaCha20-Poly1305 (TLS 1.2), and the TLS 1.3 suites.",
               "CL-7", "T1557,ICS:T0830"},
    Definition{"TLS-CERT-EXPIRED", Severity::High, "TLS certificate expired",
               "Renew the certificate and put its expiry date in the inventory, with a reminder well before it.",
               "CL-7", "T1557,ICS:T0830"},
    Definition{"TLS-CERT-SELF-SIGNED", Severity::Medium, "Self-signed TLS certificate",
               "Issue the certificate from the organisation's CA so peers can verify it instead of trusting it blindly.",
               "CL-7", "T1557,ICS:T0830"},
    Definition{"TLS-CERT-WEAK-KEY", Severity::High, "Weak TLS certificate key",
               "Use RSA 2048+ or ECDSA P-256+ keys with SHA-256+ signatures.",
               "CL-7", "T1557,ICS:T0830"},
    Definition{"TLS-NO-CLIENT-AUTH", Severity::Low, "Server does not ask for a client certificate",
               "Require client certificates from known nodes (DICOM node authentication with TLS, PS3.15 Annex B).",
               "CL-4", "T1190,ICS:T0886"},
    Definition{"TLS-PLAINTEXT-ALSO", Severity::High, "Cleartext DICOM offered beside TLS",
               "Close the cleartext port once all peers use TLS, or firewall it to the TLS gateway only.",
               "CL-3", "T1040,T1557,ICS:T0842,ICS:T0830"},
    Definition{"PCAP-CLEARTEXT-PHI", Severity::High, "Patient data seen in cleartext",
               "Encrypt the link (DICOM TLS or a TLS gateway); restrict who can capture on this segment.",
               "CL-3", "T1040,ICS:T0842"},
    Definition{"PCAP-CLEARTEXT-CREDENTIALS", Severity::Critical, "Credentials sent in cleartext",
               "Use User Identity negotiation only inside TLS; change the exposed password.",
               "CL-3", "T1040,T1078,ICS:T0842,ICS:T0859"},
    // Issue 14: seen on the wire by `dicomsec pcap`.
    Definition{"PCAP-AE-MULTI-IP", Severity::Medium, "One AE title used from more than one address",
               "Give every node its own AE title and bind each title to one address in the peers' configuration (C-MOVE destinations resolve by title); investigate an unexpected address as possible spoofing.",
               "CL-4", "T1036,T1557,ICS:T0849,ICS:T0848"},
};

// Sources, named once so every row cites the same document.
constexpr std::string_view kDcmtkMan = "DCMTK 3.6.7 man pages storescp(1), dcmqrscp(1); /etc/dcmtk/dcmqrscp.cfg";
constexpr std::string_view kOrthancCfg =
    "Orthanc 1.10 default configuration (Orthanc --config=FILE); https://orthanc.uclouvain.be/book/faq/dicom-tls.html";
constexpr std::string_view kDcm4cheeCfg =
    "dcm4chee-arc configuration reference (dcmNetworkAE, archiveNetworkAE, dcmNetworkConnection), https://github.com/dcm4che/dcm4chee-arc-cs";
constexpr std::string_view kConquestSrc =
    "Conquest DICOM server source (dgate.cpp: [lua] association/command hooks, ACRNEMA.MAP), https://github.com/marcelvanherk/Conquest-DICOM-Server";
constexpr std::string_view kStunnelMan = "stunnel(8) 5.68 man page";

// Verified facts only: each row names a setting that exists in the product's own
// documentation, default configuration or source. Products that have no such setting for a
// finding have no row, and the generic remediation applies.
constexpr std::array kProductRemediations{
    // DICOM-EXPOSED
    ProductRemediation{"DICOM-EXPOSED", "DCMTK",
                       "storescp and dcmqrscp listen on every address; restrict them with the host firewall, or start them with +ac (TCP wrapper rules for 'storescp'/'dcmqrscp' in /etc/hosts.allow and /etc/hosts.deny).",
                       kDcmtkMan},
    ProductRemediation{"DICOM-EXPOSED", "Orthanc",
                       "Set \"DicomServerEnabled\": false if nobody uses DICOM; otherwise firewall DicomPort to the peers in \"DicomModalities\" (RemoteAccessAllowed only covers HTTP).",
                       kOrthancCfg},
    ProductRemediation{"DICOM-EXPOSED", "dcm4chee",
                       "Set dcmBindAddress on the dicomNetworkConnection to the imaging VLAN's address and firewall the port to known peers.",
                       kDcm4cheeCfg},
    ProductRemediation{"DICOM-EXPOSED", "Conquest",
                       "dgate listens on TCPPort from dicom.ini on every address; limit that port with the host firewall.",
                       kConquestSrc},
    // DICOM-NO-TLS
    ProductRemediation{"DICOM-NO-TLS", "DCMTK",
                       "Run the TLS listener as 'storescp +tls server.key server.crt +cf ca.pem PORT' (default profile +py, non-downgrading BCP 195); dcmqrscp 3.6.7 has no TLS option: put stunnel in front of it.",
                       kDcmtkMan},
    ProductRemediation{"DICOM-NO-TLS", "Orthanc",
                       "Set \"DicomTlsEnabled\": true with \"DicomTlsCertificate\", \"DicomTlsPrivateKey\" and \"DicomTlsTrustedCertificates\" (Orthanc 1.9.0+); DicomPort then speaks TLS only. Set \"UseDicomTls\": true in each DicomModalities entry Orthanc sends to.",
                       kOrthancCfg},
    ProductRemediation{"DICOM-NO-TLS", "dcm4chee",
                       "Reference a TLS connection (a dicomNetworkConnection with dicomTLSCipherSuite; the default configuration has one on port 2762) from the AE's dicomNetworkConnectionReference, and remove the cleartext one once peers use TLS.",
                       kDcm4cheeCfg},
    ProductRemediation{"DICOM-NO-TLS", "Conquest",
                       "dgate has no DICOM TLS: put stunnel in front (accept = 2762, connect = 127.0.0.1:TCPPort, cert/key) and firewall TCPPort to the gateway.",
                       kConquestSrc},
    // DICOM-ANY-CALLED-AE
    ProductRemediation{"DICOM-ANY-CALLED-AE", "DCMTK",
                       "storescp accepts any called AE title and has no option to check it; use dcmqrscp, which answers only to the AE titles of the AETable in dcmqrscp.cfg.",
                       kDcmtkMan},
    ProductRemediation{"DICOM-ANY-CALLED-AE", "Orthanc",
                       "Set \"DicomCheckCalledAet\": true (the default is false) so only \"DicomAet\" is accepted.",
                       kOrthancCfg},
    ProductRemediation{"DICOM-ANY-CALLED-AE", "dcm4chee",
                       "The archive answers to its dicomAETitle and to every dcmOtherAETitle; remove dcmOtherAETitle values no peer uses.",
                       kDcm4cheeCfg},
    // DICOM-ANY-CALLING-AE
    ProductRemediation{"DICOM-ANY-CALLING-AE", "DCMTK",
                       "In dcmqrscp.cfg replace ANY in the Peers column of the AETable with HostTable entries (AETitle, hostname, port); storescp cannot check calling AE titles, so limit it by address with +ac.",
                       kDcmtkMan},
    ProductRemediation{"DICOM-ANY-CALLING-AE", "Orthanc",
                       "Set \"DicomAlwaysAllowEcho\": false and \"DicomAlwaysAllowStore\": false (both default true), list the peers in \"DicomModalities\", and set \"DicomCheckModalityHost\": true so title and address must both match.",
                       kOrthancCfg},
    ProductRemediation{"DICOM-ANY-CALLING-AE", "dcm4chee",
                       "List the peers in dcmAcceptedCallingAETitle on the network AE; while it is absent, any calling AE is accepted.",
                       kDcm4cheeCfg},
    ProductRemediation{"DICOM-ANY-CALLING-AE", "Conquest",
                       "Add a [lua] association = ... hook to dicom.ini that calls reject() unless Association.Calling (and Association.ConnectedIP) is one of your peers.",
                       kConquestSrc},
    // DICOM-FIND-OPEN
    ProductRemediation{"DICOM-FIND-OPEN", "DCMTK",
                       "dcmqrscp.cfg: give each storage area in the AETable a Peers list instead of ANY; only those peers may query it.",
                       kDcmtkMan},
    ProductRemediation{"DICOM-FIND-OPEN", "Orthanc",
                       "Keep \"DicomAlwaysAllowFind\" and \"DicomAlwaysAllowFindWorklist\" false (the defaults) and set \"AllowFind\": false on DicomModalities entries that do not query.",
                       kOrthancCfg},
    ProductRemediation{"DICOM-FIND-OPEN", "dcm4chee",
                       "Set dcmAcceptedCallingAETitle on the AE, and dcmAccessControlID on the archive AE to limit what query/retrieve requests see.",
                       kDcm4cheeCfg},
    ProductRemediation{"DICOM-FIND-OPEN", "Conquest",
                       "Reject unknown callers in the dicom.ini [lua] association hook (Association.Calling) or per request in the [lua] command hook.",
                       kConquestSrc},
    // DICOM-GET-OPEN
    ProductRemediation{"DICOM-GET-OPEN", "DCMTK",
                       "Start dcmqrscp with --disable-get if no client uses C-GET, and replace ANY peers in the AETable.",
                       kDcmtkMan},
    ProductRemediation{"DICOM-GET-OPEN", "Orthanc",
                       "Keep \"DicomAlwaysAllowGet\": false (the default) and set \"AllowGet\": false on DicomModalities entries that do not retrieve.",
                       kOrthancCfg},
    ProductRemediation{"DICOM-GET-OPEN", "dcm4chee",
                       "Set dcmAcceptedCallingAETitle on the AE and dcmAccessControlID on the archive AE.",
                       kDcm4cheeCfg},
    ProductRemediation{"DICOM-GET-OPEN", "Conquest",
                       "Reject unknown callers in the dicom.ini [lua] association or command hook.",
                       kConquestSrc},
    // DICOM-MOVE-OPEN
    ProductRemediation{"DICOM-MOVE-OPEN", "DCMTK",
                       "dcmqrscp sends only to HostTable destinations; add -ZA (or -ZH) to restrict the destination to the requesting AE title (or host), and replace ANY peers.",
                       kDcmtkMan},
    ProductRemediation{"DICOM-MOVE-OPEN", "Orthanc",
                       "Keep \"DicomAlwaysAllowMove\": false (the default; option new in 1.9.7) and set \"AllowMove\": false on DicomModalities entries that do not retrieve.",
                       kOrthancCfg},
    ProductRemediation{"DICOM-MOVE-OPEN", "dcm4chee",
                       "List the permitted destinations in dcmAcceptedMoveDestination on the archive AE (any destination is accepted while it is absent).",
                       kDcm4cheeCfg},
    ProductRemediation{"DICOM-MOVE-OPEN", "Conquest",
                       "C-MOVE destinations come from ACRNEMA.MAP: remove the wildcard example lines (AE V*, W*, S* with host *) and list only real destinations.",
                       kConquestSrc},
    // DICOM-STORE-OPEN
    ProductRemediation{"DICOM-STORE-OPEN", "DCMTK",
                       "dcmqrscp.cfg: make areas that must not receive images read-only (Access R) and replace ANY peers; limit storescp by address with +ac.",
                       kDcmtkMan},
    ProductRemediation{"DICOM-STORE-OPEN", "Orthanc",
                       "Set \"DicomAlwaysAllowStore\": false (default true) and \"AllowStore\": true only on the DicomModalities entries that send images.",
                       kOrthancCfg},
    ProductRemediation{"DICOM-STORE-OPEN", "dcm4chee",
                       "List the modalities in dcmAcceptedCallingAETitle on the receiving AE.",
                       kDcm4cheeCfg},
    ProductRemediation{"DICOM-STORE-OPEN", "Conquest",
                       "Reject unknown callers in the dicom.ini [lua] association hook (Association.Calling, Association.ConnectedIP).",
                       kConquestSrc},
    // DICOM-OUTDATED
    ProductRemediation{"DICOM-OUTDATED", "DCMTK",
                       "'storescp --version' shows the upstream release only; on Debian and Ubuntu the package revision decides (apt changelog dcmtk, or the security tracker's page for source package dcmtk, lists the CVEs fixed). Upgrade with apt-get install --only-upgrade dcmtk.",
                       "DCMTK 3.6.7 man page storescp(1); https://security-tracker.debian.org/tracker/source-package/dcmtk"},
    ProductRemediation{"DICOM-OUTDATED", "Orthanc",
                       "Check 'Orthanc --version' (or GET /system, field Version) and upgrade to the current release. Debian's 1.10.1+dfsg-2+deb12u1 backports the CVE-2023-33466 fix as \"RestApiWriteToFileSystemEnabled\": keep it false.",
                       "Orthanc 1.10 default configuration; Debian orthanc 1.10.1+dfsg-2+deb12u1 changelog (bookworm-security)"},
    ProductRemediation{"DICOM-OUTDATED", "dcm4chee",
                       "Compare dicomSoftwareVersion on the device entry with the current dcm4chee-arc-light release and upgrade.",
                       kDcm4cheeCfg},
    ProductRemediation{"DICOM-OUTDATED", "Conquest",
                       "dgate logs its version at start ('DICOM server ... (version ...)'); upgrade to the current release from the project's GitHub page.",
                       kConquestSrc},
    // DICOMWEB-NO-AUTH
    ProductRemediation{"DICOMWEB-NO-AUTH", "Orthanc",
                       "Set \"AuthenticationEnabled\": true with accounts in \"RegisteredUsers\", keep \"RemoteAccessAllowed\": false unless needed, and serve HTTPS (\"SslEnabled\": true, \"SslCertificate\").",
                       kOrthancCfg},
    ProductRemediation{"DICOMWEB-NO-AUTH", "dcm4chee",
                       "Run the secured archive (Keycloak) as in the dcm4chee-arc-light wiki page 'Run secured archive services on a single host'.",
                       "https://github.com/dcm4che/dcm4chee-arc-light/wiki/Run-secured-archive-services-on-a-single-host"},
    // DICOMWEB-DEFAULT-CREDS
    ProductRemediation{"DICOMWEB-DEFAULT-CREDS", "Orthanc",
                       "Replace every account in \"RegisteredUsers\" (passwords are stored in plain text there; protect the file); in the orthancteam/orthanc Docker images set ORTHANC__REGISTERED_USERS.",
                       "Orthanc 1.10 default configuration; https://orthanc.uclouvain.be/book/users/docker-orthancteam.html"},
    ProductRemediation{"DICOMWEB-DEFAULT-CREDS", "dcm4chee",
                       "Change the passwords of the preconfigured Keycloak users (root, admin, user) of the secured archive.",
                       "https://github.com/dcm4che/dcm4chee-arc-light/wiki/Secure-Archive-Users-and-Roles"},
    // TLS-WEAK-PROTOCOL
    ProductRemediation{"TLS-WEAK-PROTOCOL", "DCMTK",
                       "Keep a BCP 195 profile (+py, the default, or +px); never the retired +pb, +pa or +pn.",
                       kDcmtkMan},
    ProductRemediation{"TLS-WEAK-PROTOCOL", "Orthanc",
                       "HTTPS: keep \"SslMinimumProtocolVersion\": 4 (TLS 1.2, the default). DICOM TLS uses DCMTK's settings: verify with dicomsec tls after each upgrade.",
                       kOrthancCfg},
    ProductRemediation{"TLS-WEAK-PROTOCOL", "dcm4chee",
                       "Set dcmTLSProtocol on the TLS connection to TLSv1.2 (and TLSv1.3 where offered); older defaults also enabled TLS 1.0 and 1.1.",
                       "dcm4chee-arc conformance statement, Security Profiles; dcmNetworkConnection reference"},
    ProductRemediation{"TLS-WEAK-PROTOCOL", "Conquest",
                       "In the stunnel service in front of dgate set sslVersionMin = TLSv1.2.",
                       kStunnelMan},
    // TLS-WEAK-CIPHER
    ProductRemediation{"TLS-WEAK-CIPHER", "DCMTK",
                       "Do not add suites with +cs; the +py/+px profiles choose BCP 195 suites.",
                       kDcmtkMan},
    ProductRemediation{"TLS-WEAK-CIPHER", "Orthanc",
                       "HTTPS: list only strong suites in \"SslCiphersAccepted\".",
                       kOrthancCfg},
    ProductRemediation{"TLS-WEAK-CIPHER", "dcm4chee",
                       "List only TLS_ECDHE_*_WITH_AES_*_GCM_* suites in dicomTLSCipherSuite on the TLS connection.",
                       kDcm4cheeCfg},
    ProductRemediation{"TLS-WEAK-CIPHER", "Conquest",
                       "In the stunnel service set ciphers = to ECDHE AES-GCM/ChaCha20 suites (TLS 1.3 suites: ciphersuites =).",
                       kStunnelMan},
    // Certificates
    ProductRemediation{"TLS-CERT-EXPIRED", "DCMTK",
                       "Replace the certificate file given to +tls and restart the listener.", kDcmtkMan},
    ProductRemediation{"TLS-CERT-EXPIRED", "Orthanc",
                       "Replace the files named by \"DicomTlsCertificate\"/\"DicomTlsPrivateKey\" (DICOM) or \"SslCertificate\" (HTTPS) and restart Orthanc.",
                       kOrthancCfg},
    ProductRemediation{"TLS-CERT-SELF-SIGNED", "DCMTK",
                       "Use a CA-issued certificate with +tls and give peers the CA with +cf (or +cd).", kDcmtkMan},
    ProductRemediation{"TLS-CERT-SELF-SIGNED", "Orthanc",
                       "Point \"DicomTlsCertificate\" at a CA-issued certificate and put the CA certificate in each peer's trust list.",
                       kOrthancCfg},
    ProductRemediation{"TLS-CERT-WEAK-KEY", "DCMTK",
                       "Issue a new key (openssl req -newkey rsa:3072 or ec) and pass it with +tls.", kDcmtkMan},
    ProductRemediation{"TLS-CERT-WEAK-KEY", "Orthanc",
                       "Issue a new key and certificate for \"DicomTlsPrivateKey\"/\"DicomTlsCertificate\".", kOrthancCfg},
    // TLS-NO-CLIENT-AUTH
    ProductRemediation{"TLS-NO-CLIENT-AUTH", "DCMTK",
                       "Keep -rc (require peer certificate, the default) with +cf/+cd trusted certificates; do not run with -ic or -vc.",
                       kDcmtkMan},
    ProductRemediation{"TLS-NO-CLIENT-AUTH", "Orthanc",
                       "Keep \"DicomTlsRemoteCertificateRequired\": true (the default, Orthanc 1.9.3+) and list peers' certificates in \"DicomTlsTrustedCertificates\".",
                       kOrthancCfg},
    ProductRemediation{"TLS-NO-CLIENT-AUTH", "dcm4chee",
                       "Set dcmTLSNeedClientAuth: true on the TLS connection and put the peers' CA in the trust store.",
                       kDcm4cheeCfg},
    ProductRemediation{"TLS-NO-CLIENT-AUTH", "Conquest",
                       "In the stunnel service set verifyChain = yes with CAfile = your CA (requireCert = yes).",
                       kStunnelMan},
    // TLS-PLAINTEXT-ALSO
    ProductRemediation{"TLS-PLAINTEXT-ALSO", "DCMTK",
                       "Stop the cleartext storescp/dcmqrscp instance once peers use the TLS listener.", kDcmtkMan},
    ProductRemediation{"TLS-PLAINTEXT-ALSO", "Orthanc",
                       "Orthanc has one DicomPort: with \"DicomTlsEnabled\": true it is TLS only; a cleartext answer means a second instance or a proxy still listens.",
                       kOrthancCfg},
    ProductRemediation{"TLS-PLAINTEXT-ALSO", "dcm4chee",
                       "Remove the cleartext connection from the AE's dicomNetworkConnectionReference and keep only the TLS one.",
                       kDcm4cheeCfg},
    ProductRemediation{"TLS-PLAINTEXT-ALSO", "Conquest",
                       "Firewall dgate's TCPPort so only the TLS gateway can reach it.", kConquestSrc},
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
std::span<const ProductRemediation> product_remediations() { return kProductRemediations; }

const Definition* find(std::string_view id) {
  for (const auto& d : kCatalogue)
    if (d.id == id) return &d;
  return nullptr;
}

const ChecklistItem* find_checklist_item(std::string_view id) {
  for (const auto& c : kChecklist)
    if (c.id == id) return &c;
  return nullptr;
}

std::vector<const ProductRemediation*> remediations_for(std::string_view finding_id) {
  std::vector<const ProductRemediation*> out;
  for (auto product : kProducts)
    for (const auto& r : kProductRemediations)
      if (r.finding == finding_id && r.product == product) out.push_back(&r);
  return out;
}

std::vector<const Definition*> findings_for(std::string_view checklist_id) {
  std::vector<const Definition*> out;
  for (const auto& d : kCatalogue)
    if (d.checklist == checklist_id) out.push_back(&d);
  return out;
}

AttackIds attack_ids(const Definition& d) {
  constexpr std::string_view kIcs = "ICS:";
  AttackIds out;
  std::string_view rest = d.attack;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    auto id = rest.substr(0, comma);
    if (id.starts_with(kIcs))
      out.ics.push_back(id.substr(kIcs.size()));
    else if (!id.empty())
      out.enterprise.push_back(id);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace dicomsec::findings
