#!/usr/bin/env bash
# The agency gateway against a real idsvc and a stand-in hub
# (stub_hub.py): send a recipient file with Korean text, RFC 4180 quoting
# and bad rows; re-run it; open documents with view tokens minted by a test
# helper; check the reports reach the hub, the postal list, and that no RRN
# was written anywhere.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
jqt() { jq_test "$@"; } # jq as a test: true when the filter yields true
MINT="$(dirname "$HERALD")/mint_token"
[ -x "$MINT" ] || { echo "not ok 1 - $MINT is built (ninja builds it with herald)"; exit 1; }

cd "$T"
"$HERALD" keygen --hmac --out ci.key
IDKEY=$("$HERALD" apikey --name nts --clients idsvc.clients)
"$HERALD" keygen --ed25519 --out messenger >/dev/null
"$HERALD" keygen --ed25519 --out rogue >/dev/null
HUBKEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
(umask 077; echo "$IDKEY" >idsvc.key; echo "$HUBKEY" >hub.key)

start_role idsvc idsvc.log idsvc --plain-http --key-file ci.key --clients idsvc.clients ||
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
cat >agency.ini <<INI
[tls]
plain_http = loopback
[agency]
name = nts
dir = data
listen = 127.0.0.1:$AGPORT
public_url = http://127.0.0.1:$AGPORT/
poll_ms = 200
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

cat >notice.html <<'HTML'
<!doctype html><html lang="ko"><meta charset="utf-8"><title>((title))</title>
<h1>((title))</h1><p>((name)) 님 / ((address))</p>
<p>납부할 금액 Amount: ((amount)) 원, 기한 ((deadline))</p><p>ref ((reference))</p>
HTML

# Line 3-4: a quoted field with a comma and a line break, and markup to be
# escaped. Line 5: too few fields. Line 6: an impossible month.
printf '%s\n' 'rrn,name,address,amount' \
	'971013-9019902,홍길동,서울특별시 종로구 세종대로 209,"125,000"' \
	'850315-1234566,이<영희>,"부산광역시 해운대구 센텀중앙로 79, 3층' \
	'(우편번호 48058)",<b>50000</b>' \
	'020704-4123451,박민수' \
	'971313-1019902,최지우,대전광역시 서구 둔산로 100,30000' \
	'761225-2987650,"정 ""하나""","대전광역시 서구 둔산로 100, 2층",30000' >recipients.csv

SEND=("$HERALD" agency send --config agency.ini --template notice.html
	--title "2026년 자동차세 납부 안내 / Vehicle tax" --deadline $TEST_DEADLINE --batch 2)

"${SEND[@]}" recipients.csv >send1.out 2>send1.err
rc=$?
check "send exits 2 when some rows failed" [ $rc -eq 2 ]
check "send counts rows, accepted and failed" \
	jqt '.rows == 5 and .submitted == 3 and .accepted == 3 and .duplicates == 0 and .failed == 2' send1.out
check "the malformed row is reported with its line number" grep -q "recipients.csv: line 5: " send1.err
check "the bad RRN is reported with its line number, masked" \
	grep -q "line 6: RRN 971313-\*\*\*\*\*\*\*: impossible birth date" send1.err
check "no RRN digits beyond the mask in send's messages" \
	bash -c '! grep -qE "1019902|9019902|1234566|4123451|2987650" send1.err'

state() { curl -s "$HUB/test/state"; }
check "the hub got 3 notices" [ "$(state | jq '.notices | length')" = 3 ]
check "links are public_url/documents/REFERENCE, no CI kept by the stub" \
	bash -c "curl -s '$HUB/test/state' | jq -e '[.notices[] | select(.link == \"http://127.0.0.1:$AGPORT/documents/\" + .reference)] | length == 3' >/dev/null"
check "each batch states title and deadline once, in common, and the notices have them" \
	bash -c "curl -s '$HUB/test/state' | jq -e '(.commons | length >= 2) and
		(.commons | all(. == {title: \"2026년 자동차세 납부 안내 / Vehicle tax\", deadline: \"$TEST_DEADLINE\"})) and
		([.notices[] | select(.title == \"2026년 자동차세 납부 안내 / Vehicle tax\" and .deadline == \"$TEST_DEADLINE\")] | length == 3)' >/dev/null"

"${SEND[@]}" recipients.csv >send2.out 2>send2.err
rc=$?
check "re-running the same send: same failures, exit 2" [ $rc -eq 2 ]
check "re-running the same send finds every notice already made" \
	jqt '.accepted == 0 and .duplicates == 3 and .failed == 2' send2.out
check "re-running the same send creates no duplicates at the hub" \
	[ "$(state | jq -c '[(.notices | length), (.submissions | length)]')" = "[3,3]" ]

cat >bad.html <<'HTML'
<p>((name)) ((missing_field))</p>
HTML
"$HERALD" agency send --config agency.ini --template bad.html --title T --deadline $TEST_DEADLINE \
	recipients.csv >bad.out 2>bad.err
rc=$?
check "a template field missing from the CSV stops send before anything is sent (exit 1)" \
	bash -c "[ $rc -eq 1 ] && grep -q \"template field 'missing_field' is not a column\" bad.err &&
		[ \"\$(curl -s '$HUB/test/state' | jq '.submissions | length')\" = 3 ]"

printf '<p>((name))</p>\n<p>Sample number 900101-1234567</p>\n' >rrn.html
"$HERALD" agency send --config agency.ini --template rrn.html --title T --deadline $TEST_DEADLINE \
	recipients.csv >rrn.out 2>rrn.err
rc=$?
check "a template whose text holds an RRN stops send before anything is sent (exit 1), naming the line, not the digits" \
	bash -c "[ $rc -eq 1 ] && grep -q 'rrn.html: line 2: the text holds what may be a resident registration number' rrn.err &&
		! grep -q 900101 rrn.err rrn.out && [ \"\$(curl -s '$HUB/test/state' | jq '.submissions | length')\" = 3 ]"

check "status counts 3 accepted notices" \
	bash -c '"$HERALD" agency status --config agency.ini | jq -e ".accepted == 3 and .total == 3" >/dev/null'

start_role agency agency.log agency serve --config agency.ini || { not_ok "agency serve starts"; finish; }
check "serve listens on the configured port" [ "$PORT_agency" = "$AGPORT" ]
r=$(http GET "http://127.0.0.1:$AGPORT/v1/health" "")
check "GET /v1/health" [ "$(status_of "$r")" = 200 ]

# Notice id and rk of the rows on lines 2 and 3; rk computed independently
# from the CI (herald ci with the idsvc key) with sha256sum.
ref_of() { state | jq -r --arg l "-$1" '.notices | keys[] | select(endswith($l))'; }
notice_of() { state | jq -r --arg r "$1" '.notices[$r].notice'; }
rk_of() { printf 'herald-rk-v1:%s' "$("$HERALD" ci --key-file ci.key "$1")" | sha256sum | cut -c1-64; }
REF_A=$(ref_of 2) REF_B=$(ref_of 3) REF_C=$(ref_of 7)
N_A=$(notice_of "$REF_A") N_B=$(notice_of "$REF_B")
RK_A=$(rk_of 971013-9019902) RK_B=$(rk_of 850315-1234566)
DOC="http://127.0.0.1:$AGPORT/documents"

TOK=$("$MINT" messenger.key messenger "$N_A" "$RK_A" 300000)
curl -s -D a.h -o a.html "$DOC/$REF_A?token=$TOK"
check "a valid token opens the document (200, text/html; charset=utf-8)" \
	bash -c 'head -n1 a.h | grep -q " 200" && grep -qi "^content-type: text/html; charset=utf-8" a.h'
check "the document carries the personalisation" \
	bash -c 'grep -q "홍길동 님 / 서울특별시 종로구 세종대로 209" a.html && grep -q "125,000 원" a.html && grep -q "$TEST_DEADLINE" a.html'
check "the served document matches the doc_sha256 the hub got" \
	[ "$(sha256sum <a.html | cut -c1-64)" = "$(state | jq -r --arg r "$REF_A" '.notices[$r].doc_sha256')" ]
r=$(curl -s -o again.html -w '%{http_code}' "$DOC/$REF_A?token=$TOK")
check "the same token again: 403, reused" bash -c "[ $r = 403 ] && grep -q 'already used' again.html && grep -q '이미 사용된' again.html"

TOK_B=$("$MINT" messenger.key messenger "$N_B" "$RK_B" 300000)
curl -s -o b.html "$DOC/$REF_B?token=$TOK_B"
check "personalisation is HTML-escaped and the quoted address kept whole" \
	bash -c 'grep -q "이&lt;영희&gt;" b.html && grep -q "&lt;b&gt;50000&lt;/b&gt;" b.html && grep -q "센텀중앙로 79, 3층" b.html && ! grep -q "<b>50000" b.html'

# Whoever is not a party to document B (no token, a forged one, a genuine
# one for another notice) gets the very answer an unknown reference gets:
# same status, headers (but Date) and body, so references cannot be probed.
answer() { curl -s -D - "$1" | tr -d '\r' | grep -vi '^date:'; }
answer "$DOC/nosuch-1?token=garbage" >unknown.txt
check "an unknown reference: 404" bash -c "head -n1 unknown.txt | grep -q ' 404' && grep -q 'No such document' unknown.txt"
same_as_unknown() { answer "$1" >x.txt; cmp -s x.txt unknown.txt; }
TOK=$("$MINT" messenger.key messenger "$N_A" "$RK_A" 300000)
check "a genuine token for notice A on document B: the unknown reference's 404, byte for byte" \
	same_as_unknown "$DOC/$REF_B?token=$TOK"
check "... and on an unknown reference: the same" same_as_unknown "$DOC/nosuch-2?token=$TOK"
TOK=$("$MINT" messenger.key messenger "$N_B" "$RK_A" 300000)
r=$(curl -s -o x.html -w '%{http_code}' "$DOC/$REF_B?token=$TOK")
check "a token for another recipient: 403" bash -c "[ $r = 403 ] && grep -q 'another recipient' x.html"
TOK=$("$MINT" messenger.key messenger "$N_B" "$RK_B" -1000)
r=$(curl -s -o x.html -w '%{http_code}' "$DOC/$REF_B?token=$TOK")
check "an expired token: 403" bash -c "[ $r = 403 ] && grep -q 'expired' x.html"
TOK=$("$MINT" rogue.key messenger "$N_B" "$RK_B" 300000)
check "a token signed by an unpinned key: the unknown reference's 404" same_as_unknown "$DOC/$REF_B?token=$TOK"
TOK=$("$MINT" rogue.key rogue "$N_B" "$RK_B" 300000)
check "a token from an unknown platform: the unknown reference's 404" same_as_unknown "$DOC/$REF_B?token=$TOK"
check "no token: the unknown reference's 404" same_as_unknown "$DOC/$REF_B"
check "a malformed token: the unknown reference's 404" same_as_unknown "$DOC/$REF_B?token=garbage"
check "a malformed reference: the same 404" same_as_unknown "$DOC/no%20such?token=garbage"
r=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$DOC/$REF_B")
check "POST to a document: 405" [ "$r" = 405 ]

events_ok() {
	for _ in $(seq 1 60); do
		state | jq -e --arg a "$N_A" --arg b "$N_B" '
			([.events[] | select(.notice == $a and .event == "ContentHandover")] | length == 1) and
			([.events[] | select(.notice == $b and .event == "ContentHandover")] | length == 1) and
			([.events[] | select(.notice == $b and .event == "ContentHandoverFailure")] | length == 2) and
			([.events[] | select(.notice == $a and .event == "ContentHandoverFailure")] | length == 1)
			' >/dev/null && return 0
		sleep 0.1
	done
	return 1
}
check "ContentHandover and ContentHandoverFailure reached the hub, in batches; failures only for genuine tokens of that notice (expired, wrong recipient, reused), none for forged, missing or other notices' tokens" events_ok
check "failure events carry the reason" \
	bash -c "curl -s '$HUB/test/state' | jq -e '[.events[] | select(.event == \"ContentHandoverFailure\" and .reason == \"token has expired\")] | length == 1' >/dev/null"

curl -s -X POST -d "{\"reference\":\"$REF_B\"}" "$HUB/test/postal" >/dev/null
curl -s -X POST -d "{\"reference\":\"$REF_C\"}" "$HUB/test/postal" >/dev/null
"$HERALD" agency postal --config agency.ini --sync >postal.csv 2>postal.err
check "postal --sync lists the unread notice the feed marked postal with its address, not the read one" \
	python3 -c '
import csv, sys
rows = list(csv.reader(open("postal.csv", newline="", encoding="utf-8")))
assert rows[0] == ["reference", "name", "address", "title"], rows[0]
assert len(rows) == 2, rows
assert rows[1][0] == sys.argv[1] and rows[1][1] == "정 \"하나\"", rows[1]
assert rows[1][2] == "대전광역시 서구 둔산로 100, 2층", rows[1]
' "$REF_C"
check "postal --new that cannot write its list fails and marks nothing" \
	bash -c '! "$HERALD" agency postal --config agency.ini --new >/dev/full 2>full.err && grep -q "none was marked" full.err'
"$HERALD" agency postal --config agency.ini --new >new1.csv 2>>postal.err
"$HERALD" agency postal --config agency.ini --new >new2.csv 2>>postal.err
"$HERALD" agency postal --config agency.ini >all.csv 2>>postal.err
check "postal --new lists a letter once: after the failed run it still has it, the next run only the header; plain postal still all" \
	bash -c '[ $(wc -l <new1.csv) = 2 ] && [ $(wc -l <new2.csv) = 1 ] && [ $(wc -l <all.csv) = 2 ] &&
		cmp -s new1.csv all.csv'
check "status: 2 read (a postal change does not overwrite a read), 1 postal" \
	bash -c '"$HERALD" agency status --config agency.ini | jq -e ".read == 2 and .postal == 1 and .accepted == 0" >/dev/null'

# The hub away: send stores what it can, exits 1, and a re-run completes it.
DEAD=$(free_port)
sed "s|^url = $HUB|url = http://127.0.0.1:$DEAD|" agency.ini >agency-down.ini
printf '%s\n' 'rrn,name,address,amount' '020704-4123451,박민수,광주광역시 서구 내방로 111,7000' >late.csv
t0=$SECONDS
"${SEND[@]/agency.ini/agency-down.ini}" --patience 3 late.csv >late1.out 2>late1.err
rc=$? took=$((SECONDS - t0))
check "hub unreachable after retries: exit 1, the document stays stored" \
	bash -c "[ $rc -eq 1 ] && grep -q 'hub: POST' late1.err &&
		\"\$HERALD\" agency status --config agency.ini | jq -e '.stored == 1' >/dev/null"
check "--patience 3 gave up after about 3 s, not the default 60 ($took s)" [ "$took" -lt 30 ]
check "--patience 0 is refused before anything is sent" \
	bash -c '"${@}" --patience 0 late.csv >/dev/null 2>p0.err; [ $? = 2 ] && grep -q "patience must be 1 to 86400" p0.err' _ "${SEND[@]}"
# The stored document's recipient with a genuine token (as when the hub
# relayed the notice before its answer reached the agency): come back
# soon, not "no such document"; anyone else still gets the unknown 404.
REF_LATE=$(sqlite3 data/agency.db "select reference from documents where notice is null")
RK_LATE=$(rk_of 020704-4123451)
TOK=$("$MINT" messenger.key messenger 01a23f85-124a-75af-a862-fa52668fa721 "$RK_LATE" 300000)
curl -s -D late.h -o late.html "$DOC/$REF_LATE?token=$TOK"
check "a document whose notice the agency has not heard of yet: 503 with Retry-After for its recipient" \
	bash -c "[ -n '$REF_LATE' ] && head -n1 late.h | grep -q ' 503' && grep -qi '^retry-after: 2' late.h &&
		grep -q 'try again in a moment' late.html"
TOK=$("$MINT" messenger.key messenger "$N_A" "$RK_A" 300000)
check "... and the unknown reference's 404 for a token of another recipient" \
	same_as_unknown "$DOC/$REF_LATE?token=$TOK"
"${SEND[@]}" late.csv >late2.out 2>late2.err
check "re-running it when the hub is back completes the send (exit 0)" \
	bash -c "[ $? -eq 0 ] && jq -e '.accepted == 1 and .failed == 0' late2.out >/dev/null &&
		[ \"\$(curl -s '$HUB/test/state' | jq '.notices | length')\" = 4 ]"

# A hub whose relay beats its own answer: the feed says received before
# the submission is answered. That change must not be lost.
curl -s -X POST -d '{"delay_ms":1500}' "$HUB/test/fast" >/dev/null
printf '%s\n' 'rrn,name,address,amount' '880523-2345678,정하늘,대전광역시 유성구 대학로 99,5000' >fast.csv
"${SEND[@]}" fast.csv >fast.out 2>fast.err
received_soon() {
	for _ in $(seq 1 50); do
		"$HERALD" agency status --config agency.ini | jq -e '.received == 1' >/dev/null && return 0
		sleep 0.1
	done
	return 1
}
check "a change the feed brings before the submission's answer is kept: the document is received" \
	bash -c "jq -e '.accepted == 1' fast.out >/dev/null && $(declare -f received_soon); received_soon"
check "... and it knows its notice id" \
	[ "$(sqlite3 data/agency.db "select count(*) from documents where state = 'received' and notice is not null")" = 1 ]

kill -TERM "$PID_agency"
wait "$PID_agency"
check "SIGTERM stops agency serve cleanly (exit 0)" [ $? -eq 0 ]
check "the agency database and its WAL are mode 0600" \
	bash -c '[ "$(stat -c %a data/agency.db)" = 600 ] && for f in data/agency.db-*; do [ ! -e "$f" ] || [ "$(stat -c %a "$f")" = 600 ] || exit 1; done'
check "nothing the agency wrote holds an RRN, with or without hyphen" \
	bash -c '! grep -raE "971013-?9019902|850315-?1234566|020704-?4123451|971313-?1019902|761225-?2987650|880523-?2345678" data agency.log send1.err send2.err late1.err late2.err fast.err postal.err hub.log'
CI_A=$("$HERALD" ci --key-file ci.key 971013-9019902)
check "nor a CI" bash -c "! grep -raF '$CI_A' data agency.log hub.log"
check "the agency database holds the documents and the rks" \
	bash -c "[ \"\$(sqlite3 data/agency.db 'select count(*) from documents where notice is not null')\" = 5 ] &&
		[ \"\$(sqlite3 data/agency.db \"select rk from documents where reference = '$REF_A'\")\" = '$RK_A' ]"
check "documents have no index on their notice id (nothing looks them up by it)" \
	bash -c "[ \"\$(sqlite3 data/agency.db \"select count(*) from pragma_index_list('documents')
		where origin = 'u' or name = 'documents_notice'\")\" = 0 ]"
# A database made with the partial index on notice loses it at open.
mkdir -p mid
sqlite3 mid/agency.db "CREATE TABLE documents(reference TEXT PRIMARY KEY, line INTEGER NOT NULL,
	name TEXT NOT NULL, address TEXT NOT NULL, title TEXT NOT NULL, deadline TEXT NOT NULL,
	rk TEXT NOT NULL, doc_sha256 TEXT NOT NULL, notice TEXT,
	state TEXT NOT NULL DEFAULT 'stored') WITHOUT ROWID;
	CREATE UNIQUE INDEX documents_notice ON documents(notice) WHERE notice IS NOT NULL;"
chmod 600 mid/agency.db
sed 's|^dir = data|dir = mid|' agency.ini >agency-mid.ini
check "an agency database with an index on notice opens, and loses the index" \
	bash -c '"$HERALD" agency status --config agency-mid.ini | jq -e ".total == 0" >/dev/null &&
		[ "$(sqlite3 mid/agency.db "select count(*) from sqlite_schema where name = '"'"'documents_notice'"'"'")" = 0 ]'
# A database made when the notice column itself was UNIQUE keeps that
# index and gets no second one.
mkdir -p old
sqlite3 old/agency.db "CREATE TABLE documents(reference TEXT PRIMARY KEY, line INTEGER NOT NULL,
	name TEXT NOT NULL, address TEXT NOT NULL, title TEXT NOT NULL, deadline TEXT NOT NULL,
	rk TEXT NOT NULL, doc_sha256 TEXT NOT NULL, notice TEXT UNIQUE,
	state TEXT NOT NULL DEFAULT 'stored') WITHOUT ROWID;"
chmod 600 old/agency.db
sed 's|^dir = data|dir = old|' agency.ini >agency-old.ini
check "an agency database with a UNIQUE notice column opens, and keeps its one index" \
	bash -c '"$HERALD" agency status --config agency-old.ini | jq -e ".total == 0" >/dev/null &&
		[ "$(sqlite3 old/agency.db "select count(*) from pragma_index_list('"'"'documents'"'"')
			where origin = '"'"'u'"'"' or name = '"'"'documents_notice'"'"'")" = 1 ]'
# Older still: bodies inside documents. They move to their own table, and
# the rebuilt table has no index on notice.
mkdir -p older
sqlite3 older/agency.db "CREATE TABLE documents(reference TEXT PRIMARY KEY, line INTEGER NOT NULL,
	name TEXT NOT NULL, address TEXT NOT NULL, title TEXT NOT NULL, deadline TEXT NOT NULL,
	rk TEXT NOT NULL, doc_sha256 TEXT NOT NULL, body BLOB NOT NULL, notice TEXT UNIQUE,
	state TEXT NOT NULL DEFAULT 'stored');
	INSERT INTO documents VALUES('R-1', 2, 'n', 'a', 't', '$TEST_DEADLINE', '$RK_A', 'h', 'the body',
	'0193a1b2-c3d4-7000-8000-000000000001', 'received');"
chmod 600 older/agency.db
sed 's|^dir = data|dir = older|' agency.ini >agency-older.ini
check "an agency database with bodies inside documents is carried over, without an index on notice" \
	bash -c '"$HERALD" agency status --config agency-older.ini | jq -e ".total == 1 and .received == 1" >/dev/null &&
		[ "$(sqlite3 older/agency.db "select body from bodies where reference = '"'"'R-1'"'"'")" = "the body" ] &&
		[ "$(sqlite3 older/agency.db "select count(*) from pragma_index_list('"'"'documents'"'"')
			where origin = '"'"'u'"'"' or name = '"'"'documents_notice'"'"'")" = 0 ]'

# --urgent: every notice of the run goes to the hub marked urgent.
printf '%s\n' 'rrn,name,address,amount' '850315-1234566,이영희,부산광역시,1000' >urgent.csv
"$HERALD" agency send --config agency.ini --template notice.html --title "출석 요구 / Summons" \
	--deadline $TEST_DEADLINE --urgent urgent.csv >urgent.out 2>urgent.err
check "send --urgent marks its notices urgent at the hub; the other runs' carry no mark" \
	bash -c "curl -s '$HUB/test/state' | jq -e '
		([.notices[] | select(.urgent == true)] | length == 1) and
		([.notices[] | select(.title != \"출석 요구 / Summons\" and has(\"urgent\"))] | length == 0)' >/dev/null"

# An RRN outside the rrn column would be stored with the document and
# printed on the letter: that row is refused, named and masked, the rest
# go. A 14-digit account number is no RRN.
printf '%s\n' 'rrn,name,address,amount' \
	'640101-1000007,김철수,"서울 640101-1000007",1000' \
	'640202-2000007,박영미,서울,12345678901234' \
	'640303-1000007,이순신,서울 ６４０３０３－１０００００７,1000' >rrn_values.csv
"$HERALD" agency send --config agency.ini --template notice.html --title "RRN in values" \
	--deadline $TEST_DEADLINE rrn_values.csv >rrn_values.out 2>rrn_values.err
rc=$?
check "an RRN in the address, in ASCII or full-width digits: those rows refused (exit 2), the account number's row sent" \
	bash -c "[ $rc -eq 2 ] && jq -e '.rows == 3 and .accepted == 1 and .failed == 2' rrn_values.out >/dev/null"
check "the refusal names line and column, the number masked after the sixth digit" \
	grep -q "line 2: column address holds a resident registration number (640101-\*\*\*\*\*\*\*)" rrn_values.err
check "... and says so of the full-width one without quoting it" \
	grep -q "line 4: column address holds a resident registration number (in characters that show as its digits)" rrn_values.err
check "the refused RRNs are in no message and in no file of the agency, in either kind of digits" \
	bash -c '! grep -q 1000007 rrn_values.err && ! grep -rqa 1000007 data &&
		! grep -q "１０００００７" rrn_values.err && ! grep -rqa "１０００００７" data'
# A name or address paper could not print (a Windows line end, a blank
# name) would stop every later letter run that met it: refused here.
printf 'rrn,name,address,amount\n640303-1000007,이순신,"서울\r\n종로구",1000\n640404-2000007, ,서울,1000\n640505-1000007,강감찬,서울,1000\n' >ctl.csv
"$HERALD" agency send --config agency.ini --template notice.html --title "Control characters" \
	--deadline $TEST_DEADLINE ctl.csv >ctl.out 2>ctl.err
rc=$?
check "an address with \\r and a blank name: those rows refused (exit 2), naming line and field; the third sent" \
	bash -c "[ $rc -eq 2 ] && jq -e '.rows == 3 and .accepted == 1 and .failed == 2' ctl.out >/dev/null &&
		grep -q 'line 2: address must not hold control characters' ctl.err && grep -q 'line 4: name must not be blank' ctl.err"
# What prints otherwise than it is stored: a name and address of ideographic,
# no-break and zero-width spaces (an empty address window), a direction
# control that draws reversed digits as an RRN (in the address or a value),
# a C1 control (NEL) in a name. Those rows refused, naming line and field;
# the last sent.
python3 - >shown.csv <<'PY'
rev = "\u202e" + "620607-1253134"[::-1] + "\u202c"
print("rrn,name,address,amount")
print('640303-1000007,\u3000\u3000,\u00a0\u200b,1000')
print(f'640404-2000007,박영미,"서울 {rev}",1000')
print(f'640505-1000007,강감찬,서울,{rev}')
print('640606-2000007,"유관\u0085순",서울,1000')
print('640707-1000007,\u3000을지문덕\u3000,서울,1000')
PY
"$HERALD" agency send --config agency.ini --template notice.html --title "Shown as stored" \
	--deadline $TEST_DEADLINE shown.csv >shown.out 2>shown.err
rc=$?
check "a blank name of invisible characters, a direction control in an address or a value, a C1 control: those rows refused (exit 2), the fifth sent" \
	bash -c "[ $rc -eq 2 ] && jq -e '.rows == 5 and .accepted == 1 and .failed == 4' shown.out >/dev/null"
check "each refusal names line and field, and why" \
	bash -c "grep -q 'line 2: name must not be blank' shown.err &&
		grep -q 'line 3: address holds a direction control character (U+202E), which can change what is printed' shown.err &&
		grep -q 'line 4: column amount holds a direction control character (U+202E), which can change what is printed' shown.err &&
		grep -q 'line 5: name must not hold control characters' shown.err"
check "the reversed digits are in no message and in no file of the agency" \
	bash -c '! grep -q 4313521 shown.err && ! grep -rqa 4313521-706026 data'
"$HERALD" agency send --config agency.ini --template notice.html --title "Fine 640101-1000007" \
	--deadline $TEST_DEADLINE rrn_values.csv >rrn_title.out 2>rrn_title.err
rc=$?
check "a title holding an RRN: a usage error that does not quote it, nothing sent" \
	bash -c "[ $rc -eq 2 ] && grep -q 'title must not hold a resident registration number' rrn_title.err &&
		! grep -q 1000007 rrn_title.err &&
		curl -s '$HUB/test/state' | jq -e '[.notices[] | select(.title | startswith(\"Fine\"))] | length == 0' >/dev/null"
# Neither the template's text nor the value holds an RRN, but the two
# side by side would: that row is refused, the field named, the digits
# in no message and no file; 14 digits across the same seam go.
printf '<p>((name))</p>\n<p>Account 640303-((acct))</p>\n' >seam.html
printf '%s\n' 'rrn,name,address,acct' '640101-1000007,김철수,서울,1000007' \
	'640202-2000007,박영미,서울,12345678' >seam.csv
"$HERALD" agency send --config agency.ini --template seam.html --title "Seam" \
	--deadline $TEST_DEADLINE seam.csv >seam.out 2>seam.err
rc=$?
check "a value that makes an RRN with the template's text: that row refused (exit 2), the other sent" \
	bash -c "[ $rc -eq 2 ] && jq -e '.rows == 2 and .accepted == 1 and .failed == 1' seam.out >/dev/null &&
		grep -q \"line 2: .*field 'acct' and the text beside it would show what may be a resident registration number\" seam.err"
check "the number it would have made is in no message and in no file of the agency" \
	bash -c '! grep -q 640303 seam.err && ! grep -rqa 640303-1000007 data && grep -rqa 640303-12345678 data'
finish
