#!/usr/bin/env bash
# The citizen pages under abuse, with real processes and real HTTP: a real
# idsvc and platform, a stand-in hub (fake_hub.py), and curl playing
# browsers from several loopback addresses (--interface 127.0.0.N), each
# one "source" to the platform. Shows that an attacker's wrong PINs do not
# keep the victim out, that spraying many phones from one source gets it
# blocked and logged, that the sign-up page answers alike whoever asks
# (the outcome goes to a phone), and that a cross-origin POST or a form
# without its token is refused. The clock is injected (HERALD_CLOCK_FILE)
# where a wait must pass.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

cd "$T"
export HERALD_CLOCK_FILE=$T/clock
set_clock() { echo "$1" >clock.tmp && mv clock.tmp clock; }
set_clock 0
"$HERALD" keygen --hmac --out ci.key >/dev/null 2>&1
"$HERALD" keygen --ed25519 --out view >/dev/null 2>&1
IDKEY=$("$HERALD" apikey --name messenger --clients idsvc.clients)
ADMINKEY=$("$HERALD" apikey --name admin --clients platform.clients)
FROMHUB=$("$HERALD" apikey --name hub --clients platform.clients)
TOHUB=$(openssl rand -hex 32)
(umask 077; echo "$IDKEY" >idsvc.apikey; echo "$TOHUB" >hub.apikey)
start_role idsvc idsvc.log idsvc --plain-http --key-file ci.key --clients idsvc.clients || { not_ok "idsvc starts"; finish; }
HUBPORT=$(free_port)
python3 "$HERE/fake_hub.py" "$HUBPORT" "$(printf %s "$TOHUB" | sha256sum | cut -c1-64)" hub.jsonl 2>hub.log &
PIDS+=($!)
for _ in $(seq 1 100); do grep -q listening hub.log 2>/dev/null && break; sleep 0.05; done

# platform_ini DIR PUBLIC_URL: a platform without an alert channel, so its
# messages stay in the outbox for the test to read.
platform_ini() {
	cat <<INI
[tls]
plain_http = loopback
[platform]
name = messenger
dir = $1
listen = 127.0.0.1:0
public_url = $2
view_key = view.key
clients = platform.clients
pin_hash = min
report_interval_ms = 50
[idsvc]
url = http://127.0.0.1:$PORT_idsvc
key_file = idsvc.apikey
[hub]
url = http://127.0.0.1:$HUBPORT
key_file = hub.apikey
[http]
trusted_proxies = 127.0.0.20
INI
}
platform_ini data http://127.0.0.1:7010 >platform.ini
start_role platform platform.log platform --config platform.ini || { not_ok "platform starts"; finish; }
P="http://127.0.0.1:$PORT_platform"
ORIGIN=http://127.0.0.1:7010
ADMIN=(-H "Authorization: Bearer $ADMINKEY")
q() { sqlite3 data/platform.db "$1"; }
http POST "$P/v1/members" '{"members":[
 {"name":"피해자","phone":"010-2000-0001","rrn":"900101-1234567","pin":"2468","consent":true},
 {"name":"회원","phone":"010-2000-0002","rrn":"910202-1234567","pin":"1357","consent":true}]}' "${ADMIN[@]}" >/dev/null
check "two members signed up by the back office" [ "$(q 'SELECT count(*) FROM members')" = 2 ]

# login SOURCE JAR PHONE PIN -> status; page in login.out, headers in login.hdr.
# XFF=ADDRESSES sends them as X-Forwarded-For, as a proxy would.
login() {
	local tok
	tok=$(curl -s --interface "$1" -c "$2" -b "$2" "$P/" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n1)
	curl -s --interface "$1" -c "$2" -b "$2" -H "Origin: $ORIGIN" -o login.out -D login.hdr \
		${XFF:+-H "X-Forwarded-For: $XFF"} \
		-w '%{http_code}' --data-urlencode "csrf=$tok" --data-urlencode "phone=$3" \
		--data-urlencode "pin=$4" ${CODE:+--data-urlencode "code=$CODE"} "$P/login"
}

# --- an attacker's wrong PINs do not keep the victim out ---
codes=""
for i in 1 2 3; do codes="$codes$(login 127.0.0.2 atk.jar 010-2000-0001 000$i) "; done
check "the attacker's first three wrong PINs: 401" [ "$codes" = "401 401 401 " ]
# Each try costs the test's curl ~0.1 s of real time: a few land after a
# wait has run out and are checked (401), which doubles the next wait.
codes="" t0=$(date +%s%3N)
# The last refused try's answer is kept for the next check: the last try
# of all may be one that came after a wait and was checked.
for i in $(seq 1 20); do
	code=$(login 127.0.0.2 atk.jar 010-2000-0001 1111)
	codes="$codes$code "
	[ "$code" = 429 ] && cp login.hdr refused.hdr && cp login.out refused.out
done
elapsed_s=$(( ($(date +%s%3N) - t0 + 999) / 1000 )) n429=$(grep -o 429 <<<"$codes" | wc -l)
checked=$((20 - n429))
echo "# 20 tries in ${elapsed_s} s: $checked checked"
check "then the attacker's source must wait: of 20 more tries at once, only those after 1, 2, 4 ... s are checked, the rest 429" \
	bash -c "[ $n429 -ge 10 ] && [ \$(grep -o 401 <<<'$codes' | wc -l) = $checked ] && [ $(( (1 << checked) - 1 )) -le $((elapsed_s + 1)) ]"
check "... with a Retry-After and the wait in the page" \
	bash -c "grep -qiE '^retry-after: [0-9]+' refused.hdr && grep -q 'Too many wrong PINs from here: try again in' refused.out"
check "the victim's right PIN from another source at once: 303 to the inbox (no wait at all)" \
	[ "$(login 127.0.0.3 victim.jar 010-2000-0001 2468)" = 303 ]
check "... and the victim is signed in" \
	bash -c "curl -s -b victim.jar '$P/inbox' | grep -q '피해자'"
check "every refusal was logged with the masked phone and the source" \
	bash -c "[ \$(grep -c 'sign-in refused for 010\*\*\*\*0001 from 127.0.0.2: too many wrong PINs' platform.log) = $n429 ] &&
		! grep -q '01020000001' platform.log"
failures=$(q "SELECT failures FROM login_pairs WHERE source='127.0.0.2'")
set_clock 20000
c1=$(login 127.0.0.2 atk.jar 010-2000-0001 1112)
c2=$(login 127.0.0.2 atk.jar 010-2000-0001 1113)
wait_s=$(sed -n 's/^[Rr]etry-[Aa]fter: \([0-9]*\).*/\1/p' login.hdr)
check "once the wait is over the attacker may try again (401), and then waits twice as long" \
	bash -c "[ $c1/$c2 = 401/429 ] && [ '$wait_s' -ge $((1 << (failures - 2))) ]"

# Guessing one phone from many sources slows that phone, never locks it:
# each source's failures count at most 3, and past 10 in an hour attempts
# are spaced 30 s apart.
for src in 127.0.0.4 127.0.0.5 127.0.0.6; do
	for i in 1 2 3; do login $src "g$src.jar" 010-2000-0001 999$i >/dev/null; done
done
code=$(login 127.0.0.7 late.jar 010-2000-0001 2468)
check "many sources on one phone: even the right PIN from a new source waits (429), 30 s at most" \
	bash -c "[ $code = 429 ] && grep -q 'from many places' login.out &&
		[ \$(sed -n 's/^[Rr]etry-[Aa]fter: \([0-9]*\).*/\1/p' login.hdr) -le 30 ]"
# ... but not the member's own browser, which signed in before: sources
# failing in turn, one try as each wait ends, would keep them out.
check "the victim's sign-in left the browser a device cookie" \
	bash -c "awk '\$6 == \"herald_device\" {print \$7}' victim.jar | grep -qE '^[0-9a-f]{64}$'"
grep -v herald_sid victim.jar >vdev.jar
check "... with which the right PIN passes the phone's spacing at once (303)" \
	[ "$(login 127.0.0.43 vdev.jar 010-2000-0001 2468)" = 303 ]
for i in 1 2 3; do login 127.0.0.44 vdev.jar 010-2000-0001 999$i >/dev/null; done
code=$(login 127.0.0.43 vdev.jar 010-2000-0001 2468)
check "... until 3 wrong PINs come with that cookie (stolen, say): then it waits like anyone ($code)" \
	bash -c "[ $code = 429 ] && grep -q 'from many places' login.out"
set_clock $((20000 + 31000))
check "... and is let in once the 30 s have passed" [ "$(login 127.0.0.7 late.jar 010-2000-0001 2468)" = 303 ]
# A device's wrong PINs count before they are checked: ten sent at once
# with the cookie, from ten sources, pass the spacing three times at most.
check "the victim signs in again with the cookie: it passes the spacing again" \
	[ "$(login 127.0.0.43 vdev.jar 010-2000-0001 2468)" = 303 ]
grep -v herald_sid vdev.jar >vdev2.jar
tok=$(curl -s --interface 127.0.0.43 -c vdev2.jar -b vdev2.jar "$P/" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n1)
par=()
for i in $(seq 81 90); do
	curl -s --interface 127.0.0.$i -b vdev2.jar -H "Origin: $ORIGIN" -o /dev/null -w '%{http_code}\n' \
		--data-urlencode "csrf=$tok" --data-urlencode "phone=010-2000-0001" \
		--data-urlencode "pin=70$i" "$P/login" >par$i.code &
	par+=($!)
done
wait "${par[@]}"
codes=$(cat par*.code | sort | uniq -c | tr -s ' \n' ' ')
n401=$(cat par*.code | grep -c 401)
check "ten wrong PINs at once with one device cookie: at most 3 checked ($codes)" [ "$n401" -le 3 ]

# --- spraying: one source, many phones ---
# (member 2, signed in from that source before, has a notice to open)
RK_M2=$(printf 'herald-rk-v1:%s' "$("$HERALD" ci --key-file ci.key 9102021234567)" | sha256sum | cut -c1-64)
NM2=0193a000-0000-7000-8000-0000000000a2
http POST "$P/v1/relay" "$(jq -nc --arg n $NM2 --arg rk "$RK_M2" '{notices:[{notice:$n, rk:$rk, agency:"nts",
	title:"Tax", doc_sha256:("ab" * 32), deadline:$ENV.TEST_DEADLINE, link:("http://127.0.0.1:7004/documents/" + $n)}]}')" \
	-H "Authorization: Bearer $FROMHUB" >/dev/null
SIGNED=$(login 127.0.0.9 m2spray.jar 010-2000-0002 1357)
codes=""
for i in $(seq -w 1 20); do codes="$codes$(login 127.0.0.9 spray.jar 010-3000-00$i 0000) "; done
check "spraying 20 phones from one source: 10 wrong PINs, then the source is blocked (429)" \
	[ "$codes" = "$(printf '401 %.0s' $(seq 1 10))$(printf '429 %.0s' $(seq 1 10))" ]
check "the block is logged once with the source and the masked last phone" \
	bash -c "[ \$(grep -c 'sign-in: source 127.0.0.9 blocked for 60 min: 10 wrong PINs for 10 phones in an hour (latest 010\*\*\*\*0010)' platform.log) = 1 ]"
check "... every refused attempt too" \
	[ "$(grep -c 'sign-in refused for 010\*\*\*\*00[12][0-9] from 127.0.0.9: source blocked' platform.log)" = 10 ]
code=$(login 127.0.0.9 spray.jar 010-2000-0002 1357)
check "the blocked source is refused even a right PIN, with a clear message" \
	bash -c "[ $code = 429 ] && grep -q 'another network' login.out"
check "another source signs the same member in" [ "$(login 127.0.0.10 other.jar 010-2000-0002 1357)" = 303 ]
tok=$(curl -s --interface 127.0.0.10 -b other.jar "$P/notices/$NM2" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n1)
code=$(curl -s --interface 127.0.0.10 -b other.jar -H "Origin: $ORIGIN" -o nopin.out -w '%{http_code}' \
	--data-urlencode "csrf=$tok" "$P/notices/$NM2/open")
check "opening a notice with no PIN field: 400 asking for it, and no wrong PIN counted" \
	bash -c "[ $code = 400 ] && grep -q 'Enter your PIN' nopin.out &&
		[ \"\$(sqlite3 data/platform.db \"SELECT count(*) FROM login_pairs WHERE source = '127.0.0.10' AND failures > 0\")\" = 0 ]"
tok=$(curl -s --interface 127.0.0.9 -b m2spray.jar "$P/notices/$NM2" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n1)
code=$(curl -s --interface 127.0.0.9 -b m2spray.jar -H "Origin: $ORIGIN" -o open.out -D open.hdr -w '%{http_code}' \
	--data-urlencode "csrf=$tok" --data-urlencode pin=1357 "$P/notices/$NM2/open")
check "a member signed in from the blocked source before still opens a notice with the PIN (303)" \
	bash -c "[ $SIGNED = 303 ] && [ $code = 303 ] && grep -qi '^location: .*token=' open.hdr"
set_clock $((20000 + 31000 + 3600 * 1000))
check "after an hour the block is lifted" [ "$(login 127.0.0.9 spray.jar 010-2000-0002 1357)" = 303 ]

# --- many guesses on a few phones: one source whose pairs count 30 ---
# (two pairs 14 wrong PINs deep, as some 70 minutes of waiting would make)
now_ms=$(( $(date +%s%3N) + 20000 + 31000 + 3600 * 1000 ))
q "INSERT INTO login_pairs(phone, source, failures, last_ms) VALUES
	('01030001001', '127.0.0.30', 14, $now_ms), ('01030001002', '127.0.0.30', 14, $now_ms)"
c1=$(login 127.0.0.30 deep.jar 010-3000-1003 0000)
c2=$(login 127.0.0.30 deep.jar 010-3000-1004 0000)
c3=$(login 127.0.0.30 deep.jar 010-2000-0002 1357)
check "a source whose pairs count 30 wrong PINs in the hour, on 4 phones: blocked, even a right PIN (429)" \
	bash -c "[ $c1/$c2/$c3 = 401/401/429 ] &&
		grep -q 'sign-in: source 127.0.0.30 blocked for 60 min: 30 wrong PINs for 4 phones in an hour' platform.log"

# --- behind a reverse proxy ([http] trusted_proxies = 127.0.0.20) ---
codes=""
for i in $(seq -w 1 10); do
	codes="$codes$(XFF="203.0.113.9, 198.51.100.7" login 127.0.0.20 proxy.jar 010-3000-01$i 0000) "
done
code=$(XFF=198.51.100.7 login 127.0.0.20 proxy.jar 010-2000-0002 1357)
check "behind a trusted proxy the source is the last X-Forwarded-For address: 10 phones sprayed from it block it" \
	bash -c "[ '$codes' = '$(printf '401 %.0s' $(seq 1 10))' ] && [ $code = 429 ] &&
		grep -q 'sign-in: source 198.51.100.7 blocked for 60 min' platform.log"
check "... and only it: another client of the same proxy signs in" \
	[ "$(XFF=198.51.100.8 login 127.0.0.20 proxy2.jar 010-2000-0002 1357)" = 303 ]
code=$(XFF=198.51.100.7 login 127.0.0.21 spoof.jar 010-2000-0002 0000)
check "a peer that is not a trusted proxy counts as itself, whatever X-Forwarded-For says" \
	bash -c "[ $code = 401 ] && [ \"\$(sqlite3 data/platform.db \"SELECT count(*) FROM login_pairs WHERE source = '127.0.0.21'\")\" = 1 ]"
codes=""
for i in $(seq -w 1 10); do codes="$codes$(XFF=2001:db8:1:2::$i login 127.0.0.20 v6.jar 010-3000-02$i 0000) "; done
c1=$(XFF=2001:db8:1:2::99 login 127.0.0.20 v6.jar 010-2000-0002 1357)
c2=$(XFF=2001:db8:1:3::1 login 127.0.0.20 v6b.jar 010-2000-0002 1357)
check "an IPv6 client counts by its /64: 10 phones from 10 addresses of one /64 block the prefix" \
	bash -c "[ $c1/$c2 = 429/303 ] && grep -q 'sign-in: source 2001:db8:1:2::/64 blocked' platform.log"

# --- a new PIN from the back office (POST /v1/members/pin) ---
signed_in() { curl -s -b "$1" "$P/inbox" | grep -q '회원'; }
check "before: member 2 is signed in through the proxy's other client" signed_in proxy2.jar
pin_call() { http POST "$P/v1/members/pin" "{\"members\":[{\"phone\":\"010-2000-0002\",\"rrn\":\"$1\",\"pin\":\"$2\"}]}" "${ADMIN[@]}"; }
r1=$(pin_call 971013-9019902 8642) r2=$(pin_call 910202-1234567 12) r4=$(pin_call 910202-1234567 1004)
r5=$(pin_call 910202-1234567 1991)
r3=$(pin_call 910202-1234567 8642)
check "a new PIN for another person than the member signed up as: refused, not changed" \
	bash -c "jq -e '.results[0].error | test(\"not the one this member signed up as: not changed\")' <<<'$(body_of "$r1")' >/dev/null"
check "a new PIN that is no PIN: refused" \
	bash -c "jq -e '.results[0].error == \"pin must be 4-8 digits\"' <<<'$(body_of "$r2")' >/dev/null"
pin_guessable_refused() {
	jq -e '.results[0].error == "pin is too easy to guess (one of the most common PINs): choose another"' \
		<<<"$(body_of "$r4")" >/dev/null && [ "$(status_of "$r4")" = 200 ]
}
check "a new PIN among the first an attacker tries (1004): refused with the reason" pin_guessable_refused
birth_pin_refused() {
	jq -e '.results[0].error == "pin is too easy to guess (part of the date of birth): choose another"' \
		<<<"$(body_of "$r5")" >/dev/null
}
check "... and so is the member's year of birth (1991)" birth_pin_refused
check "the member's own person and a new PIN: changed" \
	bash -c "[ '$(status_of "$r3")' = 200 ] && jq -e '.results[0].pin == \"changed\"' <<<'$(body_of "$r3")' >/dev/null"
signed_out() { [ "$(curl -s -o /dev/null -w '%{http_code}' -b "$1" "$P/inbox")" = 303 ]; }
check "... every session of the member ended: the proxy's client is signed out" signed_out proxy2.jar
check "... the old PIN no longer signs in (401), the new one does (303)" \
	[ "$(login 127.0.0.41 pin1.jar 010-2000-0002 1357)/$(login 127.0.0.42 pin2.jar 010-2000-0002 8642)" = 401/303 ]
check "... and no PIN or RRN of the call is in the log" bash -c "! grep -qE '8642|1234567' platform.log"
# A database fault while the session is read is ours: the member is not
# sent to sign in again, and the session works once it is over.
sqlite3 -cmd '.timeout 5000' data/platform.db "ALTER TABLE sessions RENAME TO sessions_away"
c1=$(curl -s -o /dev/null -w '%{http_code}' -b pin2.jar "$P/inbox")
sqlite3 -cmd '.timeout 5000' data/platform.db "ALTER TABLE sessions_away RENAME TO sessions"
c2=$(curl -s -o /dev/null -w '%{http_code}' -b pin2.jar "$P/inbox")
check "a database fault reading the session: 503, not the sign-in page; then the inbox again (200)" \
	[ "$c1/$c2" = 503/200 ]
# Signing out when the session cannot be deleted: saying "signed out"
# would be a lie, since the session goes on working.
ltok=$(curl -s -b pin2.jar "$P/inbox" | sed -n 's/.*action="\/logout"><input type="hidden" name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n1)
sqlite3 -cmd '.timeout 5000' data/platform.db \
	"CREATE TRIGGER logout_fault BEFORE DELETE ON sessions BEGIN SELECT RAISE(ABORT, 'test fault'); END"
c1=$(curl -s -o logout1.out -D logout1.hdr -w '%{http_code}' -b pin2.jar -H "Origin: $ORIGIN" --data-urlencode "csrf=$ltok" "$P/logout")
c2=$(curl -s -o /dev/null -w '%{http_code}' -b pin2.jar "$P/inbox")
sqlite3 -cmd '.timeout 5000' data/platform.db "DROP TRIGGER logout_fault"
c3=$(curl -s -o /dev/null -D logout3.hdr -w '%{http_code}' -b pin2.jar -H "Origin: $ORIGIN" --data-urlencode "csrf=$ltok" "$P/logout")
c4=$(curl -s -o /dev/null -w '%{http_code}' -b pin2.jar "$P/inbox")
check "a sign-out the database cannot record: 503 saying so, no cookie cleared, the session still works" \
	bash -c "[ -n '$ltok' ] && [ $c1/$c2 = 503/200 ] && grep -q 'Could not sign you out' logout1.out &&
		! grep -qi '^set-cookie: herald_sid=;' logout1.hdr"
check "... then it signs out: 303, the cookie cleared, the session gone (the inbox sends to sign-in)" \
	bash -c "[ $c3/$c4 = 303/303 ] && grep -qi '^set-cookie: herald_sid=;' logout3.hdr"

# --- no oracle at sign-up ---
# signup SOURCE JAR NAME PHONE RRN PIN -> status; page in JAR.out
signup() {
	local tok
	tok=$(curl -s --interface "$1" -c "$2" -b "$2" "$P/signup" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n1)
	curl -s --interface "$1" -c "$2" -b "$2" -H "Origin: $ORIGIN" -o "$2.out" -w '%{http_code}' \
		--data-urlencode "csrf=$tok" --data-urlencode "name=$3" --data-urlencode "phone=$4" \
		--data-urlencode "rrn=$5" --data-urlencode "pin=$6" --data consent=on "$P/signup"
}
c1=$(signup 127.0.0.11 new.jar 새사람 010-2000-0003 920303-1234567 4293)
c2=$(signup 127.0.0.11 member.jar 회원다시 010-2000-0004 910202-1234567 4293)
c3=$(signup 127.0.0.11 taken.jar 남의번호 010-2000-0002 930404-1234567 4293)
check "sign-up answers 200 for a new person, an existing member and a taken phone" [ "$c1/$c2/$c3" = 200/200/200 ]
for f in new member taken; do sed -E 's/value="[0-9a-f]{64}"/value="TOKEN"/' $f.jar.out >$f.page; done
check "... with byte-identical pages, save the form token" \
	bash -c "cmp -s new.page member.page && cmp -s new.page taken.page &&
		! cmp -s new.jar.out member.jar.out && grep -q 'We have your sign-up' new.jar.out"
check "the new person became a member, nobody else did" \
	[ "$(q "SELECT group_concat(phone) FROM (SELECT phone FROM members ORDER BY id)")" = 01020000001,01020000002,01020000003 ]
check "the outcome went to the phones as messages of kind signup: done to the new one, with its code" \
	[ "$(q "SELECT count(*) FROM outbox WHERE kind='signup' AND phone='01020000003' AND text LIKE '%가입 확인 코드 ______.%Your sign-up code is ______:%ignore this.%'")" = 1 ]
check "... 'already a member' to the member's phone on file, not to the phone typed" \
	bash -c "[ \"\$(sqlite3 data/platform.db \"SELECT count(*) FROM outbox WHERE kind='signup' AND phone='01020000002' AND text LIKE '%already a member%'\")\" = 1 ] &&
		[ \"\$(sqlite3 data/platform.db \"SELECT count(*) FROM outbox WHERE phone='01020000004'\")\" = 0 ]"
check "... 'this number already has an account' to the holder of the taken phone" \
	[ "$(q "SELECT count(*) FROM outbox WHERE kind='signup' AND phone='01020000002' AND text LIKE '%already has an account%'")" = 1 ]
check "... each in the urgent lane: someone waits for it, whatever backlog of notices' alerts" \
	[ "$(q "SELECT count(*) FROM outbox o JOIN outbox_urgent u ON u.alert = o.id WHERE o.kind = 'signup'")" = 3 ]
check "each sign-up is logged with its source and a masked phone" \
	bash -c "grep -q 'web sign-up from 127.0.0.11 for 010\*\*\*\*0003: member' platform.log &&
		grep -q 'web sign-up from 127.0.0.11 for 010\*\*\*\*0004: person already a member' platform.log &&
		grep -q 'web sign-up from 127.0.0.11 for 010\*\*\*\*0002: phone taken' platform.log"
codes=""
for i in $(seq 1 11); do codes="$codes$(signup 127.0.0.12 rate.jar X 010-2000-0099 950505-1234567 12) "; done
check "forms refused before idsvc is asked (here a short PIN) do not count: 11 times 400" \
	[ "$codes" = "$(printf '400 %.0s' $(seq 1 11))" ]
codes=""
for i in $(seq 1 11); do codes="$codes$(signup 127.0.0.12 rate.jar X 010-2000-0099 951332-1234567 4293) "; done
check "sign-ups are limited per source: 10 an hour (here 400s for an RRN idsvc refuses), then 429" \
	[ "$codes" = "$(printf '400 %.0s' $(seq 1 10))429 " ]
check "... and the refusal is logged" grep -q 'web sign-up refused from 127.0.0.12: more than 10 in an hour' platform.log
check "another source may still sign up" [ "$(signup 127.0.0.13 rate2.jar X 010-2000-0099 951332-1234567 4293)" = 400 ]

# --- a phone typed by someone else is not held from its owner ---
# The sign-up code in the last sign-up message sent to a phone.
code_sent_to() {
	q "SELECT text FROM outbox WHERE kind='signup' AND phone='$1' ORDER BY id DESC LIMIT 1" |
		sed -n 's/.*가입 확인 코드 \([0-9]\{6\}\)\..*/\1/p'
}
member_at() { q "SELECT name FROM members WHERE phone='$1'"; }
signup 127.0.0.51 squat.jar 남의폰 010-2000-0007 880808-1234567 2468 >/dev/null
SQUAT_CODE=$(code_sent_to 01020000007)
signup 127.0.0.52 owner.jar 폰주인 010-2000-0007 870707-1234567 3579 >/dev/null
OWNER_CODE=$(code_sent_to 01020000007)
check "someone signs up with another's phone; the owner's own sign-up then takes its place" \
	bash -c "[ '$(member_at 01020000007)' = 폰주인 ] && [ -n '$SQUAT_CODE' ] && [ -n '$OWNER_CODE' ] &&
		[ \"\$(sqlite3 data/platform.db \"SELECT count(*) FROM members WHERE name='남의폰'\")\" = 0 ]"
check "... which is logged, as a web sign-up replacing an unconfirmed one" \
	grep -q 'a web sign-up replaced unconfirmed web member [0-9]* (same phone)' platform.log
check "... the first one's PIN and code open nothing now (401)" \
	[ "$(CODE=$SQUAT_CODE login 127.0.0.51 squat.jar 010-2000-0007 2468)" = 401 ]
check "... and the owner signs in with their PIN and the code their phone got" \
	[ "$(CODE=$OWNER_CODE login 127.0.0.52 owner.jar 010-2000-0007 3579)" = 303 ]
check "... into their inbox (200)" \
	bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.53 -b owner.jar '$P/inbox')\" = 200 ]"
signup 127.0.0.53 late.jar 늦은이 010-2000-0007 860606-1234567 3579 >/dev/null
check "a confirmed web member keeps the phone: a later web sign-up is told it is taken" \
	bash -c "[ '$(member_at 01020000007)' = 폰주인 ] &&
		[ \"\$(sqlite3 data/platform.db \"SELECT count(*) FROM outbox WHERE kind='signup' AND phone='01020000007' AND text LIKE '%already has an account%'\")\" = 1 ]"
# A code not given in 30 minutes lapses: the sign-up is dropped at its
# sign-in, or by the next web sign-up.
signup 127.0.0.54 lapse.jar 늦장 010-2000-0008 850505-1234567 3579 >/dev/null
LAPSE_CODE=$(code_sent_to 01020000008)
q "UPDATE members SET confirm_until = '2020-01-01T00:00:00.000Z' WHERE phone='01020000008'"
code=$(CODE=$LAPSE_CODE login 127.0.0.54 lapse.jar 010-2000-0008 3579)
check "a sign-in after the code lapsed: 401, the sign-up cancelled, the phone free again" \
	bash -c "[ $code = 401 ] && grep -q 'not confirmed within 30 minutes' login.out && [ -z '$(member_at 01020000008)' ]"
signup 127.0.0.54 lapse2.jar 늦장둘 010-2000-0008 850505-1234567 3579 >/dev/null
q "UPDATE members SET confirm_until = '2020-01-01T00:00:00.000Z' WHERE phone='01020000008'"
signup 127.0.0.55 other.jar 다른이 010-2000-0012 840404-1234567 3579 >/dev/null
check "a lapsed sign-up nobody signs in to is dropped by the next web sign-up" \
	bash -c "[ -z '$(member_at 01020000008)' ] && [ -n '$(member_at 01020000012)' ] &&
		grep -q 'signup: 1 web sign-up dropped, its phone never proved in 30 min' platform.log"
# Five wrong codes and the sign-up is gone.
TRIES_CODE=$(code_sent_to 01020000012)
WRONG=$(printf '%s%d' "${TRIES_CODE:0:5}" $(( (${TRIES_CODE:5:1} + 1) % 10 )))
codes=""
for i in 1 2 3 4 5; do codes="$codes$(CODE=$WRONG login 127.0.0.55 other.jar 010-2000-0012 3579) "; done
check "wrong codes: 401 each, the fifth cancels the sign-up" \
	bash -c "[ -n '$TRIES_CODE' ] && [ '$codes' = '401 401 401 401 401 ' ] && grep -q 'Too many wrong sign-up codes' login.out &&
		[ -z '$(member_at 01020000012)' ]"
check "... and the right code after them finds nothing (401)" \
	[ "$(CODE=$TRIES_CODE login 127.0.0.55 other.jar 010-2000-0012 3579)" = 401 ]
# A phone sent its 3 sign-up messages today cannot be sent a code: a
# fourth sign-up stores nobody, and the page says the same as ever.
for k in 1 2 3; do signup 127.0.0.56 spent.jar "이름$k" 010-2000-0013 "83030${k}-1234567" 3579 >/dev/null; done
code=$(signup 127.0.0.56 spent4.jar 넷째 010-2000-0013 830304-1234567 3579)
check "a fourth sign-up for a phone in a day: the same 200 page, nobody stored, logged" \
	bash -c "[ $code = 200 ] && grep -q 'We have your sign-up' spent4.jar.out && [ '$(member_at 01020000013)' = 이름3 ] &&
		[ \"\$(sqlite3 data/platform.db \"SELECT count(*) FROM outbox WHERE kind='signup' AND phone='01020000013'\")\" = 3 ] &&
		grep -q 'web sign-up from 127.0.0.56 for 010\*\*\*\*0013: nobody stored and nothing replaced, the phone was sent its sign-up messages for today' platform.log"
# The limit is the phone that would be told: a phone whose messages are
# spent, typed with a member's RRN, still has that member warned.
signup 127.0.0.57 spent5.jar 남의이름 010-2000-0013 910202-1234567 3579 >/dev/null
check "... a spent phone typed with a member's RRN: the member is still told, at the phone on file" \
	[ "$(q "SELECT count(*) FROM outbox WHERE kind='signup' AND phone='01020000002' AND text LIKE '%already a member%'")" = 2 ]
# Once the member's own phone has had its messages for the day, the log
# says the holder was not told, rather than that they were.
for k in 59 60 61; do signup 127.0.0.$k "held$k.jar" 남의이름 "010-2000-00$k" 910202-1234567 3579 >/dev/null; done
check "... and once the member's phone has had its 3 messages: logged as not told, not as told" \
	bash -c "[ \"\$(sqlite3 data/platform.db \"SELECT count(*) FROM outbox WHERE kind='signup' AND phone='01020000002'\")\" -le 3 ] &&
		grep -q 'web sign-up from 127.0.0.61 for 010\*\*\*\*0061: person already a member, the holder not told (their phone had its sign-up messages today)' platform.log &&
		! grep -q 'web sign-up from 127.0.0.61 for .*told by message' platform.log"
# The back office proofs a person, not a phone: a sign-up that has not
# given its code is not verified, lest it keep someone else's number.
signup 127.0.0.58 unproved.jar 미확인 010-2000-0015 820202-1234567 3579 >/dev/null
r=$(http POST "$P/v1/members/verify" '{"members":[{"phone":"010-2000-0015","rrn":"820202-1234567"}]}' "${ADMIN[@]}")
check "POST /v1/members/verify of a sign-up that has not given its code: refused, not verified" \
	bash -c "jq -e '.results[0].error | test(\"not yet given the sign-up code\")' <<<'$(body_of "$r")' >/dev/null &&
		[ \"\$(sqlite3 data/platform.db \"SELECT verified FROM members WHERE phone='01020000015'\")\" = 0 ]"

# --- CSRF: our origin and the form's token on every POST ---
login 127.0.0.3 victim.jar 010-2000-0001 2468 >/dev/null # the hour passed: a new session
TOK=$(web_token "$P/inbox" victim.jar)
check "the inbox's forms carry the session's token" [ ${#TOK} = 64 ]
consent() { q "SELECT consent FROM members WHERE phone='01020000001'"; }
code=$(curl -s -o /dev/null -w '%{http_code}' -b victim.jar -H 'Origin: http://evil.example' \
	--data-urlencode "csrf=$TOK" --data consent=off "$P/consent")
check "a cross-origin POST (with the right token, even) is refused: 403, consent unchanged" \
	bash -c "[ $code = 403 ] && [ \"\$(sqlite3 data/platform.db \"SELECT consent FROM members WHERE phone='01020000001'\")\" = 1 ]"
check "... and logged" grep -q 'refused POST /consent from 127.0.0.1: origin http://evil.example' platform.log
code=$(curl -s -o /dev/null -w '%{http_code}' -b victim.jar --data-urlencode "csrf=$TOK" --data consent=off "$P/consent")
check "a POST saying no Origin and no Referer is refused: 403" [ "$code" = 403 ]
code=$(curl -s -o /dev/null -w '%{http_code}' -b victim.jar -H 'Origin: null' --data-urlencode "csrf=$TOK" --data consent=off "$P/consent")
check "Origin: null is refused: 403" [ "$code" = 403 ]
code=$(curl -s -o /dev/null -w '%{http_code}' -b victim.jar -H "Origin: $ORIGIN" --data consent=off "$P/consent")
check "a form without its token is refused: 403" [ "$code" = 403 ]
code=$(curl -s -o /dev/null -w '%{http_code}' -b victim.jar -H "Origin: $ORIGIN" \
	--data-urlencode "csrf=$(web_token "$P/inbox" other.jar)" --data consent=off "$P/consent")
check "another session's token is refused: 403" [ "$code" = 403 ]
code=$(curl -s -o /dev/null -w '%{http_code}' -b victim.jar -H "Origin: $ORIGIN" \
	--data-urlencode "csrf=$(web_token "$P/" victim.jar)" --data consent=off "$P/consent")
check "a sign-in form's token on a member's form is refused: 403" [ "$code" = 403 ]
check "consent is still given after all of them" [ "$(consent)" = 1 ]
code=$(curl -s -o /dev/null -w '%{http_code}' -b victim.jar -H "Referer: $ORIGIN/inbox" \
	--data-urlencode "csrf=$TOK" --data consent=off "$P/consent")
check "our own form (Referer of ours, no Origin) with its token: 303, consent withdrawn" \
	bash -c "[ $code = 303 ] && [ \"\$(sqlite3 data/platform.db \"SELECT consent FROM members WHERE phone='01020000001'\")\" = 0 ]"
# Login CSRF: a foreign page cannot sign a browser in to the attacker's account.
code=$(curl -s -o /dev/null -w '%{http_code}' -c fresh.jar -H 'Origin: http://evil.example' \
	--data-urlencode phone=010-2000-0002 --data-urlencode pin=1357 "$P/login")
check "a cross-origin sign-in is refused: 403" [ "$code" = 403 ]
code=$(curl -s -o /dev/null -w '%{http_code}' -c fresh.jar -b fresh.jar -H "Origin: $ORIGIN" \
	--data-urlencode phone=010-2000-0002 --data-urlencode pin=1357 "$P/login")
check "a sign-in without the pre-session token is refused: 403" [ "$code" = 403 ]
code=$(curl -s -o /dev/null -w '%{http_code}' -b fresh.jar -H "Origin: $ORIGIN" \
	--data-urlencode "csrf=$(web_token "$P/" other2.jar)" --data-urlencode phone=010-2000-0002 \
	--data-urlencode pin=1357 "$P/login")
check "a sign-in with a token bound to another browser's cookie is refused: 403" [ "$code" = 403 ]
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Origin: $ORIGIN" --data-urlencode "csrf=$TOK" "$P/logout")
check "a member's form token without its session does nothing: redirect to sign-in" [ "$code" = 303 ]
check "plain http public URL: no Secure attribute" bash -c "! grep -qi 'secure' login.hdr"

# --- Secure cookies when the public URL is https ---
platform_ini data_tls https://msg.example >tls.ini
start_role tls tls.log platform --config tls.ini || not_ok "the https platform starts"
PT="http://127.0.0.1:$PORT_tls"
http POST "$PT/v1/members" '{"members":[{"name":"보안","phone":"010-2000-0005","rrn":"960606-1234567","pin":"8642","consent":true}]}' "${ADMIN[@]}" >/dev/null
tok=$(curl -s -D tls_pre.hdr -c tls.jar "$PT/" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n1)
check "https public URL: the pre-session cookie is Secure" grep -qiE '^set-cookie: herald_pre=[0-9a-f]{64}; Path=/; HttpOnly; SameSite=Strict; Secure' tls_pre.hdr
code=$(curl -s -o /dev/null -D tls_login.hdr -w '%{http_code}' -b tls.jar -H 'Origin: https://msg.example' \
	--data-urlencode "csrf=$tok" --data-urlencode phone=010-2000-0005 --data-urlencode pin=8642 "$PT/login")
check "... and so is the session cookie; Origin must be the https origin" \
	bash -c "[ $code = 303 ] && grep -qiE '^set-cookie: herald_sid=[0-9a-f]{64}; Path=/; Max-Age=[0-9]+; HttpOnly; SameSite=Strict; Secure' tls_login.hdr"
code=$(curl -s -o /dev/null -w '%{http_code}' -b tls.jar -H 'Origin: http://msg.example' \
	--data-urlencode "csrf=$tok" --data-urlencode phone=010-2000-0005 --data-urlencode pin=8642 "$PT/login")
check "... the same host over plain http is another origin: 403" [ "$code" = 403 ]

# --- a flood of sign-ins hashes on at most half the threads ---
# Two threads, so one PIN hash at a time; the real cost (~64 MiB, ~0.1 s
# a hash) so that eight sign-ins posted together overlap.
platform_ini data_flood http://127.0.0.1:7010 | sed 's/^pin_hash = min/pin_hash = interactive\nthreads = 2\nmetrics = public/' >flood.ini
start_role flood flood.log platform --config flood.ini || not_ok "the two-thread platform starts"
PF="http://127.0.0.1:$PORT_flood"
for i in $(seq 1 8); do
	curl -s --interface 127.0.1.$i -c flood$i.jar "$PF/" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n1 >flood$i.tok
done
# A ninth source whose pair is already made to wait (ten wrong PINs just
# now, as the limits recorded them): its sign-in in the flood is told to
# wait, and takes no slot from the others.
curl -s --interface 127.1.1.9 -c waits.jar "$PF/" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n1 >waits.tok
sqlite3 data_flood/platform.db "INSERT INTO login_pairs(phone, source, failures, last_ms)
	VALUES ('01030000009', '127.1.1.9', 10, $(($(date +%s%3N) + $(cat clock))))"
for i in $(seq 1 8); do
	curl -s --interface 127.0.1.$i -b flood$i.jar -H "Origin: $ORIGIN" -o flood$i.out -D flood$i.hdr -w '%{http_code}' \
		--data-urlencode "csrf=$(cat flood$i.tok)" --data-urlencode phone=010-3000-000$i --data-urlencode pin=5$i$i$i \
		"$PF/login" >flood$i.code &
done
curl -s --interface 127.1.1.9 -b waits.jar -H "Origin: $ORIGIN" -o waits.out -w '%{http_code}' \
	--data-urlencode "csrf=$(cat waits.tok)" --data-urlencode phone=010-3000-0009 --data-urlencode pin=5999 \
	"$PF/login" >waits.code &
wait_jobs() { for _ in $(seq 1 600); do [ "$(cat flood?.code waits.code 2>/dev/null | wc -c)" -ge 27 ] && return 0; sleep 0.05; done; return 1; }
wait_jobs
busy=$(grep -l 503 flood?.code | wc -l) wrong=$(grep -l 401 flood?.code | wc -l)
echo "# eight sign-ins together: $wrong checked (401), $busy busy (503)"
check "eight sign-ins together on two threads: some hashed (401), the rest answered 503 at once" \
	bash -c "[ $wrong -ge 1 ] && [ $busy -ge 1 ] && [ $((wrong + busy)) = 8 ]"
b=$(grep -l '^503' flood?.code | head -n1 | sed 's/code$//')
check "... a 503 with Retry-After and the page saying to try again in a moment" \
	bash -c "grep -qiE '^retry-after: [0-9]+' ${b}hdr && grep -q 'Many people are entering their PINs right now' ${b}out"
check "... a busy sign-in counted no failure: failures recorded for the checked ones only" \
	[ "$(sqlite3 data_flood/platform.db "SELECT count(*) FROM login_pairs WHERE failures > 0 AND source != '127.1.1.9'")" = "$wrong" ]
check "... the pair made to wait is told to wait (429), not busy, and nothing more is counted for it" \
	bash -c "[ \"\$(cat waits.code)\" = 429 ] && grep -q 'Too many wrong PINs from here' waits.out &&
		[ \"\$(sqlite3 data_flood/platform.db \"SELECT failures FROM login_pairs WHERE source = '127.1.1.9'\")\" = 10 ]"
check "... logged once, with the count" \
	[ "$(grep -c 'PIN checks: all 1 slots hashing; sign-ins, sign-ups and notice openings answered 503 (1 so far)' flood.log)" = 1 ]
check "... and counted in /metrics" \
	bash -c "curl -s '$PF/metrics' | grep -qx 'herald_platform_pin_checks_busy_total $busy'"

# A web sign-up hashes its PIN in the same slots. Posted just after a
# sign-in (whose hash holds the one slot ~0.1 s), it is answered 503
# before idsvc is asked or its source counted. It may win the slot
# instead, or find it taken only after the idsvc call (then counted), so
# up to five tries, each from new addresses.
sbusy=0
for k in 1 2 3 4 5; do
	htok=$(curl -s --interface 127.1.2.$k -c hold$k.jar "$PF/" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n1)
	stok=$(curl -s --interface 127.1.3.$k -c su$k.jar "$PF/signup" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n1)
	curl -s --interface 127.1.2.$k -b hold$k.jar -H "Origin: $ORIGIN" -o /dev/null --data-urlencode "csrf=$htok" \
		--data-urlencode phone=010-3100-000$k --data-urlencode pin=5$k$k$k "$PF/login" & hold=$!
	sleep 0.02
	code=$(curl -s --interface 127.1.3.$k -b su$k.jar -H "Origin: $ORIGIN" -o su$k.out -D su$k.hdr -w '%{http_code}' \
		--data-urlencode "csrf=$stok" --data-urlencode name=바쁜때 --data-urlencode phone=010-3200-000$k \
		--data-urlencode rrn=920303-1234567 --data-urlencode pin=4293 --data consent=on "$PF/signup")
	wait $hold
	counted=$(sqlite3 data_flood/platform.db "SELECT coalesce(sum(count), 0) FROM signup_sources WHERE source = '127.1.3.$k'")
	if [ "$code" = 503 ] && [ "$counted" = 0 ]; then sbusy=$k; break; fi
done
echo "# a sign-up behind a sign-in's hash: busy at try $sbusy"
check "a web sign-up while a sign-in hashes in the one slot: 503 with Retry-After, the busy page" \
	bash -c "[ $sbusy -gt 0 ] && grep -qiE '^retry-after: [0-9]+' su$sbusy.hdr &&
		grep -q 'Many people are entering their PINs right now' su$sbusy.out"
check "... nobody stored for it, and nothing counted against its source" \
	bash -c "[ $sbusy -gt 0 ] && [ \"\$(sqlite3 data_flood/platform.db \"SELECT count(*) FROM members WHERE phone = '0103200000$sbusy'\")\" = 0 ] &&
		[ \"\$(sqlite3 data_flood/platform.db \"SELECT coalesce(sum(count), 0) FROM signup_sources WHERE source = '127.1.3.$sbusy'\")\" = 0 ]"

# --- an inbox of more than 200 notices is read page after page ---
http POST "$PF/v1/members" '{"members":[{"name":"다수","phone":"010-2000-0006","rrn":"970707-1234567","pin":"7531","consent":true}]}' "${ADMIN[@]}" >/dev/null
RK_M6=$(printf 'herald-rk-v1:%s' "$("$HERALD" ci --key-file ci.key 9707071234567)" | sha256sum | cut -c1-64)
http POST "$PF/v1/relay" "$(jq -nc --arg rk "$RK_M6" '{notices:[range(205) | ("0193a000-0000-7000-8000-00000000" + (1000 + .|tostring)) as $n |
	{notice:$n, rk:$rk, agency:"nts", title:"Tax", doc_sha256:("ab" * 32), deadline:$ENV.TEST_DEADLINE,
	 link:("http://127.0.0.1:7004/documents/" + $n)}]}')" -H "Authorization: Bearer $FROMHUB" >/dev/null
tok=$(curl -s --interface 127.0.2.1 -c many.jar "$PF/" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n1)
curl -s -o /dev/null --interface 127.0.2.1 -b many.jar -c many.jar -H "Origin: $ORIGIN" --data-urlencode "csrf=$tok" \
	--data-urlencode phone=010-2000-0006 --data-urlencode pin=7531 "$PF/login"
curl -s -b many.jar "$PF/inbox" >page1.html
older=$(sed -n 's/.*<a href="\(\/inbox?before=[^"]*\)">이전 고지.*/\1/p' page1.html)
curl -s -b many.jar "$PF$older" >page2.html
ids() { grep -ho 'href="/notices/[^"]*"' "$@" | sort -u | wc -l; }
check "205 notices: the inbox shows the newest 200 and links to older ones" \
	bash -c "[ $(ids page1.html) = 200 ] && [ -n '$older' ]"
check "... the older page shows the other 5, links back to the newest, and to nothing older" \
	bash -c "[ $(ids page2.html) = 5 ] && [ $(ids page1.html page2.html) = 205 ] &&
		grep -q '<a href=\"/inbox\">' page2.html && ! grep -q 'before=' page2.html"
idlist() { grep -ho 'href="/notices/[^"]*"' "$@" | sort -u; }
newer=$(sed -n 's/.*<a href="\(\/inbox?after=[^"]*\)">더 최근 고지.*/\1/p' page2.html)
curl -s -b many.jar "$PF$newer" >page3.html
check "... and to the newer page after its first, here the newest 200 again" \
	bash -c "[ -n '$newer' ] && [ '$(idlist page3.html)' = '$(idlist page1.html)' ]"
curl -s -b many.jar "$PF/inbox?after=2000-01-01T00:00:00.000Z,0" >oldest.html
order=$(grep -ho 'href="/notices/[^"]*"' oldest.html | sed -n '1s/.*-0*//p;$s/.*-0*//p' | tr -d '"' | tr '\n' ' ')
check "a page after a place 205 notices are newer than: the oldest 200, newest first, linked newer and older" \
	bash -c "[ $(ids oldest.html) = 200 ] && [ $(ids oldest.html page2.html) = 200 ] && [ '$order' = '1199 1000 ' ] &&
		grep -q 'href=\"/inbox?after=' oldest.html && grep -q 'href=\"/inbox?before=' oldest.html"
newest=$(sed -n 's/.*<a href="\(\/inbox?after=[^"]*\)">더 최근 고지.*/\1/p' oldest.html)
curl -s -b many.jar "$PF$newest" >page4.html
check "... whose newer link, with 5 newer than its first, gives the newest page" \
	bash -c "[ -n '$newest' ] && [ '$(idlist page4.html)' = '$(idlist page1.html)' ]"
check "a malformed place in the inbox, or both directions at once: 400" \
	bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -b many.jar '$PF/inbox?before=x%27%3E')\" = 400 ] &&
		[ \"\$(curl -s -o /dev/null -w '%{http_code}' -b many.jar '$PF/inbox?after=x%27%3E')\" = 400 ] &&
		[ \"\$(curl -s -o /dev/null -w '%{http_code}' -b many.jar '$PF/inbox?before=2026-01-01T00:00:00.000Z,0&after=2026-01-01T00:00:00.000Z,0')\" = 400 ]"

# A web sign-up while idsvc is away is our fault, not the form's.
kill "$PID_idsvc"; wait "$PID_idsvc" 2>/dev/null
code=$(signup 127.0.0.77 away.jar 부재중 010-2000-0009 850303-1234567 4293)
check "a web sign-up while idsvc is away: 503, the page saying to try again in a moment" \
	bash -c "[ $code = 503 ] && grep -q 'The identity service is not answering' away.jar.out"
finish
