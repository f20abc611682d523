#!/usr/bin/env bash
# The agency's back-office API on `agency serve`, against a real idsvc, the
# stand-in hub (stub_hub.py) and a callback receiver (callback_receiver.py):
# keys, one notice posted and read back, the same reference twice, bulk as
# JSON and as CSV with a bad row each, problems for bad input and 401, a
# certificate proxied from the hub, and signed callbacks retried after
# HTTP 500 with nothing lost and the order kept.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
jqt() { jq_test "$@"; }

cd "$T"
"$HERALD" keygen --hmac --out ci.key
IDKEY=$("$HERALD" apikey --name nts --clients idsvc.clients)
"$HERALD" keygen --ed25519 --out messenger >/dev/null
HUBKEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
(umask 077; echo "$IDKEY" >idsvc.key; echo "$HUBKEY" >hub.key)

start_role idsvc idsvc.log idsvc --plain-http --key-file ci.key --clients idsvc.clients ||
	{ not_ok "idsvc starts"; finish; }
python3 "$HERE/stub_hub.py" "$HUBKEY" 2>hub.log &
HUBPID=$!
PIDS+=($!)
for _ in $(seq 1 100); do
	HUBPORT=$(sed -n 's/.*listening on .*(port \([0-9]*\)).*/\1/p' hub.log | head -n1)
	[ -n "$HUBPORT" ] && break
	sleep 0.05
done
check "the stand-in hub starts" [ -n "$HUBPORT" ]
HUB="http://127.0.0.1:$HUBPORT"

AGPORT=$(free_port)
mkdir -p data/templates
cat >agency.ini <<INI
[tls]
plain_http = loopback
[agency]
name = nts
dir = data
metrics = public
listen = 127.0.0.1:$AGPORT
public_url = http://127.0.0.1:$AGPORT/
poll_ms = 100
report_ms = 100

[idsvc]
url = http://127.0.0.1:$PORT_idsvc
key_file = idsvc.key

[hub]
url = $HUB
key_file = hub.key

# (half of them may wait in POST /v1/notices: 5)
[http]
max_connections_per_source = 10

[platform messenger]
view_pub = messenger.pub
INI
cat >data/templates/vehicle-tax.html <<'HTML'
<!doctype html><html lang="ko"><meta charset="utf-8"><title>((title))</title>
<p>((name)) 님 / ((address))</p><p>Amount: ((amount)) 원, 기한 ((deadline))</p>
HTML

# ---- keys and the callback URL ----
KEY=$("$HERALD" agency key add --config agency.ini backoffice)
check "agency key add prints a 64-hex key once" bash -c "[[ '$KEY' =~ ^[0-9a-f]{64}$ ]]"
check "the clients file is 0600 and holds the key's hash, never the key" \
	bash -c "[ \$(stat -c %a data/api.clients) = 600 ] && grep -q '^backoffice [0-9a-f]\{64\}$' data/api.clients && ! grep -q '$KEY' data/api.clients"
"$HERALD" agency key add --config agency.ini backoffice >/dev/null 2>dup.err
check "a second key with the same name is refused" grep -q "already has a key named" dup.err

"$HERALD" agency callback set --config agency.ini http://example.org/cb >cb.out 2>cb.err
rc=$?
check "a callback URL neither https nor loopback is refused" \
	bash -c "[ $rc = 2 ] && grep -q 'loopback' cb.err && [ ! -e data/callback.url ]"
CBPORT=$(free_port)
# A final '/', as web frameworks route it: the receiver answers 404 without it.
"$HERALD" agency callback set --config agency.ini "http://127.0.0.1:$CBPORT/hooks/herald/" >cb.json
check "callback set prints the URL, a key id and the key" \
	jqt --arg u "http://127.0.0.1:$CBPORT/hooks/herald/" '.url == $u and (.key_id | test("^k[0-9a-f]{15}$")) and (.key | test("^[0-9a-f]{64}$"))' cb.json
check "the signing key file is 0600" [ "$(stat -c %a data/callback.key)" = 600 ]
CBKEY=$(jq -r .key cb.json) CBKID=$(jq -r .key_id cb.json)
# The receiver refuses the first two posts with HTTP 500.
RETRY_AFTER=3 PATH_ONLY=/hooks/herald/ python3 "$HERE/callback_receiver.py" "$CBKEY" "$CBKID" 2 "$CBPORT" 2>receiver.log &
CBPID=$!
PIDS+=($CBPID)

start_role agency agency.log agency serve --config agency.ini || { not_ok "agency serve starts"; finish; }
API="http://127.0.0.1:$AGPORT"
AUTH=(-H "Authorization: Bearer $KEY")

# ---- 401 ----
NOTICE='{"template":"vehicle-tax","reference":"tax-2026-000001","rrn":"971013-9019902",
 "name":"홍길동","address":"서울특별시 종로구 세종대로 209","personalisation":{"amount":"125,000"},
 "title":"2026년 자동차세 / Vehicle tax","deadline":"'"$TEST_DEADLINE"'"}'
curl -s -D h401 -o b401 -X POST -H 'Content-Type: application/json' --data-binary "$NOTICE" "$API/v1/notices"
check "no key: 401 problem+json with WWW-Authenticate, before the body" \
	bash -c 'head -n1 h401 | grep -q " 401" && grep -qi "^content-type: application/problem+json" h401 &&
		grep -qi "^www-authenticate: Bearer" h401 && jq -e ".status == 401 and .title and .type and .detail" b401 >/dev/null'
r=$(http GET "$API/v1/notices/tax-2026-000001" "" -H "Authorization: Bearer $(printf 'f%.0s' $(seq 64))")
check "an unknown key: 401" [ "$(status_of "$r")" = 401 ]
check "the hub got nothing from refused calls" [ "$(curl -s "$HUB/test/state" | jq '.submissions | length')" = 0 ]

# ---- one notice ----
r=$(http POST "$API/v1/notices" "$NOTICE" "${AUTH[@]}")
body_of "$r" >one.json
check "POST /v1/notices: 201 with the notice id, accepted" \
	bash -c "[ $(status_of "$r") = 201 ] && jq -e '.reference == \"tax-2026-000001\" and .state == \"accepted\" and (.notice | length) > 10' one.json >/dev/null"
N1=$(jq -r .notice one.json)
state() { curl -s "$HUB/test/state"; }
REF1=$(state | jq -r --arg n "$N1" '.notices | to_entries[] | select(.value.notice == $n) | .key')
check "the hub got it under the agency's own api- reference, not the caller's" \
	bash -c "[[ '$REF1' =~ ^api-[0-9a-f]{32}$ ]] && ! curl -s '$HUB/test/state' | grep -q tax-2026-000001"
check "with title, deadline and a link to the agency's document" \
	bash -c "curl -s '$HUB/test/state' | jq -e --arg r '$REF1' '.notices[\$r] | .title == \"2026년 자동차세 / Vehicle tax\" and .deadline == \"$TEST_DEADLINE\" and (.link | endswith(\"/documents/\" + \$r))' >/dev/null"
r=$(http GET "$API/v1/notices/tax-2026-000001" "" "${AUTH[@]}")
body_of "$r" >get1.json
check "GET /v1/notices/{reference}: state, notice, timeline and the hub's evidence" \
	bash -c "[ $(status_of "$r") = 200 ] && jq -e --arg n '$N1' '.notice == \$n and .state == \"accepted\" and .timeline[0].state == \"accepted\" and .evidence[0].event == \"SubmissionAcceptance\"' get1.json >/dev/null"

r=$(http POST "$API/v1/notices" "$NOTICE" "${AUTH[@]}")
check "the same reference again: 200 with the same notice, nothing new at the hub" \
	bash -c "[ $(status_of "$r") = 200 ] && [ \"\$(jq -r .notice <<<'$(body_of "$r")')\" = '$N1' ] &&
		[ \"\$(curl -s '$HUB/test/state' | jq '.submissions | length')\" = 1 ]"

bad() { jq -c "$1" <<<"$NOTICE"; } # the notice, changed by a jq filter

# The same new reference posted twice at once: one notice.
twice=$(bad '.reference = "tax-2026-000002"')
http POST "$API/v1/notices" "$twice" "${AUTH[@]}" >twin1 &
http POST "$API/v1/notices" "$twice" "${AUTH[@]}" >twin2
wait $!
T1=$(sed '$d' twin1 | jq -r .notice) T2=$(sed '$d' twin2 | jq -r .notice)
echo "# twins: $(tail -n1 twin1) $(tail -n1 twin2), api submissions at the hub: $(state | jq '[.submissions[] | select(startswith("api-"))] | length')"
check "the same reference posted twice at once: one notice, both answers name it" \
	bash -c "[ -n '$T1' ] && [ '$T1' = '$T2' ] &&
		[ \"\$(curl -s '$HUB/test/state' | jq --arg n '$T1' '[.notices[] | select(.notice == \$n)] | length')\" = 1 ] &&
		[ \"\$(curl -s '$HUB/test/state' | jq '[.notices | keys[] | select(startswith(\"api-\"))] | length')\" = 2 ]"

# While its batch is at the hub (held still for 2 s), a GET says the
# notice is on its way.
kill -STOP "$HUBPID"
http POST "$API/v1/notices" "$(bad '.reference = "tax-2026-000080"')" "${AUTH[@]}" >slow.out &
slow=$!
sleep 1
r=$(http GET "$API/v1/notices/tax-2026-000080" "" "${AUTH[@]}")
sleep 1
kill -CONT "$HUBPID"
wait $slow
check "a GET while the notice's batch is at the hub: 200 queued, not 404 nor an undocumented state" \
	bash -c "[ $(status_of "$r") = 200 ] && jq -e '.state == \"queued\"' <<<'$(body_of "$r")' >/dev/null &&
		[ \"\$(tail -n1 slow.out)\" = 201 ]"

# A scheduled notice waits, then goes.
later=$(date -u -d '+2 seconds' +%Y-%m-%dT%H:%M:%S.000Z)
r=$(http POST "$API/v1/notices" "$(bad ".reference = \"tax-2026-000003\" | .scheduled_for = \"$later\"")" "${AUTH[@]}")
check "scheduled_for ahead: 202 scheduled at once" \
	bash -c "[ $(status_of "$r") = 202 ] && jq -e '.state == \"scheduled\"' <<<'$(body_of "$r")' >/dev/null"
r=$(http GET "$API/v1/notices/tax-2026-000003" "" "${AUTH[@]}")
check "GET says scheduled while it waits" \
	bash -c "jq -e '.state == \"scheduled\"' <<<'$(body_of "$r")' >/dev/null"
sched_sent() {
	for _ in $(seq 1 100); do
		[ "$(curl -s "${AUTH[@]}" "$API/v1/notices/tax-2026-000003" | jq -r .state)" = accepted ] && return 0
		sleep 0.1
	done
	return 1
}
check "at its time it goes to the hub" sched_sent
# One cancelled while it waits is dropped: never sent.
later=$(date -u -d '+3 seconds' +%Y-%m-%dT%H:%M:%S.000Z)
W4=$(bad ".reference = \"tax-2026-000004\" | .title = \"Withdrawn while scheduled\" | .scheduled_for = \"$later\"")
r=$(http POST "$API/v1/notices" "$W4" "${AUTH[@]}")
r2=$(http POST "$API/v1/notices" "$W4" "${AUTH[@]}")
check "a second scheduled notice, posted twice (a retry): 202 both" \
	bash -c "[ $(status_of "$r") = 202 ] && [ $(status_of "$r2") = 202 ]"
r=$(http POST "$API/v1/notices/tax-2026-000004/cancel" '{"reason":"sent in error"}' "${AUTH[@]}")
check "cancelled while it waits: 200 withdrawn, no notice id" \
	bash -c "[ $(status_of "$r") = 200 ] && jq -e '.status == \"withdrawn\" and .state == \"cancelled\" and .notice == null' <<<'$(body_of "$r")' >/dev/null"
sleep 4
check "... past its time neither copy was sent: the hub has no such notice, GET 404" \
	bash -c "[ \"\$(curl -s '$HUB/test/state' | jq '[.notices[] | select(.title == \"Withdrawn while scheduled\")] | length')\" = 0 ] &&
		[ \"\$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer $KEY' '$API/v1/notices/tax-2026-000004')\" = 404 ]"

# One the hub refuses at its time, with nobody waiting: GET tells why
# (refused, 422 with the hub's reason) until the reference is posted again.
later=$(date -u -d '+2 seconds' +%Y-%m-%dT%H:%M:%S.000Z)
r=$(http POST "$API/v1/notices" "$(bad ".reference = \"tax-2026-000005\" | .title = \"Refused by the hub\" | .scheduled_for = \"$later\"")" "${AUTH[@]}")
check "a scheduled notice the hub will refuse: 202 scheduled" [ "$(status_of "$r")" = 202 ]
refused_seen() {
	for _ in $(seq 1 100); do
		curl -s "${AUTH[@]}" "$API/v1/notices/tax-2026-000005" >refused5.json
		[ "$(jq -r .state refused5.json)" = refused ] && return 0
		sleep 0.1
	done
	return 1
}
check "... refused at its time: GET says refused, 422 and the hub's reason, with when" \
	bash -c "$(declare -f refused_seen); $(declare -p AUTH); API='$API'; refused_seen &&
		jq -e '.refusal.status == 422 and (.refusal.detail | contains(\"title refused by the stand-in hub\")) and (.at | test(\"^20[0-9-]+T\"))' refused5.json >/dev/null"
grep -q "tax-2026-000005, whose caller no longer waits, was refused (422)" agency.log && logged=1 || logged=0
check "... and the log names the reference and the refusal" [ $logged = 1 ]
r=$(http POST "$API/v1/notices" "$(bad '.reference = "tax-2026-000005"')" "${AUTH[@]}")
check "... posted again, corrected: 201, and GET shows the notice, not the refusal" \
	bash -c "[ $(status_of "$r") = 201 ] && [ \"\$(curl -s -H 'Authorization: Bearer $KEY' '$API/v1/notices/tax-2026-000005' | jq -r .state)\" = accepted ]"

# ---- bad input ----
r=$(http POST "$API/v1/notices" "$(bad 'del(.deadline) | .reference = "x2"')" "${AUTH[@]}")
check "a missing deadline: 400 naming the field" \
	bash -c "[ $(status_of "$r") = 400 ] && jq -e '.field == \"deadline\" and .status == 400' <<<'$(body_of "$r")' >/dev/null"
r=$(http POST "$API/v1/notices" "$(bad '.rrn = "971313-1019902" | .reference = "x3"')" "${AUTH[@]}")
check "an impossible RRN: 400 naming rrn, masked after the sixth digit" \
	bash -c "[ $(status_of "$r") = 400 ] && jq -e '.field == \"rrn\" and (.detail | contains(\"971313-*******\"))' <<<'$(body_of "$r")' >/dev/null &&
		! grep -q 1019902 <<<'$(body_of "$r")'"
# Scheduled, it would be refused at its time with nobody to hear it: what
# can be judged now is, before the 202.
far=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%S.000Z)
r=$(http POST "$API/v1/notices" "$(bad ".rrn = \"971313-1019902\" | .reference = \"x3s\" | .scheduled_for = \"$far\"")" "${AUTH[@]}")
check "a scheduled notice with an impossible RRN: 400 naming rrn (masked) at once, not 202" \
	bash -c "[ $(status_of "$r") = 400 ] && jq -e '.field == \"rrn\" and (.detail | contains(\"971313-*******\"))' <<<'$(body_of "$r")' >/dev/null &&
		! grep -q 1019902 <<<'$(body_of "$r")'"
r=$(http POST "$API/v1/notices" "$(bad ".personalisation = {} | .reference = \"x3t\" | .scheduled_for = \"$far\"")" "${AUTH[@]}")
check "... one missing a field its template needs: 400 naming it at once" \
	bash -c "[ $(status_of "$r") = 400 ] && jq -e '.field == \"personalisation.amount\"' <<<'$(body_of "$r")' >/dev/null"
r=$(http POST "$API/v1/notices" "$(bad '.personalisation.amount = "640101-1000007" | .reference = "x3b"')" "${AUTH[@]}")
check "an RRN in a personalisation value: 400 naming the field, the number not quoted" \
	bash -c "[ $(status_of "$r") = 400 ] && jq -e '.field == \"personalisation.amount\"' <<<'$(body_of "$r")' >/dev/null &&
		! grep -q 1000007 <<<'$(body_of "$r")'"
r=$(http POST "$API/v1/notices" "$(bad '.template = "nope" | .reference = "x4"')" "${AUTH[@]}")
check "an unknown template: 400 naming template" \
	bash -c "[ $(status_of "$r") = 400 ] && jq -e '.field == \"template\"' <<<'$(body_of "$r")' >/dev/null"
r=$(http POST "$API/v1/notices" "$(bad 'del(.personalisation) | .reference = "x5"')" "${AUTH[@]}")
check "a personalisation field the template needs is missing: 400 naming it" \
	bash -c "[ $(status_of "$r") = 400 ] && jq -e '.field == \"personalisation.amount\"' <<<'$(body_of "$r")' >/dev/null"
r=$(http POST "$API/v1/notices" "$(bad '.address = "서울특별시 종로구\r\n세종대로 209" | .reference = "x6"')" "${AUTH[@]}")
check "an address with a Windows line end (\\r): 400 naming address, as paper could not print it" \
	bash -c "[ $(status_of "$r") = 400 ] && jq -e '.field == \"address\" and (.detail | test(\"control characters\"))' <<<'$(body_of "$r")' >/dev/null"
r=$(http POST "$API/v1/notices" "$(bad '.name = "  " | .reference = "x7"')" "${AUTH[@]}")
check "a blank name: 400 naming name" \
	bash -c "[ $(status_of "$r") = 400 ] && jq -e '.field == \"name\" and (.detail | test(\"blank\"))' <<<'$(body_of "$r")' >/dev/null"
# What would print otherwise than it is stored: refused, naming the field
# and why (the reversed digits would be drawn as 620607-1253134).
r=$(http POST "$API/v1/notices" "$(bad '.name = "\u3000\u3000" | .address = "\u00a0\u200b" | .reference = "x8"')" "${AUTH[@]}")
check "a name of ideographic spaces: 400 naming name, blank" \
	bash -c "[ $(status_of "$r") = 400 ] && jq -e '.field == \"name\" and .detail == \"name must not be blank\"' <<<'$(body_of "$r")' >/dev/null"
r=$(http POST "$API/v1/notices" "$(bad '.address = "\u202e4313521-706026\u202c" | .reference = "x9"')" "${AUTH[@]}")
check "an address with a direction control: 400 naming address and the character" \
	bash -c "[ $(status_of "$r") = 400 ] && jq -e '.field == \"address\" and .detail == \"address holds a direction control character (U+202E), which can change what is printed\"' <<<'$(body_of "$r")' >/dev/null"
r=$(http POST "$API/v1/notices" "$(bad '.personalisation.amount = "\u2067125,000" | .reference = "x10"')" "${AUTH[@]}")
check "a personalisation value with a direction control: 400 naming the field" \
	bash -c "[ $(status_of "$r") = 400 ] && jq -e '.field == \"personalisation.amount\" and (.detail | test(\"direction control character [(]U[+]2067[)]\"))' <<<'$(body_of "$r")' >/dev/null"
r=$(http POST "$API/v1/notices" "$(bad '.address = "서울\u0085종로구" | .reference = "x11"')" "${AUTH[@]}")
check "an address with a C1 control (NEL): 400 naming address" \
	bash -c "[ $(status_of "$r") = 400 ] && jq -e '.field == \"address\" and (.detail | test(\"control characters\"))' <<<'$(body_of "$r")' >/dev/null"
r=$(http POST "$API/v1/notices" "not json" "${AUTH[@]}")
check "a body that is not JSON: 400 problem" [ "$(status_of "$r")" = 400 ]
r=$(http GET "$API/v1/notices/never-posted" "" "${AUTH[@]}")
check "an unknown reference: 404 problem" \
	bash -c "[ $(status_of "$r") = 404 ] && jq -e '.status == 404' <<<'$(body_of "$r")' >/dev/null"
r=$(http GET "$API/v1/notices/x3" "" "${AUTH[@]}")
check "a refused notice was never made: 404" [ "$(status_of "$r")" = 404 ]

# ---- bulk as JSON: row 2 has an impossible RRN, row 4 repeats row 1 ----
cat >bulk.json <<JSON
{"template":"vehicle-tax","title":"Vehicle tax, second half","deadline":"$TEST_DEADLINE","notices":[
 {"reference":"bulk-a","rrn":"850315-1234566","name":"이영희","address":"부산","personalisation":{"amount":"50000"}},
 {"reference":"bulk-b","rrn":"971313-1019902","name":"최지우","address":"대전","personalisation":{"amount":"30000"}},
 {"reference":"bulk-c","rrn":"761225-2987650","name":"정하나","address":"대전","personalisation":{"amount":"30000"}},
 {"reference":"bulk-a","rrn":"761225-2987650","name":"정하나","address":"대전","personalisation":{"amount":"1"}}]}
JSON
r=$(curl -s -D hb -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary @bulk.json "${AUTH[@]}" "$API/v1/notices/bulk")
JOB=$(body_of "$r" | jq -r .job)
check "POST /v1/notices/bulk (JSON): 202 at once with a job id and its Location" \
	bash -c "[ $(status_of "$r") = 202 ] && [[ '$JOB' =~ ^job-[0-9a-f]{24}$ ]] && grep -qi '^location: /v1/jobs/$JOB' hb"
wait_job() {
	for _ in $(seq 1 200); do
		curl -s "${AUTH[@]}" "$API/v1/jobs/$1" >"$2"
		jq -e '.state == "done"' "$2" >/dev/null && return 0
		sleep 0.05
	done
	return 1
}
check "the JSON job finishes" wait_job "$JOB" job1.json
check "its counts: 4 rows, 2 accepted, 2 failed, progress 1" \
	jqt '.total == 4 and .processed == 4 and .accepted == 2 and .failed == 2 and .progress == 1' job1.json
check "its errors name row and field: row 2 rrn (masked), row 4 a repeated reference" \
	jqt '(.errors | length) == 2 and .errors[0].row == 2 and .errors[0].field == "rrn" and (.errors[0].detail | contains("971313-*******")) and .errors[1].row == 4 and .errors[1].field == "reference"' job1.json
check "no RRN digits beyond the mask in the job" bash -c '! grep -q 1019902 job1.json'
check "the good rows are notices at the hub" \
	bash -c "for r in bulk-a bulk-c; do curl -s ${AUTH[*]@Q} '$API/v1/notices/'\$r | jq -e '.state == \"accepted\" and .job == \"$JOB\"' >/dev/null || exit 1; done"

# ---- bulk as CSV: line 3 has no name, line 5 an RRN as its amount ----
printf '%s\n' 'reference,rrn,name,address,amount' \
	'csv-1,020704-4123451,박민수,"서울, 종로구",10000' \
	'csv-2,850315-1234566,,부산,20000' \
	'csv-3,971013-9019902,홍길동,서울,30000' \
	'csv-4,971013-9019902,김영희,서울,800101-1234567' >bulk.csv
r=$(http POST "$API/v1/notices/bulk?template=vehicle-tax&title=Vehicle%20tax&deadline=$TEST_DEADLINE" "" \
	-H 'Content-Type: text/csv' --data-binary @bulk.csv "${AUTH[@]}")
JOB2=$(body_of "$r" | jq -r .job)
check "POST /v1/notices/bulk (CSV): 202 with a job id" [ "$(status_of "$r")" = 202 ]
check "the CSV job finishes" wait_job "$JOB2" job2.json
check "the CSV job: 4 rows, 2 accepted, line 3 refused naming name, line 5 naming personalisation.amount as JSON would" \
	jqt '.total == 4 and .accepted == 2 and .failed == 2 and .errors[0].row == 3 and .errors[0].field == "name" and
		.errors[1].row == 5 and .errors[1].field == "personalisation.amount" and (.errors[1].detail | contains("1234567") | not)' job2.json
check "the CSV notices are at the hub, with the personalisation rendered" \
	bash -c "curl -s ${AUTH[*]@Q} '$API/v1/notices/csv-1' | jq -e '.state == \"accepted\" and .title == \"Vehicle tax\"' >/dev/null"
r=$(http POST "$API/v1/notices/bulk?template=vehicle-tax&title=T" "" -H 'Content-Type: text/csv' \
	--data-binary @bulk.csv "${AUTH[@]}")
check "a CSV bulk without a deadline: 400 naming deadline" \
	bash -c "[ $(status_of "$r") = 400 ] && jq -e '.field == \"deadline\"' <<<'$(body_of "$r")' >/dev/null"
r=$(http POST "$API/v1/notices/bulk?template=no-such&title=T&deadline=$TEST_DEADLINE" "" -H 'Content-Type: text/csv' \
	--data-binary @bulk.csv "${AUTH[@]}")
check "a bulk naming a template that is not there: 400 naming template at once, not a job" \
	bash -c "[ $(status_of "$r") = 400 ] && jq -e '.field == \"template\" and (.job | not)' <<<'$(body_of "$r")' >/dev/null"
r=$(http POST "$API/v1/notices/bulk?template=971013-1234567&title=T&deadline=$TEST_DEADLINE" "" -H 'Content-Type: text/csv' \
	--data-binary @bulk.csv "${AUTH[@]}")
check "a template id holding an RRN: 400 naming template, the RRN not echoed" \
	bash -c "[ $(status_of "$r") = 400 ] && jq -e '.field == \"template\"' <<<'$(body_of "$r")' >/dev/null &&
		! grep -q 1234567 <<<'$(body_of "$r")'"
r=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: text/html' --data-binary '<p>((name))</p>' \
	"${AUTH[@]}" "$API/v1/templates/971013-1234567")
check "... nor may a template be put under such an id: 400, no file made" \
	bash -c "[ $r = 400 ] && ! ls data/templates | grep -q 1234567"
r=$(http POST "$API/v1/notices/bulk?template=vehicle-tax&title=T&deadline=2020-01-01" "" -H 'Content-Type: text/csv' \
	--data-binary @bulk.csv "${AUTH[@]}")
check "a bulk whose deadline has passed: 400 naming deadline at once (the hub would refuse every row)" \
	bash -c "[ $(status_of "$r") = 400 ] && jq -e '.field == \"deadline\" and (.detail | contains(\"passed\"))' <<<'$(body_of "$r")' >/dev/null"

# Over the row limit: 50,001 rows, refused as a whole.
python3 -c 'import json; print(json.dumps({"template":"vehicle-tax","title":"T","deadline":"'"$TEST_DEADLINE"'","notices":[{"reference":"r%d"%i,"rrn":"x","name":"n","address":"a"} for i in range(50001)]}))' >huge.json
r=$(curl -s -o huge.out -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary @huge.json "${AUTH[@]}" "$API/v1/notices/bulk")
check "50,001 rows: 413 problem" bash -c "[ $r = 413 ] && jq -e '.status == 413' huge.out >/dev/null"
# Over the byte limit: answered from the declared length, no body sent,
# to a client that waits for 100 Continue, or that declares more than
# would be read and dropped (4 x 96 MiB); one that sends its body has it
# dropped, and the 413 at its end (hub.sh).
declared() { # LENGTH [expect]
	python3 - "$AGPORT" "$KEY" "$1" "$2" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(("POST /v1/notices/bulk HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
           "Content-Type: text/csv\r\nContent-Length: %s\r\n%s\r\n"
           % (sys.argv[2], sys.argv[3],
              "Expect: 100-continue\r\n" if sys.argv[4] == "expect" else "")).encode())
s.settimeout(5)
print(s.recv(4096).decode(errors="replace").split("\r\n")[0])
PY
}
check "a body declared over the limit, Expect: 100-continue: 413 before a byte of it is sent" \
	grep -q " 413" <<<"$(declared 200000000 expect)"
check "one declared past what would be dropped: 413 at once, Expect or not" \
	grep -q " 413" <<<"$(declared 500000000 '')"

# ---- certificate ----
r=$(http GET "$API/v1/notices/tax-2026-000001/certificate" "" "${AUTH[@]}")
check "GET .../certificate: the hub's certificate JSON" \
	bash -c "[ $(status_of "$r") = 200 ] && jq -e --arg n '$N1' '.notice == \$n' <<<'$(body_of "$r")' >/dev/null"
curl -s -D hp -o cert.pdf -H 'Accept: application/pdf' "${AUTH[@]}" "$API/v1/notices/tax-2026-000001/certificate"
check "with Accept: application/pdf, the PDF" \
	bash -c 'grep -qi "^content-type: application/pdf" hp && head -c 8 cert.pdf | grep -q "%PDF-1.4"'
r=$(http GET "$API/v1/notices/never-posted/certificate" "" "${AUTH[@]}")
check "another's or an unknown notice's certificate: 404" [ "$(status_of "$r")" = 404 ]

# ---- callbacks ----
# One feed page carries a notice's last state only: let the agency learn
# "received" before the hub moves on, as a citizen takes a while to read.
agency_state() { curl -s "${AUTH[@]}" "$API/v1/notices/$1" | jq -r .state; }
until_state() {
	for _ in $(seq 1 100); do [ "$(agency_state "$1")" = "$2" ] && return 0; sleep 0.05; done
	return 1
}
curl -s -X POST -d "{\"reference\":\"$REF1\",\"state\":\"received\"}" "$HUB/test/change" >/dev/null
check "the agency learns the received state from the hub's feed" until_state tax-2026-000001 received
curl -s -X POST -d "{\"reference\":\"$REF1\",\"state\":\"read\"}" "$HUB/test/change" >/dev/null
check "then read" until_state tax-2026-000001 read
REF_A=$(state | jq -r '.notices | to_entries[] | select(.value.title == "Vehicle tax, second half") | .key' | head -n1)
curl -s -X POST -d "{\"reference\":\"$REF_A\",\"state\":\"postal\"}" "$HUB/test/change" >/dev/null
# a late change after a final state: never reported
curl -s -X POST -d "{\"reference\":\"$REF1\",\"state\":\"received\"}" "$HUB/test/change" >/dev/null
received() { curl -s "http://127.0.0.1:$CBPORT/received"; }
want=12
for _ in $(seq 1 200); do
	[ "$(received | jq '.events | length')" -ge "$want" ] && break
	sleep 0.1
done
received >recv.json
check "the receiver's first two posts failed (500, then 429) and were retried" \
	jqt '.refused == 2 and .posts >= 3' recv.json
gap=$(jq '.post_ms[2] - .post_ms[1]' recv.json)
check "... the one after the 429 came after the 3 s its Retry-After asked, not the 2 s backoff ($gap ms)" \
	bash -c "[ $gap -ge 2900 ] && grep -q 'callbacks: the receiver answered HTTP 429; retrying after the 3 s it asked' agency.log"
check "every signature verified with the key, under its key id" \
	jqt --arg k "$CBKID" '.bad_signatures == 0 and (.key_ids | all(. == $k))' recv.json
check "every post went to the URL as registered, its final '/' kept" jqt '.wrong_paths == 0' recv.json
check "nothing lost: 12 events, each id once" \
	jqt '(.events | length) == 12 and ([.events[].id] | unique | length) == 12' recv.json
check "per notice in order, a final state last: accepted, received, read" \
	jqt '[.events[] | select(.reference == "tax-2026-000001") | .state] == ["accepted","received","read"]' recv.json
check "events name the caller's reference, the state and the time" \
	jqt '[.events[] | select(.reference == "tax-2026-000001")] | all(.id and .at and (.reason == null))' recv.json
r=$(http GET "$API/v1/notices/tax-2026-000001" "" "${AUTH[@]}")
check "GET shows the final state and the whole timeline" \
	bash -c "jq -e '.state == \"read\" and ([.timeline[].state] == [\"accepted\",\"received\",\"read\"])' <<<'$(body_of "$r")' >/dev/null"

check "no RRN digits in any file the agency wrote" \
	bash -c '! grep -raqE "9019902|1234566|4123451|2987650|1019902" data agency.log'
check "documents of API notices open only with a view token, as any (404 without)" \
	bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' '$API/documents/$REF1')\" = 404 ]"

# ---- urgent ----
URGENT=$(jq -c '.reference = "summons-1" | .title = "출석 요구 / Summons" | .urgent = true' <<<"$NOTICE")
r=$(http POST "$API/v1/notices" "$URGENT" "${AUTH[@]}")
check "an urgent notice is accepted and reaches the hub marked urgent; earlier ones carry no mark" \
	bash -c "[ $(status_of "$r") = 201 ] && curl -s '$HUB/test/state' | jq -e '
		([.notices[] | select(.urgent == true) | .reference] | length == 1) and
		([.notices[] | select(.title != \"출석 요구 / Summons\" and has(\"urgent\"))] | length == 0)' >/dev/null"
r=$(http POST "$API/v1/notices" "$(jq -c '.reference = "summons-2" | .urgent = "yes"' <<<"$URGENT")" "${AUTH[@]}")
check "urgent that is not a boolean: 400 naming the field" \
	bash -c "[ $(status_of "$r") = 400 ] && jq -e '.errors[0].field == \"urgent\" or (.detail | test(\"urgent\"))' >/dev/null <<<'$(body_of "$r")'"
# ---- a value that makes an RRN with the template's text: that row fails ----
# (last: its notices' callbacks would change the counts above)
printf '<p>((name)) / ((address))</p>\n<p>Account 800101-((acct))</p>\n' >data/templates/seam.html
cat >seam.json <<JSON
{"template":"seam","title":"Account","deadline":"$TEST_DEADLINE","notices":[
 {"reference":"seam-1","rrn":"850315-1234566","name":"이영희","address":"부산","personalisation":{"acct":"1234567"}},
 {"reference":"seam-2","rrn":"761225-2987650","name":"정하나","address":"대전","personalisation":{"acct":"12345678"}}]}
JSON
r=$(http POST "$API/v1/notices/bulk" "" -H 'Content-Type: application/json' --data-binary @seam.json "${AUTH[@]}")
JOB3=$(body_of "$r" | jq -r .job)
check "a bulk whose row would render an RRN with the template's text: 202" [ "$(status_of "$r")" = 202 ]
check "its job finishes" wait_job "$JOB3" job3.json
check "that row refused naming the field, the other accepted, the number nowhere in the job" \
	bash -c "jq -e '.accepted == 1 and .failed == 1 and .errors[0].row == 1 and .errors[0].field == \"personalisation.acct\" and (.errors[0].detail | contains(\"registration number\"))' job3.json >/dev/null &&
		! grep -q 800101 job3.json && ! grep -rqaE '800101-1234567([^0-9]|\$)' data"
# ---- a CSV bulk whose rows would print otherwise than stored: those
# rows fail naming the field, the first goes ----
python3 - >shown.csv <<'PY'
rev = "\u202e" + "620607-1253134"[::-1] + "\u202c"
print("reference,rrn,name,address,amount")
print('shown-1,850315-1234566,이영희,부산,1000')
print('shown-2,761225-2987650,\u3000\u3000,\u00a0\u200b,1000')
print(f'shown-3,761225-2987650,정하나,"대전 {rev}",1000')
print(f'shown-4,761225-2987650,정하나,대전,{rev}')
print('shown-5,761225-2987650,"정\u0085하나",대전,1000')
PY
r=$(http POST "$API/v1/notices/bulk?template=vehicle-tax&title=Shown&deadline=$TEST_DEADLINE" "" \
	-H 'Content-Type: text/csv' --data-binary @shown.csv "${AUTH[@]}")
JOB4=$(body_of "$r" | jq -r .job)
check "a CSV bulk with a blank name, direction controls and a C1 control: 202" [ "$(status_of "$r")" = 202 ]
check "its job finishes" wait_job "$JOB4" job4.json
check "those four rows refused naming field and why, the first accepted" \
	jqt '.total == 5 and .accepted == 1 and .failed == 4 and
		.errors[0].row == 3 and .errors[0].field == "name" and .errors[0].detail == "name must not be blank" and
		.errors[1].row == 4 and .errors[1].field == "address" and (.errors[1].detail | contains("direction control character (U+202E)")) and
		.errors[2].row == 5 and .errors[2].field == "personalisation.amount" and (.errors[2].detail | contains("direction control character (U+202E)")) and
		.errors[3].row == 6 and .errors[3].field == "name" and (.errors[3].detail | contains("control characters"))' job4.json
check "... the accepted row is a notice at the hub; the reversed digits nowhere in the agency's files" \
	bash -c "curl -s ${AUTH[*]@Q} '$API/v1/notices/shown-1' | jq -e '.state == \"accepted\"' >/dev/null &&
		! grep -rqa 4313521-706026 data"
# ---- a notice the hub refuses: 422, not 400 (it was valid here) ----
r=$(http POST "$API/v1/notices" "$(jq -c '.reference = "hub-no" | .title = "Refused by the hub"' <<<"$NOTICE")" "${AUTH[@]}")
body_of "$r" >hubno.json
check "a notice the hub refuses: 422 with the hub's reason" \
	bash -c "[ $(status_of "$r") = 422 ] && jq -e '.detail | contains(\"hub refused the notice: title refused by the stand-in hub\")' hubno.json >/dev/null"
r=$(http POST "$API/v1/notices" "$(jq -c '.reference = "hub-no"' <<<"$NOTICE")" "${AUTH[@]}")
check "... the hub holds nothing of it: its reference again, corrected, is a notice (201)" \
	bash -c "[ $(status_of "$r") = 201 ] && jq -e '.notice | length > 10' <<<'$(body_of "$r")' >/dev/null"
# A reference whose answer from the hub was lost (its notice id unknown
# here, as after a crash) keeps its document: the hub may hold it, and a
# notice whose document is not the one its evidence names cannot be
# proved. (After the callbacks were counted: this one's comes again.)
REF2=$(sqlite3 data/agency.db "SELECT reference FROM api_refs WHERE caller_ref = 'tax-2026-000002'")
sqlite3 -cmd '.timeout 5000' data/agency.db "UPDATE documents SET notice = NULL WHERE reference = '$REF2'"
subs=$(state | jq '.submissions | length')
r=$(http POST "$API/v1/notices" "$(jq -c '.reference = "tax-2026-000002" | .personalisation.amount = "999,999"' <<<"$NOTICE")" "${AUTH[@]}")
check "a reference whose answer was lost, again with another document: 409 naming reference, nothing sent" \
	bash -c "[ $(status_of "$r") = 409 ] && jq -e '.field == \"reference\" and (.detail | contains(\"give this one a new reference\"))' <<<'$(body_of "$r")' >/dev/null &&
		[ \"\$(curl -s '$HUB/test/state' | jq '.submissions | length')\" = $subs ]"
r=$(http POST "$API/v1/notices" "$(jq -c '.reference = "tax-2026-000002"' <<<"$NOTICE")" "${AUTH[@]}")
check "... with the same document: the notice the hub made before" \
	bash -c "[ \"\$(jq -r .notice <<<'$(body_of "$r")')\" = '$T1' ]"
# (After the callbacks were counted.) A post waiting for the hub holds
# no server thread, which also serves citizens' documents: with the hub
# stalled, five posts wait at once on the 4 threads, as many as half the
# 10 connections the source may hold; a sixth is answered 202 queued at
# once, other requests are answered meanwhile, and once the hub goes on
# the five get 201 and the sixth goes too.
kill -STOP "$HUBPID"
held=()
waits() { curl -s "$API/metrics" | awk '$1 == "herald_agency_api_notice_waits" {print $2}'; }
for i in 1 2 3 4 5; do
	http POST "$API/v1/notices" "$(bad ".reference = \"tax-2026-00010$i\"")" "${AUTH[@]}" >held$i.out &
	held+=($!)
	for _ in $(seq 1 200); do [ "$(waits)" = $i ] && break; sleep 0.05; done
done
nwait=$(waits)
echo "# posts waiting in POST /v1/notices: $nwait"
t0=$(date +%s%N)
r=$(http POST "$API/v1/notices" "$(bad '.reference = "tax-2026-000106"')" "${AUTH[@]}")
ms=$((($(date +%s%N) - t0) / 1000000))
slow=0
for i in $(seq 1 8); do
	t0=$(date +%s%N)
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$API/openapi.json")
	took=$((($(date +%s%N) - t0) / 1000000))
	[ "$code" = 200 ] && [ $took -lt 1000 ] || slow=$((slow + 1))
done
kill -CONT "$HUBPID"
wait "${held[@]}"
echo "# the sixth answered in $ms ms; the five held: $(for i in 1 2 3 4 5; do tail -n1 held$i.out; echo; done | tr '\n' ' ')"
check "with the hub stalled, five posts from one source wait at once on 4 server threads" [ "$nwait" = 5 ]
check "... a sixth, past half the source's 10 connections, answers 202 queued at once" \
	bash -c "[ $(status_of "$r") = 202 ] && jq -e '.state == \"queued\"' <<<'$(body_of "$r")' >/dev/null && [ $ms -lt 3000 ]"
check "... and other requests are answered meanwhile: 8 of 8 within 1 s" [ "$slow" = 0 ]
check "... the five that waited got 201 once the hub went on" \
	bash -c "[ \"\$(for i in 1 2 3 4 5; do tail -n1 held\$i.out; echo; done | sort -u)\" = 201 ]"
check "... and the sixth went too" bash -c "for _ in \$(seq 1 100); do
		[ \"\$(curl -s -H 'Authorization: Bearer $KEY' '$API/v1/notices/tax-2026-000106' | jq -r .state)\" = accepted ] && exit 0; sleep 0.1; done; exit 1"
# The other calls that ask the hub before they answer hold no server
# thread either: with the hub stalled, three GETs (the hub's evidence), a
# certificate and a cancel wait at once, five as before; a sixth
# certificate is told to come back (503, Retry-After) and a GET is
# answered without the evidence, at once; other requests are answered
# meanwhile; once the hub goes on, the five get their answers.
kill -STOP "$HUBPID"
hubwaits() { curl -s "$API/metrics" | awk '$1 == "herald_agency_hub_waits" {print $2}'; }
held=()
for i in 1 2 3; do
	curl -s -o hget$i.json -w '%{http_code}\n' --max-time 60 "${AUTH[@]}" "$API/v1/notices/tax-2026-000001" >hget$i.code &
	held+=($!)
done
curl -s -o hcert.json -w '%{http_code}\n' --max-time 60 "${AUTH[@]}" "$API/v1/notices/tax-2026-000001/certificate" >hcert.code &
held+=($!)
curl -s -o hcancel.json -w '%{http_code}\n' --max-time 60 "${AUTH[@]}" -H 'Content-Type: application/json' \
	--data '{"reason":"sent in error"}' "$API/v1/notices/tax-2026-000106/cancel" >hcancel.code &
held+=($!)
for _ in $(seq 1 200); do [ "$(hubwaits)" = 5 ] && break; sleep 0.05; done
nwait=$(hubwaits)
t0=$(date +%s%N)
curl -s -D hcert6.hdr -o hcert6.json -w '%{http_code}\n' --max-time 5 "${AUTH[@]}" "$API/v1/notices/tax-2026-000001/certificate" >hcert6.code
curl -s -o hget6.json -w '%{http_code}\n' --max-time 5 "${AUTH[@]}" "$API/v1/notices/tax-2026-000001" >hget6.code
ms=$((($(date +%s%N) - t0) / 1000000))
slow=0
for i in $(seq 1 8); do
	t0=$(date +%s%N)
	code=$(curl -s -o /dev/null -w '%{http_code}\n' --max-time 5 "$API/openapi.json")
	took=$((($(date +%s%N) - t0) / 1000000))
	[ "$code" = 200 ] && [ $took -lt 1000 ] || slow=$((slow + 1))
done
kill -CONT "$HUBPID"
wait "${held[@]}"
echo "# calls waiting for the stalled hub: $nwait; the sixth certificate and GET in $ms ms: $(cat hcert6.code hget6.code | tr '\n' ' ')"
check "with the hub stalled, GETs, a certificate and a cancel from one source wait at once: 5 on 4 server threads" \
	[ "$nwait" = 5 ]
check "... a sixth certificate is told to come back (503 with Retry-After) and a GET answers without evidence, at once" \
	bash -c "[ \"\$(cat hcert6.code)\" = 503 ] && grep -qi '^retry-after: ' hcert6.hdr &&
		jq -e '.status == 503' hcert6.json >/dev/null && [ \"\$(cat hget6.code)\" = 200 ] &&
		jq -e '.notice != null and (has(\"evidence\") | not)' hget6.json >/dev/null && [ $ms -lt 3000 ]"
check "... other requests are answered meanwhile: 8 of 8 within 1 s" [ "$slow" = 0 ]
check "... and once the hub goes on, the GETs have the hub's evidence, the certificate and the cancel their answers" \
	bash -c "[ \"\$(cat hget1.code hget2.code hget3.code hcert.code hcancel.code | sort -u)\" = 200 ] &&
		jq -e -s 'all(.evidence[0].event == \"SubmissionAcceptance\")' hget1.json hget2.json hget3.json >/dev/null &&
		jq -e '.leaves == []' hcert.json >/dev/null && jq -e '.status != null' hcancel.json >/dev/null"

# ---- a payment reference (after the callbacks were counted) ----
r=$(http POST "$API/v1/notices" "$(bad '.reference = "tax-2026-000090" | .payment = {"amount_krw":98000,"payment_code":"GIRO-B","payment_due":"2026-12-20"}')" "${AUTH[@]}")
check "a notice with a payment object: 201" [ "$(status_of "$r")" = 201 ]
NP=$(body_of "$r" | jq -r .notice)
r=$(http GET "$API/v1/notices/tax-2026-000090" "" "${AUTH[@]}")
check "GET shows the payment it asks" \
	bash -c "jq -e '.payment == {\"amount_krw\":98000,\"payment_code\":\"GIRO-B\",\"payment_due\":\"2026-12-20\"}' <<<'$(body_of "$r")' >/dev/null"
r=$(http GET "$API/v1/notices/tax-2026-000001" "" "${AUTH[@]}")
check "... and payment null for a notice that asks none" \
	bash -c "jq -e '.payment == null and has(\"payment\")' <<<'$(body_of "$r")' >/dev/null"
REFP=$(state | jq -r --arg n "$NP" '.notices | to_entries[] | select(.value.notice == $n) | .key')
"$HERALD" agency paid "$REFP" --config agency.ini >paid.out 2>paid.err
check "agency paid, with no --amount or --code, reports the payment the API was given" \
	bash -c "jq -e '.status == \"recorded\"' paid.out >/dev/null &&
		curl -s '$HUB/test/state' | jq -e --arg r '$REFP' '.payments[-1] == {\"reference\":\$r,\"amount_krw\":98000,\"payment_code\":\"GIRO-B\"}' >/dev/null"
r=$(http POST "$API/v1/notices" "$(bad '.reference = "tax-2026-000091" | .payment = {"amount_krw":98000}')" "${AUTH[@]}")
check "a payment without its code: 400 naming payment.payment_code, nothing made" \
	bash -c "[ $(status_of "$r") = 400 ] && jq -e '.field == \"payment.payment_code\"' <<<'$(body_of "$r")' >/dev/null &&
		[ \"\$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer $KEY' '$API/v1/notices/tax-2026-000091')\" = 404 ]"
printf '%s\n' 'reference,rrn,name,address,amount,amount_krw,payment_code' \
	'pay-1,971013-9019902,홍길동,서울,1,54000,GIRO-C' 'pay-2,971013-9019902,홍길동,서울,1,5x,GIRO-D' >pay.csv
r=$(http POST "$API/v1/notices/bulk?template=vehicle-tax&title=Paid%20tax&deadline=$TEST_DEADLINE" "" \
	-H 'Content-Type: text/csv' --data-binary @pay.csv "${AUTH[@]}")
JOBP=$(body_of "$r" | jq -r .job)
check "a CSV bulk with payment columns: line 3's bad amount refused naming payment.amount_krw" \
	bash -c "wait_job() { for _ in \$(seq 1 200); do curl -s ${AUTH[*]@Q} '$API/v1/jobs/$JOBP' >jobp.json; jq -e '.state == \"done\"' jobp.json >/dev/null && return 0; sleep 0.05; done; return 1; }
		wait_job && jq -e '.accepted == 1 and .failed == 1 and .errors[0].row == 3 and .errors[0].field == \"payment.amount_krw\"' jobp.json >/dev/null"
r=$(http GET "$API/v1/notices/pay-1" "" "${AUTH[@]}")
check "... and line 2 asks its payment" \
	bash -c "jq -e '.payment.amount_krw == 54000 and .payment.payment_code == \"GIRO-C\" and .payment.payment_due == null' <<<'$(body_of "$r")' >/dev/null"
# ---- a server without [idsvc] finds no recipients: 503, and stays up ----
AG2=$(free_port)
mkdir -p data2/templates
cp data/templates/vehicle-tax.html data2/templates/
sed -e 's/^dir = data$/dir = data2/' -e "s/127.0.0.1:$AGPORT/127.0.0.1:$AG2/" -e '/^\[idsvc\]$/,/^$/d' \
	agency.ini >agency2.ini
KEY2=$("$HERALD" agency key add --config agency2.ini backoffice)
start_role agency2 agency2.log agency serve --config agency2.ini || { not_ok "agency serve starts without [idsvc]"; finish; }
AUTH2=(-H "Authorization: Bearer $KEY2")
r=$(http POST "http://127.0.0.1:$AG2/v1/notices" "$(jq -c '.reference = "no-idsvc-1"' <<<"$NOTICE")" "${AUTH2[@]}")
check "without [idsvc]: a notice is answered 503 saying so" \
	bash -c "[ $(status_of "$r") = 503 ] && jq -e '.detail | contains(\"no [idsvc]\")' >/dev/null <<<'$(body_of "$r")'"
BULK2='{"template":"vehicle-tax","title":"Vehicle tax","deadline":"'"$TEST_DEADLINE"'","notices":[
 {"reference":"no-idsvc-2","rrn":"971013-9019902","name":"홍길동","address":"서울","personalisation":{"amount":"1"}}]}'
r=$(http POST "http://127.0.0.1:$AG2/v1/notices/bulk" "$BULK2" "${AUTH2[@]}")
check "... a bulk likewise, and no job is made" \
	bash -c "[ $(status_of "$r") = 503 ] && [ \"\$(sqlite3 data2/agency.db 'SELECT count(*) FROM api_jobs')\" = 0 ]"
r=$(http GET "http://127.0.0.1:$AG2/v1/notices/no-idsvc-1" "" "${AUTH2[@]}")
check "... an unknown reference is 404" [ "$(status_of "$r")" = 404 ]
check "... and the server is still up" kill -0 "$PID_agency2"

# ---- stopping mid-bulk with the hub answering: the batches prepared go ----
jq -c --arg d "$TEST_DEADLINE" '{template: "vehicle-tax", title: "Stopped bulk", deadline: $d,
	notices: [range(1; 20001) | {reference: ("stop-\(.)"), rrn: "971013-9019902", name: "홍길동",
	address: "서울", personalisation: {amount: "1"}}]}' -n >stopbulk.json
r=$(http POST "$API/v1/notices/bulk" "" -H 'Content-Type: application/json' --data-binary @stopbulk.json "${AUTH[@]}")
JOBS=$(body_of "$r" | jq -r .job)
for _ in $(seq 1 400); do
	[ "$(curl -s "${AUTH[@]}" "$API/v1/jobs/$JOBS" | jq -r .processed)" -gt 0 ] 2>/dev/null && break
	sleep 0.01
done
kill -TERM "$PID_agency"
wait "$PID_agency" 2>/dev/null
acc=$(sqlite3 data/agency.db "SELECT accepted FROM api_jobs WHERE id = '$JOBS'")
again=$(sqlite3 data/agency.db "SELECT count(*) FROM api_job_errors WHERE job = '$JOBS' AND detail LIKE '%post again%'")
echo "# stopped mid-bulk: $acc accepted, $again rows answered post again"
check "stopping mid-bulk with the hub answering: the batches prepared reach it, none answered post again" \
	bash -c "[ '$acc' -gt 0 ] && [ '$again' = 0 ]"
start_role agency agency.log agency serve --config agency.ini || { not_ok "agency serve starts again"; finish; }

# ---- stopping with posts waiting, the hub and the callback receiver both
# silent: each post is answered 503 before the server goes, and the calls
# end 3 s after the stop instead of waiting out their timeouts ----
kill -STOP "$CBPID"
# a notice accepted now: its callback's post waits on the silent receiver
r=$(http POST "$API/v1/notices" "$(bad '.reference = "tax-2026-000200"')" "${AUTH[@]}")
sleep 0.5
kill -STOP "$HUBPID"
held=()
for i in 1 2 3; do
	curl -s -o stop$i.out -w '%{http_code} %{content_type}\n' -X POST -H 'Content-Type: application/json' \
		--data-binary "$(bad ".reference = \"tax-2026-00020$i\"")" "${AUTH[@]}" "$API/v1/notices" >stop$i.code &
	held+=($!)
	for _ in $(seq 1 200); do [ "$(waits)" = $i ] && break; sleep 0.05; done
done
kill -TERM "$PID_agency"
t0=$(date +%s%N)
wait "${held[@]}"
ms=$((($(date +%s%N) - t0) / 1000000))
gone=0
for _ in $(seq 1 70); do kill -0 "$PID_agency" 2>/dev/null || { gone=1; break; }; sleep 0.1; done
exit_ms=$((($(date +%s%N) - t0) / 1000000))
kill -CONT "$HUBPID" "$CBPID"
wait "$PID_agency" 2>/dev/null
echo "# stopped with three posts waiting: $(cat stop1.code stop2.code stop3.code | tr '\n' ' ') in $ms ms; exited after $exit_ms ms"
check "stopping with three posts waiting: each answered 503 as a problem, within 5 s" \
	bash -c "[ \"\$(cat stop1.code stop2.code stop3.code | sort -u)\" = '503 application/problem+json' ] && [ $ms -lt 5000 ] &&
		jq -e '.status == 503 and (.detail | contains(\"stopping\"))' stop1.out >/dev/null"
check "... and the server exits within 7 s, the hub and the receiver still silent (their timeouts: 120 and 10 s)" [ $gone = 1 ]
check "... its log says each was given up, to be posted again" \
	bash -c "[ \$(grep -c 'tax-2026-00020[123], whose caller no longer waits, was refused (502): the hub is unavailable: post again' agency.log) = 3 ]"

# ---- notices answered 202 whose batch a stop gave up, the hub silent:
# their documents are stored, with no RRN or CI left to send them, and
# whether the hub took them before it fell silent is unknown; the restart
# says so (state interrupted, a callback each), and posting one again
# sends it under the same agency reference ----
start_role agency agency-i1.log agency serve --config agency.ini || { not_ok "agency serve starts again"; finish; }
check "the restart tells the three posts the stop gave up as interrupted" \
	grep -q 'notices: 3 stored by the last run never had the hub.s answer: now interrupted' agency-i1.log
kill -STOP "$HUBPID"
soon=$(date -u -d '+1 seconds' +%Y-%m-%dT%H:%M:%S.000Z)
r=$(http POST "$API/v1/notices" "$(bad ".reference = \"stopped-1\" | .title = \"Stopped\" | .scheduled_for = \"$soon\"")" "${AUTH[@]}")
IBULK=$(jq -c --arg d "$TEST_DEADLINE" -n '{template: "vehicle-tax", title: "Stopped bulk 2", deadline: $d,
	notices: [range(1; 3) | {reference: ("stopped-bulk-\(.)"), rrn: "971013-9019902", name: "홍길동",
	address: "서울", personalisation: {amount: "1"}}]}')
r2=$(http POST "$API/v1/notices/bulk" "$IBULK" "${AUTH[@]}")
check "with the hub silent: a scheduled notice and a bulk of two answered 202" \
	bash -c "[ $(status_of "$r") = 202 ] && [ $(status_of "$r2") = 202 ]"
stored_only() { sqlite3 data/agency.db "SELECT count(*) FROM documents d JOIN api_refs r USING (reference)
	WHERE r.caller_ref IN ('stopped-1', 'stopped-bulk-1', 'stopped-bulk-2') AND d.state = 'stored' AND d.notice IS NULL"; }
for _ in $(seq 1 100); do [ "$(stored_only)" = 3 ] && break; sleep 0.1; done
sleep 0.5 # their batches at the silent hub
kill -TERM "$PID_agency"
wait "$PID_agency" 2>/dev/null # the stop gives the silent hub 3 s
kill -CONT "$HUBPID"
check "... stopped, their three documents are stored with no notice id" [ "$(stored_only)" = 3 ]
IREF=$(sqlite3 data/agency.db "SELECT reference FROM api_refs WHERE caller_ref = 'stopped-1'")
start_role agency agency-i2.log agency serve --config agency.ini || { not_ok "agency serve starts again"; finish; }
t0=$(date +%s%N)
check "the restart, the hub answering, logs how many it found interrupted" \
	grep -q 'notices: 3 stored by the last run never had the hub.s answer: now interrupted' agency-i2.log
r=$(http GET "$API/v1/notices/stopped-1" "" "${AUTH[@]}")
body_of "$r" >interrupted1.json
check "GET: state interrupted, the reason last in its timeline, no notice id" \
	jqt '.state == "interrupted" and .notice == null and .timeline[-1].state == "interrupted" and (.timeline[-1].reason | contains("post the same reference again"))' interrupted1.json
interrupted_told() { received | jq -e '[.events[] | select(.state == "interrupted" and (.reference | startswith("stopped-")))] | length == 3' >/dev/null; }
for _ in $(seq 1 100); do interrupted_told && break; sleep 0.1; done
check "... and the back office is told each, by callback ($((($(date +%s%N) - t0) / 1000000)) ms)" interrupted_told
r=$(http POST "$API/v1/notices" "$(bad '.reference = "stopped-1" | .title = "Stopped"')" "${AUTH[@]}")
body_of "$r" >again1.json
check "posted again: 201 accepted" jqt '.state == "accepted" and (.notice | length) > 10' again1.json
check "... one notice at the hub, under the agency reference it was stored with" \
	bash -c "[ \"\$(curl -s '$HUB/test/state' | jq --arg r '$IREF' '[.notices | to_entries[] | select(.value.title == \"Stopped\") | .key] == [\$r]')\" = true ]"
accepted_told() { received | jq -e '[.events[] | select(.reference == "stopped-1") | .state] == ["interrupted", "accepted"]' >/dev/null; }
for _ in $(seq 1 100); do accepted_told && break; sleep 0.1; done
check "... and its callbacks: interrupted, then accepted" accepted_told
r=$(http GET "$API/v1/notices/stopped-1" "" "${AUTH[@]}")
body_of "$r" >again1get.json
check "... GET: accepted, its timeline interrupted then accepted" \
	jqt '.state == "accepted" and ([.timeline[].state] == ["interrupted", "accepted"])' again1get.json
kill -TERM "$PID_agency"
wait "$PID_agency" 2>/dev/null
start_role agency agency-i3.log agency serve --config agency.ini || { not_ok "agency serve starts again"; finish; }
check "a restart after that tells nobody twice" \
	bash -c "grep -q 'notices: none left interrupted by the last run' agency-i3.log &&
		[ \"\$(sqlite3 data/agency.db \"SELECT count(*) FROM api_events WHERE state = 'interrupted'\")\" = 6 ]"
finish
