#!/usr/bin/env bash
# dicomsec web lab: three Orthancs with the DICOMweb plugin on loopback, for the DICOMweb /
# REST probe (scan --level auth) and its integration tests. Reuses scripts/lab.sh's helpers.
#
#   scripts/web_lab.sh start  DIR   start the Orthancs, load the canary study; write DIR/lab.env
#   scripts/web_lab.sh stop   DIR   stop everything started in DIR (idempotent)
#
#   web-open     AuthenticationEnabled false                       (DICOM port enabled too)
#   web-default  AuthenticationEnabled true, orthanc:orthanc       (the Docker images' default)
#   web-strong   AuthenticationEnabled true, user "lab" with a random 32-hex-digit password
#
# The strong password is written only to DIR/web-strong/orthanc.json and DIR/web-strong/pass
# (mode 600), never to lab.env or the terminal. Orthanc refuses non-loopback clients
# (RemoteAccessAllowed false) and the lab connects only to 127.0.0.1.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=lab.sh
source "$here/lab.sh"

COMPONENTS=(web-open web-default web-strong)
PLUGIN=${DICOMSEC_DICOMWEB_PLUGIN:-/usr/share/orthanc/plugins/libOrthancDicomWeb.so}

# start_web_orthanc NAME DICOM_PORT HTTP_PORT: config and launch; sets PID.
start_web_orthanc() {
    local name=$1 port=$2 http=$3 d="$DIR/$1" auth users dicom
    # A fresh database each start: the tests count exactly one canary patient.
    rm -rf "$d/storage" "$d/index"
    mkdir -p "$d/storage" "$d/index"
    case $name in
        web-open) auth=false; users='{ }'; dicom=true ;;
        web-default) auth=true; users='{ "orthanc" : "orthanc" }'; dicom=false ;;
        web-strong)
            auth=true; dicom=false
            [[ -s $d/pass ]] || (umask 077; "$PY" -c 'import secrets; print(secrets.token_hex(16))' >"$d/pass")
            users="{ \"lab\" : \"$(<"$d/pass")\" }" ;;
    esac
    (umask 077; cat >"$d/orthanc.json" <<JSON
{
  "Name" : "dicomsec-lab-$name",
  "StorageDirectory" : "$d/storage",
  "IndexDirectory" : "$d/index",
  "Plugins" : [ "$PLUGIN" ],
  "HttpServerEnabled" : true,
  "HttpPort" : $http,
  "RemoteAccessAllowed" : false,
  "AuthenticationEnabled" : $auth,
  "RegisteredUsers" : $users,
  "DicomServerEnabled" : $dicom,
  "DicomAet" : "ORTHANC",
  "DicomPort" : $port,
  "DicomCheckCalledAet" : false,
  "DicomWeb" : { "Enable" : true, "Root" : "/dicom-web/" },
  "OrthancPeers" : { }
}
JSON
)
    PID=$(launch "$name" "$d/orthanc.log" Orthanc "$d/orthanc.json")
}

# start_web NAME: fresh ports, bounded retries when a port was taken meanwhile.
start_web() {
    local name=$1 attempt rc ports logf="$DIR/$1/orthanc.log" wait_on
    for ((attempt = 1; attempt <= MAX_ATTEMPTS; attempt++)); do
        read -r -a ports <<<"$(free_ports 2)"
        for p in "${ports[@]}"; do check_port "$p"; done
        start_web_orthanc "$name" "${ports[0]}" "${ports[1]}"
        if [[ $name == web-open ]]; then wait_on=("${ports[@]}"); else wait_on=("${ports[1]}"); fi
        rc=0
        wait_ready "$name" "$PID" "$logf" "${wait_on[@]}" || rc=$?
        case $rc in
            0) STARTED_PORTS="${ports[*]}"; return 0 ;;
            2) log "$name: port taken meanwhile (attempt $attempt/$MAX_ATTEMPTS), retrying"
               stop_pid "$name" "$PID" || true ;;
            *) return 1 ;;
        esac
    done
    return 1
}

upload() { # NAME HTTP_PORT [USER]  (password from the config, via a curl config file)
    local name=$1 http=$2 d="$DIR/$1" cfg
    cfg="$d/curl.cfg"
    (umask 077; : >"$cfg")
    case $name in
        web-default) echo 'user = "orthanc:orthanc"' >>"$cfg" ;;
        web-strong) echo "user = \"lab:$(<"$d/pass")\"" >>"$cfg" ;;
    esac
    if ! curl -sS -f --max-time 15 -K "$cfg" -X POST --data-binary @"$CANARY_FILE" \
        "http://127.0.0.1:$http/instances" >"$d/upload.json" 2>&1; then
        cat "$d/upload.json" >&2
        die "could not upload the canary into $name"
    fi
    rm -f "$cfg"
}

web_start() {
    need Orthanc dump2dcm ss curl setsid "$PY"
    [[ -f $PLUGIN ]] || die "DICOMweb plugin not found at $PLUGIN (apt-get install orthanc-dicomweb)"
    mkdir -p "$DIR"
    local name
    for name in "${COMPONENTS[@]}"; do
        if [[ -f $DIR/$name/pid ]] && alive "$(<"$DIR/$name/pid")" "$DIR"; then
            die "a web lab is already running in $DIR (run: $0 stop $DIR)"
        fi
    done
    rm -f "$DIR/lab.env"
    trap on_start_error EXIT
    make_canary
    # Start all three at once: each Orthanc takes about a second to come up.
    local pids=() rc=0
    for name in "${COMPONENTS[@]}"; do
        mkdir -p "$DIR/$name"
        ( start_web "$name" || exit 1
          echo "$STARTED_PORTS" >"$DIR/$name/ports" ) &
        pids+=("$!")
    done
    for p in "${pids[@]}"; do wait "$p" || rc=1; done
    ((rc == 0)) || die "could not start the web lab"
    local open_ports default_ports strong_ports
    read -r -a open_ports <"$DIR/web-open/ports"
    read -r -a default_ports <"$DIR/web-default/ports"
    read -r -a strong_ports <"$DIR/web-strong/ports"
    upload web-open "${open_ports[1]}"
    upload web-default "${default_ports[1]}"
    upload web-strong "${strong_ports[1]}"

    cat >"$DIR/lab.env.tmp" <<ENV
# dicomsec web lab, generated by scripts/web_lab.sh start $DIR on $(date -u +%Y-%m-%dT%H:%M:%SZ)
LAB_DIR=$DIR
LAB_HOST=127.0.0.1
WEB_OPEN_HTTP=${open_ports[1]}
WEB_OPEN_DICOM=${open_ports[0]}
WEB_DEFAULT_HTTP=${default_ports[1]}
WEB_STRONG_HTTP=${strong_ports[1]}
CANARY=$CANARY
CANARY_PATIENT_NAME=$CANARY_PATIENT_NAME
CANARY_PATIENT_ID=$CANARY_PATIENT_ID
CANARY_STUDY_UID=$CANARY_STUDY_UID
ENV
    mv "$DIR/lab.env.tmp" "$DIR/lab.env"
    trap - EXIT
    log "web lab running; environment in $DIR/lab.env"
}

web_main() {
    (($# == 2)) || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
    [[ -n $2 && $2 != *[[:space:]]* ]] || die "DIR must be non-empty without whitespace"
    if [[ $1 == start ]]; then mkdir -p "$2" || die "cannot create $2"; fi
    if [[ -d $2 ]]; then DIR=$(cd "$2" && pwd -P); else DIR=$2; fi
    case $1 in
        start) web_start ;;
        stop) cmd_stop ;;
        *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
    esac
}

web_main "$@"
