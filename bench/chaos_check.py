#!/usr/bin/env python3
# chaos_check.py -- the counts of a chaos run (bench/chaos_lib.sh), read
# from the roles' own SQLite files and their public endpoints once every
# role is back up, settled, and the injected clock is an hour past every
# deadline:
#   lost        a CSV row with no accepted notice at the agency; a notice
#               the agency holds that the hub does not; a notice the hub
#               says a platform took (ContentConsignment) missing from that
#               platform's inbox; a final state at the hub the agency never
#               learnt (its state differs); a notice a citizen opened
#               (chaos_read.py, --opened) that is not read at the hub
#   duplicated  a reference with two notices at the hub; a notice id on two
#               of the agency's documents; one document twice in an inbox
#               (same member, same SHA-256); a notice that reached a final
#               state twice (two final rows in the hub's changes)
#   stuck       a notice at the hub not in a final state (read, postal,
#               cancelled, paid) although the clock is an hour past its
#               deadline and past every read window the hub then gave it
#               (a next platform gets fallback_window_s after the deadline)
# and it verifies certificates with `herald verify` (every notice's up to
# --sample, a random sample of that many above it), and the consistency
# of each consecutive pair of the signed tree heads seen during the run;
# it reads every notice's evidence for leaves out of time order (which
# make its certificate invalid), beyond the sample;
# and reports what the SMSC and push gateway peers saw of the alerts (not
# counted as duplicated: a resend after an unknown outcome is allowed
# once, flagged by the platform).
# Prints one JSON line. With --moving DIR it only prints how many notices
# are still on their way (with --clock FILE, the injected clock's offset:
# or received and past their read window) or not yet known to the agency
# in their state.
import argparse
import json
import os
import random
import re
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

import sqlite3

FINAL = ("read", "postal", "cancelled", "paid")



def log_pub(d):
    """The log's public key: beside the signer when the demo runs one."""
    signer = os.path.join(d, "signer", "log.pub")
    return signer if os.path.exists(signer) else os.path.join(d, "hub", "log.pub")

def ro(path):
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)


def with_hub(d):
    db = ro(f"{d}/agency/agency.db")
    db.execute(f"ATTACH 'file:{d}/hub/hub.db?mode=ro' AS hub")
    return db


def moving(d, clock):
    db = with_hub(d)
    on_way = db.execute("SELECT count(*) FROM hub.notices WHERE state = 'accepted' OR state = 'relayed'").fetchone()[0]
    if clock:
        # Received and past its read window by the injected clock: the
        # hub's deadline round has it to do.
        now = int(time.time() * 1000) + int(open(clock).read().strip() or 0)
        on_way += db.execute("SELECT count(*) FROM hub.notices WHERE state = 'received' AND due <= ?",
                             (now,)).fetchone()[0]
    behind = db.execute("SELECT count(*) FROM documents a JOIN hub.notices h ON h.id = a.notice"
                        " WHERE a.state <> h.state").fetchone()[0]
    return on_way + behind


def one(db, sql):
    return db.execute(sql).fetchone()[0]


def one_arg(db, sql, arg):
    r = db.execute(sql, (arg,)).fetchone()
    return r[0] if r else None


def counts(d, n, opened_file):
    db = with_hub(d)
    lost, dup, why = 0, 0, []

    def note(kind, k, what):
        if k:
            why.append(f"{kind}: {k} {what}")
        return k

    accepted = one(db, "SELECT count(*) FROM documents WHERE notice IS NOT NULL")
    lost += note("lost", n - accepted, "rows of the CSV without an accepted notice at the agency")
    lost += note("lost", one(db, "SELECT count(*) FROM documents a WHERE a.notice IS NOT NULL AND NOT EXISTS"
                             " (SELECT 1 FROM hub.notices h WHERE h.id = a.notice)"),
                 "notices the agency holds that the hub does not")
    lost += note("lost", one(db, "SELECT count(*) FROM documents a JOIN hub.notices h ON h.id = a.notice"
                             " WHERE a.state <> h.state"),
                 "notices whose state at the hub the agency never learnt")
    dup += note("duplicated", one(db, "SELECT count(*) - count(DISTINCT agency || ' ' || reference) FROM hub.notices"),
                "references with a second notice at the hub")
    dup += note("duplicated", one(db, "SELECT count(notice) - count(DISTINCT notice) FROM documents"),
                "notice ids on two of the agency's documents")
    dup += note("duplicated", one(db, "SELECT count(*) FROM (SELECT notice FROM hub.changes WHERE state IN"
                              " ('read','postal','cancelled','paid') GROUP BY notice HAVING count(*) > 1)"),
                "notices that reached a final state twice")
    for p in ("messenger", "carrier"):
        db.execute(f"ATTACH 'file:{d}/platform-{p}/platform.db?mode=ro' AS p_{p}")
        lost += note("lost", one(db, f"SELECT count(*) FROM hub.relays r WHERE r.platform = '{p}'"
                                 f" AND (r.events & 64) <> 0 AND NOT EXISTS"
                                 f" (SELECT 1 FROM p_{p}.inbox i WHERE i.notice = r.notice)"),
                     f"notices the hub says {p} took, missing from its inbox")
        dup += note("duplicated", one(db, f"SELECT count(*) - count(DISTINCT notice) FROM p_{p}.inbox"),
                    f"inbox rows twice at {p}")
        dup += note("duplicated", one(db, f"SELECT count(*) FROM (SELECT 1 FROM p_{p}.inbox"
                                      f" GROUP BY member, doc_sha256 HAVING count(*) > 1)"),
                    f"documents twice in one inbox at {p}")
    opened = set(open(opened_file).read().split()) if opened_file else set()
    lost += note("lost", sum(1 for i in opened if one_arg(db, "SELECT state FROM hub.notices WHERE id = ?", i) != "read"),
                 "notices a citizen opened that are not read at the hub")
    stuck = note("stuck", one(db, "SELECT count(*) FROM hub.notices WHERE state NOT IN"
                              " ('read','postal','cancelled','paid')"),
                 "notices not final an hour past their deadline")
    states = dict(db.execute("SELECT state, count(*) FROM hub.notices GROUP BY state"))
    ids = [r[0] for r in db.execute("SELECT id FROM hub.notices")]
    return lost, dup, stuck, why, states, ids, len(opened)


def evidence_order(d):
    """Notices whose evidence leaves, in log order, do not run in time
    order: every such notice's certificate fails `herald verify`. Read
    from every leaf (inline or in the leaf file), not a sample."""
    db = ro(f"{d}/hub/hub.db")
    last, bad = {}, []
    with open(f"{d}/hub/hub.db.leaves", "rb") as lf:
        for idx, notice, leaf, off, ln in db.execute("SELECT idx, notice, leaf, off, len FROM evidence ORDER BY idx"):
            if not leaf:
                lf.seek(off)
                leaf = lf.read(ln)
            e = json.loads(leaf)
            before = last.get(notice)
            if before and e["at"] < before[1]:
                bad.append(f"{notice}: leaf {idx} {e['event']} at {e['at']} after leaf {before[0]}"
                           f" {before[2]} at {before[1]}")
            last[notice] = (idx, e["at"], e["event"])
    return bad


# The demo's roles serve TLS with self-signed keys the roles pin; the
# harness does not pin: what it checks is signed (certificates, heads).
UNPINNED = ssl._create_unverified_context()


def get(url, key=None):
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"} if key else {})
    with urllib.request.urlopen(req, timeout=30, context=UNPINNED) as r:
        return r.read()


def certificates(args, ids):
    key = open(f"{args.dir}/agency/hub.apikey").read().strip()
    sample = ids if len(ids) <= args.sample else random.Random(2026).sample(ids, args.sample)
    good, bad = 0, []
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        for i in sample:
            f.seek(0)
            f.truncate()
            f.write(get(f"{args.hub}/v1/notices/{i}/certificate", key))
            f.flush()
            r = subprocess.run([args.herald, "verify", "--log-key", log_pub(args.dir), f.name],
                               capture_output=True, text=True)
            if r.returncode == 0:
                good += 1
            else:
                bad.append(f"{i}: {r.stdout.strip()[:200]}")
    return len(sample), good, bad


def consistency(args):
    heads = {}
    bad = []
    for line in open(args.sths):
        line = line.strip()
        if not line:
            continue
        h = json.loads(line)
        seen = heads.get(h["tree_size"])
        if seen and seen["root_hash"] != h["root_hash"]:
            bad.append(f"two roots for tree size {h['tree_size']}")
        heads.setdefault(h["tree_size"], h)
    sizes = sorted(s for s in heads if s > 0)
    with tempfile.TemporaryDirectory() as t:
        for m, n in zip(sizes, sizes[1:]):
            for name, h in (("old", heads[m]), ("new", heads[n])):
                open(f"{t}/{name}.json", "w").write(json.dumps(h))
            open(f"{t}/proof.json", "wb").write(get(f"{args.hub}/v1/log/consistency?first={m}&second={n}"))
            r = subprocess.run([args.herald, "verify", "--log-key", log_pub(args.dir), "--consistency",
                                f"{t}/old.json", f"{t}/new.json", f"{t}/proof.json"], capture_output=True, text=True)
            if r.returncode != 0:
                bad.append(f"{m} -> {n}: {r.stdout.strip()[:200]}")
    return len(sizes), max(0, len(sizes) - 1), bad


def control_port(d, peer):
    for line in open(f"{d}/peers/{peer}.out"):
        m = re.match(r"control on .*\(port (\d+)\)$", line.strip())
        if m:
            return m[1]
    return None


def alerts(d):
    """What the peers saw of the alerts, beside the resends the platforms
    flagged (an alert whose outcome a kill left unknown is sent once more,
    never a third time)."""
    push = json.loads(get(f"http://127.0.0.1:{control_port(d, 'push-gateway')}/stats"))
    smsc = json.loads(get(f"http://127.0.0.1:{control_port(d, 'smsc')}/stats"))
    flagged = sum(one(ro(f"{d}/platform-{p}/platform.db"), "SELECT count(*) FROM outbox WHERE duplicate <> 0")
                  for p in ("messenger", "carrier"))
    return {"push": push["alerts"], "push_resent": push["duplicates"], "push_max_sends": push["max_sends"],
            "sms": smsc["messages"], "sms_same_text_again": smsc["duplicates"], "flagged_possible_duplicates": flagged}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--moving", action="store_true")
    ap.add_argument("--clock")
    ap.add_argument("--herald")
    ap.add_argument("--hub")
    ap.add_argument("--sample", type=int, default=1000)
    ap.add_argument("--kills", default="{}")
    ap.add_argument("--opened")
    ap.add_argument("dir")
    ap.add_argument("n", nargs="?", type=int)
    ap.add_argument("sths", nargs="?")
    args = ap.parse_args()
    if args.moving:
        try:
            print(moving(args.dir, args.clock))
        except sqlite3.Error as e:  # a file not there yet, or busy
            print(f"unknown ({e})")
        return
    lost, dup, stuck, why, states, ids, reads = counts(args.dir, args.n, args.opened)
    checked, good, bad_certs = certificates(args, ids)
    heads, pairs, bad_heads = consistency(args)
    disorder = evidence_order(args.dir)
    for w in why + [f"certificate {b}" for b in bad_certs] + [f"consistency {b}" for b in bad_heads] + \
            [f"evidence out of time order {b}" for b in disorder]:
        print(f"chaos: {w}", file=sys.stderr)
    kills = json.loads(args.kills)
    print(json.dumps({
        "notices": args.n, "kills": sum(kills.values()), "lost": lost, "duplicated": dup, "stuck": stuck,
        "certificates_verified": good, "consistency_verified": heads > 1 and not bad_heads,
        "certificates_checked": checked, "certificates_sampled": checked < len(ids),
        "evidence_out_of_order": len(disorder),
        "tree_heads": heads, "consistency_proofs": pairs,
        "kills_per_role": kills, "final_states": states, "citizens_read": reads, "alerts": alerts(args.dir),
    }))


if __name__ == "__main__":
    main()
