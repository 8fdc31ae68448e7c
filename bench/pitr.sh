#!/bin/sh
# PITR drill of a cluster of >= 1 GB with >= 64 WAL segments to replay:
# rdrill's recover step (restore files + replay WAL + promote) beside the
# same commands by hand in bash (cp -a, the same settings, pg_ctl start,
# a psql poll until paused, pg_promote, CHECKPOINT), one run each, and
# the ratio; and what the WAL completeness checks cost against the
# replay; and the WAL proof by content (every page header of every
# segment, rdrill's own reader) beside pg_waldump over the same segments,
# and its share of the replay. Figures, never pass/fail: see
# bench/README.md.
#   SCALE (pgbench scale, 70 ~ 1.05 GB)   BENCH_DIR (where the data goes)
. "$(dirname "$0")/lib.sh"
SCALE=${SCALE:-70}
command -v jq >/dev/null || bench_die "needs jq"
machine
P=$WORK/prod
ARCH=$WORK/archive
mkdir -p "$ARCH" "$WORK/bk"
if [ "$(id -u)" -eq 0 ]; then chown "$PG_OS_USER" "$ARCH" "$WORK/bk"; fi
pg_up "$P" -c wal_level=replica -c archive_mode=on \
	"-c archive_command='test ! -f $ARCH/%f && cp %p $ARCH/%f'" \
	-c max_wal_size=4GB -c checkpoint_timeout=1h
psql() { as_pg "$PG_BIN/psql" -XAtq -v ON_ERROR_STOP=1 "$@"; }
echo "making the cluster (pgbench -i -s $SCALE) ..."
as_pg "$PG_BIN/pgbench" -i -s "$SCALE" -q postgres >/dev/null 2>&1
psql -c CHECKPOINT
as_pg "$PG_BIN/pg_basebackup" -D "$WORK/bk/base" -X none -c fast
size=$(du -sb "$WORK/bk/base" | cut -f1)
# Every page touched once after the backup's checkpoint: full-page images
# plus the updates, about a GiB of WAL to replay.
echo "writing WAL after the backup ..."
psql -c 'UPDATE pgbench_accounts SET abalance = abalance + 1'
psql -c 'SELECT pg_sleep(0.2)' >/dev/null
target=$(psql -c "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'")
psql -c 'SELECT pg_sleep(0.2)' >/dev/null
psql -c 'UPDATE pgbench_branches SET bbalance = bbalance + 1'
seg=$(psql -c 'SELECT pg_walfile_name(pg_switch_wal())')
i=0
while [ $i -lt 600 ] && [ ! -f "$ARCH/$seg" ]; do sleep 0.5; i=$((i + 1)); done
[ -f "$ARCH/$seg" ] || bench_die "WAL not archived"
pg_down "$P"
nseg=$(ls "$ARCH" | grep -c '^[0-9A-F]\{24\}$')
echo "base backup: $size bytes; WAL archive: $nseg segments of 16 MiB"
# Both runs start from the page cache.
cat "$WORK/bk/base"/base/*/* "$ARCH"/* >/dev/null 2>&1 || true

# --- by hand, in bash ---------------------------------------------------
S=$WORK/hand
mkdir -p "$S" "$WORK/hsock"
chmod 700 "$S" "$WORK/hsock"
if [ "$(id -u)" -eq 0 ]; then chown "$PG_OS_USER" "$S" "$WORK/hsock"; fi
bench_stop_at_exit "$S"
t0=$(now_ns)
as_pg cp -a "$WORK/bk/base/." "$S"
rm -f "$S/backup_manifest"
t1=$(now_ns)
as_pg sh -c "cat >>'$S/postgresql.auto.conf'" <<CONF
restore_command = 'cp $ARCH/%f "%p"'
recovery_target_time = '$target'
recovery_target_action = 'pause'
hot_standby = 'on'
listen_addresses = ''
unix_socket_directories = '$WORK/hsock'
archive_mode = 'off'
CONF
as_pg touch "$S/recovery.signal"
as_pg "$PG_BIN/pg_ctl" -D "$S" -l "$WORK/hsock/server.log" -W start >/dev/null
until [ "$(as_pg "$PG_BIN/psql" -h "$WORK/hsock" -U postgres -XAtq \
	-c 'SELECT pg_get_wal_replay_pause_state()' 2>/dev/null)" = paused ]; do
	sleep 0.1
done
t2=$(now_ns)
as_pg "$PG_BIN/psql" -h "$WORK/hsock" -U postgres -XAtq \
	-c 'SELECT pg_promote(true, 60)' -c CHECKPOINT >/dev/null
t3=$(now_ns)
as_pg "$PG_BIN/pg_ctl" -D "$S" -m immediate -w stop >/dev/null
rm -rf "$S" "$WORK/hsock"
hand_restore=$(secs "$t0" "$t1")
hand_replay=$(secs "$t1" "$t2")
hand_total=$(secs "$t0" "$t3")

# --- rdrill ---------------------------------------------------------------
cat >"$WORK/pitr.yaml" <<YAML
rdrill: 1
id: bench-pitr
title: bench-pitr
system: bench
environment: bench
objective: PITR of a >= 1 GB cluster
targets: {rto: 1h, rpo: 1h}
backup_set:
  - {id: db, title: database, tier: 1, kind: database, source: [db], artifact: x}
connections:
  scratch: {host: "$WORK/rsock", dbname: postgres, user: postgres}
phases:
  verify_backup:
    - id: base
      basebackup: {dir: "$WORK/bk/base", wal_archive: "$ARCH", pg_bin: "$PG_BIN"}
  restore:
    - id: pitr
      recover:
        backup: base
        scratch: "$WORK/rscratch"
        connection: scratch
        run_as: "$PG_OS_USER"
        pg_bin: "$PG_BIN"
        target_time: "$target"
YAML
"$RDRILL" run "$WORK/pitr.yaml" -o "$WORK/out" >/dev/null 2>"$WORK/run.err" ||
	{ cat "$WORK/run.err" >&2; bench_die "the drill failed"; }
J=$WORK/out/journal.jsonl
rec() { jq -s -r "first(.[] | select(.id == \"pitr\")) | $1" "$J"; }
r_restore=$(awk -v m="$(rec .evidence.rto.restore_files_ms)" 'BEGIN { printf "%.3f", m / 1000 }')
r_replay=$(awk -v m="$(rec .evidence.rto.replay_wal_ms)" 'BEGIN { printf "%.3f", m / 1000 }')
r_total=$(awk -v m="$(rec .duration_ms)" 'BEGIN { printf "%.3f", m / 1000 }')
wal_rec=$(rec .evidence.rto.wal_check_ms)
wal_bb=$(jq -s -r 'first(.[] | select(.id == "base")) | .evidence.wal.check_us' "$J")
bb_total=$(jq -s -r 'first(.[] | select(.id == "base")) | .duration_ms' "$J")
replayed=$(rec .evidence.wal.segments)

echo "segments the recovery needed: $replayed"
printf '%-34s %10s %10s %7s\n' "" "by hand" "rdrill" "ratio"
printf '%-34s %9ss %9ss %6sx\n' "restore files (cp -a)" "$hand_restore" "$r_restore" "$(ratio "$r_restore" "$hand_restore")"
printf '%-34s %9ss %9ss %6sx\n' "replay WAL (start -> paused)" "$hand_replay" "$r_replay" "$(ratio "$r_replay" "$hand_replay")"
printf '%-34s %9ss %9ss %6sx\n' "restore + replay" \
	"$(awk -v a="$hand_restore" -v b="$hand_replay" 'BEGIN { printf "%.3f", a + b }')" \
	"$(awk -v a="$r_restore" -v b="$r_replay" 'BEGIN { printf "%.3f", a + b }')" \
	"$(ratio "$(awk -v a="$r_restore" -v b="$r_replay" 'BEGIN { print a + b }')" \
		 "$(awk -v a="$hand_restore" -v b="$hand_replay" 'BEGIN { print a + b }')")"
printf '%-34s %9ss %9ss %6sx\n' "whole step (+ promote, checkpoint)" "$hand_total" "$r_total" "$(ratio "$r_total" "$hand_total")"
echo "WAL completeness checks: recover step ${wal_rec} ms, basebackup step's archive walk ${wal_bb} us;" \
	"$(awk -v a="$wal_rec" -v b="$wal_bb" -v r="$r_replay" 'BEGIN { printf "%.3f %%", (a + b / 1000) / (r * 1000) * 100 }') of the replay" \
	"(the whole basebackup step, pg_verifybackup included: ${bb_total} ms)"

# --- the WAL proof by content vs pg_waldump over the same segments --------
proof() { jq -s -r "first(.[] | select(.id == \"base\")) | .evidence.wal.proof.$1" "$J"; }
p_ms=$(proof ms); p_seg=$(proof segments); p_bytes=$(proof bytes)
p_thr=$(proof threads); p_first=$(proof first); p_last=$(proof last)
t0=$(now_ns)
as_pg "$PG_BIN/pg_waldump" --path="$ARCH" "$p_first" "$p_last" >/dev/null 2>&1 || true
t1=$(now_ns)
wd=$(secs "$t0" "$t1")
t0=$(now_ns)
as_pg "$PG_BIN/pg_waldump" --stats --path="$ARCH" "$p_first" "$p_last" >/dev/null 2>&1 || true
t1=$(now_ns)
wds=$(secs "$t0" "$t1")
r_proof=$(awk -v m="$p_ms" 'BEGIN { printf "%.3f", m / 1000 }')
echo "WAL proof by content: $p_seg segments ($(awk -v b="$p_bytes" 'BEGIN { printf "%.2f GiB", b / 1073741824 }')), $p_first..$p_last, $p_thr threads"
printf '%-40s %9ss\n' "rdrill's page-header proof" "$r_proof"
printf '%-40s %9ss %6sx\n' "pg_waldump (every record, to /dev/null)" "$wd" "$(ratio "$r_proof" "$wd")"
printf '%-40s %9ss %6sx\n' "pg_waldump --stats" "$wds" "$(ratio "$r_proof" "$wds")"
echo "proof's share of the replay: $(awk -v a="$p_ms" -v r="$r_replay" 'BEGIN { printf "%.2f %%", a / (r * 1000) * 100 }')"
