#!/usr/bin/env bash
# Store scale-out benchmark (issue 17): a /16 x 2 closed ports (131,072 pairs) at --rate 0
# with --all (every pair becomes a record), written by
#   1. one process to SQLite,
#   2. one process to PostgreSQL,
#   3. eight --scan-id shard processes at once to PostgreSQL;
# wall time, records written per second and peak RSS of each process (GNU time), and for
# the 8 shards a check that the merged scan has every pair exactly once. Loopback only:
# 127.42.0.0/16 and two ports chosen now that nothing listens on (connection refused).
#
#   bench/store_scaleout/run.sh [DICOMSEC_BIN] [PREFIX]   (PREFIX default 127.42.0.0/16)
# PostgreSQL is started for the run by tests/integration/pg_fixture.sh (needs postgresql).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
src=$(cd "$here/../.." && pwd -P)
bin=${1:-$src/build/dev/src/app/dicomsec}
prefix=${2:-127.42.0.0/16}
[[ $prefix == 127.* ]] || { echo "targets must be in 127.0.0.0/8" >&2; exit 2; }
work=$(mktemp -d /tmp/dicomsec-bench-scaleout.XXXXXX)
trap 'bash "$src/tests/integration/pg_fixture.sh" stop "$work/pg" >/dev/null 2>&1; rm -rf "$work"' EXIT

free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
p1=$(free_port)
p2=$(free_port)
while [[ $p2 == "$p1" ]]; do p2=$(free_port); done

bash "$src/tests/integration/pg_fixture.sh" start "$work/pg" >/dev/null
url=$(<"$work/pg/url")
common=(scan "$prefix" -p "$p1,$p2" --all --rate 0 -q --no-progress -o /dev/null)

# run NAME ARGS...: one timed process; prints "NAME seconds peak_rss_kB".
run() {
    local name=$1
    shift
    /usr/bin/time -f "%e %M" -o "$work/$name.time" "$bin" "$@" 2>"$work/$name.err" ||
        { echo "$name failed: $(tail -3 "$work/$name.err")" >&2; exit 1; }
    echo "$name $(<"$work/$name.time")"
}
pairs=$((2 * (1 << (32 - ${prefix#*/}))))

echo "# dicomsec store scale-out: $prefix x ports $p1,$p2 = $pairs pairs, --rate 0 --all"
echo "# $(nproc) cores; binary $bin"
printf '%-22s %9s %12s %14s\n' "run" "seconds" "records/s" "peak RSS (kB)"
line() { printf '%-22s %9.2f %12.0f %14s\n' "$1" "$2" "$(echo "$pairs / $2" | bc -l)" "$3"; }

read -r _ s rss < <(run sqlite-1 "${common[@]}" --db "$work/scans.db")
line "SQLite, 1 process" "$s" "$rss"
sqlite_s=$s
read -r _ s rss < <(run pg-1 "${common[@]}" --db "$url")
line "PostgreSQL, 1 process" "$s" "$rss"
pg_s=$s

start=$(date +%s.%N)
for k in 1 2 3 4 5 6 7 8; do
    run "pg-shard-$k" "${common[@]}" --db "$url" --scan-id bench8 --shard "$k/8" --seed 17 \
        >"$work/shard-$k.line" &
done
wait
end=$(date +%s.%N)
wall=$(echo "$end - $start" | bc -l)
max_rss=0
for k in 1 2 3 4 5 6 7 8; do
    read -r _ s rss <"$work/shard-$k.line"
    printf '  %-20s %9.2f %12s %14s\n' "shard $k/8" "$s" "" "$rss"
    ((rss > max_rss)) && max_rss=$rss
done
line "PostgreSQL, 8 shards" "$wall" "max $max_rss"

# Loss and duplicates: every pair once in the merged scan.
read -r total distinct < <(/usr/bin/psql "$url" -At -F ' ' -c \
    "SELECT count(*), count(DISTINCT (ip, port)) FROM records r JOIN scans s ON s.id = r.scan_id WHERE s.name = 'bench8'")
state=$("$bin" scans --db "$url" | grep -c "name 'bench8'; 8 shards: 8 done" || true)
echo "8-shard merged scan: $total records, $distinct distinct pairs (want $pairs each); all shards done: $state"
overhead=$(echo "($pg_s / $sqlite_s - 1) * 100" | bc -l)
printf 'PostgreSQL single-process overhead over SQLite: %+.1f %% (goal <= 10 %%)\n' "$overhead"
[[ $total == "$pairs" && $distinct == "$pairs" && $state == 1 ]] || { echo "LOSS OR DUPLICATES" >&2; exit 1; }
