#!/usr/bin/env bash
# GET /metrics on every role, after real traffic: `herald demo` brings up
# idsvc, the hub, two platforms and an agency (each with metrics = key and
# the monitoring key in its metrics_clients), sends a population its
# notices and has some read. Then every role's answer must pass Debian's
# `promtool check metrics`, be refused without the key, and say what the
# demo's summary says happened (notices submitted, received, read, alerts
# by channel); a role run without metrics answers 404. The hub's scrape
# time is printed, not asserted (docs/performance.md has the figures).
. "$(dirname "$0")/../lib.sh"

# scripts/deps.sh takes promtool out of Debian's prometheus package.
PATH="$HERALD_ROOT/.tools/bin:$PATH"
command -v promtool >/dev/null || { not_ok "promtool is installed (sh scripts/deps.sh puts it in .tools/bin)"; finish; }

D=$T/demo
N=${METRICS_NOTICES:-300}
# --plain-http: the scrapes below read each role over plain loopback HTTP
# (TLS between the roles is tls.sh's and e2e.sh's).
"$HERALD" demo --plain-http --dir "$D" --notices "$N" >"$T/demo.out" 2>"$T/demo.err" &
PIDS+=("$!")
for _ in $(seq 1 1200); do
	grep -q "Press Ctrl-C" "$T/demo.out" 2>/dev/null && break
	kill -0 "${PIDS[0]}" 2>/dev/null || break
	sleep 0.1
done
check "the demo comes up and serves" grep -q "Press Ctrl-C" "$T/demo.out" || {
	echo "# $(tail -n 5 "$T/demo.err")"; finish; }
summary=$(grep '^{"submitted"' "$T/demo.out")
echo "# summary: $summary"

port_of() { sed -n 's/^listen = 127.0.0.1:\([0-9]*\)$/\1/p' "$1"; }
declare -A PORT=(
	[hub]=$(port_of "$D/hub/hub.ini")
	[messenger]=$(port_of "$D/platform-messenger/platform.ini")
	[carrier]=$(port_of "$D/platform-carrier/platform.ini")
	[agency]=$(port_of "$D/agency/agency.ini")
	[idsvc]=$(sed -n 's|^url = http://127.0.0.1:\([0-9]*\)$|\1|p' "$D/agency/agency.ini" | head -n1)
)
KEY=$(cat "$D/monitoring/metrics.apikey")

# A request the hub answers 404 on a path with an id in it: counted under
# its route's pattern, never under the path.
curl -s -o /dev/null "http://127.0.0.1:${PORT[hub]}/v1/notices/0193a1b2-c3d4-7000-8000-00000000beef" \
	-H "Authorization: Bearer $(cat "$D/agency/hub.apikey")"

# scrape ROLE: the role's metrics into $T/ROLE.prom; the status and type
# into $T/ROLE.head.
scrape() {
	curl -s -D "$T/$1.head" -o "$T/$1.prom" -H "Authorization: Bearer $KEY" \
		"http://127.0.0.1:${PORT[$1]}/metrics"
}
# value ROLE SERIES: the sample's value (series as written, labels and all).
value() { awk -v s="$2" '$1 == s {print $2}' "$T/$1.prom"; }
# sum ROLE NAME REGEX: the sum of NAME's samples whose labels match REGEX.
sum() { awk -v n="$2" -v r="$3" 'index($1, n "{") == 1 && $1 ~ r {t += $2} END {print t + 0}' "$T/$1.prom"; }

# has_sample ROLE NAME: scrapes until NAME has a sample (the counted
# families' first answer may come after the first scrape).
has_sample() {
	for _ in $(seq 1 100); do
		scrape "$1"
		grep -q "^$2[{ ]" "$T/$1.prom" && return 0
		sleep 0.1
	done
	return 1
}
check "hub: the counted queue families answer" has_sample hub herald_hub_notices_in_window
check "messenger: the counted outbox family answers" \
	has_sample messenger herald_metrics_query_age_seconds
check "agency: the counted outbox family answers" has_sample agency herald_metrics_query_age_seconds

for role in hub messenger carrier agency idsvc; do
	scrape "$role"
	check "$role: GET /metrics with the monitoring key is 200 in text format 0.0.4" \
		grep -qi '^content-type: text/plain; version=0.0.4' "$T/$role.head"
	if promtool check metrics <"$T/$role.prom" >"$T/$role.promtool" 2>&1; then
		ok "$role: promtool check metrics passes"
	else
		not_ok "$role: promtool check metrics passes"
		sed 's/^/# /' "$T/$role.promtool" | head -n 10
	fi
	code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORT[$role]}/metrics")
	check "$role: without a key it is 401" [ "$code" = 401 ]
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(cat "$D/agency/hub.apikey")" \
		"http://127.0.0.1:${PORT[$role]}/metrics")
	check "$role: with another caller's key it is 401" [ "$code" = 401 ]
	check "$role: herald_build_info names the role" \
		grep -q "^herald_build_info{role=\"$( [ "$role" = messenger ] || [ "$role" = carrier ] && echo platform || echo "$role")\"" "$T/$role.prom"
	check "$role: every metric name has the herald_ prefix" \
		bash -c '! grep -v "^#" "$0" | grep -vq "^herald_"' "$T/$role.prom"
done

jq_num() { jq -r "$1" <<<"$summary"; }
# The demo also posts one notice over the agency's back-office API, after
# its summary: hub.db holds every notice the hub took.
hub_db() { sqlite3 "file:$D/hub/hub.db?mode=ro" "$1"; }
# counter_is_db SERIES SQL: scrapes the hub until the counter equals what
# hub.db says (the API's notice may still be on its way to paper).
counter_is_db() {
	for _ in $(seq 1 50); do
		scrape hub
		[ "$(value hub "$1")" = "$(hub_db "$2")" ] && return 0
		sleep 0.1
	done
	echo "# $1 = $(value hub "$1"), hub.db: $(hub_db "$2")"
	return 1
}
check "hub: notices submitted (new) equal the notices hub.db holds ($N and the API's)" \
	counter_is_db 'herald_hub_notices_submitted_total{outcome="new"}' 'SELECT count(*) FROM notices'
check "hub: none rejected, none duplicate" \
	[ "$(value hub 'herald_hub_notices_submitted_total{outcome="rejected"}')" = 0 -a \
	  "$(value hub 'herald_hub_notices_submitted_total{outcome="duplicate"}')" = 0 ]
check "hub: ContentHandover moved as many notices as were read" \
	[ "$(value hub 'herald_hub_events_total{event="ContentHandover",outcome="moved"}')" = "$(jq_num .read)" ]
check "hub: RelayToNonERDS moved as many notices as went to paper" \
	counter_is_db 'herald_hub_events_total{event="RelayToNonERDS",outcome="moved"}' \
	"SELECT count(*) FROM notices WHERE state = 'postal'"
check "hub: the agency's batch is one POST /v1/notices answered 200" \
	[ "$(value hub 'herald_http_requests_total{method="POST",route="/v1/notices",code="200"}')" -ge 1 ]
check "hub: the 404 on a notice id is counted under the route's pattern" \
	[ "$(value hub 'herald_http_requests_total{method="GET",route="/v1/notices/{id}",code="404"}')" = 1 ]
check "hub: no series names a path's id" bash -c '! grep -q beef "$0"' "$T/hub.prom"
check "hub: the histogram's +Inf bucket equals its count" \
	[ "$(value hub 'herald_http_request_duration_seconds_bucket{method="POST",route="/v1/notices",code="200",le="+Inf"}')" = \
	  "$(value hub 'herald_http_request_duration_seconds_count{method="POST",route="/v1/notices",code="200"}')" ]
sth_size=$(curl -s "http://127.0.0.1:${PORT[hub]}/v1/log/sth" | jq -r .tree_size)
leaves=$(value hub herald_hub_log_leaves)
check "hub: log leaves ($leaves) >= the tree size GET /v1/log/sth gave before ($sth_size) > 0" \
	[ "$sth_size" -gt 0 -a "$leaves" -ge "$sth_size" ]
check "hub: the STH's age is a number of seconds below a minute" \
	awk '$1 == "herald_hub_sth_age_seconds" {found = 1; if ($2 < 0 || $2 > 60) exit 1} END {exit !found}' "$T/hub.prom"
check "hub: the relay queue is empty once the demo settled" \
	[ "$(value hub 'herald_hub_queue_notices{queue="to_relay"}')" = 0 ]
# counted_as_in_db: the in-window gauge agrees with hub.db within a few
# seconds (both may move while the last consent windows close).
counted_as_in_db() {
	for _ in $(seq 1 30); do
		in_db=$(sqlite3 "file:$D/hub/hub.db?mode=ro" \
			"SELECT count(*) FROM notices WHERE state IN ('relayed', 'received')")
		scrape hub
		[ "$(value hub herald_hub_notices_in_window)" = "$in_db" ] && return 0
		sleep 0.2
	done
	echo "# in window: $(value hub herald_hub_notices_in_window), in hub.db: $in_db"
	return 1
}
check "hub: notices in a read window are those hub.db holds" counted_as_in_db
check "hub: hub.db's size is reported, and its WAL's" \
	bash -c 'grep -q "^herald_sqlite_file_bytes{db=\"hub.db\",file=\"main\"} [1-9]" "$0" &&
		grep -q "^herald_sqlite_file_bytes{db=\"hub.db\",file=\"wal\"} " "$0"' "$T/hub.prom"

received=$(( $(value messenger 'herald_platform_notices_total{event="received"}') +
	$(value carrier 'herald_platform_notices_total{event="received"}') ))
read_=$(( $(value messenger 'herald_platform_notices_total{event="read"}') +
	$(value carrier 'herald_platform_notices_total{event="read"}') ))
relayed=$(sum hub herald_hub_events_total 'event="RelayAcceptance"')
check "platforms: notices into inboxes ($received) equal the hub's RelayAcceptance events ($relayed)" \
	[ "$received" = "$relayed" -a "$received" -ge "$(jq_num .received)" ]
check "platforms: notices read ($read_) equal the demo's read" [ "$read_" = "$(jq_num .read)" ]
check "carrier: SMS alerts accepted equal the demo's sms alerts" \
	[ "$(value carrier 'herald_platform_alerts_total{channel="sms",outcome="accepted"}')" = "$(jq_num .alerts.sms)" ]
check "messenger: push alerts accepted equal the demo's push alerts" \
	[ "$(value messenger 'herald_platform_alerts_total{channel="push",outcome="accepted"}')" = "$(jq_num .alerts.push)" ]
delivered=$(( $(sum messenger herald_platform_alerts_total 'outcome="delivered"') +
	$(sum carrier herald_platform_alerts_total 'outcome="delivered"') ))
check "platforms: alerts delivered ($delivered) equal the demo's delivered" [ "$delivered" = "$(jq_num .alerts.delivered)" ]
check "agency: documents served (200) equal the notices read" \
	[ "$(value agency 'herald_http_requests_total{method="GET",route="/documents/{reference}",code="200"}')" = "$(jq_num .read)" ]
check "agency: the outbox gauge family is there" grep -q '^# TYPE herald_agency_outbox_events gauge' "$T/agency.prom"
check "idsvc: RRNs converted cover every notice" \
	[ "$(value idsvc 'herald_idsvc_rrns_total{outcome="converted"}')" -ge "$N" ]

# A role whose config says nothing of metrics keeps them off: 404.
start_role lone "$T/lone.log" idsvc --plain-http --key-file "$D/idsvc/ci.key" --clients "$D/idsvc/clients"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY" "http://127.0.0.1:$PORT_lone/metrics")
check "a role without metrics in its config answers GET /metrics with 404" [ "$code" = 404 ]
start_role open "$T/open.log" idsvc --plain-http --key-file "$D/idsvc/ci.key" --clients "$D/idsvc/clients" \
	--metrics public
code=$(curl -s -o "$T/open.prom" -w '%{http_code}' "http://127.0.0.1:$PORT_open/metrics")
check "with metrics = public it answers anyone, and promtool accepts it" \
	bash -c '[ "$0" = 200 ] && promtool check metrics <"$1" >/dev/null 2>&1' "$code" "$T/open.prom"
"$HERALD" idsvc --plain-http --key-file "$D/idsvc/ci.key" --clients "$D/idsvc/clients" --listen 127.0.0.1:0 \
	--metrics sometimes 2>"$T/bad.err"
check "a metrics mode that is not off, public or key is refused at start" \
	grep -q "metrics must be off, public or key" "$T/bad.err"

# The hub's scrape time after the run (reported, not asserted).
for _ in $(seq 1 50); do
	curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $KEY" \
		"http://127.0.0.1:${PORT[hub]}/metrics"
done | sort -n | awk '{t[NR] = $1} END {printf "# hub GET /metrics over 50 scrapes: median %.2f ms, max %.2f ms\n",
	t[int((NR + 1) / 2)] * 1000, t[NR] * 1000}'
scrape hub
awk '$1 ~ /^herald_http_request_duration_seconds_(sum|count)\{method="GET",route="\/metrics",code="200"\}/ {
	if ($1 ~ /_sum/) s = $2; else c = $2 }
	END {if (c) printf "# hub GET /metrics inside the server (its own histogram): %d scrapes, mean %.2f ms\n", c, s / c * 1000}' "$T/hub.prom"
finish
