// The words every summary shares (terminal, HTML, CSV, SARIF), so the same record reads the
// same everywhere (issue 13 §3, §4).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace dicomsec::report {

// Sorts addresses as people read them: IPv4 numerically, then IPv6 by text, then port.
std::string address_key(const std::string& ip, unsigned port);

// "ip:port", with the IPv6 address in brackets (core/host_port.hpp). The port may come as
// text, as records read back from JSON have it.
std::string where(const std::string& ip, unsigned port);
std::string where(const std::string& ip, std::string_view port);

// "1 host", "2 hosts".
std::string plural(std::size_t n, std::string_view one, std::string_view many = {});

// The catalogue product (findings::kProducts) the record's /product is, or "" for none.
std::string_view catalogue_product(const nlohmann::json& record);

// The fix for one finding on this record: the product-specific row when the product is known
// ("Orthanc: set DicomCheckCalledAet..."), else the catalogue's generic remediation; "" for
// an unknown id.
std::string remediation_for(const nlohmann::json& record, std::string_view finding_id);

// What the association did, in the words every summary uses: "accepted", "rejected
// (permanent, called AE title not recognized)", "accepted as ORTHANC" when the auth level got
// in under a vendor default title after a rejection, "DICOM layer not tested: pass --cert/--key"
// when a TLS server wants a client certificate we did not have, "not DICOM: HTTP" for other
// services; "-" when nothing is known.
std::string association_words(const nlohmann::json& record);

}  // namespace dicomsec::report
