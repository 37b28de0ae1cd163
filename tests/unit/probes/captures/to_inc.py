#!/usr/bin/python3
"""Writes a captured byte stream as a C++ .inc (an inline constexpr byte array).

usage: to_inc.py STREAM NAME COMMENT_FILE OUT.inc
"""
import sys

stream, name, comment_file, out = sys.argv[1:5]
data = open(stream, "rb").read()
comment = open(comment_file).read().strip().splitlines()
with open(out, "w") as f:
    for line in comment:
        f.write(("// " + line).rstrip() + "\n")
    f.write("// %d bytes. Regenerate with capture.sh and to_inc.py (this folder).\n" % len(data))
    f.write("#pragma once\n\n#include <cstdint>\n\n")
    f.write("inline constexpr std::uint8_t %s[] = {\n" % name)
    for i in range(0, len(data), 16):
        f.write("    " + ", ".join("0x%02x" % b for b in data[i:i + 16]) + ",\n")
    f.write("};\n")
