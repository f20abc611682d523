#!/usr/bin/env bash
# `herald signer` with a real hub (docs/design.md §4, "The signer"; §7,
# "Privileges"). Started as root, each drops to its own user: the hub
# cannot read the log key, which only the signer's user can; certificates
# verify with `herald verify`. The signer refuses inconsistent heads,
# malformed requests and other users; killed, the hub keeps accepting and
# certificates wait; restarted on the same socket, heads are signed again,
# consistent with those before. Under its seccomp filter the signer works,
# and a forbidden system call stops it with a line naming it. idsvc, too,
# drops to --user after reading its keys (the TLS key too) and binding.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
CLIENT=$HERE/signer_client.py

if [ "$(id -u)" -ne 0 ]; then
	ok "# SKIP signer.sh needs root (it starts roles as root that drop to users)"
	finish
fi
cd "$T"
chmod 755 "$T" # the roles' users must reach their files below it
SU=herald-test-signer HU=herald-test-hub
for u in $SU $HU; do
	system_user "$u"
done
S_UID=$(id -u $SU) H_UID=$(id -u $HU) H_GID=$(id -g $HU)
as_hub() { setpriv --reuid="$H_UID" --regid="$H_GID" --clear-groups "$@"; }
key() { openssl rand -hex 32; }
sha() { printf %s "$1" | sha256sum | cut -c1-64; }
jqf() { [ -s "$1" ] && jq -e "$2" "$1" >/dev/null; } # FILE FILTER: a JSON file that says so
proc_field() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"; }

mkdir -m 755 keys run
"$HERALD" keygen --ed25519 --out keys/log >/dev/null 2>&1
chown $SU keys/log.key
NTS=$(key)
mkdir hubdata && chown $HU hubdata
cat >hub.ini <<INI
[tls]
plain_http = loopback
[hub]
dir = hubdata
listen = 127.0.0.1:0
signer = run/signer.sock
log_pub = keys/log.pub
user = $HU
sth_interval_ms = 200

[agency nts]
key_sha256 = $(sha "$NTS")
INI

start_signer() { # LOG [ARGS...]
	"$HERALD" signer --key keys/log.key --socket run/signer.sock --user $SU --client $HU "${@:2}" 2>"$1" &
	SIGNER=$!
	PIDS+=("$SIGNER")
	for _ in $(seq 1 100); do grep -q "signing tree heads" "$1" 2>/dev/null && return 0; sleep 0.05; done
	echo "# signer did not start: $(tail -n 3 "$1")"
	return 1
}

# --- its state: never made up ---
# Without its state a signer would sign whatever head came first, so it
# starts on none only when told the log is new.
timeout 10 "$HERALD" signer --key keys/log.key --socket run/nostate.sock --user $SU --client $HU 2>nostate.log
check "no state file and no --new-log: the signer refuses to start, saying why" \
	bash -c "[ $? -ne 0 ] && grep -q 'no such state file: without it the signer would sign whatever head came first' nostate.log &&
		[ ! -e keys/log.key.state ] && [ ! -e run/nostate.sock ]"

# --- started as root, each role becomes its own user ---
start_signer signer.log --new-log || { not_ok "the signer starts"; finish; }
check "the signer runs as $SU, under a seccomp filter" \
	bash -c "[ '$(proc_field $SIGNER Uid)' = $S_UID ] && [ '$(proc_field $SIGNER Seccomp)' = 2 ]"
check "its socket is mode 0600 and belongs to the hub's user" \
	[ "$(stat -c '%a %U %F' run/signer.sock)" = "600 $HU socket" ]
start_role hub hub.log hub --config hub.ini || { not_ok "the hub starts as root with user = $HU"; finish; }
H="http://127.0.0.1:$PORT_hub"
check "the hub runs as $HU: every uid and gid, and its own group alone" \
	bash -c "grep -q '^Uid:[[:space:]]*$H_UID[[:space:]]*$H_UID[[:space:]]*$H_UID[[:space:]]*$H_UID\$' /proc/$PID_hub/status &&
		grep -q '^Gid:[[:space:]]*$H_GID[[:space:]]*$H_GID[[:space:]]*$H_GID[[:space:]]*$H_GID\$' /proc/$PID_hub/status &&
		grep -q '^Groups:[[:space:]]*$H_GID[[:space:]]*\$' /proc/$PID_hub/status"
check "the hub's user cannot read the log key (mode 0600, owned by $SU)" \
	bash -c "[ \"\$(stat -c '%a %U' keys/log.key)\" = '600 $SU' ] &&
		! setpriv --reuid=$H_UID --regid=$H_GID --clear-groups cat keys/log.key >/dev/null 2>&1 &&
		setpriv --reuid=$S_UID --regid=$H_GID --clear-groups cat keys/log.key >/dev/null 2>&1"
check "... nor does the hub ever open it: no descriptor of the hub names it" \
	bash -c "! ls -l /proc/$PID_hub/fd 2>/dev/null | grep -q log.key"

# --- notices, heads and certificates through the signer ---
notices() { # FIRST COUNT: notices to nobody a platform reaches (postal at once)
	python3 - "$1" "$2" <<'PY'
import json, sys, base64, os
s, n = int(sys.argv[1]), int(sys.argv[2])
print(json.dumps({"notices": [{"reference": "S-%d" % i, "ci": base64.b64encode(os.urandom(64)).decode(),
    "title": "t", "doc_sha256": "ab" * 32, "deadline": "2030-12-31",
    "link": "http://127.0.0.1:7004/d/%d" % i} for i in range(s, s + n)]}))
PY
}
A=(-H "Authorization: Bearer $NTS")
wait_sth() { # MIN_SIZE -> the head once it covers MIN_SIZE leaves
	for _ in $(seq 1 100); do
		local s
		s=$(curl -s "$H/v1/log/sth")
		jq -e --argjson m "$1" '.tree_size >= $m' <<<"$s" >/dev/null 2>&1 && { echo "$s"; return 0; }
		sleep 0.1
	done
	return 1
}
r=$(http POST "$H/v1/notices" "$(notices 1 3)" "${A[@]}")
N1=$(body_of "$r" | jq -r '.results[0].notice')
check "the hub accepts notices" [ "$(status_of "$r")" = 200 ]
wait_sth 6 >sth1.json
check "a head signed by the signer, published by the hub" jqf sth1.json '.tree_size >= 6'
curl -s "${A[@]}" "$H/v1/notices/$N1/certificate" >cert1.json
check "a certificate verifies with herald verify and the pinned key" \
	bash -c "'$HERALD' verify --log-key keys/log.pub cert1.json >/dev/null"
check "GET /v1/log/key is the pinned key" \
	[ "$(curl -s "$H/v1/log/key" | jq -r .log_key)" = "$(cat keys/log.pub)" ]

# --- what the signer refuses ---
LAST=$(jq -r .tree_size sth1.json)
ROOT=$(jq -r .root_hash sth1.json | base64 -d | od -An -tx1 | tr -d ' \n')
NOW=$(($(date +%s%3N) + 1000)) # after the last head's time, within the signer's 10 minutes
ask() { as_hub /usr/bin/python3 "$CLIENT" "$T/run/signer.sock" "$@"; }
ask head "$NOW" $((LAST - 1)) "$ROOT" 0 >smaller.json
check "refused: a smaller tree than the last signed" \
	jqf smaller.json '.status == 1 and (.reason | test("smaller"))'
ask head "$NOW" "$LAST" "$(printf 'ee%.0s' $(seq 32))" "$LAST" >fork.json
check "refused: the same size with another root" \
	jqf fork.json '.status == 1 and (.reason | test("another root"))'
ask head 1000 "$LAST" "$ROOT" "$LAST" >back.json
check "refused: a time before the last head's" jqf back.json '.status == 1 and (.reason | test("before"))'
ask head "$NOW" $((LAST + 5)) "$ROOT" "$LAST" >noproof.json
check "refused: a bigger tree without a proof that it extends the last" \
	jqf noproof.json '.status == 1 and (.reason | test("no proof"))'
ask raw 48535231deadbeef >junk.json
check "malformed: a truncated request" jqf junk.json '.status == 3 and (.reason | test("shorter"))'
ask raw "$(python3 -c 'print("48535231" + "00" * 4000)')" >long.json
check "malformed: an over-long request" jqf long.json '.status == 3 and (.reason | test("longer"))'
ask raw "$(python3 -c 'print("58585858" + "00" * 57)')" >magic.json
check "malformed: another kind of message" jqf magic.json '.status == 3 and (.reason | test("not a request"))'
python3 "$CLIENT" "$T/run/signer.sock" head "$NOW" "$LAST" "$ROOT" "$LAST" >root.json
check "a connection from another user (root) gets no answer, and is logged" \
	bash -c "grep -q '\"status\": \"none\"' root.json && grep -q 'refused a connection from uid 0' signer.log"
check "after all that the signer still runs, and the hub's heads still verify" \
	bash -c "kill -0 $SIGNER && '$HERALD' verify --log-key keys/log.pub cert1.json >/dev/null"

# --- the signer hung: certificates do not wait for it, nor hold up the hub ---
# Only the hub's signing thread talks to the signer; a certificate asks
# that thread and waits a second at most.
kill -STOP "$SIGNER"
r=$(http POST "$H/v1/notices" "$(notices 20 4)" "${A[@]}")
check "signer hung: the hub accepts notices" [ "$(status_of "$r")" = 200 ]
mapfile -t HUNG < <(body_of "$r" | jq -r '.results[].notice')
HP=()
for i in 0 1 2 3; do
	curl -s -o /dev/null -w '%{http_code} %{time_total}\n' "${A[@]}" \
		"$H/v1/notices/${HUNG[$i]}/certificate" >"hung.$i" &
	HP+=($!)
done
sleep 0.2
posted=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' "${A[@]}" -H 'Content-Type: application/json' \
	--data-binary "$(notices 30 1)" "$H/v1/notices")
for p in "${HP[@]}"; do wait "$p"; done
echo "# certificates while hung: $(cat hung.0 hung.1 hung.2 hung.3 | tr '\n' ' '); a post: $posted"
check "signer hung: four certificates asked at once each answer 503 within 4 s" \
	bash -c "cat hung.0 hung.1 hung.2 hung.3 | awk '\$1 == 503 && \$2 < 4 {n++} END {exit n != 4}'"
check "signer hung: a notice posted meanwhile is answered 200 within 3 s" \
	awk -v r="$posted" 'BEGIN {split(r, a, " "); exit !(a[1] == 200 && a[2] < 3)}'
# Past the hub's 5 s wait for an answer, so that the signer finds
# requests queued by a hub that has given up on them.
sleep 4.5
kill -CONT "$SIGNER"
for _ in $(seq 1 100); do
	[ "$(curl -s -o hung.json -w '%{http_code}' "${A[@]}" "$H/v1/notices/${HUNG[0]}/certificate")" = 200 ] && break
	sleep 0.1
done
check "signer going again: the certificate is issued and verifies" \
	bash -c "'$HERALD' verify --log-key keys/log.pub hung.json >/dev/null"
check "... the signer signed nothing for the requests whose hub had gone, and said so" \
	grep -q 'the client left before it was decided: not signed' signer.log
check "... its log says what it signed (at most once a minute)" grep -q 'tree size [0-9]* signed' signer.log

# --- the signer killed: the hub keeps accepting, certificates wait ---
MARK=$(wc -l <hub.log)
kill -9 "$SIGNER"
wait "$SIGNER" 2>/dev/null
r=$(http POST "$H/v1/notices" "$(notices 10 3)" "${A[@]}")
N10=$(body_of "$r" | jq -r '.results[0].notice')
check "signer down: the hub still accepts notices" [ "$(status_of "$r")" = 200 ]
sleep 0.6
r=$(curl -s -D down.headers -o down.json -w '%{http_code}' "${A[@]}" "$H/v1/notices/$N10/certificate")
check "signer down: a certificate past the last head answers 503 with Retry-After" \
	bash -c "[ '$r' = 503 ] && grep -qi '^Retry-After: 5' down.headers"
check "signer down: the hub says so once in its log" \
	[ "$(tail -n +$((MARK + 1)) hub.log | grep -c 'log: no signer')" -eq 1 ]
check "signer down: the old certificate is still served" \
	[ "$(curl -s -o /dev/null -w '%{http_code}' "${A[@]}" "$H/v1/notices/$N1/certificate")" = 200 ]

# --- restarted on the same socket: heads again, consistent ---
start_signer signer2.log || { not_ok "the signer restarts"; finish; }
check "the restarted signer removed the stale socket" grep -q 'removed the stale socket' signer2.log
wait_sth $((LAST + 6)) >sth2.json
check "signer back: heads are signed again and cover the notices taken meanwhile" \
	jqf sth2.json ".tree_size >= $LAST + 6"
check "... and the hub says it is back" bash -c "tail -n +$((MARK + 1)) hub.log | grep -q 'log: the signer is back'"
S2=$(jq .tree_size sth2.json)
curl -s "$H/v1/log/consistency?first=$LAST&second=$S2" >proof.json
check "the head before the kill and the one after are consistent (herald verify --consistency)" \
	bash -c "'$HERALD' verify --log-key keys/log.pub --consistency sth1.json sth2.json proof.json >/dev/null"
curl -s "${A[@]}" "$H/v1/notices/$N10/certificate" >cert10.json
check "the certificate that waited is issued and verifies" \
	bash -c "'$HERALD' verify --log-key keys/log.pub cert10.json >/dev/null"
ask head "$NOW" "$LAST" "$ROOT" "$LAST" >after.json
check "the restarted signer remembers: the head before the kill is now too small" \
	jqf after.json '.status == 1 and (.reason | test("smaller"))'
timeout 10 "$HERALD" signer --key keys/log.key --socket run/signer.sock --user $SU --client $HU 2>second.log
check "a second signer on the same state is refused" \
	bash -c "[ $? -ne 0 ] && grep -q 'another signer holds this state' second.log"
timeout 10 "$HERALD" signer --key keys/log.key --state run/other.state --new-log --socket run/signer.sock \
	--user $SU --client $HU 2>third.log
check "a signer with a state of its own on a live socket is refused, the socket left alone" \
	bash -c "[ $? -ne 0 ] && grep -q 'another signer is answering there' third.log && [ -S run/signer.sock ]"
# One that may not connect to it (the socket is the hub's user's), in a
# folder it may write, must not take it for a dead signer's.
mkdir -m 700 sustate && chown $SU sustate && chmod 777 run
timeout 10 setpriv --reuid="$S_UID" --regid="$H_GID" --clear-groups "$HERALD" signer --key keys/log.key \
	--state sustate/x.state --new-log --socket run/signer.sock 2>fourth.log
rc=$?
chmod 755 run
check "... and one that may not connect to it does not take it as stale: refused, the socket left" \
	bash -c "[ $rc -ne 0 ] && grep -q 'cannot tell whether a signer answers there (Permission denied)' fourth.log &&
		[ -S run/signer.sock ]"
kill -TERM "$SIGNER"
wait "$SIGNER"
check "SIGTERM stops the filtered signer cleanly (exit 0)" [ $? -eq 0 ]

# --- another log's signer on the socket by mistake, then the right one ---
# Its last head is larger than this log: refused. The right signer back
# on the socket is asked again, from the hub's own head.
"$HERALD" keygen --ed25519 --out keys/big >/dev/null 2>&1
chown $SU keys/big.key
"$HERALD" signer --key keys/big.key --new-log --socket run/signer.sock --user $SU --client $HU 2>big.log &
BIG=$!
PIDS+=("$BIG")
for _ in $(seq 1 100); do grep -q "signing tree heads" big.log 2>/dev/null && break; sleep 0.05; done
ask head "$(($(date +%s%3N) + 1000))" 1000 "$(printf 'ab%.0s' $(seq 32))" 0 >big.json
check "another log's signer signs a head of 1,000 leaves for its own log" jqf big.json '.status == 0'
r=$(http POST "$H/v1/notices" "$(notices 40 1)" "${A[@]}")
for _ in $(seq 1 100); do grep -q 'smaller than the 1000 already signed' hub.log && break; sleep 0.05; done
check "... asked by the hub, it refuses this log's head, and the hub says so" \
	grep -q 'smaller than the 1000 already signed' hub.log
N40=$(body_of "$r" | jq -r '.results[0].notice')
r=$(curl -s -D refusing.headers -o refusing.json -w '%{http_code}' "${A[@]}" "$H/v1/notices/$N40/certificate")
check "... a certificate meanwhile: 503 saying the signer refuses, without Retry-After" \
	bash -c "[ '$r' = 503 ] && grep -q 'refuses this log' refusing.json && ! grep -qi '^Retry-After' refusing.headers"
kill -TERM "$BIG"
wait "$BIG"
BEFORE=$(curl -s "$H/v1/log/sth" | jq .tree_size)
start_signer signer3.log || { not_ok "the signer restarts"; finish; }
r=$(http POST "$H/v1/notices" "$(notices 41 1)" "${A[@]}")
wait_sth $((BEFORE + 2)) >sth3.json
check "the right signer back on the socket: heads are signed again" jqf sth3.json ".tree_size >= $BEFORE + 2"
kill -TERM "$SIGNER"
wait "$SIGNER"
# A state emptied, or one others may write, is refused as a missing one.
: >empty.state
timeout 10 "$HERALD" signer --key keys/log.key --state empty.state --socket run/x.sock 2>empty.log
check "an empty state without --new-log: refused" \
	bash -c "[ $? -ne 0 ] && grep -q 'empty.state: empty: without it the signer would sign' empty.log"
cp keys/log.key.state signed.state && chmod 600 signed.state
timeout 10 "$HERALD" signer --key keys/log.key --state signed.state --new-log --socket run/x.sock 2>signed.log
check "--new-log on a state that holds a signed head: refused, naming the tree size" \
	bash -c "[ $? -ne 0 ] && grep -Eq \"signed.state: --new-log, but this log's state holds a signed head \\(tree size [1-9][0-9]*\\)\" signed.log"
check "... and the state is left as it was" cmp -s signed.state keys/log.key.state
cp keys/log.key.state shared.state && chmod 664 shared.state
timeout 10 "$HERALD" signer --key keys/log.key --state shared.state --new-log --socket run/x.sock 2>shared.log
check "a state others may write: refused, even with --new-log" \
	bash -c "[ $? -ne 0 ] && grep -q 'writable by others than its owner (mode 664)' shared.log"

# --- a forbidden system call stops it ---
# A preloaded library (test code, not the product's) makes send() first
# open an inet socket: not in src/signer/signer_syscalls.c.
cat >forbid.c <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/socket.h>
ssize_t send(int fd, const void *b, size_t n, int fl)
{
    ssize_t (*real)(int, const void *, size_t, int) = dlsym(RTLD_NEXT, "send");
    socket(AF_INET, SOCK_STREAM, 0);
    return real(fd, b, n, fl);
}
C
cc -shared -fPIC -o forbid.so forbid.c -ldl
"$HERALD" keygen --ed25519 --out own >/dev/null 2>&1
LD_PRELOAD=$T/forbid.so ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
	"$HERALD" signer --key own.key --socket "$T/own.sock" --new-log 2>own.log &
OWN=$!
PIDS+=("$OWN")
for _ in $(seq 1 100); do grep -q "signing tree heads" own.log 2>/dev/null && break; sleep 0.05; done
python3 "$CLIENT" "$T/own.sock" head "$NOW" 0 "$(printf '' | sha256sum | cut -c1-64)" 0 >own.json
wait "$OWN"
rc=$?
check "a forbidden system call (socket, 41) stops the signer: exit 159 and a line naming it" \
	bash -c "[ $rc -eq 159 ] && grep -q 'seccomp: system call 41 is not allowed' own.log"
# --- idsvc too: root reads the CI key and binds, then --user ---
"$HERALD" keygen --hmac --out ci.key >/dev/null 2>&1
"$HERALD" apikey --name agency-test --clients ci.clients >/dev/null
start_role idsvc idsvc.log idsvc --key-file ci.key --plain-http --clients ci.clients --user $HU
check "idsvc started as root runs as $HU, which cannot read the CI key, and answers" \
	bash -c "[ '$(proc_field "$PID_idsvc" Uid)' = $H_UID ] &&
		! setpriv --reuid=$H_UID --regid=$H_GID --clear-groups cat ci.key >/dev/null 2>&1 &&
		curl -sf http://127.0.0.1:$PORT_idsvc/v1/health >/dev/null"
# With TLS: its certificate's key (0600, root's) is read before the drop.
"$HERALD" keygen --tls --out idsvc-tls >idsvc-tls.pin 2>/dev/null
start_role idsvc_tls idsvc-tls.log idsvc --key-file ci.key --clients ci.clients \
	--tls-cert idsvc-tls.crt --tls-key idsvc-tls.key --user $HU
check "idsvc with --tls-key and --user runs as $HU, which cannot read the TLS key, and answers over TLS 1.3" \
	bash -c "[ '$(proc_field "$PID_idsvc_tls" Uid)' = $H_UID ] &&
		! setpriv --reuid=$H_UID --regid=$H_GID --clear-groups cat idsvc-tls.key >/dev/null 2>&1 &&
		curl -sf --insecure --pinnedpubkey '$(cat idsvc-tls.pin)' --tlsv1.3 \
			https://127.0.0.1:$PORT_idsvc_tls/v1/health >/dev/null"
# The hub as well: [tls] key read as root, then [hub] user.
"$HERALD" keygen --tls --out hub-tls >hub-tls.pin 2>/dev/null
mkdir hubtls && chown $HU hubtls
printf '[tls]\ncert = hub-tls.crt\nkey = hub-tls.key\n[hub]\ndir = hubtls\nlisten = 127.0.0.1:0\nuser = %s\n' \
	$HU >hub-tls.ini
start_role hub_tls hub-tls.log hub --config hub-tls.ini
check "the hub with [tls] and [hub] user runs as $HU, which cannot read the TLS key, and answers over TLS 1.3" \
	bash -c "[ '$(proc_field "$PID_hub_tls" Uid)' = $H_UID ] &&
		! setpriv --reuid=$H_UID --regid=$H_GID --clear-groups cat hub-tls.key >/dev/null 2>&1 &&
		curl -sf --insecure --pinnedpubkey '$(cat hub-tls.pin)' --tlsv1.3 \
			https://127.0.0.1:$PORT_hub_tls/v1/health >/dev/null"
setpriv --reuid="$H_UID" --regid="$H_GID" --clear-groups "$HERALD" idsvc --key-file ci.key --plain-http \
	--clients ci.clients --listen 127.0.0.1:0 --user $HU 2>idsvc-user.log
check "--user is refused unless started as root" \
	bash -c "[ $? -ne 0 ] && grep -q 'not root' idsvc-user.log"
check "... and the log key never reached a log" bash -c "! grep -qF -- \"\$(cat keys/log.key)\" hub.log signer*.log"
finish
