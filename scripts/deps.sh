#!/bin/sh
# Installs the Debian packages that building, testing and running herald need.
# Idempotent and quiet when nothing is missing, so the Makefile may call it on
# every build. Nothing comes from anywhere but Debian's archive (and npm for
# test peers and the browser tests' playwright-core and axe-core, which
# scripts/peers.sh installs when tests need them). chromium is the browser
# tests/integration/browser.sh drives. Node and npm count as present
# whatever put them on the PATH.
#
# promtool checks every role's GET /metrics in the tests. Debian ships it
# only inside the prometheus package, whose installation would also enable
# a Prometheus server on :9090; so the package is downloaded from Debian's
# archive and only promtool taken out of it, into .tools/bin (which the
# tests look in), unless a promtool is already on the PATH.
#
# PostgreSQL 15 (Debian's postgresql-15) is the hub's second store; the
# tests start their own servers from /usr/lib/postgresql/15/bin in
# temporary directories (tests/lib_pg.sh). Debian's package would also
# create a cluster "main" and start it: a drop-in in createcluster.d stops
# the creation, and while apt runs a policy-rc.d (unless one is there
# already) stops any start, so the install neither needs systemd nor
# leaves a server running on 5432.
#
# `sh scripts/deps.sh bench` also installs what only the benchmarks run
# against: Debian's kannel, the SMS gateway bench/smpp measures herald's
# carrier channel beside. Builds and tests never need it.
set -eu

PACKAGES="build-essential poppler-utils meson ninja-build pkg-config
libmicrohttpd-dev libgnutls28-dev libcurl4-openssl-dev libjansson-dev libsodium-dev libssl-dev
libsqlite3-dev libpq-dev postgresql-15 libcairo2-dev libpango1.0-dev libfontconfig-dev fonts-noto-cjk chromium
libqrencode-dev libinih-dev libsmpp34-dev libseccomp-dev libcmocka-dev sqlite3 curl jq openssl python3 python3-yaml
time
clang libclang-rt-14-dev poppler-utils"
[ "${1:-}" = bench ] && PACKAGES="$PACKAGES kannel"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"
root=$(cd "$(dirname "$0")/.." && pwd)
need_promtool=1
{ command -v promtool || [ -x "$root/.tools/bin/promtool" ]; } >/dev/null 2>&1 && need_promtool=""
[ -z "$missing" ] && [ -z "$need_promtool" ] && exit 0

# promtool alone, out of Debian's prometheus package (see above).
promtool_fetch() {
	tmp=$(mktemp -d)
	chmod 755 "$tmp" # apt's download user writes there
	(cd "$tmp" && { apt-get download -qq prometheus >/dev/null 2>&1 ||
		{ apt-get update -qq >/dev/null && apt-get download -qq prometheus >/dev/null 2>&1; }; }) &&
		dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/x" &&
		mkdir -p "$root/.tools/bin" && cp "$tmp/x/usr/bin/promtool" "$root/.tools/bin/promtool" ||
		echo "deps: could not take promtool out of Debian's prometheus package" >&2
	rm -rf "$tmp"
}
if [ -z "$missing" ]; then
	promtool_fetch
	exit 0
fi

# No cluster "main", no service started by the install (see above).
no_main_cluster() {
	mkdir -p /etc/postgresql-common/createcluster.d
	echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.d/herald.conf
	[ ! -e /usr/sbin/policy-rc.d ] || return 0
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
}

echo "deps: installing$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: not root; install these packages first:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
no_main_cluster
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
[ -z "$need_promtool" ] || promtool_fetch
