// The skip rule of skip.hpp, both ways: without DICOMSEC_ALLOW_SKIP=1 a test that cannot run
// records a fatal failure; with it, a skip. The outcome is captured with gtest's own
// reporter interception, so this test passes in both cases and checks which one happened.
#include "support/skip.hpp"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

namespace dicomsec::test_support {
namespace {

// Sets (or unsets, for nullopt) one environment variable for a scope, then restores it.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      setenv(name, value->c_str(), 1);
    else
      unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      setenv(name_, old_->c_str(), 1);
    else
      unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

bool reached_the_end = false;

void cannot_run(const std::string& what) {
  reached_the_end = false;
  DICOMSEC_SKIP_OR_FAIL("peer " << what << " is missing");
  reached_the_end = true;  // the macro returns: never here
}

// What cannot_run("storescp") reports with DICOMSEC_ALLOW_SKIP as given.
std::vector<::testing::TestPartResult> outcome(std::optional<std::string> allow) {
  ScopedEnv env(kAllowSkipVariable, std::move(allow));
  ::testing::TestPartResultArray results;
  {
    ::testing::ScopedFakeTestPartResultReporter intercept(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &results);
    cannot_run("storescp");
  }
  std::vector<::testing::TestPartResult> out;
  for (int i = 0; i < results.size(); ++i) out.push_back(results.GetTestPartResult(i));
  return out;
}

TEST(SkipRule, WithoutTheVariableACannotRunTestFails) {
  const auto r = outcome(std::nullopt);
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0].type(), ::testing::TestPartResult::kFatalFailure);
  const std::string message = r[0].message();
  EXPECT_NE(message.find("peer storescp is missing"), std::string::npos) << message;
  EXPECT_NE(message.find("DICOMSEC_ALLOW_SKIP=1"), std::string::npos) << message;
  EXPECT_FALSE(reached_the_end);
}

TEST(SkipRule, OnlyTheValueOneAllowsASkip) {
  for (const char* value : {"", "0", "yes", "true", "11", " 1"}) {
    const auto r = outcome(std::string(value));
    ASSERT_EQ(r.size(), 1U) << "'" << value << "'";
    EXPECT_EQ(r[0].type(), ::testing::TestPartResult::kFatalFailure)
        << "DICOMSEC_ALLOW_SKIP='" << value << "' must not allow a skip";
  }
}

TEST(SkipRule, WithTheVariableACannotRunTestSkips) {
  const auto r = outcome(std::string("1"));
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0].type(), ::testing::TestPartResult::kSkip);
  EXPECT_NE(std::string(r[0].message()).find("peer storescp is missing"), std::string::npos);
  EXPECT_FALSE(reached_the_end);
}

TEST(SkipRule, TheVariableIsRestoredAfterEachCase) {
  // ctest runs this binary with whatever the caller's environment holds; outcome() must not
  // leak its changes into the tests that run after it.
  const char* before = std::getenv(kAllowSkipVariable);
  const std::string saved = before ? before : "<unset>";
  (void)outcome(std::string("1"));
  const char* after = std::getenv(kAllowSkipVariable);
  EXPECT_EQ(after ? std::string(after) : std::string("<unset>"), saved);
}

}  // namespace
}  // namespace dicomsec::test_support
