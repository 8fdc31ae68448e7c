#!/bin/sh
# `make demo-pitr`: run both point-in-time recovery drills for real, each
# on its own throwaway PostgreSQL cluster: drills/pitr-demo.yaml
# (pg_basebackup and a WAL archive of plain files) and
# drills/pitr-pgbackrest.yaml (a local pgBackRest repository). Makes each
# work directory (as root, the parts the server writes go to the
# unprivileged $RDRILL_PG_USER: PostgreSQL refuses root), runs the drill
# with --confirm demo, and removes the work directory after. The scratch
# clusters are rdrill's own: it stops and removes them at the end of each
# run. Extra arguments go to both `rdrill run`s (e.g. --lang zh-CN).
# RDRILL_PITR_ONLY=basebackup|pgbackrest runs one of them.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

if ! pg_bin=$(pg_config --bindir 2>/dev/null); then
	echo "pitr-demo.sh: no pg_config (PostgreSQL); \`make deps\` installs it" >&2
	exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
	pg_user=${RDRILL_PG_USER:-rdrill-pg}
else
	pg_user=$(id -un)
fi
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u "$pg_user" -- "$@"; else "$@"; fi
}
works=""
cleanup() {
	# If a drill died before its cleanup phase, stop the servers anyway.
	for w in $works; do
		for d in "$w/prod/data" "$w/scratch"; do
			if [ -f "$d/postmaster.pid" ]; then
				as_pg "$pg_bin/pg_ctl" -D "$d" -m immediate stop \
					>/dev/null 2>&1 || true
			fi
		done
		rm -rf "$w"
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

new_work() {
	work=$(mktemp -d "${TMPDIR:-/tmp}/rdrill-pitr.XXXXXX")
	works="$works $work"
	chmod 755 "$work"
	mkdir -p "$work/prod/sock" "$work/prod/archive" "$work/backups" \
		"$work/pgbr/repo" "$work/pgbr/log" "$work/pgbr/lock" "$work/pgbr/spool"
	if [ "$(id -u)" -eq 0 ]; then
		chown -R "$pg_user" "$work/prod" "$work/backups" "$work/pgbr"
	fi
}

only=${RDRILL_PITR_ONLY:-}
if [ -z "$only" ] || [ "$only" = basebackup ]; then
	new_work
	"${RDRILL:-./rdrill}" run drills/pitr-demo.yaml --confirm demo \
		--var "work=$work" --var "pg_bin=$pg_bin" --var "pg_user=$pg_user" "$@"
fi

if [ -z "$only" ] || [ "$only" = pgbackrest ]; then
	if ! command -v pgbackrest >/dev/null 2>&1; then
		echo "pitr-demo.sh: no pgbackrest; \`make deps\` installs it" >&2
		exit 1
	fi
	new_work
	# The "production" cluster and its stanza exist before the drill, as
	# a real stanza does: preflight checks it.
	conf=$work/pgbr/pgbackrest.conf
	cat >"$conf" <<CONF
[global]
repo1-path=$work/pgbr/repo
repo1-retention-full=2
log-path=$work/pgbr/log
lock-path=$work/pgbr/lock
spool-path=$work/pgbr/spool
log-level-console=warn
log-level-file=off
start-fast=y

[demo]
pg1-path=$work/prod/data
pg1-socket-path=$work/prod/sock
pg1-user=postgres
CONF
	chmod 644 "$conf"
	as_pg "$pg_bin/initdb" -D "$work/prod/data" -U postgres -A trust -E UTF8 \
		--locale=C --no-sync >/dev/null
	printf '%s\n' "wal_level = replica" "archive_mode = on" \
		"archive_command = 'pgbackrest --config=$conf --stanza=demo archive-push %p'" \
		| as_pg sh -c "cat >> '$work/prod/data/postgresql.conf'"
	as_pg "$pg_bin/pg_ctl" -D "$work/prod/data" -w -l "$work/prod/server.log" \
		-o "-c listen_addresses= -k $work/prod/sock" start >/dev/null
	as_pg pgbackrest "--config=$conf" --stanza=demo stanza-create
	"${RDRILL:-./rdrill}" run drills/pitr-pgbackrest.yaml --confirm demo \
		--var "work=$work" --var "pg_bin=$pg_bin" --var "pg_user=$pg_user" "$@"
fi
