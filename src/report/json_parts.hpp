// JSON of the record parts that each probe family owns, one file each, so that the TLS audit,
// the access checks and the DICOMweb probe evolve without touching one another's code.
#pragma once

#include <nlohmann/json.hpp>

#include "record/record.hpp"

namespace dicomsec::report {

nlohmann::json tls_audit_json(const record::TlsAuditRecord&);  // json_tls.cpp
nlohmann::json access_json(const record::AccessRecord&);       // json_access.cpp
nlohmann::json web_json(const record::WebRecord&);             // json_web.cpp

}  // namespace dicomsec::report
