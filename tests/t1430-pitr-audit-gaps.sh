#!/bin/sh
# Issue 26's audit gaps and issue 21's "known before destroy, refused
# before destroy", each on a real cluster: a target time with no zone
# fails validate (file:line:col, exit 2); a target before the backup's end
# is refused by the basebackup step, before destroy; a copy left paused
# in recovery fails the write probe with the server's words; in_place
# marks the step destructive; recovery_target_inclusive is written, not
# refused; expect_min "1" is taken; plan says when no --confirm is
# needed; a physical backup item is not called a database dump.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pitr-lib.sh"

PITR_KEEP_RUNNING=1
pitr_setup || { fail "fixture"; test_done; }

pitr_drill "$TRASH/v1.yaml" 'target_time: "2030-01-01 00:00:00"'
expect_exit 2 "$RDRILL" validate "$TRASH/v1.yaml"
expect_grep 'v1.yaml:[0-9]*:[0-9]*: target_time .2030-01-01 00:00:00.: give it as .* with a zone' "$ERR"

pitr_drill_destroy "$TRASH/early.yaml" 'target_time: "2001-01-01 00:00:00+00"'
expect_exit 1 "$RDRILL" run "$TRASH/early.yaml" -o "$TRASH/early" --confirm test
expect_true "a target before the backup's end refused before destroy" \
	jq -s -e 'first(.[] | select(.id == "base")) | .status == "failed" and (.message | test("recover step .pitr.: target time 2001-01-01 00:00:00\\+00 lies before the backup.s end"))' "$TRASH/early/journal.jsonl"
expect_prod_untouched

# Paused in recovery, and a write asked for: the probe fails, honestly.
pitr_drill "$TRASH/pause.yaml" "target_time_file: $TRASH/target_time" \
	"target_action: pause" "write_probe: true" \
	"settings: {recovery_target_inclusive: \"off\"}"
expect_exit 1 "$RDRILL" run "$TRASH/pause.yaml" -o "$TRASH/pause"
J=$TRASH/pause/journal.jsonl
expect_true "the write probe fails on the copy left in recovery" \
	jq -s -e 'first(.[] | select(.id == "pitr")) | .status == "failed" and (.message | test("refused a write: .*read-only transaction"))' "$J"
expect_true "the probe's statements are evidence" \
	jq -s -e 'first(.[] | select(.id == "pitr")) | .evidence.write_probe[0] | startswith("CREATE TABLE")' "$J"
expect_true "recovery_target_inclusive written" \
	jq -s -e 'first(.[] | select(.id == "pitr")) | .evidence.recovery_conf | test("recovery_target_inclusive = .off.")' "$J"

# in_place alone marks the step destructive: run needs --confirm.
pitr_drill "$TRASH/ip.yaml" 'target_immediate: true' 'in_place: true'
expect_exit 0 "$RDRILL" validate "$TRASH/ip.yaml"
expect_exit 3 "$RDRILL" run "$TRASH/ip.yaml" -o "$TRASH/oip"
expect_grep 'confirm' "$ERR"
expect_exit 0 "$RDRILL" plan "$TRASH/ip.yaml"
expect_grep '1 destructive (run needs --confirm test)' "$OUT"

# Plan without destructive steps says no --confirm is needed.
pitr_drill "$TRASH/p.yaml" 'target_immediate: true'
sed -i 's/query: "SELECT count(\*) FROM orders WHERE id <= 100", expect_value: "100"/query: "SELECT 1", expect_min: "1"/; s/kind: database/kind: physical/' "$TRASH/p.yaml"
expect_grep_F 'expect_min: "1"' "$TRASH/p.yaml"
expect_exit 0 "$RDRILL" plan "$TRASH/p.yaml"
expect_grep 'none destructive (run needs no --confirm)' "$OUT"
expect_no_grep 'run needs --confirm' "$OUT"
expect_exit 0 "$RDRILL" run "$TRASH/p.yaml" -o "$TRASH/p"
expect_grep_F 'Kind: physical database backup (base backup and WAL)' "$TRASH/p/report.md"
test_done
