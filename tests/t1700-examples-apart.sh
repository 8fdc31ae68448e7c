#!/bin/sh
# Issue 20, point 8: the committed example bundles live in examples/,
# outside reports/ (where a user's own bundles land and which `rdrill
# history reports` indexes), so they are never part of a user's history
# or metrics; nothing of the project still points at reports/examples
# (the example bundles' own journals keep the path they were made with:
# sealed evidence is never edited). A run with the default output
# directory lands in reports/, and history over reports/ shows that run
# and no example.
. "$(dirname "$0")/lib.sh"

expect_true "examples/ holds the committed bundles" \
	test -f "$TOP/examples/demo-run/SEAL" -a -f "$TOP/examples/history.md"
expect_true "reports/ holds no example" test ! -e "$TOP/reports/examples"
(cd "$TOP" && grep -rIl 'reports/examples' --exclude-dir=.git \
	--exclude-dir='build*' --exclude-dir=examples --exclude-dir=fuzz \
	--exclude=t1700-examples-apart.sh . ) >"$TRASH/refs.txt" 2>/dev/null
expect_true "nothing points at reports/examples ($(tr '\n' ' ' <"$TRASH/refs.txt"))" \
	test ! -s "$TRASH/refs.txt"
(cd "$TOP/examples" && grep -rIl 'reports/examples' history.md history.json \
	history.html README.md) >"$TRASH/hist.txt" 2>/dev/null
expect_true "the examples' history names examples/" test ! -s "$TRASH/hist.txt"

# A user's own run in a clone-like directory: default output, history.
mkdir -p "$TRASH/clone"
cat >"$TRASH/clone/mine.yaml" <<EOF
$(drill_head mine test)
phases:
  verify_backup:
    - {id: ok, run: ["true"]}
EOF
cp -R "$TOP/examples" "$TRASH/clone/examples"
(cd "$TRASH/clone" && "$RDRILL" run mine.yaml >"$OUT" 2>"$ERR")
expect_true "the run passed" grep -q '^PASSED' "$OUT"
expect_true "it landed in reports/" sh -c "ls -d '$TRASH'/clone/reports/*-mine"
(cd "$TRASH/clone" && "$RDRILL" history reports -o "$TRASH/h" >"$OUT" 2>"$ERR")
expect_grep_F 'mine' "$TRASH/h/history.md"
expect_no_grep 'demo-run' "$TRASH/h/history.md"
expect_true "no example in the metrics" sh -c \
	"! grep -q 'demo' '$TRASH/h/history.json'"
test_done
