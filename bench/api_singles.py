#!/usr/bin/env python3
"""K clients posting single notices to POST /v1/notices back to back for S
seconds, each on a keep-alive connection of its own (bench/api_singles).

Usage: api_singles.py URL KEY K S DEADLINE. Prints one JSON line."""
import http.client
import json
import random
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, sys.path[0])
from gen_rrns import rrn  # noqa: E402


def client(url, key, deadline, until, seed, out):
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    rng = random.Random(seed)
    n = 0
    while time.monotonic() < until:
        n += 1
        body = json.dumps({
            "template": "bench", "reference": f"s{seed}-{n}", "rrn": rrn(rng),
            "name": "홍길동", "address": "서울특별시 종로구 세종대로 209",
            "personalisation": {"amount": "125,000"}, "title": "자동차세",
            "deadline": deadline})
        t0 = time.monotonic()
        try:
            conn.request("POST", "/v1/notices", body, {
                "Authorization": f"Bearer {key}", "Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            status = resp.status
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
            status = 0
        out.append((status, (time.monotonic() - t0) * 1000))


def main():
    url, key, k, s, deadline = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
    start = time.monotonic()
    until = start + s
    results = [[] for _ in range(k)]
    threads = [threading.Thread(target=client, args=(url, key, deadline, until, i, results[i]))
               for i in range(k)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - start
    every = [r for rs in results for r in rs]
    times = sorted(ms for _, ms in every)
    by = {}
    for st, _ in every:
        by[str(st)] = by.get(str(st), 0) + 1

    def pct(p):
        return round(times[min(len(times) - 1, int(p * len(times)))], 1) if times else None
    print(json.dumps({"clients": k, "seconds": round(took, 1), "posted": len(every),
                      "per_s": round(len(every) / took, 1), "by_status": by,
                      "p50_ms": pct(0.5), "p99_ms": pct(0.99),
                      "max_ms": round(times[-1], 1) if times else None}))


if __name__ == "__main__":
    main()
