#!/usr/bin/env bash
# A failed alert moves a notice on, end to end with every role real: idsvc,
# the hub, a carrier platform with [sms] against the SMSC peer, a messenger
# platform with [push] against the push gateway peer, and the agency
# (`herald agency send`, `herald agency postal --sync`). Two people are
# consenting members of both platforms, the carrier preferred. The SMSC
# answers F's phone with an UNDELIV receipt and the gateway fails it too:
# F's notice goes carrier -> messenger -> paper, each step evidence the
# certificate holds and `herald verify` accepts, and the agency's postal
# list names F. C's phone works: an SMS, its delivery receipt, received.
# Skipped without node.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$ROOT/tests/peers/smsc/start.sh"
. "$ROOT/tests/peers/push/start.sh"

if ! command -v node >/dev/null 2>&1; then
	ok "failed receipt, next platform, paper # skip node is not installed"
	finish
fi
sh "$ROOT/scripts/peers.sh" || { not_ok "scripts/peers.sh installs the SMSC peer"; finish; }

cd "$T"
sha() { printf %s "$1" | sha256sum | cut -c1-64; }
key() { openssl rand -hex 32; }
F_PHONE=01020000001 C_PHONE=01020000002
F_RRN=971013-9019902 C_RRN=2103153481720

# --- keys: each role's, each 0600 ---
"$HERALD" keygen --hmac --out ci.key >/dev/null 2>&1
"$HERALD" keygen --ed25519 --out log >/dev/null 2>&1
for p in carrier messenger; do "$HERALD" keygen --ed25519 --out "$p-view" >/dev/null 2>&1; done
for who in carrier messenger nts; do
	"$HERALD" apikey --name "$who" --clients idsvc.clients >"$who.idsvc.apikey"
done
HUBKEY=$("$HERALD" apikey --name hub --clients platform.clients)
ADMINKEY=$("$HERALD" apikey --name admin --clients platform.clients)
NTS=$(key) CAR=$(key) MSG=$(key)
(umask 077; echo "$HUBKEY" >hub.key; echo "$NTS" >nts.hub.apikey; echo "$CAR" >carrier.hub.apikey
	echo "$MSG" >messenger.hub.apikey; echo s3cret >smpp.password; key >push.key)
chmod 600 ./*.apikey

start_role idsvc idsvc.log idsvc --plain-http --key-file ci.key --clients idsvc.clients || { not_ok "idsvc starts"; finish; }
smsc_start smsc smsc.out --system-id herald --password s3cret --fail "$F_PHONE:UNDELIV" ||
	{ not_ok "the SMSC peer starts"; finish; }
P_CAR=$(free_port) P_MSG=$(free_port)
push_start gw gw.out --key-file push.key --fail "$F_PHONE:failed" \
	--receipts-url "http://127.0.0.1:$P_MSG/v1/push/receipts" || { not_ok "the push gateway peer starts"; finish; }

cat >hub.ini <<INI
[tls]
plain_http = loopback
[hub]
dir = hubdata
listen = 127.0.0.1:0
hub_key_file = hub.key
log_key = log.key
relay_interval_ms = 50
deadline_interval_ms = 100

[agency nts]
key_sha256 = $(sha "$NTS")

[platform carrier]
key_sha256 = $(sha "$CAR")
url = http://127.0.0.1:$P_CAR

[platform messenger]
key_sha256 = $(sha "$MSG")
url = http://127.0.0.1:$P_MSG
INI
start_role hub hub.log hub --config hub.ini || { not_ok "hub starts"; finish; }
H="http://127.0.0.1:$PORT_hub"

platform_ini() { # NAME PORT CHANNEL-SECTION
	cat <<INI
[tls]
plain_http = loopback
[platform]
name = $1
dir = $1
listen = 127.0.0.1:$2
public_url = http://127.0.0.1:$2
view_key = $1-view.key
clients = platform.clients
pin_hash = min
report_interval_ms = 50
[idsvc]
url = http://127.0.0.1:$PORT_idsvc
key_file = $1.idsvc.apikey
[hub]
url = $H
key_file = $1.hub.apikey
$3
INI
}
platform_ini carrier "$P_CAR" "[sms]
host = 127.0.0.1
port = $PORT_smsc
system_id = herald
password_file = smpp.password
source_addr = 1588
reconnect_max_s = 1" >carrier.ini
platform_ini messenger "$P_MSG" "[push]
url = http://127.0.0.1:$PORT_gw/v1/push
key_file = push.key
timeout_ms = 2000" >messenger.ini
start_role carrier carrier.log platform --config carrier.ini || { not_ok "the carrier starts"; finish; }
start_role messenger messenger.log platform --config messenger.ini || { not_ok "the messenger starts"; finish; }

jqe() { jq_test "$@"; }
# until_true CMD...: polls for up to 10 s; true once CMD is.
until_true() { for _ in $(seq 1 200); do "$@" && return 0; sleep 0.05; done; return 1; }
log_has() { grep -q -- "$2" "$1"; } # FILE PATTERN
check "the carrier binds to the SMSC" until_true log_has carrier.log 'smpp: bound to 127.0.0.1'

# --- F and C join both platforms, consenting; the carrier first, then the messenger ---
ADMIN=(-H "Authorization: Bearer $ADMINKEY")
members() { # PREFERENCE
	jq -nc --argjson p "$1" --arg fp "$F_PHONE" --arg cp "$C_PHONE" --arg fr "$F_RRN" --arg cr "$C_RRN" \
		'{members:[{name:"에프", phone:$fp, rrn:$fr, pin:"1739", consent:true, preference:$p},
		           {name:"씨", phone:$cp, rrn:$cr, pin:"2846", consent:true, preference:$p}]}'
}
r=$(http POST "http://127.0.0.1:$P_CAR/v1/members" "$(members 1)" "${ADMIN[@]}")
check "F and C join the carrier, preference 1" jqe '[.results[].member | numbers] | length == 2' <<<"$(body_of "$r")"
r=$(http POST "http://127.0.0.1:$P_MSG/v1/members" "$(members 2)" "${ADMIN[@]}")
check "F and C join the messenger, preference 2" jqe '[.results[].member | numbers] | length == 2' <<<"$(body_of "$r")"
dir_q() { sqlite3 -cmd '.timeout 2000' hubdata/directory.db "$1" 2>/dev/null; }
directory_full() {
	[ "$(dir_q "SELECT group_concat(platform || ':' || consent || ':' || preference, ' ')
		FROM (SELECT platform, consent, preference FROM directory ORDER BY platform)")" = \
		"carrier:1:1 carrier:1:1 messenger:1:2 messenger:1:2" ]
}
check "the hub's directory has both on both platforms, consenting, carrier first" until_true directory_full

# --- the agency sends one notice to each ---
cat >agency.ini <<INI
[tls]
plain_http = loopback
[agency]
name = nts
dir = agencydata
listen = 127.0.0.1:0
public_url = http://127.0.0.1:7004/
[idsvc]
url = http://127.0.0.1:$PORT_idsvc
key_file = nts.idsvc.apikey
[hub]
url = $H
key_file = nts.hub.apikey
[platform carrier]
view_pub = carrier-view.pub
[platform messenger]
view_pub = messenger-view.pub
INI
printf '<!doctype html><meta charset="utf-8"><title>((title))</title><p>((name)) / ((address))</p>\n' >notice.html
printf '%s\n' 'rrn,name,address' "$F_RRN,에프,서울특별시 종로구 세종대로 209" \
	"$C_RRN,씨,부산광역시 해운대구 센텀중앙로 79" >recipients.csv
"$HERALD" agency send --config agency.ini --template notice.html --title "2026년 자동차세 / Vehicle tax" \
	--deadline 2030-12-31 recipients.csv >send.out 2>send.err
check "the agency sends two notices, both accepted" jqe '.submitted == 2 and .accepted == 2' send.out
ag_q() { sqlite3 -cmd '.timeout 2000' agencydata/agency.db "$1"; }
NF=$(ag_q "SELECT notice FROM documents WHERE line = 2")
NC=$(ag_q "SELECT notice FROM documents WHERE line = 3")
REF_F=$(ag_q "SELECT reference FROM documents WHERE line = 2")
check "the agency holds both notice ids" bash -c "[ -n '$NF' ] && [ -n '$NC' ] && [ '$NF' != '$NC' ]"

AG=(-H "Authorization: Bearer $NTS")
view() { curl -s "${AG[@]}" "$H/v1/notices/$1"; }
where_is() { view "$1" | jq -r '.state + "@" + .platform'; }
is_at() { [ "$(where_is "$1")" = "$2" ]; } # NOTICE STATE@PLATFORM
# until_at NOTICE STATE@PLATFORM: polls for up to 15 s, says where it is if not.
until_at() {
	for _ in $(seq 1 300); do is_at "$1" "$2" && return 0; sleep 0.05; done
	echo "# $1 is $(where_is "$1"), expected $2"
	return 1
}
has_events() { view "$1" | jq -e --argjson e "$2" '[.events[].event] | contains($e)' >/dev/null; }
check "C: the SMS's delivery receipt reaches the hub" \
	until_true has_events "$NC" '["ConsignmentNotification","ConsignmentNotificationDelivery"]'
check "F: carrier's SMS fails, messenger's push fails, the notice goes to paper" until_at "$NF" postal@messenger

# --- F's timeline at the hub ---
view "$NF" >f.json
check "F's timeline: carrier's relay, SMS, its failure, the messenger's relay, push, its failure, paper" \
	jqe '[.events[] | .event + ":" + .actor] == ["SubmissionAcceptance:hub",
		"RelayAcceptance:carrier", "ContentConsignment:carrier", "ConsignmentNotification:carrier",
		"ConsignmentNotificationFailure:carrier", "RelayAcceptance:messenger",
		"ContentConsignment:messenger", "ConsignmentNotification:messenger",
		"ConsignmentNotificationFailure:messenger", "RelayToNonERDS:hub"]' f.json
SMS_REF=$(sqlite3 carrier/platform.db "SELECT reference FROM outbox WHERE notice = '$NF'")
PUSH_REF=$(sqlite3 messenger/platform.db "SELECT reference FROM outbox WHERE notice = '$NF'")
check "F's SMS: the carrier's outbox has it failed on channel sms with the SMSC's message id" \
	bash -c "[ \"\$(sqlite3 carrier/platform.db \"SELECT channel || '|' || state FROM outbox WHERE notice = '$NF'\")\" = 'sms|failed' ] &&
		[[ '$SMS_REF' =~ ^[0-9a-f]+$ ]]"
check "... the SMSC took one message for F's phone and reported it undelivered, C's delivered" \
	jqe --arg f "$F_PHONE" --arg c "$C_PHONE" '.destinations[$f].messages == 1 and .destinations[$f].undelivered == 1
		and .destinations[$c].messages == 1 and .destinations[$c].undelivered == 0' \
	<<<"$(curl -s "http://127.0.0.1:$CONTROL_smsc/stats")"
check "F's ConsignmentNotification by the carrier: channel sms, the SMSC's message id" \
	jqe --arg r "$SMS_REF" '[.events[] | select(.event == "ConsignmentNotification" and .actor == "carrier")]
		| length == 1 and .[0].channel == "sms" and .[0].reference == $r' f.json
check "... its failure: channel sms, the same id, the receipt's UNDELIV as reason" \
	jqe --arg r "$SMS_REF" '[.events[] | select(.event == "ConsignmentNotificationFailure" and .actor == "carrier")]
		| length == 1 and .[0].channel == "sms" and .[0].reference == $r
		and (.[0].reason | test("^SMSC receipt: UNDELIV"))' f.json
check "F's push: the messenger's ConsignmentNotification names channel push and the gateway's id" \
	jqe --arg r "$PUSH_REF" '[.events[] | select(.event == "ConsignmentNotification" and .actor == "messenger")]
		| length == 1 and .[0].channel == "push" and .[0].reference == $r and ($r | startswith("gw-"))' f.json
check "... its failure: channel push, the same id, the gateway's reason" \
	jqe --arg r "$PUSH_REF" '[.events[] | select(.event == "ConsignmentNotificationFailure" and .actor == "messenger")]
		| length == 1 and .[0].channel == "push" and .[0].reference == $r
		and .[0].reason == "not delivered: phone unreachable"' f.json
check "... the gateway had it for F's phone once" \
	jqe --arg p "$F_PHONE" '.phones[$p].received == 1 and .bad_signatures == 0' <<<"$(curl -s "http://127.0.0.1:$CONTROL_gw/stats")"
check "F's notice was never delivered or read" \
	jqe '[.events[].event] | (index("ConsignmentNotificationDelivery") == null and index("ContentHandover") == null)' f.json

# --- C's: delivered by SMS, received, on the carrier; nothing sent to the messenger ---
view "$NC" >c.json
check "C's timeline: the carrier's relay, SMS accepted and delivered, still received" \
	jqe '.state == "received" and .platform == "carrier" and [.events[] | .event + ":" + .actor] ==
		["SubmissionAcceptance:hub", "RelayAcceptance:carrier", "ContentConsignment:carrier",
		 "ConsignmentNotification:carrier", "ConsignmentNotificationDelivery:carrier"]' c.json
check "C's SMS leaves name channel sms and one reference" \
	jqe '[.events[] | select(.event | startswith("ConsignmentNotification")) | [.channel, .reference]] |
		length == 2 and .[0] == .[1] and .[0][0] == "sms" and (.[0][1] | length > 0)' c.json
check "the messenger never had C's notice, the gateway never C's phone" \
	bash -c "[ \"\$(sqlite3 messenger/platform.db \"SELECT count(*) FROM outbox WHERE notice = '$NC'\")\" = 0 ] &&
		curl -s 'http://127.0.0.1:$CONTROL_gw/stats' | jq -e --arg p '$C_PHONE' '.phones[\$p] == null' >/dev/null"

# --- the agency's view: the feed, the postal list ---
r=$(http GET "$H/v1/changes?after=0" "" "${AG[@]}")
check "the agency's feed: F received, back to accepted, received, accepted, postal; C received" \
	jqe --arg f "$NF" --arg c "$NC" '[.changes[] | select(.notice == $f and .event == null) | .state] ==
		["received", "accepted", "received", "accepted", "postal"] and
		[.changes[] | select(.notice == $c and .event == null) | .state] == ["received"]' <<<"$(body_of "$r")"
"$HERALD" agency postal --config agency.ini --sync >postal.csv 2>postal.err
check "herald agency postal --sync lists F with the address, not C" \
	python3 -c '
import csv, sys
rows = list(csv.reader(open("postal.csv", newline="", encoding="utf-8")))
assert rows[0] == ["reference", "name", "address", "title"], rows[0]
assert len(rows) == 2, rows
assert rows[1][:3] == [sys.argv[1], "에프", "서울특별시 종로구 세종대로 209"], rows[1]
' "$REF_F"
check "herald agency status: one postal, one received" \
	bash -c '"$HERALD" agency status --config agency.ini | jq -e ".postal == 1 and .received == 1" >/dev/null'

# --- the certificates, offline ---
curl -s "${AG[@]}" "$H/v1/notices/$NF/certificate" >f.cert
"$HERALD" verify --log-key log.pub f.cert >f.verify
check "F's certificate verifies (herald verify --log-key)" bash -c "[ $? -eq 0 ] && grep -q '^VALID' f.verify"
check "... and holds both failures with their channels and references, then paper" \
	bash -c "grep -Eq 'ConsignmentNotification +carrier  \[sms $SMS_REF\]$' f.verify &&
		grep -Eq 'ConsignmentNotificationFailure +carrier  SMSC receipt: UNDELIV.*\[sms $SMS_REF\]$' f.verify &&
		grep -Eq 'ConsignmentNotification +messenger  \[push $PUSH_REF\]$' f.verify &&
		grep -Eq 'ConsignmentNotificationFailure +messenger  not delivered: phone unreachable  \[push $PUSH_REF\]$' f.verify &&
		grep -q 'RelayToNonERDS' f.verify"
curl -s "${AG[@]}" "$H/v1/notices/$NC/certificate" >c.cert
"$HERALD" verify --log-key log.pub c.cert >c.verify
check "C's certificate verifies with the SMS's delivery and no paper" \
	bash -c "[ $? -eq 0 ] && grep -q '^VALID' c.verify && grep -Eq 'ConsignmentNotificationDelivery +carrier  \[sms ' c.verify &&
		! grep -q RelayToNonERDS c.verify"
# stopped: SIGTERM, then the exit status (in the sanitizer build, a leak or
# an error report is a non-zero one).
stopped() { kill -TERM "$1" 2>/dev/null && wait "$1"; }
for role in hub carrier messenger idsvc; do
	eval "pid=\$PID_$role"
	check "the $role was up to the end and stops cleanly on SIGTERM" stopped "$pid"
done
finish
