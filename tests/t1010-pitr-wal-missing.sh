#!/bin/sh
# A WAL segment removed from the middle of the archive: the drill fails
# before any recovery is claimed, naming the segment; a target past the
# archive's end fails in the recover step before anything is restored.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pitr-lib.sh"

pitr_setup || { fail "fixture"; test_done; }
gone=000000010000000000000004
expect_file "$ARCH/$gone"
mv "$ARCH/$gone" "$TRASH/$gone"
pitr_drill "$TRASH/d.yaml" "target_time_file: $TRASH/target_time"
expect_exit 1 "$RDRILL" run "$TRASH/d.yaml" -o "$TRASH/out"
J=$TRASH/out/journal.jsonl
expect_true "the basebackup step fails naming $gone" \
	jq -s -e --arg g "$gone" 'first(.[] | select(.id == "base")) | .status == "failed" and (.message | contains($g + " is missing"))' "$J"
expect_true "no recover step record: nothing was claimed" \
	jq -s -e 'map(select(.id == "pitr")) | length == 0' "$J"
expect_grep "first missing: \*\*$gone\*\*" "$TRASH/out/report.md"
expect_grep_F "FAILED" "$TRASH/out/report.md"
expect_scratch_gone

# A target LSN past the archive: refused before destroy (the basebackup
# step proves every recover step's target).
mv "$TRASH/$gone" "$ARCH/$gone"
pitr_drill "$TRASH/d2.yaml" "target_lsn: 0/9000000"
expect_exit 1 "$RDRILL" run "$TRASH/d2.yaml" -o "$TRASH/out2"
J=$TRASH/out2/journal.jsonl
expect_true "the basebackup step refuses the target past the archive" \
	jq -s -e 'first(.[] | select(.id == "base")) | .status == "failed" and (.message | test("target LSN 0/9000000: past the archived WAL"))' "$J"
expect_true "nothing restored: no recover record" \
	jq -s -e 'map(select(.id == "pitr")) | length == 0' "$J"
expect_scratch_gone
test_done
