// JSON of the record parts that each probe family owns, one file each, so that the TLS audit,
// the access checks and the DICOMweb probe evolve without touching one another's code.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "record/record.hpp"

namespace dicomsec::report {

nlohmann::json tls_audit_json(const record::TlsAuditRecord&);  // json_tls.cpp
nlohmann::json access_json(const record::AccessRecord&);       // json_access.cpp
nlohmann::json web_json(const record::WebRecord&);             // json_web.cpp

// The scan record's association and product objects, shared by the flow record (json.cpp).
nlohmann::json association_json(const record::AssociationRecord&);
nlohmann::json product_json(const std::optional<record::ProductRecord>&);

// The record's /product as every summary shows it: "DCMTK 3.6.7", or `unknown ("<name>")`
// for a peer that named itself but matched no catalogue row; "" without a product (json.cpp).
std::string product_label(const nlohmann::json& record);

}  // namespace dicomsec::report
