#!/bin/sh
# The README's quick start, run verbatim (issue 20, point 7): the lines
# between its quickstart markers, in a copy of the repository's files,
# against a throwaway cluster in libpq's environment, end with a PASSED
# report whose bundle verifies.
. "$(dirname "$0")/lib.sh"
pg_start || exit 1

sed -n '/^<!-- quickstart:/,/^<!-- \/quickstart -->/p' "$TOP/README.md" |
	sed '/^<!--/d; /^```/d' >"$TRASH/quickstart.sh"
expect_true "the README has a quick start" test -s "$TRASH/quickstart.sh"
expect_true "it starts from a clone (make) and ends with a run" sh -c \
	"head -1 '$TRASH/quickstart.sh' | grep -q '^make' &&
	 tail -1 '$TRASH/quickstart.sh' | grep -q '^./rdrill run '"
# It is on the README's first screen (its first 40 lines).
expect_true "the quick start is on the first screen" test \
	"$(grep -n '^<!-- /quickstart -->' "$TOP/README.md" | cut -d: -f1)" -le 40

# A clone: the repository's files, no build.
C=$TRASH/clone
mkdir "$C"
if git -C "$TOP" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$TOP" && git ls-files -z | xargs -0 cp --parents -t "$C")
else
	(cd "$TOP" && tar --exclude='./build*' --exclude=./reports -cf - .) |
		(cd "$C" && tar -xf -)
fi
expect_no_file "$C/rdrill"
(cd "$C" && sh -e "$TRASH/quickstart.sh") >"$OUT" 2>"$ERR" </dev/null
expect_true "the quick start ran (exit 0)" test $? -eq 0
expect_grep '^PASSED: reports/[0-9-]*-starter/report.html$' "$OUT"
B=$(sed -n 's|^PASSED: \(reports/.*\)/report.html$|\1|p' "$OUT")
expect_file "$C/$B/report.html"
expect_true "its bundle verifies" sh -c "cd '$C' && ./rdrill verify '$B'"
test_done
