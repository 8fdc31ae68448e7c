#!/bin/sh
# make man: rdrill.1's generated part (SYNOPSIS, DESCRIPTION, COMMANDS)
# replaced by `rdrill help --man`, the table --help prints from. The rest
# of rdrill.1 (OPTIONS notes, SAFETY, EXIT STATUS, ...) is written by hand.
# tests/t1351-man-drift.sh fails when the two differ.
set -eu
rdrill=$1 page=$2
tmp=$page.tmp.$$
trap 'rm -f "$tmp" "$tmp.gen"' EXIT
"$rdrill" help --man >"$tmp.gen"
awk -v gen="$tmp.gen" '
	/^\.\\" BEGIN generated/ { print; while ((getline l < gen) > 0) print l; skip = 1; next }
	/^\.\\" END generated/ { skip = 0 }
	!skip { print }
' "$page" >"$tmp"
grep -q '^\.\\" END generated' "$tmp"
mv "$tmp" "$page"
