#!/usr/bin/env python3
"""The terminal summary as an administrator reads it, against the lab (issue 13 §1, §3, §4).

Checks, by exit code and text: the checklist states (nothing unmeasured reads OK; level
safe says which level checks web authentication; nothing reachable says "no coverage"),
the product-specific fix beside findings, every open port listed (the Orthanc HTTP port
as "not DICOM: HTTP"), worst first, "accepted as ORTHANC" at level auth, a progress line
cleared before the summary, and `dicomsec findings ID`.

usage: summary_cli.py DICOMSEC_BIN   (env DICOMSEC_LAB_DIR, DICOMSEC_TLS_LAB_DIR)
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

failures = []


def check(cond, what, text=""):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what + ("\n" + text[-3000:] if text else ""))


def run(args, timeout=120):
    p = subprocess.run(["timeout", str(timeout)] + args, capture_output=True, text=True,
                       timeout=timeout + 10)
    return p.returncode, p.stdout, p.stderr


def main():
    binary = sys.argv[1]
    lab_dir = os.environ.get("DICOMSEC_LAB_DIR")
    tls_dir = os.environ.get("DICOMSEC_TLS_LAB_DIR")
    if not lab_dir or not (Path(lab_dir) / "lab.env").exists() or not tls_dir or not (
        Path(tls_dir) / "tls.env"
    ).exists():
        print("summary_cli: needs the lab fixture (run through ctest -R summary_cli)")
        return 1
    lab = {}
    for line in (Path(lab_dir) / "lab.env").read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            k, v = line.split("=", 1)
            lab[k] = v
    storescp, checked = lab["STORESCP_PORT"], lab["ORTHANC_CHECKED_PORT"]
    http = lab["ORTHANC_OPEN_HTTP"]
    ports = f"{storescp},{checked},{http}"

    # Level safe: CL-5 is not checked at this level and says which level checks it.
    rc, out, err = run([binary, "scan", "127.0.0.1", "-p", ports, "--progress", "-o", os.devnull])
    check(rc == 0, f"scan --level safe exits 0 (got {rc})", err)
    check(re.search(r"CL-5 Not checked at this level\s+the DICOMweb/REST probe runs at --level auth"
                    r" \(this run: safe\)", err) is not None, "safe: CL-5 not checked, names --level auth", err)
    check(re.search(r"CL-2 Not measured by dicomsec", err) is not None, "CL-2 not measured", err)
    check(re.search(r"CL-8 Not measured by dicomsec", err) is not None, "CL-8 not measured", err)
    check(re.search(r"CL-3 Action\s+\d+ finding", err) is not None, "CL-3 action (cleartext DICOM)", err)
    check(not re.search(r"CL-[258] OK", err), "no unmeasured item reads OK", err)
    check(f"127.0.0.1:{http}" in err and "not DICOM: HTTP" in err,
          "the Orthanc HTTP port is listed as 'not DICOM: HTTP'", err)
    check("malformed PDU" not in err and "unknown PDU type" not in err, "no decoder jargon", err)
    check(re.search(r"127\.0\.0\.1:" + storescp + r".*DICOM-NO-TLS", err) is not None, "storescp row", err)
    check(re.search(r"DICOM-NO-TLS: DCMTK: ", err) is not None, "DCMTK-specific fix beside the finding", err)
    rows = [l for l in err.splitlines() if l.startswith("127.0.0.1:")]
    order = ["critical", "high", "medium", "low", "info", "-"]
    ranks = [next((order.index(w) for w in l.split() if w in order), 5) for l in rows]
    check(ranks == sorted(ranks), "rows sorted worst first", err)
    check("1 hosts" not in err, "no '1 hosts'", err)
    # --progress on a pipe: the progress line is cleared before the summary starts.
    first = err.find("dicomsec: ")
    check(first >= 0 and "\r\x1b[K" in err[:first + 1] if "pairs (" in err else True,
          "progress line cleared before the summary", repr(err[:400]))

    # `report` from the store knows the stored level: SARIF carries the same states.
    db = Path(lab_dir) / "summary_cli.db"
    if db.exists():
        db.unlink()
    rc, out, err = run([binary, "scan", "127.0.0.1", "-p", storescp, "--db", str(db), "-q", "-o", os.devnull])
    check(rc == 0, f"scan --db exits 0 (got {rc})", err)
    rc, out, err = run([binary, "report", "--db", str(db), "--scan", "latest", "--format", "sarif"])
    import json
    props = json.loads(out)["runs"][0]["properties"] if rc == 0 else {}
    states = {i["id"]: i["state"] for i in props.get("checklist", {}).get("items", [])}
    check(rc == 0 and props.get("level") == "safe" and states.get("CL-5") == "not-checked-at-level"
          and states.get("CL-8") == "not-measured" and states.get("CL-3") == "action",
          "report --format sarif: stored level and checklist states", out[-3000:] + err)

    # One lab scan, every summary (issue 13 §1): the checklist states of the terminal, the JSON
    # summary (live and re-rendered), SARIF and HTML are the same, and CSV's summary column
    # words each service as the terminal row does.
    import csv as csvmod
    db2 = Path(lab_dir) / "summary_cli_consistency.db"
    live_json, live_csv = Path(lab_dir) / "summary_live.json", Path(lab_dir) / "summary_live.csv"
    checklist_csv = Path(lab_dir) / "summary_checklist.csv"
    for f in (db2, live_json, live_csv, checklist_csv):
        if f.exists():
            f.unlink()
    rc, out, err = run([binary, "scan", "127.0.0.1", "-p", ports, "--no-progress", "--db", str(db2),
                        "--summary-json", str(live_json), "--summary-csv", str(checklist_csv),
                        "--format", "csv", "-o", str(live_csv)])
    check(rc == 0 and live_json.exists(), f"scan --summary-json exits 0 and writes the file (got {rc})", err)
    label_to_state = {"Action": "action", "OK": "ok", "Not checked at this level": "not-checked-at-level",
                      "Not measured by dicomsec": "not-measured"}
    terminal = {}
    for m in re.finditer(r"^  (CL-\d) (Action|OK|Not checked at this level|Not measured by dicomsec)\b",
                         err, re.M):
        terminal[m.group(1)] = label_to_state[m.group(2)]
    summary = json.loads(live_json.read_text()) if live_json.exists() else {}
    js = {i["item"]: i["state"] for i in summary.get("checklist", [])}
    check(summary.get("type") == "summary" and "ip" not in summary, "the summary is typed, not a record", str(summary)[:500])
    check(len(terminal) == 8 and js == terminal, "JSON summary states == terminal states", f"{js}\n{terminal}")
    crow = list(csvmod.DictReader(checklist_csv.open(newline=""))) if checklist_csv.exists() else []
    check({r["item"]: r["state"] for r in crow} == terminal
          and all(r["label"] == next(k for k, v in label_to_state.items() if v == r["state"]) for r in crow),
          "CSV summary (--summary-csv) states and words == terminal", f"{crow}\n{terminal}")
    check(all(i["label"] == next(k for k, v in label_to_state.items() if v == i["state"])
              for i in summary.get("checklist", [])), "JSON labels are the terminal's words", str(summary)[:2000])
    cl5 = next((i for i in summary.get("checklist", []) if i["item"] == "CL-5"), {})
    check(cl5.get("state") == "not-checked-at-level" and cl5.get("checked_by") == "scan --level auth",
          "CL-5 names the level that checks it", str(cl5))
    cl8 = next((i for i in summary.get("checklist", []) if i["item"] == "CL-8"), {})
    check(cl8.get("state") == "not-measured" and "ATNA" in (cl8.get("what_would_measure") or ""),
          "CL-8 says what would measure it", str(cl8))
    check(summary.get("reachable") == 3 and summary.get("dicom_services") == 2,
          "counts: 3 reachable, 2 DICOM services", str(summary)[:800])
    rc_v, out_v, err_v = run(["/usr/bin/python3", str(Path(__file__).parent / "validate_records.py"),
                              str(Path(__file__).parent.parent.parent / "schemas" / "summary.schema.json"),
                              str(live_json)])
    check(rc_v == 0, "the summary validates against schemas/summary.schema.json", out_v + err_v)
    rc, out, err2 = run([binary, "report", "--db", str(db2), "--scan", "latest", "--format", "sarif"])
    sarif = json.loads(out)["runs"][0]["properties"]["checklist"]["items"] if rc == 0 else []
    check({i["id"]: i["state"] for i in sarif} == terminal, "SARIF states == terminal states", out[-2000:] + err2)
    rc, out, err2 = run([binary, "report", "--db", str(db2), "--scan", "latest", "--format", "html"])
    html_states = dict(re.findall(r'data-item="(CL-\d)" data-status="([a-z-]+)"', out))
    check(html_states == terminal, "HTML states == terminal states", str(html_states))
    stored_json = Path(lab_dir) / "summary_stored.json"
    rc, out, err2 = run([binary, "report", "--db", str(db2), "--scan", "latest", "--format", "jsonl",
                         "--summary-json", str(stored_json)])
    stored = json.loads(stored_json.read_text()) if rc == 0 and stored_json.exists() else {}
    check({i["item"]: i["state"] for i in stored.get("checklist", [])} == terminal
          and stored.get("findings") == summary.get("findings"),
          "report --summary-json re-renders the same states and counts", str(stored)[:1000])
    check(all(json.loads(l).get("type") is None for l in out.splitlines() if l.strip()),
          "the JSONL records stay untyped (no summary line among them)", out[:500])
    rows = list(csvmod.DictReader(live_csv.open(newline=""))) if live_csv.exists() else []
    words_ok = len(rows) == 3
    for row in rows:
        line = next((l for l in err.splitlines() if l.startswith(f"127.0.0.1:{row['port']} ")), "")
        words_ok = words_ok and row["summary"] != "" and row["summary"] in line
    check(words_ok, "CSV summary column == the terminal row's association words",
          str([(r["port"], r["summary"]) for r in rows]) + "\n" + err)

    # Level auth: the rejected Orthanc is accepted under its vendor default title.
    rc, out, err = run([binary, "scan", "127.0.0.1", "-p", checked, "--level", "auth",
                        "--web-ports", http, "-o", os.devnull])
    check(rc == 0, f"scan --level auth exits 0 (got {rc})", err)
    check("accepted as ORTHANC" in err, "'accepted as ORTHANC' at level auth", err)
    check(re.search(r"CL-5 (OK|Action)", err) is not None, "auth: CL-5 measured", err)

    # Nothing reachable: no coverage, never all green.
    rc, out, err = run([binary, "scan", "127.0.0.1", "-p", lab["CLOSED_PORT"], "-o", os.devnull])
    check(rc == 0, f"scan of a closed port exits 0 (got {rc})", err)
    check("checklist: no coverage: nothing was reachable" in err, "closed port: no coverage", err)
    check(not re.search(r"CL-\d OK", err), "closed port: no item OK", err)

    # TLS: the coverage card never says "all meet a profile" while findings say otherwise.
    tls_dir = os.environ.get("DICOMSEC_TLS_LAB_DIR")
    tls = {}
    for line in (Path(tls_dir) / "tls.env").read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            k, v = line.split("=", 1)
            tls[k] = v
    expired, tls10, good = tls["OSSL_EXPIRED_PORT"], tls["OSSL_TLS10_PORT"], tls["OSSL_B13_PORT"]
    html = Path(lab_dir) / "summary_cli_tls.html"
    rc, out, err = run([binary, "tls", f"127.0.0.1:{expired}", f"127.0.0.1:{tls10}", f"127.0.0.1:{good}",
                        "--ca", tls["CA_CERT"], "--format", "html", "-o", str(html)])
    page = html.read_text() if html.exists() else ""
    check(rc == 0, f"tls --format html exits 0 (got {rc})", err)
    check("meet a current" not in page, "no 'N of N meet a current profile'", page[:2000])
    li = re.search(r'<li id="tls-findings" data-count="2">.*?</li>', page)
    check(li is not None and "2 of 3 audited TLS services with TLS findings" in li.group(0)
          and f"127.0.0.1:{tls10}" in li.group(0) and f"127.0.0.1:{expired}" in li.group(0)
          and f"127.0.0.1:{good}" not in li.group(0),
          "the TLS card names the two failing services, not the good one", page[-4000:])
    m = re.search(r'data-profile="B.10" data-pass="(\d+)" data-fail="(\d+)".*?<td class="failing">([^<]*)</td>', page)
    check(m is not None and m.group(2) != "0" and f"127.0.0.1:{tls10}" in m.group(3),
          "B.10 counted per profile with the TLS 1.0 service among its failures", page[-4000:])
    check("TLS-CERT-EXPIRED: " in err and "TLS-WEAK-PROTOCOL: " in err, "tls summary prints the fixes", err)

    # A TLS server that requires a client certificate: the DICOM layer was not tested.
    rc, out, err = run([binary, "tls", f"127.0.0.1:{tls['STORESCP_TLS_RC_PORT']}", "--ca", tls["CA_CERT"]])
    check(rc == 0 and "DICOM layer not tested: pass --cert/--key" in err,
          "client certificate required: 'DICOM layer not tested: pass --cert/--key'", err)

    # One finding, and a typo.
    rc, out, err = run([binary, "findings", "dicom-no-tls"])
    check(rc == 0 and out.startswith("DICOM-NO-TLS") and "Orthanc: " in out and "DCMTK: " in out,
          "findings DICOM-NO-TLS shows one finding with product fixes", out + err)
    check(out.count("\n    fix:") == 1, "exactly one finding shown", out)
    rc, out, err = run([binary, "findings", "DICOM-NO-TSL"])
    check(rc == 2 and "did you mean 'DICOM-NO-TLS'" in err, "findings typo: exit 2, suggestion", err)

    print(f"summary_cli: {len(failures)} failed")
    for f in failures:
        print("FAILED " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
