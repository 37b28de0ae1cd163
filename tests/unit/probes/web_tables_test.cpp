#include <gtest/gtest.h>

#include <set>
#include <string>

#include "probes/web/tables.hpp"

namespace dicomsec::probes::web {
namespace {

TEST(WebTables, EveryPathIsSourcedAbsoluteAndDistinct) {
  std::set<std::string_view> seen;
  for (const auto& p : paths()) {
    EXPECT_EQ(p.path.front(), '/') << p.path;
    EXPECT_FALSE(p.source.empty()) << p.path;
    EXPECT_FALSE(p.vendor.empty()) << p.path;
    EXPECT_TRUE(seen.insert(p.path).second) << "duplicate " << p.path;
    // Never a query that could select a patient: only limit=1.
    if (auto q = p.path.find('?'); q != std::string_view::npos) {
      EXPECT_EQ(p.path.substr(q), "?limit=1");
    }
  }
}

TEST(WebTables, TheIssuesPathsArePresent) {
  std::set<std::string_view> want{"/system", "/patients", "/dicom-web/studies?limit=1",
                                  "/dcm4chee-arc/aets/DCM4CHEE/rs/studies?limit=1", "/wado"};
  for (const auto& p : paths()) want.erase(p.path);
  EXPECT_TRUE(want.empty());
}

TEST(WebTables, CredentialsAreSourcedAndOrthancIsFirst) {
  ASSERT_FALSE(default_credentials().empty());
  EXPECT_EQ(default_credentials().front().user, "orthanc");
  for (const auto& c : default_credentials()) {
    EXPECT_FALSE(c.source.empty()) << c.user;
    EXPECT_FALSE(c.user.empty());
    EXPECT_EQ(c.user.find(':'), std::string_view::npos);  // HTTP Basic forbids ':' in the user
  }
}

TEST(WebTables, RequestsPerTargetAreBounded) {
  EXPECT_EQ(max_requests_per_target(), paths().size() * (1 + default_credentials().size()) + 1);
  EXPECT_LE(max_requests_per_target(), 32U);
}

TEST(WebTables, HttpsFirstOnTlsPorts) {
  EXPECT_TRUE(https_first(443));
  EXPECT_TRUE(https_first(8443));
  EXPECT_FALSE(https_first(80));
  EXPECT_FALSE(https_first(8042));
  EXPECT_FALSE(https_first(8080));
}

}  // namespace
}  // namespace dicomsec::probes::web
