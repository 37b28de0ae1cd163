#!/usr/bin/env python3
"""`dicomsec report --mds2` against the labs (issue 16 §3).

Scans a cleartext storescp, an open Orthanc and a storescp that requires a client
certificate (given --cert/--key) with --db, then checks the MDS2 CSV for the one device
(127.0.0.1): CONN-3 Yes, TXCF-2 evidence only, TXCF-4 No (storescp takes any AE), CONN-7,
TXCF-5, TXIG-1, NAUT-1 and NAUT-3 Yes (DICOM ran inside mutual TLS), CONN-2/SAHD-8 listing
the three ports. CONN-4 is "not observed" until a constructed import record (source shodan,
observed the day before) is given with --leads; a stale one leaves it "not observed". The
HTML report carries the MDS2 section; no output holds the lab's canary patient.

usage: mds2_cli.py DICOMSEC_BIN  (env DICOMSEC_LAB_DIR, DICOMSEC_TLS_LAB_DIR)
"""
import csv
import datetime
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

TIMEOUT_S = 180


def read_env(path):
    env = {}
    for line in Path(path).read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            k, v = line.split("=", 1)
            env[k] = v
    return env


def run(args, expect=(0, 1)):
    p = subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT_S)
    if p.returncode not in expect:
        raise AssertionError(f"{' '.join(args)}: exit {p.returncode}\n{p.stderr[-2000:]}")
    return p


def rows_of(text):
    rows = list(csv.DictReader(io.StringIO(text)))
    return {(r["device"], r["mds2_id"]): r for r in rows}, rows


def main():
    binary = sys.argv[1]
    lab_dir, tls_dir = os.environ.get("DICOMSEC_LAB_DIR"), os.environ.get("DICOMSEC_TLS_LAB_DIR")
    if not lab_dir or not tls_dir:
        print("mds2_cli: needs the lab fixtures (run through ctest -R mds2)")
        return 1  # never a silent skip
    lab, tls = read_env(Path(lab_dir) / "lab.env"), read_env(Path(tls_dir) / "tls.env")
    failures = []

    def check(cond, what):
        print(("ok   " if cond else "FAIL ") + what)
        if not cond:
            failures.append(what)

    with tempfile.TemporaryDirectory(prefix="dicomsec-mds2-") as tmp:
        work = Path(tmp)
        db = str(work / "scans.db")
        ports = ",".join([lab["STORESCP_PORT"], lab["ORTHANC_OPEN_PORT"], tls["STORESCP_TLS_RC_PORT"]])
        scan = run([binary, "scan", "127.0.0.1", "-p", ports, "--db", db, "--cert", tls["CLIENT_CERT"],
                    "--key", tls["CLIENT_KEY"], "--ca", tls["CA_CERT"], "-q", "-o", str(work / "scan.jsonl")])
        out = run([binary, "report", "--mds2", "--db", db]).stdout
        by, rows = rows_of(out)
        check(out.startswith("device,mds2_id,question,answer,evidence,confidence\n"), "CSV header")
        dev = "127.0.0.1"
        ans = lambda i: by.get((dev, i), {}).get("answer")
        ev = lambda i: by.get((dev, i), {}).get("evidence", "")
        check(ans("CONN-3") == "Yes", f"CONN-3 Yes (got {ans('CONN-3')})")
        check(ans("TXCF-2") == "evidence only", f"TXCF-2 evidence only (got {ans('TXCF-2')})")
        check(ans("TXCF-4") == "No", f"TXCF-4 No (got {ans('TXCF-4')}: {ev('TXCF-4')})")
        for q in ("CONN-7", "TXCF-5", "TXIG-1", "NAUT-1", "NAUT-3"):
            check(ans(q) == "Yes", f"{q} Yes over mutual TLS (got {ans(q)}: {ev(q)})")
        check(tls["STORESCP_TLS_RC_PORT"] in ev("NAUT-3"), "NAUT-3 names the TLS port")
        for q in ("CONN-2", "SAHD-8"):
            check(ans(q) == "note" and all(p in ev(q) for p in ports.split(",")),
                  f"{q} lists the three ports ({ev(q)})")
        check(ans("CONN-4") == "not observed", f"CONN-4 not observed without an import ({ans('CONN-4')})")
        check(by.get(("*", "OMITTED"), {}).get("evidence", "").find("PAUT") >= 0, "OMITTED row")
        check("one deployment" in by.get(("*", "SCOPE"), {}).get("evidence", ""), "SCOPE row")
        check(not any(r["answer"] == "No" and r["mds2_id"] != "TXCF-4" for r in rows),
              "no No except TXCF-4")

        # A constructed import record (issue 16 §1: source, observed_at): fresh, then stale.
        today = datetime.datetime.now(datetime.timezone.utc).date()
        leads = work / "leads.jsonl"
        fresh = {"ip": dev, "port": int(lab["STORESCP_PORT"]), "source": "shodan",
                 "observed_at": (today - datetime.timedelta(days=1)).isoformat() + "T10:00:00.000000"}
        leads.write_text(json.dumps(fresh) + "\nnot json\n")
        p = run([binary, "report", "--mds2", "--db", db, "--leads", str(leads)])
        by, _ = rows_of(p.stdout)
        check(by[(dev, "CONN-4")]["answer"] == "Yes", f"CONN-4 Yes with a fresh sighting ({by[(dev, 'CONN-4')]})")
        check("1 line(s) are not JSON (first: line 2)" in p.stderr, "bad lead line reported")
        stale = dict(fresh, observed_at=(today - datetime.timedelta(days=200)).isoformat())
        leads.write_text(json.dumps(stale) + "\n")
        by, _ = rows_of(run([binary, "report", "--mds2", "--db", db, "--leads", str(leads)]).stdout)
        check(by[(dev, "CONN-4")]["answer"] == "not observed", "CONN-4 not observed when stale")

        html_path = work / "mds2.html"
        run([binary, "report", "--mds2", "--db", db, "--format", "html", "-o", str(html_path)])
        html = html_path.read_text()
        check('<section id="mds2"' in html and html.rstrip().endswith("</html>")
              and html.find('id="mds2"') < html.find("</body>"), "HTML report with MDS2 section")
        check(run([binary, "report", "--mds2", "--db", db, "--format", "sarif"], expect=(2,)).returncode == 2,
              "--mds2 --format sarif is a usage error")

        full = run([binary, "report", "--mds2", "--db", db, "-o", "/dev/full"], expect=(3,))
        check("/dev/full" in full.stderr, "a full disk is exit 3 naming the path")
        check(run([binary, "report", "--mds2", "--db", db, "-o", "-"]).stdout == out, "-o - is stdout")
        check(run([binary, "report", "--db", db, "--leads", str(leads)], expect=(2,)).returncode == 2,
              "--leads without --mds2 is a usage error")

        canary = [v for k, v in lab.items() if k.startswith("CANARY_PATIENT")]
        for name, text in (("csv", out), ("html", html), ("scan", scan.stdout + scan.stderr)):
            check(not any(c and c in text for c in canary), f"no canary in the {name} output")

    print(f"mds2_cli: {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
