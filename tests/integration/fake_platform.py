#!/usr/bin/env python3
"""A stand-in platform for tests/integration/hub.sh: answers the hub's
POST /v1/relay, accepting the rks listed (one per line) in MEMBERS_FILE and
rejecting the others as "not a member / 회원 아님" (a reason ending in a
character of more than one byte), and appends each relayed notice as
one JSON line to LOG_FILE. Checks the hub's bearer key. With RECEIVED=1
in the environment an acceptance says since when the notice is in the
inbox ("received"), as herald's platforms answer; without it the platform
is one that reports ContentConsignment separately. With REPORT_HUB (the
hub's URL) and REPORT_KEY (this platform's key) it reports REPORT_EVENT
(default ContentConsignment) for the notices it accepts before it answers
the relay, as a fast platform may while the hub still waits for the answer.
With STALL_PATHS (comma-separated paths, say /v1/remind) it takes those
calls, appends their paths to LOG_FILE.stalled and never answers them.
While LOG_FILE.reject exists, its text is the reason of every rejection.
While LOG_FILE.bloat exists, relay answers carry 4 MiB of padding.
POST /v1/withdraw answers each item "withdrawn", or the word in
LOG_FILE.withdraw while it exists, and appends the items to
LOG_FILE.withdrawn.
Usage: fake_platform.py PORT HUB_KEY MEMBERS_FILE LOG_FILE"""
import json, os, sys, time, urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, hub_key, members_file, log_file = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
reject_file = log_file + ".reject"
withdraw_file = log_file + ".withdraw"

def report_first(notices):
    event = os.environ.get("REPORT_EVENT", "ContentConsignment")
    events = [{"notice": n, "event": event, "reason": None} for n in notices]
    req = urllib.request.Request(os.environ["REPORT_HUB"] + "/v1/events",
                                 data=json.dumps({"events": events}).encode(),
                                 headers={"Authorization": "Bearer " + os.environ["REPORT_KEY"],
                                          "Content-Type": "application/json"})
    with open(log_file + ".reports", "a") as log:
        log.write(urllib.request.urlopen(req, timeout=10).read().decode() + "\n")

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
        if self.path in os.environ.get("STALL_PATHS", "").split(","):
            with open(log_file + ".stalled", "a") as f:
                f.write(self.path + "\n")
            time.sleep(3600)
            return
        if self.path == "/v1/withdraw":
            status = "withdrawn"
            if os.path.exists(withdraw_file):
                status = open(withdraw_file, encoding="utf-8").read().strip()
            items = json.loads(body)["withdrawals"]
            with open(log_file + ".withdrawn", "a") as f:
                f.write("".join(json.dumps(w) + "\n" for w in items))
            return self.answer(200, {"results": [{"notice": w["notice"], "status": status}
                                                 for w in items]})
        if self.path != "/v1/relay":
            return self.answer(404, {"error": "no such endpoint"})
        members = set(open(members_file).read().split())
        results = []
        lines = []
        batch = json.loads(body)
        if "common" in batch:  # what the hub stated once, for the tests to see
            with open(log_file + ".common", "a") as f:
                f.write(json.dumps(batch["common"]) + "\n")
        # protocol.md, "Common fields": an item's own field wins.
        for n in [{**batch.get("common", {}), **item} for item in batch["notices"]]:
            lines.append(json.dumps(n) + "\n")
            if n["rk"] in members:
                results.append({"notice": n["notice"], "status": "accepted"})
                if os.environ.get("RECEIVED") == "1":
                    results[-1]["received"] = "2026-11-27T08:00:00.000Z"
            else:
                reason = "not a member / 회원 아님"
                if os.path.exists(reject_file):
                    reason = open(reject_file, encoding="utf-8").read()
                results.append({"notice": n["notice"], "status": "rejected", "reason": reason})
        # One write per call: two calls at once (two relay workers) must
        # not interleave inside a line.
        fd = os.open(log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.write(fd, "".join(lines).encode())
        os.close(fd)
        accepted = [r["notice"] for r in results if r["status"] == "accepted"]
        if accepted and os.environ.get("REPORT_HUB"):
            report_first(accepted)
        answer = {"results": results}
        if os.path.exists(log_file + ".bloat"):  # an answer far longer than any genuine one
            answer["padding"] = "x" * (4 << 20)
        self.answer(200, answer)

    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", port), Relay)
print(f"listening on 127.0.0.1:{port} (port {server.server_address[1]})",
      file=sys.stderr, flush=True)
server.serve_forever()
