#!/usr/bin/env bash
# Three hub nodes on one PostgreSQL ([store] kind = postgres, a server of
# the test's own), heads signed by `herald signer`, a stand-in platform
# (fake_platform.py) taking a tenth of the people. Two agencies submit
# FAILOVER_N notices (3000) in batches spread over the nodes
# (failover_load.py: a batch a node cannot take goes to the next one, as a
# client of a cluster does) while the node that is the sequencer
# (log_state.sequencer) is killed with SIGKILL and started again, and then
# PostgreSQL itself is stopped for 10 s. Every signed tree head is polled
# from the nodes all along. Then: another node took the sequencer over
# within 5 s; during the outage the nodes answered 503 with Retry-After;
# they came back by themselves; every notice acknowledged is there, once,
# under the id acknowledged, and reached exactly one final state (read or
# postal); the feed's seq and the log's indexes have no gaps; a sample of
# certificates verify with `herald verify`, and every pair of consecutive
# heads seen is proven consistent. The last line is a JSON summary ("# {...}")
# that bench/failover prints (FAILOVER_N=100000 there).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib_pg.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
N=${FAILOVER_N:-3000}
BATCH=${FAILOVER_BATCH:-50}
PAUSE=${FAILOVER_PAUSE:-0.3} # between one agency's batches
SAMPLE=${FAILOVER_SAMPLE:-30} # certificates verified
OUTAGE=${FAILOVER_OUTAGE_S:-10}
PEOPLE=200 MEMBERS=20

cd "$T"
STORE=postgres
store_up
now_ms() { date +%s%3N; }
jq_holds() { jq_test "$@"; } # for check, quietly
key() { openssl rand -hex 32; }
sha() { printf %s "$1" | sha256sum | cut -c1-64; }
NTS=$(key) LIMS=$(key) MSG=$(key) HUBKEY=$(key)
(umask 077; echo "$HUBKEY" >hub.key)
"$HERALD" keygen --ed25519 --out log >/dev/null 2>&1
P_MSG=$(free_port)
NODES=(a b c)
declare -A NODE_PORT=()
for x in "${NODES[@]}"; do
	NODE_PORT[$x]=$(free_port)
	cat >"hub-$x.ini" <<INI
[tls]
plain_http = loopback
[hub]
dir = data-$x
listen = 127.0.0.1:${NODE_PORT[$x]}
hub_key_file = hub.key
signer = signer.sock
log_pub = log.pub
sth_interval_ms = 200
relay_interval_ms = 50

[agency nts]
key_sha256 = $(sha "$NTS")

[agency lims]
key_sha256 = $(sha "$LIMS")

[platform messenger]
key_sha256 = $(sha "$MSG")
url = http://127.0.0.1:$P_MSG

$(store_ini "hub-$x")
INI
done
URLS=$(for x in "${NODES[@]}"; do printf 'http://127.0.0.1:%s,' "${NODE_PORT[$x]}"; done)
URLS=${URLS%,}
url_of() { echo "http://127.0.0.1:${NODE_PORT[$1]}"; }

# People: CIs as idsvc makes them; the first MEMBERS are messenger's.
for i in $(seq 1 $PEOPLE); do openssl rand -base64 64 | tr -d '\n'; echo; done >cis.txt
while read -r ci; do printf 'herald-rk-v1:%s' "$ci" | sha256sum | cut -c1-64; done <cis.txt >rks.txt
head -n $MEMBERS rks.txt >msg.members

# RECEIVED=1: the platform answers that the notice is in the inbox, as
# herald's platforms do; the agencies then report it read.
RECEIVED=1 python3 "$HERE/fake_platform.py" "$P_MSG" "$HUBKEY" msg.members messenger.jsonl 2>messenger.log &
PIDS+=($!)
"$HERALD" signer --key log.key --socket signer.sock --new-log 2>signer.log &
PIDS+=($!)
for _ in $(seq 1 100); do [ -S signer.sock ] && grep -q listening messenger.log 2>/dev/null && break; sleep 0.05; done

# start_node X [TAG]: starts node X (again) on its port; a port a client
# holds for a moment after a kill is tried again.
start_node() {
	local x=$1 tries
	for tries in 1 2 3 4 5; do
		start_role "$x" "hub-$x${2:-}.log" hub --config "hub-$x.ini" && return 0
		grep -q 'cannot listen' "hub-$x${2:-}.log" || return 1
		sleep 1
	done
	return 1
}
for x in "${NODES[@]}"; do
	start_node "$x" || { not_ok "node $x starts on PostgreSQL"; finish; }
done
ok "three nodes start on one PostgreSQL database"

sequencer() { pg_psql 'select coalesce(sequencer, $$$$) from log_state' 2>/dev/null; }
for _ in $(seq 1 100); do [ -n "$(sequencer)" ] && break; sleep 0.1; done
SEQ0=$(sequencer)
check "one node is the sequencer (log_state.sequencer: '$SEQ0')" bash -c "[[ '$SEQ0' == hub-[abc] ]]"

dir=$(sed 's/.*/{"rk":"&","consent":true}/' msg.members | jq -sc '{entries: .}')
r=$(http POST "$(url_of b)/v1/directory" "$dir" -H "Authorization: Bearer $MSG")
check "the platform's members enter the directory through one node" [ "$(status_of "$r")" = 200 ]

# Every head any node serves, all run long. Each head is appended in one
# write with its newline: written as the curl's output and then a newline,
# a head the poller's kill cut off before its newline ran on into the
# next line, and the check below read two heads as one bad line.
(
	i=0
	while :; do
		x=${NODES[i % 3]}
		sth=$(curl -sf -m 2 "$(url_of "$x")/v1/log/sth") && printf '%s\n' "$sth" >>sths.jsonl
		i=$((i + 1))
		sleep 0.3
	done
) &
POLLER=$!
PIDS+=($POLLER)

t_load=$(now_ms)
python3 "$HERE/failover_load.py" submit "$URLS" "$NTS,$LIMS" cis.txt "$N" "$BATCH" acks.jsonl "$PAUSE" \
	>load.json 2>load.err &
LOADER=$!
acked() { [ -f acks.jsonl ] && wc -l <acks.jsonl || echo 0; }
wait_acked() { # COUNT: until that many results are acknowledged (or the loader ends)
	while [ "$(acked)" -lt "$1" ] && kill -0 "$LOADER" 2>/dev/null; do sleep 0.05; done
}

# --- kill -9 the sequencer under load ---
wait_acked $((N / 4))
victim=$(sequencer)
[[ $victim == hub-[abc] ]] || { not_ok "a sequencer to kill (log_state.sequencer: '$victim')"; finish; }
vx=${victim#hub-}
eval "vpid=\$PID_$vx"
t_kill=$(now_ms)
kill -9 "$vpid"
echo "# killed $victim (pid $vpid) with $(acked) of $N acknowledged"
took=-1
while [ $(($(now_ms) - t_kill)) -lt 15000 ]; do
	s=$(sequencer)
	if [ -n "$s" ] && [ "$s" != "$victim" ]; then took=$(($(now_ms) - t_kill)); break; fi
	sleep 0.05
done
check "another node is the sequencer within 5 s of the kill ($(sequencer), after $took ms)" \
	bash -c "[ $took -ge 0 ] && [ $took -le 5000 ]"
start_node "$vx" -2 || not_ok "the killed node starts again"
check "the killed node serves again" \
	bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' '$(url_of "$vx")/v1/health')\" = 200 ]"

# --- PostgreSQL away for OUTAGE seconds ---
wait_acked $((N / 2))
probe() { # X: status and Retry-After of a submission (a duplicate of F-0) at node X
	local ci
	ci=$(head -n1 cis.txt)
	curl -s -i -m 10 -X POST -H "Authorization: Bearer $NTS" -H 'Content-Type: application/json' \
		--data-binary "$(jq -nc --arg ci "$ci" '{notices:[{reference:"F-0", ci:$ci, title:"failover",
			doc_sha256:("ab" * 32), deadline:"2030-12-31", link:"http://127.0.0.1:7004/d/0"}]}')" \
		"$(url_of "$1")/v1/notices" | tr -d '\r' |
		awk 'NR == 1 {s = $2} tolower($1) == "retry-after:" {r = $2} END {print s, r}'
}
pids_before=$(for x in "${NODES[@]}"; do eval "echo \$PID_$x"; done)
t_down=$(now_ms)
pg_down
echo "# PostgreSQL stopped with $(acked) of $N acknowledged"
sleep 1
bad=0
for x in "${NODES[@]}"; do
	p=$(probe "$x")
	echo "# node $x while PostgreSQL is away: $p"
	[[ $p =~ ^503\ [0-9]+$ ]] || bad=1
done
check "PostgreSQL away: every node answers a submission 503 with Retry-After" [ $bad = 0 ]
left=$((OUTAGE * 1000 - ($(now_ms) - t_down)))
[ $left -le 0 ] || sleep "$((left / 1000)).$(printf %03d $((left % 1000)))"
pg_up || { not_ok "PostgreSQL starts again"; finish; }
t_up=$(now_ms)
back=-1
while [ $(($(now_ms) - t_up)) -lt 30000 ]; do
	all=1
	for x in "${NODES[@]}"; do [[ $(probe "$x") == 200* ]] || all=0; done
	[ $all = 1 ] && { back=$(($(now_ms) - t_up)); break; }
	sleep 0.2
done
check "PostgreSQL back after $(((t_up - t_down) / 1000)) s: every node takes submissions again by itself ($back ms)" \
	bash -c "[ $back -ge 0 ] && [ $back -le 10000 ]"
pids_after=$(for x in "${NODES[@]}"; do eval "kill -0 \$PID_$x && echo \$PID_$x"; done)
check "... the same processes (no restart)" [ "$pids_before" = "$pids_after" ]

# --- every notice to a final state ---
wait "$LOADER"
conns=$(pg_psql "select count(*) from pg_stat_activity where datname = 'herald' and pid <> pg_backend_pid()")
echo "# connections to the database from the three nodes: $conns"
t_loaded=$(now_ms)
load=$(tail -n1 load.json)
echo "# load: $load"
check "the agencies' clients finished: nothing given up, no answer but 200, 503 or a refused connection" \
	jq_holds '.gave_up == 0 and .other == 0' <<<"${load:-null}"
check "every 503 carried Retry-After" jq_holds '.s503_no_retry_after == 0' <<<"${load:-null}"
count() { pg_psql "$1"; }
wait_none() { # SQL SECONDS: until the count query says 0
	for _ in $(seq 1 $(($2 * 10))); do [ "$(count "$1")" = 0 ] && return 0; sleep 0.1; done
	return 1
}
if wait_none "select count(*) from notices where state = 'accepted'" 60; then
	ok "every notice leaves 'accepted' (in messenger's inbox or postal)"
else
	not_ok "every notice leaves 'accepted' (in messenger's inbox or postal)"
	echo "# still accepted, by lease: $(count "select l || ': ' || n from (select coalesce(leased_by, 'none') l, count(*) n
		from notices where state = 'accepted' group by 1) x" | tr '\n' ' ')"
fi
for a in nts lims; do
	k=$NTS; [ $a = lims ] && k=$LIMS
	count "select id from notices where agency = '$a' and state in ('relayed', 'received')" |
		python3 "$HERE/failover_load.py" events "$URLS" "$k" ContentHandover 200 >>events.json
done
check "every notice reaches a final state (read or postal)" \
	wait_none "select count(*) from notices where state not in ('read', 'postal')" 60
t_final=$(now_ms)

python3 - "$N" >acks.check <<'PY'
import json, sys
n = int(sys.argv[1])
ids, bad = {}, []
for line in open("acks.jsonl"):
    a = json.loads(line)
    if a.get("error"):
        bad.append(f"{a['reference']}: {a['error']}")
        continue
    if ids.setdefault(a["reference"], a["notice"]) != a["notice"]:
        bad.append(f"{a['reference']} acknowledged as {ids[a['reference']]} and {a['notice']}")
missing = [f"F-{i}" for i in range(n) if f"F-{i}" not in ids]
for ref, notice in sorted(ids.items()):
    print(ref, notice)
for b in bad + [f"{m}: never acknowledged" for m in missing]:
    print("#", b, file=sys.stderr)
sys.exit(1 if bad or missing else 0)
PY
acks_ok=$?
check "every reference acknowledged, always under one notice id" [ $acks_ok = 0 ]
count "select reference || ' ' || id from notices order by reference" >stored.txt
sort acks.check >acks.sorted
sort stored.txt >stored.sorted
check "nothing acknowledged lost: the database holds exactly the $N acknowledged notices, under their ids" \
	cmp -s acks.sorted stored.sorted
check "no notice twice: one row per reference" \
	[ "$(count 'select count(*) - count(distinct reference) from notices')" = 0 ]
# The feed's rows, numbered or still queued for the sequencer.
ALL_CHANGES="with c as (select notice, state from changes union all select notice, state from changes_queue)"
check "exactly one final state per notice in the changes" \
	[ "$(count "$ALL_CHANGES select count(*) from (select notice from c where state in ('read', 'postal', 'cancelled', 'paid')
		group by notice having count(*) <> 1) x") $(count "$ALL_CHANGES select count(distinct notice) from c
		where state in ('read', 'postal')")" = "0 $N" ]
check "the feed's seq: all assigned, 1 to the last without gaps" \
	wait_none "select (select count(*) from changes_queue) + coalesce((select 1 from changes
		having max(seq) <> count(*) or min(seq) <> 1 or count(distinct seq) <> count(*)), 0)" 10
check "the log: nothing pending, leaves indexed 0 to size - 1, as log_state says" \
	wait_none "select (select count(*) from log_pending) + abs((select count(*) from log_leaves) - (select size from log_state))
		+ abs((select coalesce(max(idx) + 1, 0) from log_leaves) - (select count(*) from log_leaves))" 10
size=$(count 'select size from log_state')
for _ in $(seq 1 100); do
	curl -s "$(url_of a)/v1/log/sth" | jq -e --argjson s "$size" '.tree_size == $s' >/dev/null && break
	sleep 0.1
done
kill "$POLLER"
wait "$POLLER" 2>/dev/null
sth=$(curl -sf "$(url_of b)/v1/log/sth") && printf '%s\n' "$sth" >>sths.jsonl

# Certificates of a sample, each from another node.
verified=0 i=0
for id in $(awk '{print $2}' acks.sorted | shuf -n "$SAMPLE" --random-source=<(yes)); do
	x=${NODES[i % 3]} i=$((i + 1))
	a=$(count "select agency from notices where id = '$id'")
	k=$NTS; [ "$a" = lims ] && k=$LIMS
	code=$(curl -s -o cert.json -w '%{http_code}' -H "Authorization: Bearer $k" "$(url_of "$x")/v1/notices/$id/certificate")
	if "$HERALD" verify --log-key log.pub cert.json >verify.out 2>&1; then
		verified=$((verified + 1))
	else
		echo "# certificate of $a's $id ($(count "select state from notices where id = '$id'")) from node $x: HTTP $code $(head -c 200 cert.json): $(head -c 200 verify.out)"
	fi
done
check "certificates verify with herald verify ($verified of $i, from all three nodes)" [ "$verified" = "$i" ]

# Consistency of every pair of consecutive heads seen.
python3 - "$HERALD" "$(url_of c)" >consistency.json 2>consistency.err <<'PY'
import json, subprocess, sys, tempfile, urllib.request
herald, hub = sys.argv[1], sys.argv[2]
heads, bad = {}, []
for line in open("sths.jsonl"):
    if not line.strip():
        continue
    h = json.loads(line)
    if heads.setdefault(h["tree_size"], h)["root_hash"] != h["root_hash"]:
        bad.append(f"two roots for tree size {h['tree_size']}")
sizes = sorted(s for s in heads if s > 0)
with tempfile.TemporaryDirectory() as t:
    for m, n in zip(sizes, sizes[1:]):
        for name, h in (("old", heads[m]), ("new", heads[n])):
            open(f"{t}/{name}.json", "w").write(json.dumps(h))
        with urllib.request.urlopen(f"{hub}/v1/log/consistency?first={m}&second={n}", timeout=30) as r:
            open(f"{t}/proof.json", "wb").write(r.read())
        v = subprocess.run([herald, "verify", "--log-key", "log.pub", "--consistency",
                            f"{t}/old.json", f"{t}/new.json", f"{t}/proof.json"], capture_output=True, text=True)
        if v.returncode != 0:
            bad.append(f"{m} -> {n}: {v.stdout.strip()[:200]}")
for b in bad:
    print("#", b, file=sys.stderr)
print(json.dumps({"heads": len(sizes), "pairs": max(0, len(sizes) - 1), "bad": len(bad)}))
PY
cons=$(cat consistency.json)
sed 's/^#* */# /' consistency.err | tail -n 12
check "every pair of consecutive heads seen is consistent ($cons)" \
	jq_holds '.heads > 2 and .bad == 0' <<<"${cons:-null}"

# What the nodes logged beyond info, for a failure's reader.
grep -hv ' info: ' hub-*.log | cut -c25-220 | sed 's/[0-9a-f]\{8\}-[0-9a-f-]\{27\}/ID/g' | sort | uniq -c |
	sort -rn | head -n 12 | sed 's/^/# log: /'
for x in "${NODES[@]}"; do eval "kill -TERM \$PID_$x"; done
for x in "${NODES[@]}"; do eval "wait \$PID_$x"; done
echo "# $(jq -nc --argjson n "$N" --argjson load "${load:-null}" --argjson cons "${cons:-null}" \
	--argjson took "$took" --argjson conns "${conns:-null}" --argjson back "$back" --argjson verified "$verified" \
	--argjson s_load "$(((t_loaded - t_load)))" --argjson s_final "$(((t_final - t_load)))" \
	--arg lost "$(comm -23 acks.sorted stored.sorted | wc -l)" --argjson out "$OUTAGE" \
	'{notices: $n, failover_ms: $took, outage_s: $out, recovered_ms: $back,
	  submitted_s: ($s_load / 1000), final_s: ($s_final / 1000), lost: ($lost | tonumber),
	  certificates_verified: $verified, tree_heads: $cons.heads, consistency_proofs: $cons.pairs,
	  consistency_bad: $cons.bad, pg_connections: $conns, client: $load}')"
finish
