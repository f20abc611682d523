#!/usr/bin/env bash
# The messenger channel end to end: a real idsvc, a real platform with
# [push], the push gateway peer (tests/peers/push) and a stand-in hub
# (fake_hub.py) that records what the platform reports. Alerts reach the
# gateway signed and in batches, their message ids are recorded as
# references, receipt callbacks settle them; 500 and 429 answers are
# retried without loss, a stalled batch or a 502 or 504 after the gateway
# took it is sent again at most once and recorded as a duplicate, an
# answer that is not JSON is logged and loses nothing, a batch too large
# is halved and a single alert too large fails and ends the halving, a
# batch refused (400, 422) for one alert in it is split until that alert
# fails alone and the others are delivered, a
# wrong key is refused by the gateway and logged by the platform, forged,
# stale or unsigned receipt callbacks are refused, a batch that cannot be
# queued again (a database error) is kept until it can, a batch held for
# retry at a stop goes back to the queue as never sent, and alerts queued
# with no channel (or [sms]) are sent once [push] is configured, the
# hub's reports flowing again. Skipped without node.
. "$(dirname "$0")/../lib.sh"
jqq() { jq -e "$1" >/dev/null; } # FILTER: stdin says so (a check's own result line stays)
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$ROOT/tests/peers/push/start.sh"

if ! command -v node >/dev/null 2>&1; then
	ok "the messenger channel # skip node is not installed"
	finish
fi

cd "$T"
"$HERALD" keygen --hmac --out ci.key
"$HERALD" keygen --ed25519 --out view
IDKEY=$("$HERALD" apikey --name messenger --clients idsvc.clients)
HUBKEY=$("$HERALD" apikey --name hub --clients platform.clients)
ADMINKEY=$("$HERALD" apikey --name admin --clients platform.clients)
TOHUB=$(openssl rand -hex 32)
PUSHKEY=$(openssl rand -hex 32)
(umask 077; echo "$IDKEY" >idsvc.apikey; echo "$TOHUB" >hub.apikey
	echo "$PUSHKEY" >push.key; openssl rand -hex 32 >other.key)

start_role idsvc idsvc.log idsvc --plain-http --key-file ci.key --clients idsvc.clients || { not_ok "idsvc starts"; finish; }
HUBPORT=$(free_port)
python3 "$HERE/fake_hub.py" "$HUBPORT" "$(printf %s "$TOHUB" | sha256sum | cut -c1-64)" hub.jsonl 2>hub.log &
PIDS+=($!)
for _ in $(seq 1 100); do grep -q listening hub.log 2>/dev/null && break; sleep 0.05; done

push_start gw gw.out --key-file push.key --receipt-delay 100 || { not_ok "the push gateway peer starts"; finish; }
ok "the push gateway peer prints its push and control ports"
GW="http://127.0.0.1:$CONTROL_gw"

cat >platform.ini <<INI
[tls]
plain_http = loopback
[platform]
name = messenger
dir = data
listen = 127.0.0.1:0
public_url = http://127.0.0.1:7010
view_key = view.key
clients = platform.clients
pin_hash = min
report_interval_ms = 50
[idsvc]
url = http://127.0.0.1:$PORT_idsvc
key_file = idsvc.apikey
[hub]
url = http://127.0.0.1:$HUBPORT
key_file = hub.apikey
[push]
url = http://127.0.0.1:$PORT_gw/v1/push
key_file = push.key
batch = 3
timeout_ms = 700
INI

chmod 644 push.key
r=$("$HERALD" platform --config platform.ini 2>&1)
check "a push key file readable by others is refused at start" grep -q "push.key.*chmod 600" <<<"$r"
chmod 600 push.key

start_role platform platform.log platform --config platform.ini || { not_ok "platform starts"; finish; }
check "the platform logs its push channel" grep -q "push: posting alerts to http://127.0.0.1:$PORT_gw/v1/push in batches of up to 3" platform.log
P="http://127.0.0.1:$PORT_platform"
RECEIPTS="$P/v1/push/receipts"
HUB=(-H "Authorization: Bearer $HUBKEY")
ADMIN=(-H "Authorization: Bearer $ADMINKEY")
set_gw() { [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary "$1" "$GW/config")" = 200 ]; }
gw_stats() { curl -s "$GW/stats"; }
gw_holds() { jq -e "$1" <<<"$(gw_stats)" >/dev/null; } # JQ over GET /stats
db() { sqlite3 -cmd '.timeout 2000' data/platform.db "$1"; }
# until_true CMD...: polls for up to 10 s; true once CMD is.
until_true() {
	for _ in $(seq 1 200); do "$@" && return 0; sleep 0.05; done
	return 1
}
db_is() { [ "$(db "$1")" = "$2" ]; } # SQL EXPECTED
check "the gateway is told where receipts go" set_gw "{\"receipts_url\":\"$RECEIPTS\"}"

# Ten members, phone 0101000000K; each notice below goes to one of them.
members=""
for k in $(seq 0 9); do
	rrn=$(printf '8501%02d1%06d' $((k + 1)) $((100000 + k)))
	members+="${members:+,}{\"name\":\"M$k\",\"phone\":\"0101000000$k\",\"rrn\":\"$rrn\",\"pin\":\"1592\",\"consent\":true}"
done
r=$(http POST "$P/v1/members" "{\"members\":[$members]}" "${ADMIN[@]}")
check "ten members are signed up" jqq '[.results[].member | numbers] | length == 10' <<<"$(body_of "$r")"
rk_of() { printf 'herald-rk-v1:%s' "$("$HERALD" ci --key-file ci.key "$1" 2>/dev/null)" | sha256sum | cut -c1-64; }
RK=()
for k in $(seq 0 9); do RK+=("$(rk_of "$(printf '8501%02d1%06d' $((k + 1)) $((100000 + k)))")"); done
SHA=$(printf doc | sha256sum | cut -c1-64)
n_notice=0
# relay K...: relays one new notice to each member K; NOTICE[K] holds the
# last notice id each was sent.
declare -A NOTICE
relay() {
	local items="" k id
	for k in "$@"; do
		n_notice=$((n_notice + 1))
		id=$(printf '0193a000-0000-7000-8000-%012d' "$n_notice")
		NOTICE[$k]=$id
		items+="${items:+,}$(jq -cn --arg n "$id" --arg rk "${RK[$k]}" --arg s "$SHA" \
			'{notice:$n, rk:$rk, agency:"nts", title:"자동차세 / Vehicle tax", doc_sha256:$s,
			  deadline:$ENV.TEST_DEADLINE, link:("http://127.0.0.1:7004/documents/" + $n)}')"
	done
	local r
	r=$(http POST "$P/v1/relay" "{\"notices\":[$items]}" "${HUB[@]}")
	[ "$(status_of "$r")" = 200 ] && jq -e 'all(.results[]; .status == "accepted")' <<<"$(body_of "$r")" >/dev/null
}
phone() { echo "0101000000$1"; }
row() { db "SELECT state, attempts, duplicate, coalesce(reference, ''), coalesce(reason, '') FROM outbox WHERE notice = '${NOTICE[$1]}'"; }
state_is() { [ "$(db "SELECT state FROM outbox WHERE notice = '${NOTICE[$1]}'")" = "$2" ]; } # K STATE
hub_has() { [ -s hub.jsonl ] && jq -se "$1" hub.jsonl >/dev/null; }

# --- signed batches, references, receipts
check "seven alerts are relayed" relay 0 1 2 3 4 5 6
check "all seven reach the gateway" until_true gw_holds '.accepted == 7'
check "in batches of at most 3 (push batch = 3): at least three posts" \
	gw_holds '.max_batch <= 3 and .max_batch >= 2 and .batches >= 3'
check "every batch was signed with the push key" gw_holds '.bad_signatures == 0'
check "each phone got its text once, naming the agency and the platform's address" \
	gw_holds '[.phones[] | select(.received == 1 and (.texts[0] | test("nts") and test("http://127.0.0.1:7010")))] | length == 7'
check "each alert's reference is the gateway's message id" \
	until_true db_is "SELECT count(*) FROM outbox WHERE channel = 'push' AND reference LIKE 'gw-%' AND attempts = 1 AND duplicate = 0" 7
GW0=$(gw_stats)
check "... the one the gateway gave that phone" \
	[ "$(row 0 | cut -d'|' -f4)" = "$(jq -r ".phones[\"$(phone 0)\"].message_ids[0]" <<<"$GW0")" ]
check "receipt callbacks mark all seven delivered" \
	until_true db_is "SELECT count(*) FROM outbox WHERE state = 'delivered'" 7
check "the gateway's callbacks were answered recorded" gw_holds '.receipt_results.recorded == 7 and .receipt_callbacks_failed == 0'
check "the hub hears a ConsignmentNotification for each" \
	until_true hub_has '[.[] | select(.event == "ConsignmentNotification")] | length == 7'

# --- a rejected alert, a failed receipt
check "the gateway is told to reject phone 7 and fail phone 8" \
	set_gw "{\"fail\":{\"$(phone 7)\":\"rejected\",\"$(phone 8)\":\"failed\"}}"
relay 7 8
check "a rejected alert fails with the gateway's reason" until_true db_is \
	"SELECT state || '|' || reason FROM outbox WHERE notice = '${NOTICE[7]}'" "failed|unknown recipient"
check "a failed receipt fails the accepted alert with its reason" until_true db_is \
	"SELECT state || '|' || reason || '|' || (reference LIKE 'gw-%') FROM outbox WHERE notice = '${NOTICE[8]}'" \
	"failed|not delivered: phone unreachable|1"
check "the hub hears ConsignmentNotificationFailure for both, with the reasons" \
	until_true hub_has "[.[] | select(.event == \"ConsignmentNotificationFailure\") | [.notice, .reason]] |
		any(. == [\"${NOTICE[7]}\", \"unknown recipient\"]) and
		any(. == [\"${NOTICE[8]}\", \"not delivered: phone unreachable\"])"
# A gateway's reason goes to the hub as a report's reason, which the hub
# refuses with control characters or what looks like an RRN in it: kept
# so, the failure would never be reported.
check "a rejection whose reason has a line break..." \
	set_gw '{"fail":{"'"$(phone 7)"'":"rejected","'"$(phone 9)"'":"rejected"},"reject_reason":"unknown\nrecipient"}'
relay 7
check "... is kept with a space for it" until_true db_is \
	"SELECT state || '|' || reason FROM outbox WHERE notice = '${NOTICE[7]}'" "failed|unknown recipient"
set_gw '{"reject_reason":"no such subscriber 850101-1234567"}'
relay 9
check "a reason that looks like it holds an RRN is not kept at all" until_true db_is \
	"SELECT state || '|' || reason FROM outbox WHERE notice = '${NOTICE[9]}'" \
	"failed|the channel refused it (its reason was not fit to keep)"
check "the hub hears both failures, with those reasons" \
	until_true hub_has "[.[] | select(.event == \"ConsignmentNotificationFailure\") | [.notice, .reason]] |
		any(. == [\"${NOTICE[7]}\", \"unknown recipient\"]) and
		any(. == [\"${NOTICE[9]}\", \"the channel refused it (its reason was not fit to keep)\"])"
set_gw '{"fail":{},"reject_reason":null}'

# --- 500 and 429: retried, nothing lost, nothing a duplicate
set_gw '{"status":500,"times":2}'
relay 1
check "after two 500 answers the alert is accepted" until_true state_is 1 delivered
check "... sent as one attempt, not a duplicate" [ "$(row 1 | cut -d'|' -f2,3)" = "1|0" ]
check "the gateway answered 500 twice and took the alert once" \
	gw_holds ".status_answers == 2 and .phones[\"$(phone 1)\"].received == 2 and .duplicates == 0"
check "the platform logged the 500s and kept the batch" grep -q "push gateway: HTTP 500; 1 alerts kept for retry" platform.log
set_gw '{"status":429,"times":1,"retry_after":2}'
relay 2 3
check "after a 429 both alerts are delivered" until_true bash -c \
	"[ \"\$(sqlite3 -cmd '.timeout 2000' data/platform.db \"SELECT count(*) FROM outbox WHERE notice IN ('${NOTICE[2]}','${NOTICE[3]}') AND state = 'delivered' AND attempts = 1 AND duplicate = 0\")\" = 2 ]"
check "the platform logged the 429" grep -q "push gateway: HTTP 429; 2 alerts kept for retry" platform.log
gap=$(gw_stats | jq '.batch_at_ms - .status_at_ms')
check "... and posted again after the 2 s its Retry-After asked, not the 100 ms backoff ($gap ms)" \
	bash -c "[ $gap -ge 1900 ] && grep -q 'push gateway: waiting the 2 s it asked for (Retry-After)' platform.log"

# --- a stalled batch: the outcome is unknown, sent once more as a duplicate
set_gw '{"stall":1}'
relay 4
check "a batch the gateway never answers is sent again and accepted" until_true state_is 4 delivered
check "... recorded as a possible duplicate on its second attempt" [ "$(row 4 | cut -d'|' -f2,3)" = "2|1" ]
check "... the gateway saw it twice (a duplicate)" \
	gw_holds ".phones[\"$(phone 4)\"].received == 3 and .phones[\"$(phone 4)\"].duplicates == 1"
check "the platform logged the unknown outcome" grep -q "the outcome of 1 alerts is unknown" platform.log
set_gw '{"stall":5}'
relay 5
check "stalled twice, an alert fails: outcome unknown twice" until_true db_is \
	"SELECT state || '|' || reason || '|' || attempts FROM outbox WHERE notice = '${NOTICE[5]}'" \
	"failed|outcome unknown twice|2"
set_gw '{"stall":0}'

# --- 502, 504: a proxy in front of the gateway (or the gateway) lost the
# answer of a batch the gateway may have taken, or could not reach it: the
# batch is kept and posted again with the same ids, flagged possible
# duplicates, for as long as the proxy says so
received() { gw_stats | jq ".phones[\"$(phone "$1")\"].received // 0"; } # K
before=$(received 8)
set_gw '{"status":504,"times":1,"taken":1}'
relay 8
check "a batch taken, then answered 504, is posted again, flagged a possible duplicate, and delivered" \
	until_true db_is "SELECT state || '|' || attempts || '|' || duplicate FROM outbox WHERE notice = '${NOTICE[8]}'" \
	"delivered|1|1"
check "... having reached the gateway twice under one id" \
	[ "$(received 8)" = $((before + 2)) ]
check "the platform logged the 504 and kept the batch" \
	grep -q "push gateway: HTTP 504, which a proxy or the gateway may send after the batch was taken: 1 alerts kept for retry, flagged possible duplicates" platform.log
set_gw '{"status":502,"times":4}'
relay 8
check "a gateway down behind its proxy (502 four times, nothing taken): the alert waits and is delivered, not failed" \
	until_true db_is "SELECT state || '|' || attempts || '|' || duplicate FROM outbox WHERE notice = '${NOTICE[8]}'" \
	"delivered|1|1"

# --- an answer that is not JSON
set_gw '{"non_json":1}'
relay 6
check "an answer that is not JSON loses nothing: the alert is sent again and delivered" \
	until_true state_is 6 delivered
check "... once more, as a duplicate" [ "$(row 6 | cut -d'|' -f2,3)" = "2|1" ]
check "the platform logged what was wrong with the answer" \
	grep -q 'push gateway: HTTP 200 answer to 1 alerts is unusable, not JSON (.*): "<html><body>502 upstream trouble' platform.log

set_gw '{"mismatch":1}'
relay 6 7
check "an answer whose results do not match the batch loses nothing: sent again, delivered" \
	until_true state_is 6 delivered
check "... once more, as a duplicate" [ "$(row 6 | cut -d'|' -f2,3)" = "2|1" ]
check "the platform logged what did not match" \
	grep -q 'push gateway: HTTP 200 answer to 2 alerts is unusable, 1 results for 2 alerts' platform.log

# --- a batch refused as it is (400, 422): split until the alert refused
# on its own is found, which alone fails
set_gw '{"status":422,"times":1}'
relay 2
check "a single alert answered 422 fails, with the status as reason, and is not sent again" \
	until_true db_is "SELECT state || '|' || reason || '|' || attempts FROM outbox WHERE notice = '${NOTICE[2]}'" \
	"failed|push gateway refused the alert: HTTP 422|1"
refusals=$(gw_stats | jq .refused_batches)
set_gw "{\"fail\":{\"$(phone 1)\":\"refused\"},\"refused_status\":422}"
relay 0 1 2
check "a batch of 3 answered 422 for the one alert in it the gateway refuses: the other two are delivered, first attempts" \
	until_true bash -c "[ \"\$(sqlite3 -cmd '.timeout 2000' data/platform.db \"SELECT group_concat(state || '|' || attempts || '|' || duplicate, ' ') FROM outbox WHERE notice IN ('${NOTICE[0]}', '${NOTICE[2]}')\")\" = 'delivered|1|0 delivered|1|0' ]"
check "... and that one fails on its own, with the status as reason, one attempt counted" \
	until_true db_is "SELECT state || '|' || reason || '|' || attempts FROM outbox WHERE notice = '${NOTICE[1]}'" \
	"failed|push gateway refused the alert: HTTP 422|1"
check "... the gateway refused the batch of 3, then the alert alone" \
	gw_holds ".refused_batches == $refusals + 2 and .refused_sizes[-2:] == [3, 1]"
check "... and the platform said so once for each, with what the gateway said" bash -c \
	"grep -q 'push gateway refused a batch of 3 alerts (HTTP 422: {\"error\":\"alert [0-9]*: phone 010\*\*\*\*0001 is refused\"}), taking none: sent again in batches of at most 1 to find the alert it refuses' platform.log &&
	 grep -q 'push gateway refused alert [0-9]* on its own (HTTP 422: .*): it failed; batches of up to 3 again' platform.log &&
	 [ \$(grep -c 'push gateway refused' platform.log) = 3 ]"
set_gw '{"fail":{},"refused_status":400}'

# --- a batch too large (413): sent again in halves, nothing lost
set_gw '{"status":413,"times":1}'
relay 0 1
check "a batch of 2 answered 413 is sent again in halves: both delivered, as first attempts" \
	until_true bash -c "[ \"\$(sqlite3 -cmd '.timeout 2000' data/platform.db \"SELECT group_concat(state || '|' || duplicate, ' ') FROM outbox WHERE notice IN ('${NOTICE[0]}', '${NOTICE[1]}')\")\" = 'delivered|0 delivered|0' ]"
check "... and the platform said why and what it does now" \
	grep -q 'push gateway: a batch of 2 alerts is too large (HTTP 413): batches of at most 1 until a restart or an alert too large on its own' platform.log
set_gw '{"status":413,"times":1}'
relay 4
check "a single alert answered 413 fails, with the status as reason" until_true db_is \
	"SELECT state || '|' || reason || '|' || attempts FROM outbox WHERE notice = '${NOTICE[4]}'" \
	"failed|push gateway refused the batch: HTTP 413|1"
check "... and batches go back to [push] batch, as the platform says" \
	grep -q 'push: an alert too large on its own failed; batches of up to 3 again' platform.log
relay 0 1 2
check "three alerts relayed together then reach the gateway in one batch" until_true bash -c \
	"[ \"\$(sqlite3 -cmd '.timeout 2000' data/platform.db \"SELECT count(*) FROM outbox WHERE notice IN ('${NOTICE[0]}','${NOTICE[1]}','${NOTICE[2]}') AND state = 'delivered'\")\" = 3 ] &&
	 [ \"\$(curl -s $GW/stats | jq .last_batch)\" = 3 ]"

# --- a wrong key
check "the gateway is given another key" set_gw '{"key_file":"other.key"}'
relay 9
check "the gateway refuses the platform's batches: 401, counted" until_true gw_holds '.bad_signatures >= 2'
check "the platform logs the refusal and keeps the alert" bash -c \
	"grep -q 'push gateway refused our signature (HTTP 401)' platform.log &&
	 [ \"\$(sqlite3 -cmd '.timeout 2000' data/platform.db \"SELECT state FROM outbox WHERE notice = '${NOTICE[9]}'\")\" = submitting ]"
set_gw '{"key_file":"push.key"}'
check "with the key back, the held alert is delivered as a first attempt" until_true bash -c \
	"[ \"\$(sqlite3 -cmd '.timeout 2000' data/platform.db \"SELECT state || '|' || attempts || '|' || duplicate FROM outbox WHERE notice = '${NOTICE[9]}'\")\" = 'delivered|1|0' ]"

# --- receipt callbacks that are not the gateway's
sign() { # KEYFILE BODY [T]: the Herald-Signature value (BODY - reads stdin)
	python3 -c 'import hmac, hashlib, sys, time
key = open(sys.argv[1]).readline().rstrip("\r\n").encode()
body = sys.stdin.buffer.read() if sys.argv[2] == "-" else sys.argv[2].encode()
t = sys.argv[3] if len(sys.argv) > 3 else str(int(time.time() * 1000))
print("t=%s,v1=%s" % (t, hmac.new(key, (t + ".").encode() + body, hashlib.sha256).hexdigest()))' "$@"
}
REF=$(row 0 | cut -d'|' -f4)
B="{\"receipts\":[{\"id\":\"$REF\",\"status\":\"failed\",\"reason\":\"forged\"}]}"
r=$(http POST "$RECEIPTS" "$B" -H "Herald-Signature: $(sign other.key "$B")")
check "a receipt callback signed with another key: 401" [ "$(status_of "$r")" = 401 ]
check "... logged" grep -q "POST /v1/push/receipts refused: Herald-Signature does not match" platform.log
r=$(http POST "$RECEIPTS" "$B")
check "an unsigned receipt callback: 401 before its body" bash -c \
	"[ '$(status_of "$r")' = 401 ] && grep -q 'POST /v1/push/receipts refused before its body: no Herald-Signature' platform.log"
OLD=$(( $(date +%s%3N) - 6 * 60 * 1000 ))
r=$(http POST "$RECEIPTS" "$B" -H "Herald-Signature: $(sign push.key "$B" "$OLD")")
check "a receipt callback signed 6 minutes ago: 401" [ "$(status_of "$r")" = 401 ]
r=$(http POST "$RECEIPTS" "$B" -H "Herald-Signature: $(sign push.key "${B/forged/changed}")")
check "a body that is not the one signed: 401" [ "$(status_of "$r")" = 401 ]
check "none of them changed the delivered alert" [ "$(row 0 | cut -d'|' -f1)" = delivered ]
B='{"receipts":[{"id":"gw-999999","status":"delivered"},{"id":"'"$REF"'","status":"failed"},{"id":"","status":"delivered"},{"id":"gw-1","status":"read"}]}'
r=$(http POST "$RECEIPTS" "$B" -H "Herald-Signature: $(sign push.key "$B")")
check "a signed batch of receipts is answered one result per item" jqq '
	.results[0].error == "unknown message id" and .results[1].status == "unchanged" and
	(.results[2].error | test("id")) and (.results[3].error | test("status"))' <<<"$(body_of "$r")"
check "a final alert is not changed by a later receipt" [ "$(row 0 | cut -d'|' -f1)" = delivered ]
B='{"receipts":{}}'
r=$(http POST "$RECEIPTS" "$B" -H "Herald-Signature: $(sign push.key "$B")")
check "a signed body of the wrong shape: 400" [ "$(status_of "$r")" = 400 ]
{ printf '{"receipts":['; printf '{"id":"gw-1","status":"delivered"},%.0s' $(seq 1 10001); printf '{}]}'; } >many.json
r=$(curl -s -o /dev/null -w '%{http_code}' -H "Content-Type: application/json" --data-binary @many.json \
	-H "Herald-Signature: $(sign push.key - <many.json)" "$RECEIPTS")
check "more than 10,000 receipts: 413" [ "$r" = 413 ]

# --- receipts at once: a callback may overtake the answer being recorded
set_gw '{"receipt_delay_ms":0}'
relay 0 1 2
check "receipts sent with no delay still find their alerts: all three delivered" \
	until_true bash -c "[ \"\$(sqlite3 -cmd '.timeout 2000' data/platform.db \"SELECT count(*) FROM outbox WHERE notice IN ('${NOTICE[0]}','${NOTICE[1]}','${NOTICE[2]}') AND state = 'delivered'\")\" = 3 ]"
check "... none was answered unknown (but the one made up above)" \
	[ "$(grep -c 'POST /v1/push/receipts: .* [1-9][0-9]* unknown' platform.log)" = 1 ]
set_gw '{"receipt_delay_ms":100}'

# --- a database error queueing a batch of unknown outcome again: the
# batch is kept and queued again before anything more is posted (a
# trigger refuses the requeue's UPDATE, as a full disk would)
db "CREATE TRIGGER requeue_fails BEFORE UPDATE OF duplicate ON outbox
	BEGIN SELECT RAISE(ABORT, 'refused by push.sh'); END"
set_gw '{"stall":1}'
relay 7
check "when queueing a stalled batch again fails, the platform says it tries again" until_true grep -q \
	"push: database error queueing 1 alerts of unknown outcome again; tried again before the next post" platform.log
check "... and the alert is still claimed" [ "$(row 7 | cut -d'|' -f1)" = submitting ]
db "DROP TRIGGER requeue_fails"
check "once the database takes it, the alert is queued again and delivered as a possible duplicate" \
	until_true db_is "SELECT state || '|' || attempts || '|' || duplicate FROM outbox WHERE notice = '${NOTICE[7]}'" \
	"delivered|2|1"

# --- no alert was ever sent a third time, and the platform is up
check "no alert reached the gateway more than twice" gw_holds '.max_sends == 2'
check "the alert stalled twice reached the gateway exactly twice (and its first notice once)" \
	gw_holds ".phones[\"$(phone 5)\"].received == 3 and .phones[\"$(phone 5)\"].duplicates == 1"
check "the platform is still up" bash -c "kill -0 $PID_platform"

# --- kill -9 with a batch in flight: sent again once at the next start.
# restart NAME: the platform again, on a port the gateway's receipts know
# before the first can be due.
restart() {
	local port
	port=$(free_port)
	set_gw "{\"receipts_url\":\"http://127.0.0.1:$port/v1/push/receipts\"}"
	P="http://127.0.0.1:$port"
	start_role "$1" "$1.log" platform --config platform.ini --listen "127.0.0.1:$port"
}
# A batch held for retry at a stop (the gateway answering 503: it took
# none) goes back to the queue as never sent, not as a possible duplicate.
answers=$(gw_stats | jq .status_answers)
set_gw '{"status":503,"times":1000}'
relay 6
check "a batch answered 503 is held for retry" until_true gw_holds ".status_answers > $answers"
kill "$PID_platform"
wait "$PID_platform" 2>/dev/null
check "SIGTERM stops the platform cleanly" grep -q "stopped" platform.log
check "... putting the held batch back in the queue as never sent, and saying so" \
	grep -q "push: stopping with 1 alerts held for retry: 1 went back to the queue, not counted as an attempt" platform.log
check "... not claimed, its attempt not counted, not a possible duplicate" \
	[ "$(row 6 | cut -d'|' -f1-3)" = "queued|0|0" ]
set_gw '{"status":503,"times":0}'
sed -i 's/^timeout_ms = .*/timeout_ms = 20000/' platform.ini # the batch stays in flight
restart platform2 || { not_ok "the platform starts again"; finish; }
check "at the next start the held alert is delivered, a first attempt, not a duplicate" \
	until_true db_is "SELECT state || '|' || attempts || '|' || duplicate FROM outbox WHERE notice = '${NOTICE[6]}'" \
	"delivered|1|0"
set_gw '{"stall":1}'
relay 3
check "a batch is in flight, unanswered" until_true gw_holds '.stalled_open == 1'
# A receipt naming no alert we know waits for the batch in flight only a
# moment (it may be that batch's, overtaking its answer), not the 20 s the
# post may take: it holds one of the server's threads.
B='{"receipts":[{"id":"gw-999998","status":"delivered"}]}'
t0=$(date +%s%3N)
r=$(http POST "$P/v1/push/receipts" "$B" -H "Herald-Signature: $(sign push.key "$B")")
took=$(( $(date +%s%3N) - t0 ))
echo "# a receipt for an unknown id with a batch in flight answered in $took ms"
check "with a 20 s post in flight, a receipt for an unknown id is answered 'unknown' within 3.5 s" \
	bash -c "[ $took -lt 3500 ] && jq -e '.results[0].error == \"unknown message id\"' <<<'$(body_of "$r")' >/dev/null"
kill -9 "$PID_platform2"
wait "$PID_platform2" 2>/dev/null
restart platform3 || { not_ok "the platform starts after kill -9"; finish; }
check "after kill -9 the alert in flight is sent again and delivered" until_true state_is 3 delivered
check "... as its second attempt, flagged a possible duplicate" [ "$(row 3 | cut -d'|' -f2,3)" = "2|1" ]
check "... and no alert reached the gateway a third time" gw_holds '.max_sends == 2'
check "the first seven alerts were not sent again" \
	[ "$(db "SELECT count(*) FROM outbox WHERE notice IN (SELECT notice FROM outbox ORDER BY id LIMIT 7) AND attempts = 1 AND state = 'delivered'")" = 7 ]

# --- alerts queued under another channel: sent once [push] is configured.
# A platform without a channel queues them as channel 'none'; one of them
# is then made an [sms] platform's (its channel set by hand: no SMSC here).
kill "$PID_platform3"
wait "$PID_platform3" 2>/dev/null
cp platform.ini push.ini
sed -i '/^\[push\]/,$d' platform.ini # [push] is the last section
restart platform4 || { not_ok "the platform starts without a channel"; finish; }
check "without a channel, the platform says alerts stay queued until one is configured" \
	grep -q "no alert channel .*until one is configured" platform4.log
relay 0 1
check "... and queues them under channel none" db_is \
	"SELECT group_concat(channel || '|' || state, ' ') FROM outbox WHERE notice IN ('${NOTICE[0]}', '${NOTICE[1]}')" \
	"none|queued none|queued"
kill "$PID_platform4"
wait "$PID_platform4" 2>/dev/null
db "UPDATE outbox SET channel = 'sms' WHERE notice = '${NOTICE[1]}'"
cp push.ini platform.ini
restart platform5 || { not_ok "the platform starts with [push] again"; finish; }
check "at start, the alerts queued under none and sms go to push, and the platform says so" bash -c \
	"grep -q 'outbox: 1 alerts queued under channel none (no channel) now go to push\$' platform5.log &&
	 grep -q 'outbox: 1 alerts queued under channel sms now go to push; their text was made for SMS' platform5.log"
relay 2
check "both are delivered, and so is one relayed after the start" until_true bash -c \
	"[ \"\$(sqlite3 -cmd '.timeout 2000' data/platform.db \"SELECT group_concat(channel || '|' || state || '|' || attempts, ' ') FROM outbox WHERE notice IN ('${NOTICE[0]}','${NOTICE[1]}','${NOTICE[2]}')\")\" = 'push|delivered|1 push|delivered|1 push|delivered|1' ]"
check "the hub hears a ConsignmentNotification for each of the three" until_true hub_has \
	"[\"${NOTICE[0]}\", \"${NOTICE[1]}\", \"${NOTICE[2]}\"] - [.[] |
	 select(.event == \"ConsignmentNotification\" and .channel == \"push\") | .notice] == []"

# --- two alerts the gateway refuses (400) in a batch of 10: halves of
# halves, each refused alert failing alone and the eight others delivered
kill "$PID_platform5"
wait "$PID_platform5" 2>/dev/null
sed -i 's/^batch = .*/batch = 10/' platform.ini
curl -s -o /dev/null -X POST "$GW/reset"
set_gw "{\"fail\":{\"$(phone 3)\":\"refused\",\"$(phone 6)\":\"refused\"}}"
restart platform6 || { not_ok "the platform starts with batches of 10"; finish; }
relay 0 1 2 3 4 5 6 7 8 9
good="'${NOTICE[0]}','${NOTICE[1]}','${NOTICE[2]}','${NOTICE[4]}','${NOTICE[5]}','${NOTICE[7]}','${NOTICE[8]}','${NOTICE[9]}'"
check "a batch of 10 holding two alerts the gateway refuses (400): the eight others are delivered, first attempts, not duplicates" \
	until_true db_is "SELECT count(*) FROM outbox WHERE notice IN ($good) AND state = 'delivered' AND attempts = 1 AND duplicate = 0" 8
check "... the two refused fail, each on its own, one attempt counted" \
	until_true db_is "SELECT group_concat(state || '|' || reason || '|' || attempts, ' ') FROM outbox WHERE notice IN ('${NOTICE[3]}', '${NOTICE[6]}')" \
	"failed|push gateway refused the alert: HTTP 400|1 failed|push gateway refused the alert: HTTP 400|1"
echo "# refused batches, their sizes: $(gw_stats | jq -c .refused_sizes)"
check "... found by halves: 10, 5, 2, 1 for the first, then 6, 3, 1 (batches of 10 again) for the second" \
	gw_holds '.refused_sizes == [10, 5, 2, 1, 6, 3, 1]'
check "... each good alert reaching the gateway once" gw_holds '.accepted == 8 and .max_sends == 1'
check "the platform logged each refused batch once, and batches of up to 10 after each refused alert" bash -c \
	"[ \$(grep -c 'push gateway refused a batch of' platform6.log) = 5 ] &&
	 [ \$(grep -c 'push gateway refused alert [0-9]* on its own (HTTP 400: .*): it failed; batches of up to 10 again' platform6.log) = 2 ]"
# Two alerts the gateway refuses only in one batch: none fails, and
# batches are 10 again once the refused batch's last alert has passed.
set_gw "{\"fail\":{\"$(phone 1)\":\"together\",\"$(phone 2)\":\"together\"}}"
relay 0 1 2 3 4 5 6 7 8 9
check "a batch of 10 refused for two alerts only together: all ten are delivered, first attempts" \
	until_true db_is "SELECT count(*) FROM outbox WHERE notice IN ($(printf "'%s'," "${NOTICE[@]}" | sed 's/,$//')) AND state = 'delivered' AND attempts = 1" 10
check "... and once the batch's last alert has passed, batches are 10 again, as the platform says" \
	grep -q 'push: the batch the gateway refused is through; batches of up to 10 again' platform6.log
set_gw '{"fail":{}}'
relay 0 1 2 3 4 5 6 7 8 9
check "... the next ten relayed together go in one batch" until_true gw_holds '.last_batch == 10 and .accepted == 28'
finish
