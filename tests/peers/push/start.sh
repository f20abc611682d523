# Starts the push gateway peer for an integration test; sourced after
# tests/lib.sh. Needs only node: the peer uses its standard library.
#
# push_start NAME LOG ARGS...: runs gateway.js ARGS (--key-file among
# them) through peer_start, which sets PORT_<NAME> (the push endpoint),
# CONTROL_<NAME> (HTTP control) and PID_<NAME>.
PUSH_PEER_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$PUSH_PEER_DIR/../peer_start.sh"

push_start() { peer_start "$PUSH_PEER_DIR/gateway.js" "$@"; }
