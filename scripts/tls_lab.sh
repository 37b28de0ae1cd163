#!/usr/bin/env bash
# dicomsec TLS lab: real TLS peers on loopback for the TLS audit's tests and benchmarks
# (issue 5). Certificates are made fresh at every start; nothing leaves 127.0.0.1.
#
#   scripts/tls_lab.sh start  DIR   make certificates, start the servers, write DIR/tls.env
#   scripts/tls_lab.sh stop   DIR   stop everything started in DIR (idempotent)
#   scripts/tls_lab.sh status DIR   show what runs
#
# Servers (port variables in DIR/tls.env; certificates and keys are named there too):
#   STORESCP_TLS_IC   storescp --fork +tls, profile +py (non-downgrading BCP 195), -ic
#   STORESCP_TLS_RC   storescp --fork +tls, +py, -rc +cf CA (requires a CA-signed client cert)
#   STORESCP_TLS_PX/PZ/PA/PN  storescp --fork +tls -ic with +px, +pz, +pa (retired AES),
#                     +pn (retired null encryption)
#   OSSL_CA           openssl s_server, CA-signed RSA 2048 leaf, sends leaf + CA
#   OSSL_SELF         openssl s_server, self-signed EC P-256
#   OSSL_EXPIRED      openssl s_server, CA-signed RSA 2048 valid 2020-01-01..2021-01-01
#   OSSL_WEAK         openssl s_server, CA-signed RSA 1024 (needs @SECLEVEL=0 on both sides)
#   OSSL_TLS10        openssl s_server, TLS 1.0 only (@SECLEVEL=0)
#   OSSL_TLS13        openssl s_server, TLS 1.3 only
#   OSSL_TLS13_REQUIRE  TLS 1.3 only, requires a client certificate (-Verify)
#   OSSL_TLS12_REQUEST  TLS 1.2 only, requests an optional client certificate (-verify)
#   PS3.15 profile peers (docs/design.md "PS3.15 profile requirements"), all s_server, RSA leaf:
#   OSSL_B13          meets B.13: TLS 1.2 ECDHE-RSA AES-GCM only, the five listed TLS 1.3 suites,
#                     X25519/P-256
#   OSSL_B13_NO_CCM8  as OSSL_B13 but -ciphersuites leaves TLS_AES_128_CCM_8_SHA256 out
#   OSSL_TLS12_ONLY   as OSSL_B13 with -no_tls1_3 (passed B.13 before issue 12)
#   OSSL_DHE2048      B.13 suites plus DHE-RSA AES-GCM with RFC 7919 ffdhe2048 (-dhparam)
#   OSSL_DHE1024      TLS 1.2 DHE/ECDHE AES-GCM with a 1024-bit DH group (@SECLEVEL=0)
#   OSSL_CBC          TLS 1.2 ECDHE-RSA AES-GCM plus ECDHE-RSA AES-CBC-SHA256
#   OSSL_P224         TLS 1.2 ECDHE-RSA AES-GCM on secp224r1 only (-groups)
#   PLAIN_STORESCP    storescp --fork without TLS (also the non-TLS peer)
#   STUNNEL           stunnel4 (TLS, CA-signed leaf, no client cert) -> PLAIN_STORESCP
#   CLOSED_PORT       nothing listens; a connect is refused
#
# Network rule: every port is chosen at run time (never 104/4242/8042/11112); s_server and
# stunnel bind 127.0.0.1 (storescp has no bind option and listens on every address). Every
# wait is bounded (TLS_LAB_WAIT_S, default 10 s per server). Several labs may run at once in
# different DIRs. Start takes ~2 s.
set -euo pipefail
here_tls=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# need, free_ports, check_port, listening_pids and running come from scripts/lab.sh (its
# main only runs when it is executed); what differs for the TLS peers is defined below.
# shellcheck source=lab.sh
source "$here_tls/lab.sh"

PY=/usr/bin/python3
WAIT_S=${TLS_LAB_WAIT_S:-10}
STOP_WAIT_S=${TLS_LAB_STOP_WAIT_S:-10}
MAX_ATTEMPTS=3
FORBIDDEN_PORTS=" 104 4242 8042 11112 "
# name:variable of every server, in start order (plain storescp before stunnel).
SERVERS=(
    storescp-ic:STORESCP_TLS_IC storescp-rc:STORESCP_TLS_RC storescp-px:STORESCP_TLS_PX
    storescp-pz:STORESCP_TLS_PZ storescp-pa:STORESCP_TLS_PA storescp-pn:STORESCP_TLS_PN
    ossl-ca:OSSL_CA ossl-self:OSSL_SELF ossl-expired:OSSL_EXPIRED ossl-weak:OSSL_WEAK
    ossl-tls10:OSSL_TLS10 ossl-tls13:OSSL_TLS13 ossl-tls13-require:OSSL_TLS13_REQUIRE
    ossl-tls12-request:OSSL_TLS12_REQUEST ossl-b13:OSSL_B13 ossl-b13-no-ccm8:OSSL_B13_NO_CCM8
    ossl-tls12-only:OSSL_TLS12_ONLY ossl-dhe2048:OSSL_DHE2048 ossl-dhe1024:OSSL_DHE1024
    ossl-cbc:OSSL_CBC ossl-p224:OSSL_P224 plain-storescp:PLAIN_STORESCP stunnel:STUNNEL
)
# PS3.15 B.13 (docs/design.md): ECDHE-RSA AES-GCM on TLS 1.2, the five TLS 1.3 suites.
B13_TLS12='ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384'
B13_TLS13='TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256'


log() { echo "tls_lab.sh: $*" >&2; }
die() { log "$*"; exit 1; }
usage() {
    echo "usage: $0 start|stop|status DIR" >&2
    exit 2
}

# --- ports and processes (same rules as scripts/lab.sh) -----------------------------------




# alive PID: PID runs and its command line mentions DIR (guards against pid reuse).
alive() {
    local pid=$1 cmd
    [[ -n $pid && -r /proc/$pid/cmdline ]] || return 1
    cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
    [[ $cmd == *"$DIR"* ]]
}


# stop_pid NAME PID: TERM its process group, bounded wait, then KILL (and forked children).
stop_pid() {
    local name=$1 pid=$2 pgid i target
    alive "$pid" || return 0
    pgid=$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ') || pgid=""
    if [[ $pgid == "$pid" ]]; then target="-$pid"; else target="$pid"; fi
    kill -TERM -- "$target" 2>/dev/null || true
    for ((i = 0; i < STOP_WAIT_S * 10; i++)); do
        alive "$pid" || break
        sleep 0.1
    done
    if alive "$pid"; then
        log "$name (pid $pid) ignored SIGTERM; sending SIGKILL"
        kill -KILL -- "$target" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            alive "$pid" || break
            sleep 0.1
        done
    fi
    if [[ $target == -* ]]; then
        for ((i = 0; i < 30; i++)); do
            pgrep -g "$pid" >/dev/null 2>&1 || break
            kill -KILL -- "$target" 2>/dev/null || true
            sleep 0.1
        done
    fi
    if alive "$pid"; then
        log "could not stop $name (pid $pid)"
        return 1
    fi
}

# --- certificates ------------------------------------------------------------------------

make_certs() {
    local c="$DIR/certs"
    rm -rf "$c"
    mkdir -p "$c/ca/newcerts"
    : >"$c/ca/index.txt"
    echo 1000 >"$c/ca/serial"
    cat >"$c/ca.cnf" <<EOF
# generated by scripts/tls_lab.sh: a throw-away CA for the TLS lab
[ ca ]
default_ca = lab_ca
[ lab_ca ]
dir = $c/ca
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
default_md = sha256
policy = lab_policy
unique_subject = no
copy_extensions = none
email_in_dn = no
[ lab_policy ]
# openssl ca writes the DN in this order: O then CN, as the requests have it.
organizationName = optional
commonName = supplied
[ ca_ext ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ server_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, DNS:dicom.lab.invalid, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ client_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ self_ext ]
basicConstraints = critical, CA:false
subjectAltName = DNS:selfsigned.lab.invalid
subjectKeyIdentifier = hash
EOF
    local o=(-batch -config "$c/ca.cnf" -notext)
    # CA: RSA 2048, self-signed, ten years.
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$c/ca.key" -out "$c/ca.pem" -days 3650 \
        -subj "/O=dicomsec lab/CN=dicomsec lab CA" -config "$c/ca.cnf" -extensions ca_ext \
        2>/dev/null
    # leaf NAME KEYSPEC SUBJECT EXT [openssl ca options]: a CA-signed certificate.
    leaf() {
        local name=$1 keyspec=$2 subj=$3 ext=$4
        shift 4
        openssl req -new -newkey "$keyspec" -nodes -keyout "$c/$name.key" -out "$c/$name.csr" \
            -subj "$subj" 2>/dev/null
        openssl ca "${o[@]}" -cert "$c/ca.pem" -keyfile "$c/ca.key" -in "$c/$name.csr" \
            -out "$c/$name.pem" -extensions "$ext" "$@" 2>"$c/$name.ca.log" ||
            { cat "$c/$name.ca.log" >&2; die "openssl ca failed for $name"; }
    }
    leaf server rsa:2048 "/O=dicomsec lab/CN=localhost" server_ext -days 825
    leaf expired rsa:2048 "/O=dicomsec lab/CN=expired.lab.invalid" server_ext \
        -startdate 20200101000000Z -enddate 20210101000000Z
    leaf weak rsa:1024 "/O=dicomsec lab/CN=weak.lab.invalid" server_ext -days 825
    # Client: EC P-256, CA-signed (req -newkey ec needs -pkeyopt, so not via leaf()).
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$c/client.key" -out "$c/client.csr" -subj "/O=dicomsec lab/CN=DICOMSEC client" \
        2>/dev/null
    openssl ca "${o[@]}" -cert "$c/ca.pem" -keyfile "$c/ca.key" -in "$c/client.csr" \
        -out "$c/client.pem" -extensions client_ext -days 825 2>"$c/client.ca.log" ||
        { cat "$c/client.ca.log" >&2; die "openssl ca failed for client"; }
    # Self-signed EC P-256 leaf.
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$c/self.key" -out "$c/self.pem" -days 825 \
        -subj "/O=dicomsec lab/CN=selfsigned.lab.invalid" -config "$c/ca.cnf" -extensions self_ext \
        2>/dev/null
    # A client certificate no CA of ours signed (self-signed), for "refused" tests.
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$c/rogue.key" -out "$c/rogue.pem" -days 825 \
        -subj "/O=elsewhere/CN=rogue client" 2>/dev/null
    # DH groups for the DHE peers: RFC 7919 ffdhe2048 and RFC 5114's 1024-bit group (both
    # named, so nothing is generated).
    openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out "$c/dh2048.pem" 2>/dev/null
    openssl genpkey -genparam -algorithm DH -pkeyopt group:dh_1024_160 -out "$c/dh1024.pem" 2>/dev/null
    cat "$c/server.pem" "$c/ca.pem" >"$c/server-chain.pem"
    chmod 600 "$c"/*.key
}

# --- servers -----------------------------------------------------------------------------

# launch NAME PORT: start server NAME on PORT in its own session; sets LAUNCHED_PID.
launch() {
    local name=$1 port=$2 c="$DIR/certs" d="$DIR/$1" cmd=()
    mkdir -p "$d"
    local sec0='DEFAULT:@SECLEVEL=0'
    local ossl_rsa=(openssl s_server -www -accept "127.0.0.1:$port" -cert "$c/server.pem" -key "$c/server.key")
    case $name in
        storescp-ic) cmd=(storescp --fork -aet TLSSCP +tls "$c/server.key" "$c/server.pem" -ic +py -od "$d" "$port") ;;
        storescp-rc) cmd=(storescp --fork -aet TLSSCP +tls "$c/server.key" "$c/server.pem" -rc +cf "$c/ca.pem" +py -od "$d" "$port") ;;
        storescp-px) cmd=(storescp --fork -aet TLSSCP +tls "$c/server.key" "$c/server.pem" -ic +px -od "$d" "$port") ;;
        storescp-pz) cmd=(storescp --fork -aet TLSSCP +tls "$c/server.key" "$c/server.pem" -ic +pz -od "$d" "$port") ;;
        storescp-pa) cmd=(storescp --fork -aet TLSSCP +tls "$c/server.key" "$c/server.pem" -ic +pa -od "$d" "$port") ;;
        storescp-pn) cmd=(storescp --fork -aet TLSSCP +tls "$c/server.key" "$c/server.pem" -ic +pn -od "$d" "$port") ;;
        plain-storescp) cmd=(storescp --fork -aet PLAINSCP -od "$d" "$port") ;;
        ossl-ca) cmd=(openssl s_server -www -accept "127.0.0.1:$port" -cert "$c/server.pem" -key "$c/server.key" -cert_chain "$c/ca.pem") ;;
        ossl-self) cmd=(openssl s_server -www -accept "127.0.0.1:$port" -cert "$c/self.pem" -key "$c/self.key") ;;
        ossl-expired) cmd=(openssl s_server -www -accept "127.0.0.1:$port" -cert "$c/expired.pem" -key "$c/expired.key") ;;
        ossl-weak) cmd=(openssl s_server -www -accept "127.0.0.1:$port" -cert "$c/weak.pem" -key "$c/weak.key" -cipher "$sec0") ;;
        ossl-tls10) cmd=(openssl s_server -www -accept "127.0.0.1:$port" -cert "$c/server.pem" -key "$c/server.key" -tls1 -cipher "$sec0") ;;
        ossl-tls13) cmd=(openssl s_server -www -accept "127.0.0.1:$port" -cert "$c/server.pem" -key "$c/server.key" -tls1_3) ;;
        ossl-tls13-require) cmd=(openssl s_server -www -accept "127.0.0.1:$port" -cert "$c/server.pem" -key "$c/server.key" -tls1_3 -Verify 1 -CAfile "$c/ca.pem") ;;
        ossl-tls12-request) cmd=(openssl s_server -www -accept "127.0.0.1:$port" -cert "$c/server.pem" -key "$c/server.key" -tls1_2 -verify 1 -CAfile "$c/ca.pem") ;;
        ossl-b13) cmd=("${ossl_rsa[@]}" -cipher "$B13_TLS12" -ciphersuites "$B13_TLS13" -groups X25519:P-256) ;;
        ossl-b13-no-ccm8) cmd=("${ossl_rsa[@]}" -cipher "$B13_TLS12" -ciphersuites "${B13_TLS13%:TLS_AES_128_CCM_8_SHA256}" -groups X25519:P-256) ;;
        ossl-tls12-only) cmd=("${ossl_rsa[@]}" -no_tls1_3 -cipher "$B13_TLS12" -groups X25519:P-256) ;;
        ossl-dhe2048) cmd=("${ossl_rsa[@]}" -cipher "DHE-RSA-AES128-GCM-SHA256:$B13_TLS12" -ciphersuites "$B13_TLS13" -dhparam "$c/dh2048.pem" -groups X25519:P-256) ;;
        ossl-dhe1024) cmd=("${ossl_rsa[@]}" -no_tls1_3 -cipher "DHE-RSA-AES128-GCM-SHA256:$B13_TLS12:@SECLEVEL=0" -dhparam "$c/dh1024.pem" -groups X25519:P-256) ;;
        ossl-cbc) cmd=("${ossl_rsa[@]}" -no_tls1_3 -cipher "$B13_TLS12:ECDHE-RSA-AES128-SHA256" -groups X25519:P-256) ;;
        ossl-p224) cmd=("${ossl_rsa[@]}" -no_tls1_3 -cipher "$B13_TLS12:@SECLEVEL=0" -groups P-224) ;;
        stunnel)
            cat >"$d/stunnel.conf" <<EOF
; generated by scripts/tls_lab.sh: TLS in front of the plain storescp
foreground = yes
pid =
debug = 4
[dicom]
accept = 127.0.0.1:$port
connect = 127.0.0.1:$PLAIN_STORESCP
cert = $c/server.pem
key = $c/server.key
EOF
            cmd=(stunnel4 "$d/stunnel.conf") ;;
        *) die "unknown server $name" ;;
    esac
    setsid "${cmd[@]}" </dev/null >"$d/server.log" 2>&1 &
    LAUNCHED_PID=$!
    echo "$LAUNCHED_PID" >"$d/pid"
}

# wait_ready NAME PID PORT: bounded wait until PID listens on PORT.
# Returns 0 ready, 1 failed (log printed), 2 failed because the port was taken (retryable).
wait_ready() {
    local name=$1 pid=$2 port=$3 logf="$DIR/$1/server.log" i
    for ((i = 0; i < WAIT_S * 20; i++)); do
        if ! running "$pid"; then
            if grep -qiE 'already in use|cannot bind|bind.*fail|failed to bind|errno=98' "$logf" 2>/dev/null; then
                return 2
            fi
            log "$name (pid $pid) exited during start-up; its log ($logf):"
            tail -n 30 "$logf" >&2 || true
            return 1
        fi
        listening_pids "$port" | grep -qx "$pid" && return 0
        sleep 0.05
    done
    log "$name (pid $pid) not listening on port $port after ${WAIT_S}s; its log ($logf):"
    tail -n 30 "$logf" >&2 || true
    return 1
}

# start_group ENTRY...: start the servers in parallel, wait for all, retry the ones whose
# port was taken meanwhile (bounded).
start_group() {
    local pending=("$@") attempt entry name var rc ports i
    for ((attempt = 1; attempt <= MAX_ATTEMPTS && ${#pending[@]} > 0; attempt++)); do
        read -r -a ports <<<"$(free_ports "${#pending[@]}")"
        local pids=()
        for i in "${!pending[@]}"; do
            entry=${pending[$i]}
            name=${entry%%:*} var=${entry#*:}
            check_port "${ports[$i]}"
            printf -v "$var" '%s' "${ports[$i]}"
            launch "$name" "${ports[$i]}"
            pids+=("$LAUNCHED_PID")
        done
        local retry=()
        for i in "${!pending[@]}"; do
            entry=${pending[$i]}
            name=${entry%%:*}
            rc=0
            wait_ready "$name" "${pids[$i]}" "${ports[$i]}" || rc=$?
            case $rc in
                0) ;;
                2) log "$name: port taken meanwhile (attempt $attempt/$MAX_ATTEMPTS), retrying"
                   stop_pid "$name" "${pids[$i]}" || true
                   retry+=("$entry") ;;
                *) return 1 ;;
            esac
        done
        pending=("${retry[@]}")
    done
    ((${#pending[@]} == 0)) || { log "giving up on: ${pending[*]}"; return 1; }
}

# --- commands ----------------------------------------------------------------------------

cmd_stop() {
    [[ -d $DIR ]] || return 0
    local entry name pid rc=0 jobs=()
    for entry in "${SERVERS[@]}"; do
        name=${entry%%:*}
        [[ -f $DIR/$name/pid ]] || continue
        pid=$(<"$DIR/$name/pid")
        stop_pid "$name" "$pid" &
        jobs+=("$!")
    done
    for pid in "${jobs[@]}"; do wait "$pid" || rc=1; done
    for entry in "${SERVERS[@]}"; do rm -f "$DIR/${entry%%:*}/pid"; done
    rm -f "$DIR/tls.env"
    return "$rc"
}

on_start_error() {
    local rc=$?
    trap - EXIT
    if ((rc != 0)); then
        log "start failed; stopping what was started in $DIR"
        cmd_stop || true
    fi
    exit "$rc"
}

cmd_start() {
    need storescp stunnel4 openssl ss setsid "$PY"
    mkdir -p "$DIR"
    local entry name
    for entry in "${SERVERS[@]}"; do
        name=${entry%%:*}
        if [[ -f $DIR/$name/pid ]] && alive "$(<"$DIR/$name/pid")"; then
            die "a TLS lab is already running in $DIR (run: $0 stop $DIR)"
        fi
    done
    rm -f "$DIR/tls.env"
    trap on_start_error EXIT

    make_certs
    # stunnel needs the plain storescp's port, so that one goes first.
    start_group plain-storescp:PLAIN_STORESCP
    local rest=()
    for entry in "${SERVERS[@]}"; do
        [[ ${entry%%:*} == plain-storescp ]] || rest+=("$entry")
    done
    start_group "${rest[@]}"

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

    local c="$DIR/certs" var
    {
        echo "# dicomsec TLS lab, generated by scripts/tls_lab.sh start $DIR on $(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "TLS_LAB_DIR=$DIR"
        echo "TLS_HOST=127.0.0.1"
        for entry in "${SERVERS[@]}"; do
            var=${entry#*:}
            echo "${var}_PORT=${!var}"
            echo "${var}_PID=$(<"$DIR/${entry%%:*}/pid")"
        done
        echo "CLOSED_PORT=$CLOSED_PORT"
        echo "STORESCP_TLS_AE=TLSSCP"
        echo "PLAIN_STORESCP_AE=PLAINSCP"
        echo "CA_CERT=$c/ca.pem"
        echo "CA_KEY=$c/ca.key"
        echo "SERVER_CERT=$c/server.pem"
        echo "SERVER_KEY=$c/server.key"
        echo "SERVER_CHAIN=$c/server-chain.pem"
        echo "SELF_CERT=$c/self.pem"
        echo "SELF_KEY=$c/self.key"
        echo "EXPIRED_CERT=$c/expired.pem"
        echo "EXPIRED_KEY=$c/expired.key"
        echo "WEAK_CERT=$c/weak.pem"
        echo "WEAK_KEY=$c/weak.key"
        echo "CLIENT_CERT=$c/client.pem"
        echo "CLIENT_KEY=$c/client.key"
        echo "ROGUE_CERT=$c/rogue.pem"
        echo "ROGUE_KEY=$c/rogue.key"
    } >"$DIR/tls.env.tmp"
    mv "$DIR/tls.env.tmp" "$DIR/tls.env"
    trap - EXIT
    log "TLS lab running; environment in $DIR/tls.env"
}

cmd_status() {
    [[ -d $DIR ]] || { echo "no TLS lab in $DIR"; return 1; }
    local entry name pid any=0
    for entry in "${SERVERS[@]}"; do
        name=${entry%%:*}
        if [[ ! -f $DIR/$name/pid ]]; then
            printf '%-20s stopped\n' "$name"
        elif pid=$(<"$DIR/$name/pid") && alive "$pid"; then
            printf '%-20s running pid=%s\n' "$name" "$pid"
            any=1
        else
            printf '%-20s dead (pid %s)\n' "$name" "$pid"
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

main "$@"
