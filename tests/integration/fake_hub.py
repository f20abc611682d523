#!/usr/bin/env python3
# A stand-in for the hub in platform.sh: accepts POST /v1/events and
# /v1/directory with the platform's bearer key, answers one result per item
# as docs/protocol.md says, and appends each received item as a JSON line
# to RECORD ("events" or "directory" in "kind"). Usage: fake_hub.py PORT
# KEYHASH_HEX RECORD
import hashlib, hmac, json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, key_hash, record = int(sys.argv[1]), sys.argv[2], sys.argv[3]
PATHS = {"/v1/events": ("events", "notice", "recorded"), "/v1/directory": ("entries", "rk", "ok")}

class Hub(BaseHTTPRequestHandler):
    def answer(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        auth = self.headers.get("Authorization", "")
        given = hashlib.sha256(auth[7:].encode()).hexdigest() if auth.startswith("Bearer ") else ""
        if not hmac.compare_digest(given, key_hash):
            return self.answer(401, {"error": "missing or unknown API key"})
        if self.path not in PATHS:
            return self.answer(404, {"error": "no such endpoint"})
        key, idf, status = PATHS[self.path]
        batch = json.loads(body)
        # protocol.md, "Common fields": an item's own field wins.
        items = [{**batch.get("common", {}), **it} for it in batch[key]]
        with open(record, "a") as f:
            for it in items:
                f.write(json.dumps(dict(it, kind=key)) + "\n")
        self.answer(200, {"results": [{idf: it.get(idf), "status": status} for it in items]})

    def log_message(self, *a):
        pass

srv = ThreadingHTTPServer(("127.0.0.1", port), Hub)
print(f"listening on 127.0.0.1:{port} (port {port})", file=sys.stderr, flush=True)
srv.serve_forever()
