#!/bin/sh
# A byte of a base-backup file changed: pg_verifybackup catches it before
# any restore, and the report and the step's message name the file.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pitr-lib.sh"

pitr_setup || { fail "fixture"; test_done; }
victim=$(cd "$BASE" && find base -type f -size +8k | sort | head -n 1)
[ -n "$victim" ] && pass "a file to change: $victim" || fail "no victim file"
# One byte, in place, same size (the manifest's size check would not see it).
b=$(od -An -tu1 -j 100 -N 1 "$BASE/$victim" | tr -d ' ')
printf "$(printf '\\%03o' $(( (b + 1) % 256 )))" |
	dd of="$BASE/$victim" bs=1 seek=100 count=1 conv=notrunc 2>/dev/null
pitr_drill "$TRASH/d.yaml" "target_time_file: $TRASH/target_time"
expect_exit 1 "$RDRILL" run "$TRASH/d.yaml" -o "$TRASH/out"
J=$TRASH/out/journal.jsonl
expect_true "the basebackup step names $victim" \
	jq -s -e --arg v "$victim" 'first(.[] | select(.id == "base")) | .status == "failed" and (.message | contains($v)) and (.evidence.verifybackup_files | index($v))' "$J"
expect_grep_F "checksum mismatch for file" "$TRASH/out/steps/01-base.verifybackup.log"
expect_grep_F "$(echo "$victim" | sed 's/_/\\_/g')" "$TRASH/out/report.md"
expect_true "no recovery attempted" \
	jq -s -e 'map(select(.id == "pitr")) | length == 0' "$J"
expect_exit 0 "$RDRILL" verify "$TRASH/out"
expect_scratch_gone
test_done
