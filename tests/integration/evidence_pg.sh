#!/usr/bin/env bash
# evidence.sh again with the hub's store on PostgreSQL ([store] kind = postgres),
# on a server of the test's own (tests/lib_pg.sh).
STORE=postgres exec bash "$(dirname "$0")/evidence.sh"
