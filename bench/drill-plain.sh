#!/bin/sh
# The Day 4 drill of drills/demo.yaml done by hand, the way the seed's
# runbook does it: the same commands in the same order on a throwaway
# PostgreSQL cluster, with the same checks, but no evidence (no logs kept,
# no journal, no report). bench/drill.sh times it against `rdrill run`.
#
#   sh bench/drill-plain.sh [WORK]
#
# WORK is prepared as drills/demo.sh prepares it (WORK/pg/sock exists and,
# as root, WORK/pg belongs to the PostgreSQL user); without it, a temp dir
# is made and removed. As root the server runs as $RDRILL_PG_USER
# (rdrill-pg) through runuser, as rdrill's run_as does. The database
# password is $RDRILL_DEMO_DB_PASSWORD (made up when unset). Exits non-zero
# at the first command or check that fails.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
# DEMO_DIR: the demo's files (seed.sql...), bench/drill.sh's scaled copy.
demo=${DEMO_DIR:-$top/drills/demo}
pg_bin=${PG_BIN:-$(pg_config --bindir)}
if [ "$(id -u)" -eq 0 ]; then pg_user=${RDRILL_PG_USER:-rdrill-pg}
else pg_user=$(id -un); fi
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u "$pg_user" -- "$@"
	else "$@"; fi
}
die() { echo "drill-plain: $*" >&2; exit 1; }

own_work=0
if [ $# -ge 1 ]; then
	work=$1
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/rdrill-drill-plain.XXXXXX")
	own_work=1
	chmod 755 "$work"
	mkdir -p "$work/pg/sock"
	if [ "$(id -u)" -eq 0 ]; then chown -R "$pg_user" "$work/pg"; fi
fi
if [ -z "${RDRILL_DEMO_DB_PASSWORD:-}" ]; then
	RDRILL_DEMO_DB_PASSWORD=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
fi
export RDRILL_DEMO_DB_PASSWORD

date=$(date +%Y%m%d)
pgdata=$work/pg/data
sock=$work/pg/sock
mm=$work/mm
backup_dir=$work/backups/$date
dump=mattermost-$date.dump
canary_id=rdrillcanarypost0000000001

cleanup() {
	if [ -f "$pgdata/postmaster.pid" ]; then
		as_pg "$pg_bin/pg_ctl" -D "$pgdata" -m immediate -w stop \
			>/dev/null 2>&1 || true
	fi
	if [ "$own_work" -eq 1 ]; then rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# mm SQL: one query as mmuser with its password, unaligned, no header.
mm() {
	PGPASSWORD=$RDRILL_DEMO_DB_PASSWORD "$pg_bin/psql" -h "$sock" \
		-U mmuser -d mattermost -X -A -t -q -v ON_ERROR_STOP=1 -c "$1"
}
start_cluster() {
	as_pg "$pg_bin/initdb" -D "$pgdata" -U postgres -A trust -E UTF8 \
		--locale=C --no-sync
	as_pg sh -c "printf 'local all mmuser scram-sha-256\nlocal all all trust\n' > '$pgdata/pg_hba.conf'"
	as_pg "$pg_bin/pg_ctl" -D "$pgdata" -w -l "$work/pg/server.log" \
		-o "-c listen_addresses= -k $sock" start
	# The drill's wait step (instead of the runbook's sleep 15).
	i=0
	until "$pg_bin/pg_isready" -q -h "$sock" -U postgres -d postgres; do
		i=$((i + 1))
		[ "$i" -lt 600 ] || die "server not ready after 60 s"
		sleep 0.1
	done
}

# --- preflight ----------------------------------------------------------
start_cluster
"$pg_bin/psql" -h "$sock" -U postgres -X -q -f "$demo/seed.sql"
sh "$demo/mkfiles.sh" "$mm"

# --- backup --------------------------------------------------------------
mkdir -p "$work/backups"
mkdir "$backup_dir"
PGPASSWORD=$RDRILL_DEMO_DB_PASSWORD "$pg_bin/pg_dump" -h "$sock" -U mmuser \
	-F c -f "$backup_dir/$dump" mattermost
(cd "$mm" && tar -czf "$backup_dir/mm-data-$date.tar.gz" data)
(cd "$mm" && tar -czf "$backup_dir/mm-config-$date.tar.gz" \
	config/docker-compose.yml config/nginx/conf.d config/nginx/ssl)

# --- verify the backup ---------------------------------------------------
[ -s "$backup_dir/$dump" ] || die "the dump is empty"
"$pg_bin/pg_restore" -l "$backup_dir/$dump" >"$work/toc.txt"
entries=$(sed -n 's/^;[[:space:]]*TOC Entries: //p' "$work/toc.txt")
[ "${entries:-0}" -ge 10 ] || die "TOC entries: $entries"
# The whole archive read and decompressed (rdrill's toc step proves the
# same natively).
"$pg_bin/pg_restore" -f /dev/null "$backup_dir/$dump"
dumped_from=$(sed -n 's/^;[[:space:]]*Dumped from database version: //p' "$work/toc.txt")
server=$(mm 'SHOW server_version')
[ "${dumped_from%%.*}" = "${server%%.*}" ] ||
	die "dump from $dumped_from, server $server"
(cd "$backup_dir" && sha256sum "$dump" "mm-config-$date.tar.gz" \
	"mm-data-$date.tar.gz" >SHA256SUMS)
(cd "$backup_dir" && sha256sum -c --strict SHA256SUMS)
posts_before=$(mm 'SELECT count(*) FROM posts WHERE deleteat = 0')
[ "$posts_before" -ge 2000 ] || die "posts before: $posts_before"
fileinfo_before=$(mm 'SELECT count(*) FROM fileinfo')
canary_sql="SELECT channelid, message, createat FROM posts WHERE id = '$canary_id'"
canary=$(mm "$canary_sql")
[ -n "$canary" ] || die "no canary row"
# The database's fingerprint (rdrill's fingerprint step): each table's
# rows through sha256sum, compared after the restore. In heap order,
# which the restore keeps (pg_dump reads with synchronized scans off);
# so must these reads, or a large table's scan may start mid-table where
# the last one left off.
fingerprint() {
	for t in teams channels users posts fileinfo; do
		printf '%s ' "$t"
		PGPASSWORD=$RDRILL_DEMO_DB_PASSWORD "$pg_bin/psql" -h "$sock" \
			-U mmuser -d mattermost -X -q -v ON_ERROR_STOP=1 \
			-c "SET synchronize_seqscans = off" \
			-c "COPY $t TO STDOUT" | sha256sum
	done
}
fp_before=$(fingerprint)

# --- destroy -------------------------------------------------------------
mm "DELETE FROM posts WHERE id = '$canary_id'"
[ -z "$(mm "$canary_sql")" ] || die "the canary is still there"
as_pg "$pg_bin/pg_ctl" -D "$pgdata" -m fast -w stop
rm -rf "$pgdata"
rm -rf "$mm/data"

# --- restore -------------------------------------------------------------
start_cluster
"$pg_bin/psql" -h "$sock" -U postgres -X -q -f "$demo/create-db.sql"
PGPASSWORD=$RDRILL_DEMO_DB_PASSWORD "$pg_bin/pg_restore" -h "$sock" \
	-U mmuser -d mattermost --clean --if-exists --exit-on-error \
	"$backup_dir/$dump"
tar -xzf "$backup_dir/mm-data-$date.tar.gz" -C "$mm"

# --- verify the restore --------------------------------------------------
[ "$(mm "$canary_sql")" = "$canary" ] || die "the canary is not back as it was"
[ "$(mm 'SELECT count(*) FROM posts WHERE deleteat = 0')" = "$posts_before" ] ||
	die "posts differ"
[ "$(mm 'SELECT count(*) FROM fileinfo')" = "$fileinfo_before" ] ||
	die "fileinfo differs"
[ "$(fingerprint)" = "$fp_before" ] || die "the fingerprint differs"
[ -d "$mm/data" ] || die "no $mm/data"
nfiles=$(find "$mm/data" -type f | wc -l)
[ "$nfiles" -ge 30 ] || die "$nfiles files in $mm/data"
[ -z "$(find "$mm/data" ! -user "$(id -u)" -print -o ! -group "$(id -g)" -print | head -n 1)" ] ||
	die "wrong owner under $mm/data"
[ -z "$(find "$mm/data" ! -readable -print | head -n 1)" ] ||
	die "unreadable files under $mm/data"

# --- cleanup -------------------------------------------------------------
as_pg "$pg_bin/pg_ctl" -D "$pgdata" -m immediate -w stop
echo "drill-plain: passed ($posts_before posts, $fileinfo_before file infos, canary back)"
