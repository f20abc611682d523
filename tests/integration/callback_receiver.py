#!/usr/bin/env python3
# A back office's callback receiver for tests/integration/agency_api.sh:
# checks each POST's Herald-Signature (HMAC-SHA-256 over "<t>." + body
# with the key given, as docs/protocol.md says) and Herald-Key-Id, answers
# HTTP 500 to the first FAIL posts and 200 after, and keeps every event
# of the posts it accepted, in arrival order. GET /received shows them,
# and when each post came (post_ms). With RETRY_AFTER=S, the second of
# the refusals is a 429 with Retry-After: S instead.
# With PATH_ONLY set, a POST to any other path is answered 404 (and
# counted), as a web framework routes "/callbacks/" apart from "/callbacks".
# Under the test clock (HERALD_CLOCK_FILE, as the roles read it) its own
# "now" for the signature's age moves with theirs.
# Usage: callback_receiver.py KEY KEY_ID FAIL [PORT]
import hashlib, hmac, json, os, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KEY, KEY_ID, FAIL = sys.argv[1].encode(), sys.argv[2], int(sys.argv[3])
lock = threading.Lock()
state = {"posts": 0, "refused": 0, "bad_signatures": 0, "wrong_paths": 0, "events": [], "key_ids": [],
         "post_ms": []}

def now_ms():
    path = os.environ.get("HERALD_CLOCK_FILE")
    offset = 0
    if path:
        try:
            offset = int(open(path).read().strip() or 0)
        except (OSError, ValueError):
            pass
    return time.time() * 1000 + offset

def signature_ok(header, body):
    parts = dict(p.split("=", 1) for p in (header or "").split(",") if "=" in p)
    if "t" not in parts or "v1" not in parts:
        return False
    if abs(now_ms() - int(parts["t"])) > 5 * 60 * 1000:
        return False
    want = hmac.new(KEY, parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(want, parts["v1"])

class Receiver(BaseHTTPRequestHandler):
    def reply(self, status, obj, retry_after=None):
        body = json.dumps(obj).encode()
        self.send_response(status)
        if retry_after is not None:
            self.send_header("Retry-After", retry_after)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with lock:
            state["posts"] += 1
            state["post_ms"].append(int(time.time() * 1000))
            state["key_ids"].append(self.headers.get("Herald-Key-Id"))
            if os.environ.get("PATH_ONLY") and self.path != os.environ["PATH_ONLY"]:
                state["wrong_paths"] += 1
                return self.reply(404, {"error": "no such path"})
            if not signature_ok(self.headers.get("Herald-Signature"), body):
                state["bad_signatures"] += 1
                return self.reply(401, {"error": "bad signature"})
            if state["refused"] < FAIL:
                state["refused"] += 1
                if state["refused"] == 2 and os.environ.get("RETRY_AFTER"):
                    return self.reply(429, {"error": "slow down"}, os.environ["RETRY_AFTER"])
                return self.reply(500, {"error": "try again"})
            state["events"].extend(json.loads(body)["events"])
        self.reply(200, {"ok": True})

    def do_GET(self):
        with lock:
            self.reply(200, state)

    def log_message(self, fmt, *args):
        sys.stderr.write("receiver: " + fmt % args + "\n")

srv = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[4]) if len(sys.argv) > 4 else 0), Receiver)
sys.stderr.write("listening on 127.0.0.1 (port %d)\n" % srv.server_address[1])
sys.stderr.flush()
srv.serve_forever()
