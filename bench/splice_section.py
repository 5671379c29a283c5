#!/usr/bin/env python3
"""Replaces the section NAME of a markdown file — the text between `<!-- NAME:begin -->` and
`<!-- NAME:end -->` — with stdin (appending the marked section when the file has none), so
that bench/compare.sh can rewrite each table of docs/PERFORMANCE.md in place.

    some_benchmark --markdown | bench/splice_section.py docs/PERFORMANCE.md NAME
"""
import os
import sys


def splice(path, name, text):
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    body = begin + "\n" + text.rstrip("\n") + "\n" + end
    old = open(path).read() if os.path.exists(path) else ""
    b, e = old.find(begin), old.find(end)
    if b >= 0 and e > b:
        new = old[:b] + body + old[e + len(end):]
    else:
        new = old.rstrip("\n") + ("\n\n" if old else "") + body + "\n"
    with open(path + ".tmp", "w") as f:
        f.write(new)
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    text = sys.stdin.read()
    if not text.strip():
        sys.exit(f"{sys.argv[2]}: empty input, section left unchanged")
    splice(sys.argv[1], sys.argv[2], text)
