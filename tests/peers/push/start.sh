# Starts the push gateway peer for an integration test; sourced after
# tests/lib.sh, whose cleanup stops it with the test's other processes.
#
# push_start NAME LOG ARGS...: runs gateway.js ARGS (--key-file among
# them), waits for its "listening on" and "control on" lines and sets
# PORT_<NAME> (the push endpoint), CONTROL_<NAME> (HTTP control) and
# PID_<NAME>. Needs only node: the peer uses its standard library.
PUSH_PEER_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

push_start() {
	local name=$1 log=$2; shift 2
	node "$PUSH_PEER_DIR/gateway.js" "$@" >"$log" 2>"$log.err" &
	local pid=$!
	PIDS+=("$pid")
	eval "PID_$name=$pid"
	for _ in $(seq 1 200); do
		local port control
		port=$(sed -n 's/^listening on .*(port \([0-9]*\))$/\1/p' "$log" | head -n1)
		control=$(sed -n 's/^control on .*(port \([0-9]*\))$/\1/p' "$log" | head -n1)
		if [ -n "$port" ] && [ -n "$control" ]; then
			eval "PORT_$name=$port CONTROL_$name=$control"
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || { echo "# $name exited: $(tail -n 3 "$log.err")"; return 1; }
		sleep 0.05
	done
	echo "# $name did not start: $(tail -n 3 "$log.err")"
	return 1
}
