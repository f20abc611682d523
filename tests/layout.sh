#!/usr/bin/env bash
# The rules of src/'s layout that the compiler's include paths do not
# enforce on their own, and the agreement between each role's route table
# and docs/protocol.md. Prints TAP; each failure names the file or route
# and the rule it breaks.
#
#   bash tests/layout.sh [ROOT]     (ROOT defaults to this checkout)
#
# Layers: lib (shells) < core (pure domain) < protocol, evidence < roles.
# A role includes only its own headers and the layers'; core, protocol and
# evidence include no role's; lib includes nothing above it; core does no
# I/O of its own, so neither the libraries that do it nor our wrappers
# over them. Route tables are the lines {"METHOD", "/path", ...} inside an
# http_route array in src/<role>/*.c; protocol.md names a role's routes in
# the headings (### or ####) of its "## <role>" section.
set -u
export LC_ALL=C # sort and comm must agree on order
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
src=$root/src
doc=$root/docs/protocol.md

roles="idsvc hub signer platform agency tools demo"
served="hub platform idsvc agency" # roles with a section in protocol.md
io_system="microhttpd.h sqlite3.h curl/curl.h libpq-fe.h"
io_wrappers="http_server.h http_client.h http_route.h db.h"

n=0 failed=0
verdict() { # description reasons-file: ok when the file is empty
	n=$((n + 1))
	if [ -s "$2" ]; then
		sed 's/^/# /' "$2"
		echo "not ok $n - $1"
		failed=1
	else
		echo "ok $n - $1"
	fi
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/herald-layout.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

is_in() { # word list...
	local w=$1; shift
	for x in "$@"; do [ "$x" = "$w" ] && return 0; done
	return 1
}

# Every include of every file in a folder of src/, one per line:
# "FOLDER FILE KIND NAME", KIND being " for "..." and < for <...>.
for f in "$src"/*/*.[ch]; do
	[ -f "$f" ] || continue
	folder=$(basename "$(dirname "$f")")
	sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*\([<"]\)\([^>"]*\)[>"].*/\1 \2/p' "$f" |
		while read -r kind name; do echo "$folder ${f#"$root"/} $kind $name"; done
done >"$tmp/includes"

# The folder of src/ that holds a quoted header, seen from folder: its own
# first, then any other; empty for a header outside src/ (jansson.h).
home_of() { # folder name
	local h
	[ -f "$src/$1/$2" ] && { echo "$1"; return; }
	for h in "$src"/*/"$(basename "$2")"; do
		[ -f "$h" ] && { basename "$(dirname "$h")"; return; }
	done
}

layer_rules() {
	: >"$tmp/roles" >"$tmp/layers" >"$tmp/lib" >"$tmp/io"
	while read -r folder file kind name; do
		if [ "$folder" = core ]; then
			if { [ "$kind" = "<" ] && is_in "$name" $io_system; } ||
				{ [ "$kind" = '"' ] && is_in "$(basename "$name")" $io_wrappers; }; then
				echo "$file includes $name: core is pure, I/O belongs to lib and the roles" >>"$tmp/io"
			fi
		fi
		[ "$kind" = '"' ] || continue
		home=$(home_of "$folder" "$name")
		[ -n "$home" ] && [ "$home" != "$folder" ] || continue
		if is_in "$folder" $roles && is_in "$home" $roles; then
			echo "$file includes $name from src/$home: a role may include only its own headers and lib, core, protocol, evidence" >>"$tmp/roles"
		elif is_in "$folder" core protocol evidence && is_in "$home" $roles; then
			echo "$file includes $name from src/$home: $folder sits below the roles and may not use one" >>"$tmp/layers"
		elif [ "$folder" = lib ]; then
			echo "$file includes $name from src/$home: lib is the bottom layer and includes only its own headers" >>"$tmp/lib"
		fi
	done <"$tmp/includes"
	verdict "no role includes another role's header" "$tmp/roles"
	verdict "core, protocol and evidence include no role's header" "$tmp/layers"
	verdict "lib includes nothing from core, protocol, evidence or the roles" "$tmp/lib"
	verdict "core includes no HTTP, database or client header" "$tmp/io"
}

# "/v1/notices/{id}?x=1" -> "/v1/notices/{}": params compare by position.
normalize='function normalize(p) { sub(/\?.*/, "", p); gsub(/\{[^}]*\}/, "{}", p); return p }'

# The route table entries of a role's .c files: "METHOD PATH FILE:LINE
# AS-WRITTEN", PATH with its params as {}; or "? - FILE:LINE" for a line in
# a table that is not in the readable form.
table_routes() { # role
	local f
	for f in "$src/$1"/*.c; do
		[ -f "$f" ] || continue
		awk -v file="${f#"$root"/}" "$normalize"'
			/http_route[[:space:]]+[A-Za-z_][A-Za-z_0-9]*[[:space:]]*\[[^]]*\][[:space:]]*=/ { in_table = 1; next }
			in_table && /^[[:space:]]*};/ { in_table = 0; next }
			in_table && /^[[:space:]]*\{/ {
				if (match($0, /^[[:space:]]*\{[[:space:]]*"[A-Z]+"[[:space:]]*,[[:space:]]*"\/[^"]*"/)) {
					entry = substr($0, RSTART, RLENGTH)
					sub(/^[[:space:]]*\{[[:space:]]*"/, "", entry)
					split(entry, part, "\"") # GET | ", " | /path
					print part[1], normalize(part[3]), file ":" FNR, part[3]
				} else {
					print "?", "-", file ":" FNR
				}
			}' "$f"
	done
}

# The routes protocol.md's "## role" section names in its headings.
doc_routes() { # role
	awk -v role="$1" "$normalize"'
		/^## / { section = $2; next }
		section == role && /^####? / {
			line = $0
			while (match(line, /`[A-Z]+ \/[^`]*`/)) {
				split(substr(line, RSTART + 1, RLENGTH - 2), route, " ")
				print route[1], normalize(route[2])
				line = substr(line, RSTART + RLENGTH)
			}
		}' "$doc"
}

route_rules() { # role
	local role=$1 why=$tmp/routes-$1
	: >"$why"
	table_routes "$role" >"$tmp/table-raw"
	if [ ! -s "$tmp/table-raw" ]; then
		n=$((n + 1))
		echo "ok $n - routes of $role match docs/protocol.md # skip src/$role has no http_route table yet"
		return
	fi
	awk '$1 == "?" { print $3 ": a route table line not of the form {\"METHOD\", \"/path\", ...}" }' \
		"$tmp/table-raw" >>"$why"
	awk '$1 != "?" { print $1, $2 }' "$tmp/table-raw" | sort >"$tmp/table"
	doc_routes "$role" | sort -u >"$tmp/doc"
	uniq -d "$tmp/table" | sed "s|\$|: twice in $role's route tables|" >>"$why"
	sort -u "$tmp/table" >"$tmp/table-set"
	comm -23 "$tmp/table-set" "$tmp/doc" | while read -r method path; do
		where=$(awk -v m="$method" -v p="$path" '$1 == m && $2 == p { print $4, "(" $3 ")"; exit }' \
			"$tmp/table-raw")
		echo "$method $where is not in docs/protocol.md's \"## $role\" headings"
	done >>"$why"
	comm -13 "$tmp/table-set" "$tmp/doc" | while read -r method path; do
		echo "docs/protocol.md's \"## $role\" names $method $path, which no route table in src/$role has"
	done >>"$why"
	verdict "routes of $role match docs/protocol.md" "$why"
}

layer_rules
for role in $served; do
	route_rules "$role"
done
echo "1..$n"
exit $failed
