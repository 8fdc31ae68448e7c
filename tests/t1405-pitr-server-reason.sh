#!/bin/sh
# The server's own reason for a failed recovery reaches report.md's page
# 1 (issue 26): a segment proven before the destroy phase and damaged
# after it (a copy of another segment under its name) makes recovery end
# early; the step's message carries the server's FATAL and the WAL
# reader's line before it ("unexpected pageaddr ... in log segment ..."),
# and page 1 shows it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pitr-lib.sh"

pitr_setup || { fail "fixture"; test_done; }
bad=000000010000000000000005
pitr_drill "$TRASH/d.yaml" "target_time_file: $TRASH/target_time"
awk -v a="$ARCH" -v b="$bad" '
	/^  restore:$/ {
		print "  destroy:"
		print "    - id: damage"
		print "      run: [cp, \"" a "/000000010000000000000004\", \"" a "/" b "\"]"
	}
	{ print }' "$TRASH/d.yaml" >"$TRASH/d2.yaml"
expect_exit 1 "$RDRILL" run "$TRASH/d2.yaml" -o "$TRASH/out" --confirm test
J=$TRASH/out/journal.jsonl
expect_true "the proof passed before the damage" \
	jq -s -e 'first(.[] | select(.id == "base")) | .status == "passed"' "$J"
expect_true "the message: FATAL and the WAL reader's reason, naming $bad" \
	jq -s -e --arg b "$bad" 'first(.[] | select(.id == "pitr")) | .status == "failed" and (.message | test("FATAL: .*recovery ended before configured recovery target was reached; the server log: .*unexpected pageaddr 0/4000000 in log segment " + $b))' "$J"
page1=$(sed -n '1,/^## Evidence in detail/p' "$TRASH/out/report.md")
expect_true "page 1 shows the server's reason" \
	sh -c 'printf "%s" "$1" | grep -q "unexpected pageaddr 0/4000000 in log segment"' - "$page1"
expect_scratch_gone
test_done
