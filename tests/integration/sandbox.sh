#!/usr/bin/env bash
# Privileges of the HTTP roles (docs/design.md §7, "Privileges"): idsvc,
# the hub, a platform and agency serve, started as root with a user each,
# run as that user (every uid and gid), with no new privileges and one
# seccomp filter, and still carry a notice end to end: a member signs up
# (the platform calls idsvc), the agency sends, the hub relays, the member
# opens the document, the hand-over is in a certificate that verifies.
# A preloaded library (test code, not the product's) makes each role call
# execve, or fork, on its first accepted connection: the filter stops the
# role with a line naming the call. A data directory the user cannot
# write is refused at start with the fix; seccomp = off leaves no filter.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	ok "# SKIP sandbox.sh needs root (it starts roles as root that drop to users)"
	finish
fi
cd "$T"
chmod 755 "$T" # the roles' users must reach their files below it
IU=herald-test-idsvc HU=herald-test-hub PU=herald-test-platform AU=herald-test-agency
for u in $IU $HU $PU $AU; do
	system_user "$u"
done
key() { openssl rand -hex 32; }
sha() { printf %s "$1" | sha256sum | cut -c1-64; }
field() { awk -v f="$2:" '$1 == f {$1 = ""; sub(/^ /, ""); print}' "/proc/$1/status"; }
until_true() { for _ in $(seq 1 200); do "$@" && return 0; sleep 0.05; done; return 1; }
# confined PID USER: every uid and gid is USER's, its group alone, no new
# privileges, one seccomp filter in filter mode.
confined() {
	local u g
	u=$(id -u "$2") g=$(id -g "$2")
	[ "$(field "$1" Uid)" = "$u $u $u $u" ] && [ "$(field "$1" Gid)" = "$g $g $g $g" ] &&
		[ "$(field "$1" Groups)" = "$g" ] && [ "$(field "$1" NoNewPrivs)" = 1 ] &&
		[ "$(field "$1" Seccomp)" = 2 ] && [ "$(field "$1" Seccomp_filters)" = 1 ]
}

# Keys are read as root before the drop: they stay root's, mode 0600.
"$HERALD" keygen --hmac --out ci.key >/dev/null 2>&1
"$HERALD" keygen --ed25519 --out view >/dev/null 2>&1
"$HERALD" keygen --ed25519 --out log >/dev/null 2>&1
IDKEY=$("$HERALD" apikey --name nts --clients idsvc.clients)
PIDKEY=$("$HERALD" apikey --name messenger --clients idsvc.clients)
HUBKEY=$("$HERALD" apikey --name hub --clients platform.clients)
ADMINKEY=$("$HERALD" apikey --name admin --clients platform.clients)
NTS=$(key) MSG=$(key)
(umask 077; echo "$IDKEY" >idsvc.key; echo "$PIDKEY" >pidsvc.key; echo "$HUBKEY" >hub.key
	echo "$MSG" >msg.apikey; echo "$NTS" >nts.apikey)
mkdir hubdata platdata agdata
chown $HU hubdata && chown $PU platdata && chown $AU agdata

# idsvc over TLS, called by name when this host's name is a loopback
# address (/etc/hosts): the platform's and the agency's resolver then
# runs under their filters.
"$HERALD" keygen --tls --out idsvc-tls >idsvc-tls.pin 2>/dev/null
IDHOST=127.0.0.1
case "$(getent ahostsv4 "$(hostname)" 2>/dev/null | awk 'NR == 1 {print $1}')" in
127.*) IDHOST=$(hostname) ;;
esac
echo "# idsvc is called at $IDHOST"
start_role idsvc idsvc.log idsvc --tls-cert idsvc-tls.crt --tls-key idsvc-tls.key --key-file ci.key \
	--clients idsvc.clients --user $IU || { not_ok "idsvc starts as root with --user $IU"; finish; }
P_PORT=$(free_port) A_PORT=$(free_port)
cat >hub.ini <<INI
[tls]
plain_http = loopback
[hub]
dir = hubdata
listen = 127.0.0.1:0
hub_key_file = hub.key
log_key = log.key
user = $HU
relay_interval_ms = 50
sth_interval_ms = 200
[agency nts]
key_sha256 = $(sha "$NTS")
[platform messenger]
key_sha256 = $(sha "$MSG")
url = http://127.0.0.1:$P_PORT
INI
start_role hub hub.log hub --config hub.ini || { not_ok "the hub starts as root with user = $HU"; finish; }
H="http://127.0.0.1:$PORT_hub"
platform_ini() { # DIR USER [SECCOMP]
	cat <<INI
[tls]
plain_http = loopback
[platform]
name = messenger
dir = $1
user = $2
${3:+seccomp = $3}
listen = 127.0.0.1:$P_PORT
public_url = http://127.0.0.1:$P_PORT
view_key = view.key
clients = platform.clients
pin_hash = min
report_interval_ms = 50
[idsvc]
url = https://$IDHOST:$PORT_idsvc
pin = $(cat idsvc-tls.pin)
key_file = pidsvc.key
[hub]
url = $H
key_file = msg.apikey
INI
}
platform_ini platdata $PU >platform.ini
start_role platform platform.log platform --config platform.ini ||
	{ not_ok "the platform starts as root with user = $PU"; finish; }
P="http://127.0.0.1:$P_PORT"
cat >agency.ini <<INI
[tls]
plain_http = loopback
[agency]
name = nts
dir = agdata
user = $AU
listen = 127.0.0.1:$A_PORT
public_url = http://127.0.0.1:$A_PORT
poll_ms = 100
report_ms = 100
[idsvc]
url = https://$IDHOST:$PORT_idsvc
pin = $(cat idsvc-tls.pin)
key_file = idsvc.key
[hub]
url = $H
key_file = nts.apikey
[platform messenger]
view_pub = view.pub
INI
start_role agency agency.log agency serve --config agency.ini ||
	{ not_ok "agency serve starts as root with user = $AU"; finish; }

# ---- each runs as its user, under its filter ----
check "idsvc runs as $IU, no new privileges, under a seccomp filter" confined "$PID_idsvc" $IU
check "the hub runs as $HU, no new privileges, under a seccomp filter" confined "$PID_hub" $HU
check "the platform runs as $PU, no new privileges, under a seccomp filter" confined "$PID_platform" $PU
check "agency serve runs as $AU, no new privileges, under a seccomp filter" confined "$PID_agency" $AU
check "each logged the user it became and its filter" \
	bash -c "for l in idsvc hub platform agency; do grep -q 'running as herald-test-' \$l.log &&
		grep -q 'seccomp filter on: [0-9]* system calls allowed' \$l.log || exit 1; done"
check "the databases belong to the roles' users" \
	bash -c "[ \"\$(stat -c %U hubdata/hub.db platdata/platform.db agdata/agency.db | paste -sd' ')\" = '$HU $PU $AU' ]"

# ---- a notice end to end, every role confined ----
r=$(http POST "$P/v1/members" '{"members":[
 {"name":"가","phone":"010-1000-0001","rrn":"971013-9019902","pin":"1739","consent":true}]}' \
	-H "Authorization: Bearer $ADMINKEY")
check "a member signs up (the platform asks idsvc for the CI)" [ "$(status_of "$r")" = 200 ]
directory_has() { [ "$(sqlite3 hubdata/directory.db 'SELECT count(*) FROM directory')" = 1 ]; }
check "the hub's directory knows the member" until_true directory_has
cat >notice.html <<'HTML'
<!doctype html><html lang="ko"><meta charset="utf-8"><title>((title))</title>
<h1>((title))</h1><p>((name)) 님</p><p>Amount: ((amount))</p>
HTML
printf '%s\n' 'rrn,name,address,amount' '971013-9019902,가나다,서울 종로구 1,100' >r.csv
# agency send is the operator's command: it runs as the agency's user on
# the agency's data, with keys that user may read.
cp nts.apikey nts-ag.apikey && cp idsvc.key idsvc-ag.key && chown $AU nts-ag.apikey idsvc-ag.key
sed 's/^key_file = nts.apikey/key_file = nts-ag.apikey/; s/^key_file = idsvc.key/key_file = idsvc-ag.key/' \
	agency.ini >send.ini
setpriv --reuid="$(id -u $AU)" --regid="$(id -g $AU)" --clear-groups "$HERALD" agency send \
	--config send.ini --template notice.html --title "Sandboxed" \
	--deadline "$(date -u -d '+30 days' +%Y-%m-%d)" r.csv >send.out 2>send.err
check "the agency sends a notice" bash -c "[ -s send.out ] && jq -e '.accepted == 1' send.out >/dev/null"
NID=$(sqlite3 hubdata/hub.db "SELECT id FROM notices WHERE agency = 'nts'")
state_is() { [ "$(sqlite3 hubdata/hub.db "SELECT state FROM notices WHERE id = '$NID'")" = "$1" ]; }
check "the hub relays it into the member's inbox" until_true state_is received
login() { web_post "$P" "$P/login" "$3" "$(web_token "$P/" "$3")" -o /dev/null \
	-w '%{http_code}' --data-urlencode "phone=$1" --data-urlencode "pin=$2"; }
login 010-1000-0001 1739 a.jar >/dev/null
URL=$(web_post "$P" "$P/notices/$NID/open" a.jar "$(web_token "$P/inbox" a.jar)" \
	-o /dev/null -w '%{redirect_url}' --data-urlencode "pin=1739")
check "the member opens the document, served by the agency" bash -c "curl -s '$URL' | grep -q 'Amount: 100'"
check "the hub records it read" until_true state_is read
cert_ok() {
	curl -s -H "Authorization: Bearer $NTS" "$H/v1/notices/$NID/certificate" >cert.json &&
		"$HERALD" verify --log-key log.pub cert.json 2>/dev/null | grep -q ContentHandover
}
check "its certificate holds the hand-over and verifies" until_true cert_ok
check "after all that every role still runs, confined" \
	bash -c "kill -0 $PID_idsvc $PID_hub $PID_platform $PID_agency && ! grep -q 'seccomp: system call' *.log"

# ---- a forbidden call stops the role, with a line naming it ----
# Test code, not the product's: on a role's first accepted connection
# the preloaded library calls execve (59) or fork (clone without
# CLONE_THREAD, 56), things none of the roles ever does.
cat >forbid.c <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
int accept4(int fd, struct sockaddr *a, socklen_t *l, int fl)
{
    int (*real)(int, struct sockaddr *, socklen_t *, int) = dlsym(RTLD_NEXT, "accept4");
    static char *const argv[] = {"/bin/true", NULL};
    if (getenv("FORBID_FORK"))
        fork();
    else
        execv("/bin/true", argv);
    return real(fd, a, l, fl);
}
C
cc -shared -fPIC -o forbid.so forbid.c -ldl
forbidden() { # NAME NUMBER HERALD-ARGS...: the role is stopped at its first connection
	local name=$1 nr=$2 log=forbid-$1.log
	shift 2
	LD_PRELOAD=$T/forbid.so ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
		start_role "forbid_$name" "$log" "$@" || return 1
	local pid port
	pid=$(eval echo "\$PID_forbid_$name") port=$(eval echo "\$PORT_forbid_$name")
	curl -s -m 5 "http://127.0.0.1:$port/v1/health" >/dev/null
	wait "$pid"
	local rc=$?
	[ $rc -eq 159 ] && grep -q "seccomp: system call $nr is not allowed: stopping" "$log" ||
		{ echo "# $name: exit $rc, $(tail -n 2 "$log")"; return 1; }
}
kill "$PID_platform" "$PID_agency" "$PID_hub" "$PID_idsvc"
wait "$PID_platform" "$PID_agency" "$PID_hub" "$PID_idsvc" 2>/dev/null
check "SIGTERM stops the four confined roles" bash -c "! kill -0 $PID_idsvc $PID_hub $PID_platform $PID_agency 2>/dev/null"
check "idsvc: execve is refused (exit 159, the call named)" \
	forbidden idsvc 59 idsvc --plain-http --key-file ci.key --clients idsvc.clients --user $IU
check "the hub: execve is refused" forbidden hub 59 hub --config hub.ini
check "the platform: execve is refused" forbidden platform 59 platform --config platform.ini
check "agency serve: execve is refused" forbidden agency 59 agency serve --config agency.ini
export FORBID_FORK=1
check "the hub: fork (clone without CLONE_THREAD) is refused" forbidden hub_fork 56 hub --config hub.ini
unset FORBID_FORK

# ---- a data directory the user cannot write; the filter turned off ----
mkdir rootdata
platform_ini rootdata $PU >rootdir.ini
"$HERALD" platform --config rootdir.ini 2>rootdir.log
check "a data directory the user cannot write: refused at start, saying how to fix it" \
	bash -c "[ $? -ne 0 ] && grep -q 'rootdata: the user $PU cannot write here.*chown -R $PU' rootdir.log"
platform_ini platdata $PU off >off.ini
start_role platform_off off.log platform --config off.ini
check "seccomp = off: the platform runs as $PU without a filter, and says so" \
	bash -c "[ \"\$(awk '\$1 == \"Seccomp:\" {print \$2}' /proc/$PID_platform_off/status)\" = 0 ] &&
		grep -q '\[platform\] seccomp = off: no seccomp filter' off.log &&
		curl -sf http://127.0.0.1:$P_PORT/v1/health >/dev/null"
kill "$PID_platform_off"
wait "$PID_platform_off" 2>/dev/null
platform_ini platdata $PU maybe >bad.ini
"$HERALD" platform --config bad.ini 2>bad.log
check "seccomp = maybe is refused" bash -c "[ $? -ne 0 ] && grep -q 'seccomp must be on or off' bad.log"
check "no RRN in any log" bash -c "! grep -q '9019902' *.log"
finish
