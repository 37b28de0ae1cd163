// JSON of the record parts that each probe family owns, one file each, so that the TLS audit,
// the access checks and the DICOMweb probe evolve without touching one another's code.
#pragma once

#include <nlohmann/json.hpp>

#include "scan/record.hpp"

namespace dicomsec::report {

nlohmann::json tls_audit_json(const scan::TlsAuditRecord&);  // json_tls.cpp
nlohmann::json access_json(const scan::AccessRecord&);       // json_access.cpp
nlohmann::json web_json(const scan::WebRecord&);             // json_web.cpp

}  // namespace dicomsec::report
