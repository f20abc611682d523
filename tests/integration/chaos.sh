#!/usr/bin/env bash
# bench/chaos in small, at fixed points (docs/reliability.md): the whole
# system (herald demo --no-send: idsvc, hub, both platforms, agency, the
# SMSC and push gateway peers) carries 300 notices while every role is
# killed with SIGKILL once or twice and restarted with the same command
# line, config and data: `agency send` twice mid-run, the hub mid-send and
# while it works through the deadlines, idsvc, each platform and `agency
# serve` while notices move and citizens read theirs (bench/chaos_read.py). Then the injected clock passes every deadline
# and read window, and the counts come from the roles' SQLite files: none
# lost (a notice opened is read at the hub and the agency), none
# duplicated, none stuck; every certificate verifies, and every
# signed tree head seen extends the one before.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../../bench/chaos_lib.sh"
CH=$T
trap 'chaos_down; cleanup' EXIT
N=300
export CHAOS_BATCH=5 CHAOS_STH_EVERY=0.2

# What the harness said, for the reader of a failed run (the test's
# directory goes with it).
say_why() { sed 's/^/# /' "$T/chaos.err" | tail -n "$1"; }
chaos_up "$N" 2>"$T/chaos.err" || {
	not_ok "the demo comes up with $N citizens and nothing sent"
	say_why 10
	finish
}
ok "the demo comes up with $N citizens signed up and nothing sent"
chaos_sth_poll
chaos_start send
# at_notices K: waits (up to 60 s) until the hub holds K notices.
at_notices() {
	for _ in $(seq 1 3000); do
		[ "$(chaos_hub_notices)" -ge "$1" ] && return 0
		sleep 0.02
	done
	return 1
}
mid_send=0
kill_send() { chaos_running send && mid_send=$((mid_send + 1)); chaos_restart send; }
restarted=1
# Both kills of send come with most rows still to go, and before any
# other role's restart: a restart takes up to a second, in which send can
# finish the rest (a second kill placed after the hub's was sometimes
# too late).
{
	at_notices 40 && kill_send &&
		at_notices 70 && kill_send &&
		at_notices 100 && chaos_restart hub &&
		at_notices 130 && chaos_restart idsvc && chaos_restart platform-messenger &&
		at_notices 160 && chaos_restart agency
} 2>>"$T/chaos.err" || restarted=0
check "send, hub, idsvc, messenger and agency killed mid-send and each up again on its health check" \
	[ "$restarted" = 1 ]
check "agency send was killed twice while it ran" [ "$mid_send" = 2 ]
for _ in $(seq 1 1200); do chaos_send_done 2>>"$T/chaos.err" && break; sleep 0.05; done
check "agency send, run again after each kill, ends well" bash -c "tail -n 1 '$T/send.out' | jq -e '.failed == 0' >/dev/null"
# While the notices are relayed, alerted and fed back to the agency, and
# citizens read theirs.
chaos_read_start
chaos_restart platform-carrier 2>>"$T/chaos.err" && chaos_restart agency 2>>"$T/chaos.err"
check "the carrier and the agency killed while notices move and citizens read, and up again" [ $? = 0 ]
for _ in $(seq 1 1200); do chaos_read_done 2>>"$T/chaos.err" && break; sleep 0.1; done
check "every citizen who reads could read, retrying past the kills" \
	bash -c "grep -q ' 0 gave up' '$T/read.log'"
check "every notice settles: none accepted or relayed, the agency knows each state" \
	chaos_wait_settled 60 2>>"$T/chaos.err"
chaos_advance_clock 2>>"$T/chaos.err"
# The hub and the messenger, and any role CHAOS_ROLES names that the
# fixed points above do not.
late=(hub platform-messenger)
for r in "${CHAOS_ROLES[@]}"; do [ "${CHAOS_KILLS[$r]}" = 0 ] && late+=("$r"); done
restarted=1
for r in "${late[@]}"; do chaos_restart "$r" 2>>"$T/chaos.err" || restarted=0; done
check "${late[*]} killed as the deadlines pass, and up again" [ "$restarted" = 1 ]
for _ in 1 2 3 4; do
	chaos_wait_settled 60 2>>"$T/chaos.err" || break
	chaos_advance_clock 2>>"$T/chaos.err" || break
done
result=$(chaos_check "$N" 1000 2>>"$T/chaos.err")
echo "# $result"
holds() { jq -e "$@" <<<"$result" >/dev/null; }
check "every role was killed at least once (${CHAOS_ROLES[*]})" \
	holds --argjson n "${#CHAOS_ROLES[@]}" '[.kills_per_role[]] | length == $n and min >= 1'
check "lost: 0 (every row accepted once; in the hub, in the inbox the hub names, final at the agency)" \
	holds '.lost == 0'
check "duplicated: 0 (no reference accepted twice, no inbox row twice, no second final state)" \
	holds '.duplicated == 0'
check "stuck: 0 (every notice final an hour past its deadline and read windows)" holds '.stuck == 0'
check "the notices citizens opened are among them, each read at the hub and the agency" \
	holds '.citizens_read > 0 and .final_states.read == .citizens_read'
check "every notice's certificate verifies with herald verify" \
	holds --argjson n "$N" '.certificates_checked == $n and .certificates_verified == $n and (.certificates_sampled | not)'
check "every notice's evidence runs in time order in the log" holds '.evidence_out_of_order == 0'
check "the signed tree heads seen during the run are each consistent with the next" \
	holds '.consistency_verified and .consistency_proofs >= 2'
check "no alert reached the push gateway a third time (a resend after an unknown outcome: once at most)" \
	holds '.alerts.push > 0 and .alerts.push_max_sends <= 2 and .alerts.push_resent <= .alerts.flagged_possible_duplicates'
[ "$n_failed" -gt 0 ] && say_why 30
finish
