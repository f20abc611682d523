#!/usr/bin/env bash
# A platform that takes the hub's reminder calls and never answers them
# must not hold up expiry: unread notices past their deadline still move
# on (here, with one platform, to paper) within a deadline round or two.
# The hub and a stand-in platform (fake_platform.py with STALL_PATHS) on
# the injected clock (HERALD_CLOCK_FILE), the agency played with curl.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

cd "$T"
export HERALD_CLOCK_FILE=$T/clock
echo 0 >clock
key() { openssl rand -hex 32; }
sha() { printf %s "$1" | sha256sum | cut -c1-64; }
NTS=$(key) MSG=$(key) HUBKEY=$(key)
(umask 077; echo "$HUBKEY" >hub.key)
P_MSG=$(free_port)
cat >hub.ini <<INI
[tls]
plain_http = loopback
[hub]
dir = data
listen = 127.0.0.1:0
hub_key_file = hub.key
relay_interval_ms = 50
deadline_interval_ms = 100
reminders = 50%

[agency nts]
key_sha256 = $(sha "$NTS")

[platform messenger]
key_sha256 = $(sha "$MSG")
url = http://127.0.0.1:$P_MSG
INI

for i in 1 2; do
	ci=$(openssl rand -base64 64 | tr -d '\n')
	eval "CI$i=$ci"
	eval "RK$i=$(printf 'herald-rk-v1:%s' "$ci" | sha256sum | cut -c1-64)"
done
printf '%s\n' "$RK1" "$RK2" >msg.members
STALL_PATHS=/v1/remind,/v1/withdraw RECEIVED=1 \
	python3 "$HERE/fake_platform.py" "$P_MSG" "$HUBKEY" msg.members messenger.jsonl 2>messenger.log &
PIDS+=($!)
for _ in $(seq 1 100); do grep -q listening messenger.log 2>/dev/null && break; sleep 0.05; done
start_role hub hub.log hub --config hub.ini || { not_ok "hub starts"; finish; }
H="http://127.0.0.1:$PORT_hub"
A_NTS=(-H "Authorization: Bearer $NTS")
A_MSG=(-H "Authorization: Bearer $MSG")

http POST "$H/v1/directory" "$(jq -nc --arg a "$RK1" --arg b "$RK2" \
	'{entries:[{rk:$a,consent:true},{rk:$b,consent:true}]}')" "${A_MSG[@]}" >/dev/null
notice() { # N REF DEADLINE
	local ci; eval "ci=\$CI$1"
	jq -nc --arg ci "$ci" --arg ref "$2" --arg dl "$3" '{reference:$ref, ci:$ci, title:"Vehicle tax",
		doc_sha256:("ab" * 32), deadline:$dl, link:("http://127.0.0.1:7004/documents/" + $ref)}'
}
DAY=86400000
r=$(http POST "$H/v1/notices" "$(jq -sc '{notices: .}' \
	<(notice 1 REF-1 "$(date -u -d '+10 days' +%Y-%m-%dT%H:%M:%S.000Z)") \
	<(notice 2 REF-2 "$(date -u -d '+30 days' +%Y-%m-%dT%H:%M:%S.000Z)"))" "${A_NTS[@]}")
N1=$(body_of "$r" | jq -r '.results[0].notice') N2=$(body_of "$r" | jq -r '.results[1].notice')
state_of() { curl -s "${A_NTS[@]}" "$H/v1/notices/$1" | jq -r .state; }
wait_state() { # ID STATE SECONDS
	for _ in $(seq 1 $(($3 * 10))); do
		[ "$(state_of "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	echo "# $1 is $(state_of "$1"), expected $2"
	return 1
}
both_received() { wait_state "$N1" received 10 && wait_state "$N2" received 10; }
check "both notices are received at the platform" both_received

echo $((5 * DAY + 3600000)) >clock # midway through N1's read window
stalled() { for _ in $(seq 1 100); do grep -q /v1/remind messenger.jsonl.stalled 2>/dev/null && return 0; sleep 0.1; done; return 1; }
check "the hub asks for N1's reminder, and the platform takes the call without answering" stalled

echo $((11 * DAY)) >clock # N1's deadline has passed; the reminder call still hangs
check "N1, unread past its deadline, goes to paper while the reminder call hangs" wait_state "$N1" postal 5
expiry_then_paper() {
	local out
	out=$(curl -sf "${A_NTS[@]}" "$H/v1/notices/$N1") && [ -n "$out" ] &&
		jq -e '[.events[].event] | (index("AcceptanceRejectionExpiry") // -1) >= 0 and
			index("AcceptanceRejectionExpiry") < index("RelayToNonERDS")' <<<"$out" >/dev/null
}
check "... with AcceptanceRejectionExpiry before RelayToNonERDS" expiry_then_paper
check "N2, inside its window, stays received" [ "$(state_of "$N2")" = received ]
check "the hub stays up" kill -0 "$PID_hub"
finish
