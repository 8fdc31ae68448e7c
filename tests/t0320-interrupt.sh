#!/bin/sh
# A drill killed with SIGKILL leaves a journal that renders INCOMPLETE;
# SIGTERM stops the running step's process group, runs cleanup and ends
# ABORTED.
. "$(dirname "$0")/lib.sh"
W=$TRASH/w
mkdir -p "$W"

{ drill_head long test
cat <<EOF
phases:
  backup:
    - {id: first, run: [echo, one]}
    - {id: second, shell: "echo started > $W/second; exec sleep 61"}
    - {id: third, run: [echo, three]}
  cleanup:
    - {id: bye, shell: "touch $W/cleanup-ran"}
EOF
} >"$TRASH/long.yaml"

wait_for() { # FILE: up to 10 s
	i=0
	while [ ! -e "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}

# SIGKILL: no end record, no report from the run itself.
"$RDRILL" run "$TRASH/long.yaml" -o "$TRASH/k" >/dev/null 2>&1 &
pid=$!
wait_for "$W/second"
kill -KILL $pid
wait $pid 2>/dev/null
pkill -x -f "sleep 61" 2>/dev/null
expect_file "$TRASH/k/journal.jsonl"
expect_no_file "$TRASH/k/report.md"
expect_true "journal holds start and step 1" test "$(wc -l <"$TRASH/k/journal.jsonl")" -eq 2
expect_exit 0 "$RDRILL" render "$TRASH/k"
expect_grep '`INCOMPLETE`' "$TRASH/k/report.md"
expect_grep '`SKIPPED`' "$TRASH/k/report.md"
expect_exit 0 "$RDRILL" verify "$TRASH/k"

# A record cut in half by the kill is left out, and said so.
printf '{"type":"step","n":2,"id":"sec' >>"$TRASH/k/journal.jsonl"
expect_exit 0 "$RDRILL" render "$TRASH/k"
expect_grep 'last line was cut short' "$ERR"
expect_grep '`INCOMPLETE`' "$TRASH/k/report.md"

# SIGTERM: the step's process group is stopped, cleanup runs, ABORTED.
rm -f "$W/second" "$W/cleanup-ran"
"$RDRILL" run "$TRASH/long.yaml" -o "$TRASH/t" >"$TRASH/t.out" 2>"$TRASH/t.err" &
pid=$!
wait_for "$W/second"
kill -TERM $pid
wait $pid
rc=$?
expect_true "SIGTERM: exit 1" test $rc -eq 1
expect_file "$W/cleanup-ran"
expect_true "no sleep left behind" sh -c "! ps -eo stat=,args= | grep -v ^Z | grep -q \"sleep 61\$\""
expect_grep '`ABORTED`' "$TRASH/t/report.md"
expect_true "journal ends ABORTED" test "$(tail -1 "$TRASH/t/journal.jsonl" | jq -r .status)" = ABORTED
expect_no_grep '^three' "$TRASH/t.out"
expect_exit 0 "$RDRILL" verify "$TRASH/t"
test_done
