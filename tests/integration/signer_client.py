#!/usr/bin/env python3
"""Speaks to `herald signer` as the hub would, or as a hub gone wrong
would, for tests/integration/signer.sh: one request per connection on the
SOCK_SEQPACKET socket (src/evidence/sth_request.h has the layout), and
prints the answer as one JSON line {"status","has_last","last_size",
"last_ts","reason"} (status 0 signed, 1 refused, 2 prove again from the
last head, 3 malformed), or {"status":"none"} when the signer closed
without answering.
Usage: signer_client.py SOCKET head TIMESTAMP_MS TREE_SIZE ROOT_HEX OLD_SIZE [PROOF_HEX...]
       signer_client.py SOCKET raw HEX"""
import json, socket, struct, sys

path, kind = sys.argv[1], sys.argv[2]
if kind == "head":
    ts, size, root, old = int(sys.argv[3]), int(sys.argv[4]), bytes.fromhex(sys.argv[5]), int(sys.argv[6])
    proof = b"".join(bytes.fromhex(h) for h in sys.argv[7:])
    msg = b"HSR1" + struct.pack(">QQ", ts, size) + root + struct.pack(">QB", old, len(proof) // 32) + proof
else:
    msg = bytes.fromhex(sys.argv[3])
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(5)
s.connect(path)
try:
    s.send(msg)
    a = s.recv(4096)
except (BrokenPipeError, ConnectionResetError, socket.timeout):
    a = b""
if len(a) < 119:
    print(json.dumps({"status": "none"}))
    sys.exit(0)
last_ts, last_size = struct.unpack(">QQ", a[70:86])
print(json.dumps({"status": a[4], "has_last": a[5], "last_size": last_size, "last_ts": last_ts,
                  "last_root": a[86:118].hex(), "reason": a[119:119 + a[118]].decode()}))
