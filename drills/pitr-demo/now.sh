#!/bin/sh
# now.sh PSQL SOCKET FILE: the server's clock, in UTC with microseconds,
# into FILE, half a second after the last commit and half a second
# before the next, so the point in time falls between transactions.
set -eu
"$1" -h "$2" -U postgres -d shop -XAtq -c 'SELECT pg_sleep(0.5)' >/dev/null
"$1" -h "$2" -U postgres -d shop -XAtq -c \
	"SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'" >"$3.tmp"
mv "$3.tmp" "$3"
"$1" -h "$2" -U postgres -d shop -XAtq -c 'SELECT pg_sleep(0.5)' >/dev/null
