#!/usr/bin/env bash
# Test keys, with idsvc, the hub and agency serve real and a callback
# receiver (callback_receiver.py), on the injected clock
# (HERALD_CLOCK_FILE): a test key's four magic RRNs give read, delivered
# unread, paper and failed, seen in GET /v1/notices/{reference} with the
# schedule's timing and in signed callbacks marked test; none of them
# reaches idsvc (its request counter) or the hub (hub.db); `agency report`
# counts none; a live key cannot see a test notice nor a test key a live
# one, even under the same reference; a test notice cancels without the
# hub and has no certificate; retention applies to them, in agency serve
# (daily) as in `agency purge`.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

cd "$T"
key() { openssl rand -hex 32; }
sha() { printf %s "$1" | sha256sum | cut -c1-64; }
jqt() { jq_test "$@"; }
export HERALD_CLOCK_FILE=$T/clock
set_clock() { echo "$1" >clock.tmp && mv clock.tmp clock; }
set_clock 0

"$HERALD" keygen --hmac --out ci.key >/dev/null 2>&1
"$HERALD" keygen --ed25519 --out log >/dev/null 2>&1
"$HERALD" keygen --ed25519 --out messenger >/dev/null 2>&1
IDKEY=$("$HERALD" apikey --name nts --clients idsvc.clients)
NTS=$(key) HUBKEY=$(key)
(umask 077; echo "$IDKEY" >idsvc.key; echo "$NTS" >nts.apikey; echo "$HUBKEY" >hub.key)
start_role idsvc idsvc.log idsvc --key-file ci.key --plain-http --clients idsvc.clients --metrics public ||
	{ not_ok "idsvc starts"; finish; }
cat >hub.ini <<INI
[tls]
plain_http = loopback
[hub]
dir = hubdata
listen = 127.0.0.1:0
hub_key_file = hub.key
log_key = log.key

[agency nts]
key_sha256 = $(sha "$NTS")
INI
start_role hub hub.log hub --config hub.ini || { not_ok "hub starts"; finish; }

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

[idsvc]
url = http://127.0.0.1:$PORT_idsvc
key_file = idsvc.key

[hub]
url = http://127.0.0.1:$PORT_hub
key_file = nts.apikey

[platform messenger]
view_pub = messenger.pub
INI
cat >data/templates/vehicle-tax.html <<'HTML'
<!doctype html><html lang="ko"><meta charset="utf-8"><title>((title))</title>
<p>((name)) 님 / ((address))</p><p>Amount: ((amount)) 원</p>
HTML

LIVE=$("$HERALD" agency key add --config agency.ini backoffice)
TEST=$("$HERALD" agency key add --config agency.ini --test backoffice-test)
check "agency key add --test prints a key and keeps its hash in api-test.clients (0600)" \
	bash -c "[[ '$TEST' =~ ^[0-9a-f]{64}$ ]] && [ \$(stat -c %a data/api-test.clients) = 600 ] &&
		grep -q '^backoffice-test ' data/api-test.clients && ! grep -q backoffice-test data/api.clients"
"$HERALD" agency key add --config agency.ini --test backoffice >/dev/null 2>dup.err
check "a test key cannot take a live key's name" grep -q "already has a key named backoffice" dup.err

CBPORT=$(free_port)
"$HERALD" agency callback set --config agency.ini "http://127.0.0.1:$CBPORT/cb" >cb.json
python3 "$HERE/callback_receiver.py" "$(jq -r .key cb.json)" "$(jq -r .key_id cb.json)" 0 "$CBPORT" 2>receiver.log &
RECEIVER=$!
PIDS+=($RECEIVER)
start_role agency agency.log agency serve --config agency.ini || { not_ok "agency serve starts"; finish; }
API="http://127.0.0.1:$AGPORT"
L=(-H "Authorization: Bearer $LIVE" -H 'Content-Type: application/json')
X=(-H "Authorization: Bearer $TEST" -H 'Content-Type: application/json')

idsvc_calls() {
	curl -s "http://127.0.0.1:$PORT_idsvc/metrics" |
		awk '/^herald_http_requests_total\{.*route="\/v1\/ci"/ { n += $NF } END { print n + 0 }'
}
hub_notices() { sqlite3 hubdata/hub.db "select count(*) from notices"; }
notice() { # REFERENCE RRN
	jq -nc --arg r "$1" --arg n "$2" '{template:"vehicle-tax",reference:$r,rrn:$n,name:"홍길동",
		address:"서울특별시 종로구 세종대로 209",personalisation:{amount:"125,000"},
		title:"2026년 자동차세",deadline:"2099-12-31"}'
}

# ---- one live notice first: the hub and idsvc do their part for it ----
r=$(http POST "$API/v1/notices" "$(notice live-1 971013-9019902)" "${L[@]}")
check "a live key's notice is accepted by the real hub" \
	bash -c "[ $(status_of "$r") = 201 ] && [ \"\$(sqlite3 hubdata/hub.db 'select count(*) from notices')\" = 1 ]"
IDSVC0=$(idsvc_calls) HUB0=$(hub_notices)
check "idsvc counted the live notice's call" [ "$IDSVC0" -ge 1 ]
REPORT0=$("$HERALD" agency report --config agency.ini --json)

# ---- a test key's four outcomes ----
declare -A RRN=([read]=000101-1000018 [unread]=000101-1000023 [paper]=000101-1000039 [failed]=000101-1000044)
for o in read unread paper failed; do
	r=$(http POST "$API/v1/notices" "$(notice "t-$o" "${RRN[$o]}")" "${X[@]}")
	body_of "$r" >"post-$o.json"
	check "test key, $o RRN: 201, accepted, a test- notice id, marked test" \
		bash -c "[ $(status_of "$r") = 201 ] && jq -e '.state == \"accepted\" and (.notice | startswith(\"test-\")) and .test == true' post-$o.json >/dev/null"
done
r=$(http POST "$API/v1/notices" "$(notice t-other 850315-1234566)" "${X[@]}")
check "test key, any other valid RRN: accepted" [ "$(status_of "$r")" = 201 ]
r=$(http POST "$API/v1/notices" "$(notice t-bad 971313-1019902)" "${X[@]}")
check "test key, an impossible RRN: refused by the same rules, 400 naming rrn, masked" \
	bash -c "[ $(status_of "$r") = 400 ] && jq -e '.field == \"rrn\"' <<<'$(body_of "$r")' >/dev/null && ! grep -q 1019902 <<<'$(body_of "$r")'"
r=$(http POST "$API/v1/notices" "$(notice t-bad2 000101-1000018 | jq -c '.template = "none"')" "${X[@]}")
check "test key, an unknown template: 400 as for a live key" [ "$(status_of "$r")" = 400 ]

check "idsvc got no call for the test notices" [ "$(idsvc_calls)" = "$IDSVC0" ]
check "the hub's database holds no test notice" [ "$(hub_notices)" = "$HUB0" ]
check "no RRN in the test database" \
	bash -c "! grep -qa -e 1000018 -e 1000023 -e 1000039 -e 1000044 -e 1234566 data/test.db*"

r=$(http GET "$API/v1/notices/t-read" "" "${X[@]}")
check "right after posting, the read notice is not read yet (its steps take seconds)" \
	bash -c "jq -e '.state != \"read\" and (.timeline | length) < 4' <<<'$(body_of "$r")' >/dev/null"

# Ten seconds on the injected clock: every step falls due.
set_clock 10000
settled() {
	for _ in $(seq 1 100); do
		local n=0
		for o in read unread paper failed; do
			curl -s "${X[@]}" "$API/v1/notices/t-$o" >"get-$o.json"
			jq -e '.timeline | length > 1' "get-$o.json" >/dev/null && n=$((n + 1))
		done
		[ "$n" = 4 ] && [ "$(jq -r .state get-read.json)" = read ] && return 0
		sleep 0.1
	done
	return 1
}
check "the simulated outcomes play out" settled
check "read: accepted, relayed, received, read" \
	jqt '.state == "read" and ([.timeline[].state] == ["accepted","relayed","received","read"])' get-read.json
check "delivered unread: accepted, relayed, received, and no further" \
	jqt '.state == "received" and ([.timeline[].state] == ["accepted","relayed","received"])' get-unread.json
check "paper: accepted, postal, with the reason" \
	jqt '.state == "postal" and ([.timeline[].state] == ["accepted","postal"]) and (.timeline[1].reason | test("paper"))' get-paper.json
check "failed: accepted, failed, with the reason" \
	jqt '.state == "failed" and ([.timeline[].state] == ["accepted","failed"]) and (.timeline[1].reason | length > 0)' get-failed.json
ms() { date -d "$1" +%s%3N; }
gap() { # FILE STATE: ms from acceptance to STATE
	echo $(($(ms "$(jq -r --arg s "$2" '.timeline[] | select(.state == $s) | .at' "$1")") - $(ms "$(jq -r '.timeline[0].at' "$1")")))
}
echo "# read after $(gap get-read.json read) ms, received after $(gap get-read.json received) ms, postal after $(gap get-paper.json postal) ms, failed after $(gap get-failed.json failed) ms"
check "realistic timing: relayed ~1 s, received ~2.5 s, read ~6 s, postal ~4 s, failed ~3 s after acceptance" \
	bash -c "g() { echo \$((\$(date -d \"\$(jq -r --arg s \$2 '.timeline[] | select(.state == \$s) | .at' \$1)\" +%s%3N) - \$(date -d \"\$(jq -r '.timeline[0].at' \$1)\" +%s%3N))); }
		r=\$(g get-read.json relayed) c=\$(g get-read.json received) d=\$(g get-read.json read) p=\$(g get-paper.json postal) f=\$(g get-failed.json failed)
		[ \$r -ge 900 ] && [ \$r -le 1200 ] && [ \$c -ge 2400 ] && [ \$c -le 2700 ] && [ \$d -ge 5900 ] && [ \$d -le 6200 ] &&
		[ \$p -ge 3900 ] && [ \$p -le 4200 ] && [ \$f -ge 2900 ] && [ \$f -le 3200 ]"

# ---- the callbacks ----
got_all() {
	for _ in $(seq 1 100); do
		curl -s "http://127.0.0.1:$CBPORT/received" >received.json
		[ "$(jq '[.events[] | select(.test == true)] | length' received.json)" -ge 12 ] && return 0
		sleep 0.1
	done
	return 1
}
check "the test notices' changes arrive as signed callbacks" \
	bash -c "$(declare -f got_all); CBPORT=$CBPORT; got_all && jq -e '.bad_signatures == 0' received.json >/dev/null"
cbs() { jq -c --arg r "$1" '[.events[] | select(.reference == $r) | .state]' received.json; }
check "callbacks: read is accepted, relayed, received, read" [ "$(cbs t-read)" = '["accepted","relayed","received","read"]' ]
check "callbacks: unread is accepted, relayed, received" [ "$(cbs t-unread)" = '["accepted","relayed","received"]' ]
check "callbacks: paper is accepted, postal" [ "$(cbs t-paper)" = '["accepted","postal"]' ]
check "callbacks: failed is accepted, failed, with its reason" \
	bash -c "[ '$(cbs t-failed)' = '[\"accepted\",\"failed\"]' ] && jq -e '[.events[] | select(.reference == \"t-failed\" and .state == \"failed\")][0].reason | length > 0' received.json >/dev/null"
check "test callbacks say test and have ids of their own; the live notice's do not" \
	jqt '([.events[] | select(.reference | startswith("t-")) | (.test == true and (.id | startswith("test-ev-")))] | all) and ([.events[] | select(.reference == "live-1")] | length > 0 and all(.test == null and (.id | startswith("ev-"))))' received.json

# ---- kept apart ----
r=$(http GET "$API/v1/notices/t-read" "" "${L[@]}")
check "a live key cannot see a test notice: 404" [ "$(status_of "$r")" = 404 ]
r=$(http GET "$API/v1/notices/live-1" "" "${X[@]}")
check "a test key cannot see a live notice: 404" [ "$(status_of "$r")" = 404 ]
r=$(http POST "$API/v1/notices" "$(notice live-1 000101-1000018)" "${X[@]}")
check "a test key may use a live notice's reference: its own test notice" \
	bash -c "[ $(status_of "$r") = 201 ] && jq -e '.notice | startswith(\"test-\")' <<<'$(body_of "$r")' >/dev/null"
r=$(http GET "$API/v1/notices/live-1" "" "${L[@]}")
check "the live notice is unchanged for the live key" \
	bash -c "jq -e '(.notice | startswith(\"test-\") | not) and (.test == null)' <<<'$(body_of "$r")' >/dev/null"
r=$(http GET "$API/v1/notices/t-read/certificate" "" "${X[@]}")
check "a test notice has no certificate: 409 problem" [ "$(status_of "$r")" = 409 ]

# A bulk with a test key: its own job, in test.db.
BULK=$(jq -nc '{template:"vehicle-tax",title:"t",deadline:"2099-12-31",notices:[
 {reference:"tb-1",rrn:"000101-1000039",name:"a",address:"b",personalisation:{amount:"1"}},
 {reference:"tb-2",rrn:"000101-1000044",name:"a",address:"b",personalisation:{amount:"1"}}]}')
r=$(http POST "$API/v1/notices/bulk" "$BULK" "${X[@]}")
JOB=$(body_of "$r" | jq -r .job)
job_done() {
	for _ in $(seq 1 100); do
		[ "$(curl -s "${X[@]}" "$API/v1/jobs/$JOB" | jq -r .state)" = done ] && return 0
		sleep 0.05
	done
	return 1
}
check "a test key's bulk job finishes, both rows accepted" \
	bash -c "$(declare -f job_done); X=(${X[*]@Q}); API=$API; JOB=$JOB; job_done && curl -s \"\${X[@]}\" \"\$API/v1/jobs/\$JOB\" | jq -e '.accepted == 2' >/dev/null"
r=$(http GET "$API/v1/jobs/$JOB" "" "${L[@]}")
check "a live key cannot see a test key's job: 404" [ "$(status_of "$r")" = 404 ]

# A test notice cancelled: nothing reaches the hub.
r=$(http POST "$API/v1/notices/t-other/cancel" '{"reason":"900101-1234567"}' "${X[@]}")
r2=$(http POST "$API/v1/notices/t-other/cancel" '{"reason":"two\nlines"}' "${X[@]}")
check "a test key's cancel refuses the reasons a live key's does (an RRN, a control character): 400, nothing kept" \
	bash -c "[ $(status_of "$r")/$(status_of "$r2") = 400/400 ] &&
		jq -e '.field == \"reason\"' <<<'$(body_of "$r")' >/dev/null &&
		! grep -qa 1234567 data/test.db*"
r=$(http POST "$API/v1/notices/t-other/cancel" '{"reason":"sent in error"}' "${X[@]}")
check "a test notice cancels: 200 cancelled" \
	bash -c "[ $(status_of "$r") = 200 ] && jq -e '.status == \"cancelled\" and .state == \"cancelled\"' <<<'$(body_of "$r")' >/dev/null"
r=$(http POST "$API/v1/notices/t-read/cancel" '{"reason":"for the record"}' "${X[@]}")
check "a read test notice's cancel is recorded, its state stays read" \
	bash -c "jq -e '.status == \"recorded\" and .state == \"read\"' <<<'$(body_of "$r")' >/dev/null"
r=$(http POST "$API/v1/notices/t-read/cancel" '{"reason":"x"}' "${L[@]}")
check "a live key cannot cancel a test notice: 404" [ "$(status_of "$r")" = 404 ]

sleep 0.5
check "idsvc still got no call for any test notice" [ "$(idsvc_calls)" = "$IDSVC0" ]
check "the hub's database still holds only the live notice" \
	bash -c "[ \"\$(sqlite3 hubdata/hub.db 'select count(*) from notices')\" = '$HUB0' ] &&
		[ \"\$(sqlite3 hubdata/hub.db \"select count(*) from notices where id like 'test-%'\")\" = 0 ]"
REPORT1=$("$HERALD" agency report --config agency.ini --json)
echo "# report before: $REPORT0"
echo "# report after:  $REPORT1"
check "agency report counts no test notice: one notice, the live one, before and after" \
	bash -c "jq -e '.notices == 1 and ([.outcomes[]] | add) == 1' <<<'$REPORT0' >/dev/null &&
		jq -e '.notices == 1 and ([.outcomes[]] | add) == 1 and .outcomes.failed == 0' <<<'$REPORT1' >/dev/null"
check "agency.db holds the live notice only" \
	[ "$(sqlite3 data/agency.db 'select count(*) from documents')" = 1 ]

# Retention applies to the test documents too. Ten days on, every
# simulated step has run and the eight are final, none for 90 days yet;
# a copy of the data then lets `agency purge` show its own count, while
# agency serve, which purges daily, deletes the originals on its own.
set_clock $((10 * 86400000))
for _ in $(seq 1 100); do
	[ "$(sqlite3 data/test.db 'select count(*) from test_outcomes')" = 0 ] && break
	sleep 0.1
done
purged_in() {
	sqlite3 "$1" "select count(*) from documents where purged_at is not null and name = '' and address = ''"
}
mkdir data-cli
sqlite3 data/agency.db ".backup data-cli/agency.db"
sqlite3 data/test.db ".backup data-cli/test.db"
sed 's/^dir = data$/dir = data-cli/' agency.ini >agency-cli.ini
check "ten days on, the eight test documents are final and none is purged" \
	bash -c "[ \"\$(sqlite3 data-cli/test.db 'select count(*) from documents where final_at is not null')\" = 8 ] &&
		[ \"\$(sqlite3 data-cli/test.db 'select count(*) from documents where purged_at is not null')\" = 0 ]"
set_clock $((101 * 86400000))
out=$("$HERALD" agency purge --config agency-cli.ini)
echo "# agency purge of the copy: $out"
n=$(purged_in data-cli/test.db)
check "101 days on, agency purge deletes the eight test documents, names and addresses" \
	bash -c "jq -e '.test_purged == 8' <<<'$out' >/dev/null && [ '$n' = 8 ]"
serve_purged() {
	for _ in $(seq 1 200); do
		[ "$(purged_in data/test.db)" = 8 ] && return 0
		sleep 0.1
	done
	return 1
}
check "... and agency serve deletes the originals on its own, in its daily round" serve_purged
check "agency serve's log names them as test documents" \
	grep -q "retention: deleted 8 test documents final for 90 days or more" agency.log
out=$("$HERALD" agency purge --config agency.ini)
echo "# agency purge: $out"
check "agency purge then finds no test document left to delete" jqt '.test_purged == 0' <<<"$out"

# A test key's bulk job cut short by a stop is interrupted at the next
# start, as a live one is: the job above is made "running" again while
# agency serve is down (as a stop mid-job leaves it).
kill "$PID_agency"; wait "$PID_agency" 2>/dev/null
sqlite3 data/test.db "UPDATE api_jobs SET state = 'running', finished = NULL WHERE id = '$JOB'"
start_role agency agency2.log agency serve --config agency.ini || { not_ok "agency serve starts again"; finish; }
job_interrupted() {
	local out
	out=$(curl -sf "${X[@]}" "$API/v1/jobs/$JOB") && [ -n "$out" ] && jq -e '.state == "interrupted"' <<<"$out" >/dev/null
}
check "after a restart, a test key's job left running reads interrupted" job_interrupted

# Callbacks undelivered for 24 hours are dropped one by one by their age,
# not with the batch they share: with the receiver down, t-old's events
# are queued, a day passes less a minute, t-new's come, two minutes more
# and a try fails; t-old's first ones are dropped, t-new's wait and go
# once the receiver is back.
kill "$RECEIVER"; wait "$RECEIVER" 2>/dev/null
NOW=$(cat clock)
http POST "$API/v1/notices" "$(notice t-old 850315-1234566)" "${X[@]}" >/dev/null
sleep 0.5
set_clock $((NOW + 86400000 - 60000))
http POST "$API/v1/notices" "$(notice t-new 761225-2987650)" "${X[@]}" >/dev/null
sleep 0.5
set_clock $((NOW + 86400000 + 60000))
dropped() { for _ in $(seq 1 300); do grep -q 'dropping [0-9]* events: undelivered for 24 hours' agency2.log && return 0; sleep 0.1; done; return 1; }
check "a try a day after t-old's first events drops them (logged)" dropped
python3 "$HERE/callback_receiver.py" "$(jq -r .key cb.json)" "$(jq -r .key_id cb.json)" 0 "$CBPORT" 2>receiver2.log &
PIDS+=($!)
for _ in $(seq 1 100); do grep -qs listening receiver2.log && break; sleep 0.05; done
received_has() { # JQ FILTER over the receiver's events; false when it does not answer
	local out
	out=$(curl -sf "http://127.0.0.1:$CBPORT/received") && [ -n "$out" ] && jq -e "$1" <<<"$out" >/dev/null
}
got_new() {
	for _ in $(seq 1 400); do
		received_has '[.events[] | select(.reference == "t-new" and .state == "accepted")] | length == 1' && return 0
		sleep 0.1
	done
	return 1
}
check "... while t-new's, queued a minute before the day was out, reach the receiver once it is back" got_new
check "... and t-old's accepted never does" \
	received_has '[.events[] | select(.reference == "t-old" and .state == "accepted")] | length == 0'

finish
