#!/bin/sh
# WAL proven by content before the destroy phase (issue 26): a segment
# replaced by a copy of another one has every name right and the right
# size, yet its page headers say where it really belongs. The basebackup
# step refuses it before destroy (exit 1, destroy not run, production
# untouched), naming the segment and the server's own words for it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pitr-lib.sh"

PITR_KEEP_RUNNING=1
pitr_setup || { fail "fixture"; test_done; }
bad=000000010000000000000005
expect_file "$ARCH/$bad"
cp "$ARCH/$bad" "$TRASH/$bad.orig"
cp "$ARCH/000000010000000000000004" "$ARCH/$bad"
pitr_drill_destroy "$TRASH/d.yaml" "target_time_file: $TRASH/target_time"
expect_exit 1 "$RDRILL" run "$TRASH/d.yaml" -o "$TRASH/out" --confirm test
J=$TRASH/out/journal.jsonl
expect_true "the basebackup step fails naming $bad and its page address" \
	jq -s -e --arg g "$bad" 'first(.[] | select(.id == "base")) | .status == "failed" and (.message | contains("segment " + $g + ": unexpected pageaddr 0/4000000 at offset 0"))' "$J"
expect_true "the proof is evidence: first bad segment and why" \
	jq -s -e --arg g "$bad" 'first(.[] | select(.id == "base")) | .evidence.wal.proof | .ok == false and .bad_segment == $g' "$J"
expect_true "no destroy step record" \
	jq -s -e 'map(select(.id == "disaster")) | length == 0' "$J"
expect_true "no recover step record" \
	jq -s -e 'map(select(.id == "pitr")) | length == 0' "$J"
expect_prod_untouched
expect_grep "unexpected pageaddr 0/4000000" "$TRASH/out/report.md"
expect_scratch_gone

# The genuine segment back: proven, every header of every segment read.
cp "$TRASH/$bad.orig" "$ARCH/$bad"
pitr_drill "$TRASH/ok.yaml" "target_time_file: $TRASH/target_time"
expect_exit 0 "$RDRILL" run "$TRASH/ok.yaml" -o "$TRASH/ok"
J=$TRASH/ok/journal.jsonl
expect_true "the WAL proven by content, 5 segments or more, on >= 1 thread" \
	jq -s -e 'first(.[] | select(.id == "base")) | .evidence.wal.proof | .ok and .segments >= 5 and .threads >= 1 and .bytes == .segments * 16777216' "$J"
expect_true "the proof's time is an RTO part of the recover step" \
	jq -s -e 'first(.[] | select(.id == "pitr")) | .evidence.rto | has("wal_proof_ms")' "$J"
expect_true "the write probe passed on the promoted copy" \
	jq -s -e 'first(.[] | select(.id == "pitr")) | .checks | any(.what | startswith("write probe")) ' "$J"

# A segment of another cluster (another system identifier) under the
# right name: refused too.
mkdir -p "$TRASH/other"
if [ "$(id -u)" -eq 0 ]; then chown "$PG_OS_USER" "$TRASH/other"; fi
as_pg "$PG_BIN/initdb" -D "$TRASH/other/data" -U postgres -A trust --no-sync >/dev/null 2>&1
cp "$TRASH/other/data/pg_wal/000000010000000000000001" "$TRASH/other1"
cp "$TRASH/other1" "$ARCH/$bad"
expect_exit 1 "$RDRILL" run "$TRASH/ok.yaml" -o "$TRASH/o3"
expect_true "another cluster's segment named" \
	jq -s -e --arg g "$bad" 'first(.[] | select(.id == "base")) | .message | contains($g) and contains("system identifier")' "$TRASH/o3/journal.jsonl"
test_done
