#!/usr/bin/env python3
"""`dicomsec gateway`'s audit trail and certificate reload end to end (issue 15 §3, §4).

Real peers on loopback, ports chosen at run time, everything in one temporary directory:
storescp behind the gateway (--tls-in), DCMTK storescu/echoscu in front, and an rsyslog
started here with imtcp over the gtls driver as the audit collector (--audit-syslog tls://).

1. Reload during a transfer: storescu +tls sends one canary object --repeat N times in one
   association; while it runs, the certificate files are renamed over and the gateway gets
   SIGHUP. `openssl s_client` must see the new serial while the transfer is still running,
   and the transfer must finish with every instance stored.
2. A stranger's AE title is refused (--allow) and audited as a Security Alert.
3. The collector received Application Start, Begin Transferring, DICOM Instances Transferred
   (with the instance count) and the Security Alert, each a DICOM audit message; the JSONL
   trail agrees; the canary Patient ID and Study UID appear nowhere (--audit-phi none).
4. With --audit-phi ids the gateway relays; with --expect-ids the identifiers must be in
   the JSONL trail.

usage: gateway_audit_e2e.py DICOMSEC_BIN [--expect-ids]
"""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CANARY_PATIENT = "CANARY-GW-PATIENT-5T7"
CANARY_STUDY = "1.2.826.0.1.3680043.2.1143.915.1"
CT = "1.2.840.10008.5.1.4.1.1.2"
REPEAT = 1500


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(pred, limit_s=15.0):
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


def listening(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


class Procs:
    def __init__(self, work):
        self.work, self.procs = work, []

    def start(self, name, cmd, env=None):
        p = subprocess.Popen(cmd, cwd=self.work, stdout=open(self.work / f"{name}.out", "w"),
                             stderr=open(self.work / f"{name}.err", "w"), start_new_session=True,
                             env=env)
        self.procs.append(p)
        return p

    def stop_all(self):
        for p in reversed(self.procs):
            try:
                os.killpg(p.pid, signal.SIGTERM)
                p.wait(timeout=10)
            except Exception:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait(timeout=5)
                except Exception:
                    pass


def sh(work, script, timeout=60):
    p = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=work, capture_output=True,
                       text=True, timeout=timeout)
    assert p.returncode == 0, f"{script}\n{p.stderr}"
    return p.stdout


def s_client_serial(work, port):
    out = sh(work, f"openssl s_client -connect 127.0.0.1:{port} </dev/null 2>/dev/null | "
                   "openssl x509 -noout -serial", timeout=20)
    return out.strip().split("=", 1)[-1]


def make_pki(work):
    sh(work, "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 "
             "-subj '/CN=dicomsec gateway test CA' 2>/dev/null")
    for name, serial in (("a", "A1"), ("b", "B2"), ("collector", "C3"), ("client", "D4")):
        sh(work, f"openssl req -newkey rsa:2048 -nodes -keyout {name}.key -out {name}.csr "
                 f"-subj '/CN={'MODALITY1' if name == 'client' else '127.0.0.1'}' 2>/dev/null && "
                 f"printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth,clientAuth\\n' > {name}.ext && "
                 f"openssl x509 -req -in {name}.csr -CA ca.pem -CAkey ca.key -set_serial 0x{serial} "
                 f"-days 2 -extfile {name}.ext -out {name}.pem 2>/dev/null")
    sh(work, "cp a.pem live.pem && cp a.key live.key")


def make_canary(work):
    (work / "canary.dump").write_text(f"""(0002,0001) OB 00\\01
(0002,0002) UI [{CT}]
(0002,0003) UI [1.2.826.0.1.3680043.2.1143.915.3]
(0002,0010) UI [1.2.840.10008.1.2.1]
(0008,0016) UI [{CT}]
(0008,0018) UI [1.2.826.0.1.3680043.2.1143.915.3]
(0008,0060) CS [CT]
(0010,0010) PN [CANARY^GATEWAY]
(0010,0020) LO [{CANARY_PATIENT}]
(0020,000d) UI [{CANARY_STUDY}]
(0020,000e) UI [1.2.826.0.1.3680043.2.1143.915.2]
(0028,0002) US 1
(0028,0004) CS [MONOCHROME2]
(0028,0010) US 64
(0028,0011) US 64
(0028,0100) US 16
(0028,0101) US 12
(0028,0102) US 11
(0028,0103) US 0
""")
    sh(work, "dump2dcm -q +te canary.dump canary.dcm")
    # 64x64x2 bytes of pixel data, so each C-STORE carries a few kilobytes.
    sh(work, "dcmodify -q -i '(7fe0,0010)=' canary.dcm 2>/dev/null || true")


def start_rsyslog(procs, work):
    port = free_port()
    (work / "rsyslog.conf").write_text(f"""global(workDirectory="{work}" maxMessageSize="64k"
  defaultNetstreamDriverCAFile="{work}/ca.pem" defaultNetstreamDriverCertFile="{work}/collector.pem"
  defaultNetstreamDriverKeyFile="{work}/collector.key")
module(load="imtcp" maxSessions="20")
input(type="imtcp" address="127.0.0.1" port="{port}" streamDriver.name="gtls" streamDriver.mode="1"
      streamDriver.authMode="anon")
template(name="line" type="string" string="%app-name% %msgid% %msg%\\n")
action(type="omfile" file="{work}/received.log" template="line")
""")
    procs.start("rsyslog", ["rsyslogd", "-n", "-f", str(work / "rsyslog.conf"), "-i", str(work / "rsyslog.pid")])
    assert wait_until(lambda: listening(port)), "rsyslog did not start: " + (work / "rsyslog.err").read_text()
    return port


def start_gateway(procs, work, binary, name, upstream, extra):
    port = free_port()
    cmd = [binary, "gateway", "--listen", f"127.0.0.1:{port}", "--upstream", f"127.0.0.1:{upstream}",
           "--tls-in", "--cert", str(work / "live.pem"), "--key", str(work / "live.key"),
           "--allow", "MODALITY1", "--audit-jsonl", str(work / f"{name}.jsonl")] + extra
    gw = procs.start(name, cmd)
    assert wait_until(lambda: listening(port)), f"gateway did not start: {(work / f'{name}.err').read_text()}"
    return gw, port


def storescu(work, port, repeat, name):
    return subprocess.Popen(
        ["storescu", "+tls", "client.key", "client.pem", "+cf", "ca.pem", "-aet", "MODALITY1", "-aec", "PACS",
         "--repeat", str(repeat), "127.0.0.1", str(port), "canary.dcm"],
        cwd=work, stdout=open(work / f"{name}.out", "w"), stderr=open(work / f"{name}.err", "w"),
        start_new_session=True)


def events(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def main():
    binary = os.path.abspath(sys.argv[1])
    expect_ids = "--expect-ids" in sys.argv[2:]
    for tool in ("storescp", "storescu", "echoscu", "dump2dcm", "rsyslogd", "openssl"):
        if subprocess.run(["which", tool], capture_output=True).returncode != 0:
            print(f"gateway_audit_e2e: {tool} is not installed (scripts/deps.sh)")
            return 1
    work = Path(tempfile.mkdtemp(prefix="dicomsec-gw-audit-"))
    procs = Procs(work)
    try:
        make_pki(work)
        make_canary(work)
        (work / "stored").mkdir()
        upstream = free_port()
        procs.start("storescp", ["storescp", "-q", "-od", str(work / "stored"), str(upstream)])
        assert wait_until(lambda: listening(upstream)), "storescp did not start"
        collector = start_rsyslog(procs, work)
        gw, port = start_gateway(procs, work, binary, "gateway", upstream,
                                 ["--audit-syslog", f"tls://127.0.0.1:{collector}", "--audit-ca",
                                  str(work / "ca.pem")])
        assert s_client_serial(work, port) == "A1"

        # 1. Reload while a transfer is in flight.
        t0 = time.monotonic()
        scu = storescu(work, port, REPEAT, "storescu")
        time.sleep(0.5)
        assert scu.poll() is None, "the transfer ended before the reload: raise REPEAT"
        sh(work, "cp b.key live.key.new && cp b.pem live.pem.new && mv live.key.new live.key && "
                 "mv live.pem.new live.pem")
        os.kill(gw.pid, signal.SIGHUP)
        assert wait_until(lambda: s_client_serial(work, port) == "B2", 10), "the gateway kept the old certificate"
        in_flight = scu.poll() is None
        rc = scu.wait(timeout=300)
        took = time.monotonic() - t0
        print(f"transfer of {REPEAT} instances took {took:.1f} s; still in flight at the reload: {in_flight}")
        assert in_flight, "the transfer ended before s_client saw the new certificate: raise REPEAT"
        assert rc == 0, "storescu failed across the reload:\n" + (work / "storescu.err").read_text()[-2000:]

        # 1b. Each reload is a Security Configuration alert (DCM 110129); one refused after a
        # file change (a certificate that does not parse) is audited too, and the old
        # certificate stays in use.
        def config_alerts():
            return [e for e in events(work / "gateway.jsonl")
                    if e["event"] == "security-alert" and e.get("alert") == "security-configuration"]
        assert wait_until(lambda: any(e["outcome"] == 0 for e in config_alerts()), 10), \
            "no Security Configuration alert for the reload: " + str(config_alerts())
        sh(work, "echo 'not a certificate' > live.pem.bad && mv live.pem.bad live.pem")
        assert wait_until(lambda: any(e["outcome"] != 0 for e in config_alerts()), 10), \
            "a refused reload after a file change was not audited: " + str(config_alerts())
        refused = [e for e in config_alerts() if e["outcome"] != 0][0]
        assert "refused" in refused.get("outcome_text", ""), refused
        assert s_client_serial(work, port) == "B2", "a refused reload replaced the certificate"
        sh(work, "cp b.pem live.pem.new && mv live.pem.new live.pem")  # repaired for step 4

        # 2. A stranger is refused and audited.
        p = subprocess.run(["echoscu", "+tls", "client.key", "client.pem", "+cf", "ca.pem", "-aet", "STRANGER",
                            "-aec", "PACS", "127.0.0.1", str(port)], cwd=work, capture_output=True, text=True,
                           timeout=60)
        assert p.returncode != 0, "a stranger's association was accepted"

        # 3. What the collector and the JSONL trail hold.
        def received():
            f = work / "received.log"
            return f.read_text() if f.exists() else ""
        # 110132 is waited for too: 110113 alone may be the reload's alert, with the refusal's
        # still on its way to the collector.
        want = ['csd-code="110100"', 'csd-code="110102"', 'csd-code="110104"', 'csd-code="110113"',
                'csd-code="110129"', 'csd-code="110132"']
        ok = wait_until(lambda: all(w in received() for w in want), 20)
        got = received()
        assert ok, "collector is missing " + str([w for w in want if w not in got]) + "\n" + got[-3000:]
        assert f'NumberOfInstances="{REPEAT}"' in got, "no instance count in Instances Transferred:\n" + got[-3000:]
        # The refusal's EventTypeCode: 110132 Use of Restricted Function (design.md, audit).
        assert 'csd-code="110132"' in got, "the refusal is not a Use of Restricted Function alert"
        trail = events(work / "gateway.jsonl")
        kinds = [e["event"] for e in trail]
        assert "instances-transferred" in kinds and "security-alert" in kinds, kinds
        moved = [e for e in trail if e["event"] == "instances-transferred"]
        assert moved[0]["sop_classes"].get(CT) == REPEAT, moved
        everything = got + (work / "gateway.jsonl").read_text() + (work / "gateway.err").read_text()
        assert CANARY_PATIENT not in everything and CANARY_STUDY not in everything, "PHI in the audit trail"

        # 4. --audit-phi ids: the gateway runs with it and relays. With --expect-ids (once the
        # gateway reads Patient ID and Study UID from the data sets it streams), the
        # identifiers must then be in the trail where an ATNA repository expects them.
        gw2, port2 = start_gateway(procs, work, binary, "gateway-ids", upstream, ["--audit-phi", "ids"])
        scu = storescu(work, port2, 1, "storescu-ids")
        assert scu.wait(timeout=60) == 0, (work / "storescu-ids.err").read_text()
        assert wait_until(lambda: "instances-transferred" in (work / "gateway-ids.jsonl").read_text(), 10)
        if expect_ids:
            trail_ids = (work / "gateway-ids.jsonl").read_text()
            assert CANARY_PATIENT in trail_ids, "--audit-phi ids: no Patient ID in the trail:\n" + trail_ids
            assert CANARY_STUDY in trail_ids, "--audit-phi ids: no Study UID in the trail:\n" + trail_ids
        print("gateway_audit_e2e: ok")
        return 0
    except AssertionError as e:
        print(f"gateway_audit_e2e: FAILED: {e}")
        for f in ("gateway.err", "gateway-ids.err", "rsyslog.err", "storescp.err"):
            if (work / f).exists():
                print(f"--- {f}\n" + (work / f).read_text()[-3000:])
        return 1
    finally:
        procs.stop_all()
        subprocess.run(["rm", "-rf", str(work)])


if __name__ == "__main__":
    sys.exit(main())
