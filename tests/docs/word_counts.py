#!/usr/bin/env python3
"""Each shelf-ready piece is 600-800 words (issue 16 §2).

A word is a whitespace-separated token with a letter or digit in it, counted in everything
a reader reads, commands included; HTML comments (test markers) and the closing
"## Sources" section (the citations) are left out. Checked: every docs/guides/*.md, the
white paper docs/know-your-dicom-network.md and docs/threat-model.md.

usage: word_counts.py SOURCE_DIR [FILE...]  (no FILE: the default set above)
"""
import re
import sys
from pathlib import Path

LOW, HIGH = 600, 800


def prose_words(text):
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    text = re.split(r"^## Sources\s*$", text, flags=re.M)[0]
    return sum(1 for w in text.split() if re.search(r"[A-Za-z0-9]", w))


def main():
    source = Path(sys.argv[1])
    files = [source / f for f in sys.argv[2:]] or sorted((source / "docs" / "guides").glob("*.md")) + [
        source / "docs" / "know-your-dicom-network.md", source / "docs" / "threat-model.md"]
    bad = []
    for f in files:
        if not f.exists():
            bad.append(f"{f.relative_to(source)}: missing")
            continue
        n = prose_words(f.read_text())
        ok = LOW <= n <= HIGH
        print(f"[{'ok' if ok else 'FAIL'}] {f.relative_to(source)}: {n} words")
        if not ok:
            bad.append(f"{f.relative_to(source)}: {n} words, outside {LOW}-{HIGH}")
    for b in bad:
        print("FAILED " + b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
