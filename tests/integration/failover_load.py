#!/usr/bin/env python3
"""Agencies' load on several hub nodes for hub_failover.sh: what a client
of a hub cluster does when one node dies or the database is away.

  submit  N notices (references F-0 .. F-N-1, person i % PEOPLE) in batches,
          one thread per agency key, batch k to node k % NODES first; a
          refused connection or a 5xx sends the same batch to the next
          node (the references make a resend harmless), after the
          Retry-After a 503 names. Every acknowledged result goes to
          ACKS as one JSON line {reference, notice, agency, duplicate}.
  events  reads notice ids (one per line) on stdin and reports EVENT for
          them as agency KEY, in batches, over the nodes the same way.

Counts what it saw (503s, 503s without Retry-After, refused connections,
other errors) and prints them as one JSON line on stdout at the end.
Usage: failover_load.py submit NODES KEYS CIS N BATCH ACKS [PAUSE]
       failover_load.py events NODES KEY EVENT BATCH
NODES: comma-separated base URLs; KEYS: comma-separated agency keys;
CIS: a file of CIs, one per person (line)."""
import json
import sys
import threading
import time
import urllib.error
import urllib.request

lock = threading.Lock()
seen = {"ok": 0, "s503": 0, "s503_no_retry_after": 0, "refused": 0, "other": 0, "gave_up": 0}


def count(what):
    with lock:
        seen[what] += 1


def post(url, key, body):
    """One POST: (status, headers, parsed body or None); status 0 when the
    connection failed."""
    req = urllib.request.Request(url, data=body, method="POST", headers={
        "Authorization": "Bearer " + key, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.headers, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, e.headers, None
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return 0, {}, None


def deliver(nodes, first, path, key, body, deadline_s=300):
    """Sends the batch until one node answers 200; returns its JSON."""
    i, t0 = first, time.time()
    while time.time() - t0 < deadline_s:
        status, headers, answer = post(nodes[i % len(nodes)] + path, key, body)
        if status == 200:
            count("ok")
            return answer
        if status == 503:
            count("s503")
            ra = headers.get("Retry-After")
            if ra is None:
                count("s503_no_retry_after")
            time.sleep(min(float(ra or 1), 2))
        elif status == 0:
            count("refused")
            time.sleep(0.05)
        else:
            count("other")
            print(f"# {path} at {nodes[i % len(nodes)]}: HTTP {status}", file=sys.stderr)
            time.sleep(0.2)
        i += 1
    count("gave_up")
    return None


def submit(nodes, keys, cis, n, batch, acks, pause):
    out = open(acks, "a")
    batches = [list(range(s, min(n, s + batch))) for s in range(0, n, batch)]

    def agency(a, key):
        for k in range(a, len(batches), len(keys)):
            items = [{"reference": f"F-{i}", "ci": cis[i % len(cis)], "title": "failover",
                      "doc_sha256": "ab" * 32, "deadline": "2030-12-31",
                      "link": f"http://127.0.0.1:7004/d/{i}"} for i in batches[k]]
            answer = deliver(nodes, k, "/v1/notices", key, json.dumps({"notices": items}).encode())
            if answer is None:
                continue
            lines = [json.dumps({"reference": r.get("reference"), "notice": r.get("notice"), "agency": a,
                                 "duplicate": r.get("duplicate"), "error": r.get("error")}) + "\n"
                     for r in answer.get("results", [])]
            with lock:
                out.writelines(lines)
                out.flush()
            time.sleep(pause)

    threads = [threading.Thread(target=agency, args=(a, k)) for a, k in enumerate(keys)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def events(nodes, key, event, batch):
    ids = [l.strip() for l in sys.stdin if l.strip()]
    for k, s in enumerate(range(0, len(ids), batch)):
        body = {"events": [{"notice": i, "event": event} for i in ids[s:s + batch]]}
        deliver(nodes, k, "/v1/events", key, json.dumps(body).encode())


def main():
    if len(sys.argv) >= 8 and sys.argv[1] == "submit":
        nodes, keys = sys.argv[2].split(","), sys.argv[3].split(",")
        cis = open(sys.argv[4]).read().split()
        submit(nodes, keys, cis, int(sys.argv[5]), int(sys.argv[6]), sys.argv[7],
               float(sys.argv[8]) if len(sys.argv) > 8 else 0)
    elif len(sys.argv) == 6 and sys.argv[1] == "events":
        events(sys.argv[2].split(","), sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        sys.exit(__doc__)
    print(json.dumps(seen))


if __name__ == "__main__":
    main()
