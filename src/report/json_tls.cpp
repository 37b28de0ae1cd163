#include "core/bytes.hpp"
#include "report/json_parts.hpp"

namespace dicomsec::report {

nlohmann::json tls_audit_json(const record::TlsAuditRecord& t) {
  using nlohmann::json;
  json ciphers = json::object();
  for (const auto& v : t.ciphers) ciphers[v.version] = v.ciphers;
  json chain = json::array();
  for (const auto& c : t.chain)
    chain.push_back({{"subject", printable(c.subject)},
                     {"issuer", printable(c.issuer)},
                     {"sans", c.sans},
                     {"not_before", c.not_before},
                     {"not_after", c.not_after},
                     {"key_type", c.key_type},
                     {"key_bits", c.key_bits},
                     {"sig_alg", c.sig_alg},
                     {"sha256", c.sha256},
                     {"self_signed", c.self_signed},
                     {"expired", c.expired},
                     {"not_yet_valid", c.not_yet_valid}});
  json profiles = json::object();
  for (const auto& p : t.profiles)
    profiles[p.id] = {
        {"name", p.name}, {"retired", p.retired}, {"status", p.status}, {"reasons", p.reasons}};
  return {{"versions", t.versions},
          {"ciphers", ciphers},
          {"server_preference", t.server_preference ? json(*t.server_preference) : json(nullptr)},
          {"groups", t.groups},
          {"dh_bits", t.dh_bits ? json(*t.dh_bits) : json(nullptr)},
          {"encrypt_then_mac", t.encrypt_then_mac ? json(*t.encrypt_then_mac) : json(nullptr)},
          {"cert", chain.empty() ? json(nullptr) : chain.front()},
          {"chain", chain},
          {"trusted", t.trusted ? json(*t.trusted) : json(nullptr)},
          {"verify_error", t.verify_error},
          {"client_cert_requested", t.client_cert_requested},
          {"client_cert_required", t.client_cert_required},
          {"plaintext_port", t.plaintext_port ? json(*t.plaintext_port) : json(nullptr)},
          {"profiles", profiles},
          {"handshakes", t.handshakes},
          {"complete", t.complete}};
}

}  // namespace dicomsec::report
