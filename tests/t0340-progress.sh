#!/bin/sh
# What the SRE sees: on a terminal, a live line redrawn every second
# (step i/n, phase, id, elapsed); in a log, plain start and end lines.
. "$(dirname "$0")/lib.sh"
W=$TRASH/w
mkdir -p "$W"
# The slow step ends when the test has seen its "2s" line, not after a
# fixed time: on a loaded machine a redraw may come late (issue 21).
{ drill_head tty test
cat <<EOF
phases:
  backup:
    - {id: slow, run: [sh, -c, "while [ ! -e '$W/go' ]; do sleep 0.1; done"]}
    - {id: quick, run: ["true"]}
EOF
} >"$TRASH/tty.yaml"

# script(1) gives rdrill a pseudo-terminal; -f writes its log as it
# comes (block-buffered, the "2s" line was seen only once the 60 s bound
# below ran out and the step ended: every run waited the whole bound).
# The bound (300 s) is against a hang only.
script -qfec "'$RDRILL' run '$TRASH/tty.yaml' -o '$TRASH/b1'" "$TRASH/tty.log" \
	>/dev/null 2>&1 </dev/null &
spid=$!
i=0
while ! grep -qF '[1/2] backup         slow  2s' "$TRASH/tty.log" 2>/dev/null &&
      [ $i -lt 3000 ]; do sleep 0.1; i=$((i + 1)); done
expect_true "the 2s line seen while the step ran (not after the bound)" \
	test $i -lt 3000
touch "$W/go"
wait $spid
expect_true "run under a terminal" test $? -eq 0
expect_grep_F '[1/2] backup         slow  1s' "$TRASH/tty.log"
expect_grep_F '[1/2] backup         slow  2s' "$TRASH/tty.log"
# The end line with its duration (at least the 2 s it was seen running).
expect_grep '\[1/2\] backup         slow  passed [0-9.]*s' "$TRASH/tty.log"
expect_no_grep '\[1/2\] backup         slow  passed [01]\.[0-9]s' "$TRASH/tty.log"
expect_grep "$(printf '\033\\[K')" "$TRASH/tty.log"

expect_exit 0 "$RDRILL" run "$TRASH/tty.yaml" -o "$TRASH/b2"
expect_grep_F '[1/2] backup         slow ...' "$ERR"
expect_grep_F '[2/2] backup         quick  passed' "$ERR"
expect_no_grep "$(printf '\033')" "$ERR"
expect_grep '^PASSED: ' "$OUT"
test_done
