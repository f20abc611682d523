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
. "$(dirname "$0")/../lib.sh"

cd "$T"
key() { openssl rand -hex 32; }
sha() { printf %s "$1" | sha256sum | cut -c1-64; }
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

[platform messenger]
key_sha256 = $(sha "$MSG")
url = http://127.0.0.1:$P_MSG
INI
start_role hub hub.log hub --config hub.ini || { not_ok "hub starts"; finish; }
H="http://127.0.0.1:$PORT_hub"

cat >platform.ini <<INI
[tls]
plain_http = loopback
[platform]
name = messenger
dir = data
listen = 127.0.0.1:$P_MSG
public_url = http://127.0.0.1:$P_MSG
view_key = view.key
clients = platform.clients
pin_hash = min
report_interval_ms = 50
[idsvc]
url = http://127.0.0.1:$PORT_idsvc
key_file = idsvc.apikey
[hub]
url = $H
key_file = msg.apikey
INI
start_role platform platform.log platform --config platform.ini || { not_ok "platform starts"; finish; }
P="http://127.0.0.1:$P_MSG"
AG=(-H "Authorization: Bearer $NTS")
ADMIN=(-H "Authorization: Bearer $ADMINKEY")
hq() { sqlite3 hubdata/hub.db "$1"; }
jqe() { jq -e "$@" >/dev/null; }
until_true() { for _ in $(seq 1 150); do "$@" && return 0; sleep 0.05; done; return 1; }

r=$(http POST "$P/v1/members" '{"members":[
 {"name":"가","phone":"010-1000-0001","rrn":"971013-9019902","pin":"1111","consent":true},
 {"name":"나","phone":"010-1000-0002","rrn":"2103153481720","pin":"2222","consent":true},
 {"name":"라","phone":"010-1000-0004","rrn":"850202-1234567","pin":"4444","consent":true}]}' "${ADMIN[@]}")
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
	jqe '.notices == 4 and .outcomes == {"read":1,"received_unread":1,"paper":2,"failed":0,"pending":0}' report.json
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
finish
