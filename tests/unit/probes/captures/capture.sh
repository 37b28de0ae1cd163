#!/usr/bin/env bash
# Regenerates the real-peer captures in this folder (the server->client byte streams the
# client tests feed at every split). Loopback only; every port chosen at run time; every
# wait bounded. The peers hold one object only: the synthetic test patient DICOMSEC^TEST
# (dicom::kTestPatientName / kTestPatientId), so no other identifier can be captured.
#
#   capture.sh DICOMSEC_BINARY OUT_DIR
#
# Starts its own storescp, dcmqrscp and two Orthancs in a temporary folder, runs
# `dicomsec scan` through relay.py against each, and leaves OUT_DIR/<peer>/NNN.{c2s,s2c}
# plus OUT_DIR/<peer>.jsonl. to_inc.py turns a chosen stream into a .inc file.
set -euo pipefail
BIN=$(realpath "$1")
OUT=$(realpath -m "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
W=$(mktemp -d /tmp/dicomsec-capture.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null || true; done
    sleep 1
    for p in "${PIDS[@]}"; do kill -KILL -- "-$p" 2>/dev/null || true; done
    rm -rf "$W"
}
trap cleanup EXIT
mkdir -p "$OUT"

read -r P_STORE P_QR P_OC P_OC_HTTP P_OO P_OO_HTTP <<<"$("$PY" - <<'PYEOF'
import socket
socks, ports = [], []
while len(ports) < 6:
    s = socket.socket(); s.bind(("0.0.0.0", 0)); socks.append(s)
    p = s.getsockname()[1]
    if p not in (104, 4242, 8042, 11112) and p not in ports: ports.append(p)
print(*ports)
PYEOF
)"

wait_port() { # PORT
    for _ in $(seq 150); do
        ss -Hltn "sport = :$1" | grep -q . && return 0
        sleep 0.1
    done
    echo "capture.sh: nothing listens on $1" >&2
    return 1
}

# The test object: Secondary Capture, patient DICOMSEC^TEST, UIDs under dicomsec's root.
ROOT=1.2.826.0.1.3680043.10.1001
cat >"$W/test.dump" <<DUMP
(0008,0016) UI =SecondaryCaptureImageStorage
(0008,0018) UI [$ROOT.3.1]
(0008,0020) DA [20260101]
(0008,0060) CS [OT]
(0008,1030) LO [DICOMSEC ACCESS TEST - SAFE TO DELETE]
(0010,0010) PN [DICOMSEC^TEST]
(0010,0020) LO [DICOMSEC-TEST]
(0020,000d) UI [$ROOT.1.1]
(0020,000e) UI [$ROOT.2.1]
(0020,0010) SH [1]
(0020,0011) IS [1]
(0020,0013) IS [1]
(0028,0002) US 1
(0028,0004) CS [MONOCHROME2]
(0028,0010) US 8
(0028,0011) US 8
(0028,0100) US 8
(0028,0101) US 8
(0028,0102) US 7
(0028,0103) US 0
(7fe0,0010) OB 00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00
DUMP
dump2dcm -g +te "$W/test.dump" "$W/test.dcm"

# storescp: accepts anything.
setsid storescp -aet STORESCP -od "$W" "$P_STORE" >"$W/storescp.log" 2>&1 &
PIDS+=($!)
# dcmqrscp: QRSCP only for TRUSTED1 (others are rejected with reason 7), COMMON open.
mkdir -p "$W/db/QRSCP" "$W/db/COMMON"
cat >"$W/qr.cfg" <<CFG
NetworkTCPPort  = $P_QR
MaxPDUSize      = 16384
MaxAssociations = 16
HostTable BEGIN
trusted1 = (TRUSTED1, localhost, $P_STORE)
trusted = trusted1
HostTable END
VendorTable BEGIN
VendorTable END
AETable BEGIN
QRSCP   $W/db/QRSCP   RW   (10, 16mb)   trusted
COMMON  $W/db/COMMON  RW   (10, 16mb)   ANY
AETable END
CFG
setsid dcmqrscp -c "$W/qr.cfg" "$P_QR" >"$W/qr.log" 2>&1 &
PIDS+=($!)
# Orthancs: checked (unknown calling AE rejected) and open (find/move/get for anyone).
orthanc() { # NAME PORT HTTP EXTRA
    mkdir -p "$W/$1/storage" "$W/$1/index"
    cat >"$W/$1/orthanc.json" <<JSON
{ "Name" : "capture-$1", "StorageDirectory" : "$W/$1/storage", "IndexDirectory" : "$W/$1/index",
  "HttpPort" : $3, "RemoteAccessAllowed" : false, "AuthenticationEnabled" : false,
  "DicomServerEnabled" : true, "DicomAet" : "ORTHANC", "DicomPort" : $2, $4
  "OrthancPeers" : { } }
JSON
    setsid Orthanc "$W/$1/orthanc.json" >"$W/$1/orthanc.log" 2>&1 &
    PIDS+=($!)
}
orthanc checked "$P_OC" "$P_OC_HTTP" "\"DicomCheckCalledAet\" : true, \"DicomAlwaysAllowEcho\" : false, \"DicomAlwaysAllowStore\" : false, \"DicomModalities\" : { \"t\" : [ \"TRUSTED1\", \"127.0.0.1\", $P_STORE ] },"
orthanc open "$P_OO" "$P_OO_HTTP" "\"DicomCheckCalledAet\" : false, \"DicomAlwaysAllowFind\" : true, \"DicomAlwaysAllowMove\" : true, \"DicomAlwaysAllowGet\" : true,"
for p in "$P_STORE" "$P_QR" "$P_OC" "$P_OO" "$P_OO_HTTP"; do wait_port "$p"; done

timeout 30 storescu -aet TRUSTED1 -aec COMMON 127.0.0.1 "$P_QR" "$W/test.dcm"
timeout 30 storescu -aet TRUSTED1 -aec QRSCP 127.0.0.1 "$P_QR" "$W/test.dcm"
curl -sS -f --max-time 15 -X POST --data-binary @"$W/test.dcm" "http://127.0.0.1:$P_OO_HTTP/instances" >/dev/null

# capture NAME PORT SCAN-OPTIONS...: one dicomsec scan through the relay.
capture() {
    local name=$1 port=$2
    shift 2
    rm -rf "${OUT:?}/$name"
    mkdir -p "$OUT/$name"
    "$PY" "$HERE/relay.py" "$port" "$OUT/$name" "$W/$name.port" &
    local relay=$!
    for _ in $(seq 50); do [[ -s $W/$name.port ]] && break; sleep 0.1; done
    timeout 120 "$BIN" scan 127.0.0.1 -p "$(cat "$W/$name.port")" --no-tls-audit -q \
        --rate 0 --concurrency 1 --per-host 1 "$@" >"$OUT/$name.jsonl" || true
    touch "$OUT/$name/stop"
    wait "$relay" || true
    rm -f "$OUT/$name/stop"
}
capture storescp "$P_STORE"
capture qrscp-unknown "$P_QR" --level auth --called-ae QRSCP
capture qrscp-open "$P_QR" --level auth --called-ae COMMON
capture orthanc-checked "$P_OC" --level auth --called-ae ORTHANC
capture orthanc-open "$P_OO" --level auth --called-ae ORTHANC
{ storescp --version | head -1; dcmqrscp --version | head -1; Orthanc --version | head -1; } >"$OUT/versions.txt" 2>&1 || true
echo "capture.sh: done; streams in $OUT" >&2
