#!/usr/bin/env python3
"""A connection flood and a probe, for tests/integration/flood.sh and
bench/flood: real TCP connections from chosen loopback addresses.

  flood.py hold  --port P --sources 127.0.0.2,127.0.0.3 --per-source N
                 [--reconnect] [--seconds S]
      Opens N idle connections (nothing sent) from each source, prints one
      JSON line {"opened":..,"failed":..}, then every second
      {"t":..,"open":{"SRC":n,..},"closed_by_server":n}. With --reconnect,
      each connection the server closes is opened again (an attacker who
      keeps the flood up). Stops after S seconds or at SIGTERM.
  flood.py probe --port P --source 127.0.0.7 --count K [--path /v1/health]
      K requests one after another, each on a fresh connection, and prints
      {"count":K,"ok":n,"p50_ms":..,"p99_ms":..,"max_ms":..}.
  flood.py keepalive --port P --source 127.0.0.9 --path /v1/health
                 [--key KEY] [--wait S]
      One request on a connection kept open (with the API key as a bearer
      token if given), then waits for the server to close it: prints
      {"status":..,"closed_after_s":..} (null when still open after S s).
  flood.py trickle --port P --source 127.0.0.8 --every S
      Sends a request head one byte every S seconds (never silent for
      long, never complete) and prints {"closed_after_s":..} once the
      server closes it (or {"closed_after_s":null} after 60 s).
  flood.py trickle-body --port P --source 127.0.0.8 --rate B --bytes N
                 [--seconds S]
      POSTs /v1/notices declaring a body of 60,000,000 bytes, then sends
      its bytes at B a second (in 0.25 s steps) until N are sent, S
      seconds (20) have passed or the server closes the connection: prints
      {"closed_after_s":..,"sent":..}, closed_after_s null when it was not
      closed.
"""
import argparse
import json
import resource
import selectors
import signal
import socket
import sys
import time


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def connect(src, port, timeout=3.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((src, 0))
    try:
        s.connect(("127.0.0.1", port))
    except OSError:
        s.close()
        return None
    s.setblocking(False)
    return s


def hold(a):
    raise_nofile()
    sources = a.sources.split(",")
    sel = selectors.DefaultSelector()
    opened = failed = closed = 0
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))

    def open_one(src):
        nonlocal opened, failed
        s = connect(src, a.port)
        if s is None:
            failed += 1
            return
        opened += 1
        sel.register(s, selectors.EVENT_READ, src)

    def reap(timeout):
        nonlocal closed
        for key, _ in sel.select(timeout):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if data:
                continue  # an answer we never asked for: keep holding
            sel.unregister(s)
            s.close()
            closed += 1
            if a.reconnect and not stop:
                open_one(key.data)

    for _ in range(a.per_source):
        for src in sources:
            open_one(src)
        reap(0)
    print(json.dumps({"opened": opened, "failed": failed}), flush=True)
    t0 = time.monotonic()
    last = 0.0
    while not stop and time.monotonic() - t0 < a.seconds:
        reap(0.1)
        now = time.monotonic() - t0
        if now - last >= 1.0:
            last = now
            counts = {src: 0 for src in sources}
            for key in sel.get_map().values():
                counts[key.data] += 1
            print(json.dumps({"t": round(now, 1), "open": counts, "closed_by_server": closed,
                              "opened": opened}), flush=True)


def percentile(sorted_ms, q):
    if not sorted_ms:
        return None
    return sorted_ms[min(len(sorted_ms) - 1, int(q * len(sorted_ms)))]


def probe(a):
    req = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" % a.path).encode()
    times, ok = [], 0
    for _ in range(a.count):
        t0 = time.monotonic()
        answer = b""
        s = connect(a.source, a.port, timeout=a.timeout)
        if s is not None:
            s.settimeout(a.timeout)
            try:
                s.sendall(req)
                while True:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    answer += chunk
            except OSError:
                pass
            s.close()
        times.append((time.monotonic() - t0) * 1000)
        if answer.startswith(b"HTTP/1.1 200") and b'"status":"ok"' in answer:
            ok += 1
    times.sort()
    r = lambda v: None if v is None else round(v, 2)
    print(json.dumps({"count": a.count, "ok": ok, "p50_ms": r(percentile(times, 0.5)),
                      "p99_ms": r(percentile(times, 0.99)), "max_ms": r(times[-1])}),
          flush=True)


def trickle(a):
    s = connect(a.source, a.port)
    if s is None:
        print(json.dumps({"closed_after_s": 0}))
        return
    head = b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 200
    t0 = time.monotonic()
    s.setblocking(True)
    s.settimeout(a.every)
    for byte in head:
        try:
            s.send(bytes([byte]))
            if s.recv(1) == b"":
                break
        except socket.timeout:
            pass  # the server still holds it: another byte
        except OSError:
            break
        if time.monotonic() - t0 > 60:
            print(json.dumps({"closed_after_s": None}))
            return
    print(json.dumps({"closed_after_s": round(time.monotonic() - t0, 1)}))


def trickle_body(a):
    s = connect(a.source, a.port)
    if s is None:
        print(json.dumps({"closed_after_s": 0, "sent": 0, "status": None}))
        return
    s.sendall(b"POST /v1/notices HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              b"Content-Type: application/json\r\nContent-Length: 60000000\r\n\r\n")
    t0, sent, closed = time.monotonic(), 0, None
    step = max(1, int(a.rate / 4))
    s.setblocking(True)
    s.settimeout(0.25)
    while sent < a.bytes and time.monotonic() - t0 < a.seconds:
        try:
            s.sendall(b"x" * min(step, a.bytes - sent))
            sent += min(step, a.bytes - sent)
            if s.recv(4096) == b"":
                closed = time.monotonic() - t0
                break
        except socket.timeout:
            pass  # nothing to read: the server still takes it
        except OSError:
            closed = time.monotonic() - t0
            break
    s.close()
    print(json.dumps({"closed_after_s": None if closed is None else round(closed, 1),
                      "sent": sent}))


def read_response(s):
    """The status of one HTTP/1.1 response with a Content-Length, read whole."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            return None
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = s.recv(4096)
        if not chunk:
            return None
        body += chunk
    return int(head.split(b" ")[1])


def keepalive(a):
    s = connect(a.source, a.port)
    auth = "Authorization: Bearer %s\r\n" % a.key if a.key else ""
    s.setblocking(True)
    s.settimeout(5)
    s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n" % (a.path, auth)).encode())
    status = read_response(s)
    t0 = time.monotonic()
    s.settimeout(a.wait)
    try:
        closed = s.recv(1) == b""
    except socket.timeout:
        closed = False
    except OSError:
        closed = True
    after = round(time.monotonic() - t0, 1) if closed else None
    print(json.dumps({"status": status, "closed_after_s": after}))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="mode", required=True)
    h = sub.add_parser("hold")
    h.add_argument("--port", type=int, required=True)
    h.add_argument("--sources", required=True)
    h.add_argument("--per-source", type=int, default=400)
    h.add_argument("--reconnect", action="store_true")
    h.add_argument("--seconds", type=float, default=600)
    q = sub.add_parser("probe")
    q.add_argument("--port", type=int, required=True)
    q.add_argument("--source", required=True)
    q.add_argument("--count", type=int, default=100)
    q.add_argument("--path", default="/v1/health")
    q.add_argument("--timeout", type=float, default=5.0)
    t = sub.add_parser("trickle")
    t.add_argument("--port", type=int, required=True)
    t.add_argument("--source", required=True)
    t.add_argument("--every", type=float, default=1.0)
    b = sub.add_parser("trickle-body")
    b.add_argument("--port", type=int, required=True)
    b.add_argument("--source", required=True)
    b.add_argument("--rate", type=float, required=True)
    b.add_argument("--bytes", type=int, required=True)
    b.add_argument("--seconds", type=float, default=20.0)
    k = sub.add_parser("keepalive")
    k.add_argument("--port", type=int, required=True)
    k.add_argument("--source", required=True)
    k.add_argument("--path", default="/v1/health")
    k.add_argument("--key")
    k.add_argument("--wait", type=float, default=30)
    a = p.parse_args()
    {"hold": hold, "probe": probe, "trickle": trickle, "trickle-body": trickle_body,
     "keepalive": keepalive}[a.mode](a)


if __name__ == "__main__":
    sys.exit(main())
