#!/usr/bin/env bash
# hub end to end: a real hub with a registry of two agencies and three
# platforms, played by stand-in platforms (fake_platform.py) that accept
# their members and reject everyone else. Covers authentication, batch
# submission and idempotency, per-agency access, relay by preference,
# consent withdrawal, rejection and postal fallback, retry of a platform
# that is down, events and final states, deadlines with channel fallback,
# the changes feed, the evidence table, and a byte-wise scan of the
# database for the submitted CIs. With STORE=postgres (hub_pg.sh) the hub
# keeps it all in a PostgreSQL server of the test's own instead of SQLite.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib_pg.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

cd "$T"
store_up
# The hub's test clock: deadlines must be an hour ahead at submission, so
# the notices that run out are moved past theirs by moving the clock.
export HERALD_CLOCK_FILE=$T/clock
echo 0 >clock
key() { openssl rand -hex 32; }
sha() { printf %s "$1" | sha256sum | cut -c1-64; }
NTS=$(key) LIMS=$(key) MSG=$(key) CAR=$(key) POR=$(key) HUBKEY=$(key)
(umask 077; echo "$HUBKEY" >hub.key)
P_MSG=$(free_port) P_CAR=$(free_port) P_POR=$(free_port)
cat >hub.ini <<INI
[tls]
plain_http = loopback
[hub]
dir = data
listen = 127.0.0.1:0
hub_key_file = hub.key
relay_interval_ms = 50
relay_batch = 25
deadline_interval_ms = 200
fallback_window_s = 2

[agency nts]
key_sha256 = $(sha "$NTS")
documents = http://127.0.0.1:7004/documents/

[agency lims]
key_sha256 = $(sha "$LIMS")

[platform messenger]
key_sha256 = $(sha "$MSG")
url = http://127.0.0.1:$P_MSG
common = 1

[platform carrier]
key_sha256 = $(sha "$CAR")
url = http://127.0.0.1:$P_CAR

[platform portal]
key_sha256 = $(sha "$POR")
url = http://127.0.0.1:$P_POR

$(store_ini)
INI

# Six people: CIs as idsvc would make them (88 base64 characters), and rks.
for i in 1 2 3 4 5 6; do
	ci=$(openssl rand -base64 64 | tr -d '\n')
	eval "CI$i=$ci"
	eval "RK$i=$(printf 'herald-rk-v1:%s' "$ci" | sha256sum | cut -c1-64)"
done
# Who is really a member where (what the stand-ins accept).
printf '%s\n' "$RK1" "$RK2" "$RK5" >msg.members
printf '%s\n' "$RK1" "$RK2" "$RK5" >car.members
printf '%s\n' "$RK6" >por.members

start_platform() { # NAME PORT MEMBERS
	python3 "$HERE/fake_platform.py" "$2" "$HUBKEY" "$3" "$1.jsonl" 2>"$1.log" &
	PIDS+=($!)
	for _ in $(seq 1 100); do grep -q listening "$1.log" 2>/dev/null && return 0; sleep 0.05; done
	return 1
}
start_platform messenger "$P_MSG" msg.members
start_platform carrier "$P_CAR" car.members
# portal stays down for now.

start_role hub hub.log hub --config hub.ini || { not_ok "hub starts"; finish; }
H="http://127.0.0.1:$PORT_hub"
A_NTS=(-H "Authorization: Bearer $NTS")
A_LIMS=(-H "Authorization: Bearer $LIMS")
A_MSG=(-H "Authorization: Bearer $MSG")
A_CAR=(-H "Authorization: Bearer $CAR")
A_POR=(-H "Authorization: Bearer $POR")
jqb() { jq -e "$2" <<<"$(body_of "$1")" >/dev/null; } # RESPONSE FILTER

# --- authentication ---
fails=0
for ep in "POST /v1/notices" "GET /v1/notices/0193a1b2-c3d4-7000-8000-000000000000" \
	"GET /v1/changes" "POST /v1/directory" "POST /v1/events"; do
	set -- $ep
	for auth in "" "Authorization: Bearer ${NTS%?}x" "Authorization: Basic $NTS"; do
		r=$(curl -s -o /dev/null -w '%{http_code}' -X "$1" ${auth:+-H "$auth"} -d '{}' "$H$2")
		[ "$r" = 401 ] || { echo "# $ep with '$auth': $r"; fails=$((fails + 1)); }
	done
done
check "401 for a missing, wrong or non-Bearer key on every endpoint" [ $fails -eq 0 ]
r=$(http POST "$H/v1/notices" '{"notices":[]}' "${A_MSG[@]}")
check "a platform may not submit notices (403)" [ "$(status_of "$r")" = 403 ]
r=$(http POST "$H/v1/directory" '{"entries":[]}' "${A_NTS[@]}")
check "an agency may not write the directory (403)" [ "$(status_of "$r")" = 403 ]
r=$(curl -s -i -X GET "${A_NTS[@]}" "$H/v1/notices" | tr -d '\r')
check "GET /v1/notices: 405 with Allow" \
	bash -c "grep -q '^HTTP/1.1 405' <<<'$r' && grep -q '^Allow: POST$' <<<'$r'"
r=$(curl -s -i -X PUT "$H/verify" | tr -d '\r')
check "PUT /verify: 405 naming both its methods" \
	bash -c "grep -q '^HTTP/1.1 405' <<<'$r' && grep -q '^Allow: GET, POST$' <<<'$r' &&
		grep -q 'use GET or POST' <<<'$r'"
r=$(http GET "$H/v1/nope" "")
check "an unknown path: 404, key or none" [ "$(status_of "$r")" = 404 ]
r=$(http GET "$H/v1/health" "")
check "health answers without a key" [ "$(status_of "$r")" = 200 ]
# Large uploads announce themselves (Expect: 100-continue), so an early
# refusal arrives before any body byte is sent; a client that pushes the
# body regardless may see the connection reset instead of the answer.
EARLY=(-H 'Expect: 100-continue')
head -c 900000 /dev/zero | tr '\0' ' ' >big.txt
r=$(curl -s -o /dev/null -w '%{http_code}' "${EARLY[@]}" -X POST --data-binary @big.txt "$H/v1/notices")
check "a keyless 900 KB upload is refused from its headers, before its body is buffered" \
	bash -c "[ '$r' = 401 ] && grep -q 'POST /v1/notices refused before its body' hub.log"
r=$(curl -s -o /dev/null -w '%{http_code}' "${EARLY[@]}" -X POST --data-binary @big.txt "${A_MSG[@]}" "$H/v1/notices")
check "a platform's key on an agency's route: 403 from the headers, before the body is buffered" \
	bash -c "[ '$r' = 403 ] && grep -q 'POST /v1/notices refused before its body: an API key this route is not for' hub.log"
r1=$(curl -s -o /dev/null -w '%{http_code}' "$H/v1/notices/900101-1234567")
r2=$(curl -s -o /dev/null -w '%{http_code}' "$H/v1/notices/x%0A2026-01-01T00:00:00.000Z%20herald-hub%20error:%20forged")
check "a refused path is logged with an RRN in it masked and no line of its own for a decoded %0A" \
	bash -c "[ $r1/$r2 = 401/401 ] && grep -q 'GET /v1/notices/900101-\*\*\*\*\*\*\* refused' hub.log &&
		! grep -q 1234567 hub.log && ! grep -q '^2026-01-01T00:00:00.000Z herald-hub error: forged' hub.log &&
		grep -q 'GET /v1/notices/x?2026-01-01' hub.log"
r=$(curl -s -o /dev/null -w '%{http_code}' "${EARLY[@]}" -X POST --data-binary @big.txt "${A_NTS[@]}" "$H/v1/nope")
check "an unknown path is refused before its body: 404" [ "$r" = 404 ]
r=$(curl -s -o /dev/null -w '%{http_code}' "${EARLY[@]}" -X POST --data-binary @big.txt "$H/v1/log/sth")
check "the public log reads take no body: 413" [ "$r" = 413 ]
# Pushed regardless (no Expect), a body over its route's limit is read
# and dropped, and the 413 comes at its end: answered while the client
# still sent, one in ten of these got a reset instead of any answer.
head -c 4000000 /dev/zero | tr '\0' ' ' >huge.txt
codes=$(for _ in $(seq 1 40); do
	curl -s -o /dev/null -w '%{http_code}\n' -H 'Expect:' -H 'Content-Type: application/json' \
		-X POST --data-binary @huge.txt "${A_NTS[@]}" "$H/v1/payments"
done | sort | uniq -c | tr -s ' \n' ' ')
check "a 4 MB body to a 1 KB route, sent whole 40 times, gets 413 every time, never a reset ($codes)" \
	[ "$codes" = " 40 413 " ]
rm -f huge.txt

# --- directory ---
dir_msg=$(jq -nc --arg a "$RK1" --arg b "$RK2" --arg d "$RK4" --arg e "$RK5" \
	'{entries:[{rk:$a,consent:true,preference:1},{rk:$b,consent:true,preference:1},
	 {rk:$d,consent:true,preference:1},{rk:$e,consent:true,preference:1},
	 {rk:"ABC",consent:true},{rk:$a,consent:"yes"}]}')
r=$(http POST "$H/v1/directory" "$dir_msg" "${A_MSG[@]}")
check "directory batch: ok items and per-item errors in order" \
	jqb "$r" '.results | length == 6 and (.[0:4] | all(.status == "ok")) and
		(.[4].error | test("rk")) and (.[5].error | test("consent"))'
r=$(http POST "$H/v1/directory" "$(jq -nc --arg a "$RK1" --arg b "$RK2" --arg e "$RK5" \
	'{entries:[{rk:$a,consent:true,preference:2},{rk:$b,consent:true,preference:2},{rk:$e,consent:true,preference:2}]}')" "${A_CAR[@]}")
check "a second platform reports the same people as second choice" jqb "$r" '.results | all(.status == "ok")'
r=$(http POST "$H/v1/directory" "$(jq -nc --arg b "$RK2" '{entries:[{rk:$b,consent:false,preference:1}]}')" "${A_MSG[@]}")
check "person 2 withdraws consent at messenger" jqb "$r" '.results[0].status == "ok"'
http POST "$H/v1/directory" "$(jq -nc --arg f "$RK6" '{entries:[{rk:$f,consent:true}]}')" "${A_POR[@]}" >/dev/null

# --- submission ---
notice() { # N REF DEADLINE
	local ci; eval "ci=\$CI$1"
	jq -nc --arg ci "$ci" --arg ref "$2" --arg dl "$3" '{reference:$ref, ci:$ci,
		title:"2026년 자동차세 납부 안내 / Vehicle tax", doc_sha256:("ab" * 32),
		deadline:$dl, link:("http://127.0.0.1:7004/documents/" + $ref)}'
}
# Two hours ahead: accepted, then run out when the clock moves 3 h on.
SOON=$(date -u -d '+2 hours' +%Y-%m-%dT%H:%M:%S.000Z)
batch=$(jq -sc '{notices: .}' <(notice 1 REF-1 2030-12-31) <(notice 2 REF-2 2030-12-31) \
	<(notice 3 REF-3 2030-12-31) <(notice 4 REF-4 2030-12-31) <(notice 5 REF-5 "$SOON") \
	<(notice 6 REF-6 2030-12-31) <(jq -nc '{reference:"REF-7", ci:"short"}') \
	<(notice 1 "bad ref!" 2030-12-31) <(notice 1 REF-9 2030-02-30))
r=$(http POST "$H/v1/notices" "$batch" "${A_NTS[@]}")
check "submission batch: 200" [ "$(status_of "$r")" = 200 ]
check "six notices accepted with UUIDv7 ids, three per-item errors" \
	jqb "$r" '.results | length == 9 and (.[0:6] | all(.state == "accepted" and .duplicate == false and
		(.notice | test("^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")))) and
		(.[6].error | test("ci")) and .[7].reference == null and (.[7].error | test("reference")) and
		(.[8].error | test("deadline"))'
FIRST=$(body_of "$r")
for i in 1 2 3 4 5 6; do eval "N$i=$(jq -r ".results[$((i - 1))].notice" <<<"$FIRST")"; done
check "error answers quote no CI" bash -c "! grep -qF -- '$CI1' <<<'$FIRST'"
r=$(http POST "$H/v1/notices" "$batch" "${A_NTS[@]}")
check "resubmitting the batch returns the same ids with duplicate:true" \
	bash -c "jq -e --argjson first '$FIRST' '[.results[0:6][] | .notice] == [\$first.results[0:6][] | .notice]
		and (.results[0:6] | all(.duplicate == true))' <<<'$(body_of "$r")' >/dev/null"
check "the database holds six notices, not twelve" \
	[ "$(hub_sql data/hub.db 'select count(*) from notices')" = 6 ]
r=$(http POST "$H/v1/notices" "$(jq -sc '{notices: .} | .notices[0].title = "과태료 640101-1000007"' \
	<(notice 1 REF-RRN 2030-12-31))" "${A_NTS[@]}")
check "a title holding an RRN: a per-item error naming the rule, not the number, nothing stored" \
	bash -c "jq -e '.results[0].error | test(\"resident registration number\")' <<<'$(body_of "$r")' >/dev/null &&
		! grep -q 1000007 <<<'$(body_of "$r")' &&
		[ \"\$(hub_sql data/hub.db \"select count(*) from notices where reference = 'REF-RRN'\")\" = 0 ]"
jqok() { jq -e "$1" <<<"$2" >/dev/null; }
# A new notice's reference that shows an RRN (the agency's system's
# mistake) is refused too: the hub would store it in its notices and log.
r=$(http POST "$H/v1/notices" "$(jq -sc '{notices: .}' <(notice 1 R-9710139019902 2030-12-31))" "${A_NTS[@]}")
ref_rrn_refused() {
	jq -e '.results[0].error == "reference must not hold a resident registration number"' \
		<<<"$(body_of "$r")" >/dev/null && ! grep -q 9019902 <<<"$(body_of "$r")" &&
		[ "$(hub_sql data/hub.db "select count(*) from notices where reference like '%9019902%'")" = 0 ]
}
check "a reference holding an RRN: a per-item error, the reference not echoed, nothing stored" ref_rrn_refused
# So is a payment code or a print batch id, first taken there for the log;
# a cancellation still finds any reference it is given.
r=$(http POST "$H/v1/payments" '{"reference":"REF-1","amount_krw":1000,"payment_code":"VA-9710139019902"}' "${A_NTS[@]}")
check "a payment code holding an RRN: 400 naming the rule" \
	bash -c "[ '$(status_of "$r")' = 400 ] && grep -q 'payment_code must not hold a resident registration number' <<<'$(body_of "$r")'"
r=$(http POST "$H/v1/postal/handover" '{"common":{"batch":"B-971013-9019902"},"notices":[{"notice":"0193a000-0000-7000-8000-000000000001"}]}' "${A_NTS[@]}")
check "a print batch id holding one: a per-item error" \
	jqok '.results[0].error == "batch must not hold a resident registration number"' "$(body_of "$r")"
echo $((3 * 3600 * 1000)) >clock # person 5's deadline has passed
python3 -c 'import json; print(json.dumps({"notices": [{}] * 10001}))' >many.json
r=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	--data-binary @many.json "${A_NTS[@]}" "$H/v1/notices")
check "more than 10,000 notices: 413" [ "$r" = 413 ]
r=$(http POST "$H/v1/notices" '{"notices":[' "${A_NTS[@]}")
check "malformed JSON: 400" [ "$(status_of "$r")" = 400 ]

# --- reading notices ---
r=$(http GET "$H/v1/notices/$N1" "" "${A_LIMS[@]}")
check "another agency gets 404 on nts's notice, as for an unknown one" bash -c "[ '$(status_of "$r")' = 404 ] && grep -q 'unknown notice' <<<'$r'"
r_other=$r
r=$(http GET "$H/v1/notices/0193a1b2-c3d4-7000-8000-000000000000" "" "${A_NTS[@]}")
check "an unknown notice: 404" [ "$(status_of "$r")" = 404 ]
check "... the very answer another agency got for nts's notice (status and body)" [ "$r" = "$r_other" ]
r=$(http GET "$H/v1/notices/..%2F..%2Fetc" "" "${A_NTS[@]}")
check "a malformed id: 404" [ "$(status_of "$r")" = 404 ]

state_of() { # N -> state
	local id; eval "id=\$N$1"
	curl -s "${A_NTS[@]}" "$H/v1/notices/$id" | jq -r .state
}
wait_state() { # N STATE [SECONDS]
	for _ in $(seq 1 $((${3:-10} * 10))); do
		[ "$(state_of "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	echo "# notice $1 is $(state_of "$1"), expected $2"
	return 1
}
events_of_id() { curl -s "${A_NTS[@]}" "$H/v1/notices/$1" | jq -c '[.events[] | .event]'; }
# notice_until ID FILTER: GETs the notice until FILTER holds (5 s at most),
# the last answer left in r.
notice_until() {
	for _ in $(seq 1 100); do
		r=$(http GET "$H/v1/notices/$1" "" "${A_NTS[@]}")
		jqb "$r" "$2" && return 0
		sleep 0.05
	done
	return 1
}
events_of() { local id; eval "id=\$N$1"; events_of_id "$id"; }

# --- relay ---
check "person 1's notice is relayed to messenger (first choice)" wait_state 1 relayed
r=$(http GET "$H/v1/notices/$N1" "" "${A_NTS[@]}")
check "GET notice: platform, reference and history" \
	jqb "$r" '.platform == "messenger" and .reference == "REF-1" and .deadline == "2030-12-31T14:59:59.999Z" and
		([.events[].event] == ["SubmissionAcceptance", "RelayAcceptance"]) and .events[1].actor == "messenger"'
check "the relay carried rk, title, hash and link, and no CI" \
	bash -c "jq -se --arg n '$N1' --arg rk '$RK1' 'map(select(.notice == \$n)) | length == 1 and (.[0] | .rk == \$rk and
		.agency == \"nts\" and (.title | test(\"Vehicle\")) and (.link | test(\"REF-1\")) and has(\"ci\") == false)' messenger.jsonl >/dev/null &&
		! grep -qF -- '$CI1' messenger.jsonl"
check "withdrawn consent: person 2's notice goes to carrier instead" wait_state 2 relayed
r=$(http GET "$H/v1/notices/$N2" "" "${A_NTS[@]}")
check "... and was never offered to messenger" \
	bash -c "[ '$(body_of "$r" | jq -r .platform)' = carrier ] && ! grep -q '$N2' messenger.jsonl"
check "unreachable person 3: postal" wait_state 3 postal
check "... with RelayToNonERDS in the history" bash -c "[ '$(events_of 3)' = '[\"SubmissionAcceptance\",\"RelayToNonERDS\"]' ]"
check "person 4, rejected by messenger (not a member): postal" wait_state 4 postal
check "... after RelayRejection then RelayToNonERDS" \
	bash -c "[ '$(events_of 4)' = '[\"SubmissionAcceptance\",\"RelayRejection\",\"RelayToNonERDS\"]' ]"
r=$(http GET "$H/v1/notices/$N4" "" "${A_NTS[@]}")
check "... the rejection's reason kept whole, to its last character" \
	jq_test '.events[1].reason == "not a member / 회원 아님"' <<<"$(body_of "$r")"
# A platform's reason showing what may be an RRN goes into the log, which
# keeps every leaf for good: it is recorded without it.
printf '%s' '회원 아님 / not a member: 640101-1000007' >messenger.jsonl.reject
r=$(http POST "$H/v1/notices" "$(jq -sc '{notices: .}' <(notice 4 REF-RRN-REASON 2030-12-31))" "${A_NTS[@]}")
NR=$(body_of "$r" | jq -r '.results[0].notice')
notice_until "$NR" '.state == "postal"'
body_of "$r" >rrn_reason.json
# ... and one where the number comes past the 200 bytes a reason keeps:
# cut, its first twelve digits would be kept, and no check finds them.
printf 'not a member %0188d 950505-1234567' 0 >messenger.jsonl.reject
r=$(http POST "$H/v1/notices" "$(jq -sc '{notices: .}' <(notice 4 REF-RRN-REASON-2 2030-12-31))" "${A_NTS[@]}")
notice_until "$(body_of "$r" | jq -r '.results[0].notice')" '.state == "postal"'
rm -f messenger.jsonl.reject
body_of "$r" >rrn_reason2.json
check "a platform's rejection reason holding an RRN is recorded without it, and a warning logged" \
	bash -c "jq -e '.events[1].event == \"RelayRejection\" and (.events[1].reason | startswith(\"the platform\"))' rrn_reason.json >/dev/null &&
		grep -q 'reason was withheld' rrn_reason.json && grep -q 'reason was withheld' rrn_reason2.json &&
		! grep -rqaE '1000007|95050512' data && grep -q 'recorded without it' hub.log"
sleep 1.5
check "person 6's platform is down: still accepted, RelayFailure recorded once" \
	bash -c "[ '$(state_of 6)' = accepted ] && [ '$(events_of 6)' = '[\"SubmissionAcceptance\",\"RelayFailure\"]' ]"
# portal answers as herald's platforms do (accepted with "received"), and
# reports ConsignmentNotification before it answers the relay call.
RECEIVED=1 REPORT_EVENT=ConsignmentNotification REPORT_HUB=$H REPORT_KEY=$POR \
	start_platform portal "$P_POR" por.members
check "the platform comes up: the retry relays the notice" wait_state 6 received 20
check "... a report during the relay call: RelayAcceptance and ContentConsignment first, each once" \
	bash -c "[ '$(events_of 6)' = '[\"SubmissionAcceptance\",\"RelayFailure\",\"RelayAcceptance\",\"ContentConsignment\",\"ConsignmentNotification\"]' ]"
check "... the RelayAcceptance names portal, and the report was recorded" \
	bash -c "[ '$(curl -s "${A_NTS[@]}" "$H/v1/notices/$N6" | jq -r '.events[2].actor')' = portal ] &&
		grep -q '\"recorded\"' portal.jsonl.reports"
r=$(http POST "$H/v1/events" "$(jq -nc --arg n "$N6" '{events:[{notice:$n, event:"ContentConsignment"}]}')" "${A_POR[@]}")
check "... portal's ContentConsignment reported again as an event: duplicate" \
	jqb "$r" '.results[0].status == "duplicate"'
r=$(http GET "$H/v1/changes?after=0&limit=10000" "" "${A_NTS[@]}")
check "... the agency's feed shows it received, one change (accepted was the submission's answer)" \
	jqb "$r" "[.changes[] | select(.notice == \"$N6\" and .event == null) | .state] == [\"received\"]"

# --- events ---
ev() { jq -nc --arg n "$1" --arg e "$2" '{events:[{notice:$n, event:$e, at:"2026-11-27T08:00:00.000Z", reason:null}]}'; }
r=$(http POST "$H/v1/events" "$(ev "$N1" ContentConsignment)" "${A_MSG[@]}")
check "ContentConsignment from messenger: recorded, state received" \
	bash -c "jq -e '.results[0].status == \"recorded\"' <<<'$(body_of "$r")' >/dev/null && [ '$(state_of 1)' = received ]"
r=$(http POST "$H/v1/events" "$(ev "$N1" ContentConsignment)" "${A_MSG[@]}")
check "the same report again: duplicate" jqb "$r" '.results[0].status == "duplicate"'
r=$(http POST "$H/v1/events" "$(ev "$N1" ConsignmentNotification)" "${A_CAR[@]}")
check "carrier reporting on messenger's notice: answered as an unknown notice" jqb "$r" '.results[0].error == "unknown notice"'
r=$(http POST "$H/v1/events" "$(ev "$N1" ContentHandover)" "${A_MSG[@]}")
check "a platform may not report ContentHandover" jqb "$r" '.results[0].error == "event not allowed for this caller"'
r=$(http POST "$H/v1/events" "$(ev "$N1" ContentHandover)" "${A_LIMS[@]}")
check "another agency reporting a read: answered as an unknown notice" jqb "$r" '.results[0].error == "unknown notice"'
r=$(http POST "$H/v1/events" "$(jq -nc --arg n "$N1" '{events:[{notice:$n, event:"ContentHandover"},
	{notice:"nope", event:"ContentHandover"}, {notice:$n, event:"Teleported"},
	{notice:"0193a1b2-c3d4-7000-8000-000000000000", event:"ContentHandover"}]}')" "${A_NTS[@]}")
check "ContentHandover from nts: recorded; bad items get their own errors" \
	jqb "$r" '.results[0].status == "recorded" and (.results[1].error | test("notice id")) and
		.results[2].error == "unknown event" and .results[3].error == "unknown notice"'
check "... and the notice is read" wait_state 1 read 1
r=$(http POST "$H/v1/events" "$(ev "$N1" ConsignmentNotification)" "${A_MSG[@]}")
check "a late ConsignmentNotification after read: ignored" jqb "$r" '.results[0].status == "ignored"'
r=$(http POST "$H/v1/events" "$(ev "$N1" ContentHandoverFailure)" "${A_NTS[@]}")
check "a late ContentHandoverFailure after read: ignored, still read" \
	bash -c "jq -e '.results[0].status == \"ignored\"' <<<'$(body_of "$r")' >/dev/null && [ '$(state_of 1)' = read ]"
check "the late reports are kept as evidence" \
	bash -c "[ '$(events_of 1)' = '[\"SubmissionAcceptance\",\"RelayAcceptance\",\"ContentConsignment\",\"ContentHandover\",\"ConsignmentNotification\",\"ContentHandoverFailure\"]' ]"

# --- who may report, and failures with their reasons ---
r=$(http POST "$H/v1/events" "$(ev "$N4" ContentConsignment)" "${A_MSG[@]}")
check "a platform that rejected the relay may not report on it" jqb "$r" '.results[0].error == "unknown notice"'
evr() { jq -nc --arg n "$1" --arg e "$2" --arg r "$3" '{events:[{notice:$n, event:$e, reason:$r}]}'; }
r=$(http POST "$H/v1/events" "$(evr "$N6" ConsignmentNotificationFailure "sms: absent subscriber")" "${A_POR[@]}")
check "ConsignmentNotificationFailure: recorded" jqb "$r" '.results[0].status == "recorded"'
r=$(http POST "$H/v1/events" "$(evr "$N6" ConsignmentNotificationFailure "sms: absent subscriber")" "${A_POR[@]}")
check "... the same failure with the same reason: duplicate" jqb "$r" '.results[0].status == "duplicate"'
# A failed alert ends the channel: person 6 has no other platform.
check "... the alert failed on portal, person 6's only platform: postal" wait_state 6 postal
r=$(http POST "$H/v1/events" "$(evr "$N6" ConsignmentNotificationFailure "push: token expired")" "${A_POR[@]}")
check "... a second failure for another reason, after postal: ignored, kept as evidence too" \
	bash -c "jq -e '.results[0].status == \"ignored\"' <<<'$(body_of "$r")' >/dev/null &&
		[ \"\$(curl -s ${A_NTS[*]@Q} '$H/v1/notices/$N6' | jq '[.events[] | select(.event == \"ConsignmentNotificationFailure\") | .reason]')\" = \"\$(jq -n '[\"sms: absent subscriber\", \"push: token expired\"]')\" ]"

# --- deadlines: person 5's deadline has passed ---
check "unread past its deadline: messenger, then carrier, then postal" wait_state 5 postal 15
check "... history shows both expiries and the fallback" \
	bash -c "[ '$(events_of 5)' = '[\"SubmissionAcceptance\",\"RelayAcceptance\",\"AcceptanceRejectionExpiry\",\"RelayAcceptance\",\"AcceptanceRejectionExpiry\",\"RelayToNonERDS\"]' ]"
# A consignment that messenger reports after its deadline ran out must not
# pull the notice back: it moves on to carrier, then postal, as before.
SOON=$(date -u -d '+5 hours' +%Y-%m-%dT%H:%M:%S.000Z) # 2 h ahead of the hub's clock
r=$(http POST "$H/v1/notices" "$(jq -sc '{notices: .}' <(notice 5 REF-10 "$SOON"))" "${A_NTS[@]}")
echo $((6 * 3600 * 1000)) >clock
N10=$(body_of "$r" | jq -r '.results[0].notice')
expired_on_messenger() {
	for _ in $(seq 1 100); do
		curl -s "${A_NTS[@]}" "$H/v1/notices/$N10" | jq -e '[.events[].event] | index("AcceptanceRejectionExpiry")' >/dev/null && return 0
		sleep 0.05
	done
	return 1
}
check "a notice expires on messenger" expired_on_messenger
r=$(http POST "$H/v1/events" "$(ev "$N10" ContentConsignment)" "${A_MSG[@]}")
check "... messenger's late ContentConsignment is recorded as evidence" jqb "$r" '.results[0].status == "recorded"'
check "... and the notice still moves on to postal" wait_state 10 postal 15
check "... through carrier, not stuck at messenger" \
	bash -c "curl -s ${A_NTS[*]@Q} '$H/v1/notices/$N10' | jq -e '[.events[] | select(.event == \"RelayAcceptance\") | .actor] == [\"messenger\", \"carrier\"] and
		([.events[] | select(.event == \"ContentConsignment\") | .actor] == [\"messenger\"])' >/dev/null"

# --- changes feed ---
r=$(http GET "$H/v1/changes?after=0&limit=10000" "" "${A_NTS[@]}")
check "changes feed lists the postal notices with their references" \
	jqb "$r" '[.changes[] | select(.state == "postal") | .reference] | sort == ["REF-10", "REF-3", "REF-4", "REF-5", "REF-6", "REF-RRN-REASON", "REF-RRN-REASON-2"]'
check "changes are in seq order and next is the last seq" \
	jqb "$r" '(.changes | map(.seq)) as $s | $s == ($s | sort) and .next == $s[-1]'
NEXT=$(body_of "$r" | jq .next)
r=$(http GET "$H/v1/changes?after=$NEXT" "" "${A_NTS[@]}")
check "polling after next: nothing new" jqb "$r" ".changes == [] and .next == $NEXT"
r=$(http GET "$H/v1/changes" "" "${A_LIMS[@]}")
check "another agency's feed is empty" jqb "$r" '.changes == []'
r=$(http GET "$H/v1/changes?limit=10001" "" "${A_NTS[@]}")
check "limit over 10,000: 400" [ "$(status_of "$r")" = 400 ]

# --- the evidence table and shutdown ---
kill -TERM "$PID_hub"
wait "$PID_hub"
check "SIGTERM stops the hub cleanly (exit 0)" [ $? -eq 0 ]
if [ "$STORE" = postgres ]; then
	# Every leaf integrated by now (the sequencer ran until SIGTERM), as
	# hex: idx|notice|leaf|hash.
	pg_psql "select idx, notice, encode(leaf, 'hex'), encode(hash, 'hex') from log_leaves order by idx" >leaves.txt
	cat >leaves.py <<'PY'
import hashlib, json, sys
rows = [l.rstrip("\n").split("|") for l in open("leaves.txt")]
ok = [int(r[0]) for r in rows] == list(range(len(rows))) and len(rows) > 20
for idx, notice, leaf, h in rows:
    leaf = bytes.fromhex(leaf)
    ok = ok and hashlib.sha256(b"\0" + leaf).hexdigest() == h
    j = json.loads(leaf)
    ok = ok and list(j)[:9] == ["v", "event", "notice", "at", "agency", "actor", "rk", "doc_sha256", "reason"]
    ok = ok and j["notice"] == notice and j["v"] == 1
sys.exit(0 if ok else 1)
PY
	check "evidence: idx from 0 without gaps, every leaf in the fixed key order and matching its hash, nothing left pending" \
		bash -c "[ \"\$(hub_sql - 'select count(*) from log_pending')\" = 0 ] && python3 leaves.py"
else
check "evidence: idx from 0 without gaps, every leaf in the fixed key order and matching its hash, every SubmissionAcceptance in the leaf file" \
	python3 - <<'PY'
import hashlib, json, sqlite3, sys
rows = sqlite3.connect("data/hub.db").execute(
    "select idx, notice, leaf, hash, off, len from evidence order by idx").fetchall()
ok = [r[0] for r in rows] == list(range(len(rows))) and len(rows) > 20
filed = open("data/hub.db.leaves", "rb").read()
in_file = 0
for idx, notice, leaf, h, off, n in rows:
    if off is not None:
        ok = ok and leaf == b"" and off + n <= len(filed)
        leaf = filed[off:off + n]
        in_file += 1
    ok = ok and hashlib.sha256(b"\0" + leaf).digest() == h
    j = json.loads(leaf)
    ok = ok and list(j)[:9] == ["v", "event", "notice", "at", "agency", "actor", "rk", "doc_sha256", "reason"]
    ok = ok and j["notice"] == notice and j["v"] == 1
    # Made before the writer's lock, so their bytes went to the file.
    ok = ok and (off is not None or j["event"] != "SubmissionAcceptance")
print("# %d of %d leaves in the leaf file" % (in_file, len(rows)), file=sys.stderr)
sys.exit(0 if ok and in_file > 0 else 1)
PY
fi
check "no relayed or received notice is left without a read deadline" \
	[ "$(hub_sql data/hub.db "select count(*) from notices where state in ('relayed', 'received') and due is null")" = 0 ]
if [ "$STORE" = postgres ]; then
	check "on PostgreSQL the hub writes no hub.db of its own" [ ! -e data/hub.db ]
	# The whole database as text, beside what the hub keeps in its dir.
	"$PG_BIN/pg_dump" -d "$PG_DSN" >dump.sql
	check "pg_dump of the hub's database holds its notices" grep -q "REF-1" dump.sql
	dumps=(dump.sql "$PG_DIR"/data/pg_wal/*)
else
	check "database files are 0600" \
		bash -c '[ "$(stat -c %a data/hub.db)" = 600 ] && [ "$(stat -c %a data/directory.db)" = 600 ] &&
			[ "$(stat -c %a data/hub.db.leaves)" = 600 ]'
	dumps=()
fi
found=0
for i in 1 2 3 4 5 6; do
	eval "ci=\$CI$i"
	for f in data/* hub.log "${dumps[@]}"; do grep -qaF -- "$ci" "$f" && { echo "# CI $i in $f"; found=1; }; done
done
check "no submitted CI anywhere in the database, its WAL or the log" [ $found -eq 0 ]

# --- a hub.db from before directory.db: its directory table moves over ---
# (SQLite's history; on PostgreSQL the hub just starts again.)
if [ "$STORE" = postgres ]; then
start_role hub2 hub2.log hub --config hub.ini || { not_ok "the hub starts again"; finish; }
H="http://127.0.0.1:$PORT_hub2"
was="after a restart"
else
was="an older hub.db"
entries=$(sqlite3 data/directory.db 'select count(*) from directory')
sqlite3 data/hub.db "ATTACH 'data/directory.db' AS d;
	CREATE TABLE directory(rk TEXT NOT NULL, platform TEXT NOT NULL, consent INTEGER NOT NULL,
	  preference INTEGER NOT NULL, updated INTEGER NOT NULL, PRIMARY KEY(rk, platform)) WITHOUT ROWID;
	INSERT INTO directory SELECT * FROM d.directory;"
# ... and from before relays kept each platform's once-only events: those
# were rows of `reported`.
sqlite3 data/hub.db "ALTER TABLE relays RENAME TO relays_now;
	CREATE TABLE relays(notice TEXT NOT NULL, platform TEXT NOT NULL, accepted INTEGER NOT NULL,
	  PRIMARY KEY(notice, platform)) WITHOUT ROWID;
	INSERT INTO relays SELECT notice, platform, accepted FROM relays_now;
	INSERT OR IGNORE INTO reported SELECT notice, 'ContentConsignment', platform, '' FROM relays_now WHERE events & 64;
	INSERT OR IGNORE INTO reported SELECT notice, 'ConsignmentNotification', platform, '' FROM relays_now WHERE events & 128;
	DROP TABLE relays_now;"
rm -f data/directory.db data/directory.db-wal data/directory.db-shm
start_role hub2 hub2.log hub --config hub.ini || { not_ok "the hub starts on an older hub.db"; finish; }
H="http://127.0.0.1:$PORT_hub2"
check "an older hub.db: its $entries directory entries move to directory.db, and the table goes" \
	bash -c "[ \"\$(sqlite3 data/directory.db 'select count(*) from directory')\" = '$entries' ] &&
		[ \"\$(sqlite3 data/hub.db \"select count(*) from sqlite_schema where name = 'directory'\")\" = 0 ] &&
		grep -q 'moved $entries entries' hub2.log"
fi
r=$(http POST "$H/v1/events" "$(jq -nc --arg n "$N6" '{events:[{notice:$n, event:"ContentConsignment"},
	{notice:$n, event:"ConsignmentNotification"}]}')" "${A_POR[@]}")
check "$was: a platform's ContentConsignment and ConsignmentNotification, reported again, are duplicates" \
	jqb "$r" '[.results[].status] == ["duplicate", "duplicate"]'
r=$(http POST "$H/v1/notices" "$(jq -sc '{notices: .}' <(notice 1 REF-MOVED 2030-12-31))" "${A_NTS[@]}")
NM=$(body_of "$r" | jq -r '.results[0].notice')
notice_until "$NM" '.state != "accepted"'
check "... and routes: person 1's new notice is relayed to their first platform" \
	jqb "$r" '.state == "relayed" and .platform == "messenger"'
# Two relay workers (the default) and rounds of 25: many rounds in flight
# at once, and still no notice goes to a platform twice.
bulk=$(for i in $(seq 1 200); do notice 1 "REF-BULK-$i" 2030-12-31; done | jq -sc '{notices: .}')
http POST "$H/v1/notices" "$bulk" "${A_NTS[@]}" >/dev/null
for _ in $(seq 1 200); do
	[ "$(grep -c "REF-BULK-" messenger.jsonl)" -ge 200 ] && break
	sleep 0.05
done
sleep 0.3 # a second relay of any of them would have arrived by now
check "200 notices relayed by two workers in rounds of 25: each reaches messenger exactly once" \
	bash -c "[ \"\$(grep 'REF-BULK-' messenger.jsonl | jq -r .notice | sort | uniq | wc -l)\" = 200 ] &&
		[ \"\$(grep -c REF-BULK- messenger.jsonl)\" = 200 ]"

# --- fields a batch states once (protocol.md, "Common fields") ---
shared_item() { # N REF [TITLE]
	local ci; eval "ci=\$CI$1"
	jq -nc --arg ci "$ci" --arg ref "$2" --arg t "${3:-}" '{reference:$ref, ci:$ci, doc_sha256:("cd" * 32),
		link:("http://127.0.0.1:7004/documents/" + $ref)} + (if $t == "" then {} else {title:$t} end)'
}
batch=$(jq -sc '{common: {title: "공통 제목 / Shared title", deadline: "2030-06-30"}, notices: .}' \
	<(shared_item 1 REF-SHARED-1) <(shared_item 1 REF-SHARED-2 "Its own title"))
r=$(http POST "$H/v1/notices" "$batch" "${A_NTS[@]}")
check "a submission batch with common title and deadline: both accepted" \
	jqb "$r" '[.results[].state] == ["accepted", "accepted"]'
# nts's links must start with its documents URL (hub.ini); lims has none.
off_site() { # REF LINK
	jq -nc --arg ci "$CI1" --arg ref "$1" --arg l "$2" '{reference:$ref, ci:$ci, title:"Phish",
		doc_sha256:("ab" * 32), deadline:"2030-12-31", link:$l}'
}
batch=$(jq -sc '{notices: .}' <(off_site REF-OFF-1 "https://evil.example/documents/REF-OFF-1") \
	<(off_site REF-OFF-2 "http://127.0.0.1:7004/documentsX/REF-OFF-2") \
	<(off_site REF-OFF-3 "http://127.0.0.1:7004.evil.example/documents/REF-OFF-3") \
	<(off_site REF-OFF-5 "http://127.0.0.1:7004/documents/../admin/REF-OFF-5") \
	<(off_site REF-OFF-6 "http://127.0.0.1:7004/documents/%2E%2E/REF-OFF-6"))
r2=$(http POST "$H/v1/notices" "$batch" "${A_NTS[@]}")
check "a link outside the agency's documents URL (another host, path, or a way out of it) is refused per item" \
	jqb "$r2" '[.results[].error] | length == 5 and all(test("not under this agency.s documents URL"))'
r2=$(http POST "$H/v1/notices" "$(jq -sc '{notices: .}' <(off_site REF-OFF-4 "https://evil.example/x"))" "${A_LIMS[@]}")
check "... an agency without documents in hub.ini may link anywhere" jqb "$r2" '.results[0].state == "accepted"'
S1=$(body_of "$r" | jq -r '.results[0].notice')
S2=$(body_of "$r" | jq -r '.results[1].notice')
check "... an item without them takes the common ones, an item's own title wins" \
	bash -c "[ \"\$(hub_sql data/hub.db \"select title || '|' || deadline from notices where id = '$S1'\")\" = '공통 제목 / Shared title|1909061999999' ] &&
		[ \"\$(hub_sql data/hub.db \"select title || '|' || deadline from notices where id = '$S2'\")\" = 'Its own title|1909061999999' ]"
for _ in $(seq 1 100); do grep -q "$S2" messenger.jsonl && break; sleep 0.05; done
check "... and the relay to the platform carries each one's title and deadline" \
	bash -c "jq -se --arg a '$S1' --arg b '$S2' '(map(select(.notice == \$a))[0] | .title == \"공통 제목 / Shared title\" and
		.deadline == \"2030-06-30T14:59:59.999Z\" and .agency == \"nts\") and
		(map(select(.notice == \$b))[0] | .title == \"Its own title\")' messenger.jsonl >/dev/null"
check "relays to messenger (common = 1) state agency, title and deadline once, in common" \
	bash -c "jq -se 'length > 0 and all(has(\"agency\") and has(\"title\") and has(\"deadline\"))' messenger.jsonl.common >/dev/null"
check "... relays to carrier (no common setting) carry every field in each notice" \
	bash -c "[ -s carrier.jsonl ] && [ ! -e carrier.jsonl.common ] &&
		jq -se 'all(has(\"agency\") and has(\"title\") and has(\"deadline\"))' carrier.jsonl >/dev/null"
sed 's/^common = 1$/common = yes/' hub.ini >hub_bad.ini
timeout 10 "$HERALD" hub --config hub_bad.ini >bad_common.log 2>&1
bad_rc=$?
check "a platform's common setting other than 0 or 1: the hub does not start, and says why" \
	bash -c "[ $bad_rc -ne 0 ] && [ $bad_rc -ne 124 ] && grep -q 'common' bad_common.log"
r=$(http POST "$H/v1/notices" "$(jq -sc '{common: {ci: "x"}, notices: .}' <(shared_item 1 REF-SHARED-3))" "${A_NTS[@]}")
check "a common field items may not share (ci): 400 naming the ones they may" \
	bash -c "[ '$(status_of "$r")' = 400 ] && jq -e '.error | test(\"title, deadline\")' <<<'$(body_of "$r")' >/dev/null"
r=$(http POST "$H/v1/notices" "$(jq -sc '{common: "title", notices: .}' <(shared_item 1 REF-SHARED-4))" "${A_NTS[@]}")
check "a common that is not an object: 400" [ "$(status_of "$r")" = 400 ]
check "... and neither refused batch stored a notice" \
	[ "$(hub_sql data/hub.db "select count(*) from notices where reference in ('REF-SHARED-3', 'REF-SHARED-4')")" = 0 ]
r=$(http POST "$H/v1/events" "$(jq -nc --arg n "$S1" '{common:{event:"ContentHandover"}, events:[{notice:$n}]}')" "${A_NTS[@]}")
check "a report batch may name its event once, in common" jqb "$r" '.results[0].status == "recorded"'
check "... and the evidence holds that event" bash -c "[ '$(events_of_id "$S1" | jq -r 'last')' = ContentHandover ]"
# A withdrawal answered with a word protocol.md does not give stays owed
# (its lease, 60 s, then has it asked again).
printf failed >messenger.jsonl.withdraw
r=$(http POST "$H/v1/cancellations" '{"cancellations":[{"reference":"REF-SHARED-2","reason":"sent in error"}]}' "${A_NTS[@]}")
check "a cancel of a notice relayed to messenger: 200" [ "$(status_of "$r")" = 200 ]
check "... messenger is asked to withdraw it" \
	bash -c "for _ in \$(seq 1 200); do grep -q '$S2' messenger.jsonl.withdrawn 2>/dev/null && exit 0; sleep 0.05; done; exit 1"
check "... answered \"failed\", it is not taken as told: still owed" \
	bash -c "for _ in \$(seq 1 100); do grep -q 'withdrawals: 1 owed, 0 told' hub2.log && exit 0; sleep 0.05; done; exit 1"
rm -f messenger.jsonl.withdraw
# An answer to a relay call far longer than a genuine one fails the call,
# saying why, before it is parsed.
touch messenger.jsonl.bloat
r=$(http POST "$H/v1/notices" "$(jq -sc '{notices: .}' <(notice 1 REF-BLOAT 2030-12-31))" "${A_NTS[@]}")
check "a relay answer of 4 MiB for one notice: the call fails, logged with why, to be retried" \
	bash -c "for _ in \$(seq 1 200); do grep -q 'relay to messenger: [0-9]* notices not delivered (POST .*/v1/relay: the reply is longer than the [0-9]* bytes taken); will retry' hub2.log && exit 0; sleep 0.05; done; exit 1"
rm -f messenger.jsonl.bloat
kill -TERM "$PID_hub2"
wait "$PID_hub2"
finish
