#!/usr/bin/env python3
# A stand-in for the hub, for tests/integration/agency.sh: just enough of
# docs/protocol.md (POST /v1/notices idempotent per reference, POST
# /v1/events recorded, GET /v1/changes) to test the agency alone. The end
# to end test runs the real hub. Test-only controls: POST /test/postal
# {"reference":R} adds a postal change; POST /test/fast {"delay_ms":N}
# makes later submissions land in the feed as received at once and be
# answered only N ms later (a hub whose relay beats its own answer);
# GET /test/state shows everything. POST /test/change {"reference":R,
# "state":S} adds any change to the feed; GET /v1/notices/{id}/certificate
# (and .pdf) answer a stand-in certificate. POST /v1/cancellations ends
# an unread notice (state cancelled, and a change in the feed). A notice
# whose title starts "Refused by the hub" gets a per-item error.
import json, sys, threading, time, uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs

KEY = sys.argv[1]
lock = threading.Lock()
def shared(body, key):
    """The items of a batch with its "common" fields filled in (protocol.md)."""
    return [{**body.get("common", {}), **item} for item in body[key]]

def uuid7():
    """A UUIDv7-shaped id, as the real hub makes them (48-bit ms, version 7)."""
    import os, time
    b = bytearray(int(time.time() * 1000).to_bytes(6, "big") + os.urandom(10))
    b[6] = (b[6] & 0x0F) | 0x70
    b[8] = (b[8] & 0x3F) | 0x80
    return str(uuid.UUID(bytes=bytes(b)))


notices = {}       # reference -> {"notice", "state", submitted fields but the CI}
submissions = []   # every item ever POSTed (reference), duplicates included
commons = []       # the "common" of each submission batch that had one
events = []
payments = []     # every POST /v1/payments body
changes = []
fast = {"delay_ms": 0}

class Hub(BaseHTTPRequestHandler):
    def reply(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def authorised(self):
        if self.headers.get("Authorization") == "Bearer " + KEY or self.path.startswith("/test/"):
            return True
        self.reply(401, {"error": "missing or unknown API key"})
        return False

    def body(self):
        return json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")

    def notice(self, n):
        ref = n.get("reference")
        submissions.append(ref)
        if not isinstance(n.get("ci"), str) or len(n["ci"]) != 88:
            return {"reference": ref, "error": "ci must be 88 characters"}
        if str(n.get("title", "")).startswith("Refused by the hub"):
            return {"reference": ref, "error": "title refused by the stand-in hub"}
        if ref in notices:
            return {"reference": ref, "notice": notices[ref]["notice"],
                    "state": notices[ref]["state"], "duplicate": True}
        rec = {k: v for k, v in n.items() if k != "ci"}
        rec.update(notice=uuid7(), state="accepted")
        notices[ref] = rec
        if fast["delay_ms"]:
            rec["state"] = "received"
            changes.append({"seq": len(changes) + 1, "notice": rec["notice"], "reference": ref,
                            "state": "received", "at": "2026-11-27T08:00:00.000Z"})
        return {"reference": ref, "notice": rec["notice"], "state": "accepted", "duplicate": False}

    def do_POST(self):
        if not self.authorised():
            return
        b = self.body()
        if self.path == "/v1/notices":
            with lock:
                if "common" in b:
                    commons.append(b["common"])
                results = [self.notice(n) for n in shared(b, "notices")]
                delay = fast["delay_ms"]
            time.sleep(delay / 1000)  # the feed is served meanwhile
            return self.reply(200, {"results": results})
        with lock:
            if self.path == "/test/fast":
                fast["delay_ms"] = int(b["delay_ms"])
                return self.reply(200, {"ok": True})
            if self.path == "/v1/events":
                events.extend(shared(b, "events"))
                return self.reply(200, {"results": [{"notice": e["notice"], "status": "recorded"}
                                                    for e in b["events"]]})
            if self.path == "/v1/cancellations":
                out = []
                for c in b["cancellations"]:
                    rec = notices.get(c["reference"])
                    if not rec:
                        out.append({"reference": c["reference"], "error": "unknown reference"})
                        continue
                    final = rec["state"] in ("read", "postal")
                    if not final:
                        rec["state"] = "cancelled"
                        changes.append({"seq": len(changes) + 1, "notice": rec["notice"],
                                        "reference": c["reference"], "state": "cancelled",
                                        "at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())})
                    out.append({"reference": c["reference"], "notice": rec["notice"],
                                "status": "recorded" if final else "cancelled", "state": rec["state"]})
                return self.reply(200, {"results": out})
            if self.path == "/v1/payments":
                rec = notices.get(b.get("reference"))
                if not rec:
                    return self.reply(404, {"error": "no notice with reference %s" % b.get("reference")})
                payments.append(b)
                return self.reply(200, {"notice": rec["notice"], "reference": b["reference"],
                                        "status": "recorded"})
            if self.path == "/test/change":
                rec = notices[b["reference"]]
                rec["state"] = b["state"]
                changes.append({"seq": len(changes) + 1, "notice": rec["notice"],
                                "reference": b["reference"], "state": b["state"],
                                "at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())})
                return self.reply(200, {"ok": True})
            if self.path == "/test/postal":
                rec = notices[b["reference"]]
                rec["state"] = "postal"
                changes.append({"seq": len(changes) + 1, "notice": rec["notice"],
                                "reference": b["reference"], "state": "postal",
                                "at": "2026-11-27T08:00:00.000Z"})
                return self.reply(200, {"ok": True})
        self.reply(404, {"error": "no such endpoint"})

    def do_GET(self):
        if not self.authorised():
            return
        u = urlparse(self.path)
        q = parse_qs(u.query)
        with lock:
            if u.path == "/v1/changes":
                after = int(q.get("after", ["0"])[0])
                page = [c for c in changes if c["seq"] > after][:int(q.get("limit", ["1000"])[0])]
                return self.reply(200, {"changes": page, "next": page[-1]["seq"] if page else after})
            by_id = {r["notice"]: (ref, r) for ref, r in notices.items()}
            parts = u.path.split("/")
            if len(parts) == 5 and parts[:3] == ["", "v1", "notices"] and parts[4] in (
                    "certificate", "certificate.pdf") and parts[3] in by_id:
                if parts[4] == "certificate.pdf":
                    pdf = b"%PDF-1.4 stand-in certificate " + parts[3].encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/pdf")
                    self.send_header("Content-Length", str(len(pdf)))
                    self.end_headers()
                    self.wfile.write(pdf)
                    return
                return self.reply(200, {"notice": parts[3], "leaves": [], "sth": {}})
            if len(parts) == 4 and parts[:3] == ["", "v1", "notices"] and parts[3] in by_id:
                ref, r = by_id[parts[3]]
                return self.reply(200, {"notice": parts[3], "reference": ref, "state": r["state"],
                                        "events": [{"event": "SubmissionAcceptance",
                                                    "at": "2026-11-27T08:00:00.000Z",
                                                    "actor": "hub", "reason": None}]})
            if u.path == "/test/state":
                return self.reply(200, {"notices": notices, "submissions": submissions,
                                        "commons": commons,
                                        "events": events, "payments": payments})
        self.reply(404, {"error": "no such endpoint"})

    def log_message(self, fmt, *args):
        sys.stderr.write("stub-hub: " + fmt % args + "\n")

srv = ThreadingHTTPServer(("127.0.0.1", 0), Hub)
port = srv.server_address[1]
sys.stderr.write("listening on 127.0.0.1:%d (port %d)\n" % (port, port))
sys.stderr.flush()
srv.serve_forever()
