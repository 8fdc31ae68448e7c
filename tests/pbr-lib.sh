# pgBackRest fixture for tests/t14NN-*.sh (sourced after lib.sh): a
# "production" cluster in $PROD on $PSOCK archiving with `pgbackrest
# archive-push` into a repository under $PB (stanza demo, config $conf).
# pbr_setup makes it, starts it, creates the stanza and the database shop
# with its table orders; pbr_backup takes a full backup; pbr_archived
# switches WAL and waits until that segment is archived.
PROD=$TRASH/prod
PSOCK=$TRASH/psock
PB=$TRASH/pb
conf=$PB/pgbackrest.conf
psql_prod() { as_pg "$PG_BIN/psql" -h "$PSOCK" -U postgres -XAtq -v ON_ERROR_STOP=1 "$@"; }

pbr_setup() {
	mkdir -p "$PROD" "$PSOCK" "$PB/repo" "$PB/log" "$PB/lock" "$PB/spool"
	chmod 700 "$PROD"
	if [ "$(id -u)" -eq 0 ]; then chown -R "$PG_OS_USER" "$PROD" "$PSOCK" "$PB"; fi
	cat >"$conf" <<CONF
[global]
repo1-path=$PB/repo
log-path=$PB/log
lock-path=$PB/lock
spool-path=$PB/spool
log-level-console=warn
log-level-file=off
start-fast=y
[demo]
pg1-path=$PROD
pg1-socket-path=$PSOCK
pg1-user=postgres
CONF
	chmod 644 "$conf"
	as_pg "$PG_BIN/initdb" -D "$PROD" -U postgres -A trust --no-sync -E UTF8 \
		--locale=C >/dev/null 2>&1 || return 1
	printf '%s\n' "wal_level = replica" "archive_mode = on" "fsync = off" \
		"archive_command = 'pgbackrest --config=$conf --stanza=demo archive-push %p'" \
		| as_pg sh -c "cat >> '$PROD/postgresql.conf'"
	as_pg "$PG_BIN/pg_ctl" -D "$PROD" -w -l "$PB/log/prod.log" \
		-o "-c listen_addresses= -k $PSOCK" start >/dev/null || return 1
	at_exit "as_pg '$PG_BIN/pg_ctl' -D '$PROD' -m immediate stop"
	as_pg pgbackrest "--config=$conf" --stanza=demo stanza-create >/dev/null 2>&1 &&
	psql_prod -d postgres -c 'CREATE DATABASE shop' &&
	psql_prod -d shop -c 'CREATE TABLE orders (id int PRIMARY KEY, note text)'
}

pbr_backup() {
	as_pg pgbackrest "--config=$conf" --stanza=demo --type=full backup >/dev/null 2>&1
}

# pbr_archived_to SEG: the archiver has archived SEG or a later file.
# Not last_archived_wal = SEG: a backup's history file
# (SEG.00000028.backup) archived after SEG is the last one then, and
# such a wait could only run out.
pbr_archived_to() {
	[ "$(psql_prod -d shop -c "SELECT coalesce(left(last_archived_wal, 24) >= '$1', false) FROM pg_stat_archiver")" = t ]
}

pbr_archived() {
	_seg=$(psql_prod -d shop -c 'SELECT pg_walfile_name(pg_switch_wal())')
	_i=0
	# 300 s: against a hang, not a timing assumption (a loaded machine).
	while [ $_i -lt 1500 ] && ! pbr_archived_to "$_seg"; do
		sleep 0.2; _i=$((_i + 1))
	done
	pbr_archived_to "$_seg"
}
