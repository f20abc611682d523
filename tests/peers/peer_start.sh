# Starts a node peer (the SMSC, the push gateway) for an integration test;
# sourced by each peer's start.sh, after tests/lib.sh, whose cleanup stops
# it with the test's other processes. Both peers print the same two lines,
# so one wait serves them.
#
# peer_start SCRIPT NAME LOG ARGS...: runs node SCRIPT ARGS, waits for its
# "listening on ... (port N)" and "control on ... (port N)" lines and sets
# PORT_<NAME>, CONTROL_<NAME> and PID_<NAME>.
peer_start() {
	local script=$1 name=$2 log=$3; shift 3
	node "$script" "$@" >"$log" 2>"$log.err" &
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
