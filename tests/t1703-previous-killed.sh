#!/bin/sh
# The previous run a report compares with is the newest beside it that
# verifies and reached a verdict, NOT RESTORED included (README,
# "History"). A run killed after its destroy step left the system
# destroyed: once render sealed it (CUT SHORT, which verifies), it is
# that previous run, and `rdrill plan`'s last-run line names it, not
# an older PASSED. Unsealed it is not believed; a run killed before any
# destroy (INCOMPLETE, no verdict) is never the previous run.
. "$(dirname "$0")/lib.sh"
{ drill_head kp test
cat <<'YAML'
vars: {kill: none}
phases:
  verify_backup:
    - {id: ok, shell: "if [ ${kill} = early ]; then kill -9 $PPID; sleep 5; fi"}
  destroy:
    - {id: gone, run: ["true"]}
  restore:
    - {id: back, shell: "if [ ${kill} = late ]; then kill -9 $PPID; sleep 5; fi"}
YAML
} >"$TRASH/kp.yaml"
R=$TRASH/r
previous() {
	jq -r 'select(.type=="start") | .context.previous.bundle // "none"' \
		"$R/$1/journal.jsonl"
}
killed_run() {
	"$RDRILL" run "$TRASH/kp.yaml" --confirm test --var kill="$1" \
		-o "$R/$2" >"$OUT" 2>"$ERR"
	rc=$?
	expect_true "run $2 was killed (status $rc)" test $rc -eq 137
}

expect_exit 0 "$RDRILL" run "$TRASH/kp.yaml" --confirm test -o "$R/1-passed"
killed_run late 2-killed
expect_exit 0 "$RDRILL" run "$TRASH/kp.yaml" --confirm test -o "$R/3-unsealed-before"
expect_true "an unsealed killed run is not believed: previous is 1-passed" \
	test "$(previous 3-unsealed-before)" = 1-passed
rm -rf "$R/3-unsealed-before"

expect_exit 0 "$RDRILL" render "$R/2-killed"
expect_exit 0 "$RDRILL" verify "$R/2-killed"
expect_grep '^VERIFIED, CUT SHORT' "$OUT"
expect_exit 0 "$RDRILL" plan "$TRASH/kp.yaml" -o "$R/4-plan"
expect_grep '^last run: .*NOT RESTORED (.*2-killed)$' "$OUT"
rm -rf "$R/4-plan"
expect_exit 0 "$RDRILL" run "$TRASH/kp.yaml" --confirm test --lang en -o "$R/5-after"
expect_true "the sealed NOT RESTORED run is the previous run" \
	test "$(previous 5-after)" = 2-killed
expect_grep '^Previous run, .*`NOT RESTORED`, 2-killed' "$R/5-after/report.md"

# Killed before the destroy step: INCOMPLETE, sealed, never previous.
killed_run early 6-early
expect_exit 0 "$RDRILL" render "$R/6-early"
expect_exit 0 "$RDRILL" run "$TRASH/kp.yaml" --confirm test -o "$R/7-last"
expect_true "an INCOMPLETE run is never the previous run" \
	test "$(previous 7-last)" = 5-after
test_done
