#!/usr/bin/python3
"""Loopback recording relay for capture.sh (stdlib only).

usage: relay.py UPSTREAM_PORT OUT_DIR PORT_FILE

Listens on 127.0.0.1 (port chosen by the kernel, written to PORT_FILE), forwards each
connection to 127.0.0.1:UPSTREAM_PORT, and writes what each side sent to
OUT_DIR/NNN.c2s and OUT_DIR/NNN.s2c. Bounded: at most 32 connections, 120 s in all, 10 s
of silence per connection. Exits when OUT_DIR/stop exists or the time is up.
"""
import os
import select
import socket
import sys
import time

MAX_CONNS, TOTAL_S, IDLE_S = 32, 120, 10


def pipe(n, client, out_dir, upstream_port):
    server = socket.create_connection(("127.0.0.1", upstream_port), timeout=5)
    files = {client: open(os.path.join(out_dir, "%03d.c2s" % n), "wb"),
             server: open(os.path.join(out_dir, "%03d.s2c" % n), "wb")}
    peer = {client: server, server: client}
    open_ = {client, server}
    last = time.monotonic()
    while open_ and time.monotonic() - last < IDLE_S:
        ready, _, _ = select.select(list(open_), [], [], 0.5)
        for s in ready:
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if not data:
                open_.discard(s)
                try:
                    peer[s].shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                continue
            last = time.monotonic()
            files[s].write(data)
            files[s].flush()
            try:
                peer[s].sendall(data)
            except OSError:
                open_.discard(s)
    for s, f in files.items():
        f.close()
        s.close()


def main():
    upstream_port, out_dir, port_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(8)
    with open(port_file, "w") as f:
        f.write(str(lsock.getsockname()[1]))
    end = time.monotonic() + TOTAL_S
    n = 0
    import threading
    threads = []
    while n < MAX_CONNS and time.monotonic() < end:
        if os.path.exists(os.path.join(out_dir, "stop")):
            break
        ready, _, _ = select.select([lsock], [], [], 0.2)
        if not ready:
            continue
        c, _ = lsock.accept()
        n += 1
        t = threading.Thread(target=pipe, args=(n, c, out_dir, upstream_port), daemon=True)
        t.start()
        threads.append(t)
    for t in threads:
        t.join(IDLE_S + 2)


if __name__ == "__main__":
    main()
