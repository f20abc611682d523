#!/usr/bin/env python3
"""Writes N synthetic, valid RRNs (one per line, with hyphen) to stdout.

Benchmarks and the demo need many plausible numbers; these follow docs/design.md
section 2 (real dates, century digit, check digit) but belong to nobody."""
import random
import sys

WEIGHTS = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]


def rrn(rng):
    year = rng.randint(1930, 2019)
    month = rng.randint(1, 12)
    day = rng.randint(1, 28)
    s = (1 if year < 2000 else 3) + rng.randint(0, 1)
    body = f"{year % 100:02d}{month:02d}{day:02d}{s}{rng.randint(0, 99999):05d}"
    check = (11 - sum(int(c) * w for c, w in zip(body, WEIGHTS)) % 11) % 10
    return f"{body[:6]}-{body[6:]}{check}"


def main():
    n = int(sys.argv[1])
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    out = sys.stdout
    chunk = []
    for i in range(n):
        chunk.append(rrn(rng))
        if len(chunk) == 10000:
            out.write("\n".join(chunk) + "\n")
            chunk = []
    if chunk:
        out.write("\n".join(chunk) + "\n")


if __name__ == "__main__":
    main()
