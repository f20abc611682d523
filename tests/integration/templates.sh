#!/usr/bin/env bash
# Templates over the agency's back-office API, against a real idsvc and the
# stand-in hub (stub_hub.py): PUT new (201) and again (200), a template
# that does not compile (400, nothing written), one holding an RRN (400),
# one over 1 MiB (413), a bad id (400), no key (401), a test key (reads
# and previews, may not write), the list and one template read back, a
# preview that renders a
# personalised field with markup escaped and refuses an RRN without
# echoing it, and a notice posted with the template stored as it renders.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
jqt() { jq_test "$@"; }

cd "$T"
"$HERALD" keygen --hmac --out ci.key
IDKEY=$("$HERALD" apikey --name nts --clients idsvc.clients)
"$HERALD" keygen --ed25519 --out messenger >/dev/null
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

AGPORT=$(free_port)
mkdir -p data/templates
cat >agency.ini <<INI
[tls]
plain_http = loopback
[agency]
name = nts
dir = data
listen = 127.0.0.1:$AGPORT
public_url = http://127.0.0.1:$AGPORT/
poll_ms = 100
report_ms = 100

[idsvc]
url = http://127.0.0.1:$PORT_idsvc
key_file = idsvc.key

[hub]
url = http://127.0.0.1:$HUBPORT
key_file = hub.key

[platform messenger]
view_pub = messenger.pub
INI
KEY=$("$HERALD" agency key add --config agency.ini backoffice)
TESTKEY=$("$HERALD" agency key add --config agency.ini --test backoffice-test)
start_role agency agency.log agency serve --config agency.ini || { not_ok "agency serve starts"; finish; }
API="http://127.0.0.1:$AGPORT"
AUTH=(-H "Authorization: Bearer $KEY")

# put ID FILE [KEY]: PUTs the file as text/html; prints the body, then the status.
put() {
	curl -s -X PUT -H 'Content-Type: text/html' -H "Authorization: Bearer ${3:-$KEY}" \
		--data-binary @"$2" -w '\n%{http_code}' "$API/v1/templates/$1"
}

cat >tax.html <<'HTML'
<!doctype html><html lang="ko"><meta charset="utf-8"><title>((title))</title>
<p>((name)) 님 / ((address))</p><p>Amount: ((amount)) 원</p>
HTML
r=$(put tax tax.html)
check "PUT a new template: 201 with its id and fields" \
	bash -c "[ $(status_of "$r") = 201 ] && jq -e '.id == \"tax\" and .fields == [\"title\",\"name\",\"address\",\"amount\"]' >/dev/null <<<'$(body_of "$r")'"
check "stored as tax.html, byte for byte, not world-readable" \
	bash -c "cmp -s tax.html data/templates/tax.html && [ \$(( 0\$(stat -c %a data/templates/tax.html) & 7 )) = 0 ]"
sed -i 's/Amount:/Tax due:/' tax.html
r=$(put tax tax.html)
check "PUT it again: 200, the file replaced" \
	bash -c "[ $(status_of "$r") = 200 ] && grep -q 'Tax due:' data/templates/tax.html"

printf '<p>line one</p>\n<p>((name)</p>\n' >broken.html
r=$(put broken broken.html)
check "a template that does not compile: 400 naming line 2, nothing written" \
	bash -c "[ $(status_of "$r") = 400 ] && jq -e '.field == \"body\" and (.detail | contains(\"line 2\"))' >/dev/null <<<'$(body_of "$r")' &&
		[ ! -e data/templates/broken.html ] && [ -z \"\$(ls -A data/templates | grep -v '^tax.html$')\" ]"
# A literal RRN would be copied into every document rendered from it.
printf '<p>Dear ((name))</p>\n<p>Example: 800101-1234567</p>\n' >rrn.html
r=$(put rrn rrn.html)
check "a template whose text holds an RRN: 400 naming line 2, the digits not echoed, nothing written" \
	bash -c "[ $(status_of "$r") = 400 ] && jq -e '.field == \"body\" and (.detail | contains(\"line 2\") and contains(\"registration number\"))' >/dev/null <<<'$(body_of "$r")' &&
		! grep -q 800101 <<<'$(body_of "$r")' && [ ! -e data/templates/rrn.html ]"
# Every notice may go to paper: a template a letter cannot print is refused.
printf '<p>Dear ((name))</p>\n<p><img src="seal.png"> &bogus;</p>\n' >img.html
r=$(put img img.html)
check "a template a letter cannot print (an <img>): 400 naming body and why, nothing written" \
	bash -c "[ $(status_of "$r") = 400 ] && jq -e '.field == \"body\" and (.detail | contains(\"a letter cannot print it\") and contains(\"element <img>\"))' >/dev/null <<<'$(body_of "$r")' &&
		[ ! -e data/templates/img.html ]"
printf '<p>Dear ((name)) &mdash; 1 < 2 &rarr; <3%%</p>\n' >dash.html
r=$(put dash dash.html)
check "... one with &mdash;, &rarr; and a '<' before no letter: 201" [ "$(status_of "$r")" = 201 ]
rm -f data/templates/dash.html
head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' 'x' >big.html
r=$(put big big.html)
check "a body over 1 MiB: 413, nothing written" \
	bash -c "[ $(status_of "$r") = 413 ] && [ ! -e data/templates/big.html ]"
r=$(put 'bad%20id' tax.html)
check "an id outside [A-Za-z0-9._-]: 400 naming id" \
	bash -c "[ $(status_of "$r") = 400 ] && jq -e '.field == \"id\"' >/dev/null <<<'$(body_of "$r")'"
r=$(put .hidden tax.html)
check "an id starting with '.': 400 naming id, nothing written" \
	bash -c "[ $(status_of "$r") = 400 ] && jq -e '.field == \"id\"' >/dev/null <<<'$(body_of "$r")' && [ ! -e data/templates/.hidden.html ]"
: >empty.html
r=$(put empty empty.html)
check "an empty template: 400, nothing written" bash -c "[ $(status_of "$r") = 400 ] && [ ! -e data/templates/empty.html ]"
r=$(curl -s -X PUT -H 'Content-Type: text/html' --data-binary @tax.html -w '\n%{http_code}' "$API/v1/templates/nokey")
check "no key: 401, nothing written" bash -c "[ $(status_of "$r") = 401 ] && [ ! -e data/templates/nokey.html ]"
r=$(put viatest tax.html "$TESTKEY")
check "a test key may not write a template: 403" \
	bash -c "[ $(status_of "$r") = 403 ] && [ ! -e data/templates/viatest.html ]"
r=$(curl -s -X PUT -H 'Content-Type: application/json' "${AUTH[@]}" --data-binary '{}' -w '\n%{http_code}' "$API/v1/templates/json")
check "a body that is not text/html: 415" [ "$(status_of "$r")" = 415 ]

# ---- reading them back ----
printf '<p>((name)</p>' >data/templates/byhand.html
r=$(http GET "$API/v1/templates" "" "${AUTH[@]}")
check "GET /v1/templates lists ids with fields; a broken file by hand with its error" \
	bash -c "[ $(status_of "$r") = 200 ] && jq -e '.templates | length == 2 and .[0].id == \"byhand\" and (.[0].error | test(\"line 1\")) and .[1].id == \"tax\" and (.[1].fields | index(\"amount\"))' >/dev/null <<<'$(body_of "$r")'"
curl -s "${AUTH[@]}" "$API/v1/templates/tax" -D got.h -o got.html
check "GET /v1/templates/tax: the HTML as stored" \
	bash -c "cmp -s got.html tax.html && grep -qi '^content-type: text/html' got.h"
r=$(http GET "$API/v1/templates/none" "" "${AUTH[@]}")
check "GET an unknown template: 404" [ "$(status_of "$r")" = 404 ]

# ---- preview ----
ROW='{"name":"<b>홍길동</b>","address":"서울 & 종로","title":"자동차세","personalisation":{"amount":"125,000"}}'
r=$(http POST "$API/v1/templates/tax/preview" "$ROW" "${AUTH[@]}")
body_of "$r" >preview.html
check "preview renders the personalised field and escapes markup in values" \
	bash -c "[ $(status_of "$r") = 200 ] && grep -q 'Tax due: 125,000 원' preview.html &&
		grep -q '&lt;b&gt;홍길동&lt;/b&gt; 님 / 서울 &amp; 종로' preview.html && ! grep -q '<b>' preview.html"
r=$(http POST "$API/v1/templates/tax/preview" "$ROW" -H "Authorization: Bearer $TESTKEY")
check "a test key may preview" [ "$(status_of "$r")" = 200 ]
r=$(http POST "$API/v1/templates/tax/preview" "$(jq -c 'del(.personalisation)' <<<"$ROW")" "${AUTH[@]}")
check "preview without a field the template needs: 400 naming it" \
	bash -c "[ $(status_of "$r") = 400 ] && jq -e '.field == \"personalisation.amount\"' >/dev/null <<<'$(body_of "$r")'"
r=$(http POST "$API/v1/templates/tax/preview" "$(jq -c '.rrn = "971013-9019902"' <<<"$ROW")" "${AUTH[@]}")
check "preview with an rrn: 400 naming it, the number never echoed" \
	bash -c "[ $(status_of "$r") = 400 ] && jq -e '.field == \"rrn\"' >/dev/null <<<'$(body_of "$r")' && ! grep -q 971013 <<<'$(body_of "$r")'"
r=$(http POST "$API/v1/templates/none/preview" "$ROW" "${AUTH[@]}")
check "preview of an unknown template: 404" [ "$(status_of "$r")" = 404 ]

# ---- a notice with it ----
NOTICE=$(jq -c '. + {template:"tax",reference:"tax-1",rrn:"971013-9019902",deadline:$ENV.TEST_DEADLINE}' <<<"$ROW")
r=$(http POST "$API/v1/notices" "$NOTICE" "${AUTH[@]}")
check "a notice posted with the new template: 201" [ "$(status_of "$r")" = 201 ]
sqlite3 data/agency.db "SELECT body FROM bodies" >stored.html 2>/dev/null
check "its stored document is the preview, byte for byte" cmp -s stored.html preview.html

# ---- text and a value that make an RRN together ----
printf '<p>((name)) / ((address))</p>\n<p>Account 800101-((acct))</p>\n' >seam.html
r=$(put seam seam.html)
check "a template whose text stops where a field begins compiles: 201" [ "$(status_of "$r")" = 201 ]
SEAM='{"name":"a","address":"b","title":"t","personalisation":{"acct":"1234567"}}'
r=$(http POST "$API/v1/templates/seam/preview" "$SEAM" "${AUTH[@]}")
body_of "$r" >seam.json
check "a value that completes an RRN with the text: 400 naming the field, the digits not echoed" \
	bash -c "[ $(status_of "$r") = 400 ] && jq -e '.field == \"personalisation.acct\" and (.detail | contains(\"registration number\"))' seam.json >/dev/null &&
		! grep -q 800101 seam.json"
r=$(http POST "$API/v1/templates/seam/preview" "$(jq -c '.personalisation.acct = "12345678"' <<<"$SEAM")" "${AUTH[@]}")
check "14 digits across the same place: 200" [ "$(status_of "$r")" = 200 ]
finish
