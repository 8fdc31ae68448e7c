#!/bin/sh
# A target before the backup's end is a clear error, before the destroy
# phase (the basebackup step proves every recover step's target): a time
# before the backup's stop time, an LSN before its stop LSN. A target
# time without a zone is refused by validate (it would be read in the
# scratch server's TimeZone).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pitr-lib.sh"

pitr_setup || { fail "fixture"; test_done; }
pitr_drill "$TRASH/d.yaml" 'target_time: "2001-01-01 00:00:00+00"'
expect_exit 1 "$RDRILL" run "$TRASH/d.yaml" -o "$TRASH/out"
expect_true "time before the backup's end" \
	jq -s -e 'first(.[] | select(.id == "base")) | .status == "failed" and (.message | test("target time 2001-01-01 00:00:00\\+00 lies before the backup.s end"))' "$TRASH/out/journal.jsonl"
expect_scratch_gone
pitr_drill "$TRASH/d2.yaml" 'target_lsn: 0/1000000'
expect_exit 1 "$RDRILL" run "$TRASH/d2.yaml" -o "$TRASH/out2"
expect_true "LSN before the backup's end" \
	jq -s -e 'first(.[] | select(.id == "base")) | .status == "failed" and (.message | test("target LSN 0/1000000: before the backup.s end"))' "$TRASH/out2/journal.jsonl"
expect_scratch_gone
pitr_drill "$TRASH/d3.yaml" 'target_time: "2030-01-01 00:00:00"'
expect_exit 2 "$RDRILL" validate "$TRASH/d3.yaml"
expect_grep "d3.yaml:[0-9]*:[0-9]*: target_time .* with a zone" "$ERR"
# Load-time rules: one target, no setting rdrill owns, LSN syntax.
pitr_drill "$TRASH/v1.yaml" 'target_lsn: 0/1' 'target_name: x'
expect_exit 2 "$RDRILL" validate "$TRASH/v1.yaml"
expect_grep 'needs exactly one of target_time' "$ERR"
pitr_drill "$TRASH/v2.yaml" 'target_lsn: nope'
expect_exit 2 "$RDRILL" validate "$TRASH/v2.yaml"
expect_grep 'v2.yaml:[0-9]*:[0-9]*: target_lsn is not an LSN' "$ERR"
pitr_drill "$TRASH/v3.yaml" 'target_immediate: true' 'settings: {archive_mode: "on"}'
expect_exit 2 "$RDRILL" validate "$TRASH/v3.yaml"
expect_grep "'archive_mode' is written by rdrill itself" "$ERR"
pitr_drill "$TRASH/v4.yaml" 'target_immediate: true' 'in_place: true'
sed -i 's/^      timeout: /      destructive: false\n      timeout: /' "$TRASH/v4.yaml"
expect_exit 2 "$RDRILL" validate "$TRASH/v4.yaml"
expect_grep "it is destructive (remove 'destructive: false')" "$ERR"
# In place: destructive (--confirm), and never over a directory with files.
pitr_drill "$TRASH/ip.yaml" 'target_immediate: true' 'in_place: true'
sed -i 's/^      timeout: /      destructive: true\n      timeout: /' "$TRASH/ip.yaml"
expect_exit 3 "$RDRILL" run "$TRASH/ip.yaml" -o "$TRASH/oip0"
expect_grep 'confirm' "$ERR"
mkdir -p "$TRASH/scratch"
echo live >"$TRASH/scratch/PG_VERSION"
expect_exit 1 "$RDRILL" run "$TRASH/ip.yaml" -o "$TRASH/oip" --confirm test
expect_grep_F 'is not an empty directory' "$TRASH/oip/journal.jsonl"
expect_true "the directory's file is untouched" grep -qx live "$TRASH/scratch/PG_VERSION"
rm -rf "$TRASH/scratch"
test_done
