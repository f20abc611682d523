#!/usr/bin/env bash
# Runs every test against one build directory: the cmocka unit tests (in TAP
# form), the integration scripts under tests/integration, which start
# real herald processes on loopback, and (for the normal build) the layout
# check of src/ and docs/protocol.md. Prints each result, then appends
# "PASSED FAILED" to the summary file for the Makefile to add up.
set -u
build=$1 label=$2 summary=$3
root=$(cd "$(dirname "$0")/.." && pwd)
passed=0 failed=0
logdir=$(mktemp -d "${TMPDIR:-/tmp}/herald-test-$label.XXXXXX")

count() { # reads TAP on stdin, echoes it with the build label, counts
	while IFS= read -r line; do
		case "$line" in
		"ok "*) passed=$((passed + 1)); echo "[$label] $line" ;;
		"not ok "*) failed=$((failed + 1)); echo "[$label] $line" ;;
		"#"*) echo "[$label] $line" ;;
		esac
	done
}

run_one() { # name, command...: runs it, expects TAP on stdout
	local name=$1; shift
	local out="$logdir/$name.out" start=$EPOCHREALTIME
	"$@" >"$out" 2>"$logdir/$name.err"
	local rc=$?
	# Each test's wall time, for the slowest-first list at the end.
	printf '%s %s\n' "$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.1f", b - a}')" \
		"$name" >>"$logdir/times"
	local before=$failed
	count <"$out"
	if [ $rc -ne 0 ] && [ $failed -eq $before ]; then
		# A crash or sanitizer report that no TAP line recorded.
		failed=$((failed + 1))
		echo "[$label] not ok - $name exited with status $rc"
	fi
	if [ $failed -ne $before ]; then
		echo "[$label] # --- stderr of $name (last 30 lines) ---"
		tail -n 30 "$logdir/$name.err" | sed "s/^/[$label] #   /"
	fi
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=66
export LSAN_OPTIONS="suppressions=$root/tests/lsan.supp"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=67
export CMOCKA_MESSAGE_OUTPUT=TAP

for t in "$build"/test_*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	run_one "unit-$(basename "$t")" "$t"
done
# The unit tests of what runs on either store, again on a PostgreSQL
# server of their own (tests/lib_pg.sh): with HERALD_TEST_PG_DSN they run
# their cases there (test_hub_evidence_pg has tests/integration/
# evidence_log_pg.sh).
pg_units="test_sql test_hub_db test_hub_directory"
if [ -x "$build/test_sql" ]; then
	. "$root/tests/lib_pg.sh"
	if pg_start 2>"$logdir/pg.err"; then
		for t in $pg_units; do
			HERALD_TEST_PG_DSN=$PG_DSN run_one "unit-$t-postgres" "$build/$t"
		done
		pg_cleanup
	else
		failed=$((failed + 1))
		echo "[$label] not ok - a PostgreSQL server for $pg_units: $(tail -n 1 "$logdir/pg.err")"
	fi
fi

# The layout check reads sources, not a build: once, with the normal build.
if [ "$label" = normal ]; then
	run_one layout bash "$root/tests/layout.sh" "$root"
fi

export HERALD="$root/$build/herald" HERALD_ROOT="$root"
for t in "$root"/tests/integration/*.sh; do
	[ -f "$t" ] || continue
	run_one "integration-$(basename "$t" .sh)" bash "$t"
done

echo "[$label] # the slowest tests, in seconds of wall time:"
sort -rn "$logdir/times" | head -n 8 | sed "s/^/[$label] #   /"
echo "[$label] $passed passed, $failed failed (logs in $logdir)"
echo "$passed $failed" >>"$summary"
