#!/usr/bin/env bash
# The evidence log end to end: a real hub whose heads `herald signer`
# signs (the hub never reads the log key), a stand-in
# platform (fake_platform.py), notices pushed through to several events.
# Covers distribution certificates checked offline by `herald verify`
# (valid, and every kind of tampering, and the wrong key), who may fetch a
# certificate, signed tree heads and consistency proofs, the PDF, the
# public verify page, a hub without a log key, and a kill -9 during
# submissions followed by a restart that continues the same tree. With
# STORE=postgres (evidence_pg.sh) the hub keeps its store and its log in a
# PostgreSQL server of the test's own instead of SQLite.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib_pg.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

cd "$T"
store_up
key() { openssl rand -hex 32; }
sha() { printf %s "$1" | sha256sum | cut -c1-64; }
NTS=$(key) LIMS=$(key) MSG=$(key) CAR=$(key) HUBKEY=$(key)
(umask 077; echo "$HUBKEY" >hub.key)
"$HERALD" keygen --ed25519 --out log >/dev/null 2>&1
"$HERALD" keygen --ed25519 --out other >/dev/null 2>&1
P_MSG=$(free_port) P_CAR=$(free_port)
registry() {
	cat <<INI
[agency nts]
key_sha256 = $(sha "$NTS")

[agency lims]
key_sha256 = $(sha "$LIMS")

[platform messenger]
key_sha256 = $(sha "$MSG")
url = http://127.0.0.1:$P_MSG

[platform carrier]
key_sha256 = $(sha "$CAR")
url = http://127.0.0.1:$P_CAR
INI
}
cat >hub.ini <<INI
[tls]
plain_http = loopback
[hub]
dir = data
listen = 127.0.0.1:0
hub_key_file = hub.key
signer = signer.sock
log_pub = log.pub
sth_interval_ms = 200
relay_interval_ms = 50
public_url = http://hub.example:8080

$(registry)
$(store_ini)
INI

for i in 1 2 3; do
	ci=$(openssl rand -base64 64 | tr -d '\n')
	eval "CI$i=$ci"
	eval "RK$i=$(printf 'herald-rk-v1:%s' "$ci" | sha256sum | cut -c1-64)"
done
printf '%s\n' "$RK1" "$RK2" >msg.members
: >car.members
python3 "$HERE/fake_platform.py" "$P_MSG" "$HUBKEY" msg.members messenger.jsonl 2>messenger.log &
PIDS+=($!)
python3 "$HERE/fake_platform.py" "$P_CAR" "$HUBKEY" car.members carrier.jsonl 2>carrier.log &
PIDS+=($!)
for _ in $(seq 1 100); do grep -q listening messenger.log carrier.log 2>/dev/null && break; sleep 0.05; done

"$HERALD" signer --key log.key --socket signer.sock --new-log 2>signer.log &
PIDS+=($!)
for _ in $(seq 1 100); do [ -S signer.sock ] && break; sleep 0.05; done
start_role hub hub.log hub --config hub.ini || { not_ok "hub starts"; finish; }
H="http://127.0.0.1:$PORT_hub"
A_NTS=(-H "Authorization: Bearer $NTS")
A_LIMS=(-H "Authorization: Bearer $LIMS")
A_MSG=(-H "Authorization: Bearer $MSG")
A_CAR=(-H "Authorization: Bearer $CAR")
jqb() { jq -e "$2" <<<"$(body_of "$1")" >/dev/null; }
jqf() { jq_test "$@"; } # quiet jq -e on files
wait_sth() { # MIN_SIZE -> prints the STH JSON once its size is at least MIN_SIZE
	for _ in $(seq 1 100); do
		local s
		s=$(curl -s "$H/v1/log/sth")
		if jq -e --argjson m "$1" '.tree_size >= $m' <<<"$s" >/dev/null 2>&1; then
			echo "$s"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# --- the log key and the first heads ---
r=$(http GET "$H/v1/log/key" "")
check "GET /v1/log/key: the key herald keygen wrote to log.pub" \
	jqb "$r" ".log_key == \"$(cat log.pub)\""
r=$(http POST "$H/v1/log/sth" "{}")
check "POST /v1/log/sth: 405" [ "$(status_of "$r")" = 405 ]
wait_sth 0 >sth0.json
check "an empty log gets a signed head too, public (no key)" \
	bash -c "jq -e '.tree_size == 0 and (.root_hash | length) == 44 and (.signature | length) == 88' sth0.json >/dev/null"

# --- notices through to several events ---
http POST "$H/v1/directory" "$(jq -nc --arg a "$RK1" --arg b "$RK2" \
	'{entries:[{rk:$a,consent:true},{rk:$b,consent:true}]}')" "${A_MSG[@]}" >/dev/null
notice() { # N REF
	local ci; eval "ci=\$CI$1"
	jq -nc --arg ci "$ci" --arg ref "$2" '{reference:$ref, ci:$ci, title:"2026년 자동차세 / Vehicle tax",
		doc_sha256:("cd" * 32), deadline:"2030-12-31", link:("http://127.0.0.1:7004/documents/" + $ref)}'
}
r=$(http POST "$H/v1/notices" "$(jq -sc '{notices: .}' <(notice 1 EV-1) <(notice 2 EV-2) <(notice 3 EV-3))" "${A_NTS[@]}")
N1=$(body_of "$r" | jq -r '.results[0].notice')
N3=$(body_of "$r" | jq -r '.results[2].notice')
state_of() { curl -s "${A_NTS[@]}" "$H/v1/notices/$1" | jq -r .state; }
for _ in $(seq 1 100); do [ "$(state_of "$N1")" = relayed ] && [ "$(state_of "$N3")" = postal ] && break; sleep 0.1; done
wait_sth 1 >sth1.json
ev() { jq -nc --arg n "$1" --arg e "$2" '{events:[{notice:$n, event:$e}]}'; }
http POST "$H/v1/events" "$(ev "$N1" ContentConsignment)" "${A_MSG[@]}" >/dev/null
http POST "$H/v1/events" "$(ev "$N1" ConsignmentNotification)" "${A_MSG[@]}" >/dev/null
http POST "$H/v1/events" "$(ev "$N1" ContentHandover)" "${A_NTS[@]}" >/dev/null
check "notice 1 is read" [ "$(state_of "$N1")" = read ]

# --- the certificate ---
r=$(http GET "$H/v1/notices/$N1/certificate" "" "${A_NTS[@]}")
body_of "$r" >cert.json
check "GET certificate (the sending agency): 200, five entries, format v1" \
	bash -c "[ '$(status_of "$r")' = 200 ] && jq -e --arg n '$N1' --arg k '$(cat log.pub)' \
		'.format == \"herald-certificate-v1\" and .notice == \$n and .log_key == \$k and
		 (.entries | length) == 5' cert.json >/dev/null"
check "the certificate is signed on demand: its head covers the newest leaf" \
	bash -c "jq -e '.sth.tree_size > (.entries | map(.leaf_index) | max)' cert.json >/dev/null"
out=$("$HERALD" verify --log-key log.pub cert.json)
check "herald verify: exit 0 with the timeline" \
	bash -c "[ $? -eq 0 ] && grep -q '^VALID' <<<'$out' && grep -q SubmissionAcceptance <<<'$out' &&
		grep -q RelayAcceptance <<<'$out' && grep -q ContentConsignment <<<'$out' && grep -q ContentHandover <<<'$out'"
"$HERALD" verify --log-key other.pub cert.json >/dev/null
check "verified against another log key: exit 1" [ $? -eq 1 ]

tamper() { # NAME PYTHON-EXPRESSION-ON-c
	python3 - "$2" >"bad-$1.json" <<'PY'
import base64, json, sys
c = json.load(open("cert.json"))
def flip(b64, i=0):
    b = bytearray(base64.b64decode(b64)); b[i] ^= 1
    return base64.b64encode(bytes(b)).decode()
exec(sys.argv[1])
print(json.dumps(c))
PY
	"$HERALD" verify --log-key log.pub "bad-$1.json" >"bad-$1.out"
	[ $? -eq 1 ] && grep -q '^INVALID' "bad-$1.out"
}
check "one byte of a leaf changed: exit 1" tamper leaf 'e = c["entries"][1]; e["leaf"] = flip(e["leaf"], 20)'
check "one bit of an audit path element changed: exit 1" \
	tamper path 'e = c["entries"][0]; e["audit_path"][0] = flip(e["audit_path"][0], 5)'
check "the root changed: exit 1" tamper root 'c["sth"]["root_hash"] = flip(c["sth"]["root_hash"], 31)'
check "the signature changed: exit 1" tamper sig 'c["sth"]["signature"] = flip(c["sth"]["signature"], 10)'
check "the tree size changed: exit 1" tamper size 'c["sth"]["tree_size"] += 1'
check "a leaf index changed: exit 1" tamper index 'c["entries"][2]["leaf_index"] += 1'
check "a leaf of another notice swapped in: exit 1" \
	tamper other 'import copy; c["notice"] = c["notice"][:-1] + ("0" if c["notice"][-1] != "0" else "1")'

# --- who may fetch a certificate ---
# The answer to an unknown notice, headers (but Date) and body, for each caller.
answer() { curl -s -D - "${@:2}" "$1" | tr -d '\r' | grep -vi '^date:'; }
UNKNOWN=$H/v1/notices/0193a1b2-c3d4-7000-8000-000000000000/certificate
r=$(http GET "$H/v1/notices/$N1/certificate" "" "${A_LIMS[@]}")
check "another agency: 404, as for an unknown notice" [ "$(status_of "$r")" = 404 ]
check "... the very answer (headers and body) that agency gets for an unknown notice" \
	[ "$(answer "$H/v1/notices/$N1/certificate" "${A_LIMS[@]}")" = "$(answer "$UNKNOWN" "${A_LIMS[@]}")" ]
check "... and the same for the PDF" [ "$(answer "$H/v1/notices/$N1/certificate.pdf" "${A_LIMS[@]}")" = \
	"$(answer "${UNKNOWN}.pdf" "${A_LIMS[@]}")" ]
r=$(http GET "$H/v1/notices/$N1/certificate" "" "${A_MSG[@]}")
check "the platform the notice was relayed to: 200" [ "$(status_of "$r")" = 200 ]
r=$(http GET "$H/v1/notices/$N1/certificate" "" "${A_CAR[@]}")
check "a platform it was never relayed to: 404, as for an unknown notice" [ "$(status_of "$r")" = 404 ]
check "... the very answer (headers and body) it gets for an unknown notice" \
	[ "$(answer "$H/v1/notices/$N1/certificate" "${A_CAR[@]}")" = "$(answer "$UNKNOWN" "${A_CAR[@]}")" ]
r=$(http GET "$H/v1/notices/$N1/certificate" "")
check "no key: 401" [ "$(status_of "$r")" = 401 ]
r=$(http GET "$H/v1/notices/0193a1b2-c3d4-7000-8000-000000000000/certificate" "" "${A_NTS[@]}")
check "an unknown notice: 404" [ "$(status_of "$r")" = 404 ]
r=$(http GET "$H/v1/notices/$N3/certificate" "" "${A_NTS[@]}")
body_of "$r" >cert3.json
check "a postal notice's certificate verifies too (RelayToNonERDS)" \
	bash -c "[ '$(status_of "$r")' = 200 ] && '$HERALD' verify --log-key log.pub cert3.json | grep -q RelayToNonERDS"

# --- the PDF and the verify page ---
curl -s -D pdf.headers "${A_NTS[@]}" "$H/v1/notices/$N1/certificate.pdf" -o cert.pdf
check "certificate.pdf: application/pdf starting with %PDF" \
	bash -c "grep -qi '^content-type: application/pdf' pdf.headers && [ \"\$(head -c 4 cert.pdf)\" = '%PDF' ]"
check "no PDF left behind in the hub's folder" bash -c "! ls data | grep -q certificate-"
r=$(curl -s -o form.html -w '%{http_code}' "$H/verify")
check "GET /verify: the form, no key needed" \
	bash -c "[ '$r' = 200 ] && grep -q 'name=\"certificate\"' form.html"
curl -s --data-urlencode certificate@cert.json "$H/verify" >valid.html
check "POST /verify with the certificate: VALID and the timeline" \
	bash -c "grep -q 'VALID — ' valid.html && ! grep -q INVALID valid.html && grep -q ContentHandover valid.html"
curl -s --data-urlencode certificate@bad-leaf.json "$H/verify" >invalid.html
check "POST /verify with a tampered certificate: INVALID with the reason" \
	bash -c "grep -q INVALID invalid.html && grep -q 'Reason' invalid.html"
printf '{"x":"</textarea><script>alert(1)</script>"}' >xss.json
curl -s --data-urlencode certificate@xss.json "$H/verify" >xss.html
check "POST /verify escapes the pasted text" bash -c "grep -q INVALID xss.html && ! grep -q '<script>' xss.html"
head -c 1100000 /dev/zero | tr '\0' a >big.txt
r=$(curl -s -o /dev/null -w '%{http_code}' --data-binary @big.txt "$H/verify")
check "POST /verify over 1 MiB: 413" [ "$r" = 413 ]

# --- tree heads and consistency ---
http POST "$H/v1/notices" "$(jq -sc '{notices: .}' <(notice 2 EV-4) <(notice 3 EV-5))" "${A_NTS[@]}" >/dev/null
S1=$(jq .tree_size sth1.json)
wait_sth $((S1 + 2)) >sth2.json
S2=$(jq .tree_size sth2.json)
curl -s "$H/v1/log/consistency?first=$S1&second=$S2" >proof.json
check "consistency proof shape" jqf --argjson a "$S1" --argjson b "$S2" \
	'.first == $a and .second == $b and (.proof | length) > 0' proof.json
out=$("$HERALD" verify --log-key log.pub --consistency sth1.json sth2.json proof.json)
check "herald verify --consistency: an older head is a prefix of a newer one" \
	bash -c "[ $? -eq 0 ] && grep -q '^VALID' <<<'$out'"
check "verify refuses options it would ignore: --pdf with --consistency, --url without --pdf (exit 2)" \
	bash -c "'$HERALD' verify --log-key log.pub --consistency --pdf x.pdf sth1.json sth2.json proof.json 2>opt1.err;
		[ \$? = 2 ] && grep -q 'not --consistency' opt1.err &&
		{ '$HERALD' verify --log-key log.pub --url http://x cert.json 2>opt2.err; [ \$? = 2 ]; } &&
		grep -q 'goes with --pdf' opt2.err && [ ! -e x.pdf ]"
check "a valid certificate whose PDF cannot be written: VALID, then exit 2, not 1 (which says invalid)" \
	bash -c "'$HERALD' verify --log-key log.pub --pdf no-such-dir/c.pdf cert.json >pdf.out 2>pdf.err;
		[ \$? = 2 ] && grep -q '^VALID certificate' pdf.out && grep -q 'no-such-dir' pdf.err"
check "files verify cannot read or write: exit 2, named, and no --help hint (the command line was right)" \
	bash -c "'$HERALD' verify --log-key log.pub no-such-cert.json 2>nf1.err; [ \$? = 2 ] &&
		'$HERALD' verify --log-key no-such-key.pub cert.json 2>nf2.err; [ \$? = 2 ] &&
		grep -q 'no-such-cert.json' nf1.err && grep -q 'no-such-key.pub' nf2.err &&
		! grep -q -- '--help' nf1.err nf2.err pdf.err"
mkdir -p a-directory
"$HERALD" verify --log-key log.pub a-directory >dir.out 2>dir.err
rc=$?
check "a path verify opens but cannot read (a directory): exit 2 naming it, not INVALID" \
	bash -c "[ $rc = 2 ] && grep -q 'a-directory: cannot read' dir.err && ! grep -q INVALID dir.out"
head -c 4194305 /dev/zero | tr '\0' ' ' >huge.json
"$HERALD" verify --log-key log.pub huge.json >huge.out 2>huge.err
rc=$?
check "a certificate over 4 MiB: INVALID, exit 1, as the first step of verification says" \
	bash -c "[ $rc = 1 ] && grep -q 'INVALID: huge.json: larger than 4194304 bytes' huge.out"
python3 -c '
import json, base64
p = json.load(open("proof.json")); b = bytearray(base64.b64decode(p["proof"][0])); b[0] ^= 1
p["proof"][0] = base64.b64encode(bytes(b)).decode(); print(json.dumps(p))' >badproof.json
"$HERALD" verify --log-key log.pub --consistency sth1.json sth2.json badproof.json >/dev/null
check "a tampered consistency proof: exit 1" [ $? -eq 1 ]
bad=0
for q in "first=$S2&second=$S1" "first=0&second=$((S2 + 1000000))" "first=x&second=3" \
	"first=-1&second=3" "first=1" "first=1&second=99999999999999999999"; do
	r=$(curl -s -o /dev/null -w '%{http_code}' "$H/v1/log/consistency?$q")
	[ "$r" = 400 ] || { echo "# $q: $r"; bad=1; }
done
check "consistency: 400 for first > second, beyond the latest head, non-numbers" [ $bad -eq 0 ]

# --- a hub without a log key ---
# (on PostgreSQL: a database of its own, as its own data directory.)
sed -e '/^signer/d' -e '/^log_pub/d' -e 's/^dir = data/dir = data-nokey/' hub.ini >nokey.ini
if [ "$STORE" = postgres ]; then
	nokey_dsn=$(pg_createdb nokey)
	sed -i "s|^dsn = .*|dsn = $nokey_dsn|" nokey.ini
fi
start_role nokey nokey.log hub --config nokey.ini
r=$(http GET "http://127.0.0.1:$PORT_nokey/v1/log/sth" "")
check "without a signer or log_key the hub runs, and the log endpoints answer 503" \
	bash -c "[ '$(status_of "$r")' = 503 ] && grep -q log_key <<<'$(body_of "$r")'"
kill -TERM "$PID_nokey"; wait "$PID_nokey" 2>/dev/null

# --- kill -9 while submissions are in flight, then restart ---
many() { # START COUNT -> a batch of notices to person 1
	python3 - "$1" "$2" "$CI1" <<'PY'
import json, sys
s, n, ci = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
print(json.dumps({"notices": [{"reference": "K-%d" % i, "ci": ci, "title": "t", "doc_sha256": "ab" * 32,
    "deadline": "2030-12-31", "link": "http://127.0.0.1:7004/d/%d" % i} for i in range(s, s + n)]}))
PY
}
for b in 0 1 2 3 4 5 6 7; do many $((b * 2000)) 2000 >"batch$b.json"; done
wait_sth $((S2 + 1)) >/dev/null 2>&1 # let the latest head settle
(for b in 0 1 2 3 4 5 6 7; do
	curl -s -o /dev/null -X POST -H 'Content-Type: application/json' --data-binary @"batch$b.json" \
		"${A_NTS[@]}" "$H/v1/notices"
done) &
LOADER=$!
for _ in $(seq 1 100); do [ "$(grep -c 'POST /v1/notices agency=nts items=2000' hub.log)" -ge 2 ] && break; sleep 0.02; done
sleep 0.05
curl -s "$H/v1/log/sth" >before.json
kill -9 "$PID_hub"
wait "$PID_hub" 2>/dev/null
wait "$LOADER" 2>/dev/null
check "a head was published before the kill" jqf '.tree_size > 0' before.json
# Committed: on PostgreSQL, leaves waiting for the sequencer count too.
if [ "$STORE" = postgres ]; then
	committed=$(pg_psql 'select (select count(*) from log_leaves) + (select count(*) from log_pending)')
else
	committed=$(sqlite3 data/hub.db 'select count(*) from evidence')
fi
mv hub.log hub-1.log
start_role hub hub.log hub --config hub.ini || { not_ok "the hub restarts after kill -9"; finish; }
H="http://127.0.0.1:$PORT_hub"
B=$(jq .tree_size before.json)
# The head stored before the kill is served at once; wait for one over
# every committed leaf (none comes if the restarted tree lost any).
wait_sth "$committed" >after.json
A=$(jq .tree_size after.json)
curl -s "$H/v1/log/consistency?first=$B&second=$A" >proof2.json
out=$("$HERALD" verify --log-key log.pub --consistency before.json after.json proof2.json)
check "after kill -9 and restart: the last head before the kill is consistent with the next ($B -> $A)" \
	bash -c "[ $? -eq 0 ] && grep -q '^VALID' <<<'$out'"
check "the restarted tree holds every committed leaf ($committed)" [ "$A" -ge "$committed" ]
k=$(hub_sql data/hub.db "select count(*) from notices where reference like 'K-%'")
check "whole batches only: $k notices of the interrupted load, a multiple of 2000" \
	[ $((k % 2000)) -eq 0 ]
r=$(http GET "$H/v1/notices/$N1/certificate" "" "${A_NTS[@]}")
body_of "$r" >cert-after.json
check "a certificate fetched after the restart verifies" \
	bash -c "'$HERALD' verify --log-key log.pub cert-after.json >/dev/null"
check "... and the one fetched before it still does" bash -c "'$HERALD' verify --log-key log.pub cert.json >/dev/null"
K1=$(hub_sql data/hub.db "select id from notices where reference like 'K-%' order by id limit 1")
r=$(http GET "$H/v1/notices/$K1/certificate" "" "${A_NTS[@]}")
body_of "$r" >cert-k.json
if [ "$STORE" = postgres ]; then
	where="in log_leaves" leaves="select count(*) from log_leaves where notice = '$K1'"
else
	where="in the leaf file" leaves="select count(*) from evidence where notice = '$K1' and off is not null"
fi
check "a notice of the interrupted load: its leaf bytes are $where, and its certificate verifies" \
	bash -c "[ -n '$K1' ] &&
		[ \"\$(hub_sql data/hub.db \"$leaves\")\" -ge 1 ] &&
		'$HERALD' verify --log-key log.pub cert-k.json >/dev/null"

kill -TERM "$PID_hub"
wait "$PID_hub"
check "SIGTERM stops the hub cleanly (exit 0)" [ $? -eq 0 ]
check "heads are stored: tree sizes only grow" \
	bash -c "hub_sql data/hub.db 'select tree_size from log_heads order by timestamp_ms, tree_size' | sort -nc"
check "log key secret never reaches the log" bash -c "! grep -qF -- \"\$(cat log.key)\" hub.log hub-1.log signer.log"
finish
