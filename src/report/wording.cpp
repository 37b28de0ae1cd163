#include "report/wording.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "core/host_port.hpp"
#include "findings/catalogue.hpp"

namespace dicomsec::report {

using nlohmann::json;

namespace {

const json* at(const json& j, const char* pointer) {
  const auto p = json::json_pointer(pointer);
  if (!j.is_object() || !j.contains(p)) return nullptr;
  const auto& v = j.at(p);
  return v.is_null() ? nullptr : &v;
}

std::string str(const json& j, const char* pointer) {
  const auto* v = at(j, pointer);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

bool flag(const json& j, const char* pointer) {
  const auto* v = at(j, pointer);
  return v && v->is_boolean() && v->get<bool>();
}

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  return true;
}

// What a non-DICOM listener is, from the first byte the DICOM decoder refused ("unknown PDU
// type 0x48") or the status: the byte is the start of the peer's own greeting or answer.
std::string what_it_is(const json& r) {
  const auto status = str(r, "/status");
  const auto detail = str(r, "/detail");
  if (status == "io-timeout") return "silent (no answer to an A-ASSOCIATE-RQ)";
  if (status == "tls-error") return "TLS (handshake failed)";
  const auto hex = detail.find("0x");
  if (hex != std::string::npos && hex + 4 <= detail.size()) {
    const auto byte = detail.substr(hex + 2, 2);
    if (byte == "48") return "HTTP";                                  // "HTTP/1.x 400"
    if (byte == "53") return "SSH banner";                            // "SSH-2.0-..."
    if (byte == "16" || byte == "15") return "TLS";                   // handshake or alert record
    if (byte == "32" || byte == "35") return "SMTP/FTP-like banner";  // "220 ", "550 "
    if (byte == "3c") return "HTML/XML";
    return "not DICOM (first byte " + std::string("0x") + byte + ")";
  }
  if (status == "protocol-error") return "not DICOM";
  return "";
}

}  // namespace

std::string address_key(const std::string& ip, unsigned port) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  char tail = 0;
  std::string key;
  if (std::sscanf(ip.c_str(), "%3u.%3u.%3u.%3u%c", &a, &b, &c, &d, &tail) == 4)
    key = fmt::format("4{:03}{:03}{:03}{:03}", a, b, c, d);
  else
    key = "6" + ip;
  return fmt::format("{}|{:05}", key, port % 100000U);
}

std::string where(const std::string& ip, unsigned port) { return join_host_port(ip, port); }

std::string where(const std::string& ip, std::string_view port) { return join_host_port(ip, port); }

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  if (n == 1) return fmt::format("1 {}", one);
  return many.empty() ? fmt::format("{} {}s", n, one) : fmt::format("{} {}", n, many);
}

std::string_view catalogue_product(const json& record) {
  const auto name = str(record, "/product/name");
  if (name.empty()) return {};
  for (auto p : findings::kProducts)
    if (starts_with_nocase(name, p)) return p;
  return {};
}

std::string remediation_for(const json& record, std::string_view finding_id) {
  const auto* def = findings::find(finding_id);
  if (!def) return "";
  if (const auto product = catalogue_product(record); !product.empty())
    for (const auto* r : findings::remediations_for(finding_id))
      if (r->product == product) return fmt::format("{}: {}", r->product, r->text);
  return std::string(def->remediation);
}

std::string association_words(const json& r) {
  if (const auto status = str(r, "/status");
      status == "connection-refused" || status == "connection-timeout" || status == "unreachable") {
    auto words = "closed: " + status;
    std::replace(words.begin(), words.end(), '-', ' ');
    return words;
  }
  if (str(r, "/status") == "not-probed")  // an import lead (issue 16)
    return "lead from " + str(r, "/lead/source") + ", not probed";
  if (at(r, "/tls_audit") && flag(r, "/tls_audit/client_cert_required") && !flag(r, "/dicom"))
    return "DICOM layer not tested: pass --cert/--key";  // the server wants a client certificate
  auto result = str(r, "/association/result");
  if (!result.empty() && result != "none") {  // "none": no A-ASSOCIATE answer came
    if (const auto ae = str(r, "/access/discovered_called_ae"); !ae.empty() && result != "accepted")
      return "accepted as " + ae;
    if (const auto reason = str(r, "/association/reject/reason"); !reason.empty())
      return result + " (" + reason + ")";
    return result;
  }
  if (at(r, "/web")) {
    return flag(r, "/web/open")                               ? "web: open without credentials"
           : !str(r, "/web/default_credentials_user").empty() ? "web: default credentials work"
           : flag(r, "/web/requires_auth")                    ? "web: credentials required"
                                                              : "web: no DICOMweb data seen";
  }
  if (const auto* audit = at(r, "/tls_audit")) {
    std::string versions;
    if (const auto* v = at(*audit, "/versions"); v && v->is_array())
      for (const auto& x : *v)
        if (x.is_string()) versions += (versions.empty() ? "" : ",") + x.get<std::string>();
    return "TLS " + (versions.empty() ? std::string("-") : versions);
  }
  if (const auto what = what_it_is(r); !what.empty()) return "not DICOM: " + what;
  return "-";
}

}  // namespace dicomsec::report
