#!/usr/bin/env bash
# idsvc end to end: keys made by `herald keygen`, a real idsvc process on a
# loopback port, real HTTP through curl, and a scan of everything it wrote
# for RRNs.
. "$(dirname "$0")/../lib.sh"

cd "$T"
check "keygen --hmac writes a 0600 key" \
	bash -c '"$HERALD" keygen --hmac --out ci.key && [ "$(stat -c %a ci.key)" = 600 ]'
check "keygen refuses to overwrite a key" \
	bash -c '! "$HERALD" keygen --hmac --out ci.key 2>err && grep -q "refusing to overwrite" err'
check "keygen --ed25519 writes PREFIX.key (0600) and PREFIX.pub" \
	bash -c '"$HERALD" keygen --ed25519 --out log && [ "$(stat -c %a log.key)" = 600 ] &&
		[ "$(base64 -d log.pub | wc -c)" = 32 ]'
KEY=$("$HERALD" apikey --name agency-test --clients clients)
check "apikey stores only the hash of the key" \
	bash -c "[ \"\$(stat -c %a clients)\" = 600 ] && ! grep -q '$KEY' clients &&
		grep -q \"^agency-test \$(printf %s '$KEY' | sha256sum | cut -c1-64)\$\" clients"

# The reference CI, computed by the openssl CLI rather than herald.
hexkey=$(base64 -d ci.key | od -An -tx1 | tr -d ' \n')
ref_ci() { printf %s "$1" | openssl dgst -sha512 -mac HMAC -macopt "hexkey:$hexkey" -binary | base64 -w0; }
REF1=$(ref_ci 9710139019902)
REF2=$(ref_ci 2103153481720)

check "herald ci matches an independent HMAC-SHA-512" \
	bash -c "[ \"\$('$HERALD' ci --key-file ci.key 971013-9019902)\" = '$REF1' ]"
printf '971013-9019902\n971313-1019902\n2103153481720\nabc\n' >in.txt
"$HERALD" ci --key-file ci.key <in.txt >out.txt 2>err.txt
rc=$?
check "herald ci exits 2 when a line fails" [ $rc -eq 2 ]
check "herald ci converts the good lines in order" \
	bash -c "[ \"\$(sed -n 1p out.txt)\" = '$REF1' ] && [ \"\$(sed -n 3p out.txt)\" = '$REF2' ] && [ \$(wc -l <out.txt) = 4 ]"
check "herald ci reports the bad line by number, masked" \
	bash -c 'grep -q "line 2: 971313-\*\*\*\*\*\*\*: impossible birth date" err.txt && grep -q "line 4: " err.txt && ! grep -q 1019902 err.txt'
check "herald ci --strict rejects a check digit mismatch" \
	bash -c '! "$HERALD" ci --key-file ci.key --strict 971013-9019903 >/dev/null 2>e && grep -q "check digit" e'
check "herald ci refuses a key readable by others" \
	bash -c 'cp ci.key open.key && chmod 644 open.key && ! "$HERALD" ci --key-file open.key 1 2>e && grep -q "chmod 600" e'

# Options: every command reads them through cli_bad_option, which names
# what was wrong in one line (and getopt says nothing of its own).
check "an option missing its argument is named in one line, exit 2" \
	bash -c '"$HERALD" ci --key-file 2>e; [ $? = 2 ] && [ "$(head -n1 e)" = "herald ci: option '"'"'--key-file'"'"' needs an argument" ] &&
		[ "$(wc -l <e)" = 2 ]'
check "an unknown option is named in one line, exit 2" \
	bash -c '"$HERALD" agency send --bogus 2>e; [ $? = 2 ] &&
		[ "$(head -n1 e)" = "herald agency send: unknown option '"'"'--bogus'"'"'" ] && [ "$(wc -l <e)" = 2 ]'
check "... an unknown short one, alone or in a group, and a long one given a value it does not take" \
	bash -c '"$HERALD" hub -x 2>e1; [ $? = 2 ] && grep -q "^herald hub: unknown option .-x.$" e1 &&
		{ "$HERALD" hub --config=hub.ini -xq 2>e3; [ $? = 2 ]; } && grep -q "^herald hub: unknown option .-x.$" e3 &&
		{ "$HERALD" keygen --hmac=1 2>e2; [ $? = 2 ]; } && grep -q "^herald keygen: option .--hmac=1. takes no argument$" e2'
check "an agency command names another command's option as unknown, with or without its argument" \
	bash -c '"$HERALD" agency purge --listen 2>e1; [ $? = 2 ] && grep -q "^herald agency purge: unknown option .--listen.$" e1 &&
		{ "$HERALD" agency purge --listen x 2>e2; [ $? = 2 ]; } && grep -q "^herald agency purge: unknown option .--listen.$" e2'
check "idsvc refuses a bad --seccomp or --metrics while reading its options, exit 2" \
	bash -c 'a="--key-file ci.key --listen 127.0.0.1:0 --clients clients"
		timeout 5 "$HERALD" idsvc $a --seccomp maybe 2>e1; [ $? = 2 ] && grep -q "seccomp must be on or off, not .maybe." e1 &&
		{ timeout 5 "$HERALD" idsvc $a --metrics all 2>e2; [ $? = 2 ]; } && grep -q "metrics must be off, public or key, not .all." e2'

start_role idsvc idsvc.log idsvc --plain-http --key-file ci.key --clients clients || { not_ok "idsvc starts"; finish; }
URL="http://127.0.0.1:$PORT_idsvc/v1/ci"
AUTH=(-H "Authorization: Bearer $KEY")

r=$(http POST "$URL" '{"rrns":["971013-9019902","971013-9019903","991231-3000000","2103153481720",7]}' "${AUTH[@]}")
check "POST /v1/ci answers 200" [ "$(status_of "$r")" = 200 ]
b=$(body_of "$r")
check "results are in order and match the reference CI" \
	bash -c "jq -e --arg a '$REF1' --arg b '$REF2' '.results | length == 5 and .[0].ci == \$a and .[3].ci == \$b' <<<'$b' >/dev/null"
check "a checksum mismatch converts with a warning" \
	bash -c "jq -e '.results[1].ci != null and (.results[1].warning | test(\"check digit\"))' <<<'$b' >/dev/null"
check "a future birth date and a non-string are per-item errors" \
	bash -c "jq -e '(.results[2].error | test(\"future\")) and (.results[4].error | test(\"string\"))' <<<'$b' >/dev/null"
r=$(http POST "$URL" '{"rrns":["971013-9019903"],"strict":true}' "${AUTH[@]}")
check "strict:true turns the mismatch into an error" \
	bash -c "jq -e '.results[0].error | test(\"check digit\")' <<<'$(body_of "$r")' >/dev/null"

r=$(http POST "$URL" '{"rrns":["971013-9019902"]}')
check "no API key: 401" [ "$(status_of "$r")" = 401 ]
# The key with its last digit changed (ending it in 0 would keep one key in 16).
WRONG=${KEY%?}$([ "${KEY: -1}" = 0 ] && echo 1 || echo 0)
r=$(http POST "$URL" '{"rrns":["971013-9019902"]}' -H "Authorization: Bearer $WRONG")
check "wrong API key: 401" [ "$(status_of "$r")" = 401 ]
r=$(http GET "$URL" "" "${AUTH[@]}")
check "GET /v1/ci: 405" [ "$(status_of "$r")" = 405 ]
r=$(http POST "$URL" '{"rrns":["971013-9019902"' "${AUTH[@]}")
check "JSON cut short: 400 saying so, with the place and without the number" \
	bash -c "[ '$(status_of "$r")' = 400 ] && jq -e '.error | test(\"^JSON cut short at line 1 column [0-9]+$\")' <<<'$(body_of "$r")' >/dev/null"
r=$(http POST "$URL" '{"rrns":[],"971013-9019902":1,"971013-9019902":2}' "${AUTH[@]}")
check "a key given twice: 400 saying so, the key not quoted" \
	bash -c "[ '$(status_of "$r")' = 400 ] && jq -e '.error | test(\"^a key given twice in one object at line 1 column [0-9]+$\")' <<<'$(body_of "$r")' >/dev/null"
r=$(http POST "$URL" '{"numbers":[]}' "${AUTH[@]}")
check "wrong shape: 400" [ "$(status_of "$r")" = 400 ]
head -c 1100000 /dev/zero | tr '\0' ' ' >big.json
r=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Content-Type: application/json" --data-binary @big.json "${AUTH[@]}" "$URL")
check "a body over 1 MiB: 413" [ "$r" = 413 ]
python3 -c 'import json; print(json.dumps({"rrns": ["9710139019902"] * 10001}))' >many.json
r=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Content-Type: application/json" --data-binary @many.json "${AUTH[@]}" "$URL")
check "more than 10,000 RRNs: 413" [ "$r" = 413 ]
python3 -c 'import json; print(json.dumps({"rrns": ["9710139019902"] * 10000}))' >full.json
JSON=(-H 'Content-Type: application/json')
r=$(curl -s -X POST "${JSON[@]}" --data-binary @full.json "${AUTH[@]}" "$URL" | jq '.results | map(select(.ci)) | length')
check "exactly 10,000 RRNs are converted" [ "$r" = 10000 ]
# A body sent in chunks declares no length: its buffer grows as it comes
# (from 4 KiB, many times for these 150 KB) and must hold every byte.
CHUNKED=(-H 'Transfer-Encoding: chunked')
r=$(curl -s -X POST "${JSON[@]}" --data-binary @full.json "${CHUNKED[@]}" "${AUTH[@]}" "$URL" |
	jq --arg a "$REF1" '.results | map(select(.ci == $a)) | length')
check "a chunked body of 10,000 RRNs is read whole and converted" [ "$r" = 10000 ]
r=$(curl -s -o /dev/null -w '%{http_code}' -X POST "${JSON[@]}" --data-binary @big.json "${CHUNKED[@]}" "${AUTH[@]}" "$URL")
check "a chunked body over 1 MiB: 413" [ "$r" = 413 ]
head -c 7000000 /dev/zero | tr '\0' ' ' >huge.json
r=$(curl -s -o /dev/null -w '%{http_code}' -X POST "${JSON[@]}" --data-binary @huge.json "${CHUNKED[@]}" "${AUTH[@]}" "$URL")
check "a chunked body of 7 MB, past four times the limit: still 413" [ "$r" = 413 ]
head -c 70000000 /dev/zero | curl -s -o /dev/null -X POST -T - "${JSON[@]}" "${CHUNKED[@]}" "${AUTH[@]}" "$URL"
check "a chunked body past 64 MiB is cut off, not read for ever" [ $? -ne 0 ]
r=$(http POST "$URL" '{"rrns":["971013-9019902"]}' "${AUTH[@]}")
check "after them, a small body in a reused buffer is answered right" \
	bash -c "jq -e --arg a '$REF1' '.results | length == 1 and .[0].ci == \$a' <<<'$(body_of "$r")' >/dev/null"
# Large uploads that announce themselves (Expect: 100-continue) are refused
# before any body byte is sent; a client that pushes the body regardless
# has it read and dropped, unbuffered, and then gets the same answer.
EARLY=(-H 'Expect: 100-continue')
head -c 900000 /dev/zero | tr '\0' ' ' >keyless.json
r=$(curl -s -o /dev/null -w '%{http_code}' "${EARLY[@]}" -X POST --data-binary @keyless.json "$URL")
check "a keyless 900 KB upload is refused from its headers, before its body is buffered" \
	bash -c "[ '$r' = 401 ] && grep -q 'refused before its body' idsvc.log"
codes=$(for _ in 1 2 3 4 5; do
	curl -s -o /dev/null -w '%{http_code} ' -H 'Expect:' -X POST --data-binary @keyless.json "$URL"
done)
check "a keyless upload sent whole (no Expect) still gets its 401, never a reset ($codes)" \
	[ "$codes" = "401 401 401 401 401 " ]
r=$(http GET "http://127.0.0.1:$PORT_idsvc/nope" "")
check "unknown path: 404" [ "$(status_of "$r")" = 404 ]

kill -TERM "$PID_idsvc"
wait "$PID_idsvc"
check "SIGTERM stops idsvc cleanly (exit 0)" [ $? -eq 0 ]
check "idsvc logged its requests" grep -q "POST /v1/ci client=agency-test" idsvc.log
check "nothing idsvc wrote holds an RRN" \
	bash -c '! grep -rqE "971013-?901990|2103153481720|991231-?3000000" idsvc.log'
finish
