#!/usr/bin/env bash
# Runs every libFuzzer target of a fuzz build (make build-fuzz) for a few
# seconds each, starting from its seeds in tests/fuzz/corpus/NAME (new
# inputs go to a scratch copy, so the repository's corpus only changes by
# hand). One TAP line per target; a crash prints the input that caused it,
# to be fixed and then kept in the corpus. Appends "PASSED FAILED" to the
# summary file, as tests/run.sh does.
# Usage: tests/fuzz.sh BUILD SECONDS SUMMARY
set -u
build=$1 seconds=$2 summary=$3
root=$(cd "$(dirname "$0")/.." && pwd)
passed=0 failed=0
work=$(mktemp -d "${TMPDIR:-/tmp}/herald-fuzz.XXXXXX")

for t in "$build"/fuzz_*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	name=$(basename "$t" | sed 's/^fuzz_//')
	mkdir -p "$work/$name/corpus" "$work/$name/crashes"
	seeds="$root/tests/fuzz/corpus/$name"
	[ -d "$seeds" ] || seeds=""
	"$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=1024 \
		-artifact_prefix="$work/$name/crashes/" "$work/$name/corpus" $seeds \
		>"$work/$name.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$name.log")
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1))
		echo "[fuzz] ok - $name: ${runs:-?} inputs in ${seconds}s, no crash"
	else
		failed=$((failed + 1))
		echo "[fuzz] not ok - $name: exit $rc; the input: $(ls "$work/$name/crashes/"* 2>/dev/null | head -1)"
		grep -m 20 -E 'ERROR|SUMMARY|#[0-9]+ 0x' "$work/$name.log" | sed 's/^/[fuzz] #   /'
	fi
done
[ $((passed + failed)) -gt 0 ] || { failed=1; echo "[fuzz] not ok - no fuzz targets in $build"; }
if [ $failed -eq 0 ]; then
	rm -rf "$work"
	echo "[fuzz] $passed passed, $failed failed"
else
	echo "[fuzz] $passed passed, $failed failed (logs and crash inputs in $work)"
fi
echo "$passed $failed" >>"$summary"
