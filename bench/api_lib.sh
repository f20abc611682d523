# api_lib.sh -- what bench/api_bulk and bench/api_singles share: the
# demo's idsvc, hub and `agency serve` started again from the configs a
# short demo wrote (real processes on loopback, durable SQLite), an API
# key, a loopback callback receiver that counts (bench/callback_count.py).
# Source it with herald, root and NAME set; it sets dir, d, key, receiver,
# serve_pid and api, and stops what it started at exit (KEEP=1 keeps dir).
dir=$(mktemp -d "${TMPDIR:-/tmp}/herald-$NAME.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	[ -n "${KEEP:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT

# The demo writes every config and key; its roles stop when it ends, and
# this script starts the three it needs again from those configs.
"$herald" demo --dir "$dir/d" --notices 10 --no-serve --no-channels >"$dir/demo.out" 2>"$dir/demo.err" ||
	{ tail -n 20 "$dir/demo.err" >&2; exit 1; }
d=$dir/d
port_of() { sed -n 's/^listen = 127.0.0.1:\([0-9]*\)$/\1/p' "$1"; }
idport=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$d/idsvc/idsvc.log" | head -n1)
start() { # LOG ARGS...
	local log=$1; shift
	"$herald" "$@" 2>"$log" &
	pids+=($!)
	for _ in $(seq 1 200); do grep -q "listening on" "$log" && return 0; sleep 0.05; done
	echo "bench/$NAME: $* did not start: $(tail -n 3 "$log")" >&2
	exit 1
}
start "$dir/idsvc.log" idsvc --tls-cert "$d/idsvc/tls.crt" --tls-key "$d/idsvc/tls.key" \
	--key-file "$d/idsvc/ci.key" --clients "$d/idsvc/clients" \
	--listen "127.0.0.1:$idport"
start "$dir/hub.log" hub --config "$d/hub/hub.ini"
key=$("$herald" agency key add --config "$d/agency/agency.ini" bench)
# The demo's receiver is gone: one that counts takes its place.
cbkey=$("$herald" agency callback set --config "$d/agency/agency.ini" http://127.0.0.1:1/ | jq -r .key)
python3 "$root/bench/callback_count.py" "$cbkey" 2>"$dir/receiver.log" &
pids+=($!)
for _ in $(seq 1 100); do grep -q "listening on" "$dir/receiver.log" && break; sleep 0.05; done
receiver="http://127.0.0.1:$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$dir/receiver.log")"
"$herald" agency callback set --config "$d/agency/agency.ini" "$receiver/" >/dev/null
start "$dir/agency.log" agency serve --config "$d/agency/agency.ini"
serve_pid=${pids[-1]}
api="http://127.0.0.1:$(port_of "$d/agency/agency.ini")"

