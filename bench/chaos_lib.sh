# chaos_lib.sh -- the whole system with its roles killed (SIGKILL) and
# restarted under load, for bench/chaos (random kills, large N) and
# tests/integration/chaos.sh (fixed kills, make check). Sourced, never run.
#
# `herald demo --no-send` starts what bench/e2e runs (idsvc, hub, the
# messenger and carrier platforms, the agency, and the SMSC and push
# gateway peers), signs the citizens up and writes the agency's CSV; this
# file runs `agency send` over it, has citizens read (chaos_read.py),
# kills and restarts roles with the same
# command line, config and data, polls the hub's signed tree heads, moves
# the injected clock (HERALD_CLOCK_FILE, src/lib/clock.c) past every
# deadline, and hands the databases to chaos_check.py for the counts.
#
# Needs HERALD (the binary) and CH (an empty directory for the run).

# The roles that are killed: names as `herald demo --no-send` prints them
# ("process NAME PID LOG"), and "send" (`agency send`, run here). The
# peers (smsc, push-gateway) are outside parties and never killed. A role
# of this binary that the demo starts (the log signer, say) is made
# killable by adding its name here and nothing else: its command line,
# log and health URL are read from the demo, bench/chaos kills it at
# random like the others, and tests/integration/chaos.sh kills every role
# its fixed points do not name as the deadlines pass.
CHAOS_ROLES=(idsvc signer hub platform-messenger platform-carrier agency send)

declare -A CHAOS_PID=() CHAOS_LOG=() CHAOS_KILLS=() CHAOS_MINE=()
CHAOS_DEMO_PID=
CHAOS_STH_PID=
CHAOS_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

chaos_say() { echo "chaos: $(date -u +%H:%M:%S.%N | cut -c1-12) $*" >&2; }

# chaos_up N: starts the demo with N citizens and nothing sent; records
# each process's PID, log and command line (CH/cmd/NAME, NUL-separated).
chaos_up() {
	local n=$1
	mkdir -p "$CH/cmd"
	echo 0 >"$CH/clock"
	export HERALD_CLOCK_FILE=$CH/clock
	"$HERALD" demo --dir "$CH/d" --notices "$n" --no-send --consent-window 0 --read-share "${READ_SHARE:-5}" \
		>"$CH/demo.out" 2>"$CH/demo.err" &
	CHAOS_DEMO_PID=$!
	while ! grep -q '^ready' "$CH/demo.out" 2>/dev/null; do
		kill -0 "$CHAOS_DEMO_PID" 2>/dev/null || {
			chaos_say "the demo stopped: $(tail -n 3 "$CH/demo.err")"; return 1; }
		sleep 0.2
	done
	local name pid log
	while read -r _ name pid log; do
		CHAOS_PID[$name]=$pid
		CHAOS_LOG[$name]=$log
		CHAOS_KILLS[$name]=0
		cp "/proc/$pid/cmdline" "$CH/cmd/$name"
	done < <(grep '^process ' "$CH/demo.out")
	CHAOS_KILLS[send]=0
	CHAOS_LOG[send]=$CH/d/agency/send.log
	local d=$CH/d/agency
	printf '%s\0' herald agency send --config "$d/agency.ini" --template "$d/template.html" \
		--title "Vehicle tax 2026" --deadline "$(date -u -d '+3 days' +%F)" \
		--batch "${CHAOS_BATCH:-500}" "$d/recipients.csv" >"$CH/cmd/send"
}

# chaos_port NAME: the loopback port a role listens on (its --listen, or
# the listen line of its --config), or nothing.
chaos_port() {
	local args i
	mapfile -d '' -t args <"$CH/cmd/$1"
	for ((i = 0; i < ${#args[@]} - 1; i++)); do
		case ${args[i]} in
		--listen) echo "${args[i + 1]##*:}"; return ;;
		--config) sed -n 's/^listen *= *[0-9.]*:\([0-9]*\) *$/\1/p' "${args[i + 1]}" | head -n1; return ;;
		esac
	done
}

# chaos_hub_url: the hub's address, https when its config names a TLS
# certificate (the demo's default), http under --plain-http. The harness
# does not pin: what it checks is signed (certificates, tree heads).
chaos_hub_url() {
	local scheme=http
	grep -q '^cert *=' "$CH/d/hub/hub.ini" 2>/dev/null && scheme=https
	echo "$scheme://127.0.0.1:$(chaos_port hub)"
}

# chaos_healthy PORT: 0 when GET /v1/health answers 200 there, over TLS
# or plain HTTP.
chaos_healthy() {
	[ "$(curl -sk -o /dev/null -m 2 -w '%{http_code}' "https://127.0.0.1:$1/v1/health")" = 200 ] ||
		[ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$1/v1/health")" = 200 ]
}

# chaos_running NAME: 0 while the process runs (a killed child of the
# demo stays a zombie until the demo reaps it: that is not running).
chaos_running() {
	local pid=${CHAOS_PID[$1]:-}
	[ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
	local state
	state=$(sed 's/^.*) \(.\).*/\1/' "/proc/$pid/stat" 2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# chaos_start NAME: chaos_start_once, tried again (up to 10 times, 1 s
# apart) when the role could not listen because its port was taken: the
# demo's ports lie in the kernel's ephemeral range, so while a role is
# down a client's outgoing connection (one retrying towards that very port
# may even connect to itself) can hold its port number for a moment, as it
# would for any service so configured.
chaos_start() {
	local tries
	for tries in 1 2 3 4 5 6 7 8 9 10; do
		chaos_start_once "$1" && return 0
		tail -n 1 "${CHAOS_LOG[$1]}" | grep -q 'cannot listen' || return 1
		chaos_say "$1: its port is taken for now; trying again in 1 s"
		CHAOS_PORT_TAKEN=$((${CHAOS_PORT_TAKEN:-0} + 1))
		sleep 1
	done
	return 1
}

# chaos_start_once NAME: starts the role again with the command line it
# had, its stderr appended to its log, and waits until GET /v1/health
# answers 200 on its port (a role without a port: until it has run 1 s).
chaos_start_once() {
	local name=$1 args
	mapfile -d '' -t args <"$CH/cmd/$name"
	args[0]=$HERALD
	# The signer's first start made its log: once it has signed a head
	# (its state, the key's path and .state, is no longer empty), a
	# restart reads the state without --new-log, which is refused then.
	if [ "$name" = signer ]; then
		local a i key="" kept=()
		for ((i = 0; i < ${#args[@]} - 1; i++)); do [ "${args[i]}" = --key ] && key=${args[i + 1]}; done
		if [ -n "$key" ] && [ -s "$key.state" ]; then
			for a in "${args[@]}"; do [ "$a" = --new-log ] || kept+=("$a"); done
			args=("${kept[@]}")
		fi
	fi
	if [ "$name" = send ]; then
		"${args[@]}" >>"$CH/send.out" 2>>"${CHAOS_LOG[send]}" &
	else
		"${args[@]}" >/dev/null 2>>"${CHAOS_LOG[$name]}" &
	fi
	CHAOS_PID[$name]=$!
	CHAOS_MINE[$name]=1
	[ "$name" = send ] && return 0
	local port t0=$SECONDS
	port=$(chaos_port "$name")
	while [ $((SECONDS - t0)) -lt 60 ]; do
		chaos_running "$name" || { chaos_say "$name died on restart: $(tail -n 2 "${CHAOS_LOG[$name]}")"; return 1; }
		if [ -z "$port" ]; then
			sleep 1
			return 0
		fi
		chaos_healthy "$port" && return 0
		sleep 0.05
	done
	chaos_say "$name did not answer /v1/health within 60 s of its restart"
	return 1
}

# chaos_kill NAME: SIGKILL, and waits until it is gone.
chaos_kill() {
	local name=$1 pid=${CHAOS_PID[$1]}
	kill -9 "$pid" 2>/dev/null || true
	if [ -n "${CHAOS_MINE[$name]:-}" ]; then
		wait "$pid" 2>/dev/null || true
	else
		while chaos_running "$name"; do sleep 0.02; done
	fi
	CHAOS_KILLS[$name]=$((${CHAOS_KILLS[$name]} + 1))
}

# chaos_restart NAME: kill -9, then start again; says so on stderr.
chaos_restart() {
	local t0
	t0=$(date +%s%N)
	chaos_kill "$1"
	chaos_start "$1" || return 1
	chaos_say "killed $1 (kill ${CHAOS_KILLS[$1]}), up again in $((($(date +%s%N) - t0) / 1000000)) ms"
}

# chaos_send_done: 0 once `agency send` has ended; a run that ended
# badly (it gives up after a minute without an answer) is started again,
# which resumes it.
chaos_send_done() {
	chaos_running send && return 1
	local rc=0
	wait "${CHAOS_PID[send]}" 2>/dev/null || rc=$?
	[ "$rc" = 0 ] && return 0
	chaos_say "agency send ended with status $rc: running it again (it resumes)"
	CHAOS_SEND_RERUNS=$((${CHAOS_SEND_RERUNS:-0} + 1))
	[ "$CHAOS_SEND_RERUNS" -le 5 ] || return 0
	chaos_start send
	return 1
}

# chaos_read_start: citizens (the demo's DIR/readers.csv) read their
# notices through the citizen pages in the background (chaos_read.py),
# each opened notice's id appended to CH/opened.
chaos_read_start() {
	: >>"$CH/opened"
	python3 "$CHAOS_LIB_DIR/chaos_read.py" "$CH/d/readers.csv" "$CH/opened" 2>>"$CH/read.log" &
	CHAOS_READ_PID=$!
}

# chaos_read_done: 0 once every reader has read or given up.
chaos_read_done() {
	[ -n "${CHAOS_READ_PID:-}" ] || return 0
	kill -0 "$CHAOS_READ_PID" 2>/dev/null && return 1
	wait "$CHAOS_READ_PID" 2>/dev/null || chaos_say "some citizens could not read: $(tail -n 1 "$CH/read.log")"
	chaos_say "$(tail -n 1 "$CH/read.log")"
	CHAOS_READ_PID=
}

# chaos_sql DB QUERY: one value from a role's SQLite file, read-only.
chaos_sql() { sqlite3 -readonly "$1" "$2" 2>/dev/null || echo -1; }
chaos_hub_notices() { chaos_sql "$CH/d/hub/hub.db" 'SELECT count(*) FROM notices'; }

# chaos_sth_append URL SECONDS: the signed tree head at URL, one JSON line in
# CH/sths.jsonl, written whole in one append or not at all: curl writes
# what it got before a hub killed mid-answer or a time-out, and with
# "curl >>file && echo" such a piece (or a whole head whose curl then
# failed) ran into the next head's line.
chaos_sth_append() {
	local sth line
	sth=$(curl -skf -m "$2" "$1") && line=$(jq -ce . <<<"$sth" 2>/dev/null) &&
		printf '%s\n' "$line" >>"$CH/sths.jsonl"
}

# chaos_sth_poll: in the background, every signed tree head the hub
# serves, one JSON line each in CH/sths.jsonl, until chaos_down.
chaos_sth_poll() {
	local url
	url=$(chaos_hub_url)/v1/log/sth
	(
		while :; do
			chaos_sth_append "$url" 2
			sleep "${CHAOS_STH_EVERY:-0.5}"
		done
	) &
	CHAOS_STH_PID=$!
}

# chaos_wait_settled SECONDS: waits until no notice is on its way at the
# hub (accepted, relayed, or received and past its read window by the
# injected clock) and the agency's state of every notice is the hub's;
# gives up after SECONDS without progress. Returns 1 then.
chaos_wait_settled() {
	local quiet=$1 last=-2 t0=$SECONDS moving
	while [ $((SECONDS - t0)) -lt "$quiet" ]; do
		moving=$(python3 "$CHAOS_LIB_DIR/chaos_check.py" --moving --clock "$CH/clock" "$CH/d")
		[ "$moving" = 0 ] && return 0
		[ "$moving" != "$last" ] && { last=$moving; t0=$SECONDS; }
		sleep 0.5
	done
	chaos_say "still $moving notices moving or not known to the agency after ${quiet} s without progress"
	return 1
}

# chaos_advance_clock: moves the injected clock to an hour and a minute
# past the latest deadline or read window (due) of the notices not yet
# final at the hub; returns 1 when every notice is final.
chaos_advance_clock() {
	local latest now
	latest=$(chaos_sql "$CH/d/hub/hub.db" "SELECT max(max(deadline, coalesce(due, 0))) FROM notices
		WHERE state NOT IN ('read', 'postal', 'cancelled', 'paid')")
	[ -n "$latest" ] && [ "$latest" != -1 ] || return 1
	now=$(date +%s%3N)
	[ $((latest + 3660000 - now)) -gt "$(cat "$CH/clock")" ] || return 1
	# Written aside and renamed: a role reading the file while `>` has
	# emptied it would run without an offset for that read, and stamp
	# evidence 64 hours before the evidence next to it.
	echo $((latest + 3660000 - now)) >"$CH/clock.new"
	mv "$CH/clock.new" "$CH/clock"
	chaos_say "clock moved to $(((latest + 3660000 - now) / 3600000)) h ahead: an hour past the latest deadline or read window"
}

# chaos_kills_json: {"idsvc":3,...} and the total in CHAOS_TOTAL_KILLS.
chaos_kills_json() {
	local r="" name
	CHAOS_TOTAL_KILLS=0
	for name in "${CHAOS_ROLES[@]}"; do
		r+="${r:+,}\"$name\":${CHAOS_KILLS[$name]:-0}"
		CHAOS_TOTAL_KILLS=$((CHAOS_TOTAL_KILLS + ${CHAOS_KILLS[$name]:-0}))
	done
	echo "{$r}"
}

# chaos_check N SAMPLE: the counts (chaos_check.py), one JSON line.
chaos_check() {
	chaos_sth_append "$(chaos_hub_url)/v1/log/sth" 5
	local kills
	kills=$(chaos_kills_json)
	python3 "$CHAOS_LIB_DIR/chaos_check.py" --herald "$HERALD" --sample "$2" \
		--kills "$kills" --hub "$(chaos_hub_url)" --opened "$CH/opened" "$CH/d" "$1" "$CH/sths.jsonl"
}

# chaos_down: stops what runs: the STH poller and the readers, the roles
# started here, then the demo (which stops the rest and the peers). Safe
# under set -e (it runs from an EXIT trap).
chaos_down() {
	local p name
	for p in "$CHAOS_STH_PID" "${CHAOS_READ_PID:-}"; do
		[ -n "$p" ] || continue
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	CHAOS_STH_PID= CHAOS_READ_PID=
	for name in "${!CHAOS_MINE[@]}"; do
		kill "${CHAOS_PID[$name]}" 2>/dev/null || true
		wait "${CHAOS_PID[$name]}" 2>/dev/null || true
	done
	CHAOS_MINE=()
	if [ -n "$CHAOS_DEMO_PID" ]; then
		kill "$CHAOS_DEMO_PID" 2>/dev/null || true
		wait "$CHAOS_DEMO_PID" 2>/dev/null || true
	fi
	CHAOS_DEMO_PID=
	return 0
}
