#!/bin/sh
# Every seed and crash reproducer of tests/fuzz/corpus/NAME replayed once
# through the fuzz target NAME, linked with tests/fuzz/driver.c instead
# of libFuzzer (built by `make check-suite` into $B, so it runs plain and
# under ASan + UBSan). A crash, a sanitizer report or a leak fails it.
. "$(dirname "$0")/lib.sh"

B=${B:-build}
for src in "$TOP"/tests/fuzz/fuzz-*.c; do
	name=$(basename "$src" .c)
	name=${name#fuzz-}
	bin=$TOP/$B/fuzz-$name
	if [ ! -x "$bin" ]; then
		fail "no $bin: make B=$B $B/fuzz-$name"
		continue
	fi
	n=$(ls "$TOP/tests/fuzz/corpus/$name" | wc -l)
	expect_true "corpus $name has seeds" test "$n" -gt 0
	expect_exit 0 "$bin" "$TOP/tests/fuzz/corpus/$name"
	expect_grep "fuzz-$name: $n inputs replayed" "$OUT"
done
test_done
