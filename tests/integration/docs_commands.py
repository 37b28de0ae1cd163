#!/usr/bin/env python3
"""Runs every dicomsec command of the fenced `sh` blocks in docs/ against the labs.

Each command is the one a reader would paste, with the documentation's example addresses,
ports, files and certificates replaced by the lab's (scripts/lab.sh, scripts/tls_lab.sh):
every host becomes 127.0.0.1, every port list the lab's ports, every CA or client
certificate the TLS lab's. A command passes when it exits 0 (clean) or 1 (findings at
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
import os
import re
import shlex
import subprocess
import sys
import tempfile
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


def substitute(cmd, lab, tls, work):
    """The lab's values in place of the guide's examples."""
    ports = ",".join([lab["STORESCP_PORT"], lab["ORTHANC_OPEN_PORT"], tls["STORESCP_TLS_RC_PORT"]])
    args = shlex.split(cmd, posix=False)
    out = []
    has_ports = False
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
        if not has_ports:
            out += ["-p", ports]  # never the default ports (104, 11112, ...) on loopback
        if "--level" in out:
            out += ["--web-ports", lab["ORTHANC_OPEN_HTTP"]]
    return " ".join(out)


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
            for line, cmd, skip in found:
                if skip is not None:
                    skipped.append(f"{md.relative_to(source)}:{line}: {cmd}  ({skip})")
                    print(f"[skip] {md.relative_to(source)}:{line}: {cmd}\n        why: {skip}")
                    continue
                if ran >= MAX_COMMANDS:
                    failures.append(f"more than {MAX_COMMANDS} commands: raise the bound")
                    break
                real = substitute(cmd, lab, tls, work)
                if " scan " in f" {real} " and "--db" in real:
                    last_db_scan = real
                # A diff needs two stored scans: the guide's reader has run the scan twice.
                if real.split()[1:2] == ["diff"] and last_db_scan:
                    subprocess.run(["bash", "-c", f"timeout {TIMEOUT_S} {last_db_scan} -q"],
                                   cwd=work, env=env, capture_output=True, timeout=TIMEOUT_S + 10)
                ran += 1
                p = subprocess.run(["bash", "-c", f"timeout {TIMEOUT_S} {real}"], cwd=work, env=env,
                                   capture_output=True, text=True, timeout=TIMEOUT_S + 10)
                where = f"{md.relative_to(source)}:{line}"
                status = "ok" if p.returncode in (0, 1) else "FAIL"
                print(f"[{status}] {where}: exit {p.returncode}: {cmd}\n        ran: {real}")
                if p.returncode not in (0, 1):
                    failures.append(f"{where}: exit {p.returncode}: {cmd}\n{p.stderr[-1500:]}")
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
