#!/usr/bin/env bash
# The whole test suite on a fresh machine: install, then build and run every test (unit,
# integration against real DCMTK and Orthanc, fuzz-corpus replay) twice: optimised
# (release) and under AddressSanitizer + UndefinedBehaviorSanitizer (asan).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
jobs=$(nproc)
status=0
for preset in release asan; do
  echo "== $preset"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  ctest --preset "$preset" -j "$jobs" || status=1
done
exit $status
