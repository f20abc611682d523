#!/usr/bin/env bash
# The hub's [store] section: what it refuses and how it says so (an
# unknown kind, postgres without a dsn, a dsn too long, a bad node name,
# a dsn for SQLite), that kind = sqlite is the hub as always, and that
# a PostgreSQL nobody answers stops the hub at start with one line that
# names it, without the dsn's password, under its seccomp filter.
# Then two hub nodes on one PostgreSQL (tests/lib_pg.sh), one over TCP,
# the other over the server's UNIX socket as its own user once root is
# given up, both under their seccomp filters: a member a platform reports
# through one node is relayed to when a notice comes through the other,
# and after the database restarts both take reports and notices again.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib_pg.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

cd "$T"
key() { openssl rand -hex 32; }
sha() { printf %s "$1" | sha256sum | cut -c1-64; }
NTS=$(key) MSG=$(key) HUBKEY=$(key)
(umask 077; echo "$HUBKEY" >hub.key)
P_MSG=$(free_port)

# hub_ini DIR STORE-LINES...: a hub.ini with the given [store] lines.
hub_ini() {
	local dir=$1; shift
	cat <<INI
[tls]
plain_http = loopback
[hub]
dir = $dir
listen = 127.0.0.1:0
hub_key_file = hub.key
relay_interval_ms = 50
[store]
$(printf '%s\n' "$@")
[agency nts]
key_sha256 = $(sha "$NTS")
[platform messenger]
key_sha256 = $(sha "$MSG")
url = http://127.0.0.1:$P_MSG
INI
}

# refused NAME EXPECTED STORE-LINES...: the hub exits 1 within 10 s and
# its last line of stderr holds EXPECTED.
refused() {
	local name=$1 want=$2; shift 2
	hub_ini data "$@" >bad.ini
	timeout 10 "$HERALD" hub --config bad.ini >/dev/null 2>bad.err
	local rc=$?
	if [ $rc -eq 1 ] && tail -n1 bad.err | grep -qF -- "$want"; then
		ok "$name"
	else
		not_ok "$name (exit $rc: $(tail -n1 bad.err))"
	fi
}

refused "an unknown kind is refused" "[store] kind must be sqlite or postgres" "kind = mysql"
refused "an agency's documents URL without its final '/' is refused (a host could follow)" \
	"[agency other] documents must be an http(s) URL ending in '/'" \
	"kind = sqlite" "[agency other]" "key_sha256 = $(sha "$NTS")" "documents = https://nts.example"
refused "postgres without a dsn is refused" "[store] kind = postgres needs dsn" "kind = postgres"
# hub.ini's lines are at most 199 characters: a dsn must fit in one.
refused "a dsn line too long is refused, its line and the limit named" \
	"bad.ini:10: longer than 199 characters" \
	"kind = postgres" "dsn = host=/tmp dbname=$(head -c 200 /dev/zero | tr '\0' x)"
refused "a node name with a space is refused" "[store] node must be 1-64 of" \
	"kind = postgres" "dsn = dbname=herald" "node = hub a"
refused "a dsn without kind = postgres is refused" "[store] dsn is for kind = postgres only" \
	"dsn = dbname=herald"
[ ! -e data/hub.db ] && ok "nothing was opened for a refused [store]" ||
	not_ok "nothing was opened for a refused [store]"

# Nobody listens on a port that was free a moment ago.
CLOSED=$(free_port)
hub_ini data "kind = postgres" \
	"dsn = host=127.0.0.1 port=$CLOSED dbname=herald user=herald password=sekrit connect_timeout=3" \
	>closed.ini
start=$(date +%s)
timeout 20 "$HERALD" hub --config closed.ini >/dev/null 2>closed.err
rc=$? took=$(($(date +%s) - start))
last=$(tail -n1 closed.err)
echo "# $last"
check "PostgreSQL unreachable at start: exit 1 (was $rc) within 10 s (took ${took}s)" \
	test $rc -eq 1 -a $took -le 10
check "... with one line naming PostgreSQL and the refused connection" \
	bash -c "grep -q '^herald hub: \[store\] dsn: PostgreSQL: .*$CLOSED.*refused' <<<'$last' &&
		[ \$(grep -c '^herald hub' closed.err) -eq 1 ] && ! grep -q \$'^\t' closed.err"
check "... under the seccomp filter, which stopped nothing" \
	bash -c "grep -q 'seccomp filter on' closed.err && ! grep -qi 'system call' <(grep -v 'seccomp filter on' closed.err)"
check "... and the password in the dsn is not printed" bash -c "! grep -q sekrit closed.err"

# A server that takes the connection and never answers (as a host whose
# PostgreSQL hangs): without a connect_timeout of its own in the dsn, the
# hub gives up after its default 5 s instead of waiting for ever.
MUTE=$(free_port)
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); time.sleep(60)' "$MUTE" &
MUTE_PID=$!
PIDS+=("$MUTE_PID")
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$MUTE") 2>/dev/null && break; sleep 0.05; done
hub_ini data "kind = postgres" "dsn = host=127.0.0.1 port=$MUTE dbname=herald user=herald" >mute.ini
start=$(date +%s)
timeout 40 "$HERALD" hub --config mute.ini >/dev/null 2>mute.err
rc=$? took=$(($(date +%s) - start))
echo "# $(tail -n1 mute.err)"
check "a PostgreSQL that never answers: exit 1 (was $rc) after the default 5 s connect timeout (took ${took}s)" \
	test $rc -eq 1 -a $took -ge 4 -a $took -le 15
kill "$MUTE_PID" 2>/dev/null

# kind = sqlite is the hub as always: hub.db and directory.db in its dir.
hub_ini sq "kind = sqlite" >sqlite.ini
if start_role sqlite sqlite.log hub --config sqlite.ini; then
	ok "kind = sqlite starts the hub"
	check "... with hub.db and directory.db in [hub] dir" test -f sq/hub.db -a -f sq/directory.db
	kill "$PID_sqlite"
	wait "$PID_sqlite" 2>/dev/null
else
	not_ok "kind = sqlite starts the hub"
fi
check "herald hub --help documents [store]" \
	bash -c "'$HERALD' hub --help | grep -q 'kind = sqlite (hub.db in \[hub\] dir) or postgres'"

# ---- two nodes on one PostgreSQL ----
if [ ! -x "$PG_BIN/initdb" ]; then
	ok "# SKIP no PostgreSQL 15 in $PG_BIN for the two nodes"
	finish
fi
# The test's folder: the server's user (as root) starts in it, and node
# b's user reaches its own folder below it.
chmod 755 "$T"
pg_start || { not_ok "PostgreSQL starts"; finish; }
ci() { openssl rand -base64 64 | tr -d '\n'; }
rk_of() { printf 'herald-rk-v1:%s' "$1" | sha256sum | cut -c1-64; }
CI1=$(ci) CI2=$(ci)
RK1=$(rk_of "$CI1") RK2=$(rk_of "$CI2")
printf '%s\n' "$RK1" "$RK2" >msg.members
python3 "$HERE/fake_platform.py" "$P_MSG" "$HUBKEY" msg.members msg.jsonl 2>msg.log &
PIDS+=($!)
hub_ini node-a "kind = postgres" "dsn = $PG_DSN_TCP" "node = a" >a.ini
sed -i 's/^\[hub\]$/[hub]\nmetrics = public/' a.ini
hub_ini node-b "kind = postgres" "dsn = $PG_DSN" "node = b" >b.ini
B_USER=
if [ "$(id -u)" = 0 ]; then
	B_USER=herald-test-hub
	system_user $B_USER
	mkdir node-b && chown $B_USER node-b
	sed -i "s/^\[hub\]$/[hub]\nuser = $B_USER/" b.ini
fi
# An operator of node a's console (its accounts are its own, in node-a).
OPS=$(echo "a long enough password for ops" | "$HERALD" hub user add ops --role viewer \
	--config a.ini 2>&1 | sed -n 's/.*[?&]secret=\([A-Z2-7]*\).*/\1/p' | head -n1)
start_role a a.log hub --config a.ini || { not_ok "node a starts on PostgreSQL (TCP)"; finish; }
start_role b b.log hub --config b.ini || { not_ok "node b starts on PostgreSQL (socket)"; finish; }
ok "two nodes start on one PostgreSQL, a over TCP, b over the socket${B_USER:+ as $B_USER}"
check "... each under its seccomp filter, named in the log" \
	bash -c "grep -q 'store: PostgreSQL, node a' a.log && grep -q 'store: PostgreSQL, node b' b.log &&
		[ \"\$(awk '\$1 == \"Seccomp:\" {print \$2}' /proc/$PID_a/status /proc/$PID_b/status | paste -sd' ')\" = '2 2' ]"
if [ -n "$B_USER" ]; then
	check "... b as $B_USER" \
		[ "$(awk '$1 == "Uid:" {print $2}' /proc/$PID_b/status)" = "$(id -u $B_USER)" ]
fi
HA="http://127.0.0.1:$PORT_a" HB="http://127.0.0.1:$PORT_b"
A_NTS=(-H "Authorization: Bearer $NTS")
A_MSG=(-H "Authorization: Bearer $MSG")
member() { jq -nc --arg rk "$1" '{entries:[{rk:$rk,consent:true,preference:1}]}'; }
notice() { # CI REF
	jq -nc --arg ci "$1" --arg ref "$2" '{notices:[{reference:$ref, ci:$ci, title:"Vehicle tax",
		doc_sha256:("ab" * 32), deadline:"2030-12-31", link:("http://127.0.0.1:7004/documents/" + $ref)}]}'
}
relayed() { grep -q "$1" msg.jsonl 2>/dev/null; }
until_true() { for _ in $(seq 1 "$1"); do "${@:2}" && return 0; sleep 0.1; done; return 1; }

r=$(http POST "$HA/v1/directory" "$(member "$RK1")" "${A_MSG[@]}")
check "a member reported through node a (200)" [ "$(status_of "$r")" = 200 ]
r=$(http POST "$HB/v1/notices" "$(notice "$CI1" REF-1)" "${A_NTS[@]}")
check "a notice for them through node b: accepted" \
	bash -c "jq -e '.results[0].state == \"accepted\"' <<<'$(body_of "$r")' >/dev/null"
check "... and relayed to the platform node a heard of" until_true 150 relayed "$RK1"

pg_down && pg_up || not_ok "PostgreSQL restarts"
r=$(http POST "$HB/v1/directory" "$(member "$RK2")" "${A_MSG[@]}")
check "after PostgreSQL restarted, node b takes a report at once (200, was $(status_of "$r"))" \
	[ "$(status_of "$r")" = 200 ]
accepted_on_a() {
	r=$(http POST "$HA/v1/notices" "$(notice "$CI2" REF-2)" "${A_NTS[@]}")
	jq -e '.results[0].state == "accepted"' <<<"$(body_of "$r")" >/dev/null 2>&1
}
check "... node a takes a notice for them (within 10 s)" until_true 100 accepted_on_a
check "... and it is relayed" until_true 150 relayed "$RK2"
# Node a's console counts both notices, the one that came through b too:
# it reads the counts in the shared database.
totp() {
	python3 - "$1" <<'PY'
import base64, hashlib, hmac, struct, sys, time
key = base64.b32decode(sys.argv[1])
mac = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
o = mac[-1] & 15
print("%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7fffffff) % 1000000))
PY
}
tok=$(web_token "$HA/console/signin" ops.jar)
web_post "$HA" "$HA/console/signin" ops.jar "$tok" --data-urlencode name=ops \
	--data-urlencode "password=a long enough password for ops" --data-urlencode "code=$(totp "$OPS")" \
	-o /dev/null
today=$(date -u +%F)
nts_today() { # nts's cells today on node a's volumes page: accepted relayed ...
	curl -s -b ops.jar "$HA/console/volumes" | tr -d '\n' |
		grep -o "<tr><th scope=\"row\">nts</th><td>$today</td>[^/]*\(/td><td class=\"n\">[0-9]*<\)*" |
		grep -o 'class="n">[0-9]*' | grep -o '[0-9]*$' | tr '\n' ' '
}
two_relayed() { [[ "$(nts_today)" == '2 2 '* ]]; }
until_true 50 two_relayed
check "node a's console counts both notices accepted and relayed, one of them taken by b \
($(nts_today))" two_relayed
card() { # the status page's figure under a label
	curl -s -b ops.jar "$HA/console" | tr -d '\n' |
		grep -o "$1</span></div><div class=\"v\">[0-9]*" | grep -o '[0-9]*$'
}
check "... and its status page two relayed awaiting receipt, none to relay ($(card 'Relayed, to report receipt'), $(card 'Accepted, to relay'))" \
	[ "$(card 'Relayed, to report receipt')" = 2 -a "$(card 'Accepted, to relay')" = 0 ]
# GET /metrics counts the queues in the shared database: nothing left to
# relay, two notices in their read windows.
check "node a's GET /metrics counts the queues in PostgreSQL" \
	bash -c "m=\$(curl -s '$HA/metrics'); grep -q '^herald_hub_queue_notices{queue=\"to_relay\"} 0\$' <<<\"\$m\" &&
		grep -q '^herald_hub_notices_in_window 2\$' <<<\"\$m\" && ! grep -q herald_sqlite_file_bytes <<<\"\$m\""
check "both nodes still run: no system call of libpq's, reconnecting, was refused" \
	bash -c "kill -0 $PID_a && kill -0 $PID_b && ! grep -h 'seccomp:' a.log b.log"

finish
