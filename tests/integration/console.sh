#!/usr/bin/env bash
# The agency's console (/console on `agency serve`) with real processes:
# a real idsvc, the stand-in hub (stub_hub.py) and curl as the browser.
# Accounts are made with `agency user add`; TOTP codes are computed here
# by python3 from the secret it printed. Checks: sign-in with password
# and code, a code used twice, cookies' attributes, a wrong form token or
# a foreign Origin is 403, a cookie of another console opens nothing, a
# viewer cannot send or cancel, an attacker's failures do not keep the
# victim out, an upload with a bad row shows the line's error before
# anything is sent, an oversized upload is refused before it is read, the
# send makes a job, the dashboard's counts move with the feed, search,
# the certificate download, cancel, paper letters and templates, and a
# removed account's session ends.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

cd "$T"
"$HERALD" keygen --hmac --out ci.key
IDKEY=$("$HERALD" apikey --name nts --clients idsvc.clients)
"$HERALD" keygen --ed25519 --out messenger >/dev/null
HUBKEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
(umask 077; echo "$IDKEY" >idsvc.key; echo "$HUBKEY" >hub.key)

start_role idsvc idsvc.log idsvc --key-file ci.key --plain-http --clients idsvc.clients ||
	{ not_ok "idsvc starts"; finish; }
python3 "$HERE/stub_hub.py" "$HUBKEY" 2>hub.log &
PIDS+=($!)
for _ in $(seq 1 100); do
	HUBPORT=$(sed -n 's/.*listening on .*(port \([0-9]*\)).*/\1/p' hub.log | head -n1)
	[ -n "$HUBPORT" ] && break
	sleep 0.05
done
check "the stand-in hub starts" [ -n "$HUBPORT" ]
HUB="http://127.0.0.1:$HUBPORT"

AGPORT=$(free_port)
ORIGIN="http://127.0.0.1:$AGPORT"
C="$ORIGIN/console"
mkdir -p data/templates
cat >agency.ini <<INI
[tls]
plain_http = loopback
[agency]
name = nts
dir = data
listen = 127.0.0.1:$AGPORT
public_url = $ORIGIN/
poll_ms = 100
report_ms = 100

[idsvc]
url = http://127.0.0.1:$PORT_idsvc
key_file = idsvc.key

[hub]
url = $HUB
key_file = hub.key

[platform messenger]
view_pub = messenger.pub
INI
cat >data/templates/vehicle-tax.html <<'HTML'
<!doctype html><html lang="ko"><meta charset="utf-8"><title>((title))</title>
<p>((name)) 님 / ((address))</p><p>Amount: ((amount)) 원 (< 1,000,000), 기한 ((deadline))</p>
HTML

# ---- accounts ----
add_user() { # NAME ROLE: prints the base32 secret
	echo "a long enough password for $1" |
		"$HERALD" agency user add "$1" --role "$2" --config agency.ini >"add-$1.out" 2>&1 &&
		sed -n 's/.*[?&]secret=\([A-Z2-7]*\).*/\1/p' "add-$1.out" | head -n1
}
ADMIN=$(add_user chief admin)
VIEWER=$(add_user clerk viewer)
VICTIM=$(add_user officer sender)
check "agency user add prints an otpauth URI with a 32-character base32 secret" \
	bash -c "[[ '$ADMIN' =~ ^[A-Z2-7]{32}$ ]] && grep -q '^otpauth://totp/herald-agency:chief?secret=' add-chief.out"
check "... and a QR code in the terminal" grep -q '█' add-chief.out
check "a short password is refused" \
	bash -c "! echo short | '$HERALD' agency user add x --role admin --config agency.ini 2>err && grep -q 'at least 10' err"
check "a second account of the same name is refused" \
	bash -c "! echo 'another long password' | '$HERALD' agency user add chief --role viewer --config agency.ini 2>/dev/null"
check "a role that does not exist is refused" \
	bash -c "! echo 'another long password' | '$HERALD' agency user add boss --role owner --config agency.ini 2>/dev/null"
check "agency user list names the three with their roles" \
	bash -c "'$HERALD' agency user list --config agency.ini | awk '{print \$1, \$2}' | tr '\n' ' ' | grep -qx 'chief admin clerk viewer officer sender '"
check "no password in the database" bash -c "! grep -aq 'long enough password' data/agency.db"

start_role agency agency.log agency serve --config agency.ini ||
	{ not_ok "agency serve starts"; finish; }

# totp SECRET [STEPS]: the code for now (+ STEPS x 30 s), RFC 6238.
totp() {
	python3 - "$1" "${2:-0}" <<'PY'
import base64, hashlib, hmac, struct, sys, time
key = base64.b32decode(sys.argv[1])
mac = hmac.new(key, struct.pack(">Q", int(time.time()) // 30 + int(sys.argv[2])), hashlib.sha1).digest()
o = mac[-1] & 15
print("%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7fffffff) % 1000000))
PY
}
# signin JAR NAME PASSWORD CODE [SOURCE]: prints the HTTP status
signin() {
	local jar=$1 src=${5:-127.0.0.1} tok
	tok=$(curl -s --interface "$src" -c "$jar" -b "$jar" "$C/signin" |
		sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n1)
	curl -s --interface "$src" -o "$jar.page" -D "$jar.hdr" -w '%{http_code}' -c "$jar" -b "$jar" \
		-H "Origin: $ORIGIN" --data-urlencode "csrf=$tok" --data-urlencode "name=$2" \
		--data-urlencode "password=$3" --data-urlencode "code=$4" "$C/signin"
}
token_of() { curl -s -b "$1" "$2" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n1; }
code_of() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

# ---- sign-in ----
check "without a session the dashboard sends to the sign-in page" \
	bash -c "curl -s -D - -o /dev/null '$C' | grep -qi '^location: /console/signin'"
CODE=$(totp "$ADMIN")
check "the admin signs in with password and code: 303 to /console" \
	[ "$(signin admin.jar chief 'a long enough password for chief' "$CODE")" = 303 ]
check "the session cookie is HttpOnly, SameSite=Strict, Path=/console, named for the agency console" \
	grep -qi '^set-cookie: herald_agency_console=[0-9a-f]\{64\}; Path=/console; HttpOnly; SameSite=Strict' admin.jar.hdr
check "the dashboard answers 200 with its funnel in SVG, under a strict CSP" \
	bash -c "curl -s -D dash.hdr -b admin.jar '$C' >dash.html && grep -q '<svg role=\"img\"' dash.html &&
		grep -qi \"^content-security-policy: default-src 'none'\" dash.hdr && ! grep -q '<script' dash.html"
check "the same code a second time is refused (401)" \
	[ "$(signin again.jar chief 'a long enough password for chief' "$CODE")" = 401 ]
WRONG=$(signin wrong.jar chief 'not the password at all' "$(totp "$ADMIN" 1)")
check "a wrong password with the right next code: 401, and the page says not which" \
	bash -c "[ '$WRONG' = 401 ] && grep -q 'name, password or code is wrong' wrong.jar.page"

# ---- forms: token and origin ----
TOK=$(token_of admin.jar "$C")
check "a POST with a wrong form token: 403" \
	[ "$(code_of -b admin.jar -H "Origin: $ORIGIN" --data 'csrf=00' "$C/signout")" = 403 ]
check "a POST from a foreign Origin: 403" \
	[ "$(code_of -b admin.jar -H 'Origin: http://evil.example' --data "csrf=$TOK" "$C/signout")" = 403 ]
check "a POST with neither Origin nor Referer: 403" \
	[ "$(code_of -b admin.jar --data "csrf=$TOK" "$C/signout")" = 403 ]
check "a sign-in without its form token: 403" \
	[ "$(code_of -H "Origin: $ORIGIN" --data 'name=chief&password=x&code=000000' "$C/signin")" = 403 ]
SID=$(awk '$6 == "herald_agency_console" {print $7}' admin.jar)
check "the session's value under another console's cookie name opens nothing" \
	bash -c "curl -s -D - -o /dev/null -H 'Cookie: herald_hub_console=$SID' '$C' | grep -qi '^location: /console/signin'"
check "a made-up session opens nothing" \
	bash -c "curl -s -D - -o /dev/null -H 'Cookie: herald_agency_console=$(printf 'ab%.0s' $(seq 32))' '$C' | grep -qi '^location: /console/signin'"

# ---- lock-out that cannot be turned against a victim ----
# 3 failures are free, then each doubles the wait (1 s, 2 s, ...): a slow
# machine (ASan: a password check takes most of a second) may see one
# wait pass, so the statuses are gathered.
codes=""
for i in $(seq 1 8); do codes="$codes $(signin atk.jar officer "wrong guess $i" 000000 127.0.0.2)"; done
check "an attacker's repeated failures from one source are slowed: 429 ($codes)" \
	bash -c "[[ '$codes' == ' 401 401 401 '* && '$codes' == *429* ]]"
check "... and logged" grep -q 'sign-in as officer from 127.0.0.2 refused: too many failures for this account from this source' agency.log
check "the victim signs in at once from another source" \
	[ "$(signin victim.jar officer 'a long enough password for officer' "$(totp "$VICTIM")" 127.0.0.3)" = 303 ]
# Sources failing in turn on the account space its attempts 30 s apart
# for everyone; the victim's browser, which signed in before, passes.
check "the sign-in leaves the browser a device cookie (HttpOnly, SameSite=Strict, 90 days)" \
	grep -qi '^set-cookie: herald_agency_device=[0-9a-f]\{64\}; Path=/console; Max-Age=7776000; HttpOnly; SameSite=Strict' victim.jar.hdr
for s in 4 5 6 7; do
	for i in 1 2 3; do signin "atk$s.jar" officer "wrong guess $s$i" 000000 127.0.0.$s >/dev/null; done
done
r=$(signin fresh.jar officer 'a long enough password for officer' "$(totp "$VICTIM" 1)" 127.0.0.8)
check "four sources failing in turn space the account's sign-ins: the owner on a new browser waits ($r)" \
	bash -c "[ $r = 429 ] && grep -q 'sign-in as officer from 127.0.0.8 refused: this account is being tried from many sources' agency.log"
grep -v 'herald_agency_console' victim.jar >device.jar
check "... on the browser it signed in from before, the owner signs in at once (303)" \
	[ "$(signin device.jar officer 'a long enough password for officer' "$(totp "$VICTIM" 1)" 127.0.0.8)" = 303 ]

# ---- roles ----
check "the viewer signs in" \
	[ "$(signin viewer.jar clerk 'a long enough password for clerk' "$(totp "$VIEWER")")" = 303 ]
VTOK=$(token_of viewer.jar "$C")
check "the viewer sees the dashboard, without the send link" \
	bash -c "curl -s -b viewer.jar '$C' >v.html && grep -q 'Dashboard' v.html && ! grep -q 'href=\"/console/send\"' v.html"
check "the viewer cannot open the send page: 403" [ "$(code_of -b viewer.jar "$C/send")" = 403 ]
check "the viewer cannot upload: 403" \
	[ "$(code_of -b viewer.jar -H "Origin: $ORIGIN" -F "csrf=$VTOK" -F 'csv=@/dev/null' "$C/send/preview")" = 403 ]
check "the viewer cannot send: 403" \
	[ "$(code_of -b viewer.jar -H "Origin: $ORIGIN" --data "csrf=$VTOK&draft=x" "$C/send")" = 403 ]
check "the viewer cannot cancel: 403" \
	[ "$(code_of -b viewer.jar -H "Origin: $ORIGIN" --data "csrf=$VTOK&reason=x" "$C/notices/csv-1/cancel")" = 403 ]

# ---- upload, preview, send ----
today=$(date -u +%F)
# today's figure of column N (1 submitted ... 7 cancelled) on the dashboard
today_count() {
	curl -s -b admin.jar "$C" | tr -d '\n' | sed -n "s|.*<tr><th scope=\"row\">$today</th>\(.*\)|\1|p" |
		sed 's|</tr>.*||' | grep -o '<td class="n">[0-9]*</td>' | sed -n "${1}p" | grep -o '[0-9]*'
}
SUB0=$(today_count 1)
check "the dashboard shows today's row, nothing submitted yet" [ "$SUB0" = 0 ]
printf '%s\n' 'reference,rrn,name,address,amount' \
	'csv-1,020704-4123451,박민수,"서울, 종로구",10000' \
	'csv-2,971313-1019902,김철수,부산,20000' \
	'csv-3,971013-9019902,홍길동,서울,30000' \
	'csv-4,850315-1234566,이영희,대전,40000' >bulk.csv
TOK=$(token_of admin.jar "$C/send")
check "the send page lists the templates" bash -c "curl -s -b admin.jar '$C/send' | grep -q '<option>vehicle-tax</option>'"
curl -s -b admin.jar -H "Origin: $ORIGIN" -F "csrf=$TOK" -F template=vehicle-tax -F 'title=Vehicle tax' \
	-F deadline=$TEST_DEADLINE -F 'csv=@bulk.csv;type=text/csv' -w '%{http_code}' -o preview.html \
	"$C/send/preview" >preview.code
check "the preview answers 200" [ "$(cat preview.code)" = 200 ]
# The upload reads its own form: its origin and token are checked as any
# POST's, by a sender too.
upload_code() { # ORIGIN TOKEN
	curl -s -o /dev/null -w '%{http_code}' -b admin.jar -H "Origin: $1" -F "csrf=$2" -F template=vehicle-tax \
		-F 'title=Vehicle tax' -F deadline=$TEST_DEADLINE -F 'csv=@bulk.csv;type=text/csv' "$C/send/preview"
}
check "an upload from a foreign origin or with another form's token: 403, by a sender too" \
	[ "$(upload_code http://evil.example "$TOK")/$(upload_code "$ORIGIN" "$VTOK")/$(upload_code "$ORIGIN" '')" = 403/403/403 ]
check "the preview shows the first documents rendered" grep -q '박민수 님 / 서울, 종로구' preview.html
check "... as a browser reads them: '<' before a space is text, not a tag" grep -q '원 (&lt; 1,000,000), 기한' preview.html
check "the preview names the bad row by its line in the file (line 3, rrn)" \
	bash -c "tr -d '\n' <preview.html | grep -q '<tr class=\"err\"><td>3</td><td>rrn</td>'"
check "the preview shows no RRN" bash -c "! grep -qE '4123451|1019902|9019902' preview.html"
check "nothing went to the hub before the send" [ "$(curl -s "$HUB/test/state" | jq '.submissions | length')" = 0 ]
DRAFT=$(sed -n 's/.*name="draft" value="\([0-9a-f]*\)".*/\1/p' preview.html)
check "the preview offers to send the 3 good rows" bash -c "grep -q 'Send 3 notices' preview.html && [ -n '$DRAFT' ]"
# A value that makes an RRN with the template's text beside it: the row's
# error names the field, as the API does, and shows no digits.
printf '<p>((name)): 800101-((amount))</p>\n' >data/templates/seam.html
printf '%s\n' 'reference,rrn,name,address,amount' 'seam-1,020704-4123451,박민수,서울,1234567' >seam.csv
curl -s -b admin.jar -H "Origin: $ORIGIN" -F "csrf=$TOK" -F template=seam -F 'title=Seam' \
	-F deadline=$TEST_DEADLINE -F 'csv=@seam.csv;type=text/csv' -o seam.html "$C/send/preview"
check "a value making an RRN with the template's text: the preview names its field, no digits" \
	bash -c "tr -d '\n' <seam.html | grep -q '<tr class=\"err\"><td>2</td><td>personalisation.amount</td>' &&
		! grep -q '1234567' seam.html"
rm -f data/templates/seam.html
check "another account cannot send that draft" \
	[ "$(code_of -b victim.jar -H "Origin: $ORIGIN" --data "csrf=$(token_of victim.jar "$C")&draft=$DRAFT" "$C/send")" = 409 ]
LOC=$(curl -s -D - -o /dev/null -b admin.jar -H "Origin: $ORIGIN" --data "csrf=$TOK&draft=$DRAFT" "$C/send" |
	sed -n 's/^[Ll]ocation: \(.*\)\r$/\1/p')
check "send: 303 to the job's page" bash -c "[[ '$LOC' =~ ^/console/jobs/job-[0-9a-f]+$ ]]"
JOB=${LOC#/console/jobs/}
for _ in $(seq 1 100); do
	curl -s -b admin.jar "$ORIGIN$LOC" >job.html
	grep -q '<strong>done</strong>' job.html && break
	sleep 0.05
done
check "the job finishes: 3 accepted, the bad row refused with its reason" \
	bash -c "grep -q 'accepted 3' job.html && grep -q 'refused 1' job.html"
check "the same draft cannot be sent twice" \
	[ "$(code_of -b admin.jar -H "Origin: $ORIGIN" --data "csrf=$TOK&draft=$DRAFT" "$C/send")" = 409 ]
check "the notices reached the hub" [ "$(curl -s "$HUB/test/state" | jq '.submissions | length')" = 3 ]

# ---- the dashboard's counts move ----
check "today's submitted count is now 3" [ "$(today_count 1)" = 3 ]
check "the job is on the dashboard" bash -c "curl -s -b admin.jar '$C' | grep -q '$JOB'"
REF1=$(curl -s -b admin.jar "$C/notices/csv-1" | grep -o 'api-[0-9a-f]\{32\}' | head -n1)
curl -s -X POST -d "{\"reference\":\"$REF1\",\"state\":\"received\"}" "$HUB/test/change" >/dev/null
until_count() { for _ in $(seq 1 100); do [ "$(today_count "$1")" = "$2" ] && return 0; sleep 0.05; done; return 1; }
check "received moves to 1 with the feed" until_count 3 1
curl -s -X POST -d "{\"reference\":\"$REF1\",\"state\":\"read\"}" "$HUB/test/change" >/dev/null
check "read moves to 1" until_count 4 1
# Figures the database does not give are said to be missing, not shown as 0.
# A table renamed away and back: SQLite 3.40 rewrites the counting
# triggers' upserts as it renames (excluded.n becoming the table's own n),
# so they are put back as they were.
sqlite3 data/agency.db "SELECT sql || ';' FROM sqlite_master WHERE type = 'trigger'" >triggers.sql
away() { sqlite3 -cmd '.timeout 5000' data/agency.db "$(for t; do echo "ALTER TABLE $t RENAME TO ${t}_away;"; done)"; }
back() {
	sqlite3 -cmd '.timeout 5000' data/agency.db "BEGIN; $(for t; do echo "ALTER TABLE ${t}_away RENAME TO $t;"; done)
		$(sqlite3 data/agency.db "SELECT 'DROP TRIGGER ' || name || ';' FROM sqlite_master WHERE type = 'trigger'")
		$(cat triggers.sql) COMMIT;"
}
away console_daily
curl -s -o dayerr.html -w '%{http_code}' -b viewer.jar "$C" >dayerr.code
back console_daily
check "the day's figures unreadable: 503 saying so, not a week of zeros" \
	bash -c "[ \"\$(cat dayerr.code)\" = 503 ] && grep -q 'The figures could not be read just now' dayerr.html"
away console_jobs console_read_times
curl -s -b viewer.jar "$C" >parterr.html
back console_jobs console_read_times
check "the jobs and read times unreadable: the page says so for each, not 'none yet' or no jobs" \
	bash -c "grep -q 'The jobs could not be read just now' parterr.html && grep -q 'could not be read just now</span>' parterr.html &&
		! grep -q 'none yet' parterr.html && grep -q 'Last 7 days' parterr.html"
check "... and once they can, the job and the median again" \
	bash -c "curl -s -b viewer.jar '$C' >partok.html && grep -q '$JOB' partok.html && ! grep -q 'could not be read' partok.html"
check "... and the counting triggers are as they were" \
	bash -c "sqlite3 data/agency.db \"SELECT sql || ';' FROM sqlite_master WHERE type = 'trigger'\" | cmp -s - triggers.sql"

# ---- search, certificate, cancel ----
check "search by the back office's reference goes to the notice" \
	bash -c "curl -s -D - -o /dev/null -b viewer.jar '$C/notices?q=csv-1' | grep -qi '^location: /console/notices/csv-1'"
curl -s -D rrnq.hdr -o rrnq.html -b viewer.jar "$C/notices?q=850315-1234566"
rrn_search_refused() {
	grep -q '^HTTP/1.1 200' rrnq.hdr && ! grep -qi '^location:' rrnq.hdr &&
		grep -q 'not by a resident registration number' rrnq.html && ! grep -q 1234566 rrnq.html
}
check "search by an RRN: no redirect to it, the page says to search by reference and shows no digits of it" \
	rrn_search_refused
# A database fault while the session is read is ours: not "sign in".
sqlite3 -cmd '.timeout 5000' data/agency.db "ALTER TABLE console_sessions RENAME TO console_sessions_away"
c1=$(code_of -b viewer.jar "$C")
sqlite3 -cmd '.timeout 5000' data/agency.db "ALTER TABLE console_sessions_away RENAME TO console_sessions"
c2=$(code_of -b viewer.jar "$C")
check "a database fault reading the session: 503, not the sign-in page; then the page again (200)" \
	[ "$c1/$c2" = 503/200 ]
check "the notice page shows its state and timeline" \
	bash -c "curl -s -b viewer.jar '$C/notices/csv-1' >n.html && grep -q '<td>read</td>' n.html && grep -q 'Timeline' n.html"
check "search by job lists its notices and the refused row" \
	bash -c "curl -s -b viewer.jar '$C/notices?job=$JOB' >j.html && grep -q 'csv-3' j.html && grep -q 'Refused rows' j.html"
sqlite3 -cmd '.timeout 5000' data/agency.db "ALTER TABLE api_jobs RENAME TO api_jobs_away"
curl -s -b viewer.jar "$C/notices?job=$JOB" >jerr.html
sqlite3 -cmd '.timeout 5000' data/agency.db "ALTER TABLE api_jobs_away RENAME TO api_jobs"
check "a job the database cannot read just now says so, not 'No such job'" \
	bash -c "grep -q 'The job could not be read just now' jerr.html && ! grep -q 'No such job' jerr.html"
curl -s -D cert.hdr -o cert.pdf -b viewer.jar "$C/notices/csv-1/certificate?format=pdf"
check "the certificate downloads as a PDF attachment, with the console's headers (nosniff, CSP)" \
	bash -c "grep -qi '^content-type: application/pdf' cert.hdr && grep -qi '^content-disposition: attachment' cert.hdr && head -c 5 cert.pdf | grep -q '%PDF' &&
		grep -qi '^x-content-type-options: nosniff' cert.hdr && grep -qi '^content-security-policy: ' cert.hdr"
curl -s -D page.hdr -o /dev/null -b viewer.jar "$C/notices/csv-1"
check "a console page says Cache-Control once: no-store" \
	bash -c "[ \$(grep -ci '^cache-control:' page.hdr) = 1 ] && grep -qi '^cache-control: no-store' page.hdr"
check "and as JSON" bash -c "curl -s -b viewer.jar '$C/notices/csv-3/certificate?format=json' | jq -e . >/dev/null"
TOK=$(token_of admin.jar "$C/notices/csv-3")
check "the admin cancels a notice: to its page, which says so" \
	bash -c "curl -s -L -b admin.jar -H 'Origin: $ORIGIN' --data 'csrf=$TOK&reason=sent+by+mistake' '$C/notices/csv-3/cancel' | grep -q 'Cancelled: cancelled'"
check "cancelled moves to 1" until_count 7 1

# ---- paper letters and templates ----
REF4=$(curl -s -b admin.jar "$C/notices/csv-4" | grep -o 'api-[0-9a-f]\{32\}' | head -n1)
curl -s -X POST -d "{\"reference\":\"$REF4\"}" "$HUB/test/postal" >/dev/null
check "paper moves to 1" until_count 5 1
"$HERALD" agency postal --config agency.ini --letters >letters.json 2>letters.err
BATCH=$(jq -r .batch letters.json 2>/dev/null)
check "the letters page lists the batch agency postal --letters printed" \
	bash -c "[ -n '$BATCH' ] && curl -s -b viewer.jar '$C/letters' | grep -q '$BATCH'"
check "a viewer may not download the letters (names and addresses): 403" \
	[ "$(code_of -b viewer.jar "$C/letters/$BATCH?file=pdf")" = 403 ]
check "an admin downloads the batch's PDF and its manifest" \
	bash -c "curl -s -b admin.jar '$C/letters/$BATCH?file=pdf' | head -c 5 | grep -q '%PDF' &&
		curl -s -b admin.jar '$C/letters/$BATCH?file=csv' | grep -q '^letter,reference'"
check "a batch name that is not one: 404" [ "$(code_of -b admin.jar "$C/letters/..%2Fagency.db?file=pdf")" = 404 ]
# A batch the printing threads split is letters-BATCH-1.pdf to -K.pdf:
# the same file under those names stands in for one here.
D=$(dirname "$(find . -name "letters-$BATCH.pdf" | head -1)")
mv "$D/letters-$BATCH.pdf" "$D/letters-$BATCH-1.pdf" && cp "$D/letters-$BATCH-1.pdf" "$D/letters-$BATCH-2.pdf"
check "a batch split in two PDFs: the letters page links both parts" \
	bash -c "curl -s -b viewer.jar '$C/letters' | grep -q '$BATCH?file=pdf&amp;part=2\">PDF 2/2'"
check "... and each part downloads, named as on disk" \
	bash -c "for k in 1 2; do curl -s -D h\$k -b admin.jar '$C/letters/$BATCH?file=pdf&part='\$k | head -c 5 | grep -q '%PDF' &&
		grep -qi \"filename=.letters-$BATCH-\$k.pdf\" h\$k || exit 1; done"
check "... a part that is not there, or not a part number: 404" \
	bash -c "for k in 3 0 x 1x -1 17; do [ \"\$(curl -s -o /dev/null -w '%{http_code}' -b admin.jar '$C/letters/$BATCH?file=pdf&part='\$k)\" = 404 ] || exit 1; done"
check "the templates page lists the template, and its preview shows each field as [name]" \
	bash -c "curl -s -b viewer.jar '$C/templates' | grep -q 'vehicle-tax' &&
		curl -s -b viewer.jar '$C/templates/vehicle-tax' | grep -q '\[name\] 님 / \[address\]'"

# ---- limits ----
head -c $((5 * 1024 * 1024)) /dev/zero | tr '\0' a >big.csv
check "an upload over 4 MiB is refused (413) before it is read" \
	[ "$(code_of -b admin.jar -H "Origin: $ORIGIN" -F "csrf=$TOK" -F 'csv=@big.csv' "$C/send/preview")" = 413 ]
head -c 100000 big.csv >mid.csv
check "without a sender's session an upload is a form's size: 100 KB refused (413) before it is read, signed out or viewer" \
	bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -H 'Expect: 100-continue' -H 'Origin: $ORIGIN' -F csrf=x -F 'csv=@mid.csv' '$C/send/preview')\" = 413 ] &&
		[ \"\$(curl -s -o /dev/null -w '%{http_code}' -H 'Expect: 100-continue' -b viewer.jar -H 'Origin: $ORIGIN' -F 'csrf=$VTOK' -F 'csv=@mid.csv' '$C/send/preview')\" = 413 ] &&
		[ \"\$(curl -s -o /dev/null -w '%{http_code}' -b admin.jar -H 'Origin: $ORIGIN' -F 'csrf=$TOK' -F 'csv=@mid.csv' '$C/send/preview')\" != 413 ]"

{ echo 'reference,rrn,name,address,amount'; for i in $(seq 1 50001); do echo "m-$i,850315-1234566,가,나,1"; done; } >many.csv
check "a preview of 50,001 rows: 413, the page saying at most 50,000 a file" \
	bash -c "[ \"\$(curl -s -o many.html -w '%{http_code}' -b admin.jar -H 'Origin: $ORIGIN' -F 'csrf=$TOK' \
		-F template=vehicle-tax -F 'title=Vehicle tax' -F deadline=$TEST_DEADLINE -F 'csv=@many.csv' '$C/send/preview')\" = 413 ] &&
		grep -q 'A file may hold at most 50000 rows' many.html"
TITLE200=$(printf 'x%.0s' $(seq 1 200))
check "a title of 200 bytes, the most a title may have, is taken" \
	bash -c "curl -s -b admin.jar -H 'Origin: $ORIGIN' -F 'csrf=$TOK' -F template=vehicle-tax -F 'title=$TITLE200' \
		-F deadline=$TEST_DEADLINE -F 'csv=@bulk.csv;type=text/csv' '$C/send/preview' | grep -q 'rows can be sent'"

# ---- sign-out and removal ----
TOK=$(token_of victim.jar "$C")
check "sign-out ends the session" \
	bash -c "curl -s -o /dev/null -b victim.jar -c victim.jar -H 'Origin: $ORIGIN' --data 'csrf=$TOK' '$C/signout' &&
		curl -s -D - -o /dev/null -b victim.jar '$C' | grep -qi '^location: /console/signin'"
"$HERALD" agency user remove clerk --config agency.ini >/dev/null
check "a removed account's session ends at once" \
	bash -c "curl -s -D - -o /dev/null -b viewer.jar '$C' | grep -qi '^location: /console/signin'"
finish
