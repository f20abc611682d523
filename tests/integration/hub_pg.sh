#!/usr/bin/env bash
# hub.sh again with the hub's store on PostgreSQL ([store] kind = postgres),
# on a server of the test's own (tests/lib_pg.sh).
STORE=postgres exec bash "$(dirname "$0")/hub.sh"
