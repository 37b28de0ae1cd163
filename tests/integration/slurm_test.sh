#!/usr/bin/env bash
# deploy/slurm/scan.sbatch tested for real (issue 17): a single-node Slurm cluster (munged,
# slurmctld, slurmd from Debian's slurm-wlm and munge) generated in a temporary directory —
# loopback only, ports chosen now, a fresh munge key — runs an 8-task job array against the
# lab, every task a `dicomsec scan --scan-id JOBID --shard K/8` writing the PostgreSQL
# fixture's database; the merged scan must equal a single-process scan of the same targets.
# The URL handed to the job has no password: libpq takes it from the PGPASSFILE the job
# inherits (the password is a canary that must appear in no output, log or Slurm state). Every daemon is stopped at the end, even on failure.
#
#   slurm_test.sh DICOMSEC_BIN SOURCE_DIR     (env: DICOMSEC_LAB_DIR, DICOMSEC_PG_DIR)
set -euo pipefail

bin=$1
src=$2
: "${DICOMSEC_LAB_DIR:?needs the lab fixture (run through ctest)}"
: "${DICOMSEC_PG_DIR:?needs the PostgreSQL fixture (run through ctest)}"
for tool in munged slurmctld slurmd sbatch sinfo squeue scancel; do
    command -v "$tool" >/dev/null || { echo "slurm_test: $tool missing (apt-get install slurm-wlm munge)" >&2; exit 1; }
done
# shellcheck disable=SC1091
source "$DICOMSEC_LAB_DIR/lab.env"
pg_url=$(<"$DICOMSEC_PG_DIR/url")
canary=$(<"$DICOMSEC_PG_DIR/canary")

dir=$(mktemp -d /tmp/dicomsec-slurm.XXXXXX)
schema="slurm$$"
export SLURM_CONF=$dir/slurm.conf

fail() { echo "slurm_test: FAIL: $*" >&2; exit 1; }

cleanup() {
    local rc=$?
    set +e
    [[ -f $SLURM_CONF ]] && timeout 10 scancel --quiet --user=root >/dev/null 2>&1
    for d in slurmd slurmctld munged; do
        if [[ -f $dir/$d.pid ]]; then
            pid=$(<"$dir/$d.pid")
            kill -TERM "$pid" 2>/dev/null
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$pid" 2>/dev/null
        fi
    done
    # slurmstepd of a task still running when slurmd went (only on failure paths).
    for p in $(pgrep -f "slurmstepd.*" 2>/dev/null); do
        grep -qs "$dir" "/proc/$p/environ" && kill -KILL "$p" 2>/dev/null
    done
    if ((rc != 0)); then
        echo "--- logs ---" >&2
        tail -n 30 "$dir"/log/*.log "$dir"/*.err "$dir"/dicomsec-scan-*.log 2>/dev/null | sed "s/$canary/<canary>/g" >&2
    fi
    /usr/bin/psql "$pg_url" -q -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1
    rm -rf "$dir"
    [[ -n ${pgpass:-} ]] && rm -f "$pgpass"
    exit "$rc"
}
trap cleanup EXIT

free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

mkdir -p "$dir/state" "$dir/spool" "$dir/log" "$dir/out"
head -c 1024 /dev/urandom >"$dir/munge.key"
chmod 400 "$dir/munge.key"
munged -f -S "$dir/munge.sock" --key-file="$dir/munge.key" --log-file="$dir/log/munged.log" \
    --pid-file="$dir/munged.pid" --seed-file="$dir/munged.seed" || fail "munged did not start"

host=$(hostname -s)
cat >"$SLURM_CONF" <<CONF
ClusterName=dicomsectest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
AuthType=auth/munge
AuthInfo=socket=$dir/munge.sock
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
PlugStackConfig=/dev/null
MailProg=/bin/true
NodeName=$host NodeAddr=127.0.0.1 CPUs=8 RealMemory=2000 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=10 State=UP
CONF
slurmctld -f "$SLURM_CONF" -i || fail "slurmctld did not start"
slurmd -f "$SLURM_CONF" -N "$host" || fail "slurmd did not start"
for _ in $(seq 60); do
    [[ $(sinfo -h -o %t 2>/dev/null) == idle ]] && break
    sleep 0.5
done
[[ $(sinfo -h -o %t) == idle ]] || fail "the node never became idle: $(sinfo 2>&1)"

/usr/bin/psql "$pg_url" -q -c "CREATE SCHEMA $schema" >/dev/null
db="$pg_url?options=-c%20search_path%3D$schema"
# The job's URL carries no credentials; PGPASSWORD does.
job_db=${db/:$canary@/@}
[[ $job_db != *"$canary"* ]] || fail "could not strip the password from the URL"

targets="127.0.0.1-127.0.0.12"
ports="$STORESCP_PORT,$CLOSED_PORT"
common=(--all --timeout 3000 --connect-timeout 2000)
"$bin" scan "$targets" -p "$ports" --db "$db" -o "$dir/single.jsonl" -q --no-progress "${common[@]}" \
    2>"$dir/single.err" || fail "single-process scan: exit $?"

# The password file libpq reads (PGPASSFILE), outside $dir: a PGPASSWORD would be copied
# into Slurm's saved job environment (state/hash.*/job.*/environment).
pgpass=$(mktemp /tmp/dicomsec-pgpass.XXXXXX)
chmod 600 "$pgpass"
pg_port=${pg_url##*:}
pg_port=${pg_port%%/*}
echo "127.0.0.1:$pg_port:dicomsec:dicomsec:$canary" >"$pgpass"
export PGPASSFILE=$pgpass DICOMSEC_DB=$job_db DICOMSEC_TARGETS=$targets DICOMSEC_PORTS=$ports
export DICOMSEC_BIN=$bin DICOMSEC_OUT_DIR=$dir/out DICOMSEC_RATE_TOTAL=200
export DICOMSEC_ARGS="${common[*]}"
# Command-line options override the script's #SBATCH defaults (24 h, 512 MB a task) to fit
# the test partition.
job=$(timeout 30 sbatch --parsable --array=1-8 --time=5 --mem=100M -D "$dir" \
    --output="$dir/dicomsec-scan-%A_%a.log" \
    "$src/deploy/slurm/scan.sbatch") || fail "sbatch failed"
job=${job%%;*}
# Bounded wait: 8 tasks of 3 pairs each take seconds.
for _ in $(seq 240); do
    [[ -z $(squeue -h -j "$job" 2>/dev/null) ]] && break
    sleep 0.5
done
[[ -z $(squeue -h -j "$job" 2>/dev/null) ]] ||
    fail "job array $job still queued/running after 120 s: $(squeue -j "$job" -o '%i %t %r' 2>&1)"
ls "$dir"/out/dicomsec-"$job"-shard-*.jsonl >/dev/null 2>&1 || fail "no task wrote its output"
(($(ls "$dir"/out/dicomsec-"$job"-shard-*.jsonl | wc -l) == 8)) || fail "not all 8 tasks ran"

"$bin" report --db "$db" --scan "$job" -o "$dir/merged.jsonl" 2>"$dir/report.err" || fail "report: exit $?"
grep -q "8 shards: 8 done" "$dir/report.err" || fail "report does not show 8 done shards: $(cat "$dir/report.err")"
"$bin" scans --db "$db" >"$dir/scans.out" || fail "scans: exit $?"
grep -q "name '$job'; 8 shards: 8 done" "$dir/scans.out" || fail "scans: $(cat "$dir/scans.out")"

/usr/bin/python3 - "$dir/single.jsonl" "$dir/merged.jsonl" "$dir"/out/dicomsec-"$job"-shard-*.jsonl <<'PY' || fail "merged result differs"
import json, sys
def rows(path):
    with open(path) as f:
        return [l for l in f.read().splitlines() if l]
def norm(line):
    j = json.loads(line)
    j.pop("duration_ms", None)
    if isinstance(j.get("called_ae_check"), dict):
        j["called_ae_check"].pop("called_ae", None)
    for f in j.get("findings") or []:
        if f.get("id") == "DICOM-ANY-CALLED-AE":
            f.pop("evidence", None)
    return json.dumps(j, sort_keys=True)
single, merged = rows(sys.argv[1]), rows(sys.argv[2])
live = [l for p in sys.argv[3:] for l in rows(p)]
assert len(single) == 24, f"single-process scan: {len(single)} records, want 24"
keys = [(json.loads(l)["ip"], json.loads(l)["port"]) for l in merged]
assert len(keys) == len(set(keys)), "a pair appears twice in the merged scan"
assert sorted(merged) == sorted(live), "the stored merged scan is not what the tasks wrote"
assert sorted(map(norm, merged)) == sorted(map(norm, single)), "merged != single process"
print(f"slurm_test: {len(merged)} records from 8 array tasks equal the single-process scan")
PY
if grep -rqs -- "$canary" "$dir"; then
    fail "the PostgreSQL password appears in: $(grep -rls -- "$canary" "$dir")"
fi
echo "slurm_test: OK (job array $job)"
