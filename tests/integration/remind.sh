#!/usr/bin/env bash
# Reminders and the consent pre-notice, end to end on the injected clock
# (HERALD_CLOCK_FILE): a real idsvc, hub and platform, the agency played
# with curl. Notices with a 30-day read deadline; the test moves every
# role's clock by rewriting one file, so the month passes in seconds.
#   A and B consent, C and D are verified members without consent.
#   A's notice is reminded midway and an hour before its deadline, once
#   each; B reads hers and gets none; C is pre-noticed, consents on the
#   citizen pages, receives the notice and is reminded from then on; D is
#   pre-noticed, never answers, and her notice goes to paper when the
#   consent window ends.
. "$(dirname "$0")/../lib.sh"

cd "$T"
key() { openssl rand -hex 32; }
DAY=86400000 HOUR=3600000
export HERALD_CLOCK_FILE=$T/clock
set_clock() { echo "$1" >clock.tmp && mv clock.tmp clock; } # atomic: readers see old or new
set_clock 0

"$HERALD" keygen --hmac --out ci.key >/dev/null 2>&1
"$HERALD" keygen --ed25519 --out view >/dev/null 2>&1
"$HERALD" keygen --ed25519 --out log >/dev/null 2>&1
IDKEY=$("$HERALD" apikey --name messenger --clients idsvc.clients)
HUBKEY=$("$HERALD" apikey --name hub --clients platform.clients)
ADMINKEY=$("$HERALD" apikey --name admin --clients platform.clients)
NTS=$(key) MSG=$(key)
(umask 077; echo "$IDKEY" >idsvc.apikey; echo "$HUBKEY" >hub.key; echo "$MSG" >msg.apikey)
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
TOHUB=(-H "Authorization: Bearer $HUBKEY")
q() { sqlite3 data/platform.db "$1"; }
hq() { sqlite3 hubdata/hub.db "$1"; }
jqe() { jq_test "$@"; }
until_true() { for _ in $(seq 1 150); do "$@" && return 0; sleep 0.05; done; return 1; }

# --- members: A, B consent; C, D verified without consent ---
r=$(http POST "$P/v1/members" '{"members":[
 {"name":"가","phone":"010-1000-0001","rrn":"971013-9019902","pin":"1739","consent":true},
 {"name":"나","phone":"010-1000-0002","rrn":"2103153481720","pin":"2846","consent":true},
 {"name":"다","phone":"010-1000-0003","rrn":"800101-1234567","pin":"3951","consent":false},
 {"name":"라","phone":"010-1000-0004","rrn":"850202-1234567","pin":"4162","consent":false}]}' "${ADMIN[@]}")
check "four members signed up" jqe '[.results[].member | numbers] | length == 4' <<<"$(body_of "$r")"
directory_has() { [ "$(sqlite3 hubdata/directory.db 'SELECT count(*) FROM directory')" = 4 ]; }
check "the hub's directory knows all four, C and D without consent" \
	bash -c "$(declare -f until_true directory_has); until_true directory_has &&
		[ \"\$(sqlite3 hubdata/directory.db 'SELECT count(*) FROM directory WHERE consent = 0')\" = 2 ]"

# --- the agency sends four notices with a 30-day deadline ---
ci_of() { "$HERALD" ci --key-file ci.key "$1" 2>/dev/null; }
DEADLINE=$(date -u -d '+30 days' +%Y-%m-%dT%H:%M:%S.000Z)
notice() { # rrn ref
	jq -nc --arg ci "$(ci_of "$1")" --arg ref "$2" --arg d "$DEADLINE" '{reference:$ref, ci:$ci,
		title:"2026년 자동차세 / Vehicle tax", doc_sha256:("ab" * 32), deadline:$d,
		link:("http://127.0.0.1:7004/documents/" + $ref)}'
}
r=$(http POST "$H/v1/notices" "$(jq -sc '{notices: .}' <(notice 9710139019902 R-A) \
	<(notice 2103153481720 R-B) <(notice 8001011234567 R-C) <(notice 8502021234567 R-D))" "${AG[@]}")
for i in 0 1 2 3; do eval "N$i=$(body_of "$r" | jq -r ".results[$i].notice")"; done
NA=$N0 NB=$N1 NC=$N2 ND=$N3
state_of() { hq "SELECT state FROM notices WHERE id = '$1'"; }
states_are() { [ "$(state_of "$NA")$(state_of "$NB")$(state_of "$NC")$(state_of "$ND")" = "$1" ]; }
check "A's and B's notices are received, C's and D's relayed as pre-notices" \
	until_true states_are receivedreceivedrelayedrelayed
events_of() { curl -s "${AG[@]}" "$H/v1/notices/$1" | jq -c '[.events[] | .event]'; }
leaves_of() { curl -s "${AG[@]}" "$H/v1/notices/$1" | jq -c '.events'; }
check "C's timeline: RelayAcceptance, then ConsentPreNotification by the platform, no ContentConsignment" \
	jqe '(map(.event) | index("ConsentPreNotification")) > (map(.event) | index("RelayAcceptance"))
		and (map(select(.event == "ConsentPreNotification"))[0].actor == "messenger")
		and (map(.event) | index("ContentConsignment")) == null' <<<"$(leaves_of "$NC")"
check "the consent window is the channel's deadline: 7 days, not 30" \
	[ $(( $(hq "SELECT due - window_start FROM notices WHERE id = '$NC'") / DAY )) -eq 7 ]
check "one pre-notice alert each for C and D, naming the agency, not the title" \
	bash -c "[ \"\$(sqlite3 data/platform.db \"SELECT count(*) FROM outbox WHERE kind = 'pre_notice'
		AND notice IN ('$NC', '$ND') AND text LIKE '%공공기관(nts)%' AND text LIKE '%consent to receive it here%'
		AND text NOT LIKE '%Vehicle tax%'\")\" = 2 ] &&
		[ \"\$(sqlite3 data/platform.db \"SELECT count(*) FROM outbox WHERE notice IN ('$NC', '$ND')\")\" = 2 ]"
check "pre-noticed notices are held hidden in the inbox" \
	[ "$(q "SELECT count(*) FROM inbox WHERE pending = 1 AND notice IN ('$NC', '$ND')")" = 2 ]
not_notified() { sleep 0.3; ! events_of "$NC" | grep -q '"ConsignmentNotification"'; }
check "the pre-notices are not reported as ConsignmentNotification" not_notified

login() { # phone pin jar
	web_post "$P" "$P/login" "$3" "$(web_token "$P/" "$3")" -o /dev/null -w '%{http_code}' \
		--data-urlencode "phone=$1" --data-urlencode "pin=$2"
}
check "C signs in" [ "$(login 010-1000-0003 3951 c.jar)" = 303 ]
check "C's inbox does not show the held notice, nor does its page open" \
	bash -c "! curl -s -b c.jar '$P/inbox' | grep -q '$NC' &&
		[ \"\$(curl -s -o /dev/null -w '%{http_code}' -b c.jar '$P/notices/$NC')\" = 404 ]"

# --- the platform's /v1/remind, asked directly ---
r=$(http POST "$P/v1/remind" "{\"reminders\":[{\"notice\":\"$NC\",\"n\":1},
	{\"notice\":\"0193a000-0000-7000-8000-00000000dead\",\"n\":1},{\"notice\":\"x\",\"n\":1},
	{\"notice\":\"$NA\",\"n\":0}]}" "${TOHUB[@]}")
check "POST /v1/remind: held or unknown notices are unknown, bad items per-item errors" \
	jqe '.results[0].status == "unknown" and .results[1].status == "unknown"
		and (.results[2].error | test("notice")) and (.results[3].error | test("n must"))' <<<"$(body_of "$r")"
r=$(http POST "$P/v1/remind" '{"reminders":[]}')
check "POST /v1/remind without the hub's key: 401" [ "$(status_of "$r")" = 401 ]
r=$(http POST "$P/v1/remind" '{"reminders":[]}' "${ADMIN[@]}")
check "POST /v1/remind with the back office's key: 403" [ "$(status_of "$r")" = 403 ]

# --- B reads her notice (the platform issues a view token; the agency reports) ---
check "B signs in" [ "$(login 010-1000-0002 2846 b.jar)" = 303 ]
code=$(web_post "$P" "$P/notices/$NB/open" b.jar "$(web_token "$P/inbox" b.jar)" -o /dev/null \
	-w '%{http_code}' --data-urlencode pin=2846)
check "B opens her notice: 303 to the agency" [ "$code" = 303 ]
http POST "$H/v1/events" "{\"events\":[{\"notice\":\"$NB\",\"event\":\"ContentHandover\"}]}" "${AG[@]}" >/dev/null
check "B's notice is read" until_true states_are receivedreadrelayedrelayed
r=$(http POST "$P/v1/remind" "{\"reminders\":[{\"notice\":\"$NB\",\"n\":1}]}" "${TOHUB[@]}")
check "the platform answers read for B's notice, and queues nothing" \
	bash -c "jq -e '.results[0].status == \"read\"' <<<'$(body_of "$r")' >/dev/null &&
		[ \"\$(sqlite3 data/platform.db \"SELECT count(*) FROM outbox WHERE kind = 'reminder'\")\" = 0 ]"

# --- C consents on the citizen pages ---
code=$(web_post "$P" "$P/consent" c.jar "$(web_token "$P/inbox" c.jar)" -o /dev/null -w '%{http_code}' \
	--data consent=on)
check "C consents: 303" [ "$code" = 303 ]
check "the held notice is in C's inbox now" bash -c "curl -s -b c.jar '$P/inbox' | grep -q '$NC'"
check "C gets the normal alert for it (title, agency)" \
	[ "$(q "SELECT count(*) FROM outbox WHERE notice = '$NC' AND kind = 'alert' AND text LIKE '%Vehicle tax%'")" = 1 ]
check "the hub records ConsentAcceptance and moves C's notice to received" \
	until_true states_are receivedreadreceivedrelayed
check "C's timeline: ConsentPreNotification, ConsentAcceptance, ContentConsignment, in that order" \
	jqe 'map(.event) | (index("ConsentPreNotification") < index("ConsentAcceptance")) and
		(index("ConsentAcceptance") < index("ContentConsignment"))' <<<"$(leaves_of "$NC")"
check "C's read window is the agency's deadline again" \
	[ "$(hq "SELECT due = deadline FROM notices WHERE id = '$NC'")" = 1 ]

# --- day 15 and a bit: midway ---
reminders_of() { # notice n -> how many ReminderNotification leaves with that number
	curl -s "${AG[@]}" "$H/v1/notices/$1" |
		jq --argjson k "$2" '[.events[] | select(.event == "ReminderNotification" and .reminder == $k)] | length'
}
has_reminder() { [ "$(reminders_of "$1" "$2")" = 1 ]; }
set_clock $((15 * DAY + HOUR))
check "midway: A's notice gets reminder 1" until_true has_reminder "$NA" 1
check "midway: C's notice (consented) gets reminder 1" until_true has_reminder "$NC" 1
check "D never consented: at the end of the consent window, expiry then paper" \
	until_true states_are receivedreadreceivedpostal
check "D's expiry says why" \
	jqe 'map(select(.event == "AcceptanceRejectionExpiry"))[0].reason | test("no consent")' <<<"$(leaves_of "$ND")"
sleep 1 # ten deadline rounds: nothing is asked twice
check "each reminder is evidence once, by the platform, numbered" \
	bash -c "[ '$(reminders_of "$NA" 1)' = 1 ] && [ '$(reminders_of "$NC" 1)' = 1 ] &&
		jq -e 'map(select(.event == \"ReminderNotification\"))[0] | .actor == \"messenger\" and .reminder == 1' \
		<<<'$(leaves_of "$NA")' >/dev/null"
check "the platform queued one reminder alert each for A and C, none for B or D" \
	bash -c "[ \"\$(sqlite3 data/platform.db \"SELECT group_concat(notice) FROM (SELECT notice FROM outbox
		WHERE kind = 'reminder' ORDER BY notice)\")\" = \"\$(printf '%s\n' '$NA' '$NC' | sort | paste -sd,)\" ]"
check "a reminder tells title, agency and where to read" \
	[ "$(q "SELECT count(*) FROM outbox WHERE kind = 'reminder' AND text LIKE '%Vehicle tax (nts)%' AND text LIKE '%$P%'")" = 2 ]
check "the read notice and the paper one have no reminders" \
	bash -c "[ '$(reminders_of "$NB" 1)' = 0 ] && [ '$(reminders_of "$ND" 1)' = 0 ]"
check "the read notice left the reminders' index when its point came" \
	[ "$(hq "SELECT remind_at IS NULL FROM notices WHERE id = '$NB'")" = 1 ]
r=$(http POST "$P/v1/remind" "{\"reminders\":[{\"notice\":\"$NA\",\"n\":1}]}" "${TOHUB[@]}")
check "asked again for the same reminder, the platform says queued and queues nothing more" \
	bash -c "jq -e '.results[0].status == \"queued\"' <<<'$(body_of "$r")' >/dev/null &&
		[ \"\$(sqlite3 data/platform.db \"SELECT count(*) FROM outbox WHERE kind = 'reminder' AND notice = '$NA'\")\" = 1 ]"

# --- an hour before the deadline (30 days, less 50 minutes) ---
set_clock $((30 * DAY - 50 * 60000))
check "an hour before: A's notice gets reminder 2" until_true has_reminder "$NA" 2
check "an hour before: C's notice gets reminder 2" until_true has_reminder "$NC" 2
check "the hub's log says how many were due and how many it asked" \
	grep -qE 'reminders: [0-9]+ due, [1-9][0-9]* asked, [0-9]+ queued' hub.log
check "the hub asked for no reminder 3" \
	bash -c "[ \"\$(sqlite3 hubdata/hub.db \"SELECT count(*) FROM reminders WHERE n > 2\")\" = 0 ]"

# --- past the deadline: unread notices move on (one platform: paper) ---
set_clock $((30 * DAY + HOUR))
check "past the deadline, A's and C's unread notices go to paper" \
	until_true states_are postalreadpostalpostal
check "no reminders after the deadline: two each for A and C in all" \
	[ "$(hq "SELECT count(*) FROM reminders")" = 4 ]

# --- C's certificate: the whole story verifies offline ---
curl -s "${AG[@]}" "$H/v1/notices/$NC/certificate" >cert.json
out=$("$HERALD" verify --log-key log.pub cert.json)
check "C's certificate verifies with the pre-notice, the consent and both reminders" \
	bash -c "[ $? -eq 0 ] && grep -q '^VALID' <<<'$out' && grep -q ConsentPreNotification <<<'$out' &&
		grep -q ConsentAcceptance <<<'$out' && [ \$(grep -c ReminderNotification <<<'$out') -eq 2 ]"

# --- a pre-notice cancelled before its member consents ---
# E is verified without consent; her notice, relayed as a pre-notice, is
# cancelled by the agency, and the hub tells the platform. When E then
# consents, the cancelled notice must not be handed over: no alert, no
# ConsentAcceptance or ContentConsignment for the hub's log.
r=$(http POST "$P/v1/members" '{"members":[
 {"name":"마","phone":"010-1000-0005","rrn":"900101-1234568","pin":"5274","consent":false}]}' "${ADMIN[@]}")
E_DEADLINE=$(date -u -d '+60 days' +%Y-%m-%dT%H:%M:%S.000Z)
directory_has_e() { [ "$(sqlite3 hubdata/directory.db 'SELECT count(*) FROM directory')" = 5 ]; }
until_true directory_has_e
r=$(http POST "$H/v1/notices" "$(jq -nc --arg ci "$(ci_of 9001011234568)" --arg d "$E_DEADLINE" \
	'{notices:[{reference:"R-E", ci:$ci, title:"2026년 자동차세 / Vehicle tax", doc_sha256:("ab" * 32),
	deadline:$d, link:"http://127.0.0.1:7004/documents/R-E"}]}')" "${AG[@]}")
NE=$(body_of "$r" | jq -r '.results[0].notice')
e_prenoticed() { [ "$(state_of "$NE")" = relayed ] && [ "$(q "SELECT pending FROM inbox WHERE notice = '$NE'")" = 1 ]; }
check "E's notice is relayed as a pre-notice, held for her consent" until_true e_prenoticed
http POST "$H/v1/cancellations" '{"cancellations":[{"reference":"R-E","reason":"sent in error"}]}' "${AG[@]}" >/dev/null
e_withdrawn() { [ "$(q "SELECT withdrawn_at IS NOT NULL FROM inbox WHERE notice = '$NE'")" = 1 ]; }
check "the agency cancels it; the hub tells the platform, which marks it withdrawn" until_true e_withdrawn
check "... and its pre-notice alert, not yet sent, goes no further (state withdrawn)" \
	[ "$(q "SELECT group_concat(kind || ':' || state) FROM outbox WHERE notice = '$NE'")" = "pre_notice:withdrawn" ]
r=$(http POST "$P/v1/consent" '{"changes":[{"phone":"010-1000-0005","consent":true}]}' "${ADMIN[@]}")
check "E consents" jqe '.results[0].consent == true' <<<"$(body_of "$r")"
sleep 0.5 # ten of the platform's report rounds
check "the cancelled notice is not handed over: dropped from the held ones, no new-notice alert, no consent report" \
	bash -c "[ \"\$(sqlite3 data/platform.db \"SELECT count(*) FROM inbox WHERE notice = '$NE'\")\" = 0 ] &&
		[ \"\$(sqlite3 data/platform.db \"SELECT count(*) FROM outbox WHERE notice = '$NE' AND kind = 'alert'\")\" = 0 ] &&
		[ \"\$(sqlite3 data/platform.db \"SELECT count(*) FROM consent_reports WHERE notice = '$NE'\")\" = 0 ]"
E_LEAVES=$(leaves_of "$NE")
check "the hub's log has no ConsentAcceptance or ContentConsignment for it" \
	bash -c "[ -n '$E_LEAVES' ] && jq -e 'map(.event) | index(\"ConsentAcceptance\") == null and
		index(\"ContentConsignment\") == null and index(\"NoticeCancellation\") != null' <<<'$E_LEAVES' >/dev/null"

# --- a reminder still queued when its member opens the notice ---
# F consents; the hub asks for her reminder while the channel holds it
# (this platform has none running: every alert stays queued). She opens
# the notice: the reminder, which would tell her it is unread, goes no
# further.
r=$(http POST "$P/v1/members" '{"members":[
 {"name":"바","phone":"010-1000-0006","rrn":"910101-1234561","pin":"6384","consent":true}]}' "${ADMIN[@]}")
directory_has_f() { [ "$(sqlite3 hubdata/directory.db 'SELECT count(*) FROM directory')" = 6 ]; }
until_true directory_has_f
r=$(http POST "$H/v1/notices" "$(jq -nc --arg ci "$(ci_of 9101011234561)" --arg d "$E_DEADLINE" \
	'{notices:[{reference:"R-F", ci:$ci, title:"2026년 자동차세 / Vehicle tax", doc_sha256:("ab" * 32),
	deadline:$d, link:"http://127.0.0.1:7004/documents/R-F"}]}')" "${AG[@]}")
NF=$(body_of "$r" | jq -r '.results[0].notice')
f_in_inbox() { [ "$(q "SELECT count(*) FROM inbox WHERE notice = '$NF' AND pending = 0")" = 1 ]; }
check "F's notice reaches her inbox" until_true f_in_inbox
r=$(http POST "$P/v1/remind" "{\"reminders\":[{\"notice\":\"$NF\",\"n\":1}]}" "${TOHUB[@]}")
check "the hub's ask for F's reminder: queued" jqe '.results[0].status == "queued"' <<<"$(body_of "$r")"
check "F signs in" [ "$(login 010-1000-0006 6384 f.jar)" = 303 ]
code=$(web_post "$P" "$P/notices/$NF/open" f.jar "$(web_token "$P/inbox" f.jar)" -o /dev/null \
	-w '%{http_code}' --data-urlencode pin=6384)
check "F opens her notice: 303 to the agency" [ "$code" = 303 ]
check "... and her queued reminder goes no further (state withdrawn), her new-notice alert stays" \
	[ "$(q "SELECT group_concat(kind || ':' || state || ':' || coalesce(reason, ''), ',') FROM
		(SELECT * FROM outbox WHERE notice = '$NF' ORDER BY id)")" = "alert:queued:,reminder:withdrawn:read before it was sent" ]

echo garbage >clock
check "a garbage clock file: the roles warn once and run on" \
	until_true bash -c "grep -q 'HERALD_CLOCK_FILE.*not a number' hub.log"
check "the roles stay up" bash -c "kill -0 $PID_hub && kill -0 $PID_platform"
finish
