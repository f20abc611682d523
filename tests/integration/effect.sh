#!/usr/bin/env bash
# Legal effect, payments and the cost report, end to end on the injected
# clock (HERALD_CLOCK_FILE): a real idsvc, hub and platform (messenger),
# and the real agency (`agency send` with payment columns, `agency postal
# --sync`, `status`, `paid`, `report`); the citizen's read is played with
# the agency's own POST /v1/events.
#   A: unread: in legal effect 7 days after it reached her inbox, reminded
#      midway, on paper after the deadline.
#   B: paid on day 1: neither reminder nor letter.
#   C: on no platform: paper at once; paid afterwards, which changes nothing.
#   D: read on day 2: in effect from the read.
# Then `agency serve` with the back-office API and a callback receiver
# (from day 22, call it day 0 again):
#   E: read: effective at the read, in GET /v1/notices/{reference} and a
#      callback after the read's.
#   F: unread: effective on day 7, noted by serve with no new event.
#   G: on no platform: effective 10 days after its letter's hand-over to
#      print (`agency postal --letters`, `--handed-over`); C's too.
#   I: on no platform, opened after it went to paper: effective at the
#      reading, as its certificate says, the hub's state still postal.
# Each date the API gives equals `herald verify --effect-rule`'s for the
# notice's certificate.
. "$(dirname "$0")/../lib.sh"

cd "$T"
key() { openssl rand -hex 32; }
DAY=86400000 HOUR=3600000
export HERALD_CLOCK_FILE=$T/clock
set_clock() { echo "$1" >clock.tmp && mv clock.tmp clock; }
set_clock 0

"$HERALD" keygen --hmac --out ci.key >/dev/null 2>&1
"$HERALD" keygen --ed25519 --out view >/dev/null 2>&1
"$HERALD" keygen --ed25519 --out log >/dev/null 2>&1
IDKEY=$("$HERALD" apikey --name messenger --clients idsvc.clients)
AGIDKEY=$("$HERALD" apikey --name nts --clients idsvc.clients)
HUBKEY=$("$HERALD" apikey --name hub --clients platform.clients)
ADMINKEY=$("$HERALD" apikey --name admin --clients platform.clients)
NTS=$(key) MSG=$(key)
(umask 077; echo "$IDKEY" >idsvc.apikey; echo "$AGIDKEY" >agency.idsvc.apikey
	echo "$HUBKEY" >hub.key; echo "$MSG" >msg.apikey; echo "$NTS" >nts.hub.apikey)
start_role idsvc idsvc.log idsvc --plain-http --key-file ci.key --clients idsvc.clients || { not_ok "idsvc starts"; finish; }

P_MSG=$(free_port)
hub_ini "relay_interval_ms = 50
deadline_interval_ms = 100" >hub.ini
start_role hub hub.log hub --config hub.ini || { not_ok "hub starts"; finish; }
H="http://127.0.0.1:$PORT_hub"

messenger_ini idsvc.apikey >platform.ini
start_role platform platform.log platform --config platform.ini || { not_ok "platform starts"; finish; }
P="http://127.0.0.1:$P_MSG"
AG=(-H "Authorization: Bearer $NTS")
ADMIN=(-H "Authorization: Bearer $ADMINKEY")
hq() { sqlite3 hubdata/hub.db "$1"; }
jqe() { jq_test "$@"; }
until_true() { for _ in $(seq 1 150); do "$@" && return 0; sleep 0.05; done; return 1; }

r=$(http POST "$P/v1/members" '{"members":[
 {"name":"가","phone":"010-1000-0001","rrn":"971013-9019902","pin":"1739","consent":true},
 {"name":"나","phone":"010-1000-0002","rrn":"2103153481720","pin":"2846","consent":true},
 {"name":"라","phone":"010-1000-0004","rrn":"850202-1234567","pin":"4162","consent":true}]}' "${ADMIN[@]}")
check "three members signed up" jqe '[.results[].member | numbers] | length == 3' <<<"$(body_of "$r")"
check "the hub's directory knows them" \
	until_true bash -c "[ \"\$(sqlite3 hubdata/directory.db 'SELECT count(*) FROM directory')\" = 3 ]"

AGPORT=$(free_port)
agency_ini() { # extra [agency] lines
	cat <<INI
[tls]
plain_http = loopback
[agency]
name = nts
dir = agdata
listen = 127.0.0.1:$AGPORT
public_url = http://127.0.0.1:$AGPORT/
$1
[idsvc]
url = http://127.0.0.1:$PORT_idsvc
key_file = agency.idsvc.apikey

[hub]
url = $H
key_file = nts.hub.apikey

[platform messenger]
view_pub = view.pub
channel = push
INI
}
agency_ini "" >agency.ini
printf '[agency]\nname = nts\ndir = agdata\npublic_url = http://x/\n\n# the rule\neffect_rule = ContentHandover, Reading+7d\n' >bad.ini
"$HERALD" agency status --config bad.ini >bad.out 2>&1
check "a legal-effect rule that does not parse stops the agency, naming its line" \
	bash -c "[ $? -eq 1 ] && grep -q 'bad.ini:7: \[agency\] effect_rule: term 2: .Reading. is not an evidence event' bad.out"
printf '[agency]\nname = nts\ndir = agdata\npublic_url = http://x/\npostal_cost_usd = cheap\n' >bad2.ini
check "a unit cost that is not a number stops it too" \
	bash -c "\"\$HERALD\" agency report --config bad2.ini 2>&1 | grep -q 'bad2.ini:5: \[agency\] postal_cost_usd must be'"

cat >notice.html <<'HTML'
<p>((name)) 님: ((title)), ((amount_krw)) 원, 납부번호 ((payment_code)), 기한 ((payment_due))</p>
HTML
DEADLINE=$(date -u -d '+20 days' +%Y-%m-%d)
printf '%s\n' 'rrn,name,address,amount_krw,payment_code,payment_due' \
	"971013-9019902,가,서울 종로구 1,125000,GIRO-A,$DEADLINE" \
	"2103153481720,나,서울 종로구 2,98000,GIRO-B,$DEADLINE" \
	"800101-1234567,다,서울 종로구 3,,," \
	"850202-1234567,라,서울 종로구 4,50000,GIRO-D," >recipients.csv
printf '%s\n' 'rrn,name,address,amount_krw,payment_code,payment_due' '971013-9019902,가,서울,12x,G,' >badpay.csv
"$HERALD" agency send --config agency.ini --template notice.html --title "과태료 / Fine" \
	--deadline "$DEADLINE" badpay.csv >/dev/null 2>badpay.err
check "a payment amount that is not a number is refused with its line" \
	grep -q 'badpay.csv: line 2: amount_krw must be a whole number' badpay.err
printf '%s\n' 'rrn,name,address,amount_krw,payment_code,payment_due' '971013-9019902,가,서울,1000,VA-850315-1234566,' >rrnpay.csv
"$HERALD" agency send --config agency.ini --template notice.html --title "과태료 / Fine" \
	--deadline "$DEADLINE" rrnpay.csv >rrnpay.out 2>rrnpay.err
check "a payment code holding an RRN is refused before it goes out, the number not shown" \
	bash -c "grep -q 'rrnpay.csv: line 2: .*resident registration number' rrnpay.err && ! grep -q 1234566 rrnpay.err rrnpay.out"
"$HERALD" agency paid --config agency.ini --code 850315-1234566 R-X >/dev/null 2>paidrrn.err
check "... and so by agency paid --code (usage error, exit 2)" \
	bash -c "[ $? -eq 2 ] && grep -q 'payment_code must not hold a resident registration number' paidrrn.err"
"$HERALD" agency send --config agency.ini --template notice.html --title "과태료 / Fine" \
	--deadline "$DEADLINE" recipients.csv >send.out 2>send.err
check "agency send: four notices accepted" jqe '.accepted == 4 and .failed == 0' send.out
ref() { sqlite3 agdata/agency.db "SELECT reference FROM documents WHERE name = '$1'"; }
RA=$(ref 가) RB=$(ref 나) RC=$(ref 다) RD=$(ref 라)
id_of() { hq "SELECT id FROM notices WHERE reference = '$1'"; }
NA=$(id_of "$RA") NB=$(id_of "$RB") NC=$(id_of "$RC") ND=$(id_of "$RD")
state_of() { hq "SELECT state FROM notices WHERE reference = '$1'"; }
states_are() { [ "$(state_of "$RA")$(state_of "$RB")$(state_of "$RC")$(state_of "$RD")" = "$1" ]; }
check "A, B, D received; C (on no platform) on paper" until_true states_are receivedreceivedpostalreceived
sync() { "$HERALD" agency postal --config agency.ini --sync; }
st() { "$HERALD" agency status --config agency.ini --reference "$1"; }
sync >/dev/null
check "agency status --reference: the payment reference from the CSV" \
	jqe '.payment == {"amount_krw":125000,"payment_code":"GIRO-A","due":"'"$DEADLINE"'"}' <<<"$(st "$RA")"
check "C asks no payment" jqe '.payment == null' <<<"$(st "$RC")"
T0=$(st "$RA" | jq -r .received_at)
check "A's legal effect is pending: 7 days after it reached the inbox (the feed's evidence time)" \
	jqe '.effect | test("\\(ContentConsignment\\+7d\\), pending$")' <<<"$(st "$RA")"

# --- payments ---
r=$(http POST "$H/v1/payments" '{"reference":"no-such-ref","amount_krw":1000,"payment_code":"X1"}' "${AG[@]}")
check "a payment for an unknown notice: 404 naming the reference" \
	bash -c "[ '$(status_of "$r")' = 404 ] && grep -q 'no notice with reference no-such-ref' <<<'$(body_of "$r")'"
r=$(http POST "$H/v1/payments" "{\"reference\":\"$RB\",\"amount_krw\":0,\"payment_code\":\"X1\"}" "${AG[@]}")
check "a payment of 0 won: 400" [ "$(status_of "$r")" = 400 ]
r=$(http POST "$H/v1/payments" "{\"reference\":\"$RB\",\"amount_krw\":5,\"payment_code\":\"X1\"}")
check "a payment without the agency's key: 401" [ "$(status_of "$r")" = 401 ]
"$HERALD" agency paid nope --config agency.ini --amount 5 --code X >paid.out 2>paid.err
check "agency paid for an unknown notice fails with the hub's 404, naming it" \
	bash -c "[ $? -ne 0 ] && grep -q 'no notice with reference nope' paid.err && [ ! -s paid.out ]"
set_clock $((1 * DAY))
out=$("$HERALD" agency paid "$RB" --config agency.ini)
check "agency paid: B is recorded, with the CSV's amount and code" jqe '.status == "recorded"' <<<"$out"
check "B's notice is paid at the hub" until_true states_are receivedpaidpostalreceived
check "B's timeline ends with PaymentReceived naming amount and code" \
	jqe '.events[-1] | .event == "PaymentReceived" and .amount_krw == 98000 and .payment_code == "GIRO-B" and .actor == "nts"' \
	<<<"$(curl -s "${AG[@]}" "$H/v1/notices/$NB")"
check "the same payment again is a duplicate" \
	jqe '.status == "duplicate"' <<<"$("$HERALD" agency paid "$RB" --config agency.ini)"
check "C paid after its paper: recorded as evidence, nothing else changes" \
	jqe '.status == "ignored"' <<<"$("$HERALD" agency paid "$RC" --config agency.ini --amount 7000 --code GIRO-C)"
check "C is still postal, with PaymentReceived in its timeline" \
	bash -c "[ \"\$(sqlite3 hubdata/hub.db \"SELECT state FROM notices WHERE id = '$NC'\")\" = postal ] &&
		curl -s -H 'Authorization: Bearer $NTS' '$H/v1/notices/$NC' | jq -e '[.events[].event] | index(\"PaymentReceived\")' >/dev/null"

# --- D reads on day 2 ---
set_clock $((2 * DAY))
http POST "$H/v1/events" "{\"events\":[{\"notice\":\"$ND\",\"event\":\"ContentHandover\"}]}" "${AG[@]}" >/dev/null
check "D's notice is read" until_true states_are receivedpaidpostalread
sync >/dev/null
check "D is in legal effect from the read" \
	jqe '(.effect | test("\\(ContentHandover\\)$")) and .effective_at == .read_at' <<<"$(st "$RD")"

# --- day 7: A, unread, takes effect ---
set_clock $((7 * DAY - HOUR))
check "an hour before day 7 A is not yet in effect" jqe '.effect | test("pending$")' <<<"$(st "$RA")"
set_clock $((7 * DAY + 60000))
check "on day 7 A is in legal effect: 7 days after it reached her inbox, to the millisecond" \
	bash -c "st() { \"\$HERALD\" agency status --config agency.ini --reference \"\$1\"; }
		jq -e --arg t0 '$T0' '(.effect | test(\"\\\\(ContentConsignment\\\\+7d\\\\)$\")) and
		((.effective_at | sub(\"\\\\.[0-9]+Z$\"; \"Z\") | fromdate) - (\$t0 | sub(\"\\\\.[0-9]+Z$\"; \"Z\") | fromdate) == 604800)
		and (.effective_at[-4:] == \$t0[-4:])' <<<\"\$(st '$RA')\" >/dev/null"
check "agency status counts the notices in effect (A, B, D; none pending)" \
	jqe '.effective == 3 and .effect_pending == 0 and .paid == 1' <<<"$("$HERALD" agency status --config agency.ini)"
curl -s "${AG[@]}" "$H/v1/notices/$NA/certificate" >a.json
out=$("$HERALD" verify --log-key log.pub --effect-rule 'ContentHandover, ContentConsignment+7d, PrintHandover+10d' a.json)
check "herald verify --effect-rule prints the same date from the certificate alone" \
	grep -q "^legal effect under \"ContentHandover, ContentConsignment+7d, PrintHandover+10d\": $(st "$RA" | jq -r .effective_at) (ContentConsignment+7d)" <<<"$out"
out=$("$HERALD" verify --log-key log.pub --effect-rule 'ContentConsignment+30d' a.json)
check "another rule gives another date" grep -q "^legal effect under \"ContentConsignment+30d\": .* (ContentConsignment+30d), pending" <<<"$out"
check "herald verify refuses a rule that does not parse" \
	bash -c "\"\$HERALD\" verify --log-key log.pub --effect-rule 'Soon+1d' a.json; [ \$? -eq 2 ]"
check "the certificate PDF shows the legal effect" \
	bash -c "curl -s -H 'Authorization: Bearer $NTS' '$H/v1/notices/$NA/certificate.pdf' >a.pdf &&
		pdftotext a.pdf - | tr '\\n' ' ' | grep -q 'Legal effect: $(st "$RA" | jq -r .effective_at) (ContentConsignment+7d)'"
check "a bad effect_rule on the PDF: 400" \
	[ "$(curl -s -o /dev/null -w '%{http_code}' "${AG[@]}" "$H/v1/notices/$NA/certificate.pdf?effect_rule=Soon")" = 400 ]

# --- midway and past the deadline: reminders and paper skip B ---
reminders_of() { curl -s "${AG[@]}" "$H/v1/notices/$1" | jq '[.events[] | select(.event == "ReminderNotification")] | length'; }
set_clock $((10 * DAY + 12 * HOUR))
check "midway: A's unread notice is reminded" until_true bash -c "[ \"\$(curl -s -H 'Authorization: Bearer $NTS' '$H/v1/notices/$NA' | jq '[.events[] | select(.event == \"ReminderNotification\")] | length')\" = 1 ]"
set_clock $((21 * DAY))
check "past the deadline: A goes to paper, B stays paid" until_true states_are postalpaidpostalread
sleep 0.5
check "B, paid, got no reminder" [ "$(reminders_of "$NB")" = 0 ]
check "B never left the paid state: no expiry, no RelayToNonERDS" \
	bash -c "! curl -s -H 'Authorization: Bearer $NTS' '$H/v1/notices/$NB' | grep -q 'RelayToNonERDS\|AcceptanceRejectionExpiry'"
check "the platform queued no reminder for B" \
	[ "$(sqlite3 data/platform.db "SELECT count(*) FROM outbox WHERE kind = 'reminder' AND notice = '$NB'")" = 0 ]
sync >postal.csv
check "the postal list has A and C, not the paid B" \
	bash -c "grep -q '^$RA,' postal.csv && grep -q '^$RC,' postal.csv && ! grep -q '^$RB,' postal.csv && [ \$(wc -l <postal.csv) -eq 3 ]"

# --- the report on this known run ---
"$HERALD" agency report --config agency.ini --json >report.json
check "report: 1 read, 1 received unread (B, paid), 2 on paper, none failed or pending" \
	jqe '.notices == 4 and .outcomes == {"read":1,"received_unread":1,"paper":2,"failed":0,"pending":0,"cancelled":0}' report.json
check "report: per platform and per channel (agency.ini channel = push)" \
	jqe '.platforms == {"messenger":{"read":1,"received_unread":1}} and .channels == {"push":{"read":1,"received_unread":1}}' report.json
check "report: median time to read is D's two days" jqe '.median_read_s >= 172740 and .median_read_s <= 172860' report.json
check "report: 2 letters avoided x (0.30 - 0.08) = USD 0.44" \
	jqe '.paper_avoided == 2 and .postal_cost_usd == 0.3 and .mobile_cost_usd == 0.08 and .saved_usd == 0.44' report.json
check "report as a table names the money" \
	bash -c "\"\$HERALD\" agency report --config agency.ini | grep -q 'paper avoided: 2 letters x (USD 0.30 postal - USD 0.08 mobile) = USD 0.44 saved'"
agency_ini "postal_cost_usd = 1.00
mobile_cost_usd = 0.10" >agency2.ini
check "unit costs from agency.ini" jqe '.saved_usd == 1.8' <<<"$("$HERALD" agency report --config agency2.ini --json)"
TOMORROW=$(date -u -d "@$(( $(date +%s) + 22 * 86400 ))" +%Y-%m-%d)
check "report --from a later day counts nothing" \
	jqe '.notices == 0' <<<"$("$HERALD" agency report --config agency.ini --json --from "$TOMORROW")"
check "report --from after --to is a usage error" \
	bash -c "\"\$HERALD\" agency report --config agency.ini --from 2026-12-02 --to 2026-12-01; [ \$? -eq 2 ]"

# --- the back-office API and its callbacks, from day 22 ---
printf '[agency]\nname = nts\ndir = agdata\npublic_url = http://x/\neffect_rule = ContentHandover, ConsignmentNotification+3d\n' >bad3.ini
"$HERALD" agency status --config bad3.ini >bad3.out 2>&1
check "a rule naming an event whose time the agency does not learn is refused, with its line" \
	bash -c "[ $? -eq 1 ] && grep -q 'bad3.ini:5: \[agency\] effect_rule: term 2: the agency learns no time of ConsignmentNotification' bad3.out"
D0=$((22 * DAY))
set_clock $D0
agency_ini "poll_ms = 100
report_ms = 100" >agency.ini
mkdir -p agdata/templates
echo '<p>((name)) 님: ((title)) ((amount))</p>' >agdata/templates/fine.html
APIKEY=$("$HERALD" agency key add --config agency.ini backoffice)
CBPORT=$(free_port)
"$HERALD" agency callback set --config agency.ini "http://127.0.0.1:$CBPORT/cb" >cb.json
python3 "$HERALD_ROOT/tests/integration/callback_receiver.py" "$(jq -r .key cb.json)" \
	"$(jq -r .key_id cb.json)" 0 "$CBPORT" 2>receiver.log &
PIDS+=($!)
start_role agency agency.log agency serve --config agency.ini || { not_ok "agency serve starts"; finish; }
API="http://127.0.0.1:$AGPORT"
BO=(-H "Authorization: Bearer $APIKEY")
DL2=$(date -u -d '+60 days' +%Y-%m-%d)
post() { # caller reference, RRN, name
	http POST "$API/v1/notices" "{\"template\":\"fine\",\"reference\":\"$1\",\"rrn\":\"$2\",
	 \"name\":\"$3\",\"address\":\"서울 종로구 9\",\"personalisation\":{\"amount\":\"40,000\"},
	 \"title\":\"과태료 / Fine\",\"deadline\":\"$DL2\"}" "${BO[@]}"
}
for x in "fine-e 971013-9019902 가" "fine-f 2103153481720 나" "fine-g 800101-1234567 다" \
	"fine-h 971013-9019902 가"; do
	set -- $x
	check "POST /v1/notices $1: 201" [ "$(status_of "$(post "$1" "$2" "$3")")" = 201 ]
done
api() { curl -s "${BO[@]}" "$API/v1/notices/$1"; }
api_state() { [ "$(api "$1" | jq -r .state)" = "$2" ]; }
check "E, F and H reach their inboxes, G goes to paper (the API's state)" \
	until_true bash -c "$(declare -f api api_state); BO=(${BO[*]@Q}); API=$API
		api_state fine-e received && api_state fine-f received && api_state fine-g postal &&
		api_state fine-h received"
check "before any read, E's effect is pending: 7 days after its inbox" \
	jqe '.effect.pending == true and .effect.term == "ContentConsignment+7d" and .effect.event == "ContentConsignment"
		and .effect.rule == "ContentHandover, ContentConsignment+7d, PrintHandover+10d"' <<<"$(api fine-e)"
check "G, on paper with no letter handed over yet, has no effect" jqe '.effect == null' <<<"$(api fine-g)"
NE=$(api fine-e | jq -r .notice) NF=$(api fine-f | jq -r .notice) NG=$(api fine-g | jq -r .notice)
NH=$(api fine-h | jq -r .notice)
cert_effect() { # notice id: the date herald verify gives from its certificate alone
	curl -s "${AG[@]}" "$H/v1/notices/$1/certificate" >"$1.json"
	"$HERALD" verify --log-key log.pub --effect-rule 'ContentHandover, ContentConsignment+7d, PrintHandover+10d' "$1.json" |
		sed -n 's/^legal effect under "[^"]*": \([^ ]*\) .*/\1/p'
}
timeline_has() { api "$1" | jq -e --arg s "$2" '[.timeline[].state] | index($s)' >/dev/null; }
callbacks() { curl -s "http://127.0.0.1:$CBPORT/"; }
# the states of ref's callbacks, in the order they came
cb_states() { callbacks | jq -r --arg r "$1" '[.events[] | select(.reference == $r) | .state] | join(" ")'; }
# The receiver refuses a signature more than 5 minutes from its clock, and
# a refused batch is not sent again: the clock jumps hours and days below,
# so each jump waits until every queued callback has been delivered (or
# given up).
callbacks_queued() {
	sqlite3 agdata/agency.db "SELECT count(*) FROM api_events WHERE id >
		(SELECT coalesce(max(value), 0) FROM meta WHERE key = 'callback_after')"
}
jump_clock() {
	until_true bash -c "$(declare -f callbacks_queued); [ \"\$(callbacks_queued)\" = 0 ]" ||
		not_ok "callbacks delivered before the clock moves to $1"
	set_clock "$1"
}

# E is read on day 0 + 1 hour
jump_clock $((D0 + HOUR))
http POST "$H/v1/events" "{\"events\":[{\"notice\":\"$NE\",\"event\":\"ContentHandover\"}]}" "${AG[@]}" >/dev/null
check "E's read reaches the API" until_true api_state fine-e read
set_clock $((D0 + HOUR + 60000)) # past the settling time: the feed holds every earlier change
check "E: 'effective' in its timeline, after 'read'" until_true timeline_has fine-e effective
e=$(api fine-e)
check "E: in effect at the read's evidence time (ContentHandover), not pending" \
	jqe '(.timeline | map(.state) | .[-2:] == ["read", "effective"]) and .timeline[-1].reason == "ContentHandover"
		and .timeline[-1].at == ([.evidence[] | select(.event == "ContentHandover")][0].at)
		and .effect.at == .timeline[-1].at and .effect.pending == false and .effect.term == "ContentHandover"' <<<"$e"
check "E: the API's date is herald verify's for the certificate" [ "$(jq -r .effect.at <<<"$e")" = "$(cert_effect "$NE")" ]
check "E's callbacks: accepted, received, read, then effective" \
	until_true bash -c "$(declare -f callbacks cb_states); CBPORT=$CBPORT; [ \"\$(cb_states fine-e)\" = 'accepted received read effective' ]"
check "E's effective callback carries the date and the term" \
	jqe '[.events[] | select(.reference == "fine-e" and .state == "effective")] | length == 1 and
		.[0].at == "'"$(jq -r .effect.at <<<"$e")"'" and .[0].reason == "ContentHandover"' <<<"$(callbacks)"

# H, unread, is cancelled on day 0 + 2 hours: it never takes effect
jump_clock $((D0 + 2 * HOUR))
check "H is cancelled through the API" \
	jqe '.status == "cancelled"' <<<"$(curl -s "${BO[@]}" -H 'Content-Type: application/json' \
		-d '{"reason":"sent in error"}' "$API/v1/notices/fine-h/cancel")"
check "H's cancellation reaches its timeline, and it has no effect" \
	until_true bash -c "$(declare -f api); BO=(${BO[*]@Q}); API=$API
		api fine-h | jq -e '.state == \"cancelled\" and .effect == null' >/dev/null"
check "herald verify says the same from H's certificate" \
	bash -c "curl -s -H 'Authorization: Bearer $NTS' '$H/v1/notices/$NH/certificate' >h.json &&
		\"\$HERALD\" verify --log-key log.pub --effect-rule 'ContentHandover, ContentConsignment+7d, PrintHandover+10d' h.json |
		grep -q '^legal effect under .*: none: cancelled at .*, before it took effect'"

# G's letter is printed and handed over on day 1
jump_clock $((D0 + DAY))
"$HERALD" agency postal --config agency.ini --letters >letters.json 2>letters.err
BATCH=$(jq -r .batch letters.json)
check "agency postal --letters prints A, C and G" jqe '.letters == 3' letters.json
check "and no letter for the paid B" \
	bash -c "m=\$(jq -r .manifest letters.json); grep -q ',$RA,' \"\$m\" && grep -q ',$RC,' \"\$m\" && ! grep -q ',$RB,' \"\$m\""
"$HERALD" agency postal --config agency.ini --handed-over "$BATCH" >handover.json 2>handover.err
check "--handed-over: the hub records the batch's three hand-overs" jqe '.recorded == 3 and .failed == 0' handover.json
check "G: 'handed_over' in its timeline, at the hub's PrintHandover time" \
	until_true bash -c "$(declare -f api); BO=(${BO[*]@Q}); API=$API
		api fine-g | jq -e '([.timeline[].state] | index(\"handed_over\")) and
			(.timeline[] | select(.state == \"handed_over\") | .at) == ([.evidence[] | select(.event == \"PrintHandover\")][0].at)' >/dev/null"
g=$(api fine-g)
check "G: effect pending, 10 days after the hand-over" \
	jqe '.effect.pending and .effect.term == "PrintHandover+10d" and .effect.event == "PrintHandover"
		and .effect.event_at == ([.evidence[] | select(.event == "PrintHandover")][0].at)
		and ((.effect.at | sub("\\.[0-9]+Z$"; "Z") | fromdate) - (.effect.event_at | sub("\\.[0-9]+Z$"; "Z") | fromdate) == 864000)' <<<"$g"
check "G's date is herald verify's for the certificate (pending there too)" \
	[ "$(jq -r .effect.at <<<"$g")" = "$(cert_effect "$NG")" ]
"$HERALD" agency postal --config agency.ini --sync >/dev/null
c=$("$HERALD" agency status --config agency.ini --reference "$RC")
check "agency status: C's date counts from its letter's hand-over, as herald verify's does" \
	bash -c "jq -e '.handed_over_at != null and (.effect | test(\"\\\\(PrintHandover\\\\+10d\\\\), pending$\"))' <<<'$c' >/dev/null &&
		[ \"\$(jq -r .effective_at <<<'$c')\" = '$(cert_effect "$NC")' ]"
check "agency status: A (in effect on day 7 of its inbox) keeps its earlier date" \
	jqe '.handed_over_at != null and (.effect | test("\\(ContentConsignment\\+7d\\)$"))' <<<"$(st "$RA")"

# I, for 다 (on no platform), goes to paper at once and is opened on day 1
# + 1 hour, before any letter of it: in effect from the reading, as its
# certificate says, although the hub's state stays postal
check "POST /v1/notices fine-i: 201" [ "$(status_of "$(post fine-i 800101-1234567 다)")" = 201 ]
check "I goes to paper" until_true bash -c "$(declare -f api api_state); BO=(${BO[*]@Q}); API=$API
	api_state fine-i postal"
NI=$(api fine-i | jq -r .notice)
jump_clock $((D0 + DAY + HOUR))
r=$(http POST "$H/v1/events" "{\"events\":[{\"notice\":\"$NI\",\"event\":\"ContentHandover\"}]}" "${AG[@]}")
check "the hub hears I's reading after its paper, and moves nothing" \
	jqe '.results[0].status == "ignored"' <<<"$(body_of "$r")"
check "I: 'opened' in its timeline at the hub's ContentHandover time, still postal" \
	until_true bash -c "$(declare -f api); BO=(${BO[*]@Q}); API=$API
		api fine-i | jq -e '.state == \"postal\" and ([.evidence[] | select(.event == \"ContentHandover\")][0].at) as \$t
			| \$t != null and ([.timeline[] | select(.state == \"opened\") | .at] == [\$t])' >/dev/null"
set_clock $((D0 + DAY + HOUR + 60000))
check "I: 'effective' in its timeline, after 'opened'" until_true timeline_has fine-i effective
i=$(api fine-i)
check "I: in effect at the reading (ContentHandover), not 10 days after a letter" \
	jqe '(.timeline | map(.state) | .[-2:] == ["opened", "effective"]) and .effect.term == "ContentHandover"
		and .effect.pending == false and .effect.at == .timeline[-1].at' <<<"$i"
check "I: the API's date is herald verify's for the certificate" [ "$(jq -r .effect.at <<<"$i")" = "$(cert_effect "$NI")" ]
check "I's callbacks: accepted, postal, opened, then effective" \
	until_true bash -c "$(declare -f callbacks cb_states); CBPORT=$CBPORT; [ \"\$(cb_states fine-i)\" = 'accepted postal opened effective' ]"

# day 7: F, never read, takes effect without any new event
jump_clock $((D0 + 7 * DAY - HOUR))
sleep 0.5
check "an hour before day 7, F is pending and has no 'effective'" \
	bash -c "$(declare -f api timeline_has); BO=(${BO[*]@Q}); API=$API
		api fine-f | jq -e '.effect.pending' >/dev/null && ! timeline_has fine-f effective"
jump_clock $((D0 + 7 * DAY + 60000))
check "day 7: 'effective' in F's timeline, with no new event from the hub" until_true timeline_has fine-f effective
f=$(api fine-f)
check "F: in effect exactly 7 days after its ContentConsignment" \
	jqe '(.timeline[-1] | .state == "effective" and .reason == "ContentConsignment+7d") and .effect.pending == false
		and .effect.event_at == ([.evidence[] | select(.event == "ContentConsignment")][0].at)
		and .timeline[-1].at == .effect.at
		and ((.effect.at | sub("\\.[0-9]+Z$"; "Z") | fromdate) - (.effect.event_at | sub("\\.[0-9]+Z$"; "Z") | fromdate) == 604800)
		and .effect.at[-4:] == .effect.event_at[-4:]' <<<"$f"
check "F: the API's date is herald verify's for the certificate" [ "$(jq -r .effect.at <<<"$f")" = "$(cert_effect "$NF")" ]
check "F's callbacks: accepted, received, then effective on day 7" \
	until_true bash -c "$(declare -f callbacks cb_states); CBPORT=$CBPORT; [ \"\$(cb_states fine-f)\" = 'accepted received effective' ]"

# day 11: G, 10 days after its hand-over
jump_clock $((D0 + 11 * DAY + 60000))
check "day 11: 'effective' in G's timeline, after 'handed_over'" until_true timeline_has fine-g effective
g=$(api fine-g)
check "G: in effect 10 days after the hand-over, the same date verify gives" \
	bash -c "jq -e '(.timeline | map(.state) | .[-2:] == [\"handed_over\", \"effective\"]) and .timeline[-1].reason == \"PrintHandover+10d\"
		and .timeline[-1].at == .effect.at and .effect.pending == false' <<<'$g' >/dev/null &&
		[ \"\$(jq -r .effect.at <<<'$g')\" = '$(cert_effect "$NG")' ]"
check "G's callbacks: accepted, postal, handed_over, then effective" \
	until_true bash -c "$(declare -f callbacks cb_states); CBPORT=$CBPORT; [ \"\$(cb_states fine-g)\" = 'accepted postal handed_over effective' ]"
check "no notice took effect twice, and the cancelled H never did" \
	jqe '[.events[] | select(.state == "effective") | .reference] | (length == 4 and (unique | length) == 4 and (index("fine-h") | not))' <<<"$(callbacks)"
check "H's callbacks end at its cancellation" \
	[ "$(cb_states fine-h)" = "accepted received cancelled" ]
check "every callback's signature checked out" jqe '.bad_signatures == 0' <<<"$(callbacks)"
finish
