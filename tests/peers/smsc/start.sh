# Starts the SMSC peer for an integration test; sourced after tests/lib.sh.
#
# smsc_start NAME LOG ARGS...: runs smsc.js ARGS (--system-id and
# --password among them) through peer_start, which sets PORT_<NAME>
# (SMPP), CONTROL_<NAME> (HTTP) and PID_<NAME>.
SMSC_PEER_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$SMSC_PEER_DIR/../peer_start.sh"

smsc_start() { peer_start "$SMSC_PEER_DIR/smsc.js" "$@"; }
