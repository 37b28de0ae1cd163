#!/bin/bash
# Issue 16 on the lab: an import whose leads point at loopback ports (one storescp open, one
# port closed), then `dicomsec scan -iL leads.jsonl`, then `dicomsec diff` of the two: the
# open lead is "still open", the closed one "closed", and a port open inside that no export
# named is "inside only". Only 127.0.0.1 gets traffic; ports are chosen at run time.
# usage: import_lab.sh DICOMSEC SOURCE_DIR
set -euo pipefail
bin=$1 src=$2
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v storescp >/dev/null || fail "storescp (dcmtk) is missing"
open=$(free_port) closed=$(free_port) inside=$(free_port)
storescp -od "$work" "$open" & pids+=($!)
storescp -od "$work" "$inside" & pids+=($!)
for i in $(seq 50); do
  (exec 3<>/dev/tcp/127.0.0.1/$open) 2>/dev/null && (exec 3<>/dev/tcp/127.0.0.1/$inside) 2>/dev/null && break
  sleep 0.1
done

# A Shodan-shaped export (gzip'd) and a CSV one, both seen "from outside".
cat > "$work/export.jsonl" <<JSON
{"_shodan":{"module":"dicom"},"ip_str":"127.0.0.1","port":$open,"transport":"tcp","timestamp":"2026-10-01T08:00:00.000000","org":"Lab","asn":"AS64500","hostnames":["localhost"],"domains":[],"data":"DICOM\nAE Title: STORESCP\n"}
{"_shodan":{"module":"dicom"},"ip_str":"198.51.100.1","port":104,"transport":"tcp","timestamp":"2026-10-01T08:00:00.000000","data":""}
not json
JSON
gzip "$work/export.jsonl"
printf 'ip,port,transport,timestamp\n127.0.0.1,%s,tcp,2026-10-02T00:00:00Z\n' "$closed" > "$work/export.csv"

set +e
"$bin" import "$work/export.jsonl.gz" "$work/export.csv" --netblocks 127.0.0.0/8 \
  -o "$work/leads.jsonl" --db "$work/db.sqlite" 2> "$work/import.err"
rc=$?
set -e
[[ $rc -eq 0 ]] || fail "import exited $rc: $(cat "$work/import.err")"
grep -q 'export.jsonl.gz:3: not a JSON record' "$work/import.err" || fail "malformed line not reported: $(cat "$work/import.err")"
[[ $(wc -l < "$work/leads.jsonl") -eq 2 ]] || fail "expected 2 leads: $(cat "$work/leads.jsonl")"
/usr/bin/python3 "$src/tests/integration/validate_records.py" "$src/schemas/scan-record.schema.json" \
  "$work/leads.jsonl" || fail "lead records do not match the schema"

"$bin" scan -iL "$work/leads.jsonl" -p "$open,$closed,$inside" --db "$work/db.sqlite" \
  -o "$work/scan.jsonl" --quiet --timeout 2000 || fail "scan -iL leads failed"
grep -q "\"port\":$open" "$work/scan.jsonl" || fail "the scan did not find the open lead"

"$bin" diff --db "$work/db.sqlite" 1 2 --format jsonl > "$work/diff.jsonl"
cat "$work/diff.jsonl"
grep -q "\"list\":\"still-open\".*\"port\":$open" "$work/diff.jsonl" || fail "no still-open for $open"
grep -q "\"list\":\"closed\".*\"port\":$closed" "$work/diff.jsonl" || fail "no closed for $closed"
grep -q "\"list\":\"inside-only\".*\"port\":$inside" "$work/diff.jsonl" || fail "no inside-only for $inside"
"$bin" diff --db "$work/db.sqlite" 1 2 | grep -q 'seen from outside and still open (urgent): 1' \
  || fail "text diff lacks the urgent list"

# The HTML report lists the leads apart from measured services.
"$bin" report --db "$work/db.sqlite" --scan 1 --format html -o "$work/leads.html"
grep -q 'Seen from the internet (2 leads, not probed)' "$work/leads.html" || fail "no lead table in HTML"

# -iL without -p: the scan probes the leads' own ports.
"$bin" scan -iL "$work/leads.jsonl" -o "$work/scan2.jsonl" --quiet --timeout 2000
grep -q "\"port\":$open" "$work/scan2.jsonl" || fail "scan -iL without -p missed the lead's port"

# A moved address: the export saw "localhost" at a documentation address outside the blocks;
# with --hostnames and --resolve (real getaddrinfo, answered by /etc/hosts) the lead is kept,
# says where the name lives now, and scan -iL scans that address, never the old one.
printf 'localhost\n' > "$work/names.txt"
printf '{"ip_str":"203.0.113.7","port":%s,"transport":"tcp","timestamp":"2026-10-03T00:00:00Z","hostnames":["localhost"],"data":""}\n' \
  "$open" > "$work/moved.jsonl"
"$bin" import "$work/moved.jsonl" --netblocks 127.0.0.0/8 --hostnames "$work/names.txt" \
  --resolve -o "$work/moved-leads.jsonl" -q
grep -q '"matched_by":"hostname"' "$work/moved-leads.jsonl" || fail "moved lead not kept: $(cat "$work/moved-leads.jsonl")"
grep -q '"now":\["127.0.0.1"\]' "$work/moved-leads.jsonl" || fail "moved lead lacks its new address: $(cat "$work/moved-leads.jsonl")"
grep -q 'address moved: 203.0.113.7 is outside your netblocks' "$work/moved-leads.jsonl" || fail "no move note"
"$bin" scan -iL "$work/moved-leads.jsonl" -o "$work/moved-scan.jsonl" --quiet --timeout 2000
grep -q "\"ip\":\"127.0.0.1\",\"port\":$open" "$work/moved-scan.jsonl" || \
  grep -q "\"port\":$open" "$work/moved-scan.jsonl" || fail "the moved lead was not scanned at 127.0.0.1"
if grep -q '203.0.113.7' "$work/moved-scan.jsonl"; then fail "the old address was scanned"; fi
# Without --resolve the lead is kept and says how to follow it.
"$bin" import "$work/moved.jsonl" --netblocks 127.0.0.0/8 --hostnames "$work/names.txt" -q | \
  grep -q 'add --resolve' || fail "unresolved moved lead lacks the --resolve hint"
set +e
"$bin" import "$work/moved.jsonl" --netblocks 127.0.0.0/8 --resolve > /dev/null 2>&1; rc=$?
set -e
[[ $rc -eq 2 ]] || fail "--resolve without --hostnames exited $rc"

# Truncated gzip: clear error, keeps what was read, exit 3. Bad arguments: exit 2.
head -c 60 "$work/export.jsonl.gz" > "$work/cut.gz"
set +e
"$bin" import "$work/cut.gz" --netblocks 127.0.0.0/8 > /dev/null 2> "$work/cut.err"; rc=$?
"$bin" import "$work/export.csv" --netblocks not-a-block > /dev/null 2>&1; rc2=$?
set -e
[[ $rc -eq 3 ]] || fail "truncated gzip exited $rc"
grep -q 'truncated' "$work/cut.err" || fail "no truncation message: $(cat "$work/cut.err")"
[[ $rc2 -eq 2 ]] || fail "bad --netblocks exited $rc2"
echo "import lab: OK"
