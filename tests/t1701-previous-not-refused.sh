#!/bin/sh
# Issue 20, point 8: a REFUSED run (an operator's mistake: destructive
# steps without --confirm) is never the "previous run" a report compares
# with; the previous run is the last one that verified and reached a
# verdict. Three runs side by side: PASSED, REFUSED, then a third whose
# report names the first.
. "$(dirname "$0")/lib.sh"
small_drill prev >"$TRASH/prev.yaml"
R=$TRASH/r
expect_exit 0 "$RDRILL" run "$TRASH/prev.yaml" --confirm test -o "$R/one-passed"
expect_exit 3 "$RDRILL" run "$TRASH/prev.yaml" -o "$R/two-refused"
expect_true "the second run's seal says REFUSED" \
	grep -q 'REFUSED' "$R/two-refused/report.md"
expect_exit 0 "$RDRILL" run "$TRASH/prev.yaml" --confirm test --lang en -o "$R/three"
expect_grep '^Previous run, .*one-passed' "$R/three/report.md"
expect_no_grep 'two-refused' "$R/three/report.md"
expect_true "the start record names the PASSED run as previous" sh -c \
	"jq -r 'select(.type==\"start\") | .context.previous.bundle' '$R/three/journal.jsonl' | grep -qx one-passed"
test_done
