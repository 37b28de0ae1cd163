#!/usr/bin/env python3
"""The ACME run (issue 15 §4), and every command of docs/guides/acme-renewal.md.

Starts Debian's pebble (RFC 8555 test server, PEBBLE_VA_ALWAYS_VALID=1 so no challenge is
really checked) on loopback with a certificate made here for its own HTTPS, then runs the
guide's ```sh blocks in order with bash: the first block's variables are replaced by the
test's (pebble's URL, a temporary uacme directory, a hook that accepts every challenge, the
server's loopback address). uacme trusts only the system bundle, so each block runs in a
private mount namespace where that bundle is pebble's CA (never the real Let's Encrypt).

After the first certificate is issued the TLS server starts on the guide's files: the
CertStore echo server, or with --gateway, `dicomsec gateway --tls-in`. A TLS connection
opened then must live through the forced renewal, and the last block's two serials (on disk
and what `openssl s_client` sees) must match, differ from the first certificate's, and come
from pebble's CA.

usage: acme_renewal.py SOURCE_DIR (--echo CERTSTORE_ECHO_BIN | --gateway DICOMSEC_BIN)
"""
import argparse
import os
import re
import shlex
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BLOCK_TIMEOUT_S = 120
NAME = "gateway.dicomsec.test"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, limit_s=15):
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.05)
    return False


def run(cmd, cwd, **kw):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=BLOCK_TIMEOUT_S, **kw)


def sh_blocks(md):
    text = Path(md).read_text()
    return [m.group(1) for m in re.finditer(r"^```sh\n(.*?)^```", text, re.S | re.M)]


def override(block, values):
    """The guide's variable block with the test's values (each NAME=... line replaced)."""
    out, seen = [], set()
    for line in block.splitlines():
        m = re.match(r"^([A-Z_]+)=", line)
        if m and m.group(1) in values:
            out.append(f"{m.group(1)}={shlex.quote(values[m.group(1)])}")
            seen.add(m.group(1))
        else:
            out.append(line)
    missing = set(values) - seen
    if missing:
        raise SystemExit(f"the guide's first block no longer sets {sorted(missing)}")
    return "\n".join(out) + "\n"


def serial_of(pem):
    p = subprocess.run(["openssl", "x509", "-in", str(pem), "-noout", "-serial"],
                       capture_output=True, text=True, timeout=20)
    return p.stdout.strip().split("=", 1)[-1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("source")
    ap.add_argument("--echo")
    ap.add_argument("--gateway")
    args = ap.parse_args()
    args.echo = os.path.abspath(args.echo) if args.echo else None
    args.gateway = os.path.abspath(args.gateway) if args.gateway else None
    for tool in ("pebble", "uacme", "openssl", "unshare"):
        if subprocess.run(["which", tool], capture_output=True).returncode != 0:
            print(f"acme_renewal: {tool} is not installed (scripts/deps.sh)")
            return 1  # never a silent skip
    guide = Path(args.source) / "docs" / "guides" / "acme-renewal.md"
    blocks = sh_blocks(guide)
    if len(blocks) < 4:
        print(f"acme_renewal: expected at least 4 sh blocks in {guide}, found {len(blocks)}")
        return 1

    work = Path(tempfile.mkdtemp(prefix="dicomsec-acme-"))
    procs = []
    try:
        # pebble's own HTTPS certificate, from a CA made here.
        pki = (
            "openssl req -x509 -newkey rsa:2048 -nodes -keyout pca.key -out pca.pem -days 2 "
            "-subj '/CN=pebble https test CA' && "
            "openssl req -newkey rsa:2048 -nodes -keyout pebble.key -out pebble.csr -subj '/CN=127.0.0.1' && "
            "printf 'subjectAltName=IP:127.0.0.1\\n' > pebble.ext && "
            "openssl x509 -req -in pebble.csr -CA pca.pem -CAkey pca.key -set_serial 7 -days 2 "
            "-extfile pebble.ext -out pebble.pem"
        )
        p = run(["bash", "-c", pki], work)
        assert p.returncode == 0, p.stderr
        acme_port, server_port = free_port(), free_port()
        (work / "pebble.json").write_text(
            '{"pebble": {"listenAddress": "127.0.0.1:%d", "managementListenAddress": "127.0.0.1:%d",'
            ' "certificate": "%s", "privateKey": "%s", "httpPort": %d, "tlsPort": %d,'
            ' "ocspResponderURL": "", "externalAccountBindingRequired": false}}'
            % (acme_port, free_port(), work / "pebble.pem", work / "pebble.key", free_port(), free_port())
        )
        env = dict(os.environ, PEBBLE_VA_ALWAYS_VALID="1", PEBBLE_VA_NOSLEEP="1", PEBBLE_WFE_NONCEREJECT="0")
        pebble = subprocess.Popen(["pebble", "-config", str(work / "pebble.json")], cwd=work, env=env,
                                  stdout=open(work / "pebble.log", "w"), stderr=subprocess.STDOUT,
                                  start_new_session=True)
        procs.append(pebble)
        assert wait_listening(acme_port), "pebble did not start:\n" + (work / "pebble.log").read_text()

        hook = work / "accept-hook.sh"
        hook.write_text("#!/bin/sh\n# pebble runs with PEBBLE_VA_ALWAYS_VALID=1: nothing to publish\nexit 0\n")
        hook.chmod(0o755)
        conf = work / "uacme"
        values = {
            "NAME": NAME,
            "GATEWAY": f"127.0.0.1:{server_port}",
            "ACME_URL": f"https://127.0.0.1:{acme_port}/dir",
            "CONF": str(conf),
            "HOOK": str(hook),
            "EMAIL": "test@dicomsec.test",
        }
        header = override(blocks[0], values)
        cert, key = conf / NAME / "cert.pem", conf / "private" / NAME / "key.pem"

        server = None
        live = None
        first_serial = None
        last = None
        for i, block in enumerate(blocks[1:], start=2):
            script = header + block
            wrapped = (f"mount --bind {shlex.quote(str(work / 'pca.pem'))} /etc/ssl/certs/ca-certificates.crt"
                       " && exec bash -euo pipefail -c \"$0\"")
            p = run(["unshare", "-m", "--propagation", "private", "bash", "-c", wrapped, script], work)
            print(f"--- sh block {i}: exit {p.returncode}\n{block}{p.stdout}{p.stderr}")
            if p.returncode != 0:
                print(f"acme_renewal: the guide's sh block {i} failed")
                return 1
            last = p.stdout
            if server is None and cert.exists():
                first_serial = serial_of(cert)
                if args.gateway:
                    upstream = free_port()  # nothing listens: the test only needs the handshake
                    cmd = [args.gateway, "gateway", "--listen", f"127.0.0.1:{server_port}",
                           "--upstream", f"127.0.0.1:{upstream}", "--tls-in", "--cert", str(cert),
                           "--key", str(key)]
                else:
                    cmd = [args.echo, str(server_port), str(cert), str(key), "", "200"]
                server = subprocess.Popen(cmd, cwd=work, stdout=open(work / "server.out", "w"),
                                          stderr=open(work / "server.err", "w"), start_new_session=True)
                procs.append(server)
                assert wait_listening(server_port), "server did not start:\n" + (work / "server.err").read_text()
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
                live = ctx.wrap_socket(socket.create_connection(("127.0.0.1", server_port), timeout=10))
                if not args.gateway:
                    live.sendall(b"before renewal\n")
                    assert live.recv(100) == b"before renewal\n"

        assert first_serial, "no certificate was issued by the guide's commands"
        serials = re.findall(r"serial=([0-9A-Fa-f]+)", last or "")
        print(f"first certificate {first_serial}; last block's serials {serials}")
        assert len(serials) == 2, "the last block should print the serial on disk and the one s_client sees"
        assert serials[0] == serials[1], "the server does not present the renewed certificate"
        assert serials[0] != first_serial, "the forced renewal did not change the certificate"
        issuer = run(["openssl", "x509", "-in", str(cert), "-noout", "-issuer"], work).stdout
        assert "Pebble" in issuer, issuer
        if live is not None and not args.gateway:
            live.sendall(b"after renewal\n")
            assert live.recv(100) == b"after renewal\n", "the renewal dropped a live connection"
        server_log = (work / "server.err").read_text()
        print("server:\n" + server_log)
        print("acme_renewal: ok")
        return 0
    except AssertionError as e:
        print(f"acme_renewal: FAILED: {e}")
        return 1
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, signal.SIGTERM)
                p.wait(timeout=5)
            except Exception:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except Exception:
                    pass
        subprocess.run(["rm", "-rf", str(work)])


if __name__ == "__main__":
    sys.exit(main())
