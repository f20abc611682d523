#!/usr/bin/env bash
# Cancel, retention and the hub's per-agency limits, with every role real
# (idsvc, hub, platform, agency send and serve) on the injected clock
# (HERALD_CLOCK_FILE):
#   A's notice is cancelled before she reads it: her inbox shows it
#   withdrawn, the platform issues no view token, the agency refuses the
#   token she got before, and past its deadline no paper follows, while C's
#   unread notice is reminded and goes to paper as usual.
#   B reads hers, then it is cancelled for the record: her certificate holds
#   both ContentHandover and NoticeCancellation and verifies; asked again,
#   nothing more is recorded.
#   The back office cancels over agency serve's keyed route.
#   100 days on, the purge (agency serve's own, at start and daily)
#   deletes documents and personalisation: links
#   answer 410 with the agency's contact text; certificates still verify.
#   A second agency, limited to 2 notices a second and 10 a day, gets 429
#   with Retry-After, and `agency send` waits the limit out.
. "$(dirname "$0")/../lib.sh"

cd "$T"
key() { openssl rand -hex 32; }
sha() { printf %s "$1" | sha256sum | cut -c1-64; }
DAY=86400000
export HERALD_CLOCK_FILE=$T/clock
set_clock() { echo "$1" >clock.tmp && mv clock.tmp clock; }
set_clock 0
# jqe [JQ ARGS...] FILTER [FILE]: jq -e, quiet, and false on empty input
jqe() { jq_test "$@"; }
until_true() { for _ in $(seq 1 200); do "$@" && return 0; sleep 0.05; done; return 1; }

"$HERALD" keygen --hmac --out ci.key >/dev/null 2>&1
"$HERALD" keygen --ed25519 --out view >/dev/null 2>&1
"$HERALD" keygen --ed25519 --out log >/dev/null 2>&1
IDKEY=$("$HERALD" apikey --name nts --clients idsvc.clients)
PIDKEY=$("$HERALD" apikey --name messenger --clients idsvc.clients)
HUBKEY=$("$HERALD" apikey --name hub --clients platform.clients)
ADMINKEY=$("$HERALD" apikey --name admin --clients platform.clients)
BACKOFFICE=$("$HERALD" apikey --name backoffice --clients agency.clients)
NTS=$(key) LIM=$(key) MSG=$(key)
(umask 077; echo "$IDKEY" >idsvc.key; echo "$PIDKEY" >pidsvc.key; echo "$HUBKEY" >hub.key
	echo "$MSG" >msg.apikey; echo "$NTS" >nts.apikey; echo "$LIM" >lim.apikey)
start_role idsvc idsvc.log idsvc --plain-http --key-file ci.key --clients idsvc.clients || { not_ok "idsvc starts"; finish; }

P_MSG=$(free_port) AGPORT=$(free_port)
hub_ini "relay_interval_ms = 50
deadline_interval_ms = 100
reminders = 50%" "
[agency lim]
key_sha256 = $(sha "$LIM")
rate_per_s = 2
rate_burst = 2
daily_quota = 10
" >hub.ini
start_role hub hub.log hub --config hub.ini || { not_ok "hub starts"; finish; }
H="http://127.0.0.1:$PORT_hub"

messenger_ini pidsvc.key >platform.ini
start_role platform platform.log platform --config platform.ini || { not_ok "platform starts"; finish; }
P="http://127.0.0.1:$P_MSG"
AG=(-H "Authorization: Bearer $NTS")
ADMIN=(-H "Authorization: Bearer $ADMINKEY")
hq() { sqlite3 hubdata/hub.db "$1"; }
aq() { sqlite3 agency/agency.db "$1"; }

agency_ini() { # name dir hubkeyfile port
	cat <<INI
[tls]
plain_http = loopback
[agency]
name = $1
dir = $2
listen = 127.0.0.1:$4
public_url = http://127.0.0.1:$4
poll_ms = 100
report_ms = 100
api_clients = agency.clients
contact = 국세청 고객센터 126 / NTS call centre 126
[idsvc]
url = http://127.0.0.1:$PORT_idsvc
key_file = idsvc.key
[hub]
url = $H
key_file = $3
[platform messenger]
view_pub = view.pub
INI
}
agency_ini nts agency nts.apikey "$AGPORT" >agency.ini
agency_ini lim limdata lim.apikey "$(free_port)" >lim.ini
cat >notice.html <<'HTML'
<!doctype html><html lang="ko"><meta charset="utf-8"><title>((title))</title>
<h1>((title))</h1><p>((name)) 님 / ((address))</p><p>Amount: ((amount))</p>
HTML

# ---- the hub's limits, first, on a clock that stands still ----
ci_of() { "$HERALD" ci --key-file ci.key "$1" 2>/dev/null; }
limit_batch() { # count first-ref-number
	for i in $(seq "$2" $(($2 + $1 - 1))); do
		jq -nc --arg ci "$(ci_of 9710139019902)" --arg ref "L-$i" '{reference:$ref, ci:$ci,
			doc_sha256:("ab" * 32), link:("http://127.0.0.1:1/documents/" + $ref)}'
	done | jq -sc '{common:{title:"T", deadline:$ENV.TEST_DEADLINE}, notices:.}'
}
LIMH=(-H "Authorization: Bearer $LIM")
B1=$(limit_batch 2 1) B2=$(limit_batch 1 3) # built first: the two calls go back to back
r=$(http POST "$H/v1/notices" "$B1" "${LIMH[@]}")
check "agency lim: a first batch of 2 (its burst) is accepted" \
	bash -c "[ '$(status_of "$r")' = 200 ] && jq -e '[.results[].notice | strings] | length == 2' <<<'$(body_of "$r")' >/dev/null"
curl -s -D h429 -o b429 -H 'Content-Type: application/json' "${LIMH[@]}" \
	--data-binary "$B2" "$H/v1/notices"
check "at once another: 429 with a Retry-After of 1 s and the rate named" \
	bash -c "head -n1 h429 | grep -q ' 429' && grep -qi '^retry-after: 1' h429 &&
		jq -e '.error | test(\"rate limit: at most 2 notices a second\")' b429 >/dev/null"
check "nothing of the refused batch was stored" [ "$(hq "SELECT count(*) FROM notices WHERE agency = 'lim'")" = 2 ]
r=$(http POST "$H/v1/notices" "$(limit_batch 1 3)" "${AG[@]}")
check "another agency is not held back by lim's limit" [ "$(status_of "$r")" = 200 ]
hq "DELETE FROM notices WHERE agency = 'nts'" # L-3 under nts: not this test's (never relayed: no member)

printf '%s\n' 'rrn,name,address,amount' > lim.csv
for i in 1 2 3 4 5 6; do echo "971013-9019902,이름$i,주소 $i,$i" >>lim.csv; done
start=$(date +%s%N)
"$HERALD" agency send --config lim.ini --template notice.html --title "Limited" \
	--deadline $TEST_DEADLINE --batch 2 lim.csv >lim.out 2>lim.err
rc=$? took=$(( ($(date +%s%N) - start) / 1000000 ))
echo "# agency send of 6 notices at 2 a second took $took ms"
check "agency send rides out the 429s: exit 0, all 6 accepted" \
	bash -c "[ $rc -eq 0 ] && jq -e '.accepted == 6 and .failed == 0' lim.out >/dev/null"
check "... having been told to wait, and having waited (>= 1.5 s for 6 at 2/s after a spent burst)" \
	bash -c "grep -q 'waiting [0-9]* s as asked' lim.err && [ $took -ge 1500 ]"
check "the hub logged the 429s it answered" grep -q "agency=lim items=2: 429 (rate)" hub.log
sleep 1.1 # a full bucket again: only the quota speaks now
curl -s -D hq429 -o bq429 -H 'Content-Type: application/json' "${LIMH[@]}" \
	--data-binary "$(limit_batch 3 20)" "$H/v1/notices"
check "8 of lim's 10 a day are used: 3 more get 429, the daily quota named, Retry-After until midnight KST" \
	bash -c "head -n1 hq429 | grep -q ' 429' && jq -e '.error | test(\"daily quota\")' bq429 >/dev/null &&
		a=\$(sed -n 's/^[Rr]etry-[Aa]fter: \([0-9]*\).*/\1/p' hq429) && [ \"\$a\" -ge 1 ] && [ \"\$a\" -le 86400 ]"
curl -s -D hq413 -o bq413 -H 'Content-Type: application/json' "${LIMH[@]}" \
	--data-binary "$(limit_batch 11 30)" "$H/v1/notices"
check "a batch of 11, more than lim's whole day: 413 without Retry-After (no wait would let it in)" \
	bash -c "head -n1 hq413 | grep -q ' 413' && ! grep -qi '^retry-after' hq413 &&
		jq -e '.error | test(\"a batch of 11 notices is more than lim may submit in a day \\\\(10\\\\)\")' bq413 >/dev/null"
printf '%s\n' 'rrn,name,address,amount' > lim11.csv
for i in $(seq 1 11); do echo "971013-9019902,이름$i,주소 $i,$i" >>lim11.csv; done
timeout 60 "$HERALD" agency send --config lim.ini --template notice.html --title "Limited" \
	--deadline $TEST_DEADLINE --batch 11 lim11.csv >lim11.out 2>lim11.err
rc=$?
check "agency send of a batch over the quota stops with the hub's reason instead of waiting" \
	bash -c "[ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q 'more than lim may submit in a day' lim11.err"
# A stored batch that adds no notice (a duplicate, an item refused) gives
# its quota back: 8 of 10 stay used, as the checks below rely on.
mixed=$(jq -nc --arg ci "$(ci_of 9710139019902)" '{common:{title:"T", deadline:$ENV.TEST_DEADLINE},
	notices:[{reference:"L-1", ci:$ci, doc_sha256:("ab" * 32), link:"http://127.0.0.1:1/documents/L-1"},
		{reference:"L-bad", ci:"not a ci", doc_sha256:("ab" * 32), link:"http://127.0.0.1:1/documents/L-bad"}]}')
r=$(http POST "$H/v1/notices" "$mixed" "${LIMH[@]}")
check "a batch of a duplicate and a refused item: 200, nothing new" \
	bash -c "[ '$(status_of "$r")' = 200 ] && jq -e '.results[0].notice != null and .results[1].error != null' <<<'$(body_of "$r")' >/dev/null"
sleep 1.1 # its tokens stay spent
# A batch the store fails to keep (a trigger refuses every new notice for
# the moment) is refused and must not use up the quota it is sent again
# against.
sqlite3 -cmd '.timeout 5000' hubdata/hub.db \
	"CREATE TRIGGER refuse_all BEFORE INSERT ON notices BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
r=$(http POST "$H/v1/notices" "$(limit_batch 2 30)" "${LIMH[@]}")
sqlite3 -cmd '.timeout 5000' hubdata/hub.db "DROP TRIGGER refuse_all"
check "a batch of 2 the store fails to keep: 500, not stored" \
	bash -c "[ '$(status_of "$r")' = 500 ] && grep -q 'the batch was not stored' <<<'$(body_of "$r")'"
sleep 1.1
r=$(http POST "$H/v1/notices" "$(limit_batch 2 30)" "${LIMH[@]}")
check "the same 2 again fit the quota: the failed batch cost none of it" [ "$(status_of "$r")" = 200 ]
L30=$(body_of "$r" | jq -r '.results[0].notice')
# Sent again after its answer was lost, a batch the hub holds is answered
# with its notices though the day's quota is spent: only new ones count.
sleep 1.1
r=$(http POST "$H/v1/notices" "$(limit_batch 2 30)" "${LIMH[@]}")
check "10 of 10 used: the same 2 sent again are answered 200 with their notices, not 429 until midnight" \
	bash -c "[ '$(status_of "$r")' = 200 ] && jq -e '.results[0].notice == \"$L30\" and .results[1].notice != null' <<<'$(body_of "$r")' >/dev/null"
sleep 1.1
r=$(http POST "$H/v1/notices" "$(limit_batch 2 31)" "${LIMH[@]}")
check "... one of them with a new one: 429, the new one is over the quota" \
	bash -c "[ '$(status_of "$r")' = 429 ] && jq -e '.error | test(\"daily quota\")' <<<'$(body_of "$r")' >/dev/null &&
		[ \"\$(sqlite3 hubdata/hub.db \"SELECT count(*) FROM notices WHERE agency = 'lim' AND reference = 'L-32'\")\" = 0 ]"
# The API's rows of a batch the hub refuses for good (11, more than lim's
# whole day) carry the hub's reason, not "unavailable: post again".
mkdir -p limdata/templates && cp notice.html limdata/templates/notice.html
start_role limserve limserve.log agency serve --config lim.ini || { not_ok "lim's agency serve starts"; finish; }
LIMAPI="http://127.0.0.1:$(sed -n 's/^listen = 127.0.0.1:\([0-9]*\)$/\1/p' lim.ini)"
printf '%s\n' 'reference,rrn,name,address,amount' >lim11api.csv
for i in $(seq 1 11); do echo "lim-api-$i,971013-9019902,이름$i,주소 $i,$i" >>lim11api.csv; done
r=$(http POST "$LIMAPI/v1/notices/bulk?template=notice&title=Limited&deadline=$TEST_DEADLINE" "" \
	-H 'Content-Type: text/csv' --data-binary @lim11api.csv -H "Authorization: Bearer $BACKOFFICE")
LIMJOB=$(body_of "$r" | jq -r .job)
lim_job_done() {
	curl -s -H "Authorization: Bearer $BACKOFFICE" "$LIMAPI/v1/jobs/$LIMJOB" >limjob.json &&
		jq -e '.state == "done"' limjob.json >/dev/null
}
check "a bulk of 11 through lim's API: the job ends" until_true lim_job_done
check "... every row failed with the hub's 413 and its reason, nothing asks to post again" \
	jq -e '.failed == 11 and (.errors | length) == 11 and all(.errors[]; .detail | test("^the hub refused the batch: HTTP 413: daily quota: a batch of 11 notices is more than lim may submit in a day"))' limjob.json
kill "$PID_limserve" 2>/dev/null; wait "$PID_limserve" 2>/dev/null

# ---- members A, B, C on the messenger; nts sends them a notice each ----
r=$(http POST "$P/v1/members" '{"members":[
 {"name":"가","phone":"010-1000-0001","rrn":"971013-9019902","pin":"1739","consent":true},
 {"name":"나","phone":"010-1000-0002","rrn":"2103153481720","pin":"2846","consent":true},
 {"name":"다","phone":"010-1000-0003","rrn":"800101-1234567","pin":"3951","consent":true}]}' "${ADMIN[@]}")
directory_has() { [ "$(sqlite3 hubdata/directory.db 'SELECT count(*) FROM directory')" = 3 ]; }
check "three members, known to the hub's directory" until_true directory_has

start_role agency agency.log agency serve --config agency.ini || { not_ok "agency serve starts"; finish; }
printf '%s\n' 'rrn,name,address,amount' '971013-9019902,가나다,서울 종로구 1,100' \
	'2103153481720,나다라,부산 해운대구 2,200' '800101-1234567,다라마,대전 서구 3,300' >r.csv
DEADLINE=$(date -u -d '+30 days' +%Y-%m-%d)
"$HERALD" agency send --config agency.ini --template notice.html --title "2026 자동차세 / Vehicle tax" \
	--deadline "$DEADLINE" r.csv >send.out 2>send.err
check "nts sends three notices" jqe '.accepted == 3' send.out
ref_of() { aq "SELECT reference FROM documents WHERE line = $1"; }
RA=$(ref_of 2) RB=$(ref_of 3) RC=$(ref_of 4)
nid() { hq "SELECT id FROM notices WHERE agency = 'nts' AND reference = '$1'"; }
NA=$(nid "$RA") NB=$(nid "$RB") NC=$(nid "$RC")
state_of() { hq "SELECT state FROM notices WHERE id = '$1'"; }
states_are() { [ "$(state_of "$NA") $(state_of "$NB") $(state_of "$NC")" = "$1" ]; }
check "all three are in the inboxes" until_true states_are "received received received"

# The citizen pages' forms carry a token and want our Origin (tests/lib.sh).
login() { web_post "$P" "$P/login" "$3" "$(web_token "$P/" "$3")" -o /dev/null \
	-w '%{http_code}' --data-urlencode "phone=$1" --data-urlencode "pin=$2"; }
open_url() { web_post "$P" "$P/notices/$2/open" "$1" "$(web_token "$P/inbox" "$1")" \
	-o /dev/null -w '%{http_code} %{redirect_url}' --data-urlencode "pin=$3"; }
login 010-1000-0001 1739 a.jar >/dev/null
login 010-1000-0002 2846 b.jar >/dev/null
URL_A=$(open_url a.jar "$NA" 1739 | cut -d' ' -f2) # a token A holds, unused

# ---- A's notice is cancelled before she reads it ----
out=$("$HERALD" agency cancel "$RA" --reason "잘못 발송 / sent in error" --config agency.ini 2>cancel.err)
check "agency cancel: cancelled, state cancelled" \
	jqe --arg n "$NA" '.status == "cancelled" and .state == "cancelled" and .notice == $n' <<<"$out"
leaves_of() { curl -s "${AG[@]}" "$H/v1/notices/$1" | jq -c '.events'; }
check "the hub's evidence: NoticeCancellation by nts with the reason" \
	jqe 'map(select(.event == "NoticeCancellation")) | length == 1 and .[0].actor == "nts"
		and .[0].reason == "잘못 발송 / sent in error"' <<<"$(leaves_of "$NA")"
doc_state_is() { [ "$(aq "SELECT state FROM documents WHERE reference = '$1'")" = "$2" ]; }
check "the agency's document is cancelled" until_true doc_state_is "$RA" cancelled
withdrawn_shown() { curl -s -b a.jar "$P/inbox" | grep -q 'withdrawn by the agency'; }
check "A's inbox shows the notice withdrawn by the agency" until_true withdrawn_shown
check "its page gives the reason and no PIN form" \
	bash -c "p=\$(curl -s -b a.jar '$P/notices/$NA'); grep -q 'sent in error' <<<\"\$p\" && ! grep -q '/open' <<<\"\$p\""
check "opening it: 410, no view token" [ "$(open_url a.jar "$NA" 1739 | cut -d' ' -f1)" = 410 ]
curl -s -D ha -o da.html "$URL_A"
check "the token A got before: the agency answers 410, withdrawn" \
	bash -c "head -n1 ha | grep -q ' 410' && grep -q 'withdrawn by the agency' da.html && ! grep -q 'Amount' da.html"
check "without A's token the cancelled document answers as an unknown reference (404)" \
	[ "$(curl -s -o /dev/null -w '%{http_code}' "${URL_A%%\?*}?token=x")" = 404 ]
check "no ContentHandover, nor a failure, for A" \
	jqe 'map(select(.event | startswith("ContentHandover"))) | length == 0' <<<"$(leaves_of "$NA")"

# ---- B reads hers; then it is cancelled for the record ----
URL_B=$(open_url b.jar "$NB" 2846 | cut -d' ' -f2)
check "B reads her document" bash -c "curl -s '$URL_B' | grep -q 'Amount: 200'"
check "B's notice is read at the hub" until_true states_are "cancelled read received"
out=$("$HERALD" agency cancel "$RB" --reason "정정 고지 예정 / to be corrected" --config agency.ini)
check "cancelling a read notice: recorded, it stays read" jqe '.status == "recorded" and .state == "read"' <<<"$out"
out=$("$HERALD" agency cancel "$RB" --reason "again" --config agency.ini)
check "asked again: duplicate, nothing more recorded" \
	bash -c "jq -e '.status == \"duplicate\"' <<<'$out' >/dev/null &&
		[ \"\$(curl -s -H 'Authorization: Bearer $NTS' '$H/v1/notices/$NB' | jq '[.events[] | select(.event == \"NoticeCancellation\")] | length')\" = 1 ]"
curl -s "${AG[@]}" "$H/v1/notices/$NB/certificate" >b_cert.json
vout=$("$HERALD" verify --log-key log.pub b_cert.json)
check "B's certificate verifies and shows the read and the cancellation, in that order" \
	bash -c "[ $? -eq 0 ] && grep -q '^VALID' <<<'$vout' &&
		[ \"\$(grep -o 'ContentHandover\|NoticeCancellation' <<<'$vout' | paste -sd,)\" = ContentHandover,NoticeCancellation ]"
b_withdrawn() { curl -s -b b.jar "$P/inbox" | grep -q 'withdrawn by the agency'; }
check "B's inbox shows it withdrawn too" until_true b_withdrawn
none_owed() { [ "$(hq "SELECT count(*) FROM withdrawals")" = 0 ]; }
check "the platform was told: no withdrawal is owed any more" until_true none_owed

# ---- the back office's route on agency serve ----
AGH="http://127.0.0.1:$AGPORT"
r=$(http POST "$AGH/v1/notices/$RC/cancel" '{"reason":"x"}')
check "POST /v1/notices/{reference}/cancel without a key: 401" [ "$(status_of "$r")" = 401 ]
BO=(-H "Authorization: Bearer $BACKOFFICE")
r=$(http POST "$AGH/v1/notices/NO-SUCH/cancel" '{"reason":"x"}' "${BO[@]}")
check "an unknown reference: 404" [ "$(status_of "$r")" = 404 ]
r=$(http POST "$AGH/v1/notices/$RC/cancel" '{"why":"x"}' "${BO[@]}")
check "a body without reason: 400" [ "$(status_of "$r")" = 400 ]
r=$(http POST "$AGH/v1/notices/$RC/cancel" "{\"reason\":\"$(printf 'x%.0s' $(seq 1 201))\"}" "${BO[@]}")
check "a reason over 200 bytes: 400 naming the limit" \
	bash -c "[ '$(status_of "$r")' = 400 ] && grep -q '200 bytes' <<<'$(body_of "$r")'"
r=$(http POST "$AGH/v1/notices/$RC/cancel" '{"reason":"주민번호 640101-1000007 오기재"}' "${BO[@]}")
check "a reason holding an RRN (kept, and shown to the member): 400 that does not quote it" \
	bash -c "[ '$(status_of "$r")' = 400 ] && grep -q 'resident registration number' <<<'$(body_of "$r")' &&
		! grep -q 1000007 <<<'$(body_of "$r")'"
check "C's notice is untouched by the refused calls" [ "$(state_of "$NC")" = received ]

# ---- a month on: C is reminded and goes to paper; A gets neither ----
set_clock $((16 * DAY))
reminded() { [ "$(hq "SELECT count(*) FROM reminders WHERE notice = '$1'")" = 1 ]; }
check "midway, C's unread notice is reminded" until_true reminded "$NC"
set_clock $((31 * DAY))
check "past the deadline C's notice goes to paper; A's stays cancelled" \
	until_true states_are "cancelled read postal"
sleep 0.5 # five deadline rounds more
check "A's notice had no reminder, no expiry, no RelayToNonERDS" \
	bash -c "[ \"\$(sqlite3 hubdata/hub.db \"SELECT count(*) FROM reminders WHERE notice = '$NA'\")\" = 0 ] &&
		jq -e 'map(.event) | (index(\"AcceptanceRejectionExpiry\") == null) and (index(\"RelayToNonERDS\") == null)' \
		<<<'$(leaves_of "$NA")' >/dev/null"
postal_has() { "$HERALD" agency postal --config agency.ini --sync 2>/dev/null | grep -q "$1"; }
check "the paper list has C, not A" bash -c "$(declare -f postal_has); postal_has '$RC' && ! postal_has '$RA'"
# C's letter is printed, then C is cancelled before the batch goes to the
# print house: the cancel and the hand-over both say to take it out.
"$HERALD" agency postal --config agency.ini --letters --out printed >printed.json 2>printed.err
CBATCH=$(jq -r .batch printed.json)
check "C's letter is printed in a batch" bash -c "jq -e '.letters == 1' printed.json >/dev/null"
r=$(http POST "$AGH/v1/notices/$RC/cancel" '{"reason":"납부 확인 / paid"}' "${BO[@]}")
check "the back office cancels C's posted notice: recorded, postal" \
	jqe '.status == "recorded" and .state == "postal"' <<<"$(body_of "$r")"
check "... and is warned that its letter is in a batch not handed over yet" \
	grep -q "cancelled $RC: its letter is in print batch $CBATCH, not handed over yet: take it out" agency.log
"$HERALD" agency postal --config agency.ini --handed-over "$CBATCH" >ho.json 2>ho.err
check "--handed-over of that batch reports nothing for C to the hub and says to take its letter out" \
	bash -c "jq -e '.cancelled == 1 and .notices == 0 and .recorded == 0' ho.json >/dev/null &&
		grep -q 'hand-over of $CBATCH: $RC was cancelled after its letter was printed: take that letter out' ho.err"
check "C is no longer on the paper list (postal)" bash -c "$(declare -f postal_has); ! postal_has '$RC'"
"$HERALD" agency postal --config agency.ini --letters --out letters >letters.json 2>letters.err
check "postal --letters prints no letter for C (nothing else is postal)" \
	bash -c "jq -e '.letters == 0' letters.json >/dev/null && ! grep -rqs '$RC' letters"
check "C is no longer among the letters to print (postal --new)" \
	bash -c "out=\$('$HERALD' agency postal --config agency.ini --new) && ! grep -q '$RC' <<<\"\$out\""

# ---- retention: 90 days after the final state, documents go ----
out=$("$HERALD" agency purge --config agency.ini)
check "31 days on, agency purge deletes nothing" jqe '.purged == 0' <<<"$out"
kill "$PID_agency"; wait "$PID_agency" 2>/dev/null
set_clock $((125 * DAY))
# agency serve purges by itself, at start and then daily.
start_role agency agency2.log agency serve --config agency.ini || { not_ok "agency serve starts again"; finish; }
purged_by_serve() { grep -q "retention: deleted 3 documents final for 90 days or more" agency2.log; }
check "125 days on, agency serve deletes the three documents on its own" until_true purged_by_serve
check "bodies, names and addresses are gone from the database and its WAL; references, rk, hashes and notice ids stay" \
	bash -c "[ \"\$(sqlite3 agency/agency.db 'SELECT count(*) FROM bodies')\" = 0 ] &&
		[ \"\$(sqlite3 agency/agency.db \"SELECT count(*) FROM documents WHERE name = '' AND address = ''
			AND purged_at IS NOT NULL AND length(rk) = 64 AND length(doc_sha256) = 64 AND notice IS NOT NULL\")\" = 3 ] &&
		! cat agency/agency.db agency/agency.db-wal 2>/dev/null | grep -q '가나다\|부산 해운대구'"
check "agency purge then finds nothing" jqe '.purged == 0' <<<"$("$HERALD" agency purge --config agency.ini)"
curl -s -D hp -o dp.html "$URL_B"
check "a purged document's link, with B's (used, long expired) token: 410 with the agency's contact text" \
	bash -c "head -n1 hp | grep -q ' 410' && grep -q 'NTS call centre 126' dp.html && grep -qi '^cache-control: no-store' hp"
check "... with the document's headers once each (one CSP)" [ "$(grep -ci '^content-security-policy:' hp)" = 1 ]
answer() { curl -s -D - "$1" | tr -d '\r' | grep -vi '^date:'; }
check "the same link with no genuine token: the answer of an unknown reference, byte for byte" \
	bash -c "$(declare -f answer); [ \"\$(answer '$AGH/documents/$RB?token=x')\" = \"\$(answer '$AGH/documents/NO-SUCH?token=x')\" ] &&
		answer '$AGH/documents/$RB?token=x' | head -n1 | grep -q ' 404'"
curl -s "${AG[@]}" "$H/v1/notices/$NB/certificate" >b_cert2.json
check "B's certificate still verifies after the purge" \
	bash -c "'$HERALD' verify --log-key log.pub b_cert2.json >/dev/null"
check "the roles stay up" bash -c "kill -0 $PID_hub && kill -0 $PID_platform && kill -0 $PID_agency"
finish
