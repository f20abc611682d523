#!/usr/bin/env python3
"""A stand-in platform for tests/integration/hub.sh: answers the hub's
POST /v1/relay, accepting the rks listed (one per line) in MEMBERS_FILE and
rejecting the others as "not a member", and appends each relayed notice as
one JSON line to LOG_FILE. Checks the hub's bearer key. Usage:
fake_platform.py PORT HUB_KEY MEMBERS_FILE LOG_FILE"""
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, hub_key, members_file, log_file = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]

class Relay(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.headers.get("Authorization") != "Bearer " + hub_key:
            return self.answer(401, {"error": "missing or unknown API key"})
        if self.path != "/v1/relay":
            return self.answer(404, {"error": "no such endpoint"})
        members = set(open(members_file).read().split())
        results = []
        with open(log_file, "a") as log:
            for n in json.loads(body)["notices"]:
                log.write(json.dumps(n) + "\n")
                if n["rk"] in members:
                    results.append({"notice": n["notice"], "status": "accepted"})
                else:
                    results.append({"notice": n["notice"], "status": "rejected",
                                    "reason": "not a member"})
        self.answer(200, {"results": results})

    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", port), Relay)
print(f"listening on 127.0.0.1:{port} (port {server.server_address[1]})",
      file=sys.stderr, flush=True)
server.serve_forever()
