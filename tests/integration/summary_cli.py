#!/usr/bin/env python3
"""The terminal summary as an administrator reads it, against the lab (issue 13 §1, §3, §4).

Checks, by exit code and text: the checklist states (nothing unmeasured reads OK; level
safe says which level checks web authentication; nothing reachable says "no coverage"),
the product-specific fix beside findings, every open port listed (the Orthanc HTTP port
as "not DICOM: HTTP"), worst first, "accepted as ORTHANC" at level auth, a progress line
cleared before the summary, and `dicomsec findings ID`.

usage: summary_cli.py DICOMSEC_BIN   (env DICOMSEC_LAB_DIR, DICOMSEC_TLS_LAB_DIR)
"""
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
