#!/usr/bin/env bash
# Nothing stuck, and HTTP hygiene (docs/reliability.md): a real hub with
# stand-in platforms (fake_platform.py). A bad link and a deadline in the
# past or under an hour away are refused at submission; a platform that
# cannot take a notice is given up on at the deadline and the next one
# gets it; a hub killed with SIGKILL while a relay call hangs relays the
# interrupted notice within seconds of its restart; 415 for a body of the
# wrong Content-Type; 413 for an over-limit body sent in chunks.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

cd "$T"
export HERALD_CLOCK_FILE=$T/clock
echo 0 >clock
key() { openssl rand -hex 32; }
sha() { printf %s "$1" | sha256sum | cut -c1-64; }
NTS=$(key) MSG=$(key) CAR=$(key) HUBKEY=$(key)
(umask 077; echo "$HUBKEY" >hub.key)
P_MSG=$(free_port) P_CAR=$(free_port)
cat >hub.ini <<INI
[tls]
plain_http = loopback
[hub]
dir = data
listen = 127.0.0.1:0
hub_key_file = hub.key
relay_interval_ms = 50
deadline_interval_ms = 100
fallback_window_s = 60

[agency nts]
key_sha256 = $(sha "$NTS")

[platform messenger]
key_sha256 = $(sha "$MSG")
url = http://127.0.0.1:$P_MSG

[platform carrier]
key_sha256 = $(sha "$CAR")
url = http://127.0.0.1:$P_CAR
INI
for i in 1 2; do
	ci=$(openssl rand -base64 64 | tr -d '\n')
	eval "CI$i=$ci"
	eval "RK$i=$(printf 'herald-rk-v1:%s' "$ci" | sha256sum | cut -c1-64)"
done
printf '%s\n' "$RK1" "$RK2" >members

start_platform() { # NAME PORT
	python3 "$HERE/fake_platform.py" "$2" "$HUBKEY" members "$1.jsonl" 2>"$1.log" &
	PIDS+=($!)
	eval "PID_$1=$!"
	for _ in $(seq 1 100); do grep -q listening "$1.log" 2>/dev/null && return 0; sleep 0.05; done
	return 1
}
start_platform carrier "$P_CAR"
# messenger is down for now.
start_role hub hub.log hub --config hub.ini || { not_ok "hub starts"; finish; }
H="http://127.0.0.1:$PORT_hub"
A_NTS=(-H "Authorization: Bearer $NTS")
jqb() { jq -e "$2" <<<"$(body_of "$1")" >/dev/null; } # RESPONSE FILTER
A_MSG=(-H "Authorization: Bearer $MSG")
A_CAR=(-H "Authorization: Bearer $CAR")
http POST "$H/v1/directory" "$(jq -nc --arg a "$RK1" --arg b "$RK2" \
	'{entries:[{rk:$a,consent:true,preference:1},{rk:$b,consent:true,preference:1}]}')" "${A_MSG[@]}" >/dev/null
http POST "$H/v1/directory" "$(jq -nc --arg a "$RK1" '{entries:[{rk:$a,consent:true,preference:2}]}')" \
	"${A_CAR[@]}" >/dev/null

notice() { # N REF DEADLINE [LINK]
	local ci; eval "ci=\$CI$1"
	jq -nc --arg ci "$ci" --arg ref "$2" --arg dl "$3" --arg link "${4:-http://127.0.0.1:7004/documents/$2}" \
		'{reference:$ref, ci:$ci, title:"Vehicle tax", doc_sha256:("ab" * 32), deadline:$dl, link:$link}'
}
at() { date -u -d "$1" +%Y-%m-%dT%H:%M:%S.000Z; }
state_of() { curl -s "${A_NTS[@]}" "$H/v1/notices/$1" | jq -r .state; }
wait_for_state() { # ID STATE SECONDS
	local end=$((SECONDS + $3))
	while [ $SECONDS -le $end ]; do
		[ "$(state_of "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# --- refused at submission ---
r=$(http POST "$H/v1/notices" "$(jq -sc '{notices: .}' \
	<(notice 1 BAD-1 2030-12-31 'https://a.go.kr/<b>') <(notice 1 BAD-2 2030-12-31 'https://a.go.kr/"x') \
	<(notice 1 BAD-3 2030-12-31 'https://a.go.kr/한') \
	<(notice 1 PAST-1 "$(at '-1 minute')") <(notice 1 NEAR-1 "$(at '+30 minutes')") \
	<(notice 1 OK-1 "$(at '+2 hours')"))" "${A_NTS[@]}")
check "a link a platform would refuse is refused at the hub, item by item" \
	jqb "$r" '[.results[0:3][] | .error | test("^link must be")] == [true, true, true]'
check "a deadline in the past: refused, saying so" jqb "$r" '.results[3].error == "deadline has passed"'
check "a deadline under an hour away: refused, saying so" \
	jqb "$r" '.results[4].error == "deadline must be at least an hour ahead"'
check "a deadline two hours away: accepted" jqb "$r" '.results[5].state == "accepted"'
OK1=$(body_of "$r" | jq -r '.results[5].notice')
check "the hub stored only the good one" [ "$(sqlite3 data/hub.db 'select count(*) from notices')" = 1 ]

# --- a platform that cannot take it: given up at the deadline ---
# messenger is down: RK1's notice waits for it, retried, until its
# deadline; then carrier, RK1's second platform, gets it.
for _ in $(seq 1 100); do grep -q "relay to messenger" hub.log && break; sleep 0.05; done
check "the notice is retried while messenger is down" bash -c "[ '$(state_of "$OK1")' = accepted ]"
echo $((2 * 3600 * 1000 + 60000)) >clock
check "past its deadline, it goes on to carrier instead of retrying messenger" wait_for_state "$OK1" relayed 10
check "... with a RelayFailure that says messenger was given up on" \
	bash -c "curl -s ${A_NTS[*]@Q} '$H/v1/notices/$OK1' | jq -e '[.events[] | select(.event == \"RelayFailure\") | .reason]
		| any(test(\"^given up at the deadline: messenger\"))' >/dev/null"
check "... and carrier has it" grep -q "$OK1" carrier.jsonl

# --- kill -9 in the middle of a relay round ---
start_platform messenger "$P_MSG"
kill -STOP "$PID_messenger" # its answers hang: the round stays in flight
DL=$(date -u -d "@$(($(date +%s) + 4 * 3600))" +%Y-%m-%dT%H:%M:%S.000Z)
r=$(http POST "$H/v1/notices" "$(jq -sc '{notices: .}' <(notice 2 CRASH-1 "$DL") <(notice 2 CRASH-2 "$DL"))" "${A_NTS[@]}")
C1=$(body_of "$r" | jq -r '.results[0].notice') C2=$(body_of "$r" | jq -r '.results[1].notice')
in_flight() { # the hub has connected to messenger and waits
	for _ in $(seq 1 100); do
		ss -tn state established "( dport = :$P_MSG )" 2>/dev/null | grep -q 127.0.0.1 && return 0
		sleep 0.05
	done
	return 1
}
check "the relay round to messenger is in flight" in_flight
kill -9 "$PID_hub"
wait "$PID_hub" 2>/dev/null
kill -CONT "$PID_messenger"
check "the interrupted notices are held by a lease (5 minutes)" \
	[ "$(sqlite3 data/hub.db "select count(*) from notices where state = 'accepted' and next_attempt > (strftime('%s','now') + 7200) * 1000")" = 2 ]
start_role hub hub2.log hub --config hub.ini || { not_ok "hub restarts"; finish; }
H="http://127.0.0.1:$PORT_hub"
t0=$(date +%s%N)
check "after the restart both are relayed within 5 s" \
	bash -c "$(declare -f state_of wait_for_state); A_NTS=(${A_NTS[*]@Q}); H='$H'; wait_for_state $C1 relayed 5 && wait_for_state $C2 relayed 5"
echo "# relayed $(( ($(date +%s%N) - t0) / 1000000 )) ms after the hub listened again"
check "the restart says it released them" grep -q "2 notices held by an unfinished round are due again" hub2.log

# --- HTTP hygiene ---
body=$(jq -sc '{notices: .}' <(notice 1 TYPE-1 2030-12-31))
code=$(curl -s -o t.out -w '%{http_code}' -H 'Content-Type: text/csv' "${A_NTS[@]}" --data-binary "$body" "$H/v1/notices")
check "JSON route, text/csv body: 415, nothing stored" \
	bash -c "[ $code = 415 ] && grep -q 'Content-Type' t.out && [ \"\$(sqlite3 data/hub.db \"select count(*) from notices where reference = 'TYPE-1'\")\" = 0 ]"
code=$(curl -s -o /dev/null -w '%{http_code}' "${A_NTS[@]}" --data-binary "$body" "$H/v1/notices")
check "JSON route, a form's Content-Type (curl's default): 415" [ "$code" = 415 ]
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json; charset=utf-8' "${A_NTS[@]}" \
	--data-binary "$body" "$H/v1/notices")
check "JSON route, application/json with a charset: 200" [ "$code" = 200 ]
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: text/plain' --data 'certificate=x' "$H/verify")
check "the verify form, text/plain: 415" [ "$code" = 415 ]
head -c 3000000 /dev/zero | tr '\0' ' ' >big.txt
code=$(curl -s -o t.out -w '%{http_code}' -H 'Transfer-Encoding: chunked' --data-binary @big.txt "$H/verify")
check "3 MB in chunks to a 1 MiB route: 413, not a dropped connection" \
	bash -c "[ $code = 413 ] && grep -q 'too large' t.out"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Transfer-Encoding: chunked' -X GET --data-binary @big.txt "$H/v1/health")
check "3 MB in chunks to a read (4 KB): 413" [ "$code" = 413 ]
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Transfer-Encoding: chunked' -H 'Content-Type: application/json' \
	"${A_NTS[@]}" --data-binary @big.txt "$H/v1/notices")
check "the server still answers after them: a 3 MB JSON batch of spaces, 400" [ "$code" = 400 ]

# --- agency send rides out a hub outage of 25 s ---
"$HERALD" keygen --hmac --out ci.key
IDKEY=$("$HERALD" apikey --name nts --clients idsvc.clients)
"$HERALD" keygen --ed25519 --out messenger >/dev/null
(umask 077; echo "$IDKEY" >idsvc.key; echo "$NTS" >nts.key)
start_role idsvc idsvc.log idsvc --plain-http --key-file ci.key --clients idsvc.clients || { not_ok "idsvc starts"; finish; }
HP=$PORT_hub AGPORT=$(free_port)
cat >agency.ini <<INI
[tls]
plain_http = loopback
[agency]
name = nts
dir = agency-data
listen = 127.0.0.1:$AGPORT
public_url = http://127.0.0.1:$AGPORT/

[idsvc]
url = http://127.0.0.1:$PORT_idsvc
key_file = idsvc.key

[hub]
url = http://127.0.0.1:$HP
key_file = nts.key

[platform messenger]
view_pub = messenger.pub
INI
echo '<p>((name)) ((reference))</p>' >notice.html
printf '%s\n' 'rrn,name,address' '971013-9019902,홍길동,서울' '761225-2987650,정하나,대전' >recipients.csv
kill -9 "$PID_hub"
wait "$PID_hub" 2>/dev/null
"$HERALD" agency send --config agency.ini --template notice.html --title "Vehicle tax" \
	--deadline $TEST_DEADLINE recipients.csv >send.out 2>send.err &
SEND_PID=$!
sleep 25 # the outage
check "25 s into the hub's outage, agency send still runs and says it is retrying" \
	bash -c "kill -0 $SEND_PID && grep -q 'hub: .*retrying for up to' send.err"
sed "s/^listen = 127.0.0.1:0/listen = 127.0.0.1:$HP/" hub.ini >hub3.ini
start_role hub hub3.log hub --config hub3.ini || { not_ok "hub restarts on its port"; finish; }
wait "$SEND_PID"
rc=$?
check "once the hub is back, the run ends well: both notices accepted" \
	bash -c "[ $rc = 0 ] && jq -e '.submitted == 2 and .accepted == 2 and .failed == 0' send.out >/dev/null"
check "... and says after how long" grep -q "hub answers again after" send.err
finish
