#!/bin/sh
# Recovery that stops early or never ends is FAILED, never a hang, and
# the scratch server is stopped and removed every time: a shutdown at
# the target (not promoted), a timeline that does not exist, a target
# after the last archived WAL, a replay held back past the step's
# timeout, and SIGTERM during the replay.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pitr-lib.sh"

pitr_setup || { fail "fixture"; test_done; }
msg() { jq -s -r 'first(.[] | select(.id == "pitr")) | .status + ": " + .message' "$1/journal.jsonl"; }

pitr_drill "$TRASH/d1.yaml" "target_time_file: $TRASH/target_time" \
	"target_action: shutdown"
expect_exit 1 "$RDRILL" run "$TRASH/d1.yaml" -o "$TRASH/o1"
msg "$TRASH/o1" >"$TRASH/m1"
expect_grep 'failed: recovery did not reach the target: the server shut down at the target' "$TRASH/m1"
expect_scratch_gone

pitr_drill "$TRASH/d2.yaml" "target_time_file: $TRASH/target_time" \
	'target_timeline: "5"'
expect_exit 1 "$RDRILL" run "$TRASH/d2.yaml" -o "$TRASH/o2"
msg "$TRASH/o2" >"$TRASH/m2"
expect_grep 'failed: recovery did not reach the target: .*FATAL: .*timeline 5' "$TRASH/m2"
expect_scratch_gone

pitr_drill "$TRASH/d3.yaml" 'target_time: "2099-01-01 00:00:00+00"'
expect_exit 1 "$RDRILL" run "$TRASH/d3.yaml" -o "$TRASH/o3"
msg "$TRASH/o3" >"$TRASH/m3"
expect_grep 'failed: recovery did not reach the target: .*FATAL: *recovery ended before configured recovery target was reached' "$TRASH/m3"
expect_scratch_gone

PITR_TIMEOUT=8s pitr_drill "$TRASH/d4.yaml" "target_time_file: $TRASH/target_time" \
	'settings: {recovery_min_apply_delay: 1h}'
t0=$(date +%s)
expect_exit 1 "$RDRILL" run "$TRASH/d4.yaml" -o "$TRASH/o4"
t1=$(date +%s)
msg "$TRASH/o4" >"$TRASH/m4"
expect_grep "failed: recovery did not reach its target within the step's timeout (8s)" "$TRASH/m4"
# Not a timing assertion: a bound far above the timeout, against a hang.
expect_true "stopped within a minute ($((t1 - t0)) s)" [ $((t1 - t0)) -lt 60 ]
expect_scratch_gone

pitr_drill "$TRASH/d5.yaml" "target_time_file: $TRASH/target_time" \
	'settings: {recovery_min_apply_delay: 1h}'
"$RDRILL" run "$TRASH/d5.yaml" -o "$TRASH/o5" >"$TRASH/o5.out" 2>&1 &
pid=$!
i=0
# Until the scratch server runs (or rdrill ended); 300 s against a hang.
while [ $i -lt 3000 ] && ! [ -f "$TRASH/scratch/postmaster.pid" ] &&
      kill -0 $pid 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
sleep 1
kill -TERM $pid
wait $pid
rc=$?
[ $rc -ne 0 ] && pass "SIGTERM: exit $rc" || fail "SIGTERM: exit 0"
expect_true "SIGTERM: the step is aborted" \
	jq -s -e 'first(.[] | select(.id == "pitr")) | .status == "aborted"' "$TRASH/o5/journal.jsonl"
expect_scratch_gone
test_done
