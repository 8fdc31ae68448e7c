#!/bin/sh
# One `rdrill render` renders each report once (issue 25, point 2). Verify
# renders the reports again to compare them with the bundle's; where
# render then writes the same language (--lang beside a seal, over a
# report.LANG.md an earlier render wrote; or a cut-short bundle), it
# writes verify's render instead of making it again. Counted with strace:
# the opens of the language's report template, report.zh-CN.md.mustache,
# which a render of the report loads once, and the renderer's identity
# (report_renderer(): a hash of every template) once per seal checked
# and once per seal written. Main opened it once more in each case (3
# and 4 times below). What is written is byte for byte what a render
# from scratch writes.
. "$(dirname "$0")/lib.sh"
{ drill_head once test
echo "phases:"
echo "  backup:"
awk 'BEGIN { for (i = 1; i <= 40; i++) printf "    - {id: s%d, run: [\"true\"]}\n", i }'
} >"$TRASH/d.yaml"
B=$TRASH/b
expect_exit 0 "$RDRILL" run "$TRASH/d.yaml" -o "$B"

# renders ARGS...: `rdrill render ARGS` under strace; $n: how many times
# it opened the zh-CN report template, $RC its exit code.
renders() {
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		strace -f -qq -e trace=open,openat -o "$TRASH/trace" \
		"$RDRILL" render "$@" >"$OUT" 2>"$ERR" </dev/null
	RC=$?
	n=$(grep -c 'report\.zh-CN\.md\.mustache"' "$TRASH/trace")
}

# Beside the seal, the first time: nothing to compare, one render.
renders "$B" --lang zh-CN
expect_true "--lang zh-CN exits 0 (got $RC)" test "$RC" -eq 0
expect_true "first --lang zh-CN: the seal's check and one render (got $n)" \
	test "$n" -eq 2
cp "$B/report.zh-CN.md" "$TRASH/zh.md"
cp "$B/report.zh-CN.html" "$TRASH/zh.html"

# Again: verify compares report.zh-CN.* with a render, and that render
# is what is written; before, render made a second one.
renders "$B" --lang zh-CN
expect_true "second --lang zh-CN exits 0 (got $RC)" test "$RC" -eq 0
expect_true "second --lang zh-CN: the seal's check and one render, not two (got $n)" \
	test "$n" -eq 2
expect_same "$TRASH/zh.md" "$B/report.zh-CN.md"
expect_same "$TRASH/zh.html" "$B/report.zh-CN.html"
expect_exit 0 "$RDRILL" verify "$B"
expect_grep '^OK      report.zh-CN.md, report.zh-CN.html: byte for byte' "$OUT"

# Cut short (killed before its seal), rendered in zh-CN while a
# report.zh-CN.md is there: report.md is verify's zh-CN render.
C=$TRASH/c
cp -r "$B" "$C"
rm -f "$C/SEAL" "$C/SHA256SUMS" "$C/seal.tsq"
renders "$C" --lang zh-CN
expect_true "cut short --lang zh-CN exits 0 (got $RC)" test "$RC" -eq 0
expect_grep 'sealed now as cut short after journal record' "$ERR"
expect_true "cut short --lang zh-CN: the check, one render, the new seal (got $n)" \
	test "$n" -eq 3
expect_same "$TRASH/zh.md" "$C/report.md"
expect_same "$TRASH/zh.html" "$C/report.html"
expect_exit 0 "$RDRILL" verify "$C"
expect_grep '^OK      report.md, report.html: byte for byte' "$OUT"

# The same without strace (an ASan build checks it for leaks), and a
# report.zh-CN.md that is not the journal's is still refused.
E=$TRASH/e
cp -r "$B" "$E"
expect_exit 0 "$RDRILL" render "$E" --lang zh-CN
expect_same "$TRASH/zh.md" "$E/report.zh-CN.md"
printf 'tampered\n' >>"$E/report.zh-CN.md"
expect_exit 1 "$RDRILL" render "$E" --lang zh-CN
expect_grep 'report.zh-CN.md: not what the journal renders to' "$ERR"
test_done
