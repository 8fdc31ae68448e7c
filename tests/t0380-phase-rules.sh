#!/bin/sh
# Phase rules and when: conditions. Destructive steps only in the destroy
# and restore phases (golden load errors in t0100); canary absent is not
# destructive; a step with a false when: is SKIPPED with the reason, in
# the journal, the report and the plan.
. "$(dirname "$0")/lib.sh"
W=$TRASH/w
mkdir -p "$W"
cd "$TOP"

# The seed: only canary delete and what really destroys are marked.
expect_exit 0 "$RDRILL" plan drills/mattermost-prod.yaml -o "$TRASH/p0"
expect_grep 'canary-delete   !! DESTRUCTIVE' "$OUT"
expect_no_grep 'canary-gone .*DESTRUCTIVE' "$OUT"
expect_grep '(only if step pg-dump ran)' "$OUT"
expect_grep_F 'rm-dump-in-container' "$OUT"
expect_grep_F '*执行条件：仅当步骤 pg-dump 已运行。*' "$TRASH/p0/report.md"

# Failure before anything was dumped: the cleanup that removes the dump
# is skipped, with the reason; the unconditional cleanup still runs.
{ drill_head whenfail test
cat <<EOF
phases:
  backup:
    - {id: ok-1, run: ["true"]}
    - {id: broken, run: ["false"]}
    - {id: make-dump, run: [touch, "$W/dump"]}
  cleanup:
    - id: rm-dump
      when: {step: make-dump, status: ran}
      run: [touch, "$W/rm-dump-ran"]
    - id: after-destroy
      when: destroy_started
      run: [touch, "$W/after-destroy-ran"]
    - id: on-broken
      when: {step: broken, status: failed}
      run: [touch, "$W/on-broken-ran"]
    - {id: always, run: [touch, "$W/always-ran"]}
EOF
} >"$TRASH/whenfail.yaml"
expect_exit 1 "$RDRILL" run "$TRASH/whenfail.yaml" -o "$TRASH/b1"
expect_no_file "$W/rm-dump-ran"
expect_no_file "$W/after-destroy-ran"
expect_file "$W/on-broken-ran"
expect_file "$W/always-ran"
J=$TRASH/b1/journal.jsonl
expect_true "rm-dump journaled skipped" test \
	"$(jq -r 'select(.id == "rm-dump") | .status' "$J")" = skipped
expect_true "with the reason" test \
	"$(jq -r 'select(.id == "rm-dump") | .message' "$J")" = \
	"skipped: its condition is false (step make-dump did not run)"
expect_true "after-destroy: the destroy phase did not start" test \
	"$(jq -r 'select(.id == "after-destroy") | .message' "$J")" = \
	"skipped: its condition is false (the destroy phase did not start)"
expect_true "on-broken ran" test \
	"$(jq -r 'select(.id == "on-broken") | .status' "$J")" = passed
expect_grep_F 'skipped: its condition is false (step make-dump did not run)' "$TRASH/b1/report.md"
expect_grep '^\*\*Status\*\*: `SKIPPED` · took 0 ms$' "$TRASH/b1/report.md"
expect_grep_F '*Runs only if step make-dump ran.*' "$TRASH/b1/report.md"
expect_grep '^FAILED: ' "$OUT"
expect_exit 0 "$RDRILL" verify "$TRASH/b1"

# Destroy ran: the conditional cleanup runs; a passed-condition on a
# failed step does not.
{ drill_head whenok test
cat <<EOF
phases:
  backup:
    - {id: make-dump, run: [touch, "$W/dump2"]}
  verify_backup:
    - {id: dump-there, files: {path: "$W/dump2", exists: true}}
  destroy:
    - {id: wipe, run: [touch, "$W/wiped"]}
  restore:
    - id: restore
      destructive: true
      run: ["true"]
  cleanup:
    - id: rm-dump
      when: destroy_started
      run: [touch, "$W/rm-dump2-ran"]
    - id: only-if-wipe-failed
      when: {step: wipe, status: failed}
      run: [touch, "$W/wipe-failed-ran"]
    - id: only-if-wipe-passed
      when: {step: wipe, status: passed}
      run: [touch, "$W/wipe-passed-ran"]
EOF
} >"$TRASH/whenok.yaml"
expect_exit 0 "$RDRILL" run "$TRASH/whenok.yaml" --confirm test -o "$TRASH/b2"
expect_file "$W/rm-dump2-ran"
expect_no_file "$W/wipe-failed-ran"
expect_file "$W/wipe-passed-ran"
expect_true "a false when is no failure" test \
	"$(tail -1 "$TRASH/b2/journal.jsonl" | jq -r .status)" = PASSED
expect_grep '`SKIPPED`' "$TRASH/b2/report.md"
test_done
