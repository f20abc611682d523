#!/usr/bin/env bash
# `herald ci` throughput on one core, and its memory on a large input.
# Usage: bench/ci.sh [HERALD] [N]   (default N = 2,000,000)
set -euo pipefail
herald=${1:-build/herald} n=${2:-2000000}
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
"$herald" keygen --hmac --out "$dir/ci.key"
python3 "$(dirname "$0")/gen_rrns.py" "$n" >"$dir/rrns.txt"
start=$(date +%s.%N)
/usr/bin/time -f '%M' -o "$dir/rss" taskset -c 0 "$herald" ci --key-file "$dir/ci.key" \
	<"$dir/rrns.txt" >/dev/null
end=$(date +%s.%N)
python3 - "$n" "$start" "$end" "$(cat "$dir/rss")" <<'PY'
import json, sys
n, t0, t1, rss = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
print(json.dumps({"bench": "herald ci", "rrns": n, "seconds": round(t1 - t0, 3),
                  "rrns_per_s": round(n / (t1 - t0)), "peak_rss_kib": rss}))
PY
