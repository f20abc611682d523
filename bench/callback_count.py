#!/usr/bin/env python3
# A back office's callback receiver for bench/api_bulk: checks each POST's
# Herald-Signature (HMAC-SHA-256 over "<t>." + body, docs/agency-api.yaml)
# and answers 200, keeping only counts: events by state, the notices
# (references) that had one, and when the first and the latest event
# arrived (Unix seconds). GET / shows them.
# Usage: callback_count.py KEY   (prints "listening on 127.0.0.1 (port N)")
import hashlib, hmac, json, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KEY = sys.argv[1].encode()
lock = threading.Lock()
state = {"posts": 0, "bad_signatures": 0, "events": 0, "notices": 0, "states": {},
         "first": 0.0, "last": 0.0}
seen = set()  # the references that had an event

def signature_ok(header, body):
    parts = dict(p.split("=", 1) for p in (header or "").split(",") if "=" in p)
    if "t" not in parts or "v1" not in parts:
        return False
    want = hmac.new(KEY, parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(want, parts["v1"])

class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the sender reuses its connection
    # The status line and headers go in one write and the body in a
    # second: with Nagle's algorithm on, the second waited for the
    # sender's delayed ACK, 40 ms a POST on a kept-alive connection.
    disable_nagle_algorithm = True

    def reply(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if not signature_ok(self.headers.get("Herald-Signature"), body):
            with lock:
                state["bad_signatures"] += 1
            return self.reply(401, {"error": "bad signature"})
        events = json.loads(body)["events"]
        now = time.time()
        with lock:
            state["posts"] += 1
            state["events"] += len(events)
            for e in events:
                state["states"][e["state"]] = state["states"].get(e["state"], 0) + 1
                seen.add(e["reference"])
            state["notices"] = len(seen)
            state["first"] = state["first"] or now
            state["last"] = now
        self.reply(200, {"ok": True})

    def do_GET(self):
        with lock:
            self.reply(200, state)

    def log_message(self, fmt, *args):
        pass

srv = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
sys.stderr.write("listening on 127.0.0.1 (port %d)\n" % srv.server_address[1])
sys.stderr.flush()
srv.serve_forever()
