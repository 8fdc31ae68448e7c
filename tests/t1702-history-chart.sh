#!/bin/sh
# Issue 20, point 8: history.html's chart has axes and dates: a y axis
# with durations (0, half, the largest figure), an x axis with a tick per
# run and the runs' start dates (UTC), and a legend saying what each
# colour and axis means; only digits of a date reach the SVG.
. "$(dirname "$0")/lib.sh"
{ drill_head chart test
cat <<EOF
phases:
  verify_backup:
    - {id: ok, run: ["true"]}
  destroy:
    - {id: gone, run: ["true"]}
  restore:
    - {id: back, run: [sleep, "0.2"]}
  verify_restore:
    - {id: fine, run: ["true"]}
EOF
} >"$TRASH/chart.yaml"
for n in 1 2 3; do
	expect_exit 0 "$RDRILL" run "$TRASH/chart.yaml" --confirm test -o "$TRASH/r/run$n"
done
expect_exit 0 "$RDRILL" history "$TRASH/r" -o "$TRASH/h"
H=$TRASH/h/history.html
svg=$(sed -n 's/.*\(<svg .*<\/svg>\).*/\1/p' "$H")
echo "$svg" >"$TRASH/svg.txt"
today=$(date -u +%Y-%m-%d)
expect_true "two axis lines from the plot's corner" sh -c \
	"grep -o '<line x1=\"64\" y1=\"22\" x2=\"64\" y2=\"136\"' '$TRASH/svg.txt' && grep -o '<line x1=\"64\" y1=\"136\" x2=\"544\" y2=\"136\"' '$TRASH/svg.txt'"
expect_true "a tick per run on the x axis" test \
	"$(grep -o 'y1="136" x2="[0-9.]*" y2="140"' "$TRASH/svg.txt" | wc -l)" -eq 3
expect_true "the runs' date under the x axis" sh -c \
	"grep -o 'text-anchor=\"middle\" fill=\"#59636e\">$today</text>' '$TRASH/svg.txt' | grep -q ."
expect_true "the y axis starts at 0" grep -q 'text-anchor="end" fill="#59636e">0 ms</text>' "$TRASH/svg.txt"
expect_true "three duration labels on the y axis" test \
	"$(grep -o 'text-anchor="end"' "$TRASH/svg.txt" | wc -l)" -eq 3
expect_grep_F "x: the run's start date (UTC)" "$TRASH/svg.txt"
test_done
