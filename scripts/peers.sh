#!/bin/sh
# Installs the npm packages tests need, exactly as each package-lock.json
# pins them: by default tests/peers/smsc (the SMSC built on npm's smpp
# package); `peers.sh browser` does tests/browser instead (playwright-core
# and axe-core, which drive Debian's chromium in tests/integration/browser.sh);
# `peers.sh openapi` does tests/openapi (@apidevtools/swagger-parser and ajv,
# which check docs/agency-api.yaml in tests/integration/openapi.sh).
# Quiet, and a no-op unless node_modules is missing or older than the lock
# file, so tests and the demo may call it every time. Two callers at once
# take turns. The stamp is written last, so an install cut short is redone.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
case "${1:-smsc}" in
smsc) dir=$root/tests/peers/smsc ;;
browser) dir=$root/tests/browser ;;
openapi) dir=$root/tests/openapi ;;
*) echo "usage: peers.sh [smsc|browser|openapi]" >&2; exit 2 ;;
esac
stamp=$dir/node_modules/.installed

if [ -z "${PEERS_LOCKED:-}" ] && command -v flock >/dev/null 2>&1; then
	PEERS_LOCKED=1 exec flock "$dir" sh "$0" "$@"
fi

if [ -f "$stamp" ] && [ ! "$stamp" -ot "$dir/package-lock.json" ]; then
	exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
	echo "peers: npm is missing; run scripts/deps.sh (as root) first" >&2
	exit 1
fi
npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >/dev/null
touch "$stamp"
