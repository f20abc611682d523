#!/usr/bin/env bash
# `make demo` until the full end-to-end demo lands: starts the
# Identification Service on loopback with fresh keys, converts a few
# synthetic RRNs through it over HTTP, and shows the answer.
set -euo pipefail
herald=${1:-build/herald}
dir=${DEMO_DIR:-demo-data}
rm -rf "$dir"; mkdir -p "$dir/idsvc"
"$herald" keygen --hmac --out "$dir/idsvc/ci.key"
key=$("$herald" apikey --name demo-agency --clients "$dir/idsvc/clients")
"$herald" idsvc --key-file "$dir/idsvc/ci.key" --clients "$dir/idsvc/clients" \
	--listen 127.0.0.1:0 2>"$dir/idsvc/idsvc.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
port=
for _ in $(seq 1 100); do
	port=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$dir/idsvc/idsvc.log")
	[ -n "$port" ] && break
	sleep 0.05
done
echo "idsvc listening on 127.0.0.1:$port (data in $dir/idsvc)"
body='{"rrns":["971013-9019902","971013-9019903","971313-1019902"]}'
echo "POST /v1/ci $body"
curl -s -H "Authorization: Bearer $key" --data-binary "$body" "http://127.0.0.1:$port/v1/ci" | jq .
