#include "core/bytes.hpp"
#include "report/json_parts.hpp"

namespace dicomsec::report {

nlohmann::json web_json(const record::WebRecord& w) {
  using nlohmann::json;
  auto text = [](const std::optional<std::string>& s) { return s ? json(printable(*s)) : json(nullptr); };
  json endpoints = json::array();
  for (const auto& e : w.endpoints)
    endpoints.push_back({{"path", printable(e.url_path)},
                         {"http_status", e.http_status},
                         {"auth", e.auth},
                         {"count", e.count ? json(*e.count) : json(nullptr)},
                         {"capped", e.capped}});
  return {{"https", w.https},
          {"tls_verification", text(w.tls_verification)},
          {"server", text(w.server)},
          {"product", text(w.product)},
          {"requires_auth", w.requires_auth},
          {"open", w.open},
          {"default_credentials_user", text(w.default_credentials_user)},
          {"endpoints", endpoints},
          {"title", text(w.title)},
          {"login_page", w.login_page}};
}

}  // namespace dicomsec::report
