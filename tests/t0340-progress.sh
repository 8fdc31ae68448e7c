#!/bin/sh
# What the SRE sees: on a terminal, a live line redrawn every second
# (step i/n, phase, id, elapsed); in a log, plain start and end lines.
. "$(dirname "$0")/lib.sh"
{ drill_head tty test
cat <<EOF
phases:
  backup:
    - {id: slow, run: [sleep, "2.5"]}
    - {id: quick, run: ["true"]}
EOF
} >"$TRASH/tty.yaml"

# script(1) gives rdrill a pseudo-terminal.
expect_true "run under a terminal" script -qec \
	"'$RDRILL' run '$TRASH/tty.yaml' -o '$TRASH/b1'" "$TRASH/tty.log"
expect_grep_F '[1/2] backup         slow  1s' "$TRASH/tty.log"
expect_grep_F '[1/2] backup         slow  2s' "$TRASH/tty.log"
# The end line with its duration; how long 2.5 s of sleep takes on a
# loaded machine is not this test's business.
expect_grep '\[1/2\] backup         slow  passed 2\.[5-9]s' "$TRASH/tty.log"
expect_grep "$(printf '\033\\[K')" "$TRASH/tty.log"

expect_exit 0 "$RDRILL" run "$TRASH/tty.yaml" -o "$TRASH/b2"
expect_grep_F '[1/2] backup         slow ...' "$ERR"
expect_grep_F '[2/2] backup         quick  passed' "$ERR"
expect_no_grep "$(printf '\033')" "$ERR"
expect_grep '^PASSED: ' "$OUT"
test_done
