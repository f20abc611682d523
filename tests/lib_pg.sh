# A PostgreSQL 15 server of the test's own, for the hub's second store
# ([store] kind = postgres): started from Debian's binaries in a fresh
# directory, on a socket there and a free loopback port, with a database
# "herald"; stopped and removed when the script exits, however it exits.
# Sourced (after tests/lib.sh in the integration tests, alone in the
# benches), never run.
#
#   pg_start        starts it; sets PG_DIR, PG_PORT, PG_DSN (socket) and
#                   PG_DSN_TCP (127.0.0.1), exports PG_DSN; returns 1 and
#                   says why on stderr when it cannot
#   pg_down         stops it (fast shutdown: sessions are cut), data kept
#   pg_up           starts it again on the same directory and port
#   pg_psql SQL     one statement through psql, unaligned rows on stdout
#   pg_rss_kib      the server's processes' resident memory, added up
#   pg_sample F     every half second into F, until killed: the time
#                   (ms since 1970), the same memory and pg_cpu_ms
#   pg_cpu_ms       the server's processes' CPU time so far, added up
#   pg_createdb NAME  another database on the same server; prints its DSN
#   store_ini [NODE]  the [store] section for hub.ini under STORE
#   store_up        under STORE=postgres, pg_start (a failed start is a
#                   not-ok line and the end of the test)
#   hub_sql DB SQL  one query on the hub's store: the SQLite file DB, or
#                   the PostgreSQL database under STORE=postgres
#
# STORE (sqlite, the default, or postgres) is how tests/run.sh runs the
# hub's tests a second time on PostgreSQL (hub_pg.sh and the like).
#
# PostgreSQL refuses to run as root: as root the server runs as the
# system user herald-test-pg (made on first use, as the other test users
# are). The server is tuned to start in about a second, not for speed:
# initdb without fsync (a test's cluster is thrown away), a small
# shared_buffers; commits are durable (fsync on) as in production.
# PG_CONF, when set, is added to postgresql.conf last (lines of
# "name = value"): a benchmark sizes the server as an operator would.
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_USER=herald-test-pg
PG_DIR= PG_PORT= PG_DSN= PG_DSN_TCP=
STORE=${STORE:-sqlite}

# _pg_as CMD...: runs CMD as the server's owner.
_pg_as() {
	if [ "$(id -u)" = 0 ]; then (cd / && runuser -u "$PG_USER" -- "$@"); else "$@"; fi
}

_pg_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

pg_start() {
	[ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] ||
		{ echo "lib_pg: no PostgreSQL 15 in $PG_BIN (sh scripts/deps.sh installs it)" >&2; return 1; }
	# Two suites may start at once (make check): a useradd that finds
	# /etc/passwd locked by the other's is tried again.
	local try
	for try in 1 2 3 4 5 6 7 8 9 10; do
		[ "$(id -u)" != 0 ] || id "$PG_USER" >/dev/null 2>&1 && break
		useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER" 2>/dev/null && break
		[ "$try" = 10 ] && { echo "lib_pg: cannot make the user $PG_USER" >&2; return 1; }
		sleep 0.3
	done
	PG_DIR=$(mktemp -d /tmp/herald-pg.XXXXXX) || return 1
	# In /tmp, not TMPDIR: the server's user must reach it, and so must the
	# hub, whoever it runs as (the socket is there).
	chmod 755 "$PG_DIR"
	[ "$(id -u)" = 0 ] && chown "$PG_USER" "$PG_DIR"
	_pg_watchdog
	_pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U herald -E UTF8 --locale=C -N \
		>"$PG_DIR/initdb.log" 2>&1 || { echo "lib_pg: initdb failed: $(tail -n 3 "$PG_DIR/initdb.log")" >&2; return 1; }
	cat >>"$PG_DIR/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_DIR'
shared_buffers = 32MB
max_connections = ${PG_MAX_CONNECTIONS:-100}
fsync = on
log_min_messages = warning
${PG_CONF:-}
CONF
	local tries
	for tries in 1 2 3; do
		PG_PORT=$(_pg_port)
		pg_up && break
		[ "$tries" = 3 ] && return 1
	done
	PG_DSN="host=$PG_DIR port=$PG_PORT dbname=herald user=herald"
	PG_DSN_TCP="host=127.0.0.1 port=$PG_PORT dbname=herald user=herald"
	export PG_DSN
	_pg_as "$PG_BIN/createdb" -h "$PG_DIR" -p "$PG_PORT" -U herald herald ||
		{ echo "lib_pg: createdb failed" >&2; return 1; }
}

pg_up() {
	_pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -o "-p $PG_PORT" -w -t 30 start \
		>/dev/null 2>&1 || { echo "lib_pg: the server did not start: $(tail -n 3 "$PG_DIR/server.log")" >&2; return 1; }
}

pg_down() {
	_pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 30 stop >/dev/null 2>&1
}

pg_psql() {
	"$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$PG_DSN" -c "$1"
}

# pg_rss_kib: the postmaster's and every backend's VmRSS (shared buffers
# count once per process that touched them, as top would show them).
pg_rss_kib() {
	local pm
	pm=$(head -n1 "$PG_DIR/data/postmaster.pid" 2>/dev/null) || { echo 0; return; }
	{ echo "$pm"; pgrep -P "$pm"; } | while read -r p; do
		awk '$1 == "VmRSS:" {print $2}' "/proc/$p/status" 2>/dev/null
	done | awk '{s += $1} END {print s + 0}'
}

# pg_sample FILE: until killed, every half second, appends to FILE a
# line "MS KIB CPU_MS": the time in ms since 1970, what pg_rss_kib and
# pg_cpu_ms would print, read by one process: pg_rss_kib in a shell loop
# forks an awk for each backend, and that took a seventh of both cores in
# a run of bench/e2e. The times let a caller take the server's CPU over a
# window of the run. Run it in the background (&): the subshell becomes
# the sampler, so killing its pid stops it.
pg_sample() {
	exec python3 - "$PG_DIR/data/postmaster.pid" "$1" <<'PY'
import os, sys, time
pidfile, out = sys.argv[1], sys.argv[2]
def rss(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
HZ = os.sysconf("SC_CLK_TCK")
def cpu_ticks(pid, own_children):
    # utime, stime (and for the postmaster cutime, cstime: its reaped
    # backends') after "(comm)", as pg_cpu_ms reads them
    try:
        with open(f"/proc/{pid}/stat") as s:
            f = s.read().rsplit(")", 1)[1].split()
        return sum(int(x) for x in f[11:15 if own_children else 13])
    except (OSError, ValueError, IndexError):
        return 0
def children(pm):
    try:
        with open(f"/proc/{pm}/task/{pm}/children") as c:
            return c.read().split()
    except OSError: # a kernel without CONFIG_PROC_CHILDREN: every parent read
        kids = []
        for p in os.listdir("/proc"):
            try:
                with open(f"/proc/{p}/stat") as s:
                    if int(s.read().rsplit(")", 1)[1].split()[1]) == pm:
                        kids.append(p)
            except (OSError, ValueError, IndexError):
                pass
        return kids
with open(out, "a") as f:
    while True:
        try:
            with open(pidfile) as p:
                pm = int(p.readline())
            kids = children(pm)
            kib = rss(pm) + sum(rss(k) for k in kids)
            ticks = cpu_ticks(pm, True) + sum(cpu_ticks(int(k), False) for k in kids)
            f.write(f"{int(time.time() * 1000)} {kib} {ticks * 1000 // HZ}\n")
            f.flush()
        except (OSError, ValueError):
            pass # the server not up yet, or gone
        time.sleep(0.5)
PY
}

# pg_cpu_ms: CPU time the server has used since it started, in ms: the
# postmaster's and its live children's, and the exited backends' it has
# reaped (the children's fields of its /proc stat). A backend exiting
# while it is read may be missed: read it with no clients connected.
pg_cpu_ms() {
	local pm
	pm=$(head -n1 "$PG_DIR/data/postmaster.pid" 2>/dev/null) || { echo 0; return; }
	{ echo "$pm"; pgrep -P "$pm"; } | while read -r p; do
		# fields after "(comm)": utime is the 12th, stime 13th, cutime 14th,
		# cstime 15th; the postmaster's children count theirs in the last two
		{ sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk -v pm=$(( p == pm )) \
			'{print $12 + $13 + (pm ? $14 + $15 : 0)}'; } || true # gone meanwhile
	done | awk -v hz="$(getconf CLK_TCK)" '{s += $1} END {print int(s * 1000 / hz)}'
}

pg_createdb() {
	_pg_as "$PG_BIN/createdb" -h "$PG_DIR" -p "$PG_PORT" -U herald "$1" || return 1
	echo "host=$PG_DIR port=$PG_PORT dbname=$1 user=herald"
}

# store_ini [NODE] [DSN]: what hub.ini says about its store under STORE.
store_ini() {
	[ "$STORE" = postgres ] || return 0
	printf '[store]\nkind = postgres\ndsn = %s\n' "${2:-$PG_DSN}"
	[ -z "${1:-}" ] || printf 'node = %s\n' "$1"
}

store_up() {
	case $STORE in
	sqlite) return 0 ;;
	postgres) pg_start && return 0
		not_ok "PostgreSQL starts for STORE=postgres"; finish ;;
	*) not_ok "STORE is sqlite or postgres, not '$STORE'"; finish ;;
	esac
}

hub_sql() {
	if [ "$STORE" = postgres ]; then pg_psql "$2"; else sqlite3 "$1" "$2"; fi
}
# For checks that run their command under bash -c.
export -f hub_sql pg_psql
export STORE PG_BIN

pg_cleanup() {
	[ -n "$PG_DIR" ] && [ -d "$PG_DIR" ] || return 0
	_pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w -t 30 stop >/dev/null 2>&1
	[ -n "${KEEP_TEST_DIR:-}" ] && { echo "# PostgreSQL's directory kept: $PG_DIR" >&2; return 0; }
	rm -rf "$PG_DIR"
}

# A script killed with SIGKILL runs no trap: a watcher stops the server
# and removes its directory once the script is gone.
_pg_watchdog() {
	local me=$$ dir=$PG_DIR bin=$PG_BIN
	(
		trap '' INT TERM HUP
		while kill -0 "$me" 2>/dev/null; do sleep 2; done
		[ -d "$dir" ] || exit 0
		if [ "$(id -u)" = 0 ]; then
			runuser -u "$PG_USER" -- "$bin/pg_ctl" -D "$dir/data" -m immediate stop
		else
			"$bin/pg_ctl" -D "$dir/data" -m immediate stop
		fi
		[ -n "${KEEP_TEST_DIR:-}" ] || rm -rf "$dir"
	) </dev/null >/dev/null 2>&1 &
	disown
}

# The EXIT trap of tests/lib.sh stops the herald processes first, then
# the server goes; INT and TERM exit through it too.
if declare -F cleanup >/dev/null; then
	trap 'cleanup; pg_cleanup' EXIT
else
	trap pg_cleanup EXIT
fi
trap 'exit 130' INT
trap 'exit 143' TERM
