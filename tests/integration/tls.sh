#!/usr/bin/env bash
# TLS between roles, every role real on loopback: idsvc, the hub and a
# platform serve TLS 1.3 with keys from `herald keygen --tls`, and every
# caller pins the callee's key in its config (no [tls] plain_http anywhere
# but the one refusal checked at the end).
#   A member signs up (platform -> idsvc), an agency sends her a notice
#   (agency -> idsvc, agency -> hub), the hub relays it (hub -> platform)
#   and the platform reports it received (platform -> hub): every one of
#   those calls over TLS, and the notice ends in her inbox.
#   Plain HTTP and TLS 1.2 get no answer from a TLS role.
#   A wrong pin is refused: the agency's call to a hub whose key is not the
#   pinned one fails with a log line naming the pin, nothing is accepted;
#   a hub whose pin for the platform is wrong relays nothing to it.
#   (The citizen pages are checked on the platform's loopback web_listen.)
#   Plain HTTP off loopback, or without plain_http = loopback, or an https
#   peer without a pin, stops a role at start with a message saying which
#   setting to change.
. "$(dirname "$0")/../lib.sh"
jqt() { jq_test "$@"; } # jq as a test: true when the filter yields true
FLOOD=$(cd "$(dirname "$0")" && pwd)/flood.py

cd "$T"
sha() { printf %s "$1" | sha256sum | cut -c1-64; }
until_true() { for _ in $(seq 1 200); do "$@" && return 0; sleep 0.05; done; return 1; }
# The pin of a certificate as OpenSSL computes it, to check keygen's.
openssl_pin() {
	echo "sha256//$(openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform der |
		openssl dgst -sha256 -binary | base64)"
}

# ---- keys and certificates ----
for role in idsvc hub messenger; do
	"$HERALD" keygen --tls --out "$role" --name "$role" >"$role.pin" 2>"$role.keygen.err"
done
check "keygen --tls writes the key with mode 0600 and the certificate with 0644" \
	bash -c '[ "$(stat -c %a hub.key)" = 600 ] && [ "$(stat -c %a hub.crt)" = 644 ] &&
		grep -q "PRIVATE KEY" hub.key && grep -q "BEGIN CERTIFICATE" hub.crt'
check "keygen --tls prints the pin of the key's SubjectPublicKeyInfo, as OpenSSL computes it" \
	[ "$(cat hub.pin)" = "$(openssl_pin hub.crt)" ]
check "the certificate is self-signed, ECDSA P-256, naming 127.0.0.1" \
	bash -c 'openssl verify -CAfile hub.crt hub.crt >/dev/null &&
		openssl x509 -in hub.crt -noout -text | grep -q "prime256v1" &&
		openssl x509 -in hub.crt -noout -text | grep -q "IP Address:127.0.0.1"'
"$HERALD" keygen --tls --out hub >again.out 2>again.err
check "keygen --tls never overwrites a key" bash -c "[ $? -ne 0 ] && grep -q 'hub.key' again.err"
IDSVC_PIN=$(cat idsvc.pin) HUB_PIN=$(cat hub.pin) MSG_PIN=$(cat messenger.pin)

"$HERALD" keygen --hmac --out ci.key >/dev/null 2>&1
"$HERALD" keygen --ed25519 --out view >/dev/null 2>&1
IDKEY=$("$HERALD" apikey --name nts --clients idsvc.clients)
PIDKEY=$("$HERALD" apikey --name messenger --clients idsvc.clients)
HUBKEY=$("$HERALD" apikey --name hub --clients platform.clients)
ADMINKEY=$("$HERALD" apikey --name admin --clients platform.clients)
NTS=$(openssl rand -hex 32) MSG=$(openssl rand -hex 32)
(umask 077; echo "$IDKEY" >idsvc.apikey; echo "$PIDKEY" >pidsvc.apikey; echo "$HUBKEY" >hub.apikey
	echo "$MSG" >msg.apikey; echo "$NTS" >nts.apikey)

start_role idsvc idsvc.log idsvc --key-file ci.key --clients idsvc.clients \
	--tls-cert idsvc.crt --tls-key idsvc.key || { not_ok "idsvc starts with TLS"; finish; }
ID="https://127.0.0.1:$PORT_idsvc"

P_MSG=$(free_port) P_WEB=$(free_port)
hub_ini() { # PLATFORM-PIN
	cat <<INI
[hub]
dir = hubdata
listen = 127.0.0.1:0
hub_key_file = hub.apikey
relay_interval_ms = 50
[tls]
cert = hub.crt
key = hub.key
[agency nts]
key_sha256 = $(sha "$NTS")
[platform messenger]
key_sha256 = $(sha "$MSG")
url = https://127.0.0.1:$P_MSG
pin = $1
INI
}
hub_ini "$MSG_PIN" >hub.ini
start_role hub hub.log hub --config hub.ini || { not_ok "hub starts with TLS"; finish; }
H="https://127.0.0.1:$PORT_hub"
check "the hub says it serves TLS 1.3 and its certificate's pin" \
	grep -q "listening on .*TLS 1.3, certificate pin $HUB_PIN" hub.log

cat >platform.ini <<INI
[platform]
name = messenger
dir = data
listen = 127.0.0.1:$P_MSG
web_listen = 127.0.0.1:$P_WEB
public_url = http://127.0.0.1:$P_WEB
view_key = view.key
clients = platform.clients
pin_hash = min
report_interval_ms = 50
[tls]
cert = messenger.crt
key = messenger.key
[idsvc]
url = $ID
pin = $IDSVC_PIN
key_file = pidsvc.apikey
[hub]
url = $H
pin = $HUB_PIN
key_file = msg.apikey
INI
start_role platform platform.log platform --config platform.ini || { not_ok "platform starts with TLS"; finish; }
P="https://127.0.0.1:$P_MSG"

# ---- the roles' ports speak TLS 1.3 and nothing else ----
code=$(curl_pinned "$HUB_PIN" -s -o /dev/null -w '%{http_code}' "$H/v1/health")
check "the hub answers over TLS 1.3 to a client pinning its key" [ "$code" = 200 ]
check "... and gives no answer in plain HTTP on the same port" \
	bash -c '! curl -s -m 5 "http://127.0.0.1:$0/v1/health" | grep -q ok' "$PORT_hub"
check "... nor to a client offering at most TLS 1.2" \
	bash -c '! curl -s -m 5 -k --tls-max 1.2 "$0/v1/health" >/dev/null' "$H"
check "curl pinning another key gets nothing from the hub (control for the pin check)" \
	bash -c '! curl -s -m 5 -k --pinnedpubkey "$1" "$0/v1/health" >/dev/null' "$H" "$IDSVC_PIN"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P_WEB/")
check "the platform's citizen pages are on its loopback web_listen in plain HTTP" [ "$code" = 200 ]
check "... and, with no [http] trusted_proxies, it warns that a proxy's clients would count as one source" \
	grep -q 'web_listen is set and \[http\] trusted_proxies is not' platform.log

# ---- a member signs up: platform -> idsvc over TLS; platform -> hub (directory) ----
r=$(http POST "$P/v1/members" '{"members":[
 {"name":"가","phone":"010-1000-0001","rrn":"971013-9019902","pin":"1739","consent":true},
 {"name":"나","phone":"010-1000-0002","rrn":"2103153481720","pin":"2846","consent":true}]}' \
	--insecure --pinnedpubkey "$MSG_PIN" -H "Authorization: Bearer $ADMINKEY")
check "two members sign up over the platform's TLS API (their CIs from idsvc over TLS)" \
	jqt '[.results[].member | numbers] | length == 2' <<<"$(body_of "$r")"
directory_has() { [ "$(sqlite3 hubdata/directory.db 'SELECT count(*) FROM directory')" = 2 ]; }
check "the hub's directory knows them (platform -> hub over TLS)" until_true directory_has

# ---- an agency sends her a notice; no [tls] in its config: it only calls ----
agency_ini() { # HUB-PIN
	cat <<INI
[agency]
name = nts
dir = agency
public_url = http://127.0.0.1:1
[idsvc]
url = $ID
pin = $IDSVC_PIN
key_file = idsvc.apikey
[hub]
url = $H
pin = $1
key_file = nts.apikey
[platform messenger]
view_pub = view.pub
INI
}
agency_ini "$HUB_PIN" >agency.ini
cat >notice.html <<'HTML'
<!doctype html><html lang="ko"><meta charset="utf-8"><title>((title))</title>
<h1>((title))</h1><p>((name)) / ((address))</p>
HTML
printf '%s\n' 'rrn,name,address' '971013-9019902,가나다,서울 종로구 1' >r.csv
DEADLINE=$(date -u -d '+30 days' +%Y-%m-%d)
"$HERALD" agency send --config agency.ini --template notice.html --title "TLS" \
	--deadline "$DEADLINE" r.csv >send.out 2>send.err
check "the agency sends one notice: CIs from idsvc and the submission to the hub over TLS" \
	jqt '.accepted == 1 and .failed == 0' send.out
hq() { sqlite3 -cmd '.timeout 2000' hubdata/hub.db "$1"; }
N1=$(hq "SELECT id FROM notices LIMIT 1")
received() { [ "$(hq "SELECT state FROM notices WHERE id = '$N1'")" = received ]; }
check "the hub relays it to the platform over TLS and the platform reports it received" \
	until_true received
check "it is in the member's inbox" \
	[ "$(sqlite3 data/platform.db "SELECT count(*) FROM inbox WHERE notice = '$N1'")" = 1 ]
check "no role logged a TLS or connection failure on the way" \
	bash -c '! grep -qi "handshake\|does not match the pin\|Could not connect" hub.log platform.log send.err'

# ---- the connection guard holds over TLS (src/lib/http_guard.c) ----
# 100 idle connections from 127.0.0.2 (tests/integration/flood.py): the
# TLS hub keeps that address to its allowance (64, the default) and
# still answers a pinned TLS 1.3 client from 127.0.0.7, and the flooding
# address once the flood is over.
python3 "$FLOOD" hold --port "$PORT_hub" --sources 127.0.0.2 --per-source 100 \
	--seconds 8 >flood.out 2>flood.err &
FLOOD_PID=$!
PIDS+=("$FLOOD_PID")
for _ in $(seq 1 100); do grep -q '"t"' flood.out 2>/dev/null && break; sleep 0.1; done
check "a flood of 100 idle connections from one address: the TLS hub keeps at most 64 of them" \
	bash -c "grep '\"t\"' flood.out | head -n1 | jq -e '.open[\"127.0.0.2\"] | . > 0 and . <= 64' >/dev/null"
code=$(curl_pinned "$HUB_PIN" -s -m 5 --interface 127.0.0.7 -o /dev/null -w '%{http_code}' \
	"$H/v1/health")
check "... while a pinned TLS 1.3 client from another address is answered" [ "$code" = 200 ]
kill "$FLOOD_PID" 2>/dev/null
wait "$FLOOD_PID" 2>/dev/null
code=$(curl_pinned "$HUB_PIN" -s -m 5 --interface 127.0.0.2 -o /dev/null -w '%{http_code}' \
	"$H/v1/health")
check "... and the flooding address over TLS right after" [ "$code" = 200 ]

# ---- a wrong pin: the agency pins idsvc's key for the hub ----
agency_ini "$IDSVC_PIN" >wrong.ini
printf '%s\n' 'rrn,name,address' '2103153481720,나다라,부산 2' >r2.csv
before=$(hq "SELECT count(*) FROM notices")
"$HERALD" agency send --config wrong.ini --template notice.html --title "TLS" \
	--deadline "$DEADLINE" r2.csv >wrong.out 2>wrong.err
rc=$?
check "with a wrong pin for the hub, agency send fails" [ "$rc" -ne 0 ]
check "... with a log line saying the hub's key does not match the pin in the config" \
	grep -q "refused: the peer's public key does not match the pin $IDSVC_PIN in the config" wrong.err
check "... and the hub accepted nothing" [ "$(hq "SELECT count(*) FROM notices")" = "$before" ]

# ---- a wrong pin at the hub for the platform: nothing reaches the platform ----
kill "$PID_hub"; wait "$PID_hub" 2>/dev/null
hub_ini "$IDSVC_PIN" >hub.ini
start_role hub2 hub2.log hub --config hub.ini || { not_ok "the hub starts again"; finish; }
H2="https://127.0.0.1:$PORT_hub2"
agency_ini "$HUB_PIN" | sed "s|^url = $H\$|url = $H2|" >agency2.ini
"$HERALD" agency send --config agency2.ini --template notice.html --title "TLS" \
	--deadline "$DEADLINE" r2.csv >send2.out 2>send2.err
check "the hub accepts a notice for the second member" jqt '.accepted == 1' send2.out
refused() { grep -q "refused: the peer's public key does not match the pin $IDSVC_PIN" hub2.log; }
check "the hub's relay to a platform whose key is not the pinned one fails, logged as such" \
	until_true refused
check "... and the platform got nothing more" \
	[ "$(sqlite3 data/platform.db "SELECT count(*) FROM inbox")" = 1 ]
N2=$(hq "SELECT id FROM notices WHERE id != '$N1'")
check "... and the notice is not received at the hub either" \
	[ "$(hq "SELECT state FROM notices WHERE id = '$N2'")" != received ]

# ---- on a wildcard address without public_url the hub says its console
# cannot sign anyone in (the forms' origin is checked against it) ----
hub_ini "$MSG_PIN" | sed 's/^listen = .*/listen = 0.0.0.0:0/; s/^dir = .*/dir = wilddata/' >wild.ini
start_role wild wild.log hub --config wild.ini || not_ok "the hub starts on 0.0.0.0"
check "on 0.0.0.0 with no public_url, the hub warns that the console's sign-in refuses every browser" \
	grep -q 'public_url is not set and the hub listens on 0.0.0.0:0: the console.s sign-in will refuse every browser' wild.log
kill "$PID_wild"; wait "$PID_wild" 2>/dev/null
check "... and not on its own address" bash -c "! grep -q 'public_url is not set' hub.log hub2.log"

# ---- plain HTTP is refused at start unless allowed, and only on loopback ----
refusal() { # NAME CONFIG-TEXT ROLE -> the role's stderr, expecting exit 1
	printf '%s\n' "$2" >"$1.ini"
	"$HERALD" "$3" --config "$1.ini" >/dev/null 2>"$1.err" && return 1
	return 0
}
base="[hub]
dir = plain
hub_key_file = hub.apikey"
refusal offloop "$base
listen = 0.0.0.0:0
[tls]
plain_http = loopback" hub
check "plain_http = loopback on 0.0.0.0 stops the hub at start, naming the setting" \
	grep -q "refusing to serve plain HTTP on 0.0.0.0:0 (\[hub\] listen): \[tls\] plain_http = loopback allows loopback addresses only" offloop.err
refusal notls "$base
listen = 127.0.0.1:0" hub
check "no [tls] at all stops it too, even on loopback, saying what to set" \
	grep -q "refusing to serve plain HTTP on 127.0.0.1:0 (\[hub\] listen): give \[tls\] cert and key (herald keygen --tls)" notls.err
refusal peer "$base
listen = 127.0.0.1:0
[tls]
plain_http = loopback
[platform messenger]
key_sha256 = $(sha "$MSG")
url = http://192.0.2.1:8443" hub
check "a platform at a plain http:// URL off loopback stops the hub at start" \
	grep -q "\[platform messenger\] url http://192.0.2.1:8443 is plain HTTP" peer.err
refusal nopin "$base
listen = 127.0.0.1:0
[tls]
cert = hub.crt
key = hub.key
[platform messenger]
key_sha256 = $(sha "$MSG")
url = https://127.0.0.1:$P_MSG" hub
check "an https peer without a pin stops it, pointing at keygen --tls" \
	grep -q "\[platform messenger\] url is https but the section has no pin" nopin.err
"$HERALD" idsvc --key-file ci.key --clients idsvc.clients --listen 0.0.0.0:0 --plain-http \
	>/dev/null 2>idsvc_plain.err
check "idsvc --plain-http on 0.0.0.0 is refused at start" \
	bash -c "[ $? -eq 1 ] && grep -q 'refusing to serve plain HTTP on 0.0.0.0:0' idsvc_plain.err"
chmod 644 messenger.key
sed -i "s|^listen = 127.0.0.1:$P_MSG|listen = 127.0.0.1:0|; s|^web_listen = .*||" platform.ini
"$HERALD" platform --config platform.ini >/dev/null 2>openkey.err
check "a TLS key readable by others stops the platform at start" \
	bash -c "[ $? -eq 1 ] && grep -q 'messenger.key: TLS key is readable by others' openkey.err"
finish
