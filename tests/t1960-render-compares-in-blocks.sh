#!/bin/sh
# Render in memory proportional to the report (issue 25, point 2): verify
# (and render, which runs it) compares plan.json and the reports with what
# the journal renders to a block at a time (report.html as it is made, a
# part at a time, never held), hashes the plan body as it is
# dumped, and reads each step's record again from the journal it walked
# rather than keeping the lines. The checks must be as strict as when
# both sides were held whole: a byte added, cut or changed anywhere is
# found, a FIFO planted in a compared file's place is refused without
# waiting on it, and the plan hash verify prints is the plan's own, for
# a plan held in the start record and for one too big for it (plan.json
# named by its hash, over 256 KiB).
. "$(dirname "$0")/lib.sh"

# bundle NAME N: a run of N trivial steps in $TRASH/NAME.
bundle() {
	{ drill_head "$1" test
	echo "phases:"
	echo "  backup:"
	awk -v n="$2" 'BEGIN { for (i = 1; i <= n; i++)
		printf "    - {id: s%d, run: [\"true\"]}\n", i }'
	} >"$TRASH/$1.yaml"
	expect_exit 0 "$RDRILL" run "$TRASH/$1.yaml" -o "$TRASH/$1"
}
bundle small 30
bundle big 2500

grep -q '"plan_file"' "$TRASH/big/journal.jsonl"
expect_true "the 2500-step plan is named by its hash, not inline" test $? -eq 0
grep -q '"plan_file"' "$TRASH/small/journal.jsonl"
expect_true "the 30-step plan is inline" test $? -ne 0

# The plan hash verify checks (streamed) is plan.json's plan_hash.
for b in small big; do
	expect_exit 0 "$RDRILL" verify "$TRASH/$b"
	want=$(sed -n 's/^  "plan_hash": "\([0-9a-f]*\)",$/\1/p' "$TRASH/$b/plan.json")
	expect_true "$b: plan.json has a plan_hash" test -n "$want"
	expect_grep "^OK      plan.json: the journal's plan, plan hash $want\$" "$OUT"
	expect_exit 0 "$RDRILL" render "$TRASH/$b"
	expect_grep 'is sealed and verifies' "$ERR"
done

# tamper NAME WHAT PROBLEM: a copy of the small bundle with WHAT done
# to it (a shell command run in the copy) fails verify with PROBLEM,
# and render refuses it; neither waits on a FIFO (timeout).
n=0
tamper() {
	n=$((n + 1))
	T=$TRASH/t$n
	cp -r "$TRASH/$1" "$T"
	(cd "$T" && eval "$2")
	expect_exit 1 timeout 120 "$RDRILL" verify "$T"
	expect_grep "$3" "$OUT"
	expect_exit 1 timeout 120 "$RDRILL" render "$T"
	expect_grep "refusing to render" "$ERR"
}
tamper small 'printf x >>report.md' \
	'^FAILED  report.md: not what the journal renders to'
tamper small 'head -c -1 report.html >r && mv r report.html' \
	'^FAILED  report.html: not what the journal renders to'
tamper small 'sed -i "0,/s1/s//x1/" report.md' \
	'^FAILED  report.md: not what the journal renders to'
tamper small 'head -c -1 report.md >r && mv r report.md' \
	'^FAILED  report.md: not what the journal renders to'
tamper small 'echo >>plan.json' \
	'^FAILED  plan.json: differs from the plan in journal.jsonl record 1'
tamper small 'head -c -2 plan.json >p && mv p plan.json' \
	'^FAILED  plan.json: differs from the plan in journal.jsonl record 1'
tamper small 'rm plan.json && mkfifo plan.json' \
	'^FAILED  plan.json: cannot read'
tamper small 'rm report.md && mkfifo report.md' \
	'^FAILED  report.md: not what the journal renders to'
tamper small 'rm report.html && mkfifo report.html' \
	'^FAILED  report.html: not what the journal renders to'
tamper small 'printf x >>report.html' \
	'^FAILED  report.html: not what the journal renders to'
# A big plan's plan.json is checked against the hash the chain holds.
tamper big 'sed -i "s/\"id\": \"s1700\"/\"id\": \"s17x0\"/" plan.json' \
	'plan.json is not the plan the start record names'
tamper big 'printf x >>report.md' \
	'^FAILED  report.md: not what the journal renders to'

test_done
