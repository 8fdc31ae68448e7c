# PITR fixture for tests/t10NN-*.sh (sourced after lib.sh): a "production"
# cluster archiving WAL into $ARCH, a pg_basebackup in $BASE, orders 1-100
# before the target time ($TRASH/target_time), 101-200 after, and the
# WAL past the target in the archive. The production server is stopped
# at the end (its files are then only read), unless PITR_KEEP_RUNNING=1.
PROD=$TRASH/prod
PSOCK=$TRASH/psock
ARCH=$TRASH/archive
BASE=$TRASH/bk/base

psql_prod() { as_pg "$PG_BIN/psql" -h "$PSOCK" -U postgres -XAtq -v ON_ERROR_STOP=1 "$@"; }

pitr_setup() {
	mkdir -p "$PROD" "$PSOCK" "$ARCH" "$TRASH/bk"
	chmod 700 "$PROD"
	if [ "$(id -u)" -eq 0 ]; then
		chown "$PG_OS_USER" "$PROD" "$PSOCK" "$ARCH" "$TRASH/bk"
	fi
	# shellcheck disable=SC2086
	as_pg "$PG_BIN/initdb" -D "$PROD" -U postgres -A trust --no-sync \
		-E UTF8 --locale=C ${PITR_INITDB_ARGS:-} >"$TRASH/.initdb.log" 2>&1 || return 1
	cat >>"$PROD/postgresql.conf" <<CONF
wal_level = replica
archive_mode = on
archive_command = 'test ! -f $ARCH/%f && cp %p $ARCH/%f'
fsync = off
CONF
	as_pg "$PG_BIN/pg_ctl" -D "$PROD" -w -l "$TRASH/bk/prod.log" \
		-o "-c listen_addresses= -k $PSOCK" start >/dev/null || return 1
	at_exit "as_pg '$PG_BIN/pg_ctl' -D '$PROD' -m immediate stop"
	psql_prod -d postgres -c 'CREATE DATABASE shop' &&
	psql_prod -d shop -c 'CREATE TABLE orders (id int PRIMARY KEY, note text)' &&
	as_pg "$PG_BIN/pg_basebackup" -h "$PSOCK" -U postgres -D "$BASE" -X none \
		-c fast >/dev/null 2>&1 || return 1
	# Several segments to replay, so one can go missing in the middle.
	for i in 1 2 3; do
		psql_prod -d shop -c "INSERT INTO orders SELECT g, 'o' || g FROM generate_series($i * 30 - 29, $i * 30) g" \
			-c 'SELECT pg_switch_wal()' >/dev/null || return 1
	done
	psql_prod -d shop -c "INSERT INTO orders SELECT g, 'o' || g FROM generate_series(91, 100) g" || return 1
	psql_prod -d shop -c 'SELECT pg_sleep(0.3)' >/dev/null
	psql_prod -d shop -c "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'" \
		>"$TRASH/target_time" || return 1
	psql_prod -d shop -c 'SELECT pg_sleep(0.3)' >/dev/null
	psql_prod -d shop -c "INSERT INTO orders SELECT g, 'o' || g FROM generate_series(101, 200) g" || return 1
	seg=$(psql_prod -d shop -c 'SELECT pg_walfile_name(pg_switch_wal())')
	i=0
	# 300 s: against a hang, not a timing assumption (a loaded machine).
	while [ $i -lt 1500 ] && [ ! -f "$ARCH/$seg" ]; do sleep 0.2; i=$((i + 1)); done
	[ -f "$ARCH/$seg" ] || return 1
	if [ "${PITR_KEEP_RUNNING:-0}" != 1 ]; then
		as_pg "$PG_BIN/pg_ctl" -D "$PROD" -m fast -w stop >/dev/null || return 1
	fi
}

# pitr_drill FILE [recover-key: value lines...]: a drill with a basebackup
# step and a recover step into $TRASH/scratch; extra lines go under recover:.
pitr_drill() {
	_f=$1; shift
	{
		drill_head pitr-test test
		cat <<YAML
connections:
  scratch: {host: "$TRASH/ssock", dbname: shop, user: postgres}
phases:
  verify_backup:
    - id: base
      basebackup: {dir: "$BASE", wal_archive: "$ARCH", pg_bin: "$PG_BIN"}
  restore:
    - id: pitr
      timeout: ${PITR_TIMEOUT:-2m}
      recover:
        backup: base
        scratch: "$TRASH/scratch"
        connection: scratch
        run_as: "$PG_OS_USER"
        pg_bin: "$PG_BIN"
YAML
		for l in "$@"; do echo "        $l"; done
		cat <<YAML
  verify_restore:
    - id: before
      sql: {connection: scratch, query: "SELECT count(*) FROM orders WHERE id <= 100", expect_value: "100"}
    - id: after
      sql: {connection: scratch, query: "SELECT count(*) FROM orders WHERE id > 100", expect_value: "0"}
YAML
	} >"$_f"
}

# No server left running on a scratch directory, nothing left of it.
expect_scratch_gone() {
	expect_no_file "$TRASH/scratch"
	expect_no_file "$TRASH/ssock"
	if pgrep -f "$TRASH/scratch" >/dev/null 2>&1; then
		fail "a process still runs on $TRASH/scratch"
	else
		pass "no process on $TRASH/scratch"
	fi
}

# pitr_drill_destroy FILE [recover-key: value lines...]: pitr_drill with a
# destroy phase between the proof and the recovery: it deletes every order
# on production (needs PITR_KEEP_RUNNING=1) and leaves $TRASH/destroyed.
# Run it with --confirm test.
pitr_drill_destroy() {
	_fd=$1; shift
	pitr_drill "$_fd.tmp" "$@"
	awk -v t="$TRASH" -v ps="$PSOCK" -v pb="$PG_BIN" '
		/^  restore:$/ {
			print "  destroy:"
			print "    - id: disaster"
			print "      run: [sh, -c, \"touch " t "/destroyed && " pb "/psql -h " ps " -U postgres -d shop -XAtq -c \\\"DELETE FROM orders\\\"\"]"
		}
		{ print }' "$_fd.tmp" >"$_fd"
	rm -f "$_fd.tmp"
}

# Production untouched: the destroy step never ran, every order is there.
expect_prod_untouched() {
	expect_no_file "$TRASH/destroyed"
	expect_true "production still holds its ${PROD_ORDERS:-200} orders" \
		test "$(psql_prod -d shop -c 'SELECT count(*) FROM orders')" = "${PROD_ORDERS:-200}"
}
