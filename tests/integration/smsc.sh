#!/usr/bin/env bash
# The SMSC peer (tests/peers/smsc) against its own scripted client, before
# herald's carrier channel is tested against it: binding with the right and
# a wrong password, message ids, delivery receipts and their delay,
# throttling by share and by time window, failed numbers, the connection
# dropped mid-window, the counts and joined UCS-2 texts of GET /stats, and
# a clean exit on SIGTERM with an ESME bound. Skipped without node.
. "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/peers/smsc/start.sh"

if ! command -v node >/dev/null 2>&1; then
	ok "the SMSC peer # skip node is not installed"
	finish
fi
check "scripts/peers.sh installs the locked smpp package" sh "$ROOT/scripts/peers.sh"
check "a second run of scripts/peers.sh does nothing" \
	bash -c '[ -z "$(sh "$0/scripts/peers.sh" 2>&1)" ]' "$ROOT"

cd "$T"
FAILED=01000000009 REFUSED=01000000008
smsc_start smsc smsc.out --system-id herald --password s3cret --receipt-delay 200 --fail "$FAILED" ||
	{ not_ok "the SMSC peer starts"; finish; }
ok "the SMSC peer prints its SMPP and control ports"

CONTROL="http://127.0.0.1:$CONTROL_smsc"
client() { # OUT ARGS...: one run of the client as ESME "herald"
	local out=$1; shift
	node "$SMSC_PEER_DIR/client.js" --port "$PORT_smsc" --system-id herald --password s3cret "$@" >"$out"
}
set_config() { curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary "$1" "$CONTROL/config"; }
events() { jq -se "$2" "$1" >/dev/null; } # FILE JQ: true when JQ holds for its events

node "$SMSC_PEER_DIR/client.js" --port "$PORT_smsc" --system-id herald --password wrong >wrong.jsonl
check "a wrong password is refused with ESME_RBINDFAIL" \
	events wrong.jsonl 'map(select(.event == "bind"))[0].status == 13'

client one.jsonl --receipts --enquire --submit "01000000001=안녕하세요" --wait-receipts 1
check "the right password binds" events one.jsonl 'map(select(.event == "bind"))[0].status == 0'
check "enquire_link is answered" events one.jsonl 'any(.event == "enquire_link_resp" and .status == 0)'
check "a submit is answered with a hex message id" \
	events one.jsonl 'map(select(.event == "submit_resp"))[0] | .status == 0 and (.message_id | test("^[0-9a-f]{16}$"))'
check "its receipt names the id, stat:DELIVRD, esm_class 0x04" \
	events one.jsonl '(map(select(.event == "submit_resp"))[0].message_id) as $id |
		map(select(.event == "receipt"))[0] | .message_id == $id and .id == $id and .stat == "DELIVRD" and
		.esm_class == 4 and .sub == "001" and .dlvrd == "001" and .err == "000" and
		(.submit_date | test("^[0-9]{10}$")) and (.done_date | test("^[0-9]{10}$"))'
# From the submit leaving the client: its answer may reach a loaded
# client late, but the receipt cannot come before the SMSC's delay ran.
check "the receipt comes after the configured 200 ms" \
	events one.jsonl '(map(select(.event == "receipt"))[0].t - map(select(.event == "submit"))[0].t) >= 195'
check "unbind is answered" events one.jsonl 'any(.event == "unbind_resp" and .status == 0)'

check "POST /config sets a throttle share" [ "$(set_config '{"throttle_share":0.5}')" = 200 ]
client share.jsonl --submit 01000000002=a --submit 01000000002=b --submit 01000000002=c --submit 01000000002=d
check "half the submits are answered ESME_RTHROTTLED (0x58)" \
	events share.jsonl 'map(select(.event == "submit_resp") | .status) | sort == [0, 0, 88, 88]'

set_config '{"throttle_share":0,"throttle_ms":60000}' >/dev/null
client window1.jsonl --submit 01000000003=early
set_config '{"throttle_ms":300}' >/dev/null
sleep 0.4
client window2.jsonl --submit 01000000003=later
check "within a throttle window every submit gets 0x58" \
	events window1.jsonl 'any(.event == "submit_resp" and .status == 88)'
check "after the window none does" events window2.jsonl 'any(.event == "submit_resp" and .status == 0)'

set_config "{\"fail\":{\"$FAILED\":\"UNDELIV\",\"$REFUSED\":\"0x0B\"}}" >/dev/null
client fail.jsonl --receipts --submit "$FAILED=실패" --submit "$REFUSED=거부" --wait-receipts 1
check "a failed number's receipt says stat:UNDELIV dlvrd:000" \
	events fail.jsonl 'map(select(.event == "receipt"))[0] | .stat == "UNDELIV" and .dlvrd == "000" and .message_state == 5'
check "a refused number's submit is answered with its status (0x0B)" \
	events fail.jsonl "any(.event == \"submit_resp\" and .dest == \"$REFUSED\" and .status == 11)"

KOREAN="[대한민국 공공기관] 홍길동님, 국민건강보험공단에서 보낸 전자문서가 도착했습니다. 본인 확인 후 열람하세요: https://example.invalid/n/7Q2X9"
client korean.jsonl --submit "01000000004=$KOREAN"
check "a long Korean text goes as 2 UCS-2 segments, both accepted" \
	events korean.jsonl 'map(select(.event == "submit_resp")) | length == 2 and all(.status == 0 and .parts == 2)'
client dup.jsonl --submit 01000000005=알림 --submit 01000000005=알림

check "POST /config arms a drop after 3 submits" [ "$(set_config '{"drop_after":3,"drop_unanswered":1}')" = 200 ]
client drop.jsonl --submit 01000000006=1 --submit 01000000006=2 --submit 01000000006=3 \
	--submit 01000000006=4 --submit 01000000006=5
check "the connection drops at the 3rd submit, which is left unanswered" \
	events drop.jsonl '(map(select(.event == "submit_resp")) | length == 2 and all(.status == 0)) and
		any(.event == "close") and (any(.event == "unbind_resp") | not)'

set_config '{"enquire_link_ms":100}' >/dev/null
client ping.jsonl --wait-receipts 1 --timeout 450
set_config '{"enquire_link_ms":0}' >/dev/null
check "asked to, the SMSC sends enquire_link to a bound ESME" \
	events ping.jsonl 'map(select(.event == "enquire_link")) | length >= 2'

r=$(set_config '{"throttle_share":2}')
check "POST /config refuses a share over 1 (400)" [ "$r" = 400 ]
r=$(set_config '{"no_such":1}')
check "POST /config refuses an unknown setting (400)" [ "$r" = 400 ]
r=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$CONTROL/stats")
check "DELETE /stats: 405" [ "$r" = 405 ]

curl -s "$CONTROL/stats" >stats.json
check "GET /stats counts binds, submits and their answers" \
	jq -e '.binds == 9 and .bind_refusals == 1 and .submits == 16 and .accepted == 11 and .throttled == 3 and
		.refused == 1 and .unanswered == 1 and .drops == 1 and .enquire_links == 1' stats.json >/dev/null
check "GET /stats counts messages, undelivered, duplicates and receipts" \
	jq -e '.messages == 11 and .undelivered == 1 and .duplicates == 1 and .receipts == 2 and
		.receipts_acked == 2 and .receipts_pending == 0 and .partial_messages == 0' stats.json >/dev/null
check "GET /stats times the first and last submit, the last receipt and its answer" \
	jq -e '.first_submit_ms > 0 and .first_submit_ms <= .last_submit_ms and
		.last_receipt_ms >= .first_submit_ms and .last_receipt_ack_ms >= .last_receipt_ms' stats.json >/dev/null
check "GET /stats per destination: counts and texts" \
	jq -e --arg f "$FAILED" '.destinations | .["01000000001"].texts == ["안녕하세요"] and
		.["01000000002"].submits == 4 and .["01000000002"].accepted == 2 and
		(.[$f] | .messages == 1 and .undelivered == 1 and .texts == []) and
		.["01000000005"].duplicates == 1 and .["01000000006"].texts == ["1", "2", "3"]' stats.json >/dev/null
check "the 2-segment Korean text is joined whole in /stats" \
	jq -e --arg k "$KOREAN" '.destinations["01000000004"] | .texts == [$k] and .submits == 2 and .messages == 1' stats.json >/dev/null

# Bad input from an ESME: answered or cut off, never the end of the peer.
python3 - "$PORT_smsc" >bad.txt <<'PY'
import socket, struct, sys
port = int(sys.argv[1])
bind = b"herald\0s3cret\0\0" + bytes([0x34, 0, 0]) + b"\0"
def pdu(cid, seq, body=b"", length=None):
    return struct.pack(">IIII", 16 + len(body) if length is None else length, cid, 0, seq) + body
def complete(got):  # the headers of the whole PDUs in got
    out, i = [], 0
    while i + 16 <= len(got) and i + struct.unpack(">I", got[i:i + 4])[0] <= len(got):
        n, cid, status, seq = struct.unpack(">IIII", got[i:i + 16])
        out.append("%x:%x:%d" % (cid, status, seq))
        i += n
    return out
def answers(data):  # the first two answers to data, or "closed"
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(2)
    s.sendall(data)
    got = b""
    try:
        while len(complete(got)) < 2:
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
    except socket.timeout:
        pass
    s.close()
    return " ".join(complete(got)) or "closed"
print("truncated", answers(pdu(9, 1, bind) + pdu(4, 2, b"\0\0")))
print("unknown", answers(pdu(9, 1, bind) + pdu(0x77, 2)))
print("huge", answers(pdu(4, 1, length=100000)))
PY
check "a truncated submit_sm is answered ESME_RINVCMDLEN (0x02)" grep -qx 'truncated 80000009:0:1 80000004:2:2' bad.txt
check "an unknown command is answered generic_nack ESME_RINVCMDID (0x03)" grep -qx 'unknown 80000009:0:1 80000000:3:2' bad.txt
check "a PDU over 16 KiB closes that connection" grep -qx 'huge closed' bad.txt
check "the peer still serves and counts the malformed PDU" \
	bash -c 'curl -s "$0/stats" | jq -e ".malformed == 1 and .generic_nacks_sent == 1 and .binds == 11" >/dev/null' "$CONTROL"

client bound.jsonl --wait-receipts 1 --timeout 4000 &
CLIENT=$!
for _ in $(seq 1 100); do
	[ "$(curl -s "$CONTROL/stats" | jq .bound)" = 1 ] && break
	sleep 0.05
done
kill -TERM "$PID_smsc"
wait "$PID_smsc"
rc=$?
wait "$CLIENT"
check "SIGTERM: the SMSC exits 0" [ "$rc" = 0 ]
check "SIGTERM: a bound ESME is unbound first" events bound.jsonl 'any(.event == "unbind")'
finish
