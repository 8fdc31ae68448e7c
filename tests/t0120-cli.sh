#!/bin/sh
# Command-line conventions: --help on every subcommand, empty option
# values refused with a message, a refused output directory exits 3, and
# the man page renders.
. "$(dirname "$0")/lib.sh"
D=tests/drills/minimal.yaml
cd "$TOP"

for c in validate plan run render verify; do
	for h in --help -h; do
		expect_exit 0 "$RDRILL" "$c" "$h"
		expect_grep "^usage: rdrill $c " "$OUT"
		expect_grep 'exit codes: ' "$OUT"
	done
done
expect_exit 0 "$RDRILL" plan "$D" --help
expect_grep '  --var NAME=VALUE' "$OUT"
expect_no_file reports/nothing-here
expect_exit 0 "$RDRILL" run --help
expect_grep '  --confirm ENV' "$OUT"
expect_grep '  --approved-plan HASH' "$OUT"

# Empty values: exit 2, and a word about what is wrong.
for args in "--var=" "-o=" "--output=" "--lang=" "--confirm=" "--approved-plan="; do
	expect_exit 2 "$RDRILL" run "$D" "$args"
	expect_grep "${args%=}=: the value is empty" "$ERR"
done
for opt in --var -o --lang; do
	expect_exit 2 "$RDRILL" plan "$D" "$opt" ""
	expect_grep "$opt: the value is empty" "$ERR"
done
expect_exit 2 "$RDRILL" plan "$D" --var
expect_grep 'var needs a value' "$ERR"

# A refused output directory is a refusal: exit 3, nothing ran.
mkdir "$TRASH/full"
: >"$TRASH/full/keep"
expect_exit 3 "$RDRILL" plan "$D" -o "$TRASH/full"
expect_grep 'already exists and is not an empty directory' "$ERR"
expect_exit 3 "$RDRILL" run "$D" -o "$TRASH/full"
expect_grep 'already exists and is not an empty directory' "$ERR"
expect_no_file "$TRASH/full/journal.jsonl"

# The man page: every subcommand, the exit codes; renders without warnings.
M=$TOP/rdrill.1
expect_file "$M"
expect_grep '^\.TH RDRILL 1 ' "$M"
for s in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS 'EXIT STATUS' ENVIRONMENT FILES; do
	expect_grep "^\\.SH $s\$" "$M"
done
for c in validate plan run render verify; do
	expect_grep "^\\.B $c\$" "$M"
done
if command -v groff >/dev/null 2>&1; then
	groff -man -Tutf8 -ww -z "$M" >"$OUT" 2>"$ERR"
	expect_true "groff renders rdrill.1" test $? -eq 0
	expect_true "groff: no warnings" test ! -s "$ERR"
	groff -man -Tascii -P-cbou "$M" 2>/dev/null >"$OUT"
	expect_grep "^EXIT STATUS" "$OUT"
else
	expect_true "balanced .nf/.fi" test "$(grep -c '^\.nf' "$M")" -eq "$(grep -c '^\.fi' "$M")"
fi
test_done
