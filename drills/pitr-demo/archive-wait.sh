#!/bin/sh
# archive-wait.sh PSQL SOCKET: switch to a new WAL segment and wait (30 s
# at most) until the server has archived the one it closed, so the WAL
# past the recovery target is in the archive, as archive_timeout would
# make it in production.
set -eu
seg=$("$1" -h "$2" -U postgres -d postgres -XAtq -c \
	"SELECT pg_walfile_name(pg_switch_wal())")
i=0
while [ $i -lt 150 ]; do
	done_seg=$("$1" -h "$2" -U postgres -d postgres -XAtq -c \
		"SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver")
	if [ -n "$done_seg" ] &&
		[ "$(printf '%s\n%s\n' "$seg" "$done_seg" | sort | tail -n 1)" = "$done_seg" ]; then
		echo "archived up to $done_seg"
		exit 0
	fi
	sleep 0.2
	i=$((i + 1))
done
echo "archive-wait: $seg not archived after 30 s" >&2
exit 1
