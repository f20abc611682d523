#!/bin/sh
# Installs the Debian packages that building, testing and running herald need.
# Idempotent and quiet when nothing is missing, so the Makefile may call it on
# every build. Nothing comes from anywhere but Debian's archive (and npm for
# test peers, which scripts/peers.sh installs when tests need them). Node and
# npm count as present whatever put them on the PATH.
#
# `sh scripts/deps.sh bench` also installs what only the benchmarks run
# against: Debian's kannel, the SMS gateway bench/smpp measures herald's
# carrier channel beside. Builds and tests never need it.
set -eu

PACKAGES="build-essential poppler-utils meson ninja-build pkg-config
libmicrohttpd-dev libcurl4-openssl-dev libjansson-dev libsodium-dev libssl-dev
libsqlite3-dev libpq-dev libcairo2-dev libpango1.0-dev libfontconfig-dev fonts-noto-cjk
libqrencode-dev libinih-dev libsmpp34-dev libcmocka-dev sqlite3 curl jq openssl python3"
[ "${1:-}" = bench ] && PACKAGES="$PACKAGES kannel"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"
[ -z "$missing" ] && exit 0

echo "deps: installing$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: not root; install these packages first:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
