#!/usr/bin/env python3
"""Runs every dicomsec command of the fenced `sh` blocks in docs/ against the labs.

Each command is the one a reader would paste, with the documentation's example addresses,
ports, files and certificates replaced by the lab's (scripts/lab.sh, scripts/tls_lab.sh):
every host becomes 127.0.0.1, every port list the lab's ports, every CA or client
certificate the TLS lab's. For `dicomsec import` the test writes the reader's inputs: a
Shodan-shaped export (gzip'd when the name ends in .gz) whose entries for this network sit
on the lab's loopback ports, plus entries outside the netblocks and one whose address moved
(its name, localhost, resolves through /etc/hosts); the --netblocks file (127.0.0.1/32) and
the --hostnames file (localhost). A later `scan -iL` of the import's leads reads them as
written, after the test checks that every address they would send a probe to is loopback. A command passes when it exits 0 (clean) or 1 (findings at
--fail-on), the two outcomes the guides promise; 2 (usage) or 3 (runtime) means the guide
documents something the tool does not do. Bounded: each command under `timeout`, at most
kMaxCommands commands.

A block that documents a command this build does not have yet (one being built on another
branch) is marked on the line just before its fence, with the reason:

    <!-- docs-commands: skip (dicomsec import is on branch import) -->

Its commands are listed as [skip] with the reason and counted, never run; a marker without
a reason, or one not followed by a ```sh block, fails the test. Remove the marker when the
command lands.

usage: docs_commands.py DICOMSEC_BIN SOURCE_DIR  (env DICOMSEC_LAB_DIR, DICOMSEC_TLS_LAB_DIR)
"""
import gzip
import ipaddress
import json
import os
import re
import socket
import shlex
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

MAX_COMMANDS = 40
TIMEOUT_S = 90


def read_env(path):
    env = {}
    for line in Path(path).read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            k, v = line.split("=", 1)
            env[k] = v
    return env


SKIP_MARKER = re.compile(r"^<!-- docs-commands: skip \((?P<reason>[^)]*)\) -->\n", re.M)


def skip_reasons(text):
    """{offset of the ```sh fence: reason} for each skip marker; errors for bad markers."""
    reasons, errors = {}, []
    for m in SKIP_MARKER.finditer(text):
        line = text[: m.start()].count("\n") + 1
        if not m.group("reason").strip():
            errors.append(f"line {line}: skip marker without a reason")
        elif not text.startswith("```sh\n", m.end()):
            errors.append(f"line {line}: skip marker not followed by a ```sh block")
        else:
            reasons[m.end()] = m.group("reason").strip()
    for m in re.finditer(r"<!-- docs-commands:", text):
        if not SKIP_MARKER.match(text, m.start()):  # not at a line start, or malformed
            errors.append(f"line {text[: m.start()].count(chr(10)) + 1}: malformed docs-commands marker")
    return reasons, errors


def commands(md_path):
    """(line number, command, skip reason or None) for each dicomsec command in the file's
    ```sh blocks."""
    text = Path(md_path).read_text()
    reasons, _ = skip_reasons(text)
    out = []
    for block in re.finditer(r"^```sh\n(.*?)^```", text, re.S | re.M):
        start = text[: block.start()].count("\n") + 2
        skip = reasons.get(block.start())
        body = block.group(1).replace("\\\n", " ")
        for i, line in enumerate(body.splitlines()):
            words = line.strip()
            if not words.startswith("dicomsec ") and not re.match(r"^\S+=\S*\s+dicomsec ", words):
                continue
            # The dicomsec part only: stop at a comment, a pipe, `||` or `;`.
            cmd = re.split(r"\s+#\s|\s\|\|?\s|;\s", words)[0].strip()
            out.append((start + i, cmd, skip))
    return out


# `dicomsec import` options that take a value (the rest of its non-option words are files).
IMPORT_VALUE_OPTIONS = {"--netblocks", "--hostnames", "--since", "-o", "--output", "--format", "--db"}


def closed_port():
    """A loopback port nobody listens on now: the lead an internet scanner saw, closed since."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def shodan_export(path, lab):
    """A `shodan download` file in the shape of tests/data/import/shodan-download.jsonl, with
    this network's entries on the lab's loopback ports and seen two days ago (fresh for the
    MDS2 CONN-4 answer). Documentation addresses only for what lies outside the netblocks;
    they are filtered out or followed by name, never probed."""
    seen = (datetime.now(timezone.utc) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S.%f")

    def banner(ip, port, org, hostnames, data):
        return {"_shodan": {"module": "dicom", "ptr": bool(hostnames)}, "asn": "AS64500",
                "timestamp": seen, "transport": "tcp", "port": port, "ip_str": ip, "org": org,
                "isp": org, "hostnames": hostnames, "domains": [], "data": data,
                "product": "DICOM", "tags": ["medical"]}

    dicom = "DICOM Server Response\nAE Title: LAB\n"
    lines = [
        banner("127.0.0.1", int(lab["STORESCP_PORT"]), "Example Hospital", ["localhost"], dicom),
        banner("127.0.0.1", int(lab["ORTHANC_OPEN_PORT"]), "Example Hospital", [], dicom),
        banner("127.0.0.1", closed_port(), "Example Hospital", [], dicom),  # closed since
        banner("198.51.100.20", 11112, "Someone Else", [], dicom),  # not ours: dropped
        # Seen at an address outside the blocks, under a name we own: --resolve follows it.
        banner("203.0.113.7", int(lab["STORESCP_PORT"]), "Example Hospital", ["localhost"], dicom),
    ]
    text = "".join(json.dumps(line) + "\n" for line in lines)
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)


def import_inputs(args, lab, work):
    """Writes the files a `dicomsec import` command reads, under the names the guide uses."""
    i = 2
    while i < len(args):
        a, nxt = args[i], args[i + 1] if i + 1 < len(args) else None
        if a in IMPORT_VALUE_OPTIONS and nxt is not None:
            if a == "--netblocks" and not re.fullmatch(r"[0-9a-fA-F.:]+(/\d+)?", nxt):
                (work / Path(nxt).name).write_text("# the lab\n127.0.0.1/32\n")
            elif a == "--hostnames":
                (work / Path(nxt).name).write_text("# in /etc/hosts\nlocalhost\n")
            i += 2
            continue
        if not a.startswith("-"):
            shodan_export(work / Path(a).name, lab)
        i += 1


def record_list_targets(path):
    """The addresses a scan of this leads (or records) file probes, or None when the file is
    a plain target list. As src/import/lead_list.cpp reads it: a moved lead is probed at its
    name's new addresses, never at the one the scanner saw."""
    lines = [l.strip() for l in path.read_text().splitlines()]
    lines = [l for l in lines if l and not l.startswith("#")]
    if not lines or not lines[0].startswith("{"):
        return None
    out = set()
    for line in lines:
        r = json.loads(line)
        moved = (r.get("lead") or {}).get("moved")
        out.update(moved.get("now", []) if isinstance(moved, dict) else [r["ip"]])
    return out


def substitute(cmd, lab, tls, work):
    """The lab's values in place of the guide's examples."""
    ports = ",".join([lab["STORESCP_PORT"], lab["ORTHANC_OPEN_PORT"], tls["STORESCP_TLS_RC_PORT"]])
    args = shlex.split(cmd, posix=False)
    out = []
    has_ports = False
    leads_ports = False  # -iL of import leads: the scan probes the leads' own ports
    if len(args) > 1 and args[1] == "import":
        import_inputs(args, lab, work)
    i = 0
    while i < len(args):
        a = args[i]
        nxt = args[i + 1] if i + 1 < len(args) else None
        if a == "-p" and nxt is not None:
            out += ["-p", ports]
            has_ports = True
            i += 2
            continue
        if a == "--plaintext-ports" and nxt is not None:
            out += [a, tls["PLAIN_STORESCP_PORT"]]
            i += 2
            continue
        if a == "--ca" and nxt is not None:
            out += [a, tls["CA_CERT"]]
            i += 2
            continue
        if a == "--cert" and nxt is not None:
            out += [a, tls["CLIENT_CERT"]]
            i += 2
            continue
        if a == "--key" and nxt is not None:
            out += [a, tls["CLIENT_KEY"]]
            i += 2
            continue
        if a in ("-iL",) and nxt is not None:
            f = work / Path(nxt).name
            targets = record_list_targets(f) if f.exists() else None
            if targets is not None:  # an earlier command's output, e.g. import's leads
                outside = [t for t in targets if not ipaddress.ip_address(t).is_loopback]
                if outside:
                    raise SystemExit(f"docs_commands: {nxt} would send probes to {outside}")
                out += [a, str(f)]
                leads_ports = True
                i += 2
                continue
            f.write_text("# lab\n127.0.0.1\n")
            out += [a, str(f)]
            i += 2
            continue
        if a == "--exclude" and nxt is not None:
            out += [a, "127.0.0.2/32"]  # excludes something, never the lab
            i += 2
            continue
        # host:port (tls), host, CIDR
        m = re.fullmatch(r"([A-Za-z0-9.-]+\.[A-Za-z]{2,}|\d+\.\d+\.\d+\.\d+):(\d+)", a)
        if m:
            out.append("127.0.0.1:" + tls["STORESCP_TLS_RC_PORT"])
        elif re.fullmatch(r"\d+\.\d+\.\d+\.\d+(/\d+)?", a) or re.fullmatch(
            r"[a-z0-9-]+(\.[a-z0-9-]+)*\.example\.(org|com)", a
        ):
            out.append("127.0.0.1")
        else:
            out.append(a)
        i += 1
    if len(out) > 1 and out[1] == "scan":
        if not has_ports and not leads_ports:
            out += ["-p", ports]  # never the default ports (104, 11112, ...) on loopback
        if "--level" in out:
            out += ["--web-ports", lab["ORTHANC_OPEN_HTTP"]]
    return " ".join(out)


def promise_problems(words, stdout, work):
    """What the Shodan guide promises of its import, beyond the exit status: the generated
    export has leads on the lab's open ports, one on a port closed since, all seen two days
    ago, one not ours and one moved; so import drops the stranger and, with --resolve,
    follows the moved name to 127.0.0.1, the import-vs-scan diff lists leads still open and
    closed, and the MDS2 CONN-4 answer (outside the customer environment) is Yes."""
    problems = []
    if words[1:2] == ["diff"] and stdout.startswith("import "):
        for title in ("seen from outside and still open (urgent)", "seen from outside, closed now"):
            m = re.search(re.escape(title) + r": (\d+)", stdout)
            if not m or int(m.group(1)) == 0:
                problems.append(f"the import-vs-scan diff lists no lead as '{title}'")
    if words[1:2] == ["import"] and "-o" in words:
        leads = [json.loads(l) for l in (work / words[words.index("-o") + 1]).read_text().splitlines()
                 if l.strip()]
        if any(not ipaddress.ip_address(r["ip"]).is_loopback and not (r.get("lead") or {}).get("moved")
               for r in leads):
            problems.append("a lead outside the netblocks was kept without a moved note")
        if "--resolve" in words and not any(
                "127.0.0.1" in (((r.get("lead") or {}).get("moved") or {}).get("now") or [])
                for r in leads):
            problems.append("--resolve did not follow the moved lead's name (localhost) home")
    if words[1:2] == ["report"] and "--mds2" in words and "--leads" in words and "-o" in words:
        csv = (work / words[words.index("-o") + 1]).read_text()
        if not re.search(r"^[^,\n]*,CONN-4,.*,Yes,", csv, re.M):
            problems.append("no CONN-4 'Yes' from fresh leads in the MDS2 CSV")
    return problems


def main():
    binary, source = sys.argv[1], Path(sys.argv[2])
    lab_dir, tls_dir = os.environ.get("DICOMSEC_LAB_DIR"), os.environ.get("DICOMSEC_TLS_LAB_DIR")
    if not lab_dir or not tls_dir or not (Path(lab_dir) / "lab.env").exists() or not (
        Path(tls_dir) / "tls.env"
    ).exists():
        print("docs_commands: needs the lab fixtures (run through ctest -R docs_commands)")
        return 1  # never a silent skip
    lab, tls = read_env(Path(lab_dir) / "lab.env"), read_env(Path(tls_dir) / "tls.env")
    bindir = tempfile.mkdtemp(prefix="dicomsec-docs-bin-")
    os.symlink(binary, os.path.join(bindir, "dicomsec"))
    env = dict(os.environ, PATH=bindir + ":" + os.environ.get("PATH", ""))
    failures, ran, skipped = [], 0, []
    for md in sorted((source / "docs").rglob("*.md")):
        for err in skip_reasons(md.read_text())[1]:
            failures.append(f"{md.relative_to(source)}: {err}")
        found = commands(md)
        if not found:
            continue
        with tempfile.TemporaryDirectory(prefix="dicomsec-docs-") as tmp:
            work = Path(tmp)
            last_db_scan = None
            stored = {}  # --db file: runs stored in it by the commands so far
            for line, cmd, skip in found:
                if skip is not None:
                    skipped.append(f"{md.relative_to(source)}:{line}: {cmd}  ({skip})")
                    print(f"[skip] {md.relative_to(source)}:{line}: {cmd}\n        why: {skip}")
                    continue
                if ran >= MAX_COMMANDS:
                    failures.append(f"more than {MAX_COMMANDS} commands: raise the bound")
                    break
                real = substitute(cmd, lab, tls, work)
                words = shlex.split(real)
                db = words[words.index("--db") + 1] if "--db" in words[:-1] else None
                if " scan " in f" {real} " and db:
                    last_db_scan = real
                # A diff needs two stored runs (an import counts as one): when the guide
                # shows one, its reader has run the scan twice.
                if words[1:2] == ["diff"] and last_db_scan and stored.get(db, 0) < 2:
                    subprocess.run(["bash", "-c", f"timeout {TIMEOUT_S} {last_db_scan} -q"],
                                   cwd=work, env=env, capture_output=True, timeout=TIMEOUT_S + 10)
                    stored[db] = stored.get(db, 0) + 1
                ran += 1
                p = subprocess.run(["bash", "-c", f"timeout {TIMEOUT_S} {real}"], cwd=work, env=env,
                                   capture_output=True, text=True, timeout=TIMEOUT_S + 10)
                where = f"{md.relative_to(source)}:{line}"
                status = "ok" if p.returncode in (0, 1) else "FAIL"
                print(f"[{status}] {where}: exit {p.returncode}: {cmd}\n        ran: {real}")
                if words[1:2] == ["diff"] and p.stdout.startswith("import "):
                    print("".join(f"        | {l}\n" for l in p.stdout.splitlines()[:20]), end="")
                if p.returncode not in (0, 1):
                    failures.append(f"{where}: exit {p.returncode}: {cmd}\n{p.stderr[-1500:]}")
                    continue
                if db and words[1] in ("scan", "tls", "import"):
                    stored[db] = stored.get(db, 0) + 1
                for problem in promise_problems(words, p.stdout, work):
                    failures.append(f"{where}: {cmd}: {problem}\n{p.stdout[-1500:]}")
    print(f"docs_commands: {ran} commands run, {len(failures)} failed, {len(skipped)} skipped")
    for s in skipped:
        print("SKIPPED " + s)
    for f in failures:
        print("FAILED " + f)
    if ran == 0:
        print("docs_commands: no command found in docs/")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
