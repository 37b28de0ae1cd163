#!/usr/bin/env bash
# A throw-away PostgreSQL 15 server for the store tests (issue 17), as a ctest fixture:
#
#   tests/integration/pg_fixture.sh start DIR   initdb in a fresh temporary directory, start
#                                                postgres on 127.0.0.1 at a free port, create
#                                                the role and database, write DIR/url
#   tests/integration/pg_fixture.sh stop  DIR   stop it and remove its data (idempotent)
#
# DIR/url is postgresql://dicomsec:PASSWORD@127.0.0.1:PORT/dicomsec. The password is a
# canary (DIR/canary holds it): tests assert it appears in no output, log or stored row.
# postgres refuses to run as root, and tests run as root in CI: the server then runs as the
# `postgres` user (runuser) with a data directory it owns. Listens on loopback only, over
# TCP with scram-sha-256 passwords (the unix socket lives in the data directory).
# A watchdog stops the server after DICOMSEC_PG_WATCHDOG_S seconds (default 900) even if the
# test run dies without cleaning up.
set -euo pipefail

(($# == 2)) || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
cmd=$1
dir=$2
bin=${DICOMSEC_PG_BIN:-/usr/lib/postgresql/15/bin}
watchdog_s=${DICOMSEC_PG_WATCHDOG_S:-900}

as_pg() {
    if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop() {
    [[ -f $dir/datadir ]] || return 0
    local data
    data=$(<"$dir/datadir")
    if [[ -f $dir/watchdog.pid ]]; then
        kill "$(<"$dir/watchdog.pid")" 2>/dev/null || true
        rm -f "$dir/watchdog.pid"
    fi
    if [[ -d $data/db ]]; then
        as_pg "$bin/pg_ctl" -D "$data/db" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    fi
    [[ $data == */dicomsec-pg.* ]] && rm -rf "$data"
    rm -f "$dir/datadir" "$dir/url" "$dir/canary"
}

free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

case $cmd in
    start)
        [[ -x $bin/initdb ]] || { echo "pg_fixture.sh: $bin/initdb not found (apt-get install postgresql)" >&2; exit 1; }
        mkdir -p "$dir"
        dir=$(cd "$dir" && pwd -P)
        stop
        data=$(mktemp -d /tmp/dicomsec-pg.XXXXXX)
        chmod 700 "$data"
        [[ $(id -u) == 0 ]] && chown postgres: "$data"
        echo "$data" >"$dir/datadir"
        canary="CanaryPgPw$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
        echo "$canary" >"$data/pw"
        [[ $(id -u) == 0 ]] && chown postgres: "$data/pw"
        as_pg "$bin/initdb" -D "$data/db" -U dicomsec --pwfile="$data/pw" \
            --auth-host=scram-sha-256 --auth-local=trust -E UTF8 --locale=C.UTF-8 \
            >"$data/initdb.log" 2>&1 || { cat "$data/initdb.log" >&2; exit 1; }
        rm -f "$data/pw"
        for attempt in 1 2 3; do
            port=$(free_port)
            if as_pg "$bin/pg_ctl" -D "$data/db" -l "$data/server.log" -w -t 60 \
                -o "-c listen_addresses=127.0.0.1 -p $port -k $data -c max_connections=64 -c fsync=off" \
                start >/dev/null; then
                started=1
                break
            fi
            started=0
        done
        [[ $started == 1 ]] || { cat "$data/server.log" >&2; exit 1; }
        as_pg "$bin/../bin/psql" -h "$data" -p "$port" -U dicomsec -d postgres -q \
            -c "CREATE DATABASE dicomsec" >/dev/null 2>&1 ||
            as_pg /usr/bin/psql -h "$data" -p "$port" -U dicomsec -d postgres -q -c "CREATE DATABASE dicomsec"
        echo "$canary" >"$dir/canary"
        echo "postgresql://dicomsec:$canary@127.0.0.1:$port/dicomsec" >"$dir/url"
        # The watchdog: setsid so that ctest does not wait for it.
        setsid bash -c "sleep $watchdog_s; exec bash '$0' stop '$dir'" dicomsec-pg-watchdog \
            </dev/null >/dev/null 2>&1 &
        echo $! >"$dir/watchdog.pid"
        ;;
    stop) [[ -d $dir ]] && { dir=$(cd "$dir" && pwd -P); stop; } ; exit 0 ;;
    *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
