#!/usr/bin/env python3
# chaos_read.py -- citizens read their notices through the platforms'
# citizen pages while bench/chaos kills roles: sign in (the form's CSRF
# token, our Origin), open the inbox, open each notice with the PIN again,
# follow the view token to the agency's document. A citizen whose try
# fails (a platform or the agency down, the notice not in the inbox yet) is
# tried again later, for up to --give-up seconds. Each notice whose
# document came back 200 is appended to OPENED (one id a line): the hub
# must end with every one of them read.
# Usage: chaos_read.py READERS.csv OPENED [--threads N] [--give-up S]
import argparse
import csv
import http.cookiejar
import queue
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

TOKEN = re.compile(r'name="csrf" value="([0-9a-f]+)"')
LINK = re.compile(r'href="/notices/([^"/?]+)')


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


def fetch(opener, url, form=None, origin=None):
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    req = urllib.request.Request(url, data=data)
    if origin:
        req.add_header("Origin", origin)
    try:
        with opener.open(req, timeout=10) as r:
            return r.status, r.headers, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode("utf-8", "replace")


def read_once(phone, pin, base):
    """The notices opened, or None when this try failed."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                         NoRedirect())
    status, _, body = fetch(opener, f"{base}/")
    token = TOKEN.search(body)
    if status != 200 or not token:
        return None
    status, _, _ = fetch(opener, f"{base}/login", {"csrf": token[1], "phone": phone, "pin": pin}, base)
    if status not in (200, 303):
        return None
    status, _, body = fetch(opener, f"{base}/inbox")
    token = TOKEN.search(body)
    ids = list(dict.fromkeys(LINK.findall(body)))
    if status != 200 or not ids or not token:
        return None
    for i in ids:
        status, headers, _ = fetch(opener, f"{base}/notices/{i}/open", {"csrf": token[1], "pin": pin}, base)
        doc = headers.get("Location") if status == 303 else None
        if not doc or fetch(opener, doc)[0] != 200:
            return None
    return ids


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("readers")
    ap.add_argument("opened")
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--give-up", type=float, default=180)
    args = ap.parse_args()
    todo = queue.Queue()
    for row in csv.DictReader(open(args.readers)):
        todo.put((row["phone"], row["pin"], row["platform_url"], time.monotonic()))
    total = todo.qsize()
    out = open(args.opened, "a")
    lock = threading.Lock()
    done = {"read": 0, "gave_up": 0, "tries": 0}

    def worker():
        while True:
            try:
                phone, pin, base, since = todo.get_nowait()
            except queue.Empty:
                return
            try:
                ids = read_once(phone, pin, base)
            except (OSError, ValueError):
                ids = None
            with lock:
                done["tries"] += 1
                if ids:
                    done["read"] += 1
                    out.write("".join(f"{i}\n" for i in ids))
                    out.flush()
                elif time.monotonic() - since > args.give_up:
                    done["gave_up"] += 1
                    print(f"chaos_read: {phone} gave up after {args.give_up:.0f} s", file=sys.stderr)
            if not ids and time.monotonic() - since <= args.give_up:
                time.sleep(0.2)
                todo.put((phone, pin, base, since))

    threads = [threading.Thread(target=worker) for _ in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"chaos_read: {done['read']} of {total} citizens read, {done['gave_up']} gave up,"
          f" {done['tries']} tries", file=sys.stderr)
    sys.exit(0 if done["gave_up"] == 0 else 1)


if __name__ == "__main__":
    main()
