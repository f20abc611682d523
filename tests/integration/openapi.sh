#!/usr/bin/env bash
# docs/agency-api.yaml against the code: a real OpenAPI validator
# (@apidevtools/swagger-parser, locked in tests/openapi) finds it valid
# 3.1; its paths and methods are exactly `herald agency routes` (the route
# table); `agency serve` answers it at /openapi.json; and real answers of
# every route, successes and each error path (401, 404, 405, 400, 415,
# 413, 409, 502), are declared there and match its schemas, every error
# but the citizen's HTML pages being an RFC 9457 problem; a test key's
# notice too. Status callbacks' bodies, live and test, match the
# document's webhook.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DOC=$ROOT/docs/agency-api.yaml
jqt() { jq_test "$@"; }
OA() { node "$ROOT/tests/openapi/openapi.js" "$@"; }

sh "$ROOT/scripts/peers.sh" openapi ||
	{ not_ok "scripts/peers.sh openapi installs the locked validator"; finish; }
check "the OpenAPI validator finds docs/agency-api.yaml valid OpenAPI 3.1" OA validate "$DOC"

cd "$T"
# sort and comm in one order, whatever the locale
"$HERALD" agency routes | LC_ALL=C sort >code.routes
OA routes "$DOC" | LC_ALL=C sort >doc.routes
LC_ALL=C comm -23 code.routes doc.routes >missing
LC_ALL=C comm -13 code.routes doc.routes >extra
sed 's/^/# in the route table, not in the document: /' missing
sed 's/^/# in the document, not in the route table: /' extra
check "every route of the table is in the document, and nothing else ($(wc -l <code.routes) routes)" \
	bash -c '[ -s code.routes ] && [ ! -s missing ] && [ ! -s extra ]'

# ---- a server: idsvc, the stand-in hub, a callback receiver ----
"$HERALD" keygen --hmac --out ci.key
IDKEY=$("$HERALD" apikey --name nts --clients idsvc.clients)
"$HERALD" keygen --ed25519 --out messenger >/dev/null
HUBKEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
(umask 077; echo "$IDKEY" >idsvc.key; echo "$HUBKEY" >hub.key)
start_role idsvc idsvc.log idsvc --key-file ci.key --plain-http --clients idsvc.clients ||
	{ not_ok "idsvc starts"; finish; }
python3 "$HERE/stub_hub.py" "$HUBKEY" 2>hub.log &
HUBPID=$!
PIDS+=($HUBPID)
for _ in $(seq 1 100); do
	HUBPORT=$(sed -n 's/.*listening on .*(port \([0-9]*\)).*/\1/p' hub.log | head -n1)
	[ -n "$HUBPORT" ] && break
	sleep 0.05
done
HUB="http://127.0.0.1:$HUBPORT"
MONKEY=$("$HERALD" apikey --name prometheus --clients metrics.clients)
AGPORT=$(free_port)
mkdir -p data/templates
cat >agency.ini <<INI
[tls]
plain_http = loopback
[agency]
name = nts
dir = data
listen = 127.0.0.1:$AGPORT
public_url = http://127.0.0.1:$AGPORT/
poll_ms = 100
report_ms = 100
metrics = key
metrics_clients = metrics.clients

[idsvc]
url = http://127.0.0.1:$PORT_idsvc
key_file = idsvc.key

[hub]
url = $HUB
key_file = hub.key

[platform messenger]
view_pub = messenger.pub
INI
cat >data/templates/vehicle-tax.html <<'HTML'
<!doctype html><html lang="ko"><meta charset="utf-8"><title>((title))</title>
<p>((name)) 님 / ((address))</p><p>Amount: ((amount)) 원</p>
HTML
KEY=$("$HERALD" agency key add --config agency.ini backoffice)
TESTKEY=$("$HERALD" agency key add --config agency.ini --test backoffice-test)
CBPORT=$(free_port)
"$HERALD" agency callback set --config agency.ini "http://127.0.0.1:$CBPORT/cb" >cb.json
python3 "$HERE/callback_receiver.py" "$(jq -r .key cb.json)" "$(jq -r .key_id cb.json)" 0 "$CBPORT" 2>receiver.log &
PIDS+=($!)
start_role agency agency.log agency serve --config agency.ini || { not_ok "agency serve starts"; finish; }
API="http://127.0.0.1:$AGPORT"
AUTH="Authorization: Bearer $KEY"

curl -s -o served.json "$API/openapi.json"
check "GET /openapi.json serves the document, equal to docs/agency-api.yaml" OA same "$DOC" served.json

# call NAME METHOD PATH [curl args...]: one real answer, checked against
# the document: its status declared for the operation, its media type,
# its body valid against the schema.
call() {
	local name=$1 method=$2 path=$3; shift 3
	local out=$T/answer.$n_checks
	local code
	code=$(curl -s -o "$out" -D "$out.h" -w '%{http_code}' -X "$method" "$@" "$API$path")
	local ctype
	ctype=$(sed -n 's/^[Cc]ontent-[Tt]ype: *\([^;\r]*\).*/\1/p' "$out.h" | tail -n1)
	echo "# $method $path -> $code $ctype"
	if OA answer "$DOC" "$method" "$path" "$code" "${ctype:-none}" "$out" >"$out.why" 2>&1; then
		ok "$name ($code $ctype) is as the document says"
	else
		sed 's/^/# /' "$out.why"
		not_ok "$name ($code $ctype) is as the document says"
	fi
	LAST_CODE=$code LAST_TYPE=$ctype LAST_BODY=$out
}
# problem NAME STATUS METHOD PATH [curl args...]: the error path answers
# STATUS as a problem the document declares.
problem() {
	local name=$1 want=$2; shift 2
	call "$name" "$@"
	check "$name: $want, application/problem+json with type, title, status, detail" \
		bash -c "[ '$LAST_CODE' = '$want' ] && [ '$LAST_TYPE' = application/problem+json ] &&
			jq -e '.status == $want and (.type | startswith(\"urn:herald:problem:\")) and (.title | length) > 0 and (.detail | length) > 0' '$LAST_BODY' >/dev/null"
}
J=(-H 'Content-Type: application/json')
NOTICE='{"template":"vehicle-tax","reference":"oa-1","rrn":"971013-9019902","name":"홍길동",
 "address":"서울특별시 종로구 세종대로 209","personalisation":{"amount":"125,000"},
 "title":"2026년 자동차세","deadline":"'"$TEST_DEADLINE"'"}'

# ---- successes ----
call "POST /v1/notices" POST /v1/notices -H "$AUTH" "${J[@]}" --data-binary "$NOTICE"
check "the notice was accepted (201)" [ "$LAST_CODE" = 201 ]
call "POST /v1/notices, the same reference again" POST /v1/notices -H "$AUTH" "${J[@]}" --data-binary "$NOTICE"
call "GET /v1/notices/{reference}" GET /v1/notices/oa-1 -H "$AUTH"
call "GET /v1/notices/{reference}/certificate" GET /v1/notices/oa-1/certificate -H "$AUTH"
call "GET /v1/notices/{reference}/certificate as PDF" GET /v1/notices/oa-1/certificate -H "$AUTH" -H 'Accept: application/pdf'
BULK='{"template":"vehicle-tax","title":"t","deadline":"'"$TEST_DEADLINE"'","notices":[
 {"reference":"oa-b1","rrn":"850315-1234566","name":"이영희","address":"부산","personalisation":{"amount":"1"}},
 {"reference":"oa-b2","rrn":"971313-1019902","name":"최지우","address":"대전","personalisation":{"amount":"2"}}]}'
call "POST /v1/notices/bulk (JSON)" POST /v1/notices/bulk -H "$AUTH" "${J[@]}" --data-binary "$BULK"
JOB=$(jq -r .job "$LAST_BODY")
printf 'reference,rrn,name,address,amount\noa-c1,850315-1234566,이영희,부산,1\n' >bulk.csv
call "POST /v1/notices/bulk (CSV)" POST "/v1/notices/bulk?template=vehicle-tax&title=t&deadline=$TEST_DEADLINE" \
	-H "$AUTH" -H 'Content-Type: text/csv' --data-binary @bulk.csv
for _ in $(seq 1 100); do
	[ "$(curl -s -H "$AUTH" "$API/v1/jobs/$JOB" | jq -r .state)" = done ] && break
	sleep 0.05
done
call "GET /v1/jobs/{id}, with a refused row" GET "/v1/jobs/$JOB" -H "$AUTH"
# A row the CSV reader refuses names no field: the error leaves it out
# (the document's field is a string, not null).
printf 'reference,rrn,name,address,amount\noa-d1,850315-1234566,이영희,부산,1\n"oa-d2,850315-1234566\n' >cut.csv
call "POST /v1/notices/bulk (CSV, its last line's quote never closed)" \
	POST "/v1/notices/bulk?template=vehicle-tax&title=t&deadline=$TEST_DEADLINE" \
	-H "$AUTH" -H 'Content-Type: text/csv' --data-binary @cut.csv
JOB_CUT=$(jq -r .job "$LAST_BODY")
for _ in $(seq 1 100); do
	[ "$(curl -s -H "$AUTH" "$API/v1/jobs/$JOB_CUT" | jq -r .state)" = done ] && break
	sleep 0.05
done
call "GET /v1/jobs/{id}, with a row the CSV reader refused" GET "/v1/jobs/$JOB_CUT" -H "$AUTH"
check "... that row's error has a detail and no field" \
	jq -e '.errors | length == 1 and (.[0] | has("field") | not) and (.[0].detail | length > 0)' "$LAST_BODY"
call "GET /v1/health" GET /v1/health
call "GET /metrics with the monitoring key" GET /metrics -H "Authorization: Bearer $MONKEY"
call "GET /openapi.json" GET /openapi.json
call "GET /documents/{reference} without a token (an HTML page)" GET /documents/nope
H=(-H 'Content-Type: text/html')
call "PUT /v1/templates/{id}, new" PUT /v1/templates/oa-tpl -H "$AUTH" "${H[@]}" --data-binary '<p>((name)): ((amount))</p>'
check "a new template is 201" [ "$LAST_CODE" = 201 ]
call "PUT /v1/templates/{id}, replaced" PUT /v1/templates/oa-tpl -H "$AUTH" "${H[@]}" --data-binary '<p>((name)) - ((amount))</p>'
check "a replaced template is 200" [ "$LAST_CODE" = 200 ]
call "GET /v1/templates" GET /v1/templates -H "$AUTH"
call "GET /v1/templates/{id}" GET /v1/templates/oa-tpl -H "$AUTH"
call "POST /v1/templates/{id}/preview" POST /v1/templates/oa-tpl/preview -H "$AUTH" "${J[@]}" \
	--data-binary '{"name":"홍길동","address":"서울","personalisation":{"amount":"1"}}'
check "the preview is 200" [ "$LAST_CODE" = 200 ]

# ---- every route's error paths ----
for route in "POST /v1/notices" "POST /v1/notices/bulk" "GET /v1/notices/oa-1" \
	"GET /v1/notices/oa-1/certificate" "POST /v1/notices/oa-1/cancel" "GET /v1/jobs/$JOB"; do
	set -- $route
	problem "$1 $2 without a key" 401 "$1" "$2" "${J[@]}" --data-binary '{}'
	check "$1 $2 without a key: WWW-Authenticate: Bearer" grep -qi '^www-authenticate: Bearer' "$LAST_BODY.h"
done
for route in "DELETE /v1/notices" "PUT /v1/notices/bulk" "DELETE /v1/notices/oa-1" \
	"POST /v1/notices/oa-1/certificate" "GET /v1/notices/oa-1/cancel" "DELETE /v1/jobs/$JOB"; do
	set -- $route
	problem "$1 $2 (a method the route has not)" 405 "$1" "$2" -H "$AUTH"
	check "$1 $2: Allow names the route's method" grep -qi '^allow: \(GET\|POST\)' "$LAST_BODY.h"
done
problem "GET /v1/health by POST" 405 POST /v1/health
problem "POST /metrics" 405 POST /metrics
problem "POST /openapi.json" 405 POST /openapi.json
problem "GET /metrics without the monitoring key" 401 GET /metrics
problem "an unknown /v1/ route" 404 GET /v1/nothing -H "$AUTH"
problem "GET /v1/notices/{reference} unknown" 404 GET /v1/notices/never -H "$AUTH"
problem "GET .../certificate unknown" 404 GET /v1/notices/never/certificate -H "$AUTH"
problem "POST .../cancel unknown" 404 POST /v1/notices/never/cancel -H "$AUTH" "${J[@]}" --data-binary '{"reason":"x"}'
problem "GET /v1/jobs/{id} unknown" 404 GET /v1/jobs/job-000000000000000000000000 -H "$AUTH"
problem "POST /v1/notices with a bad field" 400 POST /v1/notices -H "$AUTH" "${J[@]}" \
	--data-binary "$(jq -c '.reference = "oa-2" | del(.deadline)' <<<"$NOTICE")"
check "the 400 names the field" jqt '.field == "deadline"' "$LAST_BODY"
problem "POST /v1/notices/bulk with a bad template" 400 POST /v1/notices/bulk -H "$AUTH" "${J[@]}" \
	--data-binary "$(jq -c '.template = "no such"' <<<"$BULK")"
problem "POST .../cancel without a reason" 400 POST /v1/notices/oa-1/cancel -H "$AUTH" "${J[@]}" --data-binary '{}'
check "the cancel's 400 names reason" jqt '.field == "reason"' "$LAST_BODY"
problem "POST /v1/notices as text/plain" 415 POST /v1/notices -H "$AUTH" -H 'Content-Type: text/plain' --data-binary x
problem "POST /v1/notices/bulk as text/plain" 415 POST /v1/notices/bulk -H "$AUTH" -H 'Content-Type: text/plain' --data-binary x
problem "POST .../cancel as text/plain" 415 POST /v1/notices/oa-1/cancel -H "$AUTH" -H 'Content-Type: text/plain' --data-binary x
head -c 70000 /dev/zero | tr '\0' 'a' >big
problem "PUT /v1/templates/{id} that does not compile" 400 PUT /v1/templates/oa-bad -H "$AUTH" "${H[@]}" --data-binary '((name'
problem "PUT /v1/templates/{id} with a bad id" 400 PUT /v1/templates/a%20b -H "$AUTH" "${H[@]}" --data-binary x
problem "PUT /v1/templates/{id} with a test key" 403 PUT /v1/templates/oa-t -H "Authorization: Bearer $TESTKEY" "${H[@]}" --data-binary x
problem "PUT /v1/templates/{id} as JSON" 415 PUT /v1/templates/oa-t -H "$AUTH" "${J[@]}" --data-binary '{}'
problem "GET /v1/templates/{id} unknown" 404 GET /v1/templates/never -H "$AUTH"
problem "POST .../preview without a field" 400 POST /v1/templates/oa-tpl/preview -H "$AUTH" "${J[@]}" --data-binary '{"name":"x"}'
problem "POST .../preview of an unknown template" 404 POST /v1/templates/never/preview -H "$AUTH" "${J[@]}" --data-binary '{}'
head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' x >bigtpl
problem "PUT /v1/templates/{id} over 1 MiB" 413 PUT /v1/templates/oa-big -H "$AUTH" "${H[@]}" --data-binary @bigtpl
# Announced (Expect: 100-continue), as curl does by itself only past
# 1 MiB: a refusal sent while the body still comes may reach the client
# as a reset instead (000).
EARLY=(-H 'Expect: 100-continue')
problem "POST /v1/notices over 64 KiB" 413 POST /v1/notices -H "$AUTH" "${J[@]}" "${EARLY[@]}" --data-binary @big
problem "POST .../cancel over 4 KiB" 413 POST /v1/notices/oa-1/cancel -H "$AUTH" "${J[@]}" "${EARLY[@]}" --data-binary @big

# 409: a notice the hub has not accepted yet (scheduled for later).
later=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%S.000Z)
call "POST /v1/notices scheduled" POST /v1/notices -H "$AUTH" "${J[@]}" \
	--data-binary "$(jq -c --arg t "$later" '.reference = "oa-later" | .scheduled_for = $t' <<<"$NOTICE")"
call "GET /v1/notices/{reference} while scheduled" GET /v1/notices/oa-later -H "$AUTH"

# A test key's notice: the failed outcome's magic RRN.
TAUTH="Authorization: Bearer $TESTKEY"
call "POST /v1/notices with a test key" POST /v1/notices -H "$TAUTH" "${J[@]}" \
	--data-binary "$(jq -c '.reference = "oa-test" | .rrn = "000101-1000044"' <<<"$NOTICE")"
call "GET /v1/notices/{reference}, a test notice" GET /v1/notices/oa-test -H "$TAUTH"
problem "GET .../certificate of a test notice" 409 GET /v1/notices/oa-test/certificate -H "$TAUTH"

# The callbacks the notices made, the test notice's failure among them
# (3 s after its acceptance).
for _ in $(seq 1 100); do
	[ "$(curl -s "http://127.0.0.1:$CBPORT/received" | jq '[.events[] | select(.state == "failed")] | length')" -ge 1 ] 2>/dev/null && break
	sleep 0.1
done
curl -s "http://127.0.0.1:$CBPORT/received" | jq '{events: .events}' >callbacks.json
check "status callbacks' bodies, live and test, are what the document's webhook says" \
	bash -c "jq -e '(.events | length > 0) and any(.events[]; .test == true and .state == \"failed\")' callbacks.json >/dev/null && node '$ROOT/tests/openapi/openapi.js' webhook '$DOC' statusChange callbacks.json"

# 502: the hub gone, a cancel and a certificate cannot go through.
kill "$HUBPID" && wait "$HUBPID" 2>/dev/null
problem "POST .../cancel while the hub is down" 502 POST /v1/notices/oa-1/cancel -H "$AUTH" "${J[@]}" --data-binary '{"reason":"sent in error"}'
problem "GET .../certificate while the hub is down" 502 GET /v1/notices/oa-1/certificate -H "$AUTH"

finish
