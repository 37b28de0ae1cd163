// What the DICOMweb/REST probe asks for, and with which vendor default credentials: data
// tables, each row naming where its fact comes from (docs/design.md "DICOMweb probe").
#pragma once

#include <span>
#include <string_view>

namespace dicomsec::probes::web {

// What a path's answer tells us.
enum class PathKind {
  System,    // Orthanc /system: product version (never the instance name)
  Count,     // a JSON array of patients/studies: counted, never read; 2xx here = data exposed
  Presence,  // only the HTTP status is recorded (WADO-URI needs UIDs we never send)
  Page,      // an HTML page: its <title> and whether it has a login form (issue 12 §3)
};

struct PathEntry {
  std::string_view path;  // sent verbatim; no identifiers, only limit=1 where supported
  PathKind kind;
  std::string_view vendor;
  std::string_view source;  // where the path is documented
};

struct DefaultCredential {
  std::string_view user;
  std::string_view password;  // sent as HTTP Basic; never printed, logged or stored
  std::string_view vendor;
  std::string_view source;
};

// At most this many paths and credentials are tried per target (bounded requests).
std::span<const PathEntry> paths();
std::span<const DefaultCredential> default_credentials();

// Upper bound on HTTP requests the probe makes to one target: every path without
// credentials, every auth-protected path once per credential, one scheme fallback.
std::size_t max_requests_per_target();

// HTTPS is tried first on these ports (PS3.18 does not fix ports; 443/8443 are the usual
// TLS ones), HTTP first on every other.
bool https_first(unsigned port);

}  // namespace dicomsec::probes::web
