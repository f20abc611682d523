#!/usr/bin/env bash
# idsvc throughput over loopback in batches of 10,000.
# Usage: bench/idsvc.sh [HERALD] [ROUNDS per client thread]
set -euo pipefail
herald=${1:-build/herald} rounds=${2:-50}
bench=$(dirname "$herald")/bench_idsvc
dir=$(mktemp -d)
"$herald" keygen --hmac --out "$dir/ci.key"
"$herald" apikey --name bench --clients "$dir/clients" >"$dir/api.key"
chmod 600 "$dir/api.key"
python3 "$(dirname "$0")/gen_rrns.py" 10000 >"$dir/rrns.txt"
"$herald" idsvc --plain-http --key-file "$dir/ci.key" --clients "$dir/clients" --listen 127.0.0.1:0 \
	2>"$dir/log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do
	port=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$dir/log")
	[ -n "$port" ] && break
	sleep 0.05
done
for threads in 1 2; do
	"$bench" "http://127.0.0.1:$port" "$dir/api.key" "$dir/rrns.txt" 10000 "$threads" "$rounds"
done
