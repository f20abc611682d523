#!/usr/bin/env bash
# The evidence log shared by two hubs on PostgreSQL: test_hub_evidence_pg
# (a killed sequencer, every connection dropped, the leader stopped; every
# leaf integrated once, heads consistent, certificates verifying, 503
# without a sequencer) on a server of the test's own (tests/lib_pg.sh).
# Its "# " lines (failover times, queue and integration rates) are kept
# in the output.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib_pg.sh"
UNIT="$(dirname "$HERALD")/test_hub_evidence_pg"
[ -x "$UNIT" ] || { echo "not ok 1 - $UNIT is built (ninja builds it with herald)"; exit 1; }
pg_start || { echo "not ok 1 - a PostgreSQL server of the test's own"; exit 1; }
if HERALD_TEST_PG_DSN=$PG_DSN "$UNIT" >"$T/unit.out" 2>&1; then
	ok "test_hub_evidence_pg: two nodes share the log through failovers"
else
	not_ok "test_hub_evidence_pg: two nodes share the log through failovers"
	grep -v '^# ' "$T/unit.out" | tail -40 | sed 's/^/#   /'
fi
grep '^# ' "$T/unit.out"
finish
