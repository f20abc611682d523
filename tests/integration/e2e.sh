#!/usr/bin/env bash
# The whole system, end to end, with every role real: `herald demo` brings
# up idsvc, the hub, two platforms and an agency on loopback, with the
# SMSC and push gateway peers their alerts go to, sends a population its
# notices and has some read; then this test plays a citizen (from the text
# on the phone view to the document) and an attacker against the live
# system, and finally reads every file the roles wrote, byte by byte, for
# data that must not be there. With STORE=postgres (e2e_pg.sh) the hub
# keeps its store in a PostgreSQL server of the test's own
# (herald demo --hub-dsn).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib_pg.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

D=$T/demo
N=${E2E_NOTICES:-1000}
store_up
hub_store=()
[ "$STORE" = postgres ] && hub_store=(--hub-dsn "$PG_DSN")
"$HERALD" demo --dir "$D" --notices "$N" "${hub_store[@]}" >"$T/demo.out" 2>"$T/demo.err" &
DEMO=$!
PIDS+=("$DEMO")
for _ in $(seq 1 1200); do
	grep -q "Press Ctrl-C" "$T/demo.out" 2>/dev/null && break
	kill -0 "$DEMO" 2>/dev/null || break
	sleep 0.1
done
check "the demo comes up and serves" grep -q "Press Ctrl-C" "$T/demo.out" || {
	echo "# $(tail -n 5 "$T/demo.err")"; finish; }

# jq_holds ARGS...: jq -e, quiet; for check (a redirection on check itself
# would swallow its TAP line).
jq_holds() { jq_test "$@"; }

summary=$(grep '^{"submitted"' "$T/demo.out")
echo "# summary: $summary"
check "the summary adds up (submitted = N, received + postal <= accepted, read <= received)" \
	jq_holds --argjson n "$N" '.submitted == $n and .received + .postal <= .accepted
		and .read <= .received and .read > 0 and .postal > 0 and .received > 0' <<<"$summary"

# The alerts went out over SMPP and push, and their receipts came back.
control_of() { sed -n 's/^control on .*(port \([0-9]*\))$/\1/p' "$D/peers/$1.out"; }
SMSC_CONTROL=$(control_of smsc)
PUSH_CONTROL=$(control_of push-gateway)
smsc_stats=$(curl -s "http://127.0.0.1:$SMSC_CONTROL/stats")
push_stats=$(curl -s "http://127.0.0.1:$PUSH_CONTROL/stats")
check "the summary counts alerts sent by SMS and push, delivered, and reminders and pre-notices" \
	jq_holds '.alerts.sms > 0 and .alerts.push > 0 and .alerts.delivered > 0 and .alerts.failed >= 0
		and (.reminders | type) == "number" and (.pre_notices | type) == "number"' <<<"$summary"
check "every notice in an inbox had its alert accepted by a channel (sms + push >= received)" \
	jq_holds '.alerts.sms + .alerts.push >= .received' <<<"$summary"
check "the SMSC peer holds as many whole messages as the summary's sms alerts" \
	jq_holds --argjson s "$summary" '.messages == $s.alerts.sms and .receipts > 0' <<<"$smsc_stats"
check "the push gateway peer accepted as many alerts as the summary's push alerts" \
	jq_holds --argjson s "$summary" '.accepted == $s.alerts.push and .bad_signatures == 0' \
	<<<"$push_stats"
check "the channels' secrets are files of mode 0600" \
	bash -c '[ "$(stat -c %a "$0/platform-carrier/smpp.password")" = 600 ] &&
		[ "$(stat -c %a "$0/platform-messenger/push.key")" = 600 ]' "$D"

# What `make demo` ends with: the cost report, and the paper letters' PDF
# and manifest, by paths a newcomer can open.
check "the demo prints the agency's cost report, with the money paper not printed saved" \
	grep -Eq '^paper avoided: [0-9]+ letters x \(USD 0\.30 postal - USD 0\.08 mobile\) = USD [0-9.]+ saved$' "$T/demo.out"
LETTERS=$(sed -n 's/^Paper letters for the print house (\([0-9]*\) in [0-9]* PDFs*,.*/\1/p' "$T/demo.out")
mapfile -t PDFS < <(sed -n 's/^  pdf  *\(.*\)$/\1/p' "$T/demo.out")
MANIFEST=$(sed -n 's/^  manifest  *\(.*\)$/\1/p' "$T/demo.out")
check "the demo prints the letters for every notice on paper, with the PDFs' and the manifest's paths" \
	bash -c '[ -n "$1" ] && [ "$2" -gt 0 ] && jq -e --argjson k "$1" ".postal <= \$k" >/dev/null <<<"$0"' \
	"$summary" "${LETTERS:-}" "${#PDFS[@]}"
pages_of() { # PDF...: their pages, added up
	local n=0 f
	for f in "$@"; do n=$((n + $(pdfinfo "$f" | sed -n 's/^Pages: *//p'))); done
	echo "$n"
}
check "the PDFs open (pdfinfo) with a page per letter at least, and the manifest lists each letter" \
	bash -c '[ "$0" -ge "$1" ] && [ "$(($(wc -l <"$2") - 1))" = "$1" ]' \
	"$(pages_of "${PDFS[@]}")" "${LETTERS:-x}" "$MANIFEST"

port_of() { sed -n 's/^listen = 127.0.0.1:\([0-9]*\)$/\1/p' "$1"; }
# A platform's citizen pages: its public_url, plain HTTP on loopback.
web_port_of() { sed -n 's|^public_url = http://127.0.0.1:\([0-9]*\)$|\1|p' "$1"; }
MSG=$(web_port_of "$D/platform-messenger/platform.ini")
# The roles speak TLS to each other: their URLs and pins as callers know them.
HUB_URL=$(ini_get "$D/agency/agency.ini" hub url) HUB_PIN=$(ini_get "$D/agency/agency.ini" hub pin)
IDSVC_URL=$(ini_get "$D/agency/agency.ini" idsvc url) IDSVC_PIN=$(ini_get "$D/agency/agency.ini" idsvc pin)
MSG_API=$(ini_get "$D/hub/hub.ini" "platform messenger" url)
MSG_PIN=$(ini_get "$D/hub/hub.ini" "platform messenger" pin)
check "the demo's roles call each other at https URLs with pins" \
	bash -c '[[ $0 == https://* && $1 == https://* && $2 == https://* ]] && [ -n "$3" ] && [ -n "$4" ] && [ -n "$5" ]' \
	"$HUB_URL" "$IDSVC_URL" "$MSG_API" "$HUB_PIN" "$IDSVC_PIN" "$MSG_PIN"

# A notice read after its SMS: its certificate holds the SMSC's acceptance
# (channel sms and the message id) and the receipt, and verifies offline.
READ_SMS=$(hub_sql "file:$D/hub/hub.db?mode=ro" \
	"SELECT id FROM notices WHERE state = 'read' AND platform = 'carrier' LIMIT 1")
curl_pinned "$HUB_PIN" -s -H "Authorization: Bearer $(cat "$D/agency/hub.apikey")" \
	"$HUB_URL/v1/notices/$READ_SMS/certificate" >"$T/sms_cert.json"
sms_alert_leaf() { # CERT: an SMS acceptance with its message id, and the read
	jq -r '.entries[].leaf | @base64d' "$1" | jq -se 'any(.event == "ConsignmentNotification" and
		.channel == "sms" and (.reference | length > 0)) and any(.event == "ContentHandover")' >/dev/null
}
check "a notice read after an SMS has a certificate whose ConsignmentNotification names channel sms" \
	sms_alert_leaf "$T/sms_cert.json"
check "... and herald verify accepts it with the hub's log key" \
	"$HERALD" verify --log-key "$D/signer/log.pub" "$T/sms_cert.json"
AG=$(port_of "$D/agency/agency.ini")

# The demo printed sign-ins for people to try; use them.
mapfile -t signins < <(grep -E '^  010-[0-9]{4}-[0-9]{4} / [0-9]{6}  on messenger' "$T/demo.out" | head -n 2)
check "the demo lists sign-ins for messenger members" [ "${#signins[@]}" -ge 2 ]
A_PHONE=$(awk '{print $1}' <<<"${signins[0]}"); A_PIN=$(awk '{print $3}' <<<"${signins[0]}")
B_PHONE=$(awk '{print $1}' <<<"${signins[1]}"); B_PIN=$(awk '{print $3}' <<<"${signins[1]}")

# The phone view: each demo phone's texts, their links clickable.
PHONES=$(sed -n 's|^  phones *http://127.0.0.1:\([0-9]*\)/$|\1|p' "$T/demo.out")
check "the demo prints the phone view's address" [ -n "$PHONES" ]
CAR=$(web_port_of "$D/platform-carrier/platform.ini")
car_signin=$(grep -E '^  010-[0-9]{4}-[0-9]{4} / [0-9]{6}  on carrier' "$T/demo.out" | head -n1)
C_PHONE=$(awk '{print $1}' <<<"$car_signin")
curl -s "http://127.0.0.1:$PHONES/phones/$A_PHONE" >"$T/phone_a.html"
curl -s "http://127.0.0.1:$PHONES/phones/$C_PHONE" >"$T/phone_c.html"
check "a messenger member's phone shows the push alert with a link to the messenger" \
	grep -q "class=\"push\".*<a href=\"http://127.0.0.1:$MSG\">" "$T/phone_a.html"
check "a carrier member's phone shows the SMS with a link to the carrier" \
	grep -q "class=\"sms\".*<a href=\"http://127.0.0.1:$CAR\">" "$T/phone_c.html"
check "the phone page gives the demo citizen's PIN to sign in with" grep -q "PIN: $A_PIN" "$T/phone_a.html"
link=$(grep -o '<a href="http://127.0.0.1:[0-9]*">' "$T/phone_a.html" | head -n1 | sed 's/<a href="//; s/">//')
check "the text's link opens the platform's sign-in" \
	bash -c 'curl -s "$0" | grep -q "action=\"/login\""' "$link"
check "the phone list links each number's page" \
	grep -q "href=\"/phones/$A_PHONE\"" <(curl -s "http://127.0.0.1:$PHONES/")
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PHONES/phones/011-0000-0000")
check "a number that is no demo phone is 404" [ "$code" = 404 ]
# A text holding markup (sent straight to the SMSC peer as another ESME
# would) is shown as text, never run.
if PORT_SMPP=$(sed -n 's/^listening on .*(port \([0-9]*\))$/\1/p' "$D/peers/smsc.out") &&
	node "$ROOT/tests/peers/smsc/client.js" --port "$PORT_SMPP" --system-id herald \
		--password "$(cat "$D/platform-carrier/smpp.password")" \
		--submit "${C_PHONE//-/}=<script>alert(1)</script> http://x.invalid/\"><b>" >/dev/null; then
	curl -s "http://127.0.0.1:$PHONES/phones/$C_PHONE" >"$T/phone_c2.html"
	check "markup in a text is escaped on the phone view" \
		bash -c '! grep -q "<script>\|<b>" "$0" && grep -q "&lt;script&gt;alert(1)&lt;/script&gt; <a href=\"http://x.invalid/\">http://x.invalid/</a>&quot;&gt;&lt;b&gt;" "$0"' \
		"$T/phone_c2.html"
else
	not_ok "a text can be sent to the SMSC peer with the demo's login"
fi

WEB="http://127.0.0.1:$MSG" # also the messenger's public_url
login() { # jar phone pin
	web_post "$WEB" "$WEB/login" "$1" "$(web_token "$WEB/" "$1")" -o /dev/null \
		--data-urlencode "phone=$2" --data-urlencode "pin=$3"
}
first_notice() { # jar -> the first notice id in the inbox
	curl -s -b "$1" "http://127.0.0.1:$MSG/inbox" | grep -o 'href="/notices/[^"]*"' |
		head -n1 | sed 's|href="/notices/||; s|"||'
}
open_token_url() { # jar notice pin -> the Location of the 303
	web_post "$WEB" "$WEB/notices/$2/open" "$1" "$(web_token "$WEB/inbox" "$1")" -o /dev/null \
		-w '%{redirect_url}' --data-urlencode "pin=$3"
}

login "$T/a.jar" "$A_PHONE" "$A_PIN"
login "$T/b.jar" "$B_PHONE" "$B_PIN"
NA=$(first_notice "$T/a.jar")
NB=$(first_notice "$T/b.jar")
check "both members see a notice in their inbox" [ -n "$NA" ] && [ -n "$NB" ] && [ "$NA" != "$NB" ]

URL_A=$(open_token_url "$T/a.jar" "$NA" "$A_PIN")
URL_B=$(open_token_url "$T/b.jar" "$NB" "$B_PIN")
check "opening a notice redirects to the agency with a view token" \
	bash -c "[[ '$URL_A' == http://127.0.0.1:$AG/documents/*'?token='* ]]"
TOKEN_A=${URL_A#*token=}
DOC_B=${URL_B%%\?*}
code=$(curl -s -o /dev/null -w '%{http_code}' "$DOC_B?token=$TOKEN_A")
check "a token for notice A cannot open notice B: 404, as an unknown reference" [ "$code" = 404 ]
code=$(curl -s -o "$T/docA.html" -w '%{http_code}' "$URL_A")
check "the token opens its own document (200)" [ "$code" = 200 ]
check "the document is the citizen's personalised letter" grep -q "자동차세" "$T/docA.html"
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL_A")
check "the same token a second time is refused (403)" [ "$code" = 403 ]
code=$(web_post "$WEB" "$WEB/notices/$NB/open" "$T/a.jar" "$(web_token "$WEB/inbox" "$T/a.jar")" \
	-o /dev/null -w '%{http_code}' --data-urlencode "pin=$A_PIN")
check "a member cannot open a notice addressed to another CI" \
	bash -c "[ '$code' = 403 ] || [ '$code' = 404 ]"
check "the citizen pages work without JavaScript (no <script>)" \
	bash -c "! curl -s -b '$T/a.jar' http://127.0.0.1:$MSG/inbox | grep -qi '<script'"

# Expired tokens, signed with the platform's real view key: the control
# (same notice and rk, still valid) opens, the expired one does not.
MINT=$(dirname "$HERALD")/mint_token
payload_b=$(python3 -c 'import base64,sys; t=sys.argv[1].split("?token=")[1].split(".")[0]; print(base64.urlsafe_b64decode(t + "=" * (-len(t) % 4)).decode())' "$URL_B")
RK_B=$(jq -r .rk <<<"$payload_b")
EXPIRED=$("$MINT" "$D/platform-messenger/view.key" messenger "$NB" "$RK_B" -1000)
code=$(curl -s -o /dev/null -w '%{http_code}' "$DOC_B?token=$EXPIRED")
check "an expired token is refused (403)" [ "$code" = 403 ]
FRESH=$("$MINT" "$D/platform-messenger/view.key" messenger "$NB" "$RK_B" 60000)
code=$(curl -s -o /dev/null -w '%{http_code}' "$DOC_B?token=$FRESH")
check "the same token, unexpired, opens (control)" [ "$code" = 200 ]

# Every role refuses a wrong or missing key.
for target in "$IDSVC_URL $IDSVC_PIN /v1/ci" "$HUB_URL $HUB_PIN /v1/notices" \
	"$HUB_URL $HUB_PIN /v1/events" "$HUB_URL $HUB_PIN /v1/directory" \
	"$MSG_API $MSG_PIN /v1/relay" "$MSG_API $MSG_PIN /v1/members"; do
	set -- $target
	c1=$(curl_pinned "$2" -s -o /dev/null -w '%{http_code}' -X POST -d '{}' "$1$3")
	c2=$(curl_pinned "$2" -s -o /dev/null -w '%{http_code}' -X POST -d '{}' \
		-H 'Authorization: Bearer nope' "$1$3")
	check "POST $3 at $1: 401 without a key and with a wrong one" \
		bash -c "[ $c1 = 401 ] && [ $c2 = 401 ]"
done

# Resubmitting the very same send creates no second notice: the demo's
# deadline (30 days from its start) is the one its documents hold.
before=$(hub_sql "file:$D/hub/hub.db?mode=ro" 'SELECT count(*) FROM notices')
deadline=$(sqlite3 "file:$D/agency/agency.db?mode=ro" "SELECT deadline FROM documents WHERE reference NOT LIKE 'api-%' LIMIT 1")
"$HERALD" agency send --config "$D/agency/agency.ini" --template "$D/agency/template.html" \
	--title "2026년 자동차세 납부 안내 / Vehicle tax 2026" --deadline "$deadline" \
	"$D/agency/recipients.csv" >"$T/resend.out" 2>"$T/resend.err"
after=$(hub_sql "file:$D/hub/hub.db?mode=ro" 'SELECT count(*) FROM notices')
check "re-running the same send creates no duplicates at the hub ($before -> $after)" \
	[ "$before" = "$after" ]
check "the re-run reports every row as a duplicate" \
	jq_holds --argjson n "$N" '.duplicates == $n' "$T/resend.out"

kill -TERM "$DEMO"
wait "$DEMO"
check "the demo stops cleanly on SIGTERM" [ $? -eq 0 ]
check "the SMSC and gateway peers stopped with it" \
	bash -c '! curl -s -m 2 "http://127.0.0.1:$0/stats" >/dev/null && ! curl -s -m 2 "http://127.0.0.1:$1/stats" >/dev/null' \
	"$SMSC_CONTROL" "$PUSH_CONTROL"
check "the phone view stopped with it" bash -c '! curl -s -m 2 "http://127.0.0.1:$0/" >/dev/null' "$PHONES"

# Nothing where it must not be: RRNs only in the agency's input file,
# addresses never at the hub or a platform, names never at the hub (on
# PostgreSQL: in its database, dumped into the hub's folder for the scan).
[ "$STORE" = postgres ] && "$PG_BIN/pg_dump" -d "$PG_DSN" >"$D/hub/pg_dump.sql"
check "no RRN, address or name where it must not be (byte-wise over every file)" \
	python3 - "$D" <<'PY'
import csv, os, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(f"{d}/agency/recipients.csv", encoding="utf-8")))
rrns = {r["rrn"].encode() for r in rows} | {r["rrn"].replace("-", "").encode() for r in rows}
addresses = {r["address"].encode() for r in rows}
names = {r["name"].encode() for r in rows}
bad = []
for root, _, files in os.walk(d):
    for f in files:
        p = os.path.join(root, f)
        if p == f"{d}/agency/recipients.csv" or not os.path.isfile(p):
            continue  # the input itself, and sockets (the signer's)
        data = open(p, "rb").read()
        rel = os.path.relpath(p, d)
        if any(x in data for x in rrns):
            bad.append(f"RRN in {rel}")
        if rel.startswith(("hub/", "platform-")) and any(a in data for a in addresses):
            bad.append(f"address in {rel}")
        if rel.startswith("hub/") and any(n in data for n in names):
            bad.append(f"name in {rel}")
for b in bad:
    print("#", b)
sys.exit(1 if bad else 0)
PY
finish
