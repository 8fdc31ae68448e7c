#!/bin/sh
# A segment removed from a pgBackRest repository (issue 26): info's
# archive range and `pgbackrest verify` do not see the hole; rdrill
# fetches every segment from the backup's start (archive-get) and reads
# it by content before the destroy phase, so the hole is refused there:
# exit 1, destroy not run, production untouched, the segment named. With
# the repository whole, the recovery passes, the exact restore command
# journaled.
. "$(dirname "$0")/lib.sh"

if ! command -v pgbackrest >/dev/null 2>&1; then
	fail "pgbackrest is not installed (make deps installs it)"
	test_done
fi
PROD=$TRASH/prod
PSOCK=$TRASH/psock
PB=$TRASH/pb
mkdir -p "$PROD" "$PSOCK" "$PB/repo" "$PB/log" "$PB/lock" "$PB/spool"
chmod 700 "$PROD"
if [ "$(id -u)" -eq 0 ]; then chown -R "$PG_OS_USER" "$PROD" "$PSOCK" "$PB"; fi
conf=$PB/pgbackrest.conf
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
psql_prod() { as_pg "$PG_BIN/psql" -h "$PSOCK" -U postgres -XAtq -v ON_ERROR_STOP=1 "$@"; }
# archived_to SEG: the archiver has archived SEG or a later file. Not
# last_archived_wal = SEG: a backup's history file (SEG.00000028.backup)
# archived after SEG is the last one then, and the wait after the second
# backup below could only run out (every run waited the whole bound).
archived_to() {
	[ "$(psql_prod -d shop -c "SELECT coalesce(left(last_archived_wal, 24) >= '$1', false) FROM pg_stat_archiver")" = t ]
}
as_pg "$PG_BIN/initdb" -D "$PROD" -U postgres -A trust --no-sync -E UTF8 --locale=C >/dev/null 2>&1
printf '%s\n' "wal_level = replica" "archive_mode = on" "fsync = off" \
	"archive_command = 'pgbackrest --config=$conf --stanza=demo archive-push %p'" \
	| as_pg sh -c "cat >> '$PROD/postgresql.conf'"
as_pg "$PG_BIN/pg_ctl" -D "$PROD" -w -l "$PB/log/prod.log" \
	-o "-c listen_addresses= -k $PSOCK" start >/dev/null
at_exit "as_pg '$PG_BIN/pg_ctl' -D '$PROD' -m immediate stop"
as_pg pgbackrest "--config=$conf" --stanza=demo stanza-create >/dev/null 2>&1
psql_prod -d postgres -c 'CREATE DATABASE shop'
psql_prod -d shop -c 'CREATE TABLE orders (id int PRIMARY KEY, note text)'
as_pg pgbackrest "--config=$conf" --stanza=demo --type=full backup >/dev/null 2>&1 ||
	fail "pgbackrest backup"
for i in 1 2 3; do
	psql_prod -d shop -c "INSERT INTO orders SELECT g, 'o' || g FROM generate_series($i * 30 - 29, $i * 30) g" \
		-c 'SELECT pg_switch_wal()' >/dev/null
done
seg=$(psql_prod -d shop -c 'SELECT pg_walfile_name(pg_switch_wal())')
# Every segment pushed before the repository is touched.
i=0
while [ $i -lt 1500 ] && ! archived_to "$seg"; do
	sleep 0.2; i=$((i + 1))
done
expect_true "archived up to $seg" archived_to "$seg"
mk() { # file: verify_backup, destroy, restore to latest, verify_restore
	{
		drill_head pbr-hole test
		cat <<YAML
connections:
  scratch: {host: "$TRASH/ssock", dbname: shop, user: postgres}
phases:
  verify_backup:
    - id: stanza
      pgbackrest: {stanza: demo, config: "$conf", run_as: "$PG_OS_USER"}
  destroy:
    - id: disaster
      run: [sh, -c, "touch $TRASH/destroyed && $PG_BIN/psql -h $PSOCK -U postgres -d shop -XAtq -c 'DELETE FROM orders'"]
  restore:
    - id: pitr
      timeout: 2m
      recover:
        pgbackrest: stanza
        scratch: "$TRASH/scratch"
        connection: scratch
        run_as: "$PG_OS_USER"
        pg_bin: "$PG_BIN"
        target_latest: true
  verify_restore:
    - id: all
      sql: {connection: scratch, query: "SELECT count(*) FROM orders", expect_value: "90"}
YAML
	} >"$1"
}
mk "$TRASH/d.yaml"
# The hole: a segment after the backup's, removed from the repository.
hole=$(find "$PB/repo/archive" -name '000000010000000000000004-*' | head -1)
expect_true "the repository holds segment ...04" test -n "$hole"
mv "$hole" "$TRASH/held"
expect_exit 1 "$RDRILL" run "$TRASH/d.yaml" -o "$TRASH/out" --confirm test
J=$TRASH/out/journal.jsonl
expect_true "the pgbackrest step fails naming the segment" \
	jq -s -e 'first(.[] | select(.id == "stanza")) | .status == "failed" and (.message | contains("segment 000000010000000000000004: archive-get exit 1: not in the repository"))' "$J"
expect_true "no destroy, no recover record" \
	jq -s -e 'map(select(.id == "disaster" or .id == "pitr")) | length == 0' "$J"
expect_no_file "$TRASH/destroyed"
expect_true "production untouched: 90 orders" \
	test "$(psql_prod -d shop -c 'SELECT count(*) FROM orders')" = 90
expect_no_file "$TRASH/scratch"

# Whole again: proven, recovered to the latest, the restore command kept.
mv "$TRASH/held" "$hole"
expect_exit 0 "$RDRILL" run "$TRASH/d.yaml" -o "$TRASH/ok" --confirm test
J=$TRASH/ok/journal.jsonl
expect_true "the WAL fetched and proven by content" \
	jq -s -e 'first(.[] | select(.id == "stanza")) | .evidence.wal | .fetched and .proof.ok and .proof.segments >= 4' "$J"
expect_true "the exact pgbackrest restore command journaled" \
	jq -s -e 'first(.[] | select(.id == "pitr")) | .evidence.restore_command | test("pgbackrest .*--stanza=demo .*--set=[0-9]{8}-[0-9]{6}F .*--type=default .*restore$")' "$J"
expect_grep_F "type=default" "$TRASH/ok/report.md"

# --set by time: a target time before a second backup ended picks the
# first backup (the newest that ended before the target), not the newest.
first=$(jq -r 'first(.[] | select(.id == "stanza")) | .evidence.chosen' -s "$J")
# (The run above destroyed production's orders: 50 come back before
# the target, 10 more after it.)
psql_prod -d shop -c "INSERT INTO orders SELECT g, 'again' FROM generate_series(1, 50) g"
sleep 1.1   # the backup's stop time has a one-second grain
psql_prod -d shop -c "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'" >"$TRASH/target_time"
sleep 1.1
psql_prod -d shop -c "INSERT INTO orders SELECT g, 'late' FROM generate_series(91, 100) g"
as_pg pgbackrest "--config=$conf" --stanza=demo --type=full backup >/dev/null 2>&1 ||
	fail "second pgbackrest backup"
seg=$(psql_prod -d shop -c 'SELECT pg_walfile_name(pg_switch_wal())')
i=0
while [ $i -lt 1500 ] && ! archived_to "$seg"; do
	sleep 0.2; i=$((i + 1))
done
mk "$TRASH/t.yaml"
sed -i "s|target_latest: true|target_time_file: $TRASH/target_time|; s/expect_value: \"90\"/expect_value: \"50\"/" "$TRASH/t.yaml"
expect_exit 0 "$RDRILL" run "$TRASH/t.yaml" -o "$TRASH/t" --confirm test
J=$TRASH/t/journal.jsonl
expect_true "the backup before the target time is picked, not the newest" \
	jq -s -e --arg f "$first" 'first(.[] | select(.id == "stanza")) | .evidence.chosen == $f and (.evidence.backups | length == 2)' "$J"
expect_true "restore command: --set of that backup, --type=time" \
	jq -s -e --arg f "$first" 'first(.[] | select(.id == "pitr")) | .evidence.restore_command | contains("--set=" + $f) and contains("--type=time")' "$J"
test_done
