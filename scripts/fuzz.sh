#!/usr/bin/env bash
# Runs every libFuzzer target (or the ones named) for SECONDS each, on a scratch copy of its
# seed corpus, and prints the execution counts. New crashes land in build/fuzz/artifacts/;
# add each crashing input to tests/fuzz/corpus/<target>/ once it is fixed.
#   scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}; shift || true
cmake --preset fuzz >/dev/null
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in tests/fuzz/*.cmake; do targets+=("$(basename "$f" .cmake)"); done
fi
mkdir -p build/fuzz/artifacts
for t in "${targets[@]}"; do
  cmake --build build/fuzz --target "fuzz_$t" >/dev/null
  work=build/fuzz/corpus-$t
  mkdir -p "$work"
  cp -n tests/fuzz/corpus/"$t"/* "$work"/ 2>/dev/null || true
  log=build/fuzz/$t.log
  "build/fuzz/tests/fuzz/fuzz_$t" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix=build/fuzz/artifacts/"$t"- "$work" >"$log" 2>&1 || {
      echo "$t: FAILED (see $log)"; tail -30 "$log"; exit 1; }
  echo "$t: $(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1)"
done
