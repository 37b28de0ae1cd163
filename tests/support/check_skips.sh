#!/usr/bin/env bash
# ctest: the skip rule holds in the source tree (tests/support/skip.hpp).
#   1. No test calls GTEST_SKIP itself: every "cannot run" goes through DICOMSEC_SKIP_OR_FAIL,
#      which fails unless DICOMSEC_ALLOW_SKIP=1.
#   2. No ctest/shell skip path: no SKIP_RETURN_CODE or SKIP_REGULAR_EXPRESSION of our own
#      (gtest_discover_tests' "[  SKIPPED ]" pattern only ever sees allowed skips).
#   3. CI never allows skips: .ci/run and scripts/test.sh do not set DICOMSEC_ALLOW_SKIP.
# usage: check_skips.sh SOURCE_DIR
set -euo pipefail
src=${1:?usage: check_skips.sh SOURCE_DIR}
cd "$src"
status=0
# (grep's status is not used: a missing directory must not hide a hit in another one.)
hits=$(grep -rn --include='*.cpp' --include='*.hpp' --include='*.h' 'GTEST_SKIP' tests bench 2>/dev/null |
    grep -v '^tests/support/skip\.hpp:' || true)
if [[ -n $hits ]]; then
    echo "check_skips.sh: GTEST_SKIP outside tests/support/skip.hpp (use DICOMSEC_SKIP_OR_FAIL):" >&2
    echo "$hits" >&2
    status=1
fi
hits=$(grep -rn --include='CMakeLists.txt' --include='*.cmake' -E 'SKIP_RETURN_CODE|SKIP_REGULAR_EXPRESSION' \
    tests cmake CMakeLists.txt 2>/dev/null || true)
if [[ -n $hits ]]; then
    echo "check_skips.sh: a ctest skip path (a missing peer must fail):" >&2
    echo "$hits" >&2
    status=1
fi
for f in .ci/run scripts/test.sh; do
    # Mentioning it to unset it is fine; giving it a value is not.
    [[ -f $f ]] || { echo "check_skips.sh: $f is missing" >&2; status=1; continue; }
    if grep -nE 'DICOMSEC_ALLOW_SKIP=|export +DICOMSEC_ALLOW_SKIP' "$f" | grep -v '^[0-9]*: *#' >&2; then
        echo "check_skips.sh: $f sets DICOMSEC_ALLOW_SKIP: CI must not allow skips" >&2
        status=1
    fi
done
grep -q 'unset DICOMSEC_ALLOW_SKIP' scripts/test.sh ||
    { echo "check_skips.sh: scripts/test.sh must unset DICOMSEC_ALLOW_SKIP" >&2; status=1; }
((status == 0)) && echo "check_skips.sh: the skip rule holds"
exit $status
