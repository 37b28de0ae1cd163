#!/usr/bin/env bash
# dicomsec local test lab: real DICOM peers on loopback, shared by the README demo, the
# integration tests and the benchmarks.
#
#   scripts/lab.sh start  DIR   start storescp, dcmqrscp, two Orthancs; write DIR/lab.env
#   scripts/lab.sh stop   DIR   stop everything started in DIR (idempotent)
#   scripts/lab.sh status DIR   show what runs
#
# Network rule: every port is chosen at run time (never 104/4242/8042/11112) and every
# connection the script makes goes to 127.0.0.1. Every wait is bounded (LAB_WAIT_S, default
# 15 s per server). Several labs may run at once in different DIRs.
#
# Note: storescp, dcmqrscp and Orthanc 1.10 have no bind-address option; they listen on all
# addresses. Orthanc's HTTP server refuses non-loopback clients (RemoteAccessAllowed false).
set -euo pipefail

PY=/usr/bin/python3
WAIT_S=${LAB_WAIT_S:-15}
STOP_WAIT_S=${LAB_STOP_WAIT_S:-10}
MAX_ATTEMPTS=3                       # per server, when its port was taken meanwhile
COMPONENTS=(storescp qrscp orthanc-checked orthanc-open)
FORBIDDEN_PORTS=" 104 4242 8042 11112 "

log() { echo "lab.sh: $*" >&2; }
die() { log "$*"; exit 1; }

usage() {
    echo "usage: $0 start|stop|status DIR" >&2
    exit 2
}

need() {
    local t
    for t in "$@"; do
        command -v "$t" >/dev/null 2>&1 || die "missing tool: $t"
    done
}

# --- ports -------------------------------------------------------------------------------

# free_ports N: N distinct ports that are free on every local address right now. The
# sockets are only bound (never connected) and are held until all N are found.
free_ports() {
    "$PY" - "$1" <<'EOF'
import socket, sys
n = int(sys.argv[1])
forbidden = {104, 4242, 8042, 11112}
socks, ports = [], []
for _ in range(n * 4):
    if len(ports) == n:
        break
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("0.0.0.0", 0))
    p = s.getsockname()[1]
    socks.append(s)
    if p not in forbidden and p not in ports:
        ports.append(p)
if len(ports) != n:
    sys.exit("could not find free ports")
print(" ".join(map(str, ports)))
EOF
}

check_port() {
    local p=$1
    if ! [[ $p =~ ^[0-9]+$ ]] || ((p < 1 || p > 65535)); then die "bad port '$p'"; fi
    [[ $FORBIDDEN_PORTS != *" $p "* ]] || die "refusing forbidden port $p"
}

# listening_pid PORT: pid of the process listening on TCP PORT (any address), or nothing.
listening_pids() {
    ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u || true
}

is_listening_by() { # PORT PID
    listening_pids "$1" | grep -qx "$2"
}

# --- processes ---------------------------------------------------------------------------

# alive PID DIR: PID runs and its command line mentions DIR (guards against pid reuse).
alive() {
    local pid=$1 dir=$2 cmd
    [[ -n $pid && -r /proc/$pid/cmdline ]] || return 1
    cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
    [[ $cmd == *"$dir"* ]]
}

# running PID: the process exists and has not exited (a zombie has).
running() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat:0:1} != Z ]]
}

# launch NAME LOG CMD...: start CMD in its own session (so forked children share its
# process group), record its pid in DIR/NAME/pid, print the pid.
launch() {
    local name=$1 logf=$2
    shift 2
    setsid "$@" </dev/null >"$logf" 2>&1 &
    local pid=$!
    echo "$pid" >"$DIR/$name/pid"
    echo "$pid"
}

# stop_pid NAME PID: TERM (its process group when it leads one), wait bounded, then KILL.
stop_pid() {
    local name=$1 pid=$2 pgid i target
    alive "$pid" "$DIR" || return 0
    pgid=$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ') || pgid=""
    if [[ $pgid == "$pid" ]]; then target="-$pid"; else target="$pid"; fi
    kill -TERM -- "$target" 2>/dev/null || true
    for ((i = 0; i < STOP_WAIT_S * 10; i++)); do
        alive "$pid" "$DIR" || break
        sleep 0.1
    done
    if alive "$pid" "$DIR"; then
        log "$name (pid $pid) ignored SIGTERM; sending SIGKILL"
        kill -KILL -- "$target" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            alive "$pid" "$DIR" || break
            sleep 0.1
        done
    fi
    # forked children (storescp --fork, dcmqrscp) left in the group
    if [[ $target == -* ]]; then
        for ((i = 0; i < 30; i++)); do
            pgrep -g "$pid" >/dev/null 2>&1 || break
            kill -KILL -- "$target" 2>/dev/null || true
            sleep 0.1
        done
    fi
    if alive "$pid" "$DIR"; then
        log "could not stop $name (pid $pid)"
        return 1
    fi
}

# wait_ready NAME PID LOG PORT...: bounded wait until PID listens on every PORT. Readiness is
# observed (the server's own pid holds each listening socket), never assumed after a sleep;
# the sleep below is only the poll interval.
# Returns 0 ready, 1 failed (log printed), 2 failed because a port was taken (retryable).
wait_ready() {
    local name=$1 pid=$2 logf=$3
    shift 3
    local i p ok
    for ((i = 0; i < WAIT_S * 10; i++)); do
        # Not alive(): while setsid execs the server, /proc/PID/cmdline can be empty for an
        # instant. Our own fresh child cannot be a reused pid; only a zombie means "exited".
        if ! running "$pid"; then
            if grep -qiE 'already in use|cannot bind|bind.*fail|failed to bind|errno=98' "$logf" 2>/dev/null; then
                return 2
            fi
            log "$name (pid $pid) exited during start-up; its log ($logf):"
            tail -n 60 "$logf" >&2 || true
            return 1
        fi
        ok=1
        for p in "$@"; do
            is_listening_by "$p" "$pid" || { ok=0; break; }
        done
        ((ok)) && return 0
        sleep 0.1
    done
    log "$name (pid $pid) not listening on port(s) $* after ${WAIT_S}s; its log ($logf):"
    tail -n 60 "$logf" >&2 || true
    return 1
}

# --- components --------------------------------------------------------------------------

start_storescp() {
    local port=$1 d="$DIR/storescp"
    mkdir -p "$d/in"
    STORESCP_PID=$(launch storescp "$d/storescp.log" storescp --fork -aet STORESCP -od "$d/in" "$port")
    STORESCP_PORT=$port
}

start_qrscp() {
    local port=$1 d="$DIR/qrscp"
    rm -rf "$d/db"  # every lab starts empty: tests count what the canary put there
    mkdir -p "$d/db/QRSCP" "$d/db/COMMON"
    cat >"$d/dcmqrscp.cfg" <<EOF
# generated by scripts/lab.sh
NetworkTCPPort  = $port
MaxPDUSize      = 16384
MaxAssociations = 16

HostTable BEGIN
# dcmqrscp compares the peer's reverse-resolved name: 127.0.0.1 -> localhost.
# Move destinations point at the lab's storescp.
trusted1 = (TRUSTED1, localhost, $STORESCP_PORT)
trusted2 = (TRUSTED2, localhost, $STORESCP_PORT)
trusted  = trusted1, trusted2
HostTable END

VendorTable BEGIN
VendorTable END

AETable BEGIN
QRSCP   $d/db/QRSCP   RW   (10, 16mb)   trusted
# COMMON: the AE title of DCMTK's sample configuration, open to any peer (access checks).
COMMON  $d/db/COMMON  RW   (10, 16mb)   ANY
AETable END
EOF
    QRSCP_PID=$(launch qrscp "$d/dcmqrscp.log" dcmqrscp -c "$d/dcmqrscp.cfg" "$port")
    QRSCP_PORT=$port
}

# start_orthanc NAME DICOM_PORT HTTP_PORT CHECK_CALLED(true|false)
start_orthanc() {
    local name=$1 port=$2 http=$3 checked=$4 d="$DIR/$1" extra=""
    rm -rf "$d/storage" "$d/index"  # every lab starts empty
    mkdir -p "$d/storage" "$d/index"
    if [[ $checked == true ]]; then
        extra=$(printf '  "DicomCheckCalledAet" : true,\n  "DicomModalities" : { "trusted1" : [ "TRUSTED1", "127.0.0.1", %s ] },' "$STORESCP_PORT")
    else
        # Open: any called AE, and query/retrieve for unknown calling AEs (access checks).
        extra=$(printf '  "DicomCheckCalledAet" : false,\n  "DicomAlwaysAllowFind" : true,\n  "DicomAlwaysAllowMove" : true,\n  "DicomAlwaysAllowGet" : true,')
    fi
    cat >"$d/orthanc.json" <<EOF
{
  "Name" : "dicomsec-lab-$name",
  "StorageDirectory" : "$d/storage",
  "IndexDirectory" : "$d/index",
  "Plugins" : [ ],
  "HttpServerEnabled" : true,
  "HttpPort" : $http,
  "RemoteAccessAllowed" : false,
  "DicomServerEnabled" : true,
  "DicomAet" : "ORTHANC",
  "DicomPort" : $port,
$extra
  "OrthancPeers" : { }
}
EOF
    local pid
    pid=$(launch "$name" "$d/orthanc.log" Orthanc "$d/orthanc.json")
    if [[ $name == orthanc-checked ]]; then
        ORTHANC_CHECKED_PID=$pid ORTHANC_CHECKED_PORT=$port ORTHANC_CHECKED_HTTP=$http
    else
        ORTHANC_OPEN_PID=$pid ORTHANC_OPEN_PORT=$port ORTHANC_OPEN_HTTP=$http
    fi
}

# start_with_retry NAME NPORTS: start NAME on fresh ports, retry if a port got taken.
start_with_retry() {
    local name=$1 nports=$2 attempt rc ports pid logf
    for ((attempt = 1; attempt <= MAX_ATTEMPTS; attempt++)); do
        read -r -a ports <<<"$(free_ports "$nports")"
        for p in "${ports[@]}"; do check_port "$p"; done
        case $name in
            storescp) start_storescp "${ports[0]}"; pid=$STORESCP_PID; logf="$DIR/storescp/storescp.log" ;;
            qrscp) start_qrscp "${ports[0]}"; pid=$QRSCP_PID; logf="$DIR/qrscp/dcmqrscp.log" ;;
            orthanc-checked) start_orthanc "$name" "${ports[0]}" "${ports[1]}" true; pid=$ORTHANC_CHECKED_PID; logf="$DIR/$name/orthanc.log" ;;
            orthanc-open) start_orthanc "$name" "${ports[0]}" "${ports[1]}" false; pid=$ORTHANC_OPEN_PID; logf="$DIR/$name/orthanc.log" ;;
        esac
        rc=0
        wait_ready "$name" "$pid" "$logf" "${ports[@]}" || rc=$?
        case $rc in
            0) return 0 ;;
            2) log "$name: port taken meanwhile (attempt $attempt/$MAX_ATTEMPTS), retrying"
               stop_pid "$name" "$pid" || true ;;
            *) return 1 ;;
        esac
    done
    log "$name: giving up after $MAX_ATTEMPTS attempts; last log ($logf):"
    tail -n 60 "$logf" >&2 || true
    return 1
}

# --- canary study ------------------------------------------------------------------------

make_canary() {
    local d="$DIR/canary"
    mkdir -p "$d"
    CANARY=$("$PY" -c 'import secrets; print(secrets.token_hex(6).upper())')
    CANARY_PATIENT_NAME="CANARY^DICOMSEC^$CANARY"
    CANARY_PATIENT_ID="CANARY-$CANARY"
    read -r CANARY_STUDY_UID CANARY_SERIES_UID CANARY_SOP_UID <<<"$("$PY" -c \
        'import uuid; print(*("2.25.%d" % uuid.uuid4().int for _ in range(3)))')"
    CANARY_FILE="$d/canary.dcm"
    cat >"$d/canary.dump" <<EOF
# synthetic CT image, generated by scripts/lab.sh -- no real patient data
(0008,0005) CS [ISO_IR 100]
(0008,0008) CS [ORIGINAL\\PRIMARY\\AXIAL]
(0008,0016) UI =CTImageStorage
(0008,0018) UI [$CANARY_SOP_UID]
(0008,0020) DA [20240101]
(0008,0030) TM [120000]
(0008,0050) SH [ACC$CANARY]
(0008,0060) CS [CT]
(0008,0090) PN []
(0008,1030) LO [DICOMSEC LAB CANARY]
(0010,0010) PN [$CANARY_PATIENT_NAME]
(0010,0020) LO [$CANARY_PATIENT_ID]
(0010,0030) DA [19700101]
(0010,0040) CS [O]
(0020,000d) UI [$CANARY_STUDY_UID]
(0020,000e) UI [$CANARY_SERIES_UID]
(0020,0010) SH [1]
(0020,0011) IS [1]
(0020,0013) IS [1]
(0028,0002) US 1
(0028,0004) CS [MONOCHROME2]
(0028,0010) US 2
(0028,0011) US 2
(0028,0100) US 16
(0028,0101) US 12
(0028,0102) US 11
(0028,0103) US 0
(7fe0,0010) OW 0000\\0100\\0200\\0300
EOF
    dump2dcm -q +te "$d/canary.dump" "$CANARY_FILE" >"$d/dump2dcm.log" 2>&1 ||
        { cat "$d/dump2dcm.log" >&2; die "dump2dcm failed"; }
}

load_canary() {
    local d="$DIR/canary" name http
    # dcmqrscp: C-STORE from a trusted calling AE.
    if ! timeout 30 storescu -aet TRUSTED1 -aec QRSCP -to 10 -ta 10 -td 10 \
        127.0.0.1 "$QRSCP_PORT" "$CANARY_FILE" >"$d/storescu-qrscp.log" 2>&1; then
        cat "$d/storescu-qrscp.log" >&2
        die "could not store the canary into dcmqrscp"
    fi
    if ! [[ -s $DIR/qrscp/db/QRSCP/index.dat ]] || ! compgen -G "$DIR/qrscp/db/QRSCP/CT*" >/dev/null; then
        cat "$d/storescu-qrscp.log" "$DIR/qrscp/dcmqrscp.log" >&2
        die "canary not in dcmqrscp's storage"
    fi
    # dcmqrscp's open AE title COMMON holds the canary too.
    if ! timeout 30 storescu -aet TRUSTED1 -aec COMMON -to 10 -ta 10 -td 10 \
        127.0.0.1 "$QRSCP_PORT" "$CANARY_FILE" >"$d/storescu-qrscp-common.log" 2>&1; then
        cat "$d/storescu-qrscp-common.log" >&2
        die "could not store the canary into dcmqrscp (COMMON)"
    fi
    # Orthancs: REST upload on loopback.
    for name in checked open; do
        if [[ $name == checked ]]; then http=$ORTHANC_CHECKED_HTTP; else http=$ORTHANC_OPEN_HTTP; fi
        if ! curl -sS -f --max-time 15 -X POST --data-binary @"$CANARY_FILE" \
            "http://127.0.0.1:$http/instances" >"$d/upload-orthanc-$name.json" 2>&1; then
            cat "$d/upload-orthanc-$name.json" >&2
            die "could not upload the canary into orthanc-$name"
        fi
    done
}

# --- commands ----------------------------------------------------------------------------

cmd_stop() {
    [[ -d $DIR ]] || return 0
    local name pid rc=0 jobs=()
    # All servers at once: each takes seconds to shut down, and they do not depend on
    # each other.
    for name in "${COMPONENTS[@]}"; do
        [[ -f $DIR/$name/pid ]] || continue
        pid=$(<"$DIR/$name/pid")
        stop_pid "$name" "$pid" &
        jobs+=("$!")
    done
    for pid in "${jobs[@]}"; do wait "$pid" || rc=1; done
    for name in "${COMPONENTS[@]}"; do rm -f "$DIR/$name/pid"; done
    return "$rc"
}

on_start_error() {
    local rc=$?
    trap - EXIT
    if ((rc != 0)); then
        log "start failed; stopping what was started in $DIR"
        cmd_stop || true
        rm -f "$DIR/lab.env"
    fi
    exit "$rc"
}

cmd_start() {
    need storescp dcmqrscp dump2dcm storescu Orthanc ss curl setsid "$PY"
    mkdir -p "$DIR"
    local name
    for name in "${COMPONENTS[@]}"; do
        if [[ -f $DIR/$name/pid ]] && alive "$(<"$DIR/$name/pid")" "$DIR"; then
            die "a lab is already running in $DIR (run: $0 stop $DIR)"
        fi
    done
    rm -f "$DIR/lab.env"
    trap on_start_error EXIT

    make_canary
    start_with_retry storescp 1
    start_with_retry qrscp 1
    start_with_retry orthanc-checked 2
    start_with_retry orthanc-open 2
    load_canary

    # CLOSED_PORT: free on every address, and a connect to it is refused.
    local closed i
    for ((i = 0; i < 5; i++)); do
        closed=$(free_ports 1)
        check_port "$closed"
        if [[ -z $(listening_pids "$closed") ]] &&
            ! timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$closed" 2>/dev/null; then
            CLOSED_PORT=$closed
            break
        fi
    done
    [[ -n ${CLOSED_PORT:-} ]] || die "could not find a closed port"

    cat >"$DIR/lab.env.tmp" <<EOF
# dicomsec lab, generated by scripts/lab.sh start $DIR on $(date -u +%Y-%m-%dT%H:%M:%SZ)
LAB_DIR=$DIR
LAB_HOST=127.0.0.1
STORESCP_PORT=$STORESCP_PORT
STORESCP_AE=STORESCP
STORESCP_PID=$STORESCP_PID
QRSCP_PORT=$QRSCP_PORT
QRSCP_AE=QRSCP
QRSCP_TRUSTED_AE1=TRUSTED1
QRSCP_TRUSTED_AE2=TRUSTED2
QRSCP_OPEN_AE=COMMON
QRSCP_PID=$QRSCP_PID
ORTHANC_CHECKED_PORT=$ORTHANC_CHECKED_PORT
ORTHANC_CHECKED_HTTP=$ORTHANC_CHECKED_HTTP
ORTHANC_CHECKED_AE=ORTHANC
ORTHANC_CHECKED_PID=$ORTHANC_CHECKED_PID
ORTHANC_OPEN_PORT=$ORTHANC_OPEN_PORT
ORTHANC_OPEN_HTTP=$ORTHANC_OPEN_HTTP
ORTHANC_OPEN_AE=ORTHANC
ORTHANC_OPEN_PID=$ORTHANC_OPEN_PID
CANARY=$CANARY
CANARY_PATIENT_NAME=$CANARY_PATIENT_NAME
CANARY_PATIENT_ID=$CANARY_PATIENT_ID
CANARY_STUDY_UID=$CANARY_STUDY_UID
CANARY_SERIES_UID=$CANARY_SERIES_UID
CANARY_SOP_UID=$CANARY_SOP_UID
CANARY_FILE=$CANARY_FILE
CLOSED_PORT=$CLOSED_PORT
EOF
    mv "$DIR/lab.env.tmp" "$DIR/lab.env"
    trap - EXIT
    log "lab running; environment in $DIR/lab.env"
    cat "$DIR/lab.env"
}

cmd_status() {
    [[ -d $DIR ]] || { echo "no lab in $DIR"; return 1; }
    local name pid state ports p any=0
    declare -A port_of=()
    if [[ -f $DIR/lab.env ]]; then
        port_of[storescp]=$(sed -n 's/^STORESCP_PORT=//p' "$DIR/lab.env")
        port_of[qrscp]=$(sed -n 's/^QRSCP_PORT=//p' "$DIR/lab.env")
        port_of[orthanc-checked]="$(sed -n 's/^ORTHANC_CHECKED_PORT=//p' "$DIR/lab.env") $(sed -n 's/^ORTHANC_CHECKED_HTTP=//p' "$DIR/lab.env")"
        port_of[orthanc-open]="$(sed -n 's/^ORTHANC_OPEN_PORT=//p' "$DIR/lab.env") $(sed -n 's/^ORTHANC_OPEN_HTTP=//p' "$DIR/lab.env")"
    fi
    for name in "${COMPONENTS[@]}"; do
        if [[ ! -f $DIR/$name/pid ]]; then
            printf '%-16s stopped\n' "$name"
            continue
        fi
        pid=$(<"$DIR/$name/pid")
        if alive "$pid" "$DIR"; then
            state="running pid=$pid"
            any=1
            ports=""
            for p in ${port_of[$name]:-}; do
                if is_listening_by "$p" "$pid"; then ports+=" $p:listening"; else ports+=" $p:NOT-listening"; fi
            done
            printf '%-16s %s%s\n' "$name" "$state" "$ports"
        else
            printf '%-16s dead (pid %s)\n' "$name" "$pid"
        fi
    done
    ((any)) || return 3
}

main() {
    (($# == 2)) || usage
    local cmd=$1
    [[ -n $2 ]] || usage
    [[ $2 != *[[:space:]]* ]] || die "DIR must not contain whitespace"
    if [[ $cmd == start ]]; then mkdir -p "$2" || die "cannot create $2"; fi
    if [[ -d $2 ]]; then DIR=$(cd "$2" && pwd -P); else DIR=$2; fi
    case $cmd in
        start) cmd_start ;;
        stop) cmd_stop ;;
        status) cmd_status ;;
        *) usage ;;
    esac
}

# Sourced by scripts/web_lab.sh for its helpers: run only when executed.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    main "$@"
fi
