#!/usr/bin/env bash
# ctest: check_skips.sh catches what it is for. A clean tree passes; a tree with a bare
# GTEST_SKIP, a SKIP_RETURN_CODE, or a CI script that sets DICOMSEC_ALLOW_SKIP fails.
# usage: check_skips_selftest.sh   (works in a temporary directory)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# make_tree DIR: the smallest tree that obeys the rule.
make_tree() {
    mkdir -p "$1/tests/unit" "$1/tests/support" "$1/.ci" "$1/scripts"
    cp "$here/skip.hpp" "$1/tests/support/"
    echo 'exec scripts/test.sh' >"$1/.ci/run"
    printf '# CI never sets DICOMSEC_ALLOW_SKIP=1\nunset DICOMSEC_ALLOW_SKIP\n' >"$1/scripts/test.sh"
    echo 'DICOMSEC_SKIP_OR_FAIL("no peer");' >"$1/tests/unit/ok_test.cpp"
}
expect() { # WANT(pass|fail) NAME DIR
    local rc=0
    bash "$here/check_skips.sh" "$3" >"$tmp/$2.log" 2>&1 || rc=$?
    if [[ $1 == pass && $rc -ne 0 ]] || [[ $1 == fail && $rc -eq 0 ]]; then
        echo "check_skips_selftest.sh: $2: expected $1, got exit $rc:" >&2
        cat "$tmp/$2.log" >&2
        exit 1
    fi
    echo "$2: $1 as expected"
}

make_tree "$tmp/clean"
expect pass clean "$tmp/clean"

make_tree "$tmp/bare-skip"
echo 'if (!peer) GTEST_SKIP() << "no peer";' >"$tmp/bare-skip/tests/unit/bad_test.cpp"
expect fail bare-skip "$tmp/bare-skip"

make_tree "$tmp/ctest-skip"
echo 'set_tests_properties(t PROPERTIES SKIP_RETURN_CODE 77)' >"$tmp/ctest-skip/tests/CMakeLists.txt"
expect fail ctest-skip "$tmp/ctest-skip"

make_tree "$tmp/ci-allows"
echo 'export DICOMSEC_ALLOW_SKIP=1' >>"$tmp/ci-allows/.ci/run"
expect fail ci-allows "$tmp/ci-allows"

make_tree "$tmp/test-sh-allows"
echo 'DICOMSEC_ALLOW_SKIP=1 ctest --preset release' >>"$tmp/test-sh-allows/scripts/test.sh"
expect fail test-sh-allows "$tmp/test-sh-allows"

make_tree "$tmp/no-unset"
echo 'ctest --preset release' >"$tmp/no-unset/scripts/test.sh"
expect fail no-unset "$tmp/no-unset"
