#!/usr/bin/env bash
# The main job on a fresh machine: install, build, start a small DICOM lab on loopback
# (DCMTK storescp, dcmqrscp and two Orthancs), scan it, and print what dicomsec found.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target dicomsec
lab=$(mktemp -d /tmp/dicomsec-lab.XXXXXX)
trap 'scripts/lab.sh stop "$lab" >/dev/null 2>&1 || true' EXIT
echo "== starting the lab in $lab (storescp, dcmqrscp, two Orthancs on free loopback ports)"
scripts/lab.sh start "$lab" >"$lab/lab-start.log" 2>&1 || { cat "$lab/lab-start.log"; exit 1; }
# shellcheck disable=SC1091
. "$lab/lab.env"
ports="$STORESCP_PORT,$QRSCP_PORT,$ORTHANC_CHECKED_PORT,$ORTHANC_OPEN_PORT,$CLOSED_PORT"
echo
echo "== dicomsec scan 127.0.0.1 -p $ports  (records in $lab/scan.jsonl)"
build/release/src/app/dicomsec scan 127.0.0.1 -p "$ports" -o "$lab/scan.jsonl" --progress
echo
echo "== the same lab seen through 64 loopback addresses (127.0.1.0/26)"
build/release/src/app/dicomsec scan 127.0.1.0/26 -p "$STORESCP_PORT,$ORTHANC_CHECKED_PORT" \
  -o "$lab/sweep.jsonl" 2>"$lab/sweep.log"
head -n 2 "$lab/sweep.log"
echo
echo "One JSON record per service is in $lab/scan.jsonl; 'dicomsec findings' explains each id."
