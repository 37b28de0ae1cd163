#!/usr/bin/env python3
"""Synthetic DICOM Part 10 files (Secondary Capture, explicit VR little endian) of a chosen
size, for the gateway's tests and benchmark. Standard library only; no real patient data.

    make_dicom.py --out DIR --count N --size BYTES [--seed S] [--patient-id ID]

Pixel data is written in 1 MiB pieces, so a 1 GiB object needs no 1 GiB of memory.
"""
import argparse
import os
import random
import struct
import uuid

TS_EXPLICIT_LE = "1.2.840.10008.1.2.1"
SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"
LONG_VRS = {"OB", "OW", "SQ", "UN", "UT", "UC", "UR", "OF", "OD", "OL"}


def element(group, elem, vr, value):
    if isinstance(value, str):
        value = value.encode("ascii")
        if len(value) % 2:
            value += b"\0" if vr == "UI" else b" "
    head = struct.pack("<HH", group, elem) + vr.encode("ascii")
    if vr in LONG_VRS:
        return head + b"\0\0" + struct.pack("<I", len(value)) + value
    return head + struct.pack("<H", len(value)) + value


def us(v):
    return struct.pack("<H", v)


def uid():
    return "2.25.%d" % uuid.uuid4().int


def write(path, size, rng, patient_id):
    cols = 16384 if size >= (64 << 20) else 1024
    rows = max(1, size // (2 * cols))
    pixel_bytes = rows * cols * 2
    sop = uid()
    meta_body = b"".join([
        element(0x0002, 0x0001, "OB", b"\0\1"),
        element(0x0002, 0x0002, "UI", SECONDARY_CAPTURE),
        element(0x0002, 0x0003, "UI", sop),
        element(0x0002, 0x0010, "UI", TS_EXPLICIT_LE),
        element(0x0002, 0x0012, "UI", "1.2.826.0.1.3680043.10.1338.1"),
    ])
    meta = element(0x0002, 0x0000, "UL", struct.pack("<I", len(meta_body))) + meta_body
    ds = b"".join([
        element(0x0008, 0x0016, "UI", SECONDARY_CAPTURE),
        element(0x0008, 0x0018, "UI", sop),
        element(0x0008, 0x0020, "DA", "20240101"),
        element(0x0008, 0x0060, "CS", "OT"),
        element(0x0010, 0x0010, "PN", "SYNTHETIC^GATEWAY"),
        element(0x0010, 0x0020, "LO", patient_id),
        element(0x0020, 0x000D, "UI", uid()),
        element(0x0020, 0x000E, "UI", uid()),
        element(0x0028, 0x0002, "US", us(1)),
        element(0x0028, 0x0004, "CS", "MONOCHROME2"),
        element(0x0028, 0x0010, "US", us(rows)),
        element(0x0028, 0x0011, "US", us(cols)),
        element(0x0028, 0x0100, "US", us(16)),
        element(0x0028, 0x0101, "US", us(16)),
        element(0x0028, 0x0102, "US", us(15)),
        element(0x0028, 0x0103, "US", us(0)),
    ])
    block = rng.randbytes(1 << 20)
    with open(path, "wb") as f:
        f.write(b"\0" * 128 + b"DICM" + meta + ds)
        f.write(struct.pack("<HH", 0x7FE0, 0x0010) + b"OW\0\0" + struct.pack("<I", pixel_bytes))
        left = pixel_bytes
        i = 0
        while left > 0:
            n = min(left, len(block))
            # Each piece differs (rotated), so a dropped or repeated piece is seen.
            k = (i * 7919) % len(block)
            piece = (block[k:] + block[:k])[:n]
            f.write(piece)
            left -= n
            i += 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--size", type=int, default=1 << 20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--patient-id", default="GW-SYNTHETIC")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rng = random.Random(a.seed)
    for i in range(a.count):
        write(os.path.join(a.out, "img%05d.dcm" % i), a.size, rng, a.patient_id)


if __name__ == "__main__":
    main()
