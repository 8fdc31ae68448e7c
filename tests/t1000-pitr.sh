#!/bin/sh
# PITR happy path on real servers: basebackup evidence, recovery of a
# scratch copy to a target time, where it stopped, RPO from WAL, the
# scratch server stopped and removed; the production data directory's
# files are byte for byte what they were.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pitr-lib.sh"

pitr_setup || { fail "fixture"; test_done; }
# Every production file's hash, before the drill.
( cd "$PROD" && find . -type f -exec sha256sum {} + | sort -k2 ) >"$TRASH/prod.before"
pitr_drill "$TRASH/d.yaml" "target_time_file: $TRASH/target_time" \
	"disaster_time: \"$(date -u '+%Y-%m-%d %H:%M:%S')+00\""
# A PGPORT in the environment is the port libpq uses: the server too.
expect_exit 0 env PGPORT=54399 "$RDRILL" run "$TRASH/d.yaml" -o "$TRASH/out"
J=$TRASH/out/journal.jsonl
expect_grep '"status":"passed"' "$J"
expect_exit 0 "$RDRILL" verify "$TRASH/out"
R=$TRASH/out/report.md
expect_grep 'Target asked (time)' "$R"
expect_grep 'Stopped at: last replayed transaction' "$R"
expect_grep 'RPO (from WAL' "$R"
expect_grep 'RTO part: replaying WAL' "$R"
# ... and rows of page 1's table, each with a target (or informative)
# and a result (issue 20, point 2).
expect_grep '^| RPO from WAL (step pitr: distance to the chosen time target: disaster time minus the last replayed transaction.s commit time) | 1h | [0-9]*\.[0-9]* s | `PASSED` |$' "$R"
expect_grep '^| RTO part, step pitr: replaying WAL | informative | [0-9]*\.[0-9]* s | `INFORMATIVE` |$' "$R"
expect_grep '^| RTO part, step pitr: restoring files | informative | [0-9]*\.[0-9]* s | `INFORMATIVE` |$' "$R"
expect_true "the end record has the RPO from WAL" \
	jq -s -e 'first(.[] | select(.type == "end")) | .rpo_wal_ms > 0' "$J"
expect_grep 'recovery_target_time = ' "$R"
expect_grep "archive_mode = 'off'" "$R"
expect_grep 'Stop LSN' "$R"
expect_grep "port = '54399'" "$R"
# What rdrill wrote, journaled verbatim.
expect_true "recovery settings in the journal" \
	jq -s -e 'first(.[] | select(.id == "pitr")) | .evidence.recovery_conf | test("recovery_target_action = .pause.")' "$J"
expect_true "where it stopped: end LSN and timeline 1, promoted to 2" \
	jq -s -e 'first(.[] | select(.id == "pitr")) | .evidence.stopped | (.end_lsn | test("^[0-9A-F]+/[0-9A-F]+$")) and .timeline == "1" and .new_timeline == "2"' "$J"
expect_true "last replayed transaction at or before the target" \
	jq -s -e --arg t "$(cat "$TRASH/target_time")" 'first(.[] | select(.id == "pitr")) | .evidence.stopped.last_xact_time <= $t' "$J"
expect_true "RPO from WAL is a number" \
	jq -s -e 'first(.[] | select(.id == "pitr")) | .evidence.rpo_wal_ms > 0' "$J"
expect_true "WAL range complete, 5 segments or more" \
	jq -s -e 'first(.[] | select(.id == "base")) | .evidence.wal.complete and .evidence.wal.segments >= 5' "$J"
expect_true "end record: scratch stopped and removed" \
	jq -s -e 'first(.[] | select(.type == "end")) | .scratch_cleanup[0] | .server_stopped and .removed' "$J"
expect_scratch_gone
( cd "$PROD" && find . -type f -exec sha256sum {} + | sort -k2 ) >"$TRASH/prod.after"
expect_same "$TRASH/prod.before" "$TRASH/prod.after"
# The live data directory is never a scratch target.
pitr_drill "$TRASH/live.yaml" "target_immediate: true"
sed -i "s|scratch: \"$TRASH/scratch\"|scratch: \"$PROD\"|" "$TRASH/live.yaml"
expect_exit 1 "$RDRILL" run "$TRASH/live.yaml" -o "$TRASH/out-live"
expect_grep 'exists: a scratch data directory must be new' "$TRASH/out-live/journal.jsonl"
( cd "$PROD" && find . -type f -exec sha256sum {} + | sort -k2 ) >"$TRASH/prod.after2"
expect_same "$TRASH/prod.before" "$TRASH/prod.after2"
# An RPO from WAL above the target fails its page-1 row and the drill
# (the disaster three hours after the last transaction).
pitr_drill "$TRASH/late.yaml" "target_time_file: $TRASH/target_time" \
	"disaster_time: \"$(date -u -d '+3 hours' '+%Y-%m-%d %H:%M:%S')+00\""
expect_exit 1 "$RDRILL" run "$TRASH/late.yaml" -o "$TRASH/out-late"
expect_grep '^| RPO from WAL (step pitr: .*) | 1h | [0-9]*\.[0-9]* s | `FAILED` |$' "$TRASH/out-late/report.md"
expect_grep '^# .*`FAILED`$' "$TRASH/out-late/report.md"
expect_true "the reason names it" sh -c \
	"jq -r 'select(.type==\"end\") | .reason' '$TRASH/out-late/journal.jsonl' | grep -q 'RPO from WAL .* exceeds the target 1h00m'"
test_done
