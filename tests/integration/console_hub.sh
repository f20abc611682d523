#!/usr/bin/env bash
# The operators' console (/console on `herald hub`) with real processes:
# a real hub, a stand-in platform (fake_platform.py) and curl as the
# browser. Accounts are made with `hub user add`; TOTP codes are computed
# here by python3 from the secret it printed. Checks: sign-in with
# password and code, the cookie named for the hub's console, a form
# without its token or from another origin is 403, an agency console's
# cookie opens nothing, the pages show the backlog, the volumes per
# agency and platform, the relay latency, the platforms' health and the
# log's signed head after real notices went through, and no page holds
# an rk, a reference or a title.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

cd "$T"
key() { openssl rand -hex 32; }
sha() { printf %s "$1" | sha256sum | cut -c1-64; }
NTS=$(key) LIMS=$(key) MSG=$(key) CAR=$(key) HUBKEY=$(key)
(umask 077; echo "$HUBKEY" >hub.key)
"$HERALD" keygen --ed25519 --out log >/dev/null
P_MSG=$(free_port) P_CAR=$(free_port)
cat >hub.ini <<INI
[tls]
plain_http = loopback
[hub]
dir = data
listen = 127.0.0.1:0
hub_key_file = hub.key
log_key = log.key
relay_interval_ms = 50
sth_interval_ms = 100

[agency nts]
key_sha256 = $(sha "$NTS")

[agency lims]
key_sha256 = $(sha "$LIMS")

[platform messenger]
key_sha256 = $(sha "$MSG")
url = http://127.0.0.1:$P_MSG

[platform carrier]
key_sha256 = $(sha "$CAR")
url = http://127.0.0.1:$P_CAR
INI

# ---- accounts ----
add_user() { # NAME ROLE: prints the base32 secret
	echo "a long enough password for $1" |
		"$HERALD" hub user add "$1" --role "$2" --config hub.ini >"add-$1.out" 2>&1 &&
		sed -n 's/.*[?&]secret=\([A-Z2-7]*\).*/\1/p' "add-$1.out" | head -n1
}
OPS=$(add_user ops viewer)
check "hub user add prints an otpauth URI for the hub's console" \
	bash -c "[[ '$OPS' =~ ^[A-Z2-7]{32}$ ]] && grep -q '^otpauth://totp/herald-hub:ops?secret=' add-ops.out"
check "the account is in console.db in the hub's folder, mode 0600, no password in it" \
	bash -c "[ \"\$(stat -c %a data/console.db)\" = 600 ] && ! grep -aq 'long enough password' data/console.db"
check "hub user list names it" bash -c "'$HERALD' hub user list --config hub.ini | grep -q '^ops	viewer	'"
check "--role without add is refused" \
	bash -c "! '$HERALD' hub user list --role admin --config hub.ini 2>/dev/null"

# ---- a hub with real notices ----
for i in 1 2 3 4; do
	ci=$(openssl rand -base64 64 | tr -d '\n')
	eval "CI$i=$ci"
	eval "RK$i=$(printf 'herald-rk-v1:%s' "$ci" | sha256sum | cut -c1-64)"
done
printf '%s\n' "$RK1" "$RK2" "$RK3" >msg.members
python3 "$HERE/fake_platform.py" "$P_MSG" "$HUBKEY" msg.members messenger.jsonl 2>messenger.log &
PIDS+=($!)
for _ in $(seq 1 100); do grep -q listening messenger.log 2>/dev/null && break; sleep 0.05; done
# carrier stays down: its calls fail and it backs off.
start_role hub hub.log hub --config hub.ini || { not_ok "hub starts"; finish; }
H="http://127.0.0.1:$PORT_hub"
ORIGIN=$H
JSON="Content-Type: application/json"
C="$H/console"
dir=$(jq -nc --arg a "$RK1" --arg b "$RK2" --arg c "$RK3" \
	'{entries:[{rk:$a,consent:true,preference:1},{rk:$b,consent:true,preference:1},{rk:$c,consent:true,preference:1}]}')
curl -s -o /dev/null -H "$JSON" -H "Authorization: Bearer $MSG" -d "$dir" "$H/v1/directory"
curl -s -o /dev/null -H "$JSON" -H "Authorization: Bearer $CAR" \
	-d "$(jq -nc --arg d "$RK4" '{entries:[{rk:$d,consent:true,preference:1}]}')" "$H/v1/directory"
notice() { # N REF
	local ci; eval "ci=\$CI$1"
	jq -nc --arg ci "$ci" --arg ref "$2" '{reference:$ref, ci:$ci,
		title:"Secret-title-zz", doc_sha256:("ab" * 32),
		deadline:"2030-12-31T00:00:00.000Z", link:("http://127.0.0.1:7004/documents/" + $ref)}'
}
R=$(curl -s -H "$JSON" -H "Authorization: Bearer $NTS" \
	-d "$(jq -sc '{notices: .}' <(notice 1 REFNTS-1) <(notice 2 REFNTS-2) <(notice 4 REFNTS-4))" "$H/v1/notices")
check "nts submits three notices" bash -c "jq -e '.results | length == 3 and all(.state == \"accepted\")' <<<'$R' >/dev/null"
R=$(curl -s -H "$JSON" -H "Authorization: Bearer $LIMS" -d "$(jq -sc '{notices: .}' <(notice 3 REFLIMS-3))" "$H/v1/notices")
check "lims submits one" bash -c "jq -e '.results[0].state == \"accepted\"' <<<'$R' >/dev/null"
for _ in $(seq 1 100); do [ "$(wc -l <messenger.jsonl 2>/dev/null)" -ge 3 ] && break; sleep 0.1; done
check "messenger took its three" [ "$(wc -l <messenger.jsonl)" -ge 3 ]
N1=$(jq -r '.notice' <(head -n1 messenger.jsonl))
curl -s -o /dev/null -H "$JSON" -H "Authorization: Bearer $MSG" \
	-d "$(jq -nc --arg n "$N1" '{events:[{notice:$n,event:"ContentConsignment"}]}')" \
	"$H/v1/events"
sleep 0.5

# ---- sign-in ----
totp() {
	python3 - "$1" "${2:-0}" <<'PY'
import base64, hashlib, hmac, struct, sys, time
key = base64.b32decode(sys.argv[1])
mac = hmac.new(key, struct.pack(">Q", int(time.time()) // 30 + int(sys.argv[2])), hashlib.sha1).digest()
o = mac[-1] & 15
print("%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7fffffff) % 1000000))
PY
}
signin() { # JAR NAME PASSWORD CODE: prints the HTTP status
	local jar=$1 tok
	tok=$(curl -s -c "$jar" -b "$jar" "$C/signin" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n1)
	curl -s -o "$jar.page" -D "$jar.hdr" -w '%{http_code}' -c "$jar" -b "$jar" -H "Origin: $ORIGIN" \
		--data-urlencode "csrf=$tok" --data-urlencode "name=$2" --data-urlencode "password=$3" \
		--data-urlencode "code=$4" "$C/signin"
}
code_of() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

check "without a session /console sends to the sign-in page" \
	bash -c "curl -s -D - -o /dev/null '$C' | grep -qi '^location: /console/signin'"
check "without a session /console/volumes too" \
	bash -c "curl -s -D - -o /dev/null '$C/volumes' | grep -qi '^location: /console/signin'"
check "a wrong code: 401" [ "$(signin bad.jar ops 'a long enough password for ops' 000000)" = 401 ]
# The name typed at the sign-in goes to the log only as an account name
# could be: a line break in it must not forge a line of the hub's log.
FORGED='x
2026-01-01T00:00:00.000Z herald-hub info: hub console: root (admin) signed in from 10.9.9.9'
signin forged.jar "$FORGED" 'a long enough password for ops' 000000 >/dev/null
check "a name with a line break forges no line of the hub's log" \
	bash -c "grep -q 'failed sign-in as' hub.log && ! grep -q '^2026-01-01T00:00:00.000Z' hub.log"
check "the operator signs in with password and code: 303" \
	[ "$(signin ops.jar ops 'a long enough password for ops' "$(totp "$OPS")")" = 303 ]
check "the cookie is herald_hub_console, HttpOnly, SameSite=Strict, Path=/console" \
	grep -qi '^set-cookie: herald_hub_console=[0-9a-f]\{64\}; Path=/console; HttpOnly; SameSite=Strict' ops.jar.hdr
SID=$(awk '$6 == "herald_hub_console" {print $7}' ops.jar)

# ---- the pages ----
curl -s -D home.hdr -b ops.jar "$C" >home.html
curl -s -b ops.jar "$C/volumes" >volumes.html
curl -s -b ops.jar "$C/latency" >latency.html
check "the status page answers under a strict CSP, without script" \
	bash -c "grep -qi \"^content-security-policy: default-src 'none'\" home.hdr && ! grep -q '<script' home.html"
card() { tr -d '\n' <home.html | grep -o "$1</span></div><div class=\"v\">[0-9]*" | grep -o '[0-9]*$'; }
check "backlog: nothing left to relay but carrier's one ($(card 'Accepted, to relay'))" \
	[ "$(card 'Accepted, to relay')" = 1 ]
check "backlog: two relayed await their receipt ($(card 'Relayed, to report receipt'))" \
	[ "$(card 'Relayed, to report receipt')" = 2 ]
check "backlog: one received awaits its reading" [ "$(card 'Received, to report reading')" = 1 ]
check "the summaries agree with a count of the notices" \
	[ "$(sqlite3 data/hub.db 'select state, count(*) from notices group by 1 order by 1')" = \
	  "$(sqlite3 data/hub.db 'select state, n from tally_states where n != 0 order by 1')" ]
check "backlog: no read deadline due today" [ "$(card 'Read deadlines due by today')" = 0 ]
# A figure the database does not give is a dash and a word, never -1.
sqlite3 -cmd '.timeout 5000' data/hub.db "ALTER TABLE tally_states RENAME TO tally_states_away"
curl -s -b ops.jar "$C" >home_err.html
sqlite3 -cmd '.timeout 5000' data/hub.db "ALTER TABLE tally_states_away RENAME TO tally_states"
check "backlog the database cannot read: dashes and a note, no -1; the rest of the page still there" \
	bash -c "tr -d '\n' <home_err.html | grep -q 'Accepted, to relay</span></div><div class=\"v err\" title=\"could not be read\">&mdash;' &&
		grep -q 'Some figures could not be read from the database just now' home_err.html &&
		! grep -q '>-1<' home_err.html && grep -q 'size [1-9][0-9]*, root <code>' home_err.html"
curl -s -b ops.jar "$C" >home_back.html
check "... and once it can, the figures again" \
	bash -c "tr -d '\n' <home_back.html | grep -q 'Accepted, to relay</span></div><div class=\"v\">1<' && ! grep -q 'could not be read' home_back.html"
check "the platforms' health: messenger worked, carrier failed and backs off" \
	bash -c "tr -d '\n' <home.html | grep -q '<th scope=\"row\">messenger</th><td>[^<]*<span class=\"en\" lang=\"en\">[0-9]* s ago' &&
		tr -d '\n' <home.html | grep -q '<th scope=\"row\">carrier</th><td>[^<]*<span class=\"en\" lang=\"en\">never</span></td><td>[^<]*<span class=\"en\" lang=\"en\">[0-9]* s ago</span></td><td class=\"n\">[1-9]'"
check "... messenger never failed: its row says never, 0 in a row, and a few calls none failed" \
	bash -c "tr -d '\n' <home.html | grep -q '<th scope=\"row\">messenger</th><td>[^/]*/span></td><td>[^<]*<span class=\"en\" lang=\"en\">never</span></td><td class=\"n\">0</td><td class=\"n\">[1-9][0-9]\{0,2\} / 0</td>'"
check "the log's signed head with its size and root, and the in-process signer" \
	bash -c "grep -q 'size [1-9][0-9]*, root <code>[0-9a-f]\{64\}</code>' home.html && grep -q 'the hub signs (log_key)' home.html"
today=$(date -u +%F)
row() { # NAME: today's cells in the volumes table
	tr -d '\n' <volumes.html | grep -o "<tr><th scope=\"row\">$1</th><td>$today</td>[^/]*\(/td><td class=\"n\">[0-9]*<\)*" |
		grep -o 'class="n">[0-9]*' | grep -o '[0-9]*$' | tr '\n' ' '
}
check "volumes: nts accepted 3 today, 2 relayed, 1 received ($(row nts))" bash -c "[[ '$(row nts)' == '3 2 1 0 '* ]]"
check "volumes: lims accepted 1, relayed 1 ($(row lims))" bash -c "[[ '$(row lims)' == '1 1 '* ]]"
check "volumes: messenger relayed 3 today ($(row messenger))" bash -c "[[ '$(row messenger)' == '0 3 '* ]]"
check "volumes: charts in SVG with titles" \
	bash -c "grep -q '<svg role=\"img\" aria-labelledby=\"agencies-chart\"' volumes.html && grep -q '<svg role=\"img\" aria-labelledby=\"platforms-chart-days\"' volumes.html"
check "latency: three relays in the histogram, all within a second or five" \
	bash -c "tr -d '\n' <latency.html | grep -o '<th scope=\"row\">≤ [15] s</th><td class=\"n\">[0-9]*' | grep -o '[0-9]*$' | paste -sd+ | bc | grep -qx 3"
# Names come from hub.ini, which allows no markup; a row written into the
# summaries by hand shows that every label is escaped, in the SVG too.
sqlite3 data/hub.db "INSERT INTO tally_days VALUES ($(($(date +%s) / 86400)), '<b>x&y</b>', '', 'accepted', 5)"
curl -s -b ops.jar "$C/volumes" >escaped.html
check "a name with markup is escaped in the charts and the table" \
	bash -c "grep -q '<text [^>]*>&lt;b&gt;x&amp;y&lt;/b&gt;</text>' escaped.html &&
		grep -q '<th scope=\"row\">&lt;b&gt;x&amp;y&lt;/b&gt;</th>' escaped.html && ! grep -q '<b>x' escaped.html"
# Past 64 names the page says that it leaves some out, and its bars per
# day still count every one: 3 + 1 + 5 + 70 accepted today.
sqlite3 data/hub.db "WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 69)
	INSERT INTO tally_days SELECT $(($(date +%s) / 86400)), printf('a%02d', i), '', 'accepted', 1 FROM k"
curl -s -b ops.jar "$C/volumes" >many.html
check "73 agencies: the page says it leaves names out of the table and chart per name" \
	grep -q 'More than 64 names: the rest are left out' many.html
check "... and the bars per day count all 79 accepted today" \
	bash -c "tr -d '\n' <many.html | grep -o '$today</text><rect [^>]*/><text [^>]*>[0-9]*' | head -n1 | grep -q '>79\$'"
check "no page holds an rk, a reference, a title or a CI" \
	bash -c "! cat home.html volumes.html latency.html | grep -qE '$RK1|$RK2|$RK3|$RK4|REFNTS|REFLIMS|Secret-title|${CI1:0:20}'"

# ---- forms and cookies ----
TOK=$(curl -s -b ops.jar "$C" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n1)
check "a sign-out without its form token: 403" \
	[ "$(code_of -b ops.jar -H "Origin: $ORIGIN" --data 'x=1' "$C/signout")" = 403 ]
check "a sign-out with a wrong token: 403" \
	[ "$(code_of -b ops.jar -H "Origin: $ORIGIN" --data 'csrf=00' "$C/signout")" = 403 ]
check "a sign-out from another origin: 403" \
	[ "$(code_of -b ops.jar -H 'Origin: http://evil.example' --data "csrf=$TOK" "$C/signout")" = 403 ]
check "a sign-in without its form token: 403" \
	[ "$(code_of -H "Origin: $ORIGIN" --data 'name=ops&password=x&code=000000' "$C/signin")" = 403 ]
check "the session's value under the agency console's cookie name opens nothing" \
	bash -c "curl -s -D - -o /dev/null -H 'Cookie: herald_agency_console=$SID' '$C' | grep -qi '^location: /console/signin'"
# An agency console's session of the same value, stored as the agency's
# console stores its sessions, does not open the hub's pages.
sqlite3 data/console.db "INSERT INTO console_users SELECT 'agency', name, role, pw_hash, totp_secret,
	totp_last_step, created_ms FROM console_users WHERE console = 'hub';
	UPDATE console_sessions SET console = 'agency';"
check "an agency console's session, sent as herald_hub_console, opens nothing" \
	bash -c "curl -s -D - -o /dev/null -b ops.jar '$C' | grep -qi '^location: /console/signin'"
sqlite3 data/console.db "UPDATE console_sessions SET console = 'hub'"
check "... and the same session as the hub's opens the page again" [ "$(code_of -b ops.jar "$C")" = 200 ]
check "sign-out with the token: 303, and the session is over" \
	bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -b ops.jar -H 'Origin: $ORIGIN' --data 'csrf=$TOK' '$C/signout')\" = 303 ] &&
		curl -s -D - -o /dev/null -b ops.jar '$C' | grep -qi '^location: /console/signin'"
check "hub user remove ends the account" \
	bash -c "'$HERALD' hub user remove ops --config hub.ini >/dev/null && ! '$HERALD' hub user list --config hub.ini | grep -q ops"
check "the hub logs no rk" bash -c "! grep -qE '$RK1|$RK2|$RK3|$RK4' hub.log"
finish
