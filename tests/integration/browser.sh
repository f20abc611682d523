#!/usr/bin/env bash
# A citizen in a real browser: `herald demo` (every role, the SMSC and push
# gateway peers) serves on loopback, and tests/browser/citizen.js drives
# Debian's chromium through playwright-core from the demo's phone view to
# the SMS's link, sign-in, inbox, notice, the agency's document and
# withdrawing consent, then a second citizen from a push alert to the
# other platform's inbox, with axe-core on every page at 390 px and 1,280 px;
# then tests/browser/officer.js takes the demo's officer through the
# agency's console (sign-in with TOTP, dashboard, an upload with one bad
# row, send, the dashboard moving, a certificate's PDF), and
# tests/browser/operator.js the demo's operator through the hub's
# console (sign-in with TOTP, status, volumes, relay latency).
# Screenshots go to BUILD/screenshots/. The forms are filled and submitted
# through the page, never posted by hand, so whatever hidden fields the
# pages carry travel as a browser sends them. Skipped without node.
# BROWSER_DOCS=DIR also writes the README's pictures there (docs/images).
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
SHOTS=$(cd "$(dirname "$HERALD")" && pwd)/screenshots

if ! command -v node >/dev/null 2>&1; then
	ok "a citizen in chromium # skip node is not installed"
	finish
fi
[ -x "$CHROMIUM" ] || { not_ok "chromium is at $CHROMIUM (scripts/deps.sh installs it)"; finish; }
sh "$ROOT/scripts/peers.sh" || { not_ok "scripts/peers.sh installs the SMSC peer"; finish; }
sh "$ROOT/scripts/peers.sh" browser ||
	{ not_ok "scripts/peers.sh browser installs playwright-core and axe-core"; finish; }

# The demo prints its URLs and sign-ins once everything is up; a loaded
# machine may take minutes to get there.
"$HERALD" demo --notices 30 --dir "$T/demo" >"$T/demo.out" 2>"$T/demo.err" &
PIDS+=("$!")
demo_pid=$!
up=""
for _ in $(seq 1 1200); do
	grep -q 'Press Ctrl-C to stop' "$T/demo.out" && { up=1; break; }
	kill -0 "$demo_pid" 2>/dev/null || break
	sleep 0.25
done
if [ -z "$up" ]; then
	not_ok "herald demo serves and prints its URLs (within 300 s)"
	echo "# demo stderr: $(tail -n 5 "$T/demo.err" | tr '\n' ' ')"
	finish
fi
ok "herald demo serves and prints its URLs"

phones=$(sed -n 's|^  phones *\(http://[^ ]*\)$|\1|p' "$T/demo.out" | head -n1)
signins=$(sed -n 's|^  \(010-[0-9-]*\) / \([0-9]*\)  on \([a-z]*\) .*|\1 \2 \3|p' "$T/demo.out")
read -r phone pin platform <<<"$(head -n1 <<<"$signins")"
# A second citizen on the other platform, so both channels' texts are tapped.
other=$(awk -v p="${platform:-}" '$3 != p {print $1 "/" $2; exit}' <<<"$signins")
if [ -z "$phones" ] || [ -z "${phone:-}" ] || [ -z "${pin:-}" ]; then
	not_ok "the demo prints the phone view's URL and a sign-in"
	sed 's/^/# /' "$T/demo.out"
	finish
fi

# citizen.js prints "ok - ..." / "not ok - ..." for each step; counted
# here so its checks join this script's.
start=$(date +%s)
timeout 900 node "$ROOT/tests/browser/citizen.js" --phones "$phones" --phone "$phone" \
	--pin "$pin" --shots "$SHOTS" --chromium "$CHROMIUM" --timeout 60000 \
	${other:+--other "$other"} ${BROWSER_DOCS:+--docs "$BROWSER_DOCS"} \
	>"$T/citizen.out" 2>"$T/citizen.err"
rc=$?
failed_before=0
while IFS= read -r line; do
	case "$line" in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) not_ok "${line#not ok - }"; failed_before=1 ;;
	"#"*) echo "$line" ;;
	esac
done <"$T/citizen.out"
if [ "$rc" -ne 0 ] && [ "$failed_before" -eq 0 ]; then
	not_ok "citizen.js exited with status $rc"
	sed 's/^/# /' "$T/citizen.err" | tail -n 20
fi

# The agency's officer on the console, with the account the demo printed.
console=$(sed -n 's|^  console  *\(http://[^ ]*\)$|\1|p' "$T/demo.out" | head -n1)
read -r account password <<<"$(sed -n 's|^  account  *\([a-z]*\) / \([0-9a-f]*\) .*|\1 \2|p' "$T/demo.out" | head -n1)"
secret=$(sed -n 's|^  totp secret  *\([A-Z2-7]*\)$|\1|p' "$T/demo.out" | head -n1)
if [ -z "$console" ] || [ -z "${password:-}" ] || [ -z "$secret" ]; then
	not_ok "the demo prints the console's URL, account, password and TOTP secret"
else
	ok "the demo prints the console's URL, account, password and TOTP secret"
	timeout 600 node "$ROOT/tests/browser/officer.js" --console "$console" --account "$account" \
		--password "$password" --secret "$secret" --shots "$SHOTS" --chromium "$CHROMIUM" \
		--timeout 60000 ${BROWSER_DOCS:+--docs "$BROWSER_DOCS"} >"$T/officer.out" 2>"$T/officer.err"
	rc=$?
	failed_before=0
	while IFS= read -r line; do
		case "$line" in
		"ok - "*) ok "console: ${line#ok - }" ;;
		"not ok - "*) not_ok "console: ${line#not ok - }"; failed_before=1 ;;
		"#"*) echo "$line" ;;
		esac
	done <"$T/officer.out"
	if [ "$rc" -ne 0 ] && [ "$failed_before" -eq 0 ]; then
		not_ok "officer.js exited with status $rc"
		sed 's/^/# /' "$T/officer.err" | tail -n 20
	fi
fi
# The hub's operator on the operators' console, with the account the demo printed.
oconsole=$(sed -n 's|^  operator console  *\(https\{0,1\}://[^ ]*\).*$|\1|p' "$T/demo.out" | head -n1)
read -r oaccount opassword <<<"$(sed -n 's|^  operator account  *\([a-z]*\) / \([0-9a-f]*\) .*|\1 \2|p' "$T/demo.out" | head -n1)"
osecret=$(sed -n 's|^  operator totp  *\([A-Z2-7]*\)$|\1|p' "$T/demo.out" | head -n1)
if [ -z "$oconsole" ] || [ -z "${opassword:-}" ] || [ -z "$osecret" ]; then
	not_ok "the demo prints the operators' console's URL, account, password and TOTP secret"
else
	ok "the demo prints the operators' console's URL, account, password and TOTP secret"
	timeout 600 node "$ROOT/tests/browser/operator.js" --console "$oconsole" --account "$oaccount" \
		--password "$opassword" --secret "$osecret" --shots "$SHOTS" --chromium "$CHROMIUM" \
		--timeout 60000 ${BROWSER_DOCS:+--docs "$BROWSER_DOCS"} >"$T/operator.out" 2>"$T/operator.err"
	rc=$?
	failed_before=0
	while IFS= read -r line; do
		case "$line" in
		"ok - "*) ok "operators' console: ${line#ok - }" ;;
		"not ok - "*) not_ok "operators' console: ${line#not ok - }"; failed_before=1 ;;
		"#"*) echo "$line" ;;
		esac
	done <"$T/operator.out"
	if [ "$rc" -ne 0 ] && [ "$failed_before" -eq 0 ]; then
		not_ok "operator.js exited with status $rc"
		sed 's/^/# /' "$T/operator.err" | tail -n 20
	fi
fi
echo "# the browser test took $(($(date +%s) - start)) s; screenshots in $SHOTS"
finish
