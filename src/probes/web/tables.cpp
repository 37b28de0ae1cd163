#include "probes/web/tables.hpp"

#include <array>

namespace dicomsec::probes::web {

namespace {

constexpr std::array kPaths{
    PathEntry{"/system", PathKind::System, "Orthanc",
              "Orthanc Book, REST API of the Orthanc core: GET /system"},
    PathEntry{"/patients", PathKind::Count, "Orthanc",
              "Orthanc Book, REST API of the Orthanc core: GET /patients lists patient resources"},
    PathEntry{
        "/dicom-web/studies?limit=1", PathKind::Count, "Orthanc DICOMweb plugin",
        "Orthanc Book, DICOMweb plugin: default \"Root\" is /dicom-web/; QIDO-RS PS3.18 10.6"},
    PathEntry{
        "/dcm4chee-arc/aets/DCM4CHEE/rs/studies?limit=1", PathKind::Count, "dcm4chee-arc-light",
        "dcm4chee-arc-light wiki, Running on Docker: QIDO-RS base /dcm4chee-arc/aets/DCM4CHEE/rs"},
    PathEntry{"/wado", PathKind::Presence, "WADO-URI (dcm4chee 2, Conquest, others)",
              "PS3.18 9 (WADO-URI); /wado is the conventional endpoint name"},
    // Last, so the first request (the one that decides whether the port speaks HTTP) stays.
    PathEntry{"/", PathKind::Page, "any (honeypot web consoles, vendor login pages)",
              "docs/honeypots.md: DICOMHawk's log viewer and login pages name themselves in "
              "their <title>"},
};

// Only credentials a vendor documents as the default. dcm4chee-arc-light's secured setup
// authenticates with Keycloak bearer tokens, not HTTP Basic, so its default users (see its
// wiki, "Secure Archive Users and Roles") cannot be tried this way and are not listed.
constexpr std::array kCredentials{
    DefaultCredential{"orthanc", "orthanc", "Orthanc (jodogne/orthanc Docker images)",
                      "Orthanc Book, users/docker.rst: default username orthanc, password orthanc"},
};

}  // namespace

std::span<const PathEntry> paths() { return kPaths; }
std::span<const DefaultCredential> default_credentials() { return kCredentials; }

std::size_t max_requests_per_target() { return kPaths.size() * (1 + kCredentials.size()) + 1; }

bool https_first(unsigned port) { return port == 443 || port == 8443; }

}  // namespace dicomsec::probes::web
