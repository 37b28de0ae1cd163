#!/usr/bin/env bash
# Test-suite wrapper around scripts/lab.sh, used by ctest's fixture (integration.lab.start /
# integration.lab.stop) and by scan_integration_test when it runs on its own.
#
#   tests/integration/lab_fixture.sh start DIR [LAB]  stop any earlier lab in DIR, start a
#                                                     fresh one, arm a watchdog
#   tests/integration/lab_fixture.sh stop  DIR [LAB]  disarm the watchdog, stop the lab
#                                                     (idempotent)
#
# LAB names the lab script in scripts/: lab.sh (the default: DICOM peers) or tls_lab.sh
# (the TLS peers of issue 5, which writes DIR/tls.env).
#
# The watchdog bounds the lab's life even when the test run dies without cleaning up (ctest
# killed, a test binary SIGKILLed on timeout): after DICOMSEC_LAB_WATCHDOG_S seconds (default
# 600) it runs `lab.sh stop DIR` itself. It only ever stops what lab.sh started in DIR.
set -euo pipefail

usage() {
    echo "usage: $0 start|stop DIR [lab.sh|tls_lab.sh]" >&2
    exit 2
}
(($# == 2 || $# == 3)) || usage
cmd=$1
dir=$2
lab_name=${3:-lab.sh}
[[ $lab_name == lab.sh || $lab_name == tls_lab.sh ]] || usage
[[ -n $dir && $dir != *[[:space:]]* ]] || usage
watchdog_s=${DICOMSEC_LAB_WATCHDOG_S:-600}
[[ $watchdog_s =~ ^[0-9]+$ ]] && ((watchdog_s >= 10 && watchdog_s <= 3600)) ||
    { echo "lab_fixture.sh: DICOMSEC_LAB_WATCHDOG_S must be 10..3600" >&2; exit 2; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
lab="${DICOMSEC_LAB_SCRIPT:-$here/../../scripts/$lab_name}"  # scripts/web_lab.sh for the web lab
[[ -x $lab || -f $lab ]] || { echo "lab_fixture.sh: $lab not found" >&2; exit 1; }

# disarm: stop the watchdog recorded in DIR (only if that pid still is our watchdog for DIR).
disarm() {
    local f="$dir/watchdog.pid" pid cmdline i
    [[ -f $f ]] || return 0
    pid=$(<"$f")
    if [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]]; then
        cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)
        if [[ $cmdline == *dicomsec-lab-watchdog* && $cmdline == *"$dir"* ]]; then
            kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
            for ((i = 0; i < 50; i++)); do
                [[ -r /proc/$pid/cmdline ]] || break
                sleep 0.1
            done
        fi
    fi
    rm -f "$f"
}

case $cmd in
    start)
        mkdir -p "$dir"
        dir=$(cd "$dir" && pwd -P)
        disarm
        # lab.sh start occasionally reports a server as "exited during start-up" with an
        # empty log while it is in fact starting (seen under load); try a bounded few times.
        for attempt in 1 2 3; do
            bash "$lab" stop "$dir" >/dev/null 2>&1 || true
            if bash "$lab" start "$dir"; then
                break
            fi
            if ((attempt == 3)); then
                echo "lab_fixture.sh: lab.sh start failed $attempt times" >&2
                exit 1
            fi
            echo "lab_fixture.sh: lab.sh start failed (attempt $attempt/3), retrying" >&2
            sleep 1  # pacing between retries on purpose (lab.sh itself waits for readiness)
        done
        # The watchdog leads its own session so that a dying ctest does not take it along. Its
        # sleep is the timer itself, not a wait for readiness.
        setsid bash -c 'sleep "$1"; exec bash "$2" stop "$3"' dicomsec-lab-watchdog \
            "$watchdog_s" "$lab" "$dir" </dev/null >/dev/null 2>&1 &
        echo "$!" >"$dir/watchdog.pid"
        ;;
    stop)
        [[ -d $dir ]] || exit 0
        dir=$(cd "$dir" && pwd -P)
        disarm
        bash "$lab" stop "$dir"
        # A stale lab.env would point a later test run at servers that are gone.
        rm -f "$dir/lab.env"
        ;;
    *) usage ;;
esac
