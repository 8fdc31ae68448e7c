#!/bin/sh
# The WAL archive also holds another timeline (issue 21): a promoted copy
# archived 00000002.history and its segments into production's archive.
# The server's default (recovery_target_timeline 'latest') would follow
# it, so the basebackup step refuses, before the destroy phase, a recover
# step that does not say which timeline it means, naming the history
# file. With target_timeline: current the recovery passes and the step
# checks the timeline it really replayed (from the segments the server
# restored), not the control file's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pitr-lib.sh"

PITR_KEEP_RUNNING=1
pitr_setup || { fail "fixture"; test_done; }
# The promoted copy: the base backup recovered to its end, promoted, on
# its own socket, archiving into the same archive.
COPY=$TRASH/copy
CSOCK=$TRASH/csock
mkdir -p "$CSOCK"
cp -a "$BASE" "$COPY"
chmod 700 "$COPY"
if [ "$(id -u)" -eq 0 ]; then chown -R "$PG_OS_USER" "$COPY" "$CSOCK"; fi
rm -f "$COPY/backup_manifest"
cat >>"$COPY/postgresql.auto.conf" <<CONF
restore_command = 'cp $ARCH/%f "%p"'
recovery_target = 'immediate'
recovery_target_action = 'promote'
archive_mode = on
archive_command = 'test ! -f $ARCH/%f && cp %p $ARCH/%f'
CONF
as_pg touch "$COPY/recovery.signal"
as_pg "$PG_BIN/pg_ctl" -D "$COPY" -w -l "$TRASH/bk/copy.log" \
	-o "-c listen_addresses= -k $CSOCK -c port=5433" start >/dev/null
at_exit "as_pg '$PG_BIN/pg_ctl' -D '$COPY' -m immediate stop"
i=0
while [ $i -lt 1500 ] && [ "$(as_pg "$PG_BIN/psql" -h "$CSOCK" -p 5433 -U postgres -d shop -XAtq -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" != f ]; do
	sleep 0.2; i=$((i + 1))
done
as_pg "$PG_BIN/psql" -h "$CSOCK" -p 5433 -U postgres -d shop -XAtq \
	-c "INSERT INTO orders VALUES (999, 'copy')" -c 'SELECT pg_switch_wal()' >/dev/null
i=0
while [ $i -lt 1500 ] && ! ls "$ARCH"/00000002000000000000000* >/dev/null 2>&1; do
	sleep 0.2; i=$((i + 1))
done
expect_file "$ARCH/00000002.history"
as_pg "$PG_BIN/pg_ctl" -D "$COPY" -m fast -w stop >/dev/null

pitr_drill_destroy "$TRASH/d.yaml" "target_time_file: $TRASH/target_time"
expect_exit 1 "$RDRILL" run "$TRASH/d.yaml" -o "$TRASH/out" --confirm test
J=$TRASH/out/journal.jsonl
expect_true "refused before destroy, naming the other timeline" \
	jq -s -e 'first(.[] | select(.id == "base")) | .status == "failed" and (.message | test("the archive holds timeline 2 \\(00000002.history: branched from timeline 1 at 0/[0-9A-F]+\\), which recovery would follow by default; give target_timeline"))' "$J"
expect_true "no destroy, no recover record" \
	jq -s -e 'map(select(.id == "disaster" or .id == "pitr")) | length == 0' "$J"
expect_prod_untouched

# Production's own history, said so: passes, timeline 1 really replayed.
pitr_drill "$TRASH/cur.yaml" "target_time_file: $TRASH/target_time" \
	"target_timeline: current"
expect_exit 0 "$RDRILL" run "$TRASH/cur.yaml" -o "$TRASH/cur"
expect_true "the timeline replayed is checked from the restored segments" \
	jq -s -e 'first(.[] | select(.id == "pitr")) | (.checks | any(.what == "timeline replayed" and .ok and (.actual | startswith("1 ")))) and .evidence.stopped.timeline == "1"' "$TRASH/cur/journal.jsonl"

# Following it (latest) is said too; what was replayed is timeline 2.
pitr_drill "$TRASH/lat.yaml" "target_latest: true" "target_timeline: latest"
sed -i 's/expect_value: "100"/expect_value: "0"/; s/expect_value: "0"$/expect_value: "1"/' "$TRASH/lat.yaml"
"$RDRILL" run "$TRASH/lat.yaml" -o "$TRASH/lat" >/dev/null 2>&1
expect_true "following timeline 2: the step says it replayed 2" \
	jq -s -e 'first(.[] | select(.id == "pitr")) | .checks | any(.what == "timeline replayed" and (.expected == "2") and (.actual | startswith("2 ")))' "$TRASH/lat/journal.jsonl"
test_done
