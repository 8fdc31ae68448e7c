#!/bin/sh
# Render reads the journal once (issue 25, point 2). The walk that checks
# journal.jsonl's chain (seal_check, what verify runs) also gives the
# records the report is rendered from and the shape the seal records, so
# render opens the journal for that one walk and for SHA256SUMS's hash of
# its bytes, nothing else: 2 opens, where it took 4 (sealed) and 5 (cut
# short) before. A cut-short render writes the report verify just
# rendered to compare. Counted with strace (openat of journal.jsonl).
# And every step is in the report: step records are kept as their lines
# and parsed again one at a time while the report is made.
. "$(dirname "$0")/lib.sh"
N=300
{ drill_head once test
echo "phases:"
echo "  backup:"
awk -v n=$N 'BEGIN { for (i = 1; i <= n; i++) printf "    - {id: s%d, run: [\"true\"]}\n", i }'
} >"$TRASH/d.yaml"
B=$TRASH/b
expect_exit 0 "$RDRILL" run "$TRASH/d.yaml" -o "$B"

# opens ARGS...: `rdrill render ARGS` under strace; $n: how many times it
# opened a journal.jsonl, $RC its exit code, $OUT and $ERR its output.
# (An ASan build cannot look for leaks under ptrace: not there; the
# renders below without strace still do.)
opens() {
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		strace -f -qq -e trace=open,openat -o "$TRASH/trace" \
		"$RDRILL" render "$@" >"$OUT" 2>"$ERR" </dev/null
	RC=$?
	n=$(grep -c 'journal\.jsonl"' "$TRASH/trace")
}
# steps FILE: the step headings of a report ("#### 12. s12").
steps() { grep -c '^#### [0-9][0-9]*\. s[0-9][0-9]*$' "$1"; }

expect_true "the run's report has every step" test "$(steps "$B/report.md")" -eq $N
cp "$B/report.md" "$TRASH/run.md"

# A sealed bundle: verified, the report unchanged.
opens "$B"
expect_true "render exits 0 (got $RC)" test "$RC" -eq 0
expect_grep 'is sealed and verifies; its report is unchanged' "$ERR"
expect_true "sealed: journal.jsonl opened twice: its walk and SHA256SUMS (got $n)" \
	test "$n" -eq 2
expect_same "$TRASH/run.md" "$B/report.md"

# Another language beside it: rendered from the same walk.
opens "$B" --lang zh-CN
expect_true "--lang zh-CN exits 0 (got $RC)" test "$RC" -eq 0
expect_true "--lang: journal.jsonl opened twice (got $n)" test "$n" -eq 2
expect_true "report.zh-CN.md has every step" \
	test "$(steps "$B/report.zh-CN.md")" -eq $N
expect_exit 0 "$RDRILL" verify "$B"
expect_grep '^OK      report.zh-CN.md, report.zh-CN.html: byte for byte' "$OUT"

# Killed after its reports, before its seal: sealed cut short with the
# report verify rendered (byte for byte the run's), the journal's shape
# from that walk.
C=$TRASH/c
cp -r "$B" "$C"
rm -f "$C/SEAL" "$C/SHA256SUMS" "$C/seal.tsq" "$C/report.html" \
	"$C/report.zh-CN.md" "$C/report.zh-CN.html"
opens "$C"
expect_true "cut short: render exits 0 (got $RC)" test "$RC" -eq 0
expect_grep 'sealed now as cut short after journal record' "$ERR"
expect_true "cut short: journal.jsonl opened twice: its walk and the seal's hash (got $n)" \
	test "$n" -eq 2
expect_same "$TRASH/run.md" "$C/report.md"
expect_file "$C/report.html"
expect_exit 0 "$RDRILL" verify "$C"
expect_grep '^OK      report.md, report.html: byte for byte' "$OUT"
expect_grep "^journal-records: $((N + 3))\$" "$C/SEAL"

# The same without strace (an ASan build checks it for leaks).
E=$TRASH/e
cp -r "$B" "$E"
rm -f "$E/SEAL" "$E/SHA256SUMS" "$E/seal.tsq"
expect_exit 0 "$RDRILL" render "$E"
expect_exit 0 "$RDRILL" render "$E" --lang zh-CN
expect_exit 0 "$RDRILL" verify "$E"

# The walk still refuses what it refused: a step record changed in the
# middle breaks the chain at the line after it, and nothing is written.
D=$TRASH/d
cp -r "$B" "$D"
rm -f "$D/SEAL" "$D/SHA256SUMS" "$D/seal.tsq"
sed -i '100s/"passed"/"failed"/' "$D/journal.jsonl"
expect_exit 1 "$RDRILL" render "$D"
expect_grep 'journal.jsonl:101: hash chain broken' "$ERR"
expect_no_file "$D/SEAL"
test_done
