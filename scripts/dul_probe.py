#!/usr/bin/python3
"""Raw PS3.8 association probe for LAB-NOTES measurements (loopback only, stdlib only).

usage: dul_probe.py PORT [--calling AE] [--called AE] [--case NAME]

Cases:
  full        7 contexts (Verification, Study Root FIND/MOVE/GET, Patient Root FIND, CT, MR
              storage; each offering Explicit LE + Implicit LE), SCP role selection for CT/MR,
              async ops window 5/5; prints the A-ASSOCIATE-AC item by item, then A-RELEASE.
  unknown-as  one context with an unknown abstract syntax 1.2.3.4.5.6.7
  bad-ts      Verification offered only with an unknown transfer syntax 1.2.3.4.5.6.8
  bad-appctx  application context 1.2.3.4 instead of 1.2.840.10008.3.1.1.1
  bad-version protocol version 0x0002
  garbage     16 bytes 0xEE then wait
  idle        connect and send nothing (how long until the peer closes)
  find        Study Root FIND only; on accept send one C-FIND-RQ (STUDY level, PatientID
              universal) and report the response statuses / match count (never identifiers)
"""
import socket
import struct
import sys
import time

TS_EXPLICIT = "1.2.840.10008.1.2.1"
TS_IMPLICIT = "1.2.840.10008.1.2"
CONTEXTS = [
    ("1.2.840.10008.1.1", "Verification"),
    ("1.2.840.10008.5.1.4.1.2.2.1", "StudyRoot-FIND"),
    ("1.2.840.10008.5.1.4.1.2.2.2", "StudyRoot-MOVE"),
    ("1.2.840.10008.5.1.4.1.2.2.3", "StudyRoot-GET"),
    ("1.2.840.10008.5.1.4.1.2.1.1", "PatientRoot-FIND"),
    ("1.2.840.10008.5.1.4.1.1.2", "CT-Storage"),
    ("1.2.840.10008.5.1.4.1.1.4", "MR-Storage"),
]
NAMES = {uid: n for uid, n in CONTEXTS}
NAMES.update({TS_EXPLICIT: "ExplicitLE", TS_IMPLICIT: "ImplicitLE"})


def item(t, body):
    return struct.pack(">BBH", t, 0, len(body)) + body


def uid(s):
    return s.encode()


def build_rq(calling, called, contexts, roles=(), appctx="1.2.840.10008.3.1.1.1", version=1,
             async_ops=None):
    body = struct.pack(">HH", version, 0)
    body += called.ljust(16).encode() + calling.ljust(16).encode() + bytes(32)
    body += item(0x10, uid(appctx))
    for i, (a, tss) in enumerate(contexts):
        sub = item(0x30, uid(a)) + b"".join(item(0x40, uid(t)) for t in tss)
        body += item(0x20, bytes([2 * i + 1, 0, 0, 0]) + sub)
    ui = item(0x51, struct.pack(">I", 16384))
    ui += item(0x52, uid("1.2.826.0.1.3680043.10.1001"))
    if async_ops:
        ui += item(0x53, struct.pack(">HH", *async_ops))
    for a, scu, scp in roles:
        ui += item(0x54, struct.pack(">H", len(a)) + uid(a) + bytes([scu, scp]))
    ui += item(0x55, b"DICOMSEC_LAB")
    body += item(0x50, ui)
    return struct.pack(">BBI", 0x01, 0, len(body)) + body


def elem(tag_g, tag_e, value):
    if len(value) % 2:
        value += b"\0" if tag_g == 0 and tag_e == 2 else b" "
    return struct.pack("<HHI", tag_g, tag_e, len(value)) + value


def cfind_pdus(pcid):
    sop = uid("1.2.840.10008.5.1.4.1.2.2.1")
    cmd = (elem(0, 0x0002, sop) + elem(0, 0x0100, struct.pack("<H", 0x0020)) +
           elem(0, 0x0110, struct.pack("<H", 1)) + elem(0, 0x0700, struct.pack("<H", 0)) +
           elem(0, 0x0800, struct.pack("<H", 0x0000)))
    cmd = elem(0, 0x0000, struct.pack("<I", len(cmd))) + cmd
    ds = elem(0x0008, 0x0052, b"STUDY") + elem(0x0010, 0x0020, b"")

    def pdata(ctrl, data):
        pdv = struct.pack(">IBB", len(data) + 2, pcid, ctrl) + data
        return struct.pack(">BBI", 0x04, 0, len(pdv)) + pdv
    return pdata(0x03, cmd) + pdata(0x02, ds)


def run_find(s):
    s.sendall(cfind_pdus(1))
    matches = 0
    for _ in range(1000):
        t, body = read_pdu(s)
        if t == 0x07:
            print(f"  C-FIND answered with A-ABORT source={body[2]} reason={body[3]} after {matches} matches")
            return
        if t != 0x04:
            print(f"  C-FIND answered with PDU type 0x{t:02X}")
            return
        ctrl = body[5]
        if ctrl & 1:  # command fragment
            data = body[6:]
            i, status = 0, None
            while i + 8 <= len(data):
                g, e, ln = struct.unpack("<HHI", data[i:i + 8])
                if (g, e) == (0, 0x0900):
                    status = struct.unpack("<H", data[i + 8:i + 10])[0]
                i += 8 + ln
            if status in (0xFF00, 0xFF01):
                matches += 1
            else:
                print(f"  C-FIND final status 0x{status:04X}, {matches} pending matches")
                return


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        d = s.recv(n - len(buf))
        if not d:
            raise EOFError(f"EOF after {len(buf)} of {n} bytes")
        buf += d
    return buf


def read_pdu(s):
    h = recv_exact(s, 6)
    t, _, ln = struct.unpack(">BBI", h)
    return t, recv_exact(s, ln)


def items(b):
    i = 0
    while i + 4 <= len(b):
        t, _, ln = struct.unpack(">BBH", b[i:i + 4])
        yield t, b[i + 4:i + 4 + ln]
        i += 4 + ln


def describe_ac(body, offered):
    ver = struct.unpack(">H", body[0:2])[0]
    print(f"  protocol-version={ver} called-field='{body[4:20].decode(errors='replace')}' "
          f"calling-field='{body[20:36].decode(errors='replace')}'")
    order = []
    for t, v in items(body[68:]):
        order.append(f"{t:02X}")
        if t == 0x10:
            print(f"  app-context={v.decode()}")
        elif t == 0x21:
            pcid, result = v[0], v[2]
            ts = [x.decode() for tt, x in items(v[4:]) if tt == 0x40]
            res = {0: "accept", 1: "user-reject", 2: "no-reason", 3: "abstract-syntax-not-supported",
                   4: "transfer-syntaxes-not-supported"}.get(result, str(result))
            a = offered.get(pcid, "?")
            print(f"  ctx {pcid:3} {NAMES.get(a, a):18} {res:32} {NAMES.get(ts[0], ts[0]) if ts else '-'}")
        elif t == 0x50:
            subs = []
            for st, sv in items(v):
                if st == 0x51:
                    subs.append(f"max-pdu={struct.unpack('>I', sv)[0]}")
                elif st == 0x52:
                    subs.append(f"impl-uid={sv.decode().rstrip(chr(0))}")
                elif st == 0x55:
                    subs.append(f"impl-version={sv.decode()}")
                elif st == 0x53:
                    subs.append("async-ops=%d/%d" % struct.unpack(">HH", sv))
                elif st == 0x54:
                    n = struct.unpack(">H", sv[:2])[0]
                    a = sv[2:2 + n].decode()
                    subs.append(f"role({NAMES.get(a, a)} scu={sv[2 + n]} scp={sv[3 + n]})")
                else:
                    subs.append(f"sub-{st:02X}({len(sv)}B)")
            print("  user-info: " + ", ".join(subs))
    print("  item order: " + " ".join(order))


def main():
    a = sys.argv[1:]
    if not a:
        sys.exit(__doc__)
    port = int(a[0])
    opts = dict(zip(a[1::2], a[2::2]))
    calling = opts.get("--calling", "DICOMSEC")
    called = opts.get("--called", "ANY-SCP")
    case = opts.get("--case", "full")
    full = [(u, [TS_EXPLICIT, TS_IMPLICIT]) for u, _ in CONTEXTS]
    roles = [(CONTEXTS[5][0], 0, 1), (CONTEXTS[6][0], 0, 1)]
    if case == "full":
        pdu = build_rq(calling, called, full, roles=roles, async_ops=(5, 5))
    elif case == "unknown-as":
        pdu = build_rq(calling, called, [("1.2.3.4.5.6.7", [TS_IMPLICIT])])
    elif case == "bad-ts":
        pdu = build_rq(calling, called, [(CONTEXTS[0][0], ["1.2.3.4.5.6.8"])])
    elif case == "bad-appctx":
        pdu = build_rq(calling, called, full[:1], appctx="1.2.3.4")
    elif case == "bad-version":
        pdu = build_rq(calling, called, full[:1], version=2)
    elif case == "find":
        pdu = build_rq(calling, called, [(CONTEXTS[1][0], [TS_IMPLICIT])])
    elif case == "garbage":
        pdu = b"\xee" * 16
    elif case == "idle":
        pdu = b""
    else:
        sys.exit("unknown case")
    offered = {2 * i + 1: u for i, (u, _) in enumerate(full if case in ("full", "bad-appctx", "bad-version") else
                                                       [("1.2.3.4.5.6.7", 0)] if case == "unknown-as" else
                                                       full[1:2] if case == "find" else full[:1])}
    t0 = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.settimeout(40)
    try:
        if pdu:
            s.sendall(pdu)
        t, body = read_pdu(s)
        dt = time.monotonic() - t0
        if t == 0x02:
            print(f"A-ASSOCIATE-AC ({len(body) + 6} bytes, {dt * 1000:.0f} ms)")
            describe_ac(body, offered)
            if case == "find":
                run_find(s)
                return
            s.sendall(struct.pack(">BBI", 0x05, 0, 4) + bytes(4))
            t2, b2 = read_pdu(s)
            print(f"  after A-RELEASE-RQ: PDU type 0x{t2:02X} {b2.hex()}")
            s.settimeout(5)
            try:
                print("  then: " + ("EOF (peer closed)" if s.recv(1) == b"" else "more data"))
            except socket.timeout:
                print("  then: connection left open 5 s")
        elif t == 0x03:
            print(f"A-ASSOCIATE-RJ result={body[1]} source={body[2]} reason={body[3]} ({dt * 1000:.0f} ms)")
        elif t == 0x07:
            print(f"A-ABORT source={body[2]} reason={body[3]} ({dt * 1000:.0f} ms)")
        else:
            print(f"PDU type 0x{t:02X} {body[:32].hex()} ({dt * 1000:.0f} ms)")
    except EOFError as e:
        print(f"closed without PDU: {e} ({(time.monotonic() - t0) * 1000:.0f} ms)")
    except ConnectionResetError:
        print(f"RST ({(time.monotonic() - t0) * 1000:.0f} ms)")
    except socket.timeout:
        print("no answer within 40 s")
    finally:
        s.close()


if __name__ == "__main__":
    main()
