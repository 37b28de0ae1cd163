// The one rule for tests that cannot run because something outside them is missing (a lab
// peer, a browser, a fixture): they FAIL, unless the person running them has said, with
// DICOMSEC_ALLOW_SKIP=1, that a skip is acceptable on this machine. CI (.ci/run ->
// scripts/test.sh) never sets it, so a missing peer there is a red build, not a green one
// that tested less. Every test uses this macro instead of GTEST_SKIP (tests/support/
// check_skips.sh enforces that).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string_view>

namespace dicomsec::test_support {

inline constexpr const char* kAllowSkipVariable = "DICOMSEC_ALLOW_SKIP";

// True only when DICOMSEC_ALLOW_SKIP is exactly "1"; unset, empty, "0", "yes" all mean no.
inline bool skip_allowed() {
  const char* v = std::getenv(kAllowSkipVariable);
  return v != nullptr && std::string_view(v) == "1";
}

}  // namespace dicomsec::test_support

// Use where GTEST_SKIP() would go: in a TEST body, a fixture's SetUp or SetUpTestSuite.
// Like GTEST_SKIP and GTEST_FAIL it returns from the current (void) function. `reason` is
// anything that streams into a gtest message.
#define DICOMSEC_SKIP_OR_FAIL(reason)                                                       \
  do {                                                                                      \
    if (::dicomsec::test_support::skip_allowed()) GTEST_SKIP() << reason;                   \
    GTEST_FAIL() << reason                                                                  \
                 << " [a test that cannot run fails; set DICOMSEC_ALLOW_SKIP=1 to skip it " \
                    "instead, never in CI]";                                                \
  } while (false)
