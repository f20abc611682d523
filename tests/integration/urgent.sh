#!/usr/bin/env bash
# The urgent lane, end to end: a real idsvc, hub and platform, the agency
# played with curl. 5,000 bulk notices go in one call, then one notice
# marked urgent and one that is not. The hub relays in rounds of 100 with
# one worker, so the bulk takes 50 rounds: the urgent notice must reach
# the inbox within the first few, the plain one after the bulk. The
# worker sleeps long between idle rounds, so that the bulk's commit wakes
# it: its first round takes notices the submission queued in memory and
# frees places there before the plain one comes, which must still go
# behind the bulk notices that found no place and wait in the database
# (first come, first relayed within a lane). The platform queues the
# urgent notice's alert where its channel claims it first. A malformed
# "urgent" is refused by name.
. "$(dirname "$0")/../lib.sh"

cd "$T"
key() { openssl rand -hex 32; }

"$HERALD" keygen --hmac --out ci.key >/dev/null 2>&1
"$HERALD" keygen --ed25519 --out view >/dev/null 2>&1
"$HERALD" keygen --ed25519 --out log >/dev/null 2>&1
IDKEY=$("$HERALD" apikey --name messenger --clients idsvc.clients)
HUBKEY=$("$HERALD" apikey --name hub --clients platform.clients)
ADMINKEY=$("$HERALD" apikey --name admin --clients platform.clients)
NTS=$(key) MSG=$(key)
(umask 077; echo "$IDKEY" >idsvc.apikey; echo "$HUBKEY" >hub.key; echo "$MSG" >msg.apikey)
start_role idsvc idsvc.log idsvc --key-file ci.key --plain-http --clients idsvc.clients || { not_ok "idsvc starts"; finish; }

P_MSG=$(free_port)
hub_ini "relay_batch = 100
relay_workers = 1
relay_interval_ms = 1000" >hub.ini
start_role hub hub.log hub --config hub.ini || { not_ok "hub starts"; finish; }
H="http://127.0.0.1:$PORT_hub"

messenger_ini idsvc.apikey >platform.ini
start_role platform platform.log platform --config platform.ini || { not_ok "platform starts"; finish; }
P="http://127.0.0.1:$P_MSG"
AG=(-H "Authorization: Bearer $NTS")
ADMIN=(-H "Authorization: Bearer $ADMINKEY")
hq() { sqlite3 hubdata/hub.db "$1"; }
jqe() { jq_test "$@"; }
until_true() { for _ in $(seq 1 600); do "$@" && return 0; sleep 0.05; done; return 1; }

r=$(http POST "$P/v1/members" '{"members":[
 {"name":"가","phone":"010-1000-0001","rrn":"971013-9019902","pin":"1739","consent":true}]}' "${ADMIN[@]}")
check "a member signs up" jqe '[.results[].member | numbers] | length == 1' <<<"$(body_of "$r")"
directory_has() { [ "$(sqlite3 hubdata/directory.db 'SELECT count(*) FROM directory')" = 1 ]; }
check "the hub's directory knows the member" until_true directory_has

CI=$("$HERALD" ci --key-file ci.key 9710139019902 2>/dev/null)
DEADLINE=$(date -u -d '+30 days' +%Y-%m-%dT%H:%M:%S.000Z)
# items FROM TO PREFIX [EXTRA]: notices FROM..TO as a JSON array
items() {
	jq -nc --arg ci "$CI" --arg p "$3" --argjson from "$1" --argjson to "$2" \
		--argjson extra "${4:-{\}}" '[range($from; $to + 1) | {reference: ($p + tostring), ci: $ci,
		doc_sha256: ("ab" * 32), link: ("http://127.0.0.1:7004/documents/" + $p + tostring)} + $extra]'
}
items 1 5000 B- >bulk.json
jq -c --arg d "$DEADLINE" '{common: {title: "2026년 자동차세 / Vehicle tax", deadline: $d},
	notices: .}' bulk.json >bulk_body.json
jq -c --arg d "$DEADLINE" '{common: {title: "출석 요구 / Summons", deadline: $d}, notices: .}' \
	<(items 1 1 U- '{"urgent":true}') >urgent_body.json
jq -c --arg d "$DEADLINE" '{common: {title: "안내 / Notice", deadline: $d}, notices: .}' \
	<(items 1 1 N-) >plain_body.json

kill -STOP "$PID_platform"
r=$(http POST "$H/v1/notices" @bulk_body.json "${AG[@]}")
check "the hub accepts the 5,000 bulk notices" \
	jqe '[.results[] | select(.state == "accepted")] | length == 5000' <<<"$(body_of "$r")"
r=$(http POST "$H/v1/notices" "$(cat urgent_body.json)" "${AG[@]}")
check "... then one urgent notice" jqe '.results[0].state == "accepted"' <<<"$(body_of "$r")"
r=$(http POST "$H/v1/notices" "$(cat plain_body.json)" "${AG[@]}")
check "... then one plain notice" jqe '.results[0].state == "accepted"' <<<"$(body_of "$r")"
kill -CONT "$PID_platform"

check "the hub keeps the urgent mark with the notice, and only there" \
	[ "$(hq "SELECT group_concat(reference) FROM notices WHERE urgent = 1")" = U-1 ]
all_received() { [ "$(hq "SELECT count(*) FROM notices WHERE state = 'received'")" = 5002 ]; }
check "every notice reaches the inbox" until_true all_received

# The order the hub recorded each notice's first change after acceptance
# in (its relay round): how many bulk notices came before each probe.
before() { # REFERENCE
	hq "WITH firsts AS (SELECT reference, min(seq) AS s FROM changes GROUP BY notice)
		SELECT count(*) FROM firsts WHERE reference LIKE 'B-%'
		AND s < (SELECT s FROM firsts WHERE reference = '$1')"
}
U_BEFORE=$(before U-1) N_BEFORE=$(before N-1)
echo "# bulk notices in an inbox before the urgent one: $U_BEFORE; before the plain one: $N_BEFORE"
check "the urgent notice overtakes the bulk backlog (fewer than 1,000 of 5,000 before it)" \
	[ "$U_BEFORE" -lt 1000 ]
check "the plain notice waits its turn behind the bulk (more than 4,500 before it)" \
	[ "$N_BEFORE" -gt 4500 ]

U_ID=$(hq "SELECT id FROM notices WHERE reference = 'U-1'")
check "the platform queued the urgent notice's alert in the urgent lane, and no other" \
	[ "$(sqlite3 data/platform.db "SELECT group_concat(o.notice) FROM outbox_urgent u
		JOIN outbox o ON o.id = u.alert")" = "$U_ID" ]

r=$(http POST "$H/v1/notices" "$(jq -c '.notices[0].urgent = "yes" | .notices[0].reference = "X-1"' \
	urgent_body.json)" "${AG[@]}")
check "a malformed urgent is refused by name" \
	jqe '.results[0].error == "urgent must be true or false"' <<<"$(body_of "$r")"
r=$(http POST "$P/v1/relay" '{"notices":[{"notice":"0190a0a0-0000-7000-8000-000000000000",
	"rk":"'"$(printf 'a%.0s' $(seq 64))"'","agency":"nts","title":"t","doc_sha256":"'"$(printf 'a%.0s' $(seq 64))"'",
	"deadline":"'"$DEADLINE"'","link":"http://x.invalid/d","urgent":1}]}' -H "Authorization: Bearer $HUBKEY")
check "the platform refuses a relayed notice whose urgent is not a boolean" \
	jqe '.results[0].error == "urgent must be true or false"' <<<"$(body_of "$r")"
finish
