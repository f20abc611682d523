# Shared by the integration tests: start herald processes on loopback with
# their data in a fresh directory, speak HTTP to them with curl, and report
# each check as a TAP line. Sourced, never run.
set -u
: "${HERALD:?run through tests/run.sh or set HERALD to the binary}"
# Without its directory a test would write keys and databases wherever it
# was started (a repository, say): stop instead.
T=$(mktemp -d "${TMPDIR:-/tmp}/herald-it.XXXXXX") || { echo "not ok 1 - a test directory (mktemp)"; exit 1; }
PIDS=()
# A notice's deadline, as a date in Korea, 30 days after the day this run
# starts: the hub and the agency API refuse a deadline that has passed or
# is less than an hour ahead, so a fixed date would fail every suite from
# its last day on. Exported for the checks run in `bash -c`.
export TEST_DEADLINE=$(date -u -d '+30 days 9 hours' +%F)
n_checks=0
n_failed=0

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	[ "$n_failed" = 0 ] || show_errors
	[ -n "${KEEP_TEST_DIR:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

# After a failed check, what the commands said before the directory goes:
# the last lines of each file of stderr (*.err) the test kept, as TAP
# comments, newest last.
show_errors() {
	local f
	for f in $(ls -tr "$T"/*.err 2>/dev/null | tail -n 40); do
		[ -s "$f" ] || continue
		echo "# --- ${f##*/} (last 3 lines) ---"
		tail -n 3 "$f" | cut -c1-300 | sed 's/^/#   /'
	done
}

ok() { n_checks=$((n_checks + 1)); echo "ok $n_checks - $*"; }
not_ok() { n_checks=$((n_checks + 1)) n_failed=$((n_failed + 1)); echo "not ok $n_checks - $*"; }

# check NAME COMMAND...: one TAP line for whether the command succeeds.
check() {
	local name=$1; shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

# system_user NAME: makes the system user NAME unless it exists. The other
# suite (make check runs two at once) may be making the same user, or
# holding /etc/passwd's lock for another: a failed useradd is tried again.
system_user() {
	local try
	for try in 1 2 3 4 5 6 7 8 9 10; do
		id "$1" >/dev/null 2>&1 && return 0
		useradd --system --no-create-home --shell /usr/sbin/nologin "$1" 2>/dev/null && return 0
		sleep 0.3
	done
	echo "cannot make the user $1" >&2
	return 1
}

# free_port: prints a loopback port that was free a moment ago, for roles
# that must know each other's addresses before they start. Drawn below the
# kernel's ephemeral range, as herald demo's (src/demo/procs.c): a port
# from that range can be taken by any connection's local end before the
# role binds it, and the normal and sanitizer suites run side by side.
free_port() {
	python3 - <<'PY'
import random, socket
with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
    high = int(f.read().split()[0]) - 1
low = max(1024, high - 8191)
for port in [random.randint(low, high) for _ in range(64)] + [0]:
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        print(s.getsockname()[1])
        break
    except OSError:
        pass
    finally:
        s.close()
PY
}

# start_role NAME LOGFILE ARGS...: starts herald ARGS (with --listen
# 127.0.0.1:0 appended unless ARGS has --listen or --config), waits for its
# "listening on ... (port N)" line and sets PORT_<NAME> and PID_<NAME>.
start_role() {
	local name=$1 log=$2; shift 2
	local extra=(--listen 127.0.0.1:0)
	case " $* " in *" --listen "*|*" --config "*) extra=() ;; esac
	"$HERALD" "$@" "${extra[@]}" 2>"$log" &
	local pid=$!
	PIDS+=("$pid")
	eval "PID_$name=$pid"
	for _ in $(seq 1 200); do
		local port
		port=$(sed -n 's/.*listening on .*(port \([0-9]*\)).*/\1/p' "$log" | head -n1)
		if [ -n "$port" ]; then
			eval "PORT_$name=$port"
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || { echo "# $name exited: $(tail -n 3 "$log")"; return 1; }
		sleep 0.05
	done
	echo "# $name did not start: $(tail -n 3 "$log")"
	return 1
}

# http METHOD URL [BODY] [CURL ARGS...]: prints the body, then the status
# code on the last line.
http() {
	local method=$1 url=$2 body=${3-}; shift 3 2>/dev/null || shift $#
	if [ -n "$body" ]; then
		curl -s -X "$method" -H 'Content-Type: application/json' --data-binary "$body" \
			-w '\n%{http_code}' "$@" "$url"
	else
		curl -s -X "$method" -w '\n%{http_code}' "$@" "$url"
	fi
}

status_of() { tail -n1 <<<"$1"; }
body_of() { sed '$d' <<<"$1"; }

# The platform's citizen forms (src/platform/csrf.h) carry a token bound
# to a cookie, and every POST must say our Origin, as a browser does.
# web_token URL JAR: fetches the page (keeping its cookies) and prints the
# token of its first form.
web_token() {
	curl -s -c "$2" -b "$2" "$1" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n1
}
# web_post ORIGIN URL JAR TOKEN [CURL ARGS...]: POSTs the form with the
# token and the Origin header; the fields come as curl --data arguments.
web_post() {
	local origin=$1 url=$2 jar=$3 token=$4; shift 4
	curl -s -c "$jar" -b "$jar" -H "Origin: $origin" --data-urlencode "csrf=$token" "$@" "$url"
}

# The set-up of the tests that run idsvc, a hub and one platform
# (messenger) on plain HTTP over loopback and play the agency nts with
# curl (remind.sh, urgent.sh, cancel.sh, effect.sh), each INI printed:
# hub_ini HUB_LINES [SECTIONS]: a hub in hubdata (hub.key, log.key) that
# knows the agency nts by the key $NTS and the platform messenger by $MSG
# at $P_MSG; HUB_LINES end its [hub], SECTIONS come after [agency nts].
hub_ini() {
	cat <<INI
[tls]
plain_http = loopback
[hub]
dir = hubdata
listen = 127.0.0.1:0
hub_key_file = hub.key
log_key = log.key
$1

[agency nts]
key_sha256 = $(printf %s "$NTS" | sha256sum | cut -c1-64)
${2:-}
[platform messenger]
key_sha256 = $(printf %s "$MSG" | sha256sum | cut -c1-64)
url = http://127.0.0.1:$P_MSG
INI
}

# messenger_ini IDSVC_KEY_FILE: the messenger platform at $P_MSG (data,
# view.key, platform.clients), converting at idsvc with the key in
# IDSVC_KEY_FILE and reporting to the hub at $H with msg.apikey.
messenger_ini() {
	cat <<INI
[tls]
plain_http = loopback
[platform]
name = messenger
dir = data
listen = 127.0.0.1:$P_MSG
public_url = http://127.0.0.1:$P_MSG
view_key = view.key
clients = platform.clients
pin_hash = min
report_interval_ms = 50
[idsvc]
url = http://127.0.0.1:$PORT_idsvc
key_file = $1
[hub]
url = $H
key_file = msg.apikey
INI
}

# ini_get FILE SECTION KEY: prints the key's value in [SECTION] of an INI file.
ini_get() {
	awk -v s="[$2]" -v k="$3" '$0 == s { f = 1; next } /^\[/ { f = 0 }
		f && $1 == k && $2 == "=" { sub(/^[^=]*= */, ""); print; exit }' "$1"
}

# jq: jq itself, except that with -e (or --exit-status) it fails (4, as
# for a filter that yields nothing) when it printed nothing: jq 1.6's -e
# exits 0 on empty input, so a check piping in a command that printed
# nothing (a role down, curl refused) would pass. Exported, so checks in
# `bash -c` strings get it too.
jq() {
	local exit_status=0 skip=0 out rc a
	# jq's options come before the filter; the values of those that take
	# one (--arg NAME VALUE and the like) are not options.
	for a; do
		if [ "$skip" -gt 0 ]; then skip=$((skip - 1)); continue; fi
		case $a in
		--arg | --argjson | --slurpfile | --rawfile) skip=2 ;;
		-f | --from-file | -L | --indent) skip=1 ;;
		--exit-status) exit_status=1 ;;
		--*) ;;
		-*e*) exit_status=1 ;;
		-*) ;;
		*) break ;;
		esac
	done
	[ "$exit_status" = 1 ] || { command jq "$@"; return; }
	out=$(command jq "$@"; rc=$?; printf x; exit "$rc") || { rc=$?; printf '%s' "${out%x}"; return "$rc"; }
	out=${out%x}
	[ -n "$out" ] || { echo "jq -e: no input, nothing to test" >&2; return 4; }
	printf '%s' "$out"
}
export -f jq

# jq_test ARGS... [FILE]: true when jq's filter yields true on FILE's
# JSON, or stdin's; false when there is none at all.
jq_test() {
	local in
	if [ $# -gt 1 ] && [ -f "${!#}" ]; then in=$(cat "${!#}"); set -- "${@:1:$#-1}"; else in=$(cat); fi
	[ -n "$in" ] && jq -e "$@" >/dev/null <<<"$in"
}

# curl_pinned PIN CURL-ARGS...: curl over TLS trusting the pinned key
# ("sha256//...", as roles pin each other) and nothing else.
curl_pinned() {
	local pin=$1; shift
	curl --insecure --pinnedpubkey "$pin" --tlsv1.3 "$@"
}

finish() {
	[ "$n_checks" -gt 0 ] || { echo "not ok 1 - no checks ran"; exit 1; }
	exit 0
}
