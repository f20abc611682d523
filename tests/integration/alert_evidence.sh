#!/usr/bin/env bash
# Evidence from the alert channel, end to end at a real hub with a log key
# and two stand-in platforms (fake_platform.py): ConsignmentNotification
# and ConsignmentNotificationDelivery naming the channel and its
# reference, each kept once; the fields refused when malformed; a
# ConsignmentNotificationFailure from the notice's platform sending it to
# the person's next platform, and from there to paper; a failure from a
# platform the notice has left, or after the read, changing nothing; and
# the certificate holding all of it, checked by `herald verify`, the
# verify page and the PDF.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

cd "$T"
key() { openssl rand -hex 32; }
sha() { printf %s "$1" | sha256sum | cut -c1-64; }
NTS=$(key) CAR=$(key) MSG=$(key) HUBKEY=$(key)
(umask 077; echo "$HUBKEY" >hub.key)
"$HERALD" keygen --ed25519 --out log >/dev/null 2>&1
P_CAR=$(free_port) P_MSG=$(free_port)
cat >hub.ini <<INI
[tls]
plain_http = loopback
[hub]
dir = data
listen = 127.0.0.1:0
hub_key_file = hub.key
log_key = log.key
sth_interval_ms = 200
relay_interval_ms = 50
deadline_interval_ms = 200
fallback_window_s = 3600
public_url = http://hub.example:8080

[agency nts]
key_sha256 = $(sha "$NTS")

[platform carrier]
key_sha256 = $(sha "$CAR")
url = http://127.0.0.1:$P_CAR

[platform messenger]
key_sha256 = $(sha "$MSG")
url = http://127.0.0.1:$P_MSG
INI

ci=$(openssl rand -base64 64 | tr -d '\n')
RK=$(printf 'herald-rk-v1:%s' "$ci" | sha256sum | cut -c1-64)
echo "$RK" >members
start_platform() { # NAME PORT
	RECEIVED=1 python3 "$HERE/fake_platform.py" "$2" "$HUBKEY" members "$1.jsonl" 2>"$1.log" &
	PIDS+=($!)
	for _ in $(seq 1 100); do grep -q listening "$1.log" 2>/dev/null && return 0; sleep 0.05; done
	return 1
}
start_platform carrier "$P_CAR"
start_platform messenger "$P_MSG"
start_role hub hub.log hub --config hub.ini || { not_ok "hub starts"; finish; }
H="http://127.0.0.1:$PORT_hub"
A_NTS=(-H "Authorization: Bearer $NTS")
A_CAR=(-H "Authorization: Bearer $CAR")
A_MSG=(-H "Authorization: Bearer $MSG")
jqb() { jq -e "$2" <<<"$(body_of "$1")" >/dev/null; }

# The person reaches the carrier first (an SMS), then the messenger.
http POST "$H/v1/directory" "$(jq -nc --arg r "$RK" '{entries:[{rk:$r,consent:true,preference:1}]}')" \
	"${A_CAR[@]}" >/dev/null
http POST "$H/v1/directory" "$(jq -nc --arg r "$RK" '{entries:[{rk:$r,consent:true,preference:2}]}')" \
	"${A_MSG[@]}" >/dev/null
notice() { # REF
	jq -nc --arg ci "$ci" --arg ref "$1" '{reference:$ref, ci:$ci, title:"2026년 자동차세 / Vehicle tax",
		doc_sha256:("cd" * 32), deadline:"2030-12-31", link:("http://127.0.0.1:7004/documents/" + $ref)}'
}
r=$(http POST "$H/v1/notices" "$(jq -sc '{notices: .}' <(notice AL-1) <(notice AL-2))" "${A_NTS[@]}")
N1=$(body_of "$r" | jq -r '.results[0].notice')
N2=$(body_of "$r" | jq -r '.results[1].notice')
view() { curl -s "${A_NTS[@]}" "$H/v1/notices/$1"; }
wait_at() { # NOTICE STATE PLATFORM: up to 30 s, for a machine busy with other suites
	for _ in $(seq 1 300); do
		[ "$(view "$1" | jq -r '.state + "@" + .platform')" = "$2@$3" ] && return 0
		sleep 0.1
	done
	echo "# $1 is $(view "$1" | jq -r '.state + "@" + .platform'), expected $2@$3"
	return 1
}
both_at_carrier() { wait_at "$N1" received carrier && wait_at "$N2" received carrier; }
check "both notices go to the carrier first, into the inbox" both_at_carrier
# status_then RESPONSE STATUS NOTICE STATE PLATFORM: the report's status,
# then where the notice is
status_then() { jqb "$1" ".results[0].status == \"$2\"" && wait_at "$3" "$4" "$5"; }
# post CALLER-KEY-ARRAY-NAME ITEM-JSON: one report; prints the answer
post() { local -n auth=$1; http POST "$H/v1/events" "{\"events\":[$2]}" "${auth[@]}"; }
item() { # NOTICE EVENT [CHANNEL [REFERENCE [REASON]]]
	jq -nc --arg n "$1" --arg e "$2" --arg c "${3-}" --arg r "${4-}" --arg why "${5-}" \
		'{notice:$n, event:$e} + (if $c == "" then {} else {channel:$c} end) +
		 (if $r == "" then {} else {reference:$r} end) + (if $why == "" then {} else {reason:$why} end)'
}

# --- the channel took the alert, then its receipt said delivered ---
r=$(post A_CAR "$(item "$N1" ConsignmentNotification sms smsc-0A1b2C)")
check "ConsignmentNotification with channel sms and the SMSC's reference: recorded" \
	jqb "$r" '.results[0].status == "recorded"'
r=$(post A_CAR "$(item "$N1" ConsignmentNotification sms smsc-0A1b2C)")
check "... sent again (the platform's reporter resends after a lost answer): duplicate" \
	jqb "$r" '.results[0].status == "duplicate"'
r=$(post A_CAR "$(item "$N1" ConsignmentNotificationDelivery sms smsc-0A1b2C)")
check "ConsignmentNotificationDelivery: recorded, the notice stays where it is" \
	status_then "$r" recorded "$N1" received carrier
r=$(post A_CAR "$(item "$N1" ConsignmentNotificationDelivery sms smsc-0A1b2C)")
check "... once per notice and platform: the second is a duplicate" \
	jqb "$r" '.results[0].status == "duplicate"'
r=$(post A_MSG "$(item "$N1" ConsignmentNotificationDelivery push gw-1)")
check "... from a platform the notice was never relayed to: answered as an unknown notice" \
	jqb "$r" '.results[0].error == "unknown notice"'
leaf_of() { # NOTICE EVENT: the notice's first leaf of that event, as the hub shows it
	view "$1" | jq -c --arg e "$2" '[.events[] | select(.event == $e)][0]'
}
alert_leaves_named() {
	for e in ConsignmentNotification ConsignmentNotificationDelivery; do
		leaf_of "$N1" $e | jq -e '(keys_unsorted | .[8:]) == ["reason", "channel", "reference"] and
			.channel == "sms" and .reference == "smsc-0A1b2C" and .actor == "carrier"' >/dev/null ||
			return 1
	done
}
check "the leaves name the channel and the reference, after reason" alert_leaves_named

# --- what the hub refuses ---
long=$(printf 'r%.0s' $(seq 1 65))
r=$(http POST "$H/v1/events" "$(jq -sc '{events: .}' <(item "$N1" ConsignmentNotification fax x) \
	<(item "$N1" ConsignmentNotification sms "two words") <(item "$N1" ConsignmentNotification sms "$long") \
	<(item "$N1" ConsignmentNotification "" only-a-reference) <(item "$N1" ContentConsignment sms x) \
	<(jq -nc --arg n "$N1" '{notice:$n, event:"ConsignmentNotification", channel:7}') \
	<(jq -nc --arg n "$N1" '{notice:$n, event:"ConsignmentNotification", channel:"sms", reference:"참조"}'))" "${A_CAR[@]}")
check "a bad channel or reference: a per-item error each, naming the rule" \
	jqb "$r" '[.results[].error] == ["channel must be \"sms\" or \"push\"",
		"reference must be 1-64 printable ASCII characters without spaces",
		"reference must be 1-64 printable ASCII characters without spaces",
		"reference needs the channel it belongs to",
		"channel and reference are only for ConsignmentNotification, ConsignmentNotificationDelivery and ConsignmentNotificationFailure",
		"channel must be \"sms\" or \"push\"",
		"reference must be 1-64 printable ASCII characters without spaces"]'
check "... and none of them reached the evidence" \
	bash -c "[ \"\$(sqlite3 data/hub.db \"select count(*) from evidence where notice = '$N1'\")\" = 5 ]"

# --- a failed alert: the next platform, then paper ---
r=$(post A_CAR "$(item "$N2" ConsignmentNotification sms smsc-77)")
r=$(post A_CAR "$(item "$N2" ConsignmentNotificationFailure sms smsc-77 "sms: UNDELIV")")
check "... the notice goes on to the messenger at once, into the inbox there" \
	status_then "$r" recorded "$N2" received messenger
check "... which had the relay" grep -q "$N2" messenger.jsonl
check "... with the agency's deadline, longer than the fallback window, still running" \
	[ "$(sqlite3 data/hub.db "select due = deadline from notices where id = '$N2'")" = 1 ]
r=$(post A_CAR "$(item "$N2" ConsignmentNotificationFailure sms smsc-77 "sms: EXPIRED")")
check "a late failure from the carrier, which the notice has left: evidence only" \
	status_then "$r" recorded "$N2" received messenger
r=$(post A_MSG "$(item "$N2" ConsignmentNotificationFailure push gw-9 "push: gateway refused")")
check "the messenger's push fails too: no platform is left, paper" \
	status_then "$r" recorded "$N2" postal messenger
view_has() { view "$1" | jq -e "$2" >/dev/null; } # NOTICE FILTER
check "... the timeline: each failure its own evidence, no AcceptanceRejectionExpiry" \
	view_has "$N2" '[.events[] | .event + ":" + .actor] == ["SubmissionAcceptance:hub",
		"RelayAcceptance:carrier", "ContentConsignment:carrier", "ConsignmentNotification:carrier",
		"ConsignmentNotificationFailure:carrier", "RelayAcceptance:messenger",
		"ContentConsignment:messenger", "ConsignmentNotificationFailure:carrier",
		"ConsignmentNotificationFailure:messenger", "RelayToNonERDS:hub"]'
r=$(http GET "$H/v1/changes?after=0" "" "${A_NTS[@]}")
check "... the agency's feed shows it back in the queue between the platforms" \
	jqb "$r" "[.changes[] | select(.notice == \"$N2\" and .event == null) | .state] == [\"received\", \"accepted\", \"received\", \"accepted\", \"postal\"]"

# --- after the read, a failure changes nothing ---
http POST "$H/v1/events" "$(item "$N1" ContentHandover | jq -sc '{events: .}')" "${A_NTS[@]}" >/dev/null
r=$(post A_CAR "$(item "$N1" ConsignmentNotificationFailure sms smsc-0A1b2C "sms: UNDELIV")")
check "a failure after the read: ignored, the notice stays read" status_then "$r" ignored "$N1" read carrier

# --- certificates ---
for n in 1 2; do
	eval "id=\$N$n"
	curl -s "${A_NTS[@]}" "$H/v1/notices/$id/certificate" >"cert$n.json"
	"$HERALD" verify --log-key log.pub "cert$n.json" >"verify$n.out"
	echo $? >"verify$n.rc"
done
check "the certificate holds the channel and reference of each alert leaf" \
	jq -e '[.entries[].leaf | @base64d | fromjson | select(.event | startswith("ConsignmentNotification"))
		| [.event, .channel, .reference]] == [["ConsignmentNotification", "sms", "smsc-0A1b2C"],
		["ConsignmentNotificationDelivery", "sms", "smsc-0A1b2C"],
		["ConsignmentNotificationFailure", "sms", "smsc-0A1b2C"]]' cert1.json >/dev/null
check "herald verify: VALID, the timeline shows channel, reference and the delivery" \
	bash -c "[ \$(cat verify1.rc) = 0 ] && grep -q '^VALID' verify1.out &&
		grep -Eq 'ConsignmentNotification +carrier  \[sms smsc-0A1b2C\]$' verify1.out &&
		grep -Eq 'ConsignmentNotificationDelivery +carrier  \[sms smsc-0A1b2C\]$' verify1.out &&
		grep -Eq 'ContentHandover +nts$' verify1.out"
check "the failed notice's certificate verifies: both failures with their channels, then paper" \
	bash -c "[ \$(cat verify2.rc) = 0 ] && grep -q '^VALID' verify2.out &&
		grep -Eq 'ConsignmentNotificationFailure +carrier  sms: UNDELIV  \[sms smsc-77\]$' verify2.out &&
		grep -Eq 'ConsignmentNotificationFailure +messenger  push: gateway refused  \[push gw-9\]$' verify2.out &&
		grep -q RelayToNonERDS verify2.out"
python3 - <<'PY'
import base64, json
c = json.load(open("cert2.json"))
for e in c["entries"]:
    leaf = json.loads(base64.b64decode(e["leaf"]))
    if leaf.get("reference") == "gw-9":
        leaf["reference"] = "gw-8"
        e["leaf"] = base64.b64encode(json.dumps(leaf, separators=(",", ":"), ensure_ascii=False).encode()).decode()
json.dump(c, open("bad.json", "w"))
PY
"$HERALD" verify --log-key log.pub bad.json >bad.out
check "a reference changed in a leaf: INVALID" bash -c "[ $? -eq 1 ] && grep -q '^INVALID' bad.out"
curl -s --data-urlencode certificate@cert1.json "$H/verify" >valid.html
check "the verify page shows the channel and reference" \
	bash -c "grep -q 'VALID — ' valid.html && grep -q '<td>sms smsc-0A1b2C</td>' valid.html &&
		grep -q ConsignmentNotificationDelivery valid.html"
check "POST /v1/events logs the notices sent on" grep -q 'moved_on=1' hub.log
kill -TERM "$PID_hub"
wait "$PID_hub"
check "the hub stops cleanly (and, in the sanitizer build, leaks nothing)" [ $? -eq 0 ]

# The PDF from a restarted hub: cairo and fontconfig keep caches to the
# end of the process, which the leak check would count against the hub.
start_role hub2 hub2.log hub --config hub.ini || { not_ok "the hub starts again"; finish; }
H="http://127.0.0.1:$PORT_hub2"
curl -s "${A_NTS[@]}" "$H/v1/notices/$N2/certificate" >cert2b.json
"$HERALD" verify --log-key log.pub cert2b.json >verify2b.out
check "after a restart the failed notice's certificate verifies with the same alert leaves" \
	bash -c "[ $? -eq 0 ] && diff <(grep -v '^signed tree head' verify2.out) <(grep -v '^signed tree head' verify2b.out)"
curl -s "${A_NTS[@]}" "$H/v1/notices/$N1/certificate.pdf" -o cert1.pdf
check "the certificate PDF of a notice with alert evidence is drawn" \
	bash -c "[ \"\$(head -c 4 cert1.pdf)\" = '%PDF' ] && [ \$(stat -c %s cert1.pdf) -gt 10000 ]"
finish
