#include <gtest/gtest.h>

#include "findings/rules.hpp"

namespace dicomsec::findings {
namespace {

record::WebEndpointRecord endpoint(std::string path, int status, std::string auth,
                                 std::optional<std::uint32_t> count) {
  record::WebEndpointRecord e;
  e.url_path = std::move(path);
  e.http_status = status;
  e.auth = std::move(auth);
  e.count = count;
  return e;
}

record::ScanRecord web_record(record::WebRecord w) {
  record::ScanRecord r;
  r.ip = "127.0.0.1";
  r.port = 8042;
  r.web = std::move(w);
  return r;
}

TEST(WebRules, OpenApiGivesNoAuthWithCountEvidence) {
  record::WebRecord w;
  w.open = true;
  w.endpoints = {endpoint("/system", 200, "none", std::nullopt),
                 endpoint("/patients", 200, "none", 3)};
  auto f = evaluate(web_record(w));
  ASSERT_EQ(f.size(), 1U);
  EXPECT_EQ(f[0].id, "DICOMWEB-NO-AUTH");
  EXPECT_EQ(f[0].severity, "critical");
  EXPECT_EQ(f[0].evidence,
            "http GET /patients on port 8042 answered 200 without credentials, listing 3 item(s)");
}

TEST(WebRules, DefaultCredentialsNameTheUserNeverThePassword) {
  record::WebRecord w;
  w.requires_auth = true;
  w.default_credentials_user = "orthanc";
  w.endpoints = {endpoint("/patients", 401, "none", std::nullopt),
                 endpoint("/patients", 200, "default:orthanc", 1)};
  auto f = evaluate(web_record(w));
  ASSERT_EQ(f.size(), 1U);
  EXPECT_EQ(f[0].id, "DICOMWEB-DEFAULT-CREDS");
  EXPECT_NE(f[0].evidence.find("user 'orthanc'"), std::string::npos);
  EXPECT_NE(f[0].evidence.find("listing 1 item(s)"), std::string::npos);
  EXPECT_EQ(f[0].evidence.find("orthanc:orthanc"), std::string::npos);
}

TEST(WebRules, ProtectedOrEmptyWebGivesNothing) {
  record::WebRecord w;
  w.requires_auth = true;
  w.endpoints = {endpoint("/patients", 401, "none", std::nullopt)};
  EXPECT_TRUE(evaluate(web_record(w)).empty());
  record::WebRecord html;  // 200 for everything, but no JSON list: proves nothing
  html.endpoints = {endpoint("/patients", 200, "none", std::nullopt)};
  EXPECT_TRUE(evaluate(web_record(html)).empty());
}

}  // namespace
}  // namespace dicomsec::findings
