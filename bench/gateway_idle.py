#!/usr/bin/env python3
"""Helpers of bench/gateway_vs_stunnel (standard library only, 127.0.0.1 only).

  gateway_idle.py scp PORT
      A minimal DICOM acceptor: answers every A-ASSOCIATE-RQ with an A-ASSOCIATE-AC that
      accepts presentation context 1 (implicit VR little endian), then holds the
      association open. Serves any number of associations (the idle-association test needs
      10,000, which a forking storescp cannot hold).
  gateway_idle.py hold PORT N CA CERT KEY SECONDS
      Opens N TLS connections to the gateway, sends an A-ASSOCIATE-RQ on each, waits for the
      A-ASSOCIATE-AC, holds them for SECONDS, prints how many were established.
"""
import asyncio
import ssl
import struct
import sys


def item(t, body):
    return bytes([t, 0]) + struct.pack(">H", len(body)) + body


def ae(s):
    return s.encode().ljust(16, b" ")


APP = item(0x10, b"1.2.840.10008.3.1.1.1")


def rq_pdu():
    pc = item(0x20, bytes([1, 0, 0, 0]) + item(0x30, b"1.2.840.10008.1.1") +
              item(0x40, b"1.2.840.10008.1.2"))
    ui = item(0x50, item(0x51, struct.pack(">I", 16384)) + item(0x52, b"1.2.3.4"))
    body = struct.pack(">H", 1) + b"\0\0" + ae("ANY-SCP") + ae("IDLE") + b"\0" * 32 + APP + pc + ui
    return bytes([1, 0]) + struct.pack(">I", len(body)) + body


def ac_pdu():
    pc = item(0x21, bytes([1, 0, 0, 0]) + item(0x40, b"1.2.840.10008.1.2"))
    ui = item(0x50, item(0x51, struct.pack(">I", 16384)) + item(0x52, b"1.2.3.5"))
    body = struct.pack(">H", 1) + b"\0\0" + ae("ANY-SCP") + ae("IDLE") + b"\0" * 32 + APP + pc + ui
    return bytes([2, 0]) + struct.pack(">I", len(body)) + body


async def read_pdu(reader):
    head = await reader.readexactly(6)
    (n,) = struct.unpack(">I", head[2:])
    return head + await reader.readexactly(n)


async def scp(port):
    ac = ac_pdu()

    async def serve(reader, writer):
        try:
            while True:
                pdu = await read_pdu(reader)
                if pdu[0] == 1:
                    writer.write(ac)
                elif pdu[0] == 5:
                    writer.write(bytes([6, 0, 0, 0, 0, 4, 0, 0, 0, 0]))
                elif pdu[0] == 7:
                    break
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", port, backlog=4096)
    async with server:
        await server.serve_forever()


async def hold(port, n, ca, cert, key, seconds):
    ctx = ssl.create_default_context(cafile=ca)
    ctx.load_cert_chain(cert, key)
    ctx.check_hostname = False
    rq = rq_pdu()
    ok = 0
    conns = []
    sem = asyncio.Semaphore(200)

    async def one():
        nonlocal ok
        async with sem:
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", port, ssl=ctx), 60)
                writer.write(rq)
                await writer.drain()
                pdu = await asyncio.wait_for(read_pdu(reader), 60)
                if pdu[0] == 2:
                    ok += 1
                conns.append(writer)
            except Exception as e:  # counted as not established
                print("connection failed:", type(e).__name__, e, file=sys.stderr)

    await asyncio.gather(*(one() for _ in range(n)))
    print(f"established {ok}", flush=True)
    await asyncio.sleep(seconds)
    for w in conns:
        w.close()


def main():
    if sys.argv[1] == "scp":
        asyncio.run(scp(int(sys.argv[2])))
    else:
        _, _, port, n, ca, cert, key, seconds = sys.argv
        asyncio.run(hold(int(port), int(n), ca, cert, key, float(seconds)))


if __name__ == "__main__":
    main()
